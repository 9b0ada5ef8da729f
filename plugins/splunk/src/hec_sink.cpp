#include "hec_sink.hpp"

#include <algorithm>
#include <random>

#include <zlib.h>

namespace siemhub::plugins::splunk {

namespace {

constexpr size_t kEvidenceMax = 2048;

// A HEC JSON answer ({"text":…,"code":…,"invalid-event-number":…,"ackId":…}); code -1 when the
// body is not one (a proxy's page, an empty body).
struct HecAnswer {
  int code = -1;
  std::string text;
  int64_t invalid_event = -1;
  int64_t ack_id = -1;
};

HecAnswer parse_answer(std::string_view body) {
  HecAnswer a;
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object()) return a;
  if (auto c = j.find("code"); c != j.end() && c->is_number_integer()) a.code = c->get<int>();
  if (auto t = j.find("text"); t != j.end() && t->is_string()) a.text = t->get<std::string>();
  if (auto k = j.find("invalid-event-number"); k != j.end() && k->is_number_integer()) a.invalid_event = k->get<int64_t>();
  if (auto k = j.find("ackId"); k != j.end() && k->is_number_integer()) a.ack_id = k->get<int64_t>();
  return a;
}

std::string evidence(std::string_view body) {
  std::string s(body.substr(0, kEvidenceMax));
  return s;
}

std::string new_guid() {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd());
  static constexpr char hex[] = "0123456789abcdef";
  std::string g;
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) g += '-';
    g += hex[gen() & 0xF];
  }
  return g;
}

int rank(sdk::Category c) {
  switch (c) {
    case sdk::Category::auth: return 5;
    case sdk::Category::config: return 4;
    case sdk::Category::rate_limit: return 3;
    case sdk::Category::transient: return 2;
    case sdk::Category::timeout: return 1;
    default: return 0;
  }
}

std::string code_reason(int status, const HecAnswer& a) {
  std::string r = "HEC HTTP " + std::to_string(status);
  if (a.code >= 0) r += " code " + std::to_string(a.code);
  if (!a.text.empty()) r += " (" + a.text + ")";
  return r;
}

}  // namespace

// Requests address a write's events by position among those it sends; `order` maps a position
// to the event's index in the batch (empty: the same, the usual case). With acknowledgement an
// event already in HEC's hands is not sent again, so positions can skip indexes.
struct HecSink::Write {
  explicit Write(sdk::SinkOp o) : op(std::move(o)) {}
  sdk::SinkOp op;
  std::string envelopes;       // the envelopes sent, concatenated: any range is a HEC body
  std::vector<size_t> offsets; // envelope at position j is [offsets[j], offsets[j+1])
  std::vector<uint32_t> order; // position -> batch index; empty = identity
  uint32_t outstanding = 0;    // requests in flight plus events waiting for their ackId
  std::vector<uint64_t> waiting;  // tracked events this write waits for
  uint64_t hold_timer = 0;
  bool retried = false;
  sdk::Category worst = sdk::Category::none;
  uint32_t retry_after_ms = 0;
  std::string reason;

  uint32_t index(uint32_t position) const { return order.empty() ? position : order[position]; }
  // Calls fn(first_index, count) for each run of consecutive batch indexes of [first, first+count).
  template <class Fn>
  void runs(uint32_t first, uint32_t count, Fn fn) const {
    if (order.empty()) return fn(first, count);
    for (uint32_t j = first; j < first + count;) {
      uint32_t n = 1;
      while (j + n < first + count && order[j + n] == order[j] + n) ++n;
      fn(order[j], n);
      j += n;
    }
  }
};

