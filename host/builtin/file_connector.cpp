#include "builtin/file_connector.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace siemhub::builtin {

void from_json(const nlohmann::json& j, FileConfig& c) {
  c.path = j.at("path").get<std::string>();
  c.max_line_bytes = j.value("max_line_bytes", c.max_line_bytes);
  c.fsync = j.value("fsync", c.fsync);
  c.start_at = j.value("start_at", c.start_at);
}

namespace {

struct Cursor {
  uint64_t ino = 0;
  uint64_t offset = 0;
  bool set = false;
};

Cursor parse_cursor(const std::string& text) {
  Cursor c;
  if (text.empty()) return c;
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return c;
  c.ino = j.value("ino", uint64_t{0});
  c.offset = j.value("offset", uint64_t{0});
  c.set = true;
  return c;
}

}  // namespace

FileConnector::FileConnector(sdk::Host host, Config cfg)
    : host_(host),
      cfg_(std::move(cfg)),
      bad_lines_(host_.counter("file_bad_lines_total", "Lines skipped because they are longer than max_line_bytes")),
      bytes_read_(host_.counter("file_bytes_read_total", "Bytes read by the file source")) {}

FileConnector::~FileConnector() {
  if (out_ != nullptr) std::fclose(out_);
}

void FileConnector::stop(int64_t) {
  if (out_ != nullptr) {
    std::fflush(out_);
    ::fsync(::fileno(out_));
  }
}

void FileConnector::poll(sdk::PullOp& op) {
  const int fd = ::open(cfg_.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return;  // not there yet: an idle poll
    throw sdk::Error(sdk::Category::transient, "cannot open " + cfg_.path + ": " + std::strerror(errno));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw sdk::Error(sdk::Category::transient, "cannot stat " + cfg_.path);

  Cursor cur = parse_cursor(op.cursor());
  const auto ino = static_cast<uint64_t>(st.st_ino);
  const auto size = static_cast<uint64_t>(st.st_size);
  uint64_t offset = cur.offset;
  if (!cur.set) offset = cfg_.start_at == "end" ? size : 0;
  else if (cur.ino != ino || cur.offset > size) offset = 0;  // rotated or truncated: start over
  if (offset >= size) {
    if (!cur.set || cur.ino != ino) op.set_cursor(nlohmann::json{{"ino", ino}, {"offset", offset}}.dump());
    return;
  }

  const uint32_t max_events = op.max_events() ? op.max_events() : 1000;
  std::vector<std::string> events;
  std::string buf;
  std::string carry;
  uint64_t pos = offset;       // where `carry` starts
  uint64_t committed = offset;  // after the last complete line
  bool skipping = false;        // inside an over-long line
  std::vector<char> chunk(1 << 16);
  while (events.size() < max_events) {
    const ssize_t n = ::pread(fd, chunk.data(), chunk.size(), static_cast<off_t>(pos + carry.size()));
    if (n < 0) throw sdk::Error(sdk::Category::transient, "cannot read " + cfg_.path + ": " + std::strerror(errno));
    if (n == 0) break;
    carry.append(chunk.data(), static_cast<size_t>(n));
    size_t start = 0;
    for (size_t nl = carry.find('\n'); nl != std::string::npos && events.size() < max_events;
         nl = carry.find('\n', start)) {
      std::string_view line(carry.data() + start, nl - start);
      if (skipping) {
        skipping = false;
      } else if (!line.empty() && line.find_first_not_of(" \t\r") != std::string_view::npos) {
        if (line.size() <= cfg_.max_line_bytes) {
          // Handed over whatever it holds: a line that is not an OCSF event (not even JSON) is
          // refused by the host's normalizer into the dead letters with its text and the reason,
          // so the cursor passes it only once it is kept there.
          events.emplace_back(line);
        } else {
          bad_lines_.record(1);
          host_.warn("skipping a line of " + cfg_.path + " at byte " + std::to_string(pos + start) +
                     ": longer than max_line_bytes");
        }
      }
      start = nl + 1;
      committed = pos + start;
    }
    pos += start;
    carry.erase(0, start);
    // Cut short by max_events: what is left in `carry` is unread lines for the next poll, not an
    // over-long line.
    if (events.size() >= max_events) break;
    if (carry.size() > cfg_.max_line_bytes) {  // an over-long line: drop what we have, skip to its end
      pos += carry.size();
      carry.clear();
      if (!skipping) bad_lines_.record(1);  // once per line, however many chunks it spans
      skipping = true;
    }
  }
  bytes_read_.record(static_cast<double>(committed - offset));
  if (!events.empty()) op.emit(events);
  op.set_cursor(nlohmann::json{{"ino", ino}, {"offset", committed}}.dump());
}

void FileConnector::write(sdk::SinkOp& op, const sdk::Batch& batch) {
  if (out_ == nullptr) {
    std::error_code ec;
    const auto parent = std::filesystem::path(cfg_.path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    out_ = std::fopen(cfg_.path.c_str(), "ae");
    if (out_ == nullptr)
      throw sdk::Error(sdk::Category::transient, "cannot open " + cfg_.path + " for append: " + std::strerror(errno));
  }
  // The batch as one buffer and one write (stdio would write it 4 KiB at a time).
  size_t total = 0;
  for (size_t i = 0; i < batch.size(); ++i) total += batch[i].data.size() + 1;
  write_buf_.clear();
  write_buf_.reserve(total);
  for (size_t i = 0; i < batch.size(); ++i) write_buf_.append(batch[i].data).push_back('\n');
  if (std::fwrite(write_buf_.data(), 1, write_buf_.size(), out_) != write_buf_.size())
    throw sdk::Error(sdk::Category::transient, "cannot write " + cfg_.path + ": " + std::strerror(errno));
  const auto written = static_cast<off_t>(write_buf_.size());
  if (write_buf_.capacity() > (8u << 20)) std::string().swap(write_buf_);  // keep no huge buffer around
  if (std::fflush(out_) != 0 || (cfg_.fsync && ::fsync(::fileno(out_)) != 0))
    throw sdk::Error(sdk::Category::transient, "cannot flush " + cfg_.path + ": " + std::strerror(errno));
  if (!cfg_.fsync) {
    // Write-behind: start writing these pages out now (without waiting). Left to the kernel they
    // pile up as dirty memory (gigabytes on a big host) and go out in one burst that stalls the
    // journal's fsyncs on the same disk for hundreds of milliseconds.
    const off_t end = ::ftello(out_);
    if (end >= written) ::sync_file_range(::fileno(out_), end - written, written, SYNC_FILE_RANGE_WRITE);
  }
  op.deliver(0, static_cast<uint32_t>(batch.size()));
}

}  // namespace siemhub::builtin
