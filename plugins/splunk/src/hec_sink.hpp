// The HEC sink (vendor-apis.md §1.1). One host write becomes one or more HEC requests to
// /services/collector/event (split by hec.batch_max_events / batch_max_bytes, sent at once);
// the write completes when every event of it has an outcome.
//
// By HEC answer, per request:
//   200 code 0                  DELIVERED — or, with indexer acknowledgement, pending until the
//                               ack poll says true for its ackId (see below)
//   200 code 0 without ackId    DELIVERED, with ack.enabled: the receiver does not acknowledge
//   while ack.enabled           (useACK off, Splunk Cloud, a HEC-compatible receiver); connector
//                               DEGRADED. Re-sending would index every event again.
//   400 code 6/7/12/13/15 with  the events before invalid-event-number k are DELIVERED (HEC kept
//   invalid-event-number k      them), event k is REJECTED to dead letters with the reason and
//                               Splunk's answer, the events after k are re-sent at once
//   400 code 7 (no k), 5        REJECTED (incorrect index; no data)
//   other 400 with a HEC code   REJECTED with the code's text
//   401/403 codes 1-4           RETRY (AUTH), connector DOWN: nothing is dropped on a bad token
//   400 codes 10/11/14/16       RETRY (CONFIG), connector DOWN: ack or channel misconfiguration
//   413                         split in halves and re-sent at once; one event alone: REJECTED
//   429, 503 (code 9 busy)      RETRY (RATE_LIMIT / TRANSIENT) with Retry-After
//   5xx, 408                    RETRY (TRANSIENT)
//   4xx without a HEC body      RETRY (TRANSIENT), connector DEGRADED: a proxy's 404/502 is not
//                               Splunk's verdict on the events (Fluent Bit drops them: §4 #3699)
//   transport error, timeout    RETRY (TRANSIENT)
//
// Indexer acknowledgement outlives host writes. The host gives a write 30 s, Splunk acknowledges
// after indexing (seconds to minutes) and advises re-sending only after minutes. So every event
// HEC accepted under an ackId is tracked by its envelope text until the host has its outcome:
// a write waits ack.hold_ms, then hands the still pending events back (RETRY, nothing re-sent);
// when the host writes them again they wait for the same ackId, or are DELIVERED at once if it
// was acknowledged meanwhile. Only after ack.timeout_ms without acknowledgement (or when HEC
// dropped the channel) are they forgotten, and so sent again by the host's next write.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config.hpp"
#include "hec_envelope.hpp"
#include "siemhub/plugin.hpp"

namespace siemhub::plugins::splunk {

class HecSink {
 public:
  HecSink(sdk::Host host, HecConfig cfg);
  ~HecSink();
  void start();
  void stop();
  void write(sdk::SinkOp& op, const sdk::Batch& batch);
  const std::string& channel() const { return channel_; }

 private:
  struct Write;
  struct Tracked {  // an event HEC accepted under an ackId, until the host has its outcome
    std::string envelope;
    int64_t ack_id = -1;  // -1: acknowledged, waiting for the host to write it again
    int64_t since_ms = 0; // accepted at, or acknowledged at
    std::shared_ptr<Write> write;  // the write waiting for it, if any
    uint32_t index = 0;            // its index in that write's batch
  };
  struct Request {  // an ackId HEC has not acknowledged yet
    int64_t sent_ms = 0;
    std::vector<uint64_t> events;  // keys of tracked_
  };

  void send(const std::shared_ptr<Write>& w, uint32_t first, uint32_t count);
  void on_response(const std::shared_ptr<Write>& w, uint32_t first, uint32_t count, const sdk::HttpResponse* resp,
                   const sdk::Error* err);
  void deliver(const std::shared_ptr<Write>& w, uint32_t first, uint32_t count);
  void retry(const std::shared_ptr<Write>& w, uint32_t first, uint32_t count, sdk::Category c, uint32_t retry_after_ms,
             const std::string& reason);
  void reject(const std::shared_ptr<Write>& w, uint32_t index, const std::string& reason, const std::string& response);
  void settle(const std::shared_ptr<Write>& w);  // one request (or one waiting event) of `w` is resolved
  // Indexer acknowledgement (ack.enabled).
  bool adopt(const std::shared_ptr<Write>& w, uint32_t index, std::string_view envelope);
  void accepted(const std::shared_ptr<Write>& w, uint32_t first, uint32_t count, int64_t ack_id);
  void acknowledged(int64_t ack_id);
  void give_up(int64_t ack_id, const std::string& reason);
  void forget(uint64_t key);
  void hold(const std::shared_ptr<Write>& w);
  void hand_back(const std::shared_ptr<Write>& w);
  void poll_acks();
  void on_acks(const sdk::HttpResponse* resp, const sdk::Error* err, const std::vector<int64_t>& asked);
  void expire_acks();
  void set_health(int32_t state, const std::string& reason);
  std::string url(const char* path) const;
  std::string gzip(const std::string& body) const;

  sdk::Host host_;
  HecConfig cfg_;
  EnvelopeBuilder envelopes_;
  std::string channel_;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::map<uint64_t, Tracked> tracked_;
  std::unordered_multimap<std::string_view, uint64_t> by_envelope_;  // views into tracked_
  uint64_t next_key_ = 0;
  std::map<int64_t, Request> acks_;  // ackId -> request
  uint64_t ack_timer_ = 0;
  bool ack_poll_in_flight_ = false;
  int32_t health_ = SIEMHUB_HEALTH_OK;
  std::string health_reason_;
  struct Metrics {
    sdk::Metric requests, events_sent, delivered, rejected, retried, acks_pending, ack_timeouts, ack_polls,
        handed_back, unacknowledged;
  } m_;
};

}  // namespace siemhub::plugins::splunk
