// The HTTP Event Collector's event and raw endpoints in the Splunk fake (vendor-apis.md §1.1):
// envelope validation with Splunk's codes and partial failure, gzip, size limit, ackIds.
//
// Speed matters (benchmarks push hundreds of thousands of events per second through it): one
// simdjson document stream walks the concatenated envelopes; only when that stream fails does a
// brace scanner split the body so the bad event's number k is exact. nlohmann envelopes are
// built only when events are stored.
#include <simdjson.h>

#include <algorithm>
#include <cstring>

#include "splunk_fake_impl.hpp"

namespace siemhub::testing::splunk {

namespace {

using Impl = SplunkFake::Impl;

FakeResponse plain_response(int status, std::string body) {
    FakeResponse response;
    response.status = status;
    response.headers = {{"Content-Type", "text/plain; charset=utf-8"}};
    response.body = std::move(body);
    return response;
}

FakeResponse answer_from(const FailNext& fail) {
    FakeResponse response;
    response.status = fail.status;
    response.body = fail.body;
    response.headers = fail.headers;
    const bool has_type = std::any_of(fail.headers.begin(), fail.headers.end(), [](const auto& h) {
        return iequals(h.first, "Content-Type");
    });
    if (!has_type && !fail.body.empty() && fail.body.front() == '<') {
        response.headers.emplace_back("Content-Type", "text/html"); // a proxy's error page
    }
    return response;
}

/// The body as Splunk reads it: gzip inflated (the base server already did), other encodings 415.
struct Body {
    std::string_view text;
    std::optional<FakeResponse> error;
};

Body decoded_body(const Impl& impl, const RecordedRequest& request) {
    if (const auto encoding = request.header("Content-Encoding");
        encoding && !encoding->empty() && !iequals(*encoding, "identity")) {
        if (!iequals(*encoding, "gzip")) {
            return {{}, plain_response(415, "Unsupported Media Type")};
        }
        // The base server replaces `body` by its inflated form; equal means it did not inflate.
        if (request.body.size() == request.raw_body.size() && request.body == request.raw_body) {
            return {{}, event_error(6, "Invalid data format", 0)};
        }
    }
    if (request.body.size() > impl.options.max_content_length) {
        // Oversize is a whole-request reject (vendor-apis.md §1.1 "Size").
        return {{}, plain_response(413, "Content too large")};
    }
    if (is_blank(request.body)) {
        return {{}, hec_response(400, 5, "No data")};
    }
    return {request.body, std::nullopt};
}

/// One past the '}' closing the object that opens at `start`, or npos when it never closes.
size_t object_end(std::string_view s, size_t start) {
    int depth = 0;
    const char* data = s.data();
    size_t i = start;
    while (i < s.size()) {
        const char c = data[i];
        if (c == '"') {
            // Skip the string: the next quote not preceded by an odd run of backslashes.
            size_t from = i + 1;
            for (;;) {
                const void* hit = std::memchr(data + from, '"', s.size() - from);
                if (hit == nullptr) {
                    return std::string_view::npos;
                }
                const auto quote = static_cast<size_t>(static_cast<const char*>(hit) - data);
                size_t backslashes = 0;
                while (quote - backslashes > i + 1 && data[quote - backslashes - 1] == '\\') {
                    ++backslashes;
                }
                if (backslashes % 2 == 0) {
                    i = quote;
                    break;
                }
                from = quote + 1;
            }
        } else if (c == '{' || c == '[') {
            ++depth;
        } else if (c == '}' || c == ']') {
            if (--depth == 0) {
                return i + 1;
            }
        }
        ++i;
    }
    return std::string_view::npos;
}

bool index_allowed(const HecToken& token, std::string_view index) {
    return token.indexes.empty()
           || std::find(token.indexes.begin(), token.indexes.end(), index) != token.indexes.end();
}

/// An event that passed validation, kept until the request's outcome is known.
struct Accepted {
    std::string_view text; ///< the envelope (event endpoint) or the line (raw endpoint)
    std::string index;
};

/// Validates one parsed envelope (vendor-apis.md §1.1 codes 6, 12, 13, 15, 7); nullopt = valid.
std::optional<FakeResponse> check_envelope(simdjson::dom::element doc, size_t k,
                                           const HecToken& token, std::string& index) {
    simdjson::dom::object object;
    if (doc.get_object().get(object) != simdjson::SUCCESS) {
        return event_error(6, "Invalid data format", k);
    }
    simdjson::dom::element event;
    if (object["event"].get(event) != simdjson::SUCCESS || event.is_null()) {
        return event_error(12, "Event field is required", k);
    }
    if (std::string_view text; event.get_string().get(text) == simdjson::SUCCESS && is_blank(text)) {
        return event_error(13, "Event field cannot be blank", k);
    }
    if (simdjson::dom::element fields; object["fields"].get(fields) == simdjson::SUCCESS) {
        simdjson::dom::object flat;
        if (fields.get_object().get(flat) != simdjson::SUCCESS) {
            return event_error(15, "Error in handling indexed fields", k);
        }
        for (const auto field : flat) {
            if (field.value.is_object()) {
                return event_error(15, "Error in handling indexed fields", k);
            }
        }
    }
    index = token.default_index;
    if (simdjson::dom::element value; object["index"].get(value) == simdjson::SUCCESS) {
        std::string_view name;
        if (value.get_string().get(name) != simdjson::SUCCESS) {
            return event_error(7, "Incorrect index", k);
        }
        index = std::string(name);
    }
    if (!index_allowed(token, index)) {
        return event_error(7, "Incorrect index", k);
    }
    return std::nullopt;
}

/// The switches that reject an event whatever its content.
bool rejected(const Impl& impl, size_t k, int reject_at, std::string_view doc) {
    return static_cast<int>(k) == reject_at
           || (!impl.reject_matching.empty() && doc.find(impl.reject_matching) != doc.npos);
}

/// Fast path: one simdjson document stream over the whole body. Returns false when the stream
/// itself fails (bad JSON somewhere): then only the careful path below can tell which event k.
bool split_stream(const Impl& impl, std::string_view text, const HecToken& token, int reject_at,
                  std::vector<Accepted>& accepted, std::optional<FakeResponse>& error) {
    static thread_local simdjson::dom::parser parser;
    simdjson::dom::document_stream stream;
    const size_t batch = std::max<size_t>(text.size(), simdjson::dom::MINIMAL_BATCH_SIZE);
    if (parser.parse_many(text.data(), text.size(), batch).get(stream) != simdjson::SUCCESS) {
        return false;
    }
    size_t k = 0;
    for (auto it = stream.begin(); it != stream.end(); ++it, ++k) {
        simdjson::dom::element doc;
        if ((*it).get(doc) != simdjson::SUCCESS) {
            accepted.clear();
            return false;
        }
        const std::string_view source = it.source();
        if (rejected(impl, k, reject_at, source)) {
            error = event_error(6, "Invalid data format", k);
            return true;
        }
        std::string index;
        if ((error = check_envelope(doc, k, token, index))) {
            return true;
        }
        accepted.push_back({source, std::move(index)});
    }
    if (stream.truncated_bytes() != 0) {
        accepted.clear();
        return false;
    }
    return true;
}

/// Splits concatenated envelopes; stops at the first bad one (events before it are kept).
/// `text` is a simdjson::padded_string's content: simdjson reads a little past each document.
std::optional<FakeResponse> split_envelopes(const Impl& impl, std::string_view text,
                                            const HecToken& token, int reject_at,
                                            std::vector<Accepted>& accepted) {
    if (std::optional<FakeResponse> error;
        split_stream(impl, text, token, reject_at, accepted, error)) {
        return error;
    }
    static thread_local simdjson::dom::parser parser;
    size_t at = 0;
    for (size_t k = 0;; ++k) {
        while (at < text.size() && is_space(text[at])) {
            ++at;
        }
        if (at == text.size()) {
            return std::nullopt;
        }
        const size_t end = text[at] == '{' ? object_end(text, at) : std::string_view::npos;
        const std::string_view doc =
            end == std::string_view::npos ? text.substr(at) : text.substr(at, end - at);
        simdjson::dom::element parsed;
        if (rejected(impl, k, reject_at, doc) || end == std::string_view::npos
            || parser.parse(doc.data(), doc.size(), false).get(parsed) != simdjson::SUCCESS) {
            return event_error(6, "Invalid data format", k); // not an object, or cut short
        }
        std::string index;
        if (auto error = check_envelope(parsed, k, token, index)) {
            return error;
        }
        accepted.push_back({doc, std::move(index)});
        at = end;
    }
}

/// Raw endpoint: every non-empty line is one event; metadata comes from the query.
std::optional<FakeResponse> split_lines(Impl& impl, std::string_view body, const HecToken& token,
                                        const Target& target, int reject_at,
                                        std::vector<Accepted>& accepted) {
    const std::string index = param(target.query, "index").value_or(token.default_index);
    if (!index_allowed(token, index)) {
        return event_error(7, "Incorrect index", 0);
    }
    size_t k = 0;
    size_t start = 0;
    while (start < body.size()) {
        size_t end = body.find('\n', start);
        if (end == std::string_view::npos) {
            end = body.size();
        }
        std::string_view line = body.substr(start, end - start);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        start = end + 1;
        if (is_blank(line)) {
            continue;
        }
        if (static_cast<int>(k) == reject_at
            || (!impl.reject_matching.empty() && line.find(impl.reject_matching) != line.npos)) {
            return event_error(6, "Invalid data format", k);
        }
        accepted.push_back({line, index});
        ++k;
    }
    return std::nullopt;
}

nlohmann::json raw_envelope(std::string_view line, const Target& target) {
    nlohmann::json envelope{{"event", line}};
    for (const char* key : {"host", "source", "sourcetype", "index"}) {
        if (auto value = param(target.query, key)) {
            envelope[key] = *value;
        }
    }
    return envelope;
}

void keep(Impl& impl, const std::vector<Accepted>& accepted, const HecToken& token,
          const std::string& channel, int64_t ack_id, bool raw, const Target& target) {
    impl.event_count += accepted.size();
    if (impl.options.store_events) {
        for (const auto& event : accepted) {
            HecEvent stored;
            stored.envelope = raw ? raw_envelope(event.text, target)
                                  : nlohmann::json::parse(event.text);
            stored.token_name = token.name;
            stored.channel = channel;
            stored.index = event.index;
            stored.ack_id = ack_id;
            stored.request = impl.hec_requests;
            impl.events.push_back(std::move(stored));
        }
    }
    impl.events_cv.notify_all();
}

FakeResponse handle_events(Impl& impl, const RecordedRequest& request, const Target& target,
                           bool raw) {
    ++impl.hec_requests;
    if (impl.drop_hec > 0) {
        --impl.drop_hec;
        FakeResponse dropped;
        dropped.close_without_response = true;
        return dropped;
    }
    if (impl.hec_fail.remaining > 0) {
        --impl.hec_fail.remaining;
        return answer_from(impl.hec_fail);
    }
    if (impl.hec_busy) {
        return hec_response(503, 9, "Server is busy");
    }
    const auto auth = authenticate(impl, request, target);
    if (auth.error) {
        return *auth.error;
    }
    const HecToken& token = *auth.token;
    const std::string channel = channel_of(request, target);
    if (auto error = check_channel(token, channel)) {
        return *error;
    }
    // With ack, the channel's pending ids are capped: a send at the cap is refused whole
    // (limits.conf [http_input] max_number_of_acked_requests_pending_query_per_ack_channel;
    // Splunk answers it "Server is busy" [3rd-party notes]).
    const double now = impl.current_time();
    if (token.use_ack) {
        expire_idle_channels(impl, now);
        ChannelAcks& acks = impl.channels[channel];
        acks.last_used = now;
        if (acks.pending.size() >= impl.options.max_pending_acks_per_channel) {
            return hec_response(503, 9, "Server is busy");
        }
    }
    const auto body = decoded_body(impl, request);
    if (body.error) {
        return *body.error;
    }
    // reject_event_at applies to the next request that gets this far.
    const int reject_at = std::exchange(impl.reject_at, -1);
    std::vector<Accepted> accepted;
    std::optional<FakeResponse> error;
    std::optional<simdjson::padded_string> padded; // `accepted` points into it (event endpoint)
    if (raw) {
        error = split_lines(impl, body.text, token, target, reject_at, accepted);
    } else {
        padded.emplace(body.text);
        error = split_envelopes(impl, std::string_view(padded->data(), padded->size()), token,
                                reject_at, accepted);
    }
    if (error) {
        // A 400 carries no ackId: what was kept before event k is not acknowledged.
        keep(impl, accepted, token, channel, -1, raw, target);
        return *error;
    }
    if (!token.use_ack) {
        keep(impl, accepted, token, channel, -1, raw, target);
        return hec_response(200, 0, "Success");
    }
    // Ack ids count per channel from 0 (vendor-apis.md §1.1 "indexer acknowledgement").
    // Acknowledged only once indexed, indexing_delay_s after this answer.
    ChannelAcks& acks = impl.channels[channel];
    const int64_t ack_id = acks.next_id++;
    acks.pending[ack_id] = PendingAck{0, now + impl.indexing_delay_s};
    keep(impl, accepted, token, channel, ack_id, raw, target);
    FakeResponse response;
    response.body = nlohmann::ordered_json{{"text", "Success"}, {"code", 0}, {"ackId", ack_id}}.dump();
    return response;
}
} // namespace

FakeResponse handle_hec(Impl& impl, const RecordedRequest& request, const Target& target) {
    const std::string& path = target.path;
    const bool post = request.method == "POST";
    if (path == "/services/collector/health" || path == "/services/collector/health/1.0") {
        return handle_health(impl, request, target);
    }
    if (post && path == "/services/collector/ack") {
        return handle_ack(impl, request, target);
    }
    if (post && (path == "/services/collector" || path == "/services/collector/event"
                 || path == "/services/collector/event/1.0")) {
        return handle_events(impl, request, target, false);
    }
    if (post && (path == "/services/collector/raw" || path == "/services/collector/raw/1.0")) {
        return handle_events(impl, request, target, true);
    }
    return hec_response(404, 404, "The requested URL was not found on this server.");
}

} // namespace siemhub::testing::splunk