HecSink::HecSink(sdk::Host host, HecConfig cfg) : host_(host), cfg_(std::move(cfg)), envelopes_(cfg_) {
  headers_.emplace_back("Authorization", "Splunk " + cfg_.token);
  headers_.emplace_back("Content-Type", "application/json");
  if (cfg_.gzip_level > 0) headers_.emplace_back("Content-Encoding", "gzip");
  m_.requests = host_.counter("hec_requests", "HEC requests sent");
  m_.events_sent = host_.counter("hec_events_sent", "events sent to HEC (resends included)");
  m_.delivered = host_.counter("hec_events_delivered", "events HEC accepted (and acknowledged, with ack)");
  m_.rejected = host_.counter("hec_events_rejected", "events sent to dead letters");
  m_.retried = host_.counter("hec_events_retried", "events handed back to the host for a retry");
  m_.acks_pending = host_.gauge("hec_acks_pending", "HEC requests waiting for their indexer acknowledgement");
  m_.ack_timeouts = host_.counter("hec_ack_timeouts", "HEC requests re-sent because no acknowledgement came in time");
  m_.ack_polls = host_.counter("hec_ack_polls", "polls of /services/collector/ack");
  m_.handed_back = host_.counter("hec_ack_handed_back",
                                 "events handed back to the host while their ackId is pending (not re-sent)");
  m_.unacknowledged = host_.counter("hec_events_unacknowledged",
                                    "events HEC accepted without an ackId while hec.ack.enabled is set");
}

HecSink::~HecSink() = default;

void HecSink::start() {
  if (!cfg_.ack.enabled) return;
  // One channel per connector instance, stable across restarts (vendor-apis.md §1.1: "keep it stable").
  channel_ = cfg_.ack.channel;
  if (channel_.empty()) {
    if (auto kept = host_.kv_get("hec_channel")) channel_ = *kept;
    else {
      channel_ = new_guid();
      host_.kv_put("hec_channel", channel_);
    }
  }
  headers_.emplace_back("X-Splunk-Request-Channel", channel_);
  ack_timer_ = host_.timer(cfg_.ack.poll_interval_ms, true, [this] {
    expire_acks();
    poll_acks();
  });
}

void HecSink::stop() {
  if (ack_timer_ != 0) host_.timer_cancel(ack_timer_);
  ack_timer_ = 0;
  // Whatever waits for an ack goes back to the host: it is re-sent after the restart.
  auto tracked = std::move(tracked_);
  tracked_.clear();
  by_envelope_.clear();
  acks_.clear();
  for (auto& [key, t] : tracked) {
    if (!t.write) continue;
    t.write->op.retry(t.index, 1, sdk::Category::transient, 0, "stopping before the indexer acknowledged");
    m_.retried.record(1);
    settle(t.write);
  }
  m_.acks_pending.record(0);
}

std::string HecSink::url(const char* path) const { return cfg_.url + path; }

