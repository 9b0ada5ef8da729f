// HEC auth, channels, indexer acknowledgement polls and health in the Splunk fake
// (vendor-apis.md §1.1).
#include <algorithm>
#include <cctype>

#include "splunk_fake_impl.hpp"

namespace siemhub::testing::splunk {

using Impl = SplunkFake::Impl;

bool is_space(char c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x))
                      == std::tolower(static_cast<unsigned char>(y));
           });
}

bool is_blank(std::string_view text) {
    return std::all_of(text.begin(), text.end(), is_space);
}
/// Partial failure: {"text":..,"code":..,"invalid-event-number":k} (vendor-apis.md §1.1).
FakeResponse event_error(int code, std::string_view text, size_t index) {
    FakeResponse response;
    response.status = 400;
    response.body = nlohmann::ordered_json{
        {"text", text}, {"code", code}, {"invalid-event-number", index}}.dump();
    return response;
}
namespace {

/// The token an Authorization header carries; "" when the header is malformed.
std::string header_token(std::string_view value) {
    std::string token;
    if (value.starts_with("Splunk ")) {
        token = std::string(value.substr(7));
    } else if (value.starts_with("Basic ")) {
        const auto decoded = base64_decode(value.substr(6));
        const auto colon = decoded ? decoded->find(':') : std::string::npos;
        if (colon != std::string::npos) {
            token = decoded->substr(colon + 1);
        }
    }
    return is_blank(token) ? std::string() : token;
}

} // namespace

/// Auth per vendor-apis.md §1.1: `Splunk <token>`, or Basic with the token as the password;
/// `?token=` only with allowQueryStringAuth, which the fake (like Splunk's default) lacks.
HecAuth authenticate(const Impl& impl, const RecordedRequest& request, const Target& target) {
    if (param(target.query, "token")) {
        return {nullptr, hec_response(400, 16, "Query string authorization is not enabled")};
    }
    const auto header = request.header("Authorization");
    if (!header) {
        return {nullptr, hec_response(401, 2, "Token is required")};
    }
    const std::string token = header_token(*header);
    if (token.empty()) {
        return {nullptr, hec_response(401, 3, "Invalid authorization")};
    }
    const auto found = impl.hec_tokens.find(token);
    if (found == impl.hec_tokens.end()) {
        return {nullptr, hec_response(403, 4, "Invalid token")};
    }
    if (!found->second.enabled) {
        return {nullptr, hec_response(403, 1, "Token disabled")};
    }
    return {&found->second, std::nullopt};
}

std::string channel_of(const RecordedRequest& request, const Target& target) {
    if (auto header = request.header("X-Splunk-Request-Channel")) {
        return *header;
    }
    return param(target.query, "channel").value_or("");
}

/// Ack tokens need a GUID channel (codes 10 and 11).
std::optional<FakeResponse> check_channel(const HecToken& token, const std::string& channel) {
    if (!token.use_ack) {
        return std::nullopt;
    }
    if (channel.empty()) {
        return hec_response(400, 10, "Data channel is missing");
    }
    if (!is_guid(channel)) {
        return hec_response(400, 11, "Invalid data channel");
    }
    return std::nullopt;
}

void expire_idle_channels(Impl& impl, double now) {
    // inputs.conf [http] ackIdleCleanup / maxIdleTime: a channel idle that long is forgotten;
    // a later send starts it again with ackIds from 0, a poll on it gets code 11.
    std::erase_if(impl.channels, [&](const auto& channel) {
        return now - channel.second.last_used > impl.options.ack_channel_max_idle_s;
    });
}

/// POST /services/collector/ack: {"acks":[ids]} -> {"acks":{"id":bool}}, read-once.
FakeResponse handle_ack(Impl& impl, const RecordedRequest& request, const Target& target) {
    ++impl.ack_polls;
    const auto auth = authenticate(impl, request, target);
    if (auth.error) {
        return *auth.error;
    }
    if (!auth.token->use_ack) {
        return hec_response(400, 14, "ACK is disabled");
    }
    const std::string channel = channel_of(request, target);
    if (channel.empty()) {
        return hec_response(400, 10, "Data channel is missing");
    }
    const double now = impl.current_time();
    expire_idle_channels(impl, now);
    const auto found = impl.channels.find(channel);
    if (!is_guid(channel) || found == impl.channels.end()) {
        return hec_response(400, 11, "Invalid data channel");
    }
    found->second.last_used = now;
    const auto query = nlohmann::json::parse(request.body, nullptr, false);
    if (!query.is_object() || !query.contains("acks") || !query["acks"].is_array()) {
        return event_error(6, "Invalid data format", 0);
    }
    nlohmann::ordered_json answer = nlohmann::ordered_json::object();
    for (const auto& id : query["acks"]) {
        if (!id.is_number_integer()) {
            return event_error(6, "Invalid data format", 0);
        }
        const auto ack_id = id.get<int64_t>();
        bool done = false;
        if (auto pending = found->second.pending.find(ack_id); pending != found->second.pending.end()) {
            const int polls = ++pending->second.polls;
            done = now >= pending->second.indexed_at
                   && (impl.ack_mode == AckMode::normal
                       || (impl.ack_mode == AckMode::after_polls && polls >= impl.ack_after_polls));
            if (done) {
                found->second.pending.erase(pending); // read-once: a later query answers false
            }
        }
        answer[std::to_string(ack_id)] = done;
    }
    FakeResponse response;
    response.body = nlohmann::ordered_json{{"acks", answer}}.dump();
    return response;
}

/// GET /services/collector/health: an optional token is checked with codes 21/22.
FakeResponse handle_health(const Impl& impl, const RecordedRequest& request, const Target& target) {
    // The health check takes an optional token (query or header) and then answers 400 code
    // 21/22 for a bad one (vendor-apis.md §1.1 "health").
    const auto query_token = param(target.query, "token");
    const auto header = request.header("Authorization");
    if (query_token || header) {
        const std::string token = query_token ? *query_token : header_token(*header);
        const auto found = impl.hec_tokens.find(token);
        if (found == impl.hec_tokens.end()) {
            return hec_response(400, 21, "Invalid token");
        }
        if (!found->second.enabled) {
            return hec_response(400, 22, "Token disabled");
        }
    }
    if (impl.hec_busy) {
        return hec_response(503, 18, "HEC is unhealthy, queues are full");
    }
    return hec_response(200, 17, "HEC is healthy");
}

} // namespace siemhub::testing::splunk
