// The ingest journal: every accepted batch of normalized events becomes one record, fsync'd before
// anyone is told it is accepted.
//
// Records live in append-only segment files (<data dir>/journal/<segment number>.seg): one writer
// thread takes everything queued, writes it as one contiguous run of checksummed frames and
// fdatasyncs once (group commit), so many concurrent sources share each flush. A pull source's
// new cursor is written in the same frame as its events, so a cursor can never run ahead of what
// is durable. The small state — sink cursors (outboxes), the checkpoint (journal position,
// correlation slot, how far records were deleted) and the source cursors as of that checkpoint —
// lives in hub.db and is written in one SQLite transaction per checkpoint, on a thread of its own
// (the writer goes on appending meanwhile; the records a checkpoint drops are dropped by the writer
// afterwards).
//
// Why segments rather than SQLite rows (DESIGN §6 leaves the choice to measurement): a record is
// a ~0.5 MB blob; SQLite wrote it twice (WAL, then the checkpoint into hub.db) and deleting it
// walked its overflow-page chain — 200-370 ms inside the writer every checkpoint at 200 requests
// per second, which set the HEC p99. A segment is written once and dropped with one unlink once
// every consumer is past it.
//
// Sinks read records back (recent ones from an in-memory cache, older ones from their segment,
// checksum verified) and keep their own cursor (outboxes); checkpoints persist those cursors and
// drop the segments every consumer has passed.
//
// At start the journal scans its segments: a torn tail (a frame cut short or failing its checksum
// at the end of the last segment: a crash during a write nobody was told was durable) is cut off.
// Records at or before the last checkpoint's deletion point are gone even when a crash came
// before their segment was unlinked.
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
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/bytes.hpp"
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
  /// A segment takes new records until it holds this many bytes (one batch may exceed it). A
  /// segment whose records were all delivered is dropped at the next checkpoint even when it is
  /// not full, so a trickle of events does not keep old data on disk.
  uint64_t segment_bytes = 64ull << 20;
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

  /// `hub_db`: the data directory's migrated hub.db; the segments go to journal/ beside it.
  /// Throws store::StoreError or std::runtime_error when it cannot open or recover them.
  Journal(std::filesystem::path hub_db, const core::Clock& clock, JournalOptions options = {});
  /// Commits what is queued, then stops the writer.
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  /// Queues a batch (and optionally the source's new cursor) for the next group commit. A cursor
  /// with no events is made durable too, without a record.
  void append(std::string source, std::vector<Event> events, std::optional<std::string> cursor, Done done);

  /// Persists sink cursors, the journal position, the correlation slot and the source cursors in
  /// one transaction, then drops the records with seq <= delete_through (their segments are
  /// removed once nothing retained is left in them). `done(ok)` on the writer thread once the
  /// records are dropped (on the journal's saver thread if the save failed or the journal is
  /// stopping). The transaction runs on the saver thread: appends go on while it commits.
  void checkpoint(std::map<std::string, uint64_t> outboxes, std::optional<std::string> correlation,
                  uint64_t delete_through, std::function<void(bool)> done = {});

  /// Up to `max` records with seq > after, in order. Thread-safe. A record whose segment bytes
  /// fail their checksum is logged and returned without events, so readers move past it.
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
  /// (ENOSPC): appends are refused until space is back.
  bool disk_full() const;
  /// Re-measures free space (the writer does it at every commit; call it when idle).
  void refresh_space();
  uint64_t commits() const { return commits_.load(); }

  /// Asks for a passive WAL checkpoint of hub.db and returns at once: it runs on the journal's
  /// own thread and connection, which also removes dropped segment files.
  void wal_checkpoint();
  uint64_t wal_checkpoints() const { return wal_checkpoints_.load(); }

  /// Where the segment files are, and how many exist now (tests, status).
  const std::filesystem::path& segment_dir() const { return dir_; }
  size_t segments() const;

 private:
  struct Job;
  struct Segment;
  struct Entry;
  void recover();
  void migrate_sqlite_rows();
  void writer_loop();
  void commit(std::vector<Job>& jobs);
  bool write_frames(std::vector<Job>& jobs, int64_t now, std::string& error);
  uint64_t save_checkpoints(std::vector<Job>& jobs, int64_t now, uint64_t& cursor_gen);
  void saver_loop();
  void hand_to_saver(std::vector<Job>& jobs);
  void after_save(std::vector<std::function<void(bool)>> dones, uint64_t through, uint64_t cursor_gen);
  std::shared_ptr<Segment> writable_segment(uint64_t incoming, std::string& error);
  void retire(std::shared_ptr<Segment> seg);
  void keep_spare(const std::filesystem::path& path);
  std::shared_ptr<const Record> load(const Entry& entry);
  void drop_through(uint64_t seq, uint64_t cursor_gen);
  uint64_t free_bytes(store::Database& db);
  void set_space_low(bool low);  // logs the change

  std::filesystem::path path_;
  std::filesystem::path dir_;
  const core::Clock& clock_;
  JournalOptions options_;
  std::unique_ptr<store::Database> writer_db_;
  std::unique_ptr<store::Database> reader_db_;
  std::mutex reader_mu_;

  // Writer-thread only.
  std::shared_ptr<Segment> active_;
  uint64_t last_segment_ = 0;  // segment numbers only grow
  core::Bytes frames_;                           // the commit's frames, reused

  // The checkpoint transactions, on their own thread and connection: a checkpoint's commit
  // (10-15 ms with its fsyncs, on a disk busy with the journal and a sink) held every append
  // queued behind it when the writer ran it.
  std::unique_ptr<store::Database> saver_db_;
  std::mutex save_mu_;
  std::condition_variable save_cv_;
  std::vector<Job> save_queue_;  // checkpoint jobs, under save_mu_
  bool save_stop_ = false;
  uint64_t deleted_through_ = 0;  // saver thread (and recovery)
  std::thread saver_;

  void checkpoint_loop();
  std::unique_ptr<store::Database> checkpoint_db_;
  std::mutex checkpoint_mu_;
  std::condition_variable checkpoint_cv_;
  bool checkpoint_wanted_ = false, checkpoint_stop_ = false;
  std::vector<std::shared_ptr<Segment>> to_remove_;  // under checkpoint_mu_
  std::atomic<uint64_t> wal_checkpoints_{0};
  std::thread checkpointer_;

  static constexpr size_t kSpares = 2;  // dropped segment files kept for reuse
  std::mutex spare_mu_;
  std::vector<std::pair<std::filesystem::path, uint64_t>> spares_;  // path, bytes
  std::atomic<uint64_t> spare_bytes_{0};

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::vector<Job> queue_;
  bool stopping_ = false;
  bool writer_done_ = false;  // the writer has drained its queue and returned
  std::thread writer_;

  mutable std::mutex index_mu_;
  std::deque<Entry> index_;                                      // retained records
  std::deque<std::shared_ptr<Segment>> segments_;                // oldest first
  std::map<uint64_t, std::shared_ptr<const Record>> cache_;      // recent records
  uint64_t cache_bytes_ = 0;
  std::vector<std::function<void(uint64_t)>> subscribers_;

  std::mutex cursor_mu_;
  std::map<std::string, std::string> cursors_;  // every source's last durable cursor
  std::map<std::string, std::string> dirty_cursors_;  // not yet in hub.db
  // Counts the cursors written: a checkpoint saves the cursors up to its generation, and only
  // segments whose cursors are all that old may go (a newer cursor is only in memory until the
  // next checkpoint saves it).
  uint64_t cursor_gen_ = 0;

  std::atomic<uint64_t> last_seq_{0};
  std::atomic<uint64_t> retained_bytes_{0};
  std::atomic<int64_t> disk_full_until_{0};
  std::atomic<int64_t> last_checkpoint_ms_{0};
  std::atomic<uint64_t> commits_{0};
  std::atomic<bool> space_low_{false};
};

/// Length-prefixed encoding of event texts and ids (4-byte little-endian sizes).
std::string encode_events(const std::vector<Event>& events, bool ids);
std::vector<Event> decode_events(std::string_view texts, std::string_view ids);

}  // namespace siemhub::pipeline