std::string HecSink::gzip(const std::string& body) const {
  z_stream zs{};
  // windowBits 15 + 16: a gzip member rather than a zlib stream.
  if (deflateInit2(&zs, cfg_.gzip_level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw sdk::Error(sdk::Category::internal, "zlib: deflateInit2 failed");
  std::string out;
  out.resize(deflateBound(&zs, static_cast<uLong>(body.size())));
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  zs.avail_in = static_cast<uInt>(body.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) throw sdk::Error(sdk::Category::internal, "zlib: deflate did not finish");
  return out;
}

void HecSink::write(sdk::SinkOp& op, const sdk::Batch& batch) {
  if (batch.empty()) return;
  auto w = std::make_shared<Write>(op.defer());
  const auto n = static_cast<uint32_t>(batch.size());
  w->offsets.reserve(n + 1);
  size_t guess = 0;
  for (uint32_t i = 0; i < n; ++i) guess += batch[i].data.size() + 160;
  w->envelopes.reserve(guess);
  // Each request goes out as soon as its envelopes are built, so HEC works on the first while
  // the next is being built. No completion can run before write() returns (same strand), and the
  // extra count held here keeps the op open until every request is out.
  w->outstanding = 1;
  uint32_t first = 0, j = 0;  // positions: first of the request being built, next to use
  for (uint32_t i = 0; i < n; ++i) {
    const size_t start = w->envelopes.size();
    envelopes_.append(w->envelopes, batch[i].data, batch[i].id);
    if (cfg_.ack.enabled && adopt(w, i, std::string_view(w->envelopes).substr(start))) {
      w->envelopes.resize(start);  // in HEC's hands already: not sent again
      continue;
    }
    if (j != i && w->order.empty())  // the first skipped index: positions so far were indexes
      for (uint32_t k = 0; k < j; ++k) w->order.push_back(k);
    if (!w->order.empty()) w->order.push_back(i);
    w->offsets.push_back(start);
    const bool over_bytes = w->envelopes.size() - w->offsets[first] > cfg_.batch_max_bytes && j > first;
    if (over_bytes) {  // this envelope starts the next request
      ++w->outstanding;
      send(w, first, j - first);
      first = j;
    }
    if (j + 1 - first >= cfg_.batch_max_events) {
      w->offsets.push_back(w->envelopes.size());  // provisional end, overwritten by the next start
      ++w->outstanding;
      send(w, first, j + 1 - first);
      w->offsets.pop_back();
      first = j + 1;
    }
    ++j;
  }
  w->offsets.push_back(w->envelopes.size());
  if (first < j) {
    ++w->outstanding;
    send(w, first, j - first);
  }
  settle(w);  // the count held while sending
}

void HecSink::send(const std::shared_ptr<Write>& w, uint32_t first, uint32_t count) {
  sdk::HttpRequest req;
  req.method = "POST";
  req.url = url("/services/collector/event");
  req.headers = headers_;
  req.timeout_ms = cfg_.timeout_ms;
  const size_t from = w->offsets[first], to = w->offsets[first + count];
  std::string body(w->envelopes, from, to - from);
  req.body = cfg_.gzip_level > 0 ? gzip(body) : std::move(body);
  m_.requests.record(1);
  m_.events_sent.record(count);
  try {
    host_.http(std::move(req), [this, w, first, count](const sdk::HttpResponse* resp, const sdk::Error* err) {
      on_response(w, first, count, resp, err);
    });
  } catch (const sdk::Error& e) {  // refused by the host at once (egress allow-list, TLS policy)
    if (e.category() == sdk::Category::config) set_health(SIEMHUB_HEALTH_DOWN, e.what());
    retry(w, first, count, e.category(), e.retry_after_ms(), e.what());
    settle(w);
  }
}

void HecSink::on_response(const std::shared_ptr<Write>& w, uint32_t first, uint32_t count,
                          const sdk::HttpResponse* resp, const sdk::Error* err) {
  if (resp == nullptr) {
    const sdk::Category c = err ? err->category() : sdk::Category::transient;
    if (c == sdk::Category::config) set_health(SIEMHUB_HEALTH_DOWN, err ? err->what() : "refused by the host");
    retry(w, first, count, c == sdk::Category::cancelled ? sdk::Category::transient : c, 0,
          err ? err->what() : "no response from HEC");
    settle(w);
    return;
  }
  const int status = resp->status;
  const HecAnswer a = parse_answer(resp->body);
  const std::string reason = code_reason(status, a);
  if (status >= 200 && status < 300) {
    if (cfg_.ack.enabled && a.ack_id >= 0) {
      accepted(w, first, count, a.ack_id);
      set_health(SIEMHUB_HEALTH_OK, "");
      return;  // settled when the ack comes, at the hold time, or after the timeout
    }
    if (cfg_.ack.enabled) {
      // 200 code 0 without an ackId: HEC took the events and will never acknowledge them (a
      // token with useACK off, Splunk Cloud — ack only for Kinesis Firehose — or a HEC-compatible
      // receiver; vendor-apis.md §1.1). Nothing can be polled, and each re-send would be indexed
      // again: they are delivered, and the connector says it runs without acknowledgement.
      deliver(w, first, count);
      m_.unacknowledged.record(count);
      set_health(SIEMHUB_HEALTH_DEGRADED,
                 "hec.ack.enabled is set but HEC accepts events without an ackId (indexer acknowledgement is off "
                 "on the token, or the receiver has none): events are delivered unacknowledged");
      settle(w);
      return;
    }
    deliver(w, first, count);
    set_health(SIEMHUB_HEALTH_OK, "");
    settle(w);
    return;
  }
  if (status == 413) {
    if (count == 1) {
      reject(w, first, "HEC HTTP 413: the event is larger than the request limit", evidence(resp->body));
      settle(w);
      return;
    }
    const uint32_t half = count / 2;
    w->outstanding += 2;  // two requests replace this one (settled just below)
    send(w, first, half);
    send(w, first + half, count - half);
    settle(w);
    return;
  }
  if (status == 401 || status == 403 || a.code == 1 || a.code == 2 || a.code == 3 || a.code == 4) {
    set_health(SIEMHUB_HEALTH_DOWN, reason + ": check hec.token");
    retry(w, first, count, sdk::Category::auth, resp->retry_after_ms, reason);
    settle(w);
    return;
  }
  if (status == 429 || status == 503) {
    retry(w, first, count, status == 429 ? sdk::Category::rate_limit : sdk::Category::transient,
          resp->retry_after_ms, reason);
    settle(w);
    return;
  }
  if (status >= 500 || status == 408) {
    retry(w, first, count, sdk::Category::transient, resp->retry_after_ms, reason);
    settle(w);
    return;
  }
  if (status >= 400 && a.code < 0) {
    set_health(SIEMHUB_HEALTH_DEGRADED, reason + " without a HEC answer (a proxy, or the wrong URL?)");
    retry(w, first, count, sdk::Category::transient, resp->retry_after_ms, reason + " without a HEC answer");
    settle(w);
    return;
  }
  if (a.code == 10 || a.code == 11 || a.code == 14 || a.code == 16) {
    const char* hint = a.code == 14   ? ": the token has indexer acknowledgement off; set hec.ack.enabled to false"
                       : a.code == 16 ? ": query-string auth is not used; check hec.url"
                                      : ": the token requires indexer acknowledgement; set hec.ack.enabled";
    set_health(SIEMHUB_HEALTH_DOWN, reason + hint);
    retry(w, first, count, sdk::Category::config, 0, reason);
    settle(w);
    return;
  }
  // A verdict on the data. With invalid-event-number k, HEC kept the events before k.
  if (a.invalid_event >= 0 && a.invalid_event < count) {
    const auto k = static_cast<uint32_t>(a.invalid_event);
    if (k > 0) deliver(w, first, k);
    reject(w, first + k, reason, evidence(resp->body));
    if (k + 1 < count) {
      ++w->outstanding;
      send(w, first + k + 1, count - k - 1);
    }
    settle(w);
    return;
  }
  for (uint32_t i = 0; i < count; ++i) reject(w, first + i, reason, evidence(resp->body));
  settle(w);
}

void HecSink::deliver(const std::shared_ptr<Write>& w, uint32_t first, uint32_t count) {
  w->runs(first, count, [&](uint32_t from, uint32_t n) { w->op.deliver(from, n); });
  m_.delivered.record(count);
}

void HecSink::retry(const std::shared_ptr<Write>& w, uint32_t first, uint32_t count, sdk::Category c,
                    uint32_t retry_after_ms, const std::string& reason) {
  w->runs(first, count, [&](uint32_t from, uint32_t n) { w->op.retry(from, n, c, retry_after_ms, reason.c_str()); });
  m_.retried.record(count);
  w->retried = true;
  if (rank(c) >= rank(w->worst)) {
    w->worst = c;
    w->reason = reason;
  }
  w->retry_after_ms = std::max(w->retry_after_ms, retry_after_ms);
}

void HecSink::reject(const std::shared_ptr<Write>& w, uint32_t position, const std::string& reason,
                     const std::string& response) {
  w->op.reject(w->index(position), reason, response);
  m_.rejected.record(1);
}

void HecSink::settle(const std::shared_ptr<Write>& w) {
  if (w->outstanding == 0 || --w->outstanding > 0) return;
  if (w->hold_timer != 0) host_.timer_cancel(w->hold_timer);
  w->hold_timer = 0;
  if (w->retried)
    w->op.fail(sdk::Error(w->worst == sdk::Category::none ? sdk::Category::transient : w->worst, w->reason, 0,
                          w->retry_after_ms));
  else
    w->op.complete();
}

// ------------------------------------------------------------------ indexer acknowledgement

// An event of `w` with the envelope of one HEC holds under an ackId nobody waits for (a write
// handed it back): `w` waits for that ackId instead of sending a copy, or takes the
// acknowledgement that came meanwhile.
bool HecSink::adopt(const std::shared_ptr<Write>& w, uint32_t index, std::string_view envelope) {
  const auto [from, to] = by_envelope_.equal_range(envelope);
  for (auto it = from; it != to; ++it) {
    const uint64_t key = it->second;
    Tracked& t = tracked_.at(key);
    if (t.write) continue;  // an identical event of this batch took that one
    if (t.ack_id < 0) {
      w->op.deliver(index, 1);
      m_.delivered.record(1);
      forget(key);
      return true;
    }
    t.write = w;
    t.index = index;
    ++w->outstanding;
    w->waiting.push_back(key);
    hold(w);
    return true;
  }
  return false;
}

// HEC accepted positions [first, first+count) of `w` under `ack_id`: each event waits for it.
void HecSink::accepted(const std::shared_ptr<Write>& w, uint32_t first, uint32_t count, int64_t ack_id) {
  // Ack ids count from 0 per channel; one handed out again means HEC dropped the channel (idle
  // past maxIdleTime, a restart) and the old id's status with it: that request is unknown now.
  if (acks_.count(ack_id)) give_up(ack_id, "HEC handed out ackId " + std::to_string(ack_id) + " again (it dropped the channel)");
  const int64_t now = host_.now_ms();
  Request& r = acks_[ack_id];
  r.sent_ms = now;
  for (uint32_t j = first; j < first + count; ++j) {
    const uint64_t key = next_key_++;
    Tracked& t = tracked_[key];
    t.envelope.assign(w->envelopes, w->offsets[j], w->offsets[j + 1] - w->offsets[j]);
    t.ack_id = ack_id;
    t.since_ms = now;
    t.write = w;
    t.index = w->index(j);
    by_envelope_.emplace(std::string_view(t.envelope), key);
    r.events.push_back(key);
    w->waiting.push_back(key);
  }
  w->outstanding += count - 1;  // the request's count becomes one per waiting event
  hold(w);
  m_.acks_pending.record(static_cast<double>(acks_.size()));
}

void HecSink::acknowledged(int64_t ack_id) {
  auto it = acks_.find(ack_id);
  if (it == acks_.end()) return;
  const Request r = std::move(it->second);
  acks_.erase(it);
  const int64_t now = host_.now_ms();
  for (uint64_t key : r.events) {
    Tracked& t = tracked_.at(key);
    if (!t.write) {  // handed back: delivered when the host writes it again
      t.ack_id = -1;
      t.since_ms = now;
      continue;
    }
    auto w = std::move(t.write);
    w->op.deliver(t.index, 1);
    m_.delivered.record(1);
    forget(key);
    settle(w);
  }
}

// The request under `ack_id` will not be acknowledged: its events are forgotten, so the host's
// next write sends them again.
void HecSink::give_up(int64_t ack_id, const std::string& reason) {
  auto it = acks_.find(ack_id);
  if (it == acks_.end()) return;
  const Request r = std::move(it->second);
  acks_.erase(it);
  for (uint64_t key : r.events) {
    std::shared_ptr<Write> w = std::move(tracked_.at(key).write);
    const uint32_t index = tracked_.at(key).index;
    forget(key);
    if (!w) continue;
    w->op.retry(index, 1, sdk::Category::transient, 0, reason.c_str());
    m_.retried.record(1);
    w->retried = true;
    if (rank(sdk::Category::transient) >= rank(w->worst)) {
      w->worst = sdk::Category::transient;
      w->reason = reason;
    }
    settle(w);
  }
  m_.acks_pending.record(static_cast<double>(acks_.size()));
}

void HecSink::forget(uint64_t key) {
  auto it = tracked_.find(key);
  if (it == tracked_.end()) return;
  const auto [from, to] = by_envelope_.equal_range(std::string_view(it->second.envelope));
  for (auto e = from; e != to; ++e)
    if (e->second == key) {
      by_envelope_.erase(e);
      break;
    }
  tracked_.erase(it);
}

void HecSink::hold(const std::shared_ptr<Write>& w) {
  if (w->hold_timer != 0) return;
  w->hold_timer = host_.timer(cfg_.ack.hold_ms, false, [this, weak = std::weak_ptr<Write>(w)] {
    if (auto alive = weak.lock()) hand_back(alive);
  });
}

// The write has waited ack.hold_ms (the host's write deadline is 30 s): its events still pending
// go back to the host for now. They are not re-sent — written again, they wait for the same
// ackId — so this is no failure of the write, only a "not yet".
void HecSink::hand_back(const std::shared_ptr<Write>& w) {
  w->hold_timer = 0;
  const auto waiting = std::move(w->waiting);
  w->waiting.clear();
  for (uint64_t key : waiting) {
    auto it = tracked_.find(key);
    if (it == tracked_.end() || it->second.write != w) continue;
    Tracked& t = it->second;
    t.write.reset();
    const std::string reason = "waiting for the indexer acknowledgement of ackId " + std::to_string(t.ack_id);
    w->op.retry(t.index, 1, sdk::Category::transient, cfg_.ack.poll_interval_ms, reason.c_str());
    m_.handed_back.record(1);
    settle(w);
  }
}

void HecSink::expire_acks() {
  const int64_t now = host_.now_ms();
  std::vector<int64_t> late;
  for (const auto& [id, r] : acks_)
    if (now - r.sent_ms >= cfg_.ack.timeout_ms) late.push_back(id);
  for (int64_t ack_id : late) {
    m_.ack_timeouts.record(1);
    host_.warn("no indexer acknowledgement for ackId " + std::to_string(ack_id) + " (" +
               std::to_string(acks_.at(ack_id).events.size()) + " events) within " +
               std::to_string(cfg_.ack.timeout_ms) + " ms: they are sent again");
    give_up(ack_id, "no indexer acknowledgement within " + std::to_string(cfg_.ack.timeout_ms) + " ms");
  }
  // Acknowledged events the host did not write again as long are not coming back.
  std::vector<uint64_t> stale;
  for (const auto& [key, t] : tracked_)
    if (t.ack_id < 0 && !t.write && now - t.since_ms >= cfg_.ack.timeout_ms) stale.push_back(key);
  for (uint64_t key : stale) forget(key);
  m_.acks_pending.record(static_cast<double>(acks_.size()));
}

void HecSink::poll_acks() {
  if (acks_.empty() || ack_poll_in_flight_) return;
  std::vector<int64_t> ids;
  nlohmann::json body{{"acks", nlohmann::json::array()}};
  for (const auto& [id, r] : acks_) {
    ids.push_back(id);
    body["acks"].push_back(id);
  }
  sdk::HttpRequest req;
  req.method = "POST";
  req.url = url("/services/collector/ack?channel=") + channel_;
  req.headers = {{"Authorization", "Splunk " + cfg_.token}, {"Content-Type", "application/json"},
                 {"X-Splunk-Request-Channel", channel_}};
  req.body = body.dump();
  req.timeout_ms = cfg_.timeout_ms;
  m_.ack_polls.record(1);
  ack_poll_in_flight_ = true;
  try {
    host_.http(std::move(req), [this, ids](const sdk::HttpResponse* resp, const sdk::Error* err) {
      ack_poll_in_flight_ = false;
      on_acks(resp, err, ids);
    });
  } catch (const sdk::Error& e) {
    ack_poll_in_flight_ = false;
    host_.warn(std::string("ack poll refused: ") + e.what());
  }
}

void HecSink::on_acks(const sdk::HttpResponse* resp, const sdk::Error* err, const std::vector<int64_t>& asked) {
  if (resp == nullptr) {
    host_.warn(std::string("ack poll failed: ") + (err ? err->what() : "no response"));
    return;  // pending acks stay until their timeout
  }
  if (resp->status != 200) {
    const HecAnswer a = parse_answer(resp->body);
    host_.warn("ack poll: " + code_reason(resp->status, a));
    if (a.code == 11)  // HEC no longer knows the channel (idle past maxIdleTime, restarted): nothing pending will be acked
      for (int64_t id : asked) give_up(id, "HEC lost the ack channel");
    if (resp->status == 401 || resp->status == 403) set_health(SIEMHUB_HEALTH_DOWN, code_reason(resp->status, a));
    return;
  }
  const auto j = nlohmann::json::parse(resp->body, nullptr, false);
  const auto acks = j.is_object() ? j.find("acks") : j.end();
  if (!j.is_object() || acks == j.end() || !acks->is_object()) {
    host_.warn("ack poll: an answer without an acks object");
    return;
  }
  for (const auto& [key, value] : acks->items()) {
    if (!value.is_boolean() || !value.get<bool>()) continue;  // false: not yet (or read already)
    int64_t id = -1;
    try {
      id = std::stoll(key);
    } catch (...) {
      continue;
    }
    acknowledged(id);
  }
  m_.acks_pending.record(static_cast<double>(acks_.size()));
}

void HecSink::set_health(int32_t state, const std::string& reason) {
  if (state == health_ && reason == health_reason_) return;
  if (state == SIEMHUB_HEALTH_DEGRADED && health_ != SIEMHUB_HEALTH_DEGRADED) host_.warn(reason);
  health_ = state;
  health_reason_ = reason;
  host_.report_health(state, reason);
}

}  // namespace siemhub::plugins::splunk
