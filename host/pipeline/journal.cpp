#include "pipeline/journal.hpp"

#include <sys/statvfs.h>

#include <cstring>

#include "core/log.hpp"
#include "store/database.hpp"

namespace siemhub::pipeline {

namespace {

void put_u32(std::string& out, uint32_t v) {
  const char b[4] = {static_cast<char>(v & 0xff), static_cast<char>((v >> 8) & 0xff), static_cast<char>((v >> 16) & 0xff),
                     static_cast<char>((v >> 24) & 0xff)};
  out.append(b, 4);
}

bool get_u32(std::string_view& in, uint32_t& v) {
  if (in.size() < 4) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  v = static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
      static_cast<uint32_t>(p[3]) << 24;
  in.remove_prefix(4);
  return true;
}

std::vector<std::string_view> split(std::string_view in) {
  std::vector<std::string_view> out;
  uint32_t n = 0;
  while (get_u32(in, n) && n <= in.size()) {
    out.push_back(in.substr(0, n));
    in.remove_prefix(n);
  }
  return out;
}

}  // namespace

std::string encode_events(const std::vector<Event>& events, bool ids) {
  size_t total = 0;
  for (const auto& e : events) total += 4 + (ids ? e.id.size() : e.json.size());
  std::string out;
  out.reserve(total);
  for (const auto& e : events) {
    const std::string& s = ids ? e.id : e.json;
    put_u32(out, static_cast<uint32_t>(s.size()));
    out += s;
  }
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

// ------------------------------------------------------------------------------- jobs

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
  // filled by commit
  std::shared_ptr<Record> record;
};

Journal::Journal(std::filesystem::path hub_db, const core::Clock& clock, JournalOptions options)
    : path_(std::move(hub_db)), clock_(clock), options_(options) {
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

  // Rebuild the index of retained records (no payloads) and the last seq.
  auto& s = reader_db_->prepare("SELECT seq, source, bytes FROM journal ORDER BY seq", "journal index");
  store::StatementReset reset(s);
  uint64_t bytes = 0;
  while (s.step()) {
    index_.push_back({static_cast<uint64_t>(s.column_int64(0)), std::string(s.column_text(1)),
                      static_cast<uint64_t>(s.column_int64(2))});
    bytes += index_.back().bytes;
  }
  retained_bytes_ = bytes;
  auto& q = reader_db_->prepare("SELECT seq FROM sqlite_sequence WHERE name = 'journal'", "journal last seq");
  store::StatementReset qreset(q);
  if (q.step()) last_seq_ = static_cast<uint64_t>(q.column_int64(0));
  checkpoint_db_ = std::make_unique<store::Database>(path_, ropt);
  writer_ = std::thread([this] { writer_loop(); });
  checkpointer_ = std::thread([this] { checkpoint_loop(); });
}

Journal::~Journal() {
  {
    std::lock_guard lock(checkpoint_mu_);
    checkpoint_stop_ = true;
  }
  checkpoint_cv_.notify_all();
  if (checkpointer_.joinable()) checkpointer_.join();
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
}

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

// Free space of the data directory's disk plus the pages hub.db can reuse (the file never
// shrinks; pages of deleted records are reused by new ones).
uint64_t Journal::free_bytes(store::Database& db) {
  struct statvfs vfs {};
  uint64_t free_disk = UINT64_MAX / 2;
  if (::statvfs(path_.parent_path().c_str(), &vfs) == 0) free_disk = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  auto& f = db.prepare("PRAGMA freelist_count", "free pages");
  store::StatementReset r1(f);
  const int64_t pages = f.step() ? f.column_int64(0) : 0;
  auto& p = db.prepare("PRAGMA page_size", "page size");
  store::StatementReset r2(p);
  const int64_t size = p.step() ? p.column_int64(0) : 0;
  return free_disk + static_cast<uint64_t>(std::max<int64_t>(0, pages * size));
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
      if (queue_.empty() && stopping_) return;
      jobs.swap(queue_);  // everything queued so far shares one fsync
    }
    commit(jobs);
  }
}

