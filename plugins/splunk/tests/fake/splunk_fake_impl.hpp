// Internals shared by the fake's translation units: its state (guarded by one mutex, the
// server thread handles one request at a time), the wire helpers and the two handlers.
#pragma once

#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "splunk_fake.hpp"

namespace siemhub::testing::splunk {

using Params = std::vector<std::pair<std::string, std::string>>;

/// A request target split into its path and decoded query parameters.
struct Target {
    std::string path;
    Params query;
};

// --- wire helpers (wire.cpp)
Target parse_target(std::string_view target);
/// application/x-www-form-urlencoded: '&'-separated, '+' is a space, %XX decoded.
Params parse_form(std::string_view body);
std::optional<std::string> param(const Params& params, std::string_view name);
std::vector<std::string> params(const Params& params, std::string_view name);
std::optional<std::string> base64_decode(std::string_view in);
/// Epoch seconds from "1739168416", "1739168416.250" or ISO 8601 "2025-02-10T11:50:16.000+05:30".
std::optional<double> parse_splunk_time(std::string_view text);
/// An export time bound: epoch seconds, "now", or relative "-15m" / "-2h" / "-1d" / "-30s" / "-1w".
std::optional<double> parse_time_bound(std::string_view text, double now);
bool is_guid(std::string_view text);
FakeResponse json_response(int status, const nlohmann::json& body);
/// HEC's {"text":..,"code":..} answer.
FakeResponse hec_response(int status, int code, std::string_view text);

struct PendingAck {
    int polls = 0;
    double indexed_at = 0; ///< fake clock: polls answer false before
};

struct ChannelAcks {
    int64_t next_id = 0;
    std::map<int64_t, PendingAck> pending; ///< ack id -> its state
    double last_used = 0;                  ///< fake clock: last send or poll on it
};

struct FailNext {
    int remaining = 0;
    int status = 0;
    std::string body;
    FakeHeaders headers;
};

struct SplunkFake::Impl {
    SplunkFakeOptions options;
    std::optional<TempDir> cert_dir;
    CertFiles cert;

    mutable std::mutex mutex;
    mutable std::condition_variable events_cv;
    std::map<std::string, HecToken, std::less<>> hec_tokens;
    std::set<std::string, std::less<>> bearer_tokens;
    std::set<std::string, std::less<>> session_keys;
    std::map<std::string, std::string, std::less<>> users;
    uint64_t session_counter = 0;

    FailNext hec_fail;
    bool hec_busy = false;
    int reject_at = -1;
    std::string reject_matching;
    AckMode ack_mode = AckMode::normal;
    int ack_after_polls = 1;
    double indexing_delay_s = 0;
    int drop_hec = 0;
    FailNext rest_fail;
    int export_drop_after = -1;
    bool export_preview = false;
    std::optional<double> now;

    std::vector<HecEvent> events;
    size_t event_count = 0;
    uint64_t hec_requests = 0;
    uint64_t ack_polls = 0;
    uint64_t export_requests = 0;
    std::vector<RecordedRequest> recorded;
    std::map<std::string, ChannelAcks, std::less<>> channels;
    std::vector<nlohmann::json> results;
    /// ES keeps analysts' changes (status, owner, urgency, disposition, comments) apart from the
    /// indexed notable, in the incident-review store: notable_update writes here, and only
    /// searches through the `notable` macro see them joined onto the notable.
    std::map<std::string, nlohmann::json> incident_review;

    // Declared last: its thread calls handle() until it is destroyed, first.
    std::unique_ptr<FakeHttpServer> server;

    FakeResponse handle(const RecordedRequest& request);
    double current_time() const;
};

// --- HEC building blocks (hec_auth.cpp)
bool is_space(char c);
bool is_blank(std::string_view text);
bool iequals(std::string_view a, std::string_view b);
/// Partial failure: {"text":..,"code":..,"invalid-event-number":k} (vendor-apis.md §1.1).
FakeResponse event_error(int code, std::string_view text, size_t index);

struct HecAuth {
    const HecToken* token = nullptr; ///< set when authenticated
    std::optional<FakeResponse> error;
};
HecAuth authenticate(const SplunkFake::Impl& impl, const RecordedRequest& request, const Target& target);
/// X-Splunk-Request-Channel, else ?channel=; "" when neither.
std::string channel_of(const RecordedRequest& request, const Target& target);
std::optional<FakeResponse> check_channel(const HecToken& token, const std::string& channel);
/// Removes the channels idle past options.ack_channel_max_idle_s, their pending ids with them.
void expire_idle_channels(SplunkFake::Impl& impl, double now);
FakeResponse handle_ack(SplunkFake::Impl& impl, const RecordedRequest& request, const Target& target);
FakeResponse handle_health(const SplunkFake::Impl& impl, const RecordedRequest& request,
                           const Target& target);

// Called with impl.mutex held.
FakeResponse handle_hec(SplunkFake::Impl& impl, const RecordedRequest& request, const Target& target);
FakeResponse handle_rest(SplunkFake::Impl& impl, const RecordedRequest& request, const Target& target);

/// `result` with its incident-review state joined on, as the `notable` macro shows it.
nlohmann::json with_review(const SplunkFake::Impl& impl, const nlohmann::json& result);

} // namespace siemhub::testing::splunk
