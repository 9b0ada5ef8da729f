#include "search_source.hpp"

#include <algorithm>
#include <memory>

namespace siemhub::plugins::splunk {

namespace {
constexpr size_t kEmitChunk = 500;
constexpr size_t kMaxLine = 64u << 20;  // one result row larger than this is a broken stream
}  // namespace

SearchCursor SearchCursor::parse(std::string_view text) {
  SearchCursor c;
  if (text.empty()) return c;
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("t") || !j["t"].is_number_integer()) return c;
  c.t = j["t"].get<int64_t>();
  if (auto s = j.find("seen"); s != j.end() && s->is_array())
    for (const auto& h : *s)
      if (h.is_string()) c.seen.insert(h.get<std::string>());
  return c;
}

std::string SearchCursor::dump() const {
  nlohmann::json j{{"v", 1}, {"t", t}, {"seen", nlohmann::json::array()}};
  for (const auto& h : seen) j["seen"].push_back(h);  // std::set: sorted, so the text is stable
  return j.dump();
}

struct SearchSource::Run {
  explicit Run(sdk::PullOp o) : op(std::move(o)) {}
  sdk::PullOp op;
  SearchCursor cursor;
  int64_t earliest = 0, latest = 0;
  std::string partial;  // an incomplete line carried to the next chunk
  bool first_chunk = true;
  std::vector<std::string> batch;
  std::vector<std::pair<int64_t, std::string>> taken;  // (_indextime, hash) of every result of the window
  std::string fatal;                                   // a FATAL/ERROR message in the stream
  std::string head;                                    // the first bytes as received (an error's body)
  uint64_t rows = 0, skipped = 0, emitted = 0;
  bool notable_forced = false, event_forced = false;
};

SearchSource::SearchSource(sdk::Host host, const Rest& rest, SearchConfig cfg)
    : host_(host), rest_(rest), cfg_(std::move(cfg)), window_s_(cfg_.window_s) {
  m_.searches = host_.counter("search_exports", "export searches started");
  m_.results = host_.counter("search_results", "result rows read from export streams");
  m_.skipped = host_.counter("search_results_skipped", "results skipped as already taken (overlap)");
  m_.emitted = host_.counter("search_events_emitted", "events emitted from search results");
  m_.failures = host_.counter("search_failures", "export searches that failed");
}

