// The HEC sink (vendor-apis.md §1.1). One host write becomes one or more HEC requests to
// /services/collector/event (split by hec.batch_max_events / batch_max_bytes, sent at once);
// the write completes when every event of it has an outcome.
//
// By HEC answer, per request:
//   200 code 0                  DELIVERED — or, with indexer acknowledgement, pending until the
//                               ack poll says true for its ackId; re-sent (RETRY) after ack.timeout_ms
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
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
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
  struct Pending {  // a request HEC accepted, waiting for its ackId to be acknowledged
    std::shared_ptr<Write> write;
    uint32_t first = 0, count = 0;
    int64_t sent_ms = 0;
  };

  void send(const std::shared_ptr<Write>& w, uint32_t first, uint32_t count);
  void on_response(const std::shared_ptr<Write>& w, uint32_t first, uint32_t count, const sdk::HttpResponse* resp,
                   const sdk::Error* err);
  void deliver(const std::shared_ptr<Write>& w, uint32_t first, uint32_t count);
  void retry(const std::shared_ptr<Write>& w, uint32_t first, uint32_t count, sdk::Category c, uint32_t retry_after_ms,
             const std::string& reason);
  void reject(const std::shared_ptr<Write>& w, uint32_t index, const std::string& reason, const std::string& response);
  void settle(const std::shared_ptr<Write>& w);  // one request of `w` is resolved
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
  std::map<int64_t, Pending> pending_;  // ackId -> request
  uint64_t ack_timer_ = 0;
  bool ack_poll_in_flight_ = false;
  int32_t health_ = SIEMHUB_HEALTH_OK;
  struct Metrics {
    sdk::Metric requests, events_sent, delivered, rejected, retried, acks_pending, ack_timeouts, ack_polls;
  } m_;
};

}  // namespace siemhub::plugins::splunk
