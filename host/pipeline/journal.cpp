#include "pipeline/journal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "core/bytes.hpp"
#include "core/log.hpp"
#include "store/database.hpp"

namespace siemhub::pipeline {

namespace fs = std::filesystem;

namespace {

// ---------------------------------------------------------------- frames
//
// One frame per record (or per cursor-only update), little-endian:
//   0  u32 magic "SHJ2"          24 u64 seq (0: a cursor without events)   44 u16 source length
//   4  u32 frame bytes           32 i64 received_ms                        46 u16 flags (1: cursor)
//   8  u64 XXH3-64 of [16, end)  40 u32 event count                        48 u32 cursor length
//   16 u64 segment number                                                  52 u32 texts length
//   56 source, cursor, texts (encode_events), ids (encode_events: the rest of the frame)
//
// Segment files are recycled (a dropped one is renamed and overwritten: an overwrite needs no new
// blocks, so its fdatasync is shorter and steadier than an append's). The segment number in every
// frame tells this incarnation's frames from the stale ones after them.

constexpr uint32_t kMagic = 0x324a4853;  // "SHJ2"
constexpr size_t kHeader = 56;
constexpr uint16_t kHasCursor = 1;

void store_le(char* p, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

uint64_t load_le(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return v;
}

// Length-prefixed texts (or ids) of `events` at `p`; returns the end.
char* put_events(char* p, const std::vector<Event>& events, bool ids) {
  for (const auto& e : events) {
    const std::string& s = ids ? e.id : e.json;
    store_le(p, s.size(), 4);
    std::memcpy(p + 4, s.data(), s.size());
    p += 4 + s.size();
  }
  return p;
}

// The pieces put_events() wrote.
std::vector<std::string_view> split(std::string_view in) {
  std::vector<std::string_view> out;
  while (in.size() >= 4) {
    const uint64_t n = load_le(in.data(), 4);
    if (n > in.size() - 4) break;
    out.push_back(in.substr(4, n));
    in.remove_prefix(4 + n);
  }
  return out;
}

size_t frame_bytes(std::string_view source, const std::optional<std::string>& cursor, const std::vector<Event>& events) {
  size_t n = kHeader + source.size() + (cursor ? cursor->size() : 0);
  for (const auto& e : events) n += 8 + e.json.size() + e.id.size();
  if (n > UINT32_MAX || source.size() > UINT16_MAX) throw std::length_error("journal record too large");
  return n;
}

// Appends a frame to `out`; returns its size.
size_t put_frame(core::Bytes& out, uint64_t segment, uint64_t seq, int64_t received_ms, std::string_view source,
                 const std::optional<std::string>& cursor, const std::vector<Event>& events) {
  const size_t frame = frame_bytes(source, cursor, events);
  size_t texts = 0;
  for (const auto& e : events) texts += 4 + e.json.size();
  const size_t cursor_len = cursor ? cursor->size() : 0;
  char* h = out.grow(frame);
  store_le(h, kMagic, 4);
  store_le(h + 4, frame, 4);
  store_le(h + 16, segment, 8);
  store_le(h + 24, seq, 8);
  store_le(h + 32, static_cast<uint64_t>(received_ms), 8);
  store_le(h + 40, events.size(), 4);
  store_le(h + 44, source.size(), 2);
  store_le(h + 46, cursor ? kHasCursor : 0, 2);
  store_le(h + 48, cursor_len, 4);
  store_le(h + 52, texts, 4);
  char* p = h + kHeader;
  std::memcpy(p, source.data(), source.size());
  p += source.size();
  if (cursor_len) std::memcpy(p, cursor->data(), cursor_len);
  p += cursor_len;
  p = put_events(put_events(p, events, false), events, true);
  store_le(h + 8, XXH3_64bits(h + 16, frame - 16), 8);
  return frame;
}

struct FrameView {
  uint64_t seq = 0;
  int64_t received_ms = 0;
  uint32_t count = 0;
  std::string_view source, texts, ids;
  std::optional<std::string_view> cursor;
};

// The frame size a header of segment `segment` announces; 0 when the header cannot start one of
// its frames (not a frame, a frame of an earlier use of the file, or cut short).
uint32_t frame_size(const char* h, uint64_t available, uint64_t segment) {
  if (available < kHeader || load_le(h, 4) != kMagic || load_le(h + 16, 8) != segment) return 0;
  const auto frame = static_cast<uint32_t>(load_le(h + 4, 4));
  if (frame < kHeader || frame > available) return 0;
  const uint64_t fixed = kHeader + load_le(h + 44, 2) + load_le(h + 48, 4) + load_le(h + 52, 4);
  return fixed <= frame ? frame : 0;
}

// A whole frame of segment `segment` whose checksum holds; nullopt otherwise.
std::optional<FrameView> parse_frame(std::string_view f, uint64_t segment) {
  if (f.size() < kHeader || frame_size(f.data(), f.size(), segment) != f.size()) return std::nullopt;
  const char* h = f.data();
  if (XXH3_64bits(h + 16, f.size() - 16) != load_le(h + 8, 8)) return std::nullopt;
  FrameView v;
  v.seq = load_le(h + 24, 8);
  v.received_ms = static_cast<int64_t>(load_le(h + 32, 8));
  v.count = static_cast<uint32_t>(load_le(h + 40, 4));
  const size_t source_len = load_le(h + 44, 2), cursor_len = load_le(h + 48, 4), texts_len = load_le(h + 52, 4);
  size_t at = kHeader;
  v.source = f.substr(at, source_len);
  at += source_len;
  if (load_le(h + 46, 2) & kHasCursor) v.cursor = f.substr(at, cursor_len);
  at += cursor_len;
  v.texts = f.substr(at, texts_len);
  v.ids = f.substr(at + texts_len);
  return v;
}

std::string errno_text(const char* what, const fs::path& path, int err) {
  return std::string(what) + " " + path.string() + ": " + std::strerror(err);
}

bool pwrite_all(int fd, const char* data, size_t n, uint64_t offset, int& err) {
  while (n > 0) {
    const ssize_t w = ::pwrite(fd, data, n, static_cast<off_t>(offset));
    if (w < 0) {
      if (errno == EINTR) continue;
      err = errno;
      return false;
    }
    if (w == 0) {
      err = ENOSPC;
      return false;
    }
    data += w, n -= static_cast<size_t>(w), offset += static_cast<uint64_t>(w);
  }
  return true;
}

bool pread_all(int fd, char* data, size_t n, uint64_t offset) {
  while (n > 0) {
    const ssize_t r = ::pread(fd, data, n, static_cast<off_t>(offset));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    data += r, n -= static_cast<size_t>(r), offset += static_cast<uint64_t>(r);
  }
  return true;
}

void sync_dir(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// "<20-digit segment number>.seg" (a segment) or ".spare" (a dropped one kept for reuse) -> the
// number; nullopt for other names.
std::optional<uint64_t> segment_number(const std::string& name, std::string_view ext) {
  if (name.size() != 20 + ext.size() || name.compare(20, ext.size(), ext) != 0) return std::nullopt;
  uint64_t n = 0;
  const auto r = std::from_chars(name.data(), name.data() + 20, n);
  if (r.ec != std::errc{} || r.ptr != name.data() + 20) return std::nullopt;
  return n;
}

std::string segment_file(uint64_t number, std::string_view ext = ".seg") {
  char name[32];
  std::snprintf(name, sizeof name, "%020llu", static_cast<unsigned long long>(number));
  return std::string(name) + std::string(ext);
}

void save_cursors(store::Database& db, const std::map<std::string, std::string>& cursors, int64_t now) {
  for (const auto& [source, cursor] : cursors) {
    auto& s = db.prepare(
        "INSERT INTO cursors(connector, cursor, updated_at) VALUES(?1, ?2, ?3) "
        "ON CONFLICT(connector) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at",
        "save source cursor");
    s.bind_text(1, source).bind_blob(2, cursor).bind_int64(3, now).run();
  }
}

}  // namespace

std::string encode_events(const std::vector<Event>& events, bool ids) {
  size_t total = 0;
  for (const auto& e : events) total += 4 + (ids ? e.id.size() : e.json.size());
  std::string out(total, '\0');
  put_events(out.data(), events, ids);
  return out;
}

std::vector<Event> decode_events(std::string_view texts, std::string_view ids) {
  const auto t = split(texts);
  const auto i = split(ids);
  std::vector<Event> out(t.size());
  for (size_t k = 0; k < t.size(); ++k) {
    out[k].json.assign(t[k]);
    if (k < i.size()) out[k].id.assign(i[k]);
  }
  return out;
}

// ------------------------------------------------------------------------------- state

struct Journal::Segment {
  uint64_t number = 0;  // in its name and in every frame of this use of the file
  fs::path path;
  int fd = -1;
  uint64_t size = 0;      // bytes of whole frames (writer thread)
  uint64_t last_seq = 0;  // newest record in it; 0: none (cursor frames only)
  uint64_t cursor_gen = 0;  // the newest source cursor written in it (Journal::cursor_gen_ then)
  Segment() = default;
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;
  ~Segment() {
    if (fd >= 0) ::close(fd);
  }
};

struct Journal::Entry {
  RecordInfo info;
  std::shared_ptr<Segment> segment;
  uint64_t offset = 0;
  uint32_t frame = 0;
};

struct Journal::Job {
  // an append
  std::string source;
  std::vector<Event> events;
  std::optional<std::string> cursor;
  Done done;
  // or a checkpoint
  bool is_checkpoint = false;
  std::map<std::string, uint64_t> outboxes;
  std::optional<std::string> correlation;
  uint64_t delete_through = 0;
  std::function<void(bool)> checkpoint_done;
  // or, from the saver once a checkpoint is saved: drop the records through delete_through, then
  // call these
  bool is_drop = false;
  uint64_t cursor_gen = 0;  // the cursors the checkpoint saved
  std::vector<std::function<void(bool)>> drop_dones;
  // filled by commit
  bool refused = false;  // not attempted (disk full)
  std::shared_ptr<Record> record;
  std::shared_ptr<Segment> segment;  // where its frame went
  bool written = false;
  uint64_t offset = 0;  // of its frame in the segment
  uint32_t frame = 0;
};

Journal::Journal(fs::path hub_db, const core::Clock& clock, JournalOptions options)
    : path_(std::move(hub_db)), dir_(path_.parent_path() / "journal"), clock_(clock), options_(options) {
  store::DatabaseOptions wopt;
  wopt.synchronous = store::Synchronous::Full;
  wopt.auto_checkpoint = false;  // WAL checkpoints run from wal_checkpoint(), not inside commits
  wopt.large_pages = true;       // when the journal creates hub.db itself (as DataDir would)
  writer_db_ = std::make_unique<store::Database>(path_, wopt);
  // After a checkpoint resets the WAL, shrink the file back to this: its space is the disk's.
  writer_db_->exec("PRAGMA journal_size_limit = 4194304", "limit the WAL size");
  store::DatabaseOptions ropt;
  ropt.auto_checkpoint = false;
  reader_db_ = std::make_unique<store::Database>(path_, ropt);
  checkpoint_db_ = std::make_unique<store::Database>(path_, ropt);
  saver_db_ = std::make_unique<store::Database>(path_, wopt);
  saver_db_->exec("PRAGMA journal_size_limit = 4194304", "limit the WAL size");
  recover();
  writer_ = std::thread([this] { writer_loop(); });
  saver_ = std::thread([this] { saver_loop(); });
  checkpointer_ = std::thread([this] { checkpoint_loop(); });
}

Journal::~Journal() {
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  // Then the saver: it finishes the checkpoints the writer handed it (their drops run on the
  // saver thread now that the writer is gone).
  {
    std::lock_guard lock(save_mu_);
    save_stop_ = true;
  }
  save_cv_.notify_all();
  if (saver_.joinable()) saver_.join();
  {
    std::lock_guard lock(checkpoint_mu_);
    checkpoint_stop_ = true;
  }
  checkpoint_cv_.notify_all();
  if (checkpointer_.joinable()) checkpointer_.join();
}

// ------------------------------------------------------------------------------- recovery

void Journal::recover() {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) throw std::runtime_error("cannot create the journal directory " + dir_.string() + ": " + ec.message());
  fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::replace, ec);