void SearchSource::poll(sdk::PullOp& op) {
  const int64_t now_ms = host_.now_ms();
  if (now_ms < next_due_ms_) return;  // caught up: an idle poll until the interval has passed
  auto run = std::make_shared<Run>(op.defer());
  run->cursor = SearchCursor::parse(op.cursor());
  const int64_t now_s = now_ms / 1000;
  if (run->cursor.t < 0) run->cursor.t = now_s - cfg_.start_s;
  run->earliest = run->cursor.t - cfg_.overlap_s;
  run->latest = std::min(now_s, run->cursor.t + window_s_);
  run->notable_forced = cfg_.mapping == "notable";
  run->event_forced = cfg_.mapping == "event";
  if (run->latest <= run->cursor.t) {  // nothing new can have been indexed since T
    next_due_ms_ = now_ms + cfg_.interval_s * 1000;
    run->op.complete();
    return;
  }
  // Events may carry a _time long before they were indexed; bound the time range loosely and let
  // index_earliest/index_latest do the real selection.
  Form form{{"search", cfg_.query},
            {"output_mode", "json"},
            {"earliest_time", "0"},
            {"index_earliest", std::to_string(run->earliest)},
            {"index_latest", std::to_string(run->latest)}};
  sdk::HttpRequest req = rest_.post("search/jobs/export", form);
  // Finish before the host's poll deadline: a search that cannot is cut off and the next one
  // covers half the window (a busy Splunk or a dense window would otherwise time out forever).
  if (op.deadline_ms() > now_ms + 2000)
    req.timeout_ms = std::min<uint32_t>(req.timeout_ms ? req.timeout_ms : UINT32_MAX,
                                        static_cast<uint32_t>(op.deadline_ms() - now_ms - 1000));
  req.on_chunk = [this, run](std::string_view chunk) {
    if (run->head.size() < 4096) run->head.append(chunk.substr(0, 4096 - run->head.size()));
    if (run->first_chunk) {  // Splunk's export stream may open with a UTF-8 BOM (see the samples)
      run->first_chunk = false;
      if (chunk.substr(0, 3) == "\xEF\xBB\xBF") chunk.remove_prefix(3);
    }
    size_t from = 0;
    for (size_t nl; (nl = chunk.find('\n', from)) != std::string_view::npos; from = nl + 1) {
      if (!run->partial.empty()) {
        run->partial.append(chunk.substr(from, nl - from));
        on_line(*run, run->partial);
        run->partial.clear();
      } else {
        on_line(*run, chunk.substr(from, nl - from));
      }
    }
    run->partial.append(chunk.substr(from));
    return run->partial.size() <= kMaxLine && run->fatal.empty();
  };
  m_.searches.record(1);
  try {
    host_.http(std::move(req), [this, run, now_ms](const sdk::HttpResponse* resp, const sdk::Error* err) {
      if (resp != nullptr && resp->status / 100 == 2 && !run->partial.empty()) {
        on_line(*run, run->partial);
        run->partial.clear();
      }
      // Nothing of a failed window is committed: the next poll runs the same search again.
      if (resp != nullptr && resp->status / 100 != 2) {
        m_.failures.record(1);
        run->op.fail(Rest::error_of(resp->status, resp->body.empty() ? std::string_view(run->head) : resp->body,
                                    resp->retry_after_ms, "export search"));
        return;
      }
      if (!run->fatal.empty()) {  // (the stream was aborted when it came)
        m_.failures.record(1);
        run->op.fail(sdk::Error(sdk::Category::permanent, "export search: " + run->fatal));
        return;
      }
      if (resp == nullptr) {
        m_.failures.record(1);
        if (err && err->category() == sdk::Category::timeout && window_s_ > 1) {
          window_s_ = std::max<int64_t>(1, window_s_ / 2);
          host_.warn("export search timed out: the next one covers " + std::to_string(window_s_) + " s of _indextime");
        }
        run->op.fail(sdk::Error(err ? err->category() : sdk::Category::transient,
                                std::string("export search: ") + (err ? err->what() : "no response")));
        return;
      }
      window_s_ = std::min(cfg_.window_s, window_s_ * 2);  // a search that finished: widen again
      if (!run->batch.empty()) run->op.emit(run->batch);
      SearchCursor next;
      next.t = run->latest;
      for (const auto& [t, h] : run->taken)
        if (t >= next.t - cfg_.overlap_s) next.seen.insert(h);
      run->op.set_cursor(next.dump());
      if (run->latest >= now_ms / 1000) next_due_ms_ = now_ms + cfg_.interval_s * 1000;
      host_.debug("export search [" + std::to_string(run->earliest) + ", " + std::to_string(run->latest) + "): " +
                  std::to_string(run->rows) + " results, " + std::to_string(run->skipped) + " already taken");
      run->op.complete();
    });
  } catch (const sdk::Error& e) {
    m_.failures.record(1);
    run->op.fail(e);
  }
}

void SearchSource::on_line(Run& run, std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
  if (line.empty()) return;
  const auto j = nlohmann::json::parse(line, nullptr, false);
  if (!j.is_object()) {
    run.fatal = "a line of the export stream is not a JSON object";
    return;
  }
  if (auto msgs = j.find("messages"); msgs != j.end() && msgs->is_array()) {
    for (const auto& m : *msgs) {
      const std::string type = m.value("type", "");
      const std::string text = m.value("text", "");
      if (type == "FATAL" || type == "ERROR") run.fatal = text.empty() ? type : text;
      else if (!text.empty()) host_.info("search message (" + type + "): " + text);
    }
  }
  // Preview rows of a transforming search are superseded by the final ones: only take those.
  if (j.value("preview", false)) return;
  auto r = j.find("result");
  if (r == j.end() || !r->is_object() || r->empty()) return;
  ++run.rows;
  m_.results.record(1);
  const std::string hash = fnv1a_hex(result_id(*r));
  const int64_t t = index_time(*r);
  run.taken.emplace_back(t < 0 ? run.latest : t, hash);
  if (run.cursor.seen.count(hash) != 0) {
    ++run.skipped;
    m_.skipped.record(1);
    return;
  }
  run.cursor.seen.insert(hash);  // a row repeated inside one stream is taken once too
  MappingOptions mo;
  mo.notable = run.notable_forced || (!run.event_forced && looks_like_notable(*r));
  mo.keep_raw = cfg_.keep_raw;
  mo.product_name = cfg_.product_name;
  run.batch.push_back(map_result(*r, mo));
  ++run.emitted;
  m_.emitted.record(1);
  if (run.batch.size() >= kEmitChunk) {
    run.op.emit(run.batch);
    run.batch.clear();
  }
}

}  // namespace siemhub::plugins::splunk
