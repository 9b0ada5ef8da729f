#include "pipeline/dead_letters.hpp"

#include "store/database.hpp"

namespace siemhub::pipeline {

namespace {

DeadLetter row(store::Statement& s, bool with_payload) {
  DeadLetter d;
  d.id = static_cast<uint64_t>(s.column_int64(0));
  d.sink = std::string(s.column_text(1));
  d.event_id = std::string(s.column_text(2));
  d.journal_seq = static_cast<uint64_t>(s.column_int64(3));
  d.reason = std::string(s.column_text(4));
  d.created_ms = s.column_int64(5);
  d.stage = std::string(s.column_text(6));
  if (with_payload) {
    d.response = std::string(s.column_text(7));
    d.event = std::string(s.column_blob(8));
  }
  return d;
}

}  // namespace

DeadLetters::DeadLetters(const std::filesystem::path& hub_db, const core::Clock& clock) : clock_(clock) {
  db_ = std::make_unique<store::Database>(hub_db);
}

DeadLetters::~DeadLetters() = default;

void DeadLetters::add(const DeadLetter& d) {
  std::lock_guard lock(mu_);
  auto& s = db_->prepare(
      "INSERT INTO dead_letters(sink, event_id, journal_seq, reason, response, event, created_ms, stage) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
      "add a dead letter");
  s.bind_text(1, d.sink)
      .bind_text(2, d.event_id)
      .bind_int64(3, static_cast<int64_t>(d.journal_seq))
      .bind_text(4, d.reason)
      .bind_text(5, d.response)
      .bind_blob(6, d.event)
      .bind_int64(7, clock_.now_ms())
      .bind_text(8, d.stage)
      .run();
}

std::vector<DeadLetter> DeadLetters::list(const std::string& sink, uint64_t after_id, uint32_t limit) {
  std::lock_guard lock(mu_);
  auto& s = db_->prepare(
      "SELECT id, sink, event_id, journal_seq, reason, created_ms, stage FROM dead_letters "
      "WHERE id > ?1 AND (?2 = '' OR sink = ?2) ORDER BY id LIMIT ?3",
      "list dead letters");
  store::StatementReset reset(s);
  s.bind_int64(1, static_cast<int64_t>(after_id)).bind_text(2, sink).bind_int64(3, limit);
  std::vector<DeadLetter> out;
  while (s.step()) out.push_back(row(s, false));
  return out;
}

std::optional<DeadLetter> DeadLetters::get(uint64_t id) {
  std::lock_guard lock(mu_);
  auto& s = db_->prepare(
      "SELECT id, sink, event_id, journal_seq, reason, created_ms, stage, response, event FROM dead_letters WHERE id = ?1",
      "show a dead letter");
  store::StatementReset reset(s);
  s.bind_int64(1, static_cast<int64_t>(id));
  if (!s.step()) return std::nullopt;
  return row(s, true);
}

std::vector<DeadLetter> DeadLetters::select(const std::vector<uint64_t>& ids, const std::string& sink) {
  std::vector<DeadLetter> out;
  if (!ids.empty()) {
    for (uint64_t id : ids)
      if (auto d = get(id)) out.push_back(std::move(*d));
    return out;
  }
  std::lock_guard lock(mu_);
  auto& s = db_->prepare(
      "SELECT id, sink, event_id, journal_seq, reason, created_ms, stage, response, event FROM dead_letters "
      "WHERE (?1 = '' OR sink = ?1) ORDER BY id",
      "select dead letters");
  store::StatementReset reset(s);
  s.bind_text(1, sink);
  while (s.step()) out.push_back(row(s, true));
  return out;
}

uint64_t DeadLetters::erase(const std::vector<uint64_t>& ids, const std::string& sink) {
  std::lock_guard lock(mu_);
  store::Transaction tx(*db_);
  uint64_t n = 0;
  if (!ids.empty()) {
    for (uint64_t id : ids) {
      auto& s = db_->prepare("DELETE FROM dead_letters WHERE id = ?1", "purge a dead letter");
      s.bind_int64(1, static_cast<int64_t>(id)).run();
      n += static_cast<uint64_t>(db_->changes());
    }
  } else {
    auto& s = db_->prepare("DELETE FROM dead_letters WHERE (?1 = '' OR sink = ?1)", "purge dead letters");
    s.bind_text(1, sink).run();
    n = static_cast<uint64_t>(db_->changes());
  }
  tx.commit();
  return n;
}

uint64_t DeadLetters::count() {
  std::lock_guard lock(mu_);
  auto& s = db_->prepare("SELECT count(*) FROM dead_letters", "count dead letters");
  store::StatementReset reset(s);
  return s.step() ? static_cast<uint64_t>(s.column_int64(0)) : 0;
}

}  // namespace siemhub::pipeline