  uint64_t seq_floor = 0;  // no new record may reuse a seq at or below this
  {
    auto& s = writer_db_->prepare("SELECT journal_seq, deleted_through FROM checkpoints WHERE id = 1",
                                  "read the checkpoint position");
    store::StatementReset reset(s);
    if (s.step()) {
      seq_floor = static_cast<uint64_t>(s.column_int64(0));
      deleted_through_ = static_cast<uint64_t>(s.column_int64(1));
    }
  }
  {
    // Records of a hub that journaled into hub.db (before segment files) kept their seqs there.
    auto& q = writer_db_->prepare("SELECT seq FROM sqlite_sequence WHERE name = 'journal'", "journal last seq");
    store::StatementReset reset(q);
    if (q.step()) seq_floor = std::max(seq_floor, static_cast<uint64_t>(q.column_int64(0)));
  }
  {
    auto& c = writer_db_->prepare("SELECT connector, cursor FROM cursors", "read source cursors");
    store::StatementReset reset(c);
    while (c.step()) cursors_[std::string(c.column_text(0))] = std::string(c.column_blob(1));
  }
  migrate_sqlite_rows();

  std::vector<std::pair<uint64_t, fs::path>> files;
  for (const auto& de : fs::directory_iterator(dir_)) {
    const std::string name = de.path().filename().string();
    if (const auto n = segment_number(name, ".seg")) {
      files.emplace_back(*n, de.path());
      last_segment_ = std::max(last_segment_, *n);
    } else if (const auto sp = segment_number(name, ".spare")) {
      last_segment_ = std::max(last_segment_, *sp);
      keep_spare(de.path());
    }
  }
  std::sort(files.begin(), files.end());
  uint64_t max_seq = 0;
  std::string buf;
  for (size_t i = 0; i < files.size(); ++i) {
    auto seg = std::make_shared<Segment>();
    seg->number = files[i].first;
    seg->path = files[i].second;
    seg->fd = ::open(seg->path.c_str(), O_RDWR | O_CLOEXEC);
    if (seg->fd < 0) throw std::runtime_error(errno_text("cannot open the journal segment", seg->path, errno));
    struct stat st {};
    if (::fstat(seg->fd, &st) != 0) throw std::runtime_error(errno_text("cannot stat", seg->path, errno));
    const auto file_size = static_cast<uint64_t>(st.st_size);
    uint64_t at = 0;
    char header[kHeader];
    bool damaged = false;
    while (at + kHeader <= file_size && pread_all(seg->fd, header, kHeader, at)) {
      const uint32_t frame = frame_size(header, file_size - at, seg->number);
      // A header of this segment that announces more than the file holds was cut short.
      damaged = frame == 0 && load_le(header, 4) == kMagic && load_le(header + 16, 8) == seg->number;
      if (frame == 0) break;
      buf.resize(frame);
      const std::optional<FrameView> v = pread_all(seg->fd, buf.data(), frame, at) ? parse_frame(buf, seg->number)
                                                                                    : std::nullopt;
      if (!v) {
        damaged = true;
        break;
      }
      if (v->cursor) {
        cursors_[std::string(v->source)] = std::string(*v->cursor);
        dirty_cursors_[std::string(v->source)] = std::string(*v->cursor);
      }
      if (v->seq != 0) {
        seg->last_seq = std::max(seg->last_seq, v->seq);
        max_seq = std::max(max_seq, v->seq);
        if (v->seq > deleted_through_)
          index_.push_back(Entry{{v->seq, std::string(v->source), v->texts.size()}, seg, at, frame});
      }
      at += frame;
    }
    // After this segment's last whole frame come the frames of the file's earlier use (or
    // nothing): the end. A frame of this segment that is cut short or fails its checksum is where
    // a crash cut a write (at the end of the newest segment: it was never acknowledged) — or damage.
    if (damaged) {
      const bool last = i + 1 == files.size();
      const std::string what = seg->path.filename().string() + ": the record at offset " + std::to_string(at) +
                               " is not whole";
      if (last) core::log_warn("journal", what + " (an interrupted write): ignored");
      else core::log_error("journal", what + " (damaged): it and the records after it in this segment are lost");
    }
    seg->size = at;
    segments_.push_back(std::move(seg));
  }
  std::sort(index_.begin(), index_.end(), [](const Entry& a, const Entry& b) { return a.info.seq < b.info.seq; });
  uint64_t bytes = 0;
  for (const auto& e : index_) bytes += e.info.bytes;
  retained_bytes_ = bytes;
  last_seq_ = std::max(seq_floor, max_seq);
  if (!segments_.empty()) active_ = segments_.back();
  // Cursors found in the segments go to hub.db before any segment is removed.
  if (!dirty_cursors_.empty()) {
    store::Transaction tx(*writer_db_);
    save_cursors(*writer_db_, dirty_cursors_, clock_.now_ms());
    tx.commit();
    dirty_cursors_.clear();
  }
  // Segments a crash kept after the checkpoint that dropped their records.
  drop_through(deleted_through_, UINT64_MAX);  // the cursors found were saved just above
  auto gone = std::move(to_remove_);
  to_remove_.clear();
  for (auto& g : gone) retire(std::move(g));
}

// A data directory from before segment files has its records in hub.db's journal table: they
// move into a segment (same seqs), then leave the table. Idempotent if interrupted.
void Journal::migrate_sqlite_rows() {
  auto& s = writer_db_->prepare("SELECT seq, source, received_ms, events, ids FROM journal ORDER BY seq",
                                "read old journal rows");
  core::Bytes frames;
  // A number above every segment there may be (none exist yet in such a directory).
  uint64_t number = 0;
  for (const auto& de : fs::directory_iterator(dir_)) {
    const std::string name = de.path().filename().string();
    if (auto n = segment_number(name, ".seg")) number = std::max(number, *n);
    if (auto n = segment_number(name, ".spare")) number = std::max(number, *n);
  }
  ++number;
  {
    store::StatementReset reset(s);
    while (s.step()) {
      const auto seq = static_cast<uint64_t>(s.column_int64(0));
      const std::string source(s.column_text(1));
      const int64_t received = s.column_int64(2);
      const auto events = decode_events(s.column_blob(3), s.column_blob(4));
      put_frame(frames, number, seq, received, source, std::nullopt, events);
    }
  }
  if (frames.empty()) return;
  const fs::path path = dir_ / segment_file(number);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int err = 0;
  if (fd < 0 || !pwrite_all(fd, frames.data(), frames.size(), 0, err) || ::fdatasync(fd) != 0) {
    const int e = fd < 0 ? errno : (err ? err : errno);
    if (fd >= 0) ::close(fd);
    throw std::runtime_error(errno_text("cannot move the journal out of hub.db into", path, e));
  }
  ::close(fd);
  sync_dir(dir_);
  store::Transaction tx(*writer_db_);
  writer_db_->prepare("DELETE FROM journal", "clear old journal rows").run();
  tx.commit();
  core::log_info("journal", "moved the journal records of hub.db into " + path.filename().string());
}

// ------------------------------------------------------------------------------- queue

void Journal::append(std::string source, std::vector<Event> events, std::optional<std::string> cursor, Done done) {
  Job job;
  job.source = std::move(source);
  job.events = std::move(events);
  job.cursor = std::move(cursor);
  job.done = std::move(done);
  {
    std::lock_guard lock(queue_mu_);
    queue_.push_back(std::move(job));
  }
  queue_cv_.notify_one();
}

void Journal::checkpoint(std::map<std::string, uint64_t> outboxes, std::optional<std::string> correlation,
                         uint64_t delete_through, std::function<void(bool)> done) {
  Job job;
  job.is_checkpoint = true;
  job.outboxes = std::move(outboxes);
  job.correlation = std::move(correlation);
  job.delete_through = delete_through;
  job.checkpoint_done = std::move(done);
  {
    std::lock_guard lock(queue_mu_);
    queue_.push_back(std::move(job));
  }
  queue_cv_.notify_one();
}

void Journal::subscribe(std::function<void(uint64_t)> fn) {
  std::lock_guard lock(index_mu_);
  subscribers_.push_back(std::move(fn));
}

bool Journal::disk_full() const { return space_low_.load() || clock_.now_ms() < disk_full_until_.load(); }

// Free space of the data directory's disk plus the pages hub.db can reuse (that file never
// shrinks; its free pages are reused by new rows).
uint64_t Journal::free_bytes(store::Database& db) {
  struct statvfs vfs {};
  uint64_t free_disk = UINT64_MAX / 2;
  if (::statvfs(dir_.c_str(), &vfs) == 0) free_disk = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  auto& f = db.prepare("PRAGMA freelist_count", "free pages");
  store::StatementReset r1(f);
  const int64_t pages = f.step() ? f.column_int64(0) : 0;
  auto& p = db.prepare("PRAGMA page_size", "page size");
  store::StatementReset r2(p);
  const int64_t size = p.step() ? p.column_int64(0) : 0;
  // Spare segment files are journal space the next segments overwrite.
  return free_disk + spare_bytes_.load() + static_cast<uint64_t>(std::max<int64_t>(0, pages * size));
}

void Journal::refresh_space() {
  bool low = false;
  {
    std::lock_guard lock(reader_mu_);
    try {
      low = free_bytes(*reader_db_) < options_.min_free_bytes;
    } catch (const std::exception&) {
      return;
    }
  }
  set_space_low(low);
}

void Journal::set_space_low(bool low) {
  if (space_low_.exchange(low) != low)
    core::Log::write(low ? core::LogLevel::warn : core::LogLevel::info, "journal",
                     low ? "free disk space below limits.min_free_disk_bytes: sources held back"
                         : "free disk space recovered");
}

void Journal::writer_loop() {
  for (;;) {
    std::vector<Job> jobs;
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) {
        writer_done_ = true;
        return;
      }
      jobs.swap(queue_);  // everything queued so far shares one flush
    }
    commit(jobs);
  }
}

