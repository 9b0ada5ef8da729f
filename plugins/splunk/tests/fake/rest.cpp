// The management (REST) side of the Splunk fake (vendor-apis.md §1.2): auth/login, the
// streaming search export and ES 7.x notable_update, on the same port as HEC.
#include <algorithm>
#include <cctype>

#include "splunk_fake_impl.hpp"

namespace siemhub::testing::splunk {

namespace {

using Impl = SplunkFake::Impl;

/// Splunk's REST error shape: {"messages":[{"type":..,"text":..}]}.
FakeResponse messages(int status, std::string_view type, std::string_view text) {
    nlohmann::ordered_json message{{"type", type}, {"text", text}};
    FakeResponse response;
    response.status = status;
    response.body = nlohmann::ordered_json{{"messages", nlohmann::ordered_json::array({message})}}.dump();
    return response;
}

/// splunk-sdk-python binding.py `_auth_headers`: Basic, `Bearer <token>`, `Splunk <sessionKey>`.
bool authenticated(const Impl& impl, const RecordedRequest& request) {
    const auto header = request.header("Authorization");
    if (!header) {
        return false;
    }
    const std::string_view value = *header;
    if (value.starts_with("Bearer ")) {
        return impl.bearer_tokens.contains(value.substr(7));
    }
    if (value.starts_with("Splunk ")) {
        return impl.session_keys.contains(value.substr(7));
    }
    if (value.starts_with("Basic ")) {
        const auto decoded = base64_decode(value.substr(6));
        const auto colon = decoded ? decoded->find(':') : std::string::npos;
        if (colon == std::string::npos) {
            return false;
        }
        const auto user = impl.users.find(std::string_view(*decoded).substr(0, colon));
        return user != impl.users.end() && user->second == decoded->substr(colon + 1);
    }
    return false;
}

/// Query parameters and the form body together (Splunk reads both).
Params all_params(const RecordedRequest& request, const Target& target) {
    Params out = target.query;
    Params form = parse_form(request.body);
    out.insert(out.end(), std::make_move_iterator(form.begin()), std::make_move_iterator(form.end()));
    return out;
}

bool is_export_path(std::string_view path) {
    if (path == "/services/search/jobs/export") {
        return true;
    }
    // /servicesNS/<user>/<app>/search/jobs/export
    constexpr std::string_view ns = "/servicesNS/";
    constexpr std::string_view tail = "/search/jobs/export";
    if (!path.starts_with(ns) || !path.ends_with(tail) || path.size() <= ns.size() + tail.size()) {
        return false;
    }
    const auto middle = path.substr(ns.size(), path.size() - ns.size() - tail.size());
    return std::count(middle.begin(), middle.end(), '/') == 1 && middle.front() != '/'
           && middle.back() != '/';
}

bool is_notable_update_path(std::string_view path) {
    return path == "/services/notable_update"
           || (path.starts_with("/servicesNS/") && path.ends_with("/notable_update"));
}

// --- POST /services/auth/login

FakeResponse handle_login(Impl& impl, const RecordedRequest& request, const Target& target) {
    const Params args = all_params(request, target);
    const bool json = param(args, "output_mode").value_or("") == "json";
    const auto user = impl.users.find(param(args, "username").value_or(""));
    if (user == impl.users.end() || user->second != param(args, "password").value_or("")) {
        if (json) {
            return json_response(401, {{"messages",
                                        {{{"type", "WARN"},
                                          {"code", "incorrect_username_or_password"},
                                          {"text", "Login failed"}}}}});
        }
        FakeResponse failed;
        failed.status = 401;
        failed.headers = {{"Content-Type", "text/xml; charset=UTF-8"}};
        failed.body = "<response>\n  <messages>\n    <msg type=\"WARN\" "
                      "code=\"incorrect_username_or_password\">Login failed</msg>\n  "
                      "</messages>\n</response>\n";
        return failed;
    }
    const std::string key = "fakesessionkey" + std::to_string(++impl.session_counter) + "^"
                            + user->first;
    impl.session_keys.insert(key);
    if (json) {
        return json_response(200, {{"sessionKey", key}});
    }
    FakeResponse ok;
    ok.headers = {{"Content-Type", "text/xml; charset=UTF-8"}};
    ok.body = "<response>\n  <sessionKey>" + key + "</sessionKey>\n</response>\n";
    return ok;
}

// --- POST /services/search/jobs/export

/// What the fake understands of SPL: `index=<name>`, `event_id=<value>` (quoted or not) and
/// the `notable` macro; every other term is ignored.
struct SearchFilter {
    std::vector<std::string> indexes;   ///< any of them; empty = any index
    std::vector<std::string> event_ids; ///< any of them; empty = any
    bool notable_macro = false;         ///< `notable`: the incident-review state is joined on
};

std::vector<std::string> search_terms(std::string_view search) {
    std::vector<std::string> terms;
    std::string term;
    bool quoted = false;
    for (const char c : search) {
        if (c == '"') {
            quoted = !quoted;
        } else if (!quoted && (std::isspace(static_cast<unsigned char>(c)) != 0 || c == '|')) {
            if (!term.empty()) {
                terms.push_back(std::exchange(term, {}));
            }
        } else {
            term.push_back(c);
        }
    }
    if (!term.empty()) {
        terms.push_back(term);
    }
    return terms;
}

SearchFilter parse_search(std::string_view search) {
    SearchFilter filter;
    for (const auto& term : search_terms(search)) {
        if (term == "`notable`") {
            filter.indexes.emplace_back("notable");
            filter.notable_macro = true;
        } else if (term.size() > 6 && iequals(std::string_view(term).substr(0, 6), "index=")) {
            filter.indexes.push_back(term.substr(6));
        } else if (term.starts_with("event_id=") && term.size() > 9) {
            filter.event_ids.push_back(term.substr(9));
        }
    }
    return filter;
}

std::string field(const nlohmann::json& result, const char* name) {
    const auto found = result.find(name);
    return found != result.end() && found->is_string() ? found->get<std::string>() : std::string();
}

bool any_of_ci(const std::vector<std::string>& wanted, std::string_view value) {
    return wanted.empty() || std::any_of(wanted.begin(), wanted.end(),
                                         [&](const auto& w) { return iequals(w, value); });
}

/// Half-open time window [earliest, latest), as Splunk applies earliest/latest_time (and the
/// fake applies index_earliest/index_latest to `_indextime` the same way).
struct Window {
    std::optional<double> earliest;
    std::optional<double> latest;
    bool contains(double t) const {
        return (!earliest || t >= *earliest) && (!latest || t < *latest);
    }
};

std::optional<FakeResponse> read_window(const Params& args, const char* earliest_key,
                                        const char* latest_key, double now, Window& window) {
    for (const auto& [key, bound] : {std::pair{earliest_key, &window.earliest},
                                     std::pair{latest_key, &window.latest}}) {
        const auto text = param(args, key);
        if (!text || text->empty()) {
            continue;
        }
        *bound = parse_time_bound(*text, now);
        if (!*bound) {
            return messages(400, "FATAL",
                            "Invalid value \"" + *text + "\" for time term '" + key + "'");
        }
    }
    return std::nullopt;
}

} // namespace

nlohmann::json with_review(const SplunkFake::Impl& impl, const nlohmann::json& result) {
    nlohmann::json joined = result;
    const auto id = result.find("event_id");
    if (id == result.end() || !id->is_string()) {
        return joined;
    }
    if (const auto review = impl.incident_review.find(id->get<std::string>()); review != impl.incident_review.end()) {
        joined.update(review->second);
    }
    return joined;
}

namespace {

std::string row(bool preview, size_t offset, bool last, const nlohmann::json& result) {
    std::string line = preview ? R"({"preview":true,"offset":)" : R"({"preview":false,"offset":)";
    line += std::to_string(offset);
    if (last) {
        line += R"(,"lastrow":true)";
    }
    line += R"(,"result":)";
    line += result.dump();
    line += "}\n";
    return line;
}

FakeResponse handle_export(Impl& impl, const RecordedRequest& request, const Target& target) {
    const Params args = all_params(request, target);
    std::string search = param(args, "search").value_or("");
    search.erase(0, search.find_first_not_of(" \t\r\n"));
    if (search.empty()) {
        return messages(400, "FATAL", "Empty search.");
    }
    // The export endpoint takes a full SPL pipeline: it starts with a command, `search` or a
    // generating command after `|` (vendor-apis.md §1.2).
    const std::string first = search.substr(0, search.find_first_of(" \t\r\n"));
    if (first != "search" && !search.starts_with("|")) {
        return messages(400, "FATAL", "Unknown search command '" + first + "'.");
    }
    if (param(args, "output_mode").value_or("") != "json") {
        // Splunk would answer XML; the plugin must ask for JSON, so anything else fails loudly.
        return messages(400, "FATAL", "The Splunk fake answers output_mode=json only");
    }
    const double now = impl.current_time();
    Window event_window;
    Window index_window;
    if (auto error = read_window(args, "earliest_time", "latest_time", now, event_window)) {
        return *error;
    }
    if (auto error = read_window(args, "index_earliest", "index_latest", now, index_window)) {
        return *error;
    }
    const SearchFilter filter = parse_search(search);
    std::vector<std::pair<double, const nlohmann::json*>> matched;
    for (const auto& result : impl.results) {
        const double time = parse_splunk_time(field(result, "_time")).value_or(0);
        const double indextime = parse_splunk_time(field(result, "_indextime")).value_or(0);
        if (any_of_ci(filter.indexes, field(result, "index"))
            && any_of_ci(filter.event_ids, field(result, "event_id"))
            && event_window.contains(time) && index_window.contains(indextime)) {
            matched.emplace_back(time, &result);
        }
    }
    // Events come newest first, as Splunk returns them (reverse time order).
    std::stable_sort(matched.begin(), matched.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });

