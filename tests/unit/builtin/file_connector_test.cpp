// The built-in `file` source and sink and the `stdout` sink, driven through plugins::Connector with
// real host services on real files in temp directories.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "builtin/file_connector.hpp"
#include "builtin/stdout_sink.hpp"
#include "connector_env.hpp"
#include "unit/plugins/test_dirs.hpp"

using namespace siemhub;
using builtin::FileConnector;
using builtin::StdoutSink;
using nlohmann::json;
using testing::BuiltinEnv;
using testing::poll;
using testing::TempDir;
namespace fs = std::filesystem;

namespace {

std::string ev(int i) { return R"({"class_uid":3002,"seq":)" + std::to_string(i) + "}"; }

std::string lines(int from, int to) {
  std::string out;
  for (int i = from; i < to; ++i) out += ev(i) + "\n";
  return out;
}

void put(const fs::path& p, const std::string& text, std::ios::openmode mode = std::ios::trunc) {
  std::ofstream(p, std::ios::binary | std::ios::out | mode) << text;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> evs(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back(ev(i));
  return out;
}

uint64_t cursor_offset(const std::optional<std::string>& c) {
  REQUIRE(c.has_value());
  return json::parse(*c).at("offset").get<uint64_t>();
}

std::string bad_lines_metric(BuiltinEnv& e, const std::string& connector) {
  const std::string prefix = "siemhub_plugin_file_bad_lines_total{connector=\"" + connector + "\",plugin=\"file\"} ";
  std::istringstream in(e.metrics.render_prometheus());
  for (std::string l; std::getline(in, l);)
    if (l.rfind(prefix, 0) == 0) return l.substr(prefix.size());
  return "";
}

}  // namespace

TEST_CASE("the file source reads complete lines and leaves a partial last line for a later poll", "[file]") {
  BuiltinEnv e;
  TempDir dir;
  const fs::path in = dir / "in.ndjson";
  put(in, lines(0, 3) + R"({"class_uid":3002,)");
  auto src = e.make<FileConnector>({{"path", in.string()}}, "src");

  auto r = poll(src, "");
  REQUIRE(r.status.ok());
  CHECK(r.events == evs(0, 3));
  CHECK(cursor_offset(r.cursor) == lines(0, 3).size());

  auto idle = poll(src, *r.cursor);  // the partial line has no newline yet
  CHECK(idle.status.ok());
  CHECK(idle.events.empty());
  CHECK(cursor_offset(idle.cursor) == lines(0, 3).size());

  put(in, R"("seq":3})" "\n", std::ios::app);
  auto r2 = poll(src, *idle.cursor);
  CHECK(r2.events == evs(3, 4));
  CHECK(cursor_offset(r2.cursor) == fs::file_size(in));
}

TEST_CASE("the file source cursor resumes at the next unread line in a new instance", "[file]") {
  BuiltinEnv e;
  TempDir dir;
  const fs::path in = dir / "in.ndjson";
  put(in, lines(0, 10));
  auto first = e.make<FileConnector>({{"path", in.string()}, {"max_line_bytes", 64}}, "first");
  auto r = poll(first, "", 4);  // cut short by max_events
  REQUIRE(r.events == evs(0, 4));
  CHECK(cursor_offset(r.cursor) == lines(0, 4).size());
  const std::string cursor = *r.cursor;
  e.discard(first);

  auto second = e.make<FileConnector>({{"path", in.string()}, {"max_line_bytes", 64}}, "second");
  auto r2 = poll(second, cursor, 4);
  CHECK(r2.events == evs(4, 8));
  auto r3 = poll(second, *r2.cursor);
  CHECK(r3.events == evs(8, 10));
  // Lines left unread because max_events was reached are not bad lines.
  CHECK((bad_lines_metric(e, "first") == "" || bad_lines_metric(e, "first") == "0"));
  CHECK((bad_lines_metric(e, "second") == "" || bad_lines_metric(e, "second") == "0"));
}

TEST_CASE("the file source reads a rotated file with a new inode from its start", "[file]") {
  BuiltinEnv e;
  TempDir dir;
  const fs::path in = dir / "in.ndjson";
  put(in, lines(0, 3));
  auto src = e.make<FileConnector>({{"path", in.string()}}, "src");
  auto r = poll(src, "");
  REQUIRE(r.events == evs(0, 3));

  fs::rename(in, dir / "in.ndjson.1");  // the old file keeps its inode, so the new one gets another
  put(in, lines(100, 106));             // larger than the old offset: only the inode tells
  struct stat a {}, b {};
  REQUIRE(::stat((dir / "in.ndjson.1").c_str(), &a) == 0);
  REQUIRE(::stat(in.c_str(), &b) == 0);
  REQUIRE(a.st_ino != b.st_ino);

  auto r2 = poll(src, *r.cursor);
  CHECK(r2.events == evs(100, 106));
  CHECK(json::parse(*r2.cursor).at("ino").get<uint64_t>() == static_cast<uint64_t>(b.st_ino));
}

TEST_CASE("the file source reads a truncated file from its start", "[file]") {
  BuiltinEnv e;
  TempDir dir;
  const fs::path in = dir / "in.ndjson";
  put(in, lines(0, 5));
  auto src = e.make<FileConnector>({{"path", in.string()}}, "src");
  auto r = poll(src, "");
  REQUIRE(r.events.size() == 5);

  fs::resize_file(in, 0);  // same inode, shorter than the cursor
  put(in, ev(50) + "\n", std::ios::app);
  auto r2 = poll(src, *r.cursor);
  CHECK(r2.events == evs(50, 51));
  CHECK(cursor_offset(r2.cursor) == fs::file_size(in));
}

TEST_CASE("start_at end skips the existing lines on the very first poll only", "[file]") {
  BuiltinEnv e;
  TempDir dir;
  const fs::path in = dir / "in.ndjson";
  put(in, lines(0, 5));
  auto src = e.make<FileConnector>({{"path", in.string()}, {"start_at", "end"}}, "src");
  auto r = poll(src, "");
  CHECK(r.status.ok());
  CHECK(r.events.empty());
  CHECK(cursor_offset(r.cursor) == lines(0, 5).size());

  put(in, lines(5, 7), std::ios::app);
  auto r2 = poll(src, *r.cursor);
  CHECK(r2.events == evs(5, 7));
}

TEST_CASE("the file source hands lines that are not JSON objects to the host and skips and counts lines longer than max_line_bytes", "[file]") {
  BuiltinEnv e;
  TempDir dir;
  const fs::path in = dir / "in.ndjson";
  const std::string too_long = R"({"class_uid":3002,"pad":")" + std::string(100, 'x') + R"("})";
  put(in, ev(0) + "\n" + "plain text\n" + "[1,2,3]\n" + "{not json}\n" + too_long + "\n" + ev(1) + "\n" + "\n" + ev(2) +
              "\n");
  auto src = e.make<FileConnector>({{"path", in.string()}, {"max_line_bytes", 64}}, "src");
  auto r = poll(src, "");
  CHECK(r.status.ok());
  // The host's normalizer refuses the three that are not events into the dead letters.
  CHECK(r.events == std::vector<std::string>{ev(0), "plain text", "[1,2,3]", "{not json}", ev(1), ev(2)});
  CHECK(cursor_offset(r.cursor) == fs::file_size(in));
  CHECK(bad_lines_metric(e, "src") == "1");  // the over-long line; the blank line is not a bad line
}

TEST_CASE("a line longer than max_line_bytes that spans several reads is skipped and counted once", "[file]") {
  BuiltinEnv e;
  TempDir dir;
  const fs::path in = dir / "in.ndjson";
  const std::string huge = R"({"pad":")" + std::string(300000, 'x') + R"("})";  // several 64 KiB reads
  put(in, ev(0) + "\n" + huge + "\n" + ev(1) + "\n");
  auto src = e.make<FileConnector>({{"path", in.string()}, {"max_line_bytes", 1024}}, "src");
  auto r = poll(src, "");
  CHECK(r.status.ok());
  CHECK(r.events == evs(0, 2));
  CHECK(cursor_offset(r.cursor) == fs::file_size(in));
  CHECK(bad_lines_metric(e, "src") == "1");
}

TEST_CASE("a missing file is an idle poll and not an error", "[file]") {
  BuiltinEnv e;
  TempDir dir;
  const fs::path in = dir / "not-yet.ndjson";
  auto src = e.make<FileConnector>({{"path", in.string()}}, "src");
  auto r = poll(src, "");
  CHECK(r.status.ok());
  CHECK(r.events.empty());
  put(in, lines(0, 2));
  auto r2 = poll(src, r.cursor.value_or(""));
  CHECK(r2.events == evs(0, 2));
}

TEST_CASE("the file sink appends lines creates parent directories and confirms every event", "[file]") {
  BuiltinEnv e;
  TempDir dir;
  const fs::path out = dir / "a" / "b" / "out.ndjson";
  auto sink = e.make<FileConnector>({{"path", out.string()}}, "sink");
  auto r = testing::write(sink, evs(0, 3));
  CHECK(r.status.ok());
  REQUIRE(r.results.size() == 3);
  for (const auto& x : r.results) CHECK(x.outcome == SIEMHUB_OUTCOME_DELIVERED);
  CHECK(slurp(out) == lines(0, 3));
  e.discard(sink);

  // A new instance appends to what is there.
  auto again = e.make<FileConnector>({{"path", out.string()}, {"fsync", true}}, "again");
  auto r2 = testing::write(again, evs(3, 5));
  CHECK(r2.status.ok());
  REQUIRE(r2.results.size() == 2);
  for (const auto& x : r2.results) CHECK(x.outcome == SIEMHUB_OUTCOME_DELIVERED);
  CHECK(slurp(out) == lines(0, 5));
}

TEST_CASE("the stdout sink prints one line per event and confirms each", "[stdout]") {
  BuiltinEnv e;
  TempDir dir;
  auto sink = e.make<StdoutSink>(json::object(), "out");
  auto pretty = e.make<StdoutSink>({{"pretty", true}}, "pretty");
  const fs::path captured = dir / "stdout.txt";

  std::fflush(stdout);
  const int saved = ::dup(STDOUT_FILENO);
  REQUIRE(saved >= 0);
  const int fd = ::open(captured.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  REQUIRE(fd >= 0);
  ::dup2(fd, STDOUT_FILENO);
  ::close(fd);
  const auto r = testing::write(sink, evs(0, 3));
  const auto rp = testing::write(pretty, {R"({"a":1})"});
  std::fflush(stdout);
  ::dup2(saved, STDOUT_FILENO);
  ::close(saved);

  CHECK(r.status.ok());
  REQUIRE(r.results.size() == 3);
  for (const auto& x : r.results) CHECK(x.outcome == SIEMHUB_OUTCOME_DELIVERED);
  CHECK(rp.status.ok());
  CHECK(slurp(captured) == lines(0, 3) + json{{"a", 1}}.dump(2) + "\n");
}
