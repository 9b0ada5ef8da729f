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

struct HecSink::Write {
  explicit Write(sdk::SinkOp o) : op(std::move(o)) {}
  sdk::SinkOp op;
  std::string envelopes;       // every event's envelope, concatenated: any range is a HEC body
  std::vector<size_t> offsets; // envelope i is [offsets[i], offsets[i+1])
  uint32_t outstanding = 0;    // requests (or pending acks) not resolved yet
  bool retried = false;
  sdk::Category worst = sdk::Category::none;
  uint32_t retry_after_ms = 0;
  std::string reason;
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
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [id, p] : pending) retry(p.write, p.first, p.count, sdk::Category::transient, 0, "stopping before the indexer acknowledged");
  for (auto& [id, p] : pending) settle(p.write);
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
  uint32_t first = 0;
  for (uint32_t i = 0; i < n; ++i) {
    const size_t start = w->envelopes.size();
    w->offsets.push_back(start);
    envelopes_.append(w->envelopes, batch[i].data, batch[i].id);
    const bool over_bytes = w->envelopes.size() - w->offsets[first] > cfg_.batch_max_bytes && i > first;
    if (over_bytes) {  // this envelope starts the next request
      ++w->outstanding;
      send(w, first, i - first);
      first = i;
    }
    if (i + 1 - first >= cfg_.batch_max_events) {
      w->offsets.push_back(w->envelopes.size());  // provisional end, overwritten by the next start
      ++w->outstanding;
      send(w, first, i + 1 - first);
      w->offsets.pop_back();
      first = i + 1;
    }
  }
  w->offsets.push_back(w->envelopes.size());
  if (first < n) {
    ++w->outstanding;
    send(w, first, n - first);
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
    if (cfg_.ack.enabled) {
      if (a.ack_id < 0) {  // accepted without an ackId: the token does not acknowledge
        set_health(SIEMHUB_HEALTH_DOWN, "hec.ack.enabled is set but HEC answered without an ackId: enable indexer acknowledgement on the token");
        retry(w, first, count, sdk::Category::config, 0, "HEC answered without an ackId");
        settle(w);
        return;
      }
      pending_[a.ack_id] = Pending{w, first, count, host_.now_ms()};
      m_.acks_pending.record(static_cast<double>(pending_.size()));
      set_health(SIEMHUB_HEALTH_OK, "");
      return;  // settled when the ack comes (or times out)
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
  w->op.deliver(first, count);
  m_.delivered.record(count);
}

void HecSink::retry(const std::shared_ptr<Write>& w, uint32_t first, uint32_t count, sdk::Category c,
                    uint32_t retry_after_ms, const std::string& reason) {
  w->op.retry(first, count, c, retry_after_ms, reason.c_str());
  m_.retried.record(count);
  w->retried = true;
  if (rank(c) >= rank(w->worst)) {
    w->worst = c;
    w->reason = reason;
  }
  w->retry_after_ms = std::max(w->retry_after_ms, retry_after_ms);
}

void HecSink::reject(const std::shared_ptr<Write>& w, uint32_t index, const std::string& reason,
                     const std::string& response) {
  w->op.reject(index, reason, response);
  m_.rejected.record(1);
}

void HecSink::settle(const std::shared_ptr<Write>& w) {
  if (w->outstanding == 0 || --w->outstanding > 0) return;
  if (w->retried)
    w->op.fail(sdk::Error(w->worst == sdk::Category::none ? sdk::Category::transient : w->worst, w->reason, 0,
                          w->retry_after_ms));
  else
    w->op.complete();
}

// ------------------------------------------------------------------ indexer acknowledgement

void HecSink::expire_acks() {
  const int64_t now = host_.now_ms();
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (now - it->second.sent_ms < cfg_.ack.timeout_ms) {
      ++it;
      continue;
    }
    const int64_t ack_id = it->first;
    auto p = std::move(it->second);
    it = pending_.erase(it);
    m_.ack_timeouts.record(1);
    host_.warn("no indexer acknowledgement for ackId " + std::to_string(ack_id) + " (" + std::to_string(p.count) +
               " events) within " + std::to_string(cfg_.ack.timeout_ms) + " ms: handing them back to be re-sent");
    retry(p.write, p.first, p.count, sdk::Category::transient, 0,
          "no indexer acknowledgement within " + std::to_string(cfg_.ack.timeout_ms) + " ms");
    settle(p.write);
  }
  m_.acks_pending.record(static_cast<double>(pending_.size()));
}

void HecSink::poll_acks() {
  if (pending_.empty() || ack_poll_in_flight_) return;
  std::vector<int64_t> ids;
  nlohmann::json body{{"acks", nlohmann::json::array()}};
  for (const auto& [id, p] : pending_) {
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
    if (a.code == 11) {  // HEC no longer knows the channel (restarted): nothing pending will ever be acked
      for (int64_t id : asked) {
        auto it = pending_.find(id);
        if (it == pending_.end()) continue;
        auto p = std::move(it->second);
        pending_.erase(it);
        retry(p.write, p.first, p.count, sdk::Category::transient, 0, "HEC lost the ack channel");
        settle(p.write);
      }
    }
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
    auto it = pending_.find(id);
    if (it == pending_.end()) continue;
    auto p = std::move(it->second);
    pending_.erase(it);
    deliver(p.write, p.first, p.count);
    settle(p.write);
  }
  m_.acks_pending.record(static_cast<double>(pending_.size()));
}

void HecSink::set_health(int32_t state, const std::string& reason) {
  if (state == health_ && state == SIEMHUB_HEALTH_OK) return;
  health_ = state;
  host_.report_health(state, reason);
}

}  // namespace siemhub::plugins::splunk