// ------------------------------------------------------------------------------- writer

std::shared_ptr<Journal::Segment> Journal::writable_segment(uint64_t incoming, std::string& error) {
  // A full segment is closed for appends (its frames are already durable).
  if (active_ && active_->size > 0 && active_->size + incoming > options_.segment_bytes) active_.reset();
  if (active_) return active_;
  auto seg = std::make_shared<Segment>();
  seg->number = ++last_segment_;
  seg->path = dir_ / segment_file(seg->number);
  // A spare file (a dropped segment) is overwritten: its blocks exist already.
  fs::path spare;
  {
    std::lock_guard lock(spare_mu_);
    if (!spares_.empty()) {
      spare = std::move(spares_.back().first);
      spare_bytes_ -= spares_.back().second;
      spares_.pop_back();
    }
  }
  if (!spare.empty() && ::rename(spare.c_str(), seg->path.c_str()) == 0) {
    seg->fd = ::open(seg->path.c_str(), O_RDWR | O_CLOEXEC);
  } else {
    seg->fd = ::open(seg->path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  }
  if (seg->fd < 0) {
    error = errno_text("cannot create the journal segment", seg->path, errno);
    if (errno == ENOSPC || errno == EDQUOT) disk_full_until_ = clock_.now_ms() + options_.disk_full_retry_ms;
    return nullptr;
  }
  sync_dir(dir_);  // the file's new name is durable before anything in it is acknowledged
  {
    std::lock_guard lock(index_mu_);
    segments_.push_back(seg);
  }
  active_ = seg;
  return seg;
}

// A dropped segment becomes a spare to overwrite (while fewer than two are kept and no reader
// holds it), else it is removed.
void Journal::retire(std::shared_ptr<Segment> seg) {
  std::error_code ec;
  const fs::path spare = dir_ / segment_file(seg->number, ".spare");
  struct stat st {};
  const bool sized = ::fstat(seg->fd, &st) == 0;
  {
    std::lock_guard lock(spare_mu_);
    if (sized && seg.use_count() == 1 && spares_.size() < kSpares && !fs::exists(spare, ec) &&
        ::rename(seg->path.c_str(), spare.c_str()) == 0) {
      spares_.emplace_back(spare, static_cast<uint64_t>(st.st_size));
      spare_bytes_ += static_cast<uint64_t>(st.st_size);
      return;
    }
  }
  fs::remove(seg->path, ec);
  if (ec) core::log_warn("journal", "cannot remove " + seg->path.string() + ": " + ec.message());
}

void Journal::keep_spare(const fs::path& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  std::lock_guard lock(spare_mu_);
  if (ec || spares_.size() >= kSpares) {
    fs::remove(path, ec);
    return;
  }
  spares_.emplace_back(path, size);
  spare_bytes_ += size;
}

// Writes every append job's frame in one run and flushes it. False (and `error`) when it failed;
// then no job was written.
bool Journal::write_frames(std::vector<Job>& jobs, int64_t now, std::string& error) {
  // The segment first (its number goes into every frame), sized for the whole run.
  size_t total = 0;
  for (const auto& job : jobs)
    if (!job.is_checkpoint && !job.refused && (!job.events.empty() || job.cursor))
      total += frame_bytes(job.source, job.cursor, job.events);
  if (total == 0) return true;
  auto seg = writable_segment(total, error);
  if (!seg) return false;
  frames_.clear();
  uint64_t seq = last_seq_.load();
  bool any_record = false;
  for (auto& job : jobs) {
    if (job.is_checkpoint || job.refused || (job.events.empty() && !job.cursor)) continue;
    const uint64_t s = job.events.empty() ? 0 : ++seq;
    any_record |= s != 0;
    job.offset = frames_.size();
    job.frame = static_cast<uint32_t>(put_frame(frames_, seg->number, s, now, job.source, job.cursor, job.events));
    if (s) {
      auto rec = std::make_shared<Record>();
      rec->seq = s;
      rec->source = job.source;
      rec->received_ms = now;
      size_t bytes = 0;
      for (const auto& e : job.events) bytes += 4 + e.json.size();
      rec->bytes = bytes;
      job.record = std::move(rec);
    }
  }
  int err = 0;
  if (!pwrite_all(seg->fd, frames_.data(), frames_.size(), seg->size, err)) {
    error = errno_text("cannot write the journal segment", seg->path, err);
    if (err == ENOSPC || err == EDQUOT) {
      disk_full_until_ = now + options_.disk_full_retry_ms;
      error = "disk full: " + error;
    }
    // Nothing of it was acknowledged: take the partial frames back (a restart would cut them off).
    if (::ftruncate(seg->fd, static_cast<off_t>(seg->size)) != 0) {
      active_.reset();  // cannot tell what is in its tail: the next batch starts a new segment
      last_seq_ = seq;  // and these seqs stay unused, in case the frames are readable after all
    }
    for (auto& job : jobs) job.record.reset();
    return false;
  }
  if (::fdatasync(seg->fd) != 0) {
    // After a failed flush the kernel may have dropped the pages: nothing here counts as
    // durable, the segment takes no more appends, and its seqs are not reused.
    error = errno_text("cannot flush the journal segment", seg->path, errno);
    active_.reset();
    last_seq_ = seq;
    for (auto& job : jobs) job.record.reset();
    return false;
  }
  for (auto& job : jobs) {
    if (job.is_checkpoint || job.frame == 0) continue;
    job.written = true;
    job.segment = seg;
    job.offset += seg->size;
    if (job.cursor) {
      std::lock_guard lock(cursor_mu_);
      cursors_[job.source] = *job.cursor;
      dirty_cursors_[job.source] = *job.cursor;
      seg->cursor_gen = ++cursor_gen_;
    }
  }
  seg->size += frames_.size();
  if (any_record) seg->last_seq = seq;
  if (frames_.capacity() > (64u << 20)) frames_.release();  // one huge batch: do not keep it
  return true;
}

// The checkpoint jobs in one transaction (with the source cursors not yet saved). Returns the
// seq through which records may be dropped. Saver thread; throws on a database error.
uint64_t Journal::save_checkpoints(std::vector<Job>& jobs, int64_t now, uint64_t& cursor_gen) {
  uint64_t through = deleted_through_;
  store::Transaction tx(*saver_db_);
  for (auto& job : jobs) {
    if (!job.is_checkpoint) continue;
    for (const auto& [sink, seq] : job.outboxes) {
      auto& s = saver_db_->prepare(
          "INSERT INTO outboxes(sink, acked_seq, updated_ms) VALUES(?1, ?2, ?3) "
          "ON CONFLICT(sink) DO UPDATE SET acked_seq = excluded.acked_seq, updated_ms = excluded.updated_ms",
          "save outbox cursor");
      s.bind_text(1, sink).bind_int64(2, static_cast<int64_t>(seq)).bind_int64(3, now).run();
    }
    through = std::max(through, std::min(job.delete_through, last_seq_.load()));
    auto& c = saver_db_->prepare(
        "INSERT INTO checkpoints(id, journal_seq, correlation, written_ms, deleted_through) VALUES(1, ?1, ?2, ?3, ?4) "
        "ON CONFLICT(id) DO UPDATE SET journal_seq = excluded.journal_seq, "
        "correlation = COALESCE(excluded.correlation, checkpoints.correlation), written_ms = excluded.written_ms, "
        "deleted_through = excluded.deleted_through",
        "save checkpoint");
    c.bind_int64(1, static_cast<int64_t>(last_seq_.load()));
    if (job.correlation) c.bind_blob(2, *job.correlation);
    else c.bind_null(2);
    c.bind_int64(3, now).bind_int64(4, static_cast<int64_t>(through)).run();
  }
  // The cursors the dropped segments carried must outlive them.
  std::map<std::string, std::string> cursors;
  {
    std::lock_guard lock(cursor_mu_);
    cursors.swap(dirty_cursors_);
    cursor_gen = cursor_gen_;
  }
  try {
    save_cursors(*saver_db_, cursors, now);
    tx.commit();
  } catch (...) {
    std::lock_guard lock(cursor_mu_);
    for (auto& [source, cursor] : cursors) dirty_cursors_.try_emplace(source, std::move(cursor));
    throw;
  }
  deleted_through_ = through;
  last_checkpoint_ms_ = now;
  return through;
}

// The commit's checkpoint jobs go to the saver (after its appends, so the journal position a
// checkpoint records covers them).
void Journal::hand_to_saver(std::vector<Job>& jobs) {
  bool any = false;
  {
    std::lock_guard lock(save_mu_);
    for (auto& job : jobs)
      if (job.is_checkpoint) save_queue_.push_back(std::move(job)), any = true;
  }
  if (any) save_cv_.notify_one();
}

void Journal::saver_loop() {
  std::unique_lock lock(save_mu_);
  for (;;) {
    save_cv_.wait(lock, [this] { return save_stop_ || !save_queue_.empty(); });
    if (save_queue_.empty() && save_stop_) return;
    std::vector<Job> jobs;
    jobs.swap(save_queue_);  // every checkpoint waiting shares one transaction
    lock.unlock();
    std::vector<std::function<void(bool)>> dones;
    for (auto& job : jobs)
      if (job.checkpoint_done) dones.push_back(std::move(job.checkpoint_done));
    bool saved = true;
    uint64_t through = 0, cursor_gen = 0;
    try {
      through = save_checkpoints(jobs, clock_.now_ms(), cursor_gen);
    } catch (const std::exception& e) {
      saved = false;
      core::log_error("journal", std::string("checkpoint failed: ") + e.what());
    }
    if (saved) {
      after_save(std::move(dones), through, cursor_gen);
    } else {
      for (auto& done : dones) done(false);
    }
    lock.lock();
  }
}

// The records a saved checkpoint allows to drop are dropped by the writer (it owns the segment
// being appended to), which then reports the checkpoints done; once the writer is gone, here.
void Journal::after_save(std::vector<std::function<void(bool)>> dones, uint64_t through, uint64_t cursor_gen) {
  {
    std::lock_guard lock(queue_mu_);
    if (!writer_done_) {
      Job job;
      job.is_drop = true;
      job.delete_through = through;
      job.cursor_gen = cursor_gen;
      job.drop_dones = std::move(dones);
      queue_.push_back(std::move(job));
      queue_cv_.notify_one();
      return;
    }
  }
  drop_through(through, cursor_gen);
  checkpoint_cv_.notify_one();
  for (auto& done : dones) done(true);
}

// Forgets the records with seq <= `seq` and hands the segments left without retained records,
// and without a source cursor newer than generation `cursor_gen` (the cursors hub.db has), to the
// checkpoint thread for removal. Writer thread (or the constructor, or the saver once the writer
// is gone).
void Journal::drop_through(uint64_t seq, uint64_t cursor_gen) {
  std::vector<std::shared_ptr<Segment>> gone;
  {
    std::lock_guard lock(index_mu_);
    while (!index_.empty() && index_.front().info.seq <= seq) {
      retained_bytes_ -= index_.front().info.bytes;
      index_.pop_front();
    }
    for (auto it = cache_.begin(); it != cache_.end() && it->first <= seq; it = cache_.erase(it))
      cache_bytes_ -= it->second->bytes;
    // Records are in seq order across segments: drop from the oldest while nothing is retained.
    while (!segments_.empty() && segments_.front()->last_seq <= seq && segments_.front()->cursor_gen <= cursor_gen) {
      // The segment being appended to goes too once all of it was delivered (a trickle must not
      // keep old data on disk); the next append starts a new one.
      if (segments_.front() == active_) {
        if (active_->size == 0) break;
        active_.reset();
      }
      gone.push_back(std::move(segments_.front()));
      segments_.pop_front();
    }
  }
  if (gone.empty()) return;
  std::lock_guard lock(checkpoint_mu_);
  for (auto& s : gone) to_remove_.push_back(std::move(s));
}

void Journal::commit(std::vector<Job>& jobs) {
  const int64_t now = clock_.now_ms();
  std::string error;
  for (auto& job : jobs) {
    if (!job.is_drop) continue;
    drop_through(job.delete_through, job.cursor_gen);
    checkpoint_cv_.notify_one();  // the segments left without records go
    for (auto& done : job.drop_dones) done(true);
  }
  // The reserve: below min_free_bytes no batch is appended (checkpoints still run, and they are
  // what frees space again).
  bool low = false;
  try {
    low = free_bytes(*writer_db_) < options_.min_free_bytes;
  } catch (const std::exception&) {
  }
  set_space_low(low);
  if (low) {
    for (auto& job : jobs) {
      if (job.is_checkpoint) continue;
      job.refused = true;
      if (job.done) job.done(false, 0, "disk full: free space below limits.min_free_disk_bytes");
    }
  }
  bool appended = true;
  try {
    appended = write_frames(jobs, now, error);
  } catch (const std::exception& e) {
    appended = false;
    error = e.what();
  }
  if (!appended) {
    core::log_error("journal", "append failed: " + error);
    for (auto& job : jobs) {
      if (!job.is_checkpoint && !job.refused && job.done) job.done(false, 0, error);
      job.refused = true;
    }
  }

  if (!appended) return hand_to_saver(jobs);
  ++commits_;

  // The frames are durable: publish the records, then tell everyone.
  uint64_t newest = 0;
  std::vector<std::function<void(uint64_t)>> subs;
  {
    std::lock_guard lock(index_mu_);
    for (auto& job : jobs) {
      if (!job.record || !job.written) continue;
      auto& r = job.record;
      r->events = std::make_shared<const std::vector<Event>>(std::move(job.events));
      index_.push_back(Entry{{r->seq, r->source, r->bytes}, job.segment, job.offset, job.frame});
      retained_bytes_ += r->bytes;
      cache_[r->seq] = r;
      cache_bytes_ += r->bytes;
      newest = r->seq;
    }
    while (cache_bytes_ > options_.cache_bytes && cache_.size() > 1) {
      cache_bytes_ -= cache_.begin()->second->bytes;
      cache_.erase(cache_.begin());
    }
    if (newest) subs = subscribers_;
  }
  if (newest) last_seq_ = std::max(last_seq_.load(), newest);
  for (auto& job : jobs) {
    if (job.is_checkpoint || job.refused || !job.done) continue;
    job.done(true, job.record ? job.record->seq : 0, {});
  }
  for (auto& fn : subs) fn(newest);
  hand_to_saver(jobs);
}

// ------------------------------------------------------------------------------- readers

std::shared_ptr<const Record> Journal::load(const Entry& entry) {
  std::string buf(entry.frame, '\0');
  std::optional<FrameView> v;
  if (pread_all(entry.segment->fd, buf.data(), buf.size(), entry.offset)) v = parse_frame(buf, entry.segment->number);
  auto r = std::make_shared<Record>();
  r->seq = entry.info.seq;
  r->source = entry.info.source;
  r->bytes = entry.info.bytes;
  if (!v || v->seq != entry.info.seq) {
    core::log_error("journal", "record " + std::to_string(entry.info.seq) + " in " +
                                   entry.segment->path.filename().string() +
                                   " cannot be read back (damaged on disk): skipped");
    r->events = std::make_shared<const std::vector<Event>>();
    return r;
  }
  r->received_ms = v->received_ms;
  r->events = std::make_shared<const std::vector<Event>>(decode_events(v->texts, v->ids));
  return r;
}

std::vector<std::shared_ptr<const Record>> Journal::read(uint64_t after, size_t max) {
  std::vector<std::shared_ptr<const Record>> out;
  std::vector<Entry> missing;
  {
    std::lock_guard lock(index_mu_);
    // The index is sorted by seq: find the first retained record after `after`.
    auto it = std::upper_bound(index_.begin(), index_.end(), after,
                               [](uint64_t v, const Entry& e) { return v < e.info.seq; });
    for (; it != index_.end() && out.size() + missing.size() < max; ++it) {
      auto c = cache_.find(it->info.seq);
      if (c != cache_.end()) {
        if (!missing.empty()) break;  // keep order: load the older ones first
        out.push_back(c->second);
      } else {
        missing.push_back(*it);
      }
    }
  }
  for (const Entry& e : missing) out.push_back(load(e));
  return out;
}

std::vector<RecordInfo> Journal::index_after(uint64_t seq) const {
  std::lock_guard lock(index_mu_);
  std::vector<RecordInfo> out;
  for (const auto& e : index_)
    if (e.info.seq > seq) out.push_back(e.info);
  return out;
}

size_t Journal::segments() const {
  std::lock_guard lock(index_mu_);
  return segments_.size();
}

std::optional<std::string> Journal::load_cursor(const std::string& source) {
  std::lock_guard lock(cursor_mu_);
  const auto it = cursors_.find(source);
  if (it == cursors_.end()) return std::nullopt;
  return it->second;
}

std::map<std::string, uint64_t> Journal::load_outboxes() {
  std::lock_guard lock(reader_mu_);
  std::map<std::string, uint64_t> out;
  auto& s = reader_db_->prepare("SELECT sink, acked_seq FROM outboxes", "read outbox cursors");
  store::StatementReset reset(s);
  while (s.step()) out[std::string(s.column_text(0))] = static_cast<uint64_t>(s.column_int64(1));
  return out;
}

std::optional<Journal::CheckpointRow> Journal::load_checkpoint() {
  std::lock_guard lock(reader_mu_);
  auto& s = reader_db_->prepare("SELECT journal_seq, correlation, written_ms FROM checkpoints WHERE id = 1",
                                "read the checkpoint");
  store::StatementReset reset(s);
  if (!s.step()) return std::nullopt;
  CheckpointRow row;
  row.journal_seq = static_cast<uint64_t>(s.column_int64(0));
  if (!s.column_is_null(1)) row.correlation = std::string(s.column_blob(1));
  row.written_ms = s.column_int64(2);
  last_checkpoint_ms_ = row.written_ms;
  return row;
}

// ------------------------------------------------------------------------------- background

void Journal::wal_checkpoint() {
  {
    std::lock_guard lock(checkpoint_mu_);
    checkpoint_wanted_ = true;
  }
  checkpoint_cv_.notify_one();
}

void Journal::checkpoint_loop() {
  std::unique_lock lock(checkpoint_mu_);
  for (;;) {
    checkpoint_cv_.wait(lock, [this] { return checkpoint_wanted_ || checkpoint_stop_ || !to_remove_.empty(); });
    auto remove = std::move(to_remove_);
    to_remove_.clear();
    const bool wanted = std::exchange(checkpoint_wanted_, false);
    const bool stop = checkpoint_stop_;
    lock.unlock();
    // Dropped segments: kept as spares or removed (a reader still holding one keeps its file open
    // until it is done, and such a one is never reused).
    for (auto& s : remove) retire(std::move(s));
    remove.clear();
    if (wanted && !stop) {
      try {
        // WAL mode lets the writer commit while a passive checkpoint copies earlier frames.
        checkpoint_db_->checkpoint(store::CheckpointMode::Passive);
        ++wal_checkpoints_;
      } catch (const std::exception& e) {
        core::log_warn("journal", std::string("WAL checkpoint failed: ") + e.what());
      }
    }
    lock.lock();
    if (stop && to_remove_.empty()) return;
  }
}

}  // namespace siemhub::pipeline