    FakeResponse response;
    if (matched.empty()) {
        // With no results Splunk sends an empty body rather than a row (splunk-sdk-python
        // issue #501: JSONResultsReader on an empty oneshot/export answer; splunk-sdk-ruby
        // PR #4 "if the REST API returns nothing"). Clients must accept an empty 200.
        response.body.clear();
        return response;
    }
    std::vector<std::string> lines;
    if (impl.export_preview) {
        // A preview pass of an unfinished search (like the sample stream): rows the client
        // must skip, here the older half of the results so a client that keeps them is caught.
        const size_t preview_count = (matched.size() + 1) / 2;
        for (size_t i = 0; i < preview_count; ++i) {
            const auto& result = *matched[matched.size() - 1 - i].second;
            lines.push_back(row(true, i, i + 1 == preview_count,
                                filter.notable_macro ? with_review(impl, result) : result));
        }
    }
    const int drop_after = std::exchange(impl.export_drop_after, -1);
    const size_t final_rows = drop_after >= 0 ? std::min(matched.size(), static_cast<size_t>(drop_after))
                                              : matched.size();
    for (size_t i = 0; i < final_rows; ++i) {
        const auto& result = *matched[i].second;
        lines.push_back(row(false, i, drop_after < 0 && i + 1 == matched.size(),
                            filter.notable_macro ? with_review(impl, result) : result));
    }
    // Chunked, a few rows per chunk with a short pause: a stream, not one buffer (at most
    // about 32 pauses, so large result sets stay quick).
    const size_t rows_per_chunk = std::max<size_t>(8, (lines.size() + 31) / 32);
    for (size_t i = 0; i < lines.size(); i += rows_per_chunk) {
        std::string chunk;
        for (size_t j = i; j < std::min(lines.size(), i + rows_per_chunk); ++j) {
            chunk += lines[j];
        }
        response.chunks.push_back(std::move(chunk));
    }
    if (response.chunks.empty()) {
        response.chunks.emplace_back("\n"); // a blank line, ignored by readers
    }
    response.chunk_pause = std::chrono::milliseconds(2);
    response.close_after_chunks = drop_after >= 0;
    return response;
}

// --- POST /services/notable_update (ES 7.x, vendor-apis.md §1.2)

FakeResponse notable_failure(std::string_view message) {
    return json_response(400, {{"success", false}, {"message", message}});
}

FakeResponse handle_notable_update(Impl& impl, const RecordedRequest& request,
                                   const Target& target) {
    const Params args = all_params(request, target);
    const auto ids = params(args, "ruleUIDs");
    if (ids.empty()) {
        return notable_failure(param(args, "searchID")
                                   ? "The Splunk fake updates notables by ruleUIDs only"
                                   : "ruleUIDs or searchID is required");
    }
    const auto status = param(args, "status");
    const auto owner = param(args, "newOwner");
    const auto urgency = param(args, "urgency");
    const auto comment = param(args, "comment");
    const auto disposition = param(args, "disposition");
    if (!status && !owner && !urgency && !comment && !disposition) {
        return notable_failure("Nothing to update: give status, newOwner, urgency or comment");
    }
    if (status && (status->size() != 1 || (*status)[0] < '0' || (*status)[0] > '5')) {
        return notable_failure("Invalid status: " + *status);
    }
    static const std::vector<std::string> urgencies{"informational", "low", "medium", "high",
                                                    "critical"};
    if (urgency && std::find(urgencies.begin(), urgencies.end(), *urgency) == urgencies.end()) {
        return notable_failure("Invalid urgency: " + *urgency);
    }
    size_t updated = 0;
    size_t unknown = 0;
    for (const auto& id : ids) {
        const bool found = std::any_of(impl.results.begin(), impl.results.end(), [&](const auto& result) {
            return field(result, "index") == "notable" && field(result, "event_id") == id;
        });
        if (found) {
            auto& review = impl.incident_review[id];
            if (status) {
                review["status"] = *status;
            }
            if (owner) {
                review["owner"] = *owner;
            }
            if (urgency) {
                review["urgency"] = *urgency;
            }
            if (disposition) {
                review["disposition"] = *disposition;
            }
            if (comment) {
                review["comments"].push_back(*comment);
                review["comment"] = *comment;
            }
        }
        found ? ++updated : ++unknown;
    }
    FakeResponse response;
    response.body = nlohmann::ordered_json{
        {"success", updated > 0},
        {"message", std::to_string(updated) + " event(s) updated successfully"},
        {"details", nlohmann::ordered_json::object()},
        {"failure_count", unknown}}.dump();
    return response;
}

} // namespace

FakeResponse handle_rest(Impl& impl, const RecordedRequest& request, const Target& target) {
    const std::string& path = target.path;
    if (path == "/services/auth/login" && request.method == "POST") {
        return handle_login(impl, request, target);
    }
    const bool is_export = is_export_path(path) && (request.method == "POST" || request.method == "GET");
    const bool is_update = is_notable_update_path(path) && request.method == "POST";
    if (!is_export && !is_update) {
        return messages(404, "ERROR", "Not Found");
    }
    if (is_export) {
        ++impl.export_requests;
    }
    if (impl.rest_fail.remaining > 0) {
        --impl.rest_fail.remaining;
        FakeResponse failed;
        failed.status = impl.rest_fail.status;
        failed.body = impl.rest_fail.body;
        return failed;
    }
    if (!authenticated(impl, request)) {
        return messages(401, "WARN", "call not properly authenticated");
    }
    return is_export ? handle_export(impl, request, target)
                     : handle_notable_update(impl, request, target);
}

} // namespace siemhub::testing::splunk
