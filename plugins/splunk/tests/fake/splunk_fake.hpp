// A faithful Splunk fake for tests: HTTP Event Collector (HEC) and the REST endpoints the
// plugin uses (search export, ES notable_update, auth/login), on one loopback port. It checks
// auth as Splunk does, answers with Splunk's codes and bodies (shared/reference/vendor-apis.md
// §1), can be told to fail, and records what it got.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "http_fake_server.hpp"

namespace siemhub::testing::splunk {

struct HecToken {
    std::string token; ///< the HEC token value
    std::string name = "default";
    bool enabled = true;              ///< false -> 403 {"text":"Token disabled","code":1}
    bool use_ack = false;             ///< indexer acknowledgement required (channel mandatory)
    std::vector<std::string> indexes; ///< allowed indexes; empty = any
    std::string default_index = "main";
};

struct HecEvent { ///< one accepted event, in arrival order
    nlohmann::json envelope; ///< the whole envelope as sent (raw endpoint: built from the query)
    std::string token_name, channel, index; ///< index resolved (envelope's or token default)
    int64_t ack_id = -1;                    ///< the request's ackId when the token uses ack
    uint64_t request = 0;                   ///< 1-based HEC request number it came in
};

/// after_polls: an ack is true only from the N-th poll of that id (set_ack_after_polls).
enum class AckMode { normal, never, after_polls };

struct SplunkFakeOptions {
    bool tls = false;              ///< HTTPS with a self-signed cert (cert_path() is the CA)
    bool record_requests = true;   ///< false: nothing stored but counters (benchmarks)
    bool store_events = true;      ///< false: HEC events validated and counted, not kept
    size_t max_content_length = 1000000; ///< bytes of the (decompressed) body; above -> 413
    /// inputs.conf [http] maxIdleTime (Splunk's default 600 s, with ackIdleCleanup on): an ack
    /// channel neither sent on nor polled for longer (fake clock) is removed with its pending ids.
    double ack_channel_max_idle_s = 600;
    /// limits.conf [http_input] max_number_of_acked_requests_pending_query_per_ack_channel
    /// (Splunk's default 1000000): a send on a channel with this many ids pending is refused
    /// with 503 code 9 "Server is busy" and nothing of it is kept.
    size_t max_pending_acks_per_channel = 1000000;
};

class SplunkFake {
public:
    explicit SplunkFake(SplunkFakeOptions options = {});
    ~SplunkFake();
    SplunkFake(const SplunkFake&) = delete;
    SplunkFake& operator=(const SplunkFake&) = delete;
    SplunkFake(SplunkFake&&) = delete;
    SplunkFake& operator=(SplunkFake&&) = delete;

    std::string url() const; ///< "http(s)://127.0.0.1:<port>" (no trailing slash)
    uint16_t port() const;
    std::filesystem::path cert_path() const; ///< when tls (empty otherwise)

    // --- auth
    void add_hec_token(HecToken t);
    void add_bearer_token(std::string token); ///< REST: Authorization: Bearer <token>
    void add_session_key(std::string key);    ///< REST: Authorization: Splunk <sessionKey>
    /// REST Basic auth, and POST /services/auth/login (form username, password).
    void add_user(std::string user, std::string password);

    // --- failure switches (thread-safe; take effect for the next requests)
    /// The next n HEC POSTs (event/raw) get exactly this answer.
    void fail_hec_next(int n, int http_status, std::string body,
                       std::vector<std::pair<std::string, std::string>> headers = {});
    void set_hec_busy(bool busy); ///< every HEC POST and health -> 503 until cleared
    /// Next HEC request: event k (0-based) answered as malformed (code 6), events before kept.
    void reject_event_at(int index_in_request);
    /// Every event whose envelope text contains it -> code 6 at its position ("" clears).
    void reject_events_matching(std::string substring);
    void set_ack_mode(AckMode m);
    void set_ack_after_polls(int n); ///< also switches to AckMode::after_polls
    /// Splunk acknowledges a request only once it is indexed, seconds to minutes after the 200:
    /// an ackId polls false until this long (fake clock, set_now) after its request. 0 = at once.
    void set_indexing_delay(double seconds);
    void drop_next_hec_connections(int n); ///< read the request then close without answering
    void set_rest_fail_next(int n, int http_status, std::string body); ///< export, notable_update
    void set_export_drop_after(int results); ///< next export closes after this many result rows
    void set_export_preview_rows(bool on);   ///< a preview pass before the final rows
    /// Pins "now" (epoch seconds) for relative export times (-15m, now), indexing delays and
    /// channel idle times; nullopt = wall clock.
    void set_now(std::optional<double> epoch_seconds);

    // --- data in
    std::vector<HecEvent> events() const;
    size_t event_count() const;    ///< accepted events, also when store_events=false
    uint64_t hec_requests() const; ///< HEC POSTs to event/raw endpoints (any outcome)
    uint64_t ack_polls() const;    ///< POST /services/collector/ack requests
    std::vector<RecordedRequest> requests() const; ///< every request (when record_requests)
    /// Blocks until `n` HEC events were accepted or `timeout` passed; returns success.
    bool wait_for_events(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

    // --- searchable data (what export searches return) and notables
    /// An indexed result; must carry "_indextime" (epoch seconds) and "_time" (epoch seconds
    /// or ISO 8601 as Splunk prints it); scalar values are stored as strings, as Splunk
    /// returns them; "index" defaults to "main". Notables: index "notable", "event_id",
    /// "status", "owner", "urgency", "rule_name"... Throws std::invalid_argument otherwise.
    void add_result(nlohmann::json result);
    /// Current state of a notable (after notable_update).
    std::optional<nlohmann::json> notable(const std::string& event_id) const;
    uint64_t export_requests() const;
    void clear_requests();

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

} // namespace siemhub::testing::splunk
