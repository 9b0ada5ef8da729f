// The ingest journal: every accepted batch of normalized events becomes one record in hub.db,
// fsync'd (SQLite WAL, synchronous=FULL) before anyone is told it is accepted. One writer
// thread takes everything queued and commits it in ONE transaction (group commit), so many
// concurrent sources share each fsync. A pull source's cursor is written in the same
// transaction as its events: a cursor can never run ahead of what is durable.
//
// Sinks read records back (recent ones from an in-memory cache, older ones from the database)
// and keep their own cursor (outboxes); checkpoints persist those cursors and delete the records
// every consumer has passed. WAL checkpoints run on their own connection, off the commit path.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "pipeline/event.hpp"

namespace siemhub::store {
class Database;
}

namespace siemhub::pipeline {

struct JournalOptions {
  uint64_t cache_bytes = 64ull << 20;  // recent records kept in memory for readers
  /// Appends are refused while the data directory's free space (plus pages hub.db can reuse)
  /// is below this: the reserve keeps room for checkpoints and deletes to drain a full disk.
  uint64_t min_free_bytes = 256ull << 20;
  int64_t disk_full_retry_ms = 1000;   // after ENOSPC, refuse appends this long, then probe
};

/// One journal record: a batch from one source.
struct Record {
  uint64_t seq = 0;
  std::string source;
  int64_t received_ms = 0;
  uint64_t bytes = 0;
  std::shared_ptr<const std::vector<Event>> events;
};

/// What the index keeps of every retained record (for byte accounting without the payload).
struct RecordInfo {
  uint64_t seq;
  std::string source;
  uint64_t bytes;
};

class Journal {
 public:
  /// `done(ok, seq, error)` runs on the writer thread once the batch is durable (or failed).
  using Done = std::function<void(bool ok, uint64_t seq, const std::string& error)>;

  Journal(std::filesystem::path hub_db, const core::Clock& clock, JournalOptions options = {});
  /// Commits what is queued, then stops the writer.
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  /// Queues a batch (and optionally the source's new cursor) for the next group commit.
  void append(std::string source, std::vector<Event> events, std::optional<std::string> cursor, Done done);

  /// Persists sink cursors, the journal position and the correlation slot in one transaction,
  /// and deletes records with seq <= delete_through. `done(ok)` on the writer thread.
  void checkpoint(std::map<std::string, uint64_t> outboxes, std::optional<std::string> correlation,
                  uint64_t delete_through, std::function<void(bool)> done = {});

  /// Up to `max` records with seq > after, in order. Thread-safe.
  std::vector<std::shared_ptr<const Record>> read(uint64_t after, size_t max);

  /// Calls `fn(last_seq)` after every commit that added records (on the writer thread).
  void subscribe(std::function<void(uint64_t)> fn);

  uint64_t last_seq() const { return last_seq_.load(); }
  /// The retained records (seq, source, bytes), oldest first.
  std::vector<RecordInfo> index_after(uint64_t seq) const;
  uint64_t retained_bytes() const { return retained_bytes_.load(); }

  /// A source's cursor as committed with its last journaled batch.
  std::optional<std::string> load_cursor(const std::string& source);
  /// Sink cursors and the checkpoint as last persisted.
  std::map<std::string, uint64_t> load_outboxes();
  struct CheckpointRow {
    uint64_t journal_seq = 0;
    std::optional<std::string> correlation;
    int64_t written_ms = 0;
  };
  std::optional<CheckpointRow> load_checkpoint();
  int64_t last_checkpoint_ms() const { return last_checkpoint_ms_.load(); }

  /// True while free space is below min_free_bytes, or a recent write failed for lack of space
  /// (ENOSPC / SQLITE_FULL): appends are refused until space is back.
  bool disk_full() const;
  /// Re-measures free space (the writer does it at every commit; call it when idle).
  void refresh_space();
  uint64_t commits() const { return commits_.load(); }

  /// Asks for a passive WAL checkpoint and returns at once: it runs on the journal's own
  /// checkpoint thread and connection, so neither the caller (an Asio worker), nor the writer,
  /// nor readers wait while it copies the WAL into hub.db (a large WAL takes hundreds of ms).
  /// A request while one runs is folded into it.
  void wal_checkpoint();
  uint64_t wal_checkpoints() const { return wal_checkpoints_.load(); }
  /// Space inside hub.db that new records can reuse (free pages left by deleted records): the
  /// file never shrinks, so this counts as free disk for backpressure.
  uint64_t reusable_bytes();

 private:
  struct Job;
  void writer_loop();
  void commit(std::vector<Job>& jobs);
  std::shared_ptr<const Record> load(uint64_t seq);

  std::filesystem::path path_;
  const core::Clock& clock_;
  JournalOptions options_;
  std::unique_ptr<store::Database> writer_db_;
  std::unique_ptr<store::Database> reader_db_;
  std::mutex reader_mu_;

  void checkpoint_loop();
  std::unique_ptr<store::Database> checkpoint_db_;
  std::mutex checkpoint_mu_;
  std::condition_variable checkpoint_cv_;
  bool checkpoint_wanted_ = false, checkpoint_stop_ = false;
  std::atomic<uint64_t> wal_checkpoints_{0};
  std::thread checkpointer_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::vector<Job> queue_;
  bool stopping_ = false;
  std::thread writer_;

  mutable std::mutex index_mu_;
  std::deque<RecordInfo> index_;                                 // retained records
  std::map<uint64_t, std::shared_ptr<const Record>> cache_;      // recent records
  uint64_t cache_bytes_ = 0;
  std::vector<std::function<void(uint64_t)>> subscribers_;

  std::atomic<uint64_t> last_seq_{0};
  std::atomic<uint64_t> retained_bytes_{0};
  std::atomic<int64_t> disk_full_until_{0};
  std::atomic<int64_t> last_checkpoint_ms_{0};
  std::atomic<uint64_t> commits_{0};
  std::atomic<bool> space_low_{false};
  uint64_t free_bytes(store::Database& db);
};

/// Length-prefixed encoding of event texts and ids (4-byte little-endian sizes).
std::string encode_events(const std::vector<Event>& events, bool ids);
std::vector<Event> decode_events(std::string_view texts, std::string_view ids);

}  // namespace siemhub::pipeline