void Journal::commit(std::vector<Job>& jobs) {
  const int64_t now = clock_.now_ms();
  std::string error;
  // The reserve: below min_free_bytes no batch is appended (checkpoints still run, and they are
  // what frees space again).
  bool low = false;
  try {
    low = free_bytes(*writer_db_) < options_.min_free_bytes;
  } catch (const std::exception&) {
  }
  if (space_low_.exchange(low) != low)
    core::Log::write(low ? core::LogLevel::warn : core::LogLevel::info, "journal",
                     low ? "free disk space below limits.min_free_disk_bytes: sources held back"
                         : "free disk space recovered");
  if (low) {
    for (auto& job : jobs) {
      if (job.is_checkpoint || !job.done) continue;
      job.done(false, 0, "disk full: free space below limits.min_free_disk_bytes");
      job.done = nullptr;
      job.events.clear();
      job.cursor.reset();
    }
  }
  try {
    store::Transaction tx(*writer_db_);
    for (auto& job : jobs) {
      if (job.is_checkpoint) {
        for (const auto& [sink, seq] : job.outboxes) {
          auto& s = writer_db_->prepare(
              "INSERT INTO outboxes(sink, acked_seq, updated_ms) VALUES(?1, ?2, ?3) "
              "ON CONFLICT(sink) DO UPDATE SET acked_seq = excluded.acked_seq, updated_ms = excluded.updated_ms",
              "save outbox cursor");
          s.bind_text(1, sink).bind_int64(2, static_cast<int64_t>(seq)).bind_int64(3, now).run();
        }
        auto& c = writer_db_->prepare(
            "INSERT INTO checkpoints(id, journal_seq, correlation, written_ms) VALUES(1, ?1, ?2, ?3) "
            "ON CONFLICT(id) DO UPDATE SET journal_seq = excluded.journal_seq, "
            "correlation = COALESCE(excluded.correlation, checkpoints.correlation), written_ms = excluded.written_ms",
            "save checkpoint");
        c.bind_int64(1, static_cast<int64_t>(last_seq_.load()));
        if (job.correlation) c.bind_blob(2, *job.correlation);
        else c.bind_null(2);
        c.bind_int64(3, now).run();
        if (job.delete_through > 0) {
          auto& d = writer_db_->prepare("DELETE FROM journal WHERE seq <= ?1", "delete delivered journal records");
          d.bind_int64(1, static_cast<int64_t>(job.delete_through)).run();
        }
        continue;
      }
      if (job.events.empty() && !job.cursor) continue;  // nothing (or refused above)
      if (!job.events.empty()) {
        const std::string texts = encode_events(job.events, false);
        const std::string ids = encode_events(job.events, true);
        auto& s = writer_db_->prepare(
            "INSERT INTO journal(source, received_ms, count, bytes, events, ids) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
            "append to the journal");
        s.bind_text(1, job.source)
            .bind_int64(2, now)
            .bind_int64(3, static_cast<int64_t>(job.events.size()))
            .bind_int64(4, static_cast<int64_t>(texts.size()))
            .bind_blob_static(5, texts)
            .bind_blob_static(6, ids)
            .run();
        auto rec = std::make_shared<Record>();
        rec->seq = static_cast<uint64_t>(writer_db_->last_insert_rowid());
        rec->source = job.source;
        rec->received_ms = now;
        rec->bytes = texts.size();
        rec->events = std::make_shared<const std::vector<Event>>(std::move(job.events));
        job.record = std::move(rec);
      }
      if (job.cursor) {
        auto& c = writer_db_->prepare(
            "INSERT INTO cursors(connector, cursor, updated_at) VALUES(?1, ?2, ?3) "
            "ON CONFLICT(connector) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at",
            "save source cursor");
        c.bind_text(1, job.source).bind_blob(2, *job.cursor).bind_int64(3, now).run();
      }
    }
    tx.commit();
  } catch (const store::StoreError& e) {
    error = e.what();
    if (e.is_disk_full()) {
      disk_full_until_ = now + options_.disk_full_retry_ms;
      error = "disk full: " + error;
    }
  } catch (const std::exception& e) {
    error = e.what();
  }

  if (!error.empty()) {
    core::log_error("journal", "commit failed: " + error);
    for (auto& job : jobs) {
      if (job.is_checkpoint) {
        if (job.checkpoint_done) job.checkpoint_done(false);
      } else if (job.done) {
        job.done(false, 0, error);
      }
    }
    return;
  }
  ++commits_;

  // The commit is durable: publish the records, then tell everyone.
  uint64_t newest = 0;
  std::vector<std::function<void(uint64_t)>> subs;
  {
    std::lock_guard lock(index_mu_);
    for (auto& job : jobs) {
      if (job.is_checkpoint) {
        while (!index_.empty() && index_.front().seq <= job.delete_through) {
          retained_bytes_ -= index_.front().bytes;
          index_.pop_front();
        }
        cache_.erase(cache_.begin(), cache_.upper_bound(job.delete_through));
        last_checkpoint_ms_ = now;
        continue;
      }
      if (!job.record) continue;
      const auto& r = job.record;
      index_.push_back({r->seq, r->source, r->bytes});
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
    if (job.is_checkpoint) {
      if (job.checkpoint_done) job.checkpoint_done(true);
    } else if (job.done) {
      job.done(true, job.record ? job.record->seq : 0, {});
    }
  }
  for (auto& fn : subs) fn(newest);
}

std::shared_ptr<const Record> Journal::load(uint64_t seq) {
  std::lock_guard lock(reader_mu_);
  auto& s = reader_db_->prepare("SELECT source, received_ms, bytes, events, ids FROM journal WHERE seq = ?1",
                                "read a journal record");
  store::StatementReset reset(s);
  s.bind_int64(1, static_cast<int64_t>(seq));
  if (!s.step()) return nullptr;
  auto r = std::make_shared<Record>();
  r->seq = seq;
  r->source = std::string(s.column_text(0));
  r->received_ms = s.column_int64(1);
  r->bytes = static_cast<uint64_t>(s.column_int64(2));
  r->events = std::make_shared<const std::vector<Event>>(decode_events(s.column_blob(3), s.column_blob(4)));
  return r;
}

std::vector<std::shared_ptr<const Record>> Journal::read(uint64_t after, size_t max) {
  std::vector<std::shared_ptr<const Record>> out;
  std::vector<uint64_t> missing;
  {
    std::lock_guard lock(index_mu_);
    // The index is sorted by seq: find the first retained record after `after`.
    auto it = std::upper_bound(index_.begin(), index_.end(), after,
                               [](uint64_t v, const RecordInfo& r) { return v < r.seq; });
    for (; it != index_.end() && out.size() + missing.size() < max; ++it) {
      auto c = cache_.find(it->seq);
      if (c != cache_.end()) {
        if (!missing.empty()) break;  // keep order: load the older ones first
        out.push_back(c->second);
      } else {
        missing.push_back(it->seq);
      }
    }
  }
  if (!missing.empty()) {
    for (uint64_t seq : missing)
      if (auto r = load(seq)) out.push_back(std::move(r));
  }
  return out;
}

std::vector<RecordInfo> Journal::index_after(uint64_t seq) const {
  std::lock_guard lock(index_mu_);
  std::vector<RecordInfo> out;
  for (const auto& r : index_)
    if (r.seq > seq) out.push_back(r);
  return out;
}

std::optional<std::string> Journal::load_cursor(const std::string& source) {
  std::lock_guard lock(reader_mu_);
  auto& s = reader_db_->prepare("SELECT cursor FROM cursors WHERE connector = ?1", "read a source cursor");
  store::StatementReset reset(s);
  s.bind_text(1, source);
  if (!s.step()) return std::nullopt;
  return std::string(s.column_blob(0));
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

uint64_t Journal::reusable_bytes() {
  std::lock_guard lock(reader_mu_);
  try {
    auto& f = reader_db_->prepare("PRAGMA freelist_count", "free pages");
    store::StatementReset r1(f);
    const int64_t pages = f.step() ? f.column_int64(0) : 0;
    auto& p = reader_db_->prepare("PRAGMA page_size", "page size");
    store::StatementReset r2(p);
    const int64_t size = p.step() ? p.column_int64(0) : 0;
    return static_cast<uint64_t>(std::max<int64_t>(0, pages * size));
  } catch (const std::exception&) {
    return 0;
  }
}

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
    checkpoint_cv_.wait(lock, [this] { return checkpoint_wanted_ || checkpoint_stop_; });
    if (checkpoint_stop_) return;
    checkpoint_wanted_ = false;
    lock.unlock();
    try {
      // WAL mode lets the writer append while a passive checkpoint copies earlier frames.
      checkpoint_db_->checkpoint(store::CheckpointMode::Passive);
      ++wal_checkpoints_;
    } catch (const std::exception& e) {
      core::log_warn("journal", std::string("WAL checkpoint failed: ") + e.what());
    }
    lock.lock();
  }
}

}  // namespace siemhub::pipeline
