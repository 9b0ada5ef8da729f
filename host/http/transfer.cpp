#include "transfer.hpp"

#include "gzip.hpp"
#include "retry_after.hpp"

#include <algorithm>
#include <cctype>
#include <limits>

namespace siemhub::http {

std::optional<std::string_view> find_header(const Headers& headers, std::string_view name) {
    for (const auto& [key, value] : headers) {
        if (key.size() == name.size()
            && std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) {
                   return std::tolower(static_cast<unsigned char>(a))
                          == std::tolower(static_cast<unsigned char>(b));
               })) {
            return std::string_view(value);
        }
    }
    return std::nullopt;
}

uint32_t category_for_curl_code(int curl_code) {
    switch (static_cast<CURLcode>(curl_code)) {
    case CURLE_OK:
        return SIEMHUB_CAT_NONE;
    case CURLE_OPERATION_TIMEDOUT:
        return SIEMHUB_CAT_TIMEOUT;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
        return SIEMHUB_CAT_CONFIG;
    case CURLE_OUT_OF_MEMORY:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_FAILED_INIT:
        return SIEMHUB_CAT_INTERNAL;
    case CURLE_ABORTED_BY_CALLBACK:
        return SIEMHUB_CAT_CANCELLED;
    default: // DNS, refused, reset, proxy, partial/garbled replies, ...
        return SIEMHUB_CAT_TRANSIENT;
    }
}

namespace detail {
namespace {

bool is_tchar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0
           || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar);
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x))
                      == std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty()
           && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
        s.remove_suffix(1);
    }
    return s;
}

Failure config(std::string message) {
    return Failure{SIEMHUB_CAT_CONFIG, std::move(message)};
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const size_t len = size * count;
    const std::string_view line = trim(std::string_view(data, len));
    if (line.rfind("HTTP/", 0) == 0) {
        t->response.headers.clear(); // a new (interim or final) response starts
    } else if (!line.empty() && (data[0] == ' ' || data[0] == '\t')) {
        if (!t->response.headers.empty()) { // obsolete line folding
            t->response.headers.back().second.append(" ").append(line);
        }
    } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
        t->response.headers.emplace_back(std::string(trim(line.substr(0, colon))),
                                         std::string(trim(line.substr(colon + 1))));
    }
    return len;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const size_t len = size * count;
    if (t->metrics != nullptr) {
        t->metrics->bytes_in.fetch_add(len, std::memory_order_relaxed);
    }
    if (t->request.on_chunk) {
        try {
            if (!t->request.on_chunk(std::string_view(data, len))) {
                t->chunk_aborted = true;
                return 0; // -> CURLE_WRITE_ERROR
            }
        } catch (...) {
            t->chunk_threw = true;
            return 0;
        }
        return len;
    }
    t->response.body.append(data, len);
    return len;
}

std::optional<Failure> parse_url(Transfer& t, UrlTarget& target) {
    t.url = curl_url();
    if (t.url == nullptr) {
        return Failure{SIEMHUB_CAT_INTERNAL, "out of memory"};
    }
    if (const CURLUcode rc = curl_url_set(t.url, CURLUPART_URL, t.request.url.c_str(), 0)) {
        // The URL itself is not echoed: it may carry keys in its path or query.
        return config(std::string("invalid URL: ") + curl_url_strerror(rc));
    }
    auto part = [&](CURLUPart which, unsigned flags) -> std::optional<std::string> {
        char* value = nullptr;
        if (curl_url_get(t.url, which, &value, flags) != CURLUE_OK || value == nullptr) {
            return std::nullopt;
        }
        std::string out(value);
        curl_free(value);
        return out;
    };
    const auto scheme = part(CURLUPART_SCHEME, 0);
    const auto host = part(CURLUPART_HOST, 0);
    const auto port = part(CURLUPART_PORT, CURLU_DEFAULT_PORT);
    if (!scheme || (*scheme != "http" && *scheme != "https")) {
        return config("URL scheme '" + scheme.value_or("") + "' not allowed (http and https only)");
    }
    if (!host || host->empty() || !port) {
        return config("invalid URL: no host");
    }
    target.scheme = *scheme;
    target.host = normalize_host(*host);
    const long port_number = std::strtol(port->c_str(), nullptr, 10);
    if (port_number <= 0 || port_number > 65535) {
        return config("invalid URL: bad port");
    }
    target.port = static_cast<uint16_t>(port_number);
    return std::nullopt;
}

std::optional<Failure> build_headers(Transfer& t) {
    bool has_expect = false;
    for (const auto& [name, value] : t.request.headers) {
        if (!is_token(name)) {
            return config("invalid request header name");
        }
        if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
            return config("invalid value for request header '" + name + "'");
        }
        if (t.request.gzip_body && iequals(name, "Content-Encoding")) {
            continue; // ours wins
        }
        has_expect = has_expect || iequals(name, "Expect");
        // "Name;" is libcurl's way to send a header with an empty value.
        std::string line = name;
        if (value.empty()) {
            line += ';';
        } else {
            line.append(": ").append(value);
        }
        curl_slist* next = curl_slist_append(t.header_list, line.c_str());
        if (next == nullptr) {
            return Failure{SIEMHUB_CAT_INTERNAL, "out of memory"};
        }
        t.header_list = next;
    }
    std::vector<const char*> extra;
    if (t.request.gzip_body) {
        extra.push_back("Content-Encoding: gzip");
    }
    if (!has_expect) {
        extra.push_back("Expect:"); // no 100-continue round trip for larger bodies
    }
    for (const char* line : extra) {
        curl_slist* next = curl_slist_append(t.header_list, line);
        if (next == nullptr) {
            return Failure{SIEMHUB_CAT_INTERNAL, "out of memory"};
        }
        t.header_list = next;
    }
    return std::nullopt;
}

long to_long_ms(std::chrono::milliseconds ms) {
    return static_cast<long>(std::clamp<std::chrono::milliseconds::rep>(
        ms.count(), 0, std::numeric_limits<long>::max()));
}

CURLcode apply_method(Transfer& t) {
    CURL* e = t.easy;
    const std::string& method = t.request.method;
    if (method == "HEAD") {
        return curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    }
    if (method == "GET" && t.upload.empty()) {
        return curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    }
    if (t.upload.empty() && method != "POST" && method != "PUT" && method != "PATCH") {
        return curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method.c_str()); // DELETE, OPTIONS...
    }
    CURLcode rc =
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t.upload.size()));
    if (rc == CURLE_OK) {
        rc = curl_easy_setopt(e, CURLOPT_POSTFIELDS, t.upload.data());
    }
    if (rc == CURLE_OK && method != "POST") {
        rc = curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method.c_str());
    }
    return rc;
}

} // namespace

Transfer::~Transfer() {
    if (easy != nullptr) {
        curl_easy_cleanup(easy);
    }
    if (url != nullptr) {
        curl_url_cleanup(url);
    }
    curl_slist_free_all(header_list);
}

uint32_t Transfer::elapsed_ms() const {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - submitted)
                        .count();
    return static_cast<uint32_t>(
        std::clamp<decltype(ms)>(ms, 0, std::numeric_limits<uint32_t>::max()));
}

std::optional<Failure> prepare(Transfer& t, const ConnectorPolicy& policy,
                               const std::string& user_agent) {
    UrlTarget target;
    if (auto failure = parse_url(t, target)) {
        return failure;
    }
    if (!egress_allowed(policy.egress_allow, target)) {
        const bool v6 = target.host.find(':') != std::string::npos;
        std::string message = "egress to ";
        message.append(v6 ? "[" : "").append(target.host).append(v6 ? "]" : "");
        message.append(":").append(std::to_string(target.port));
        message.append(" not allowed for connector ").append(policy.connector_id);
        return config(std::move(message));
    }
    if (!is_token(t.request.method)) {
        return config("invalid HTTP method");
    }
    if (auto failure = build_headers(t)) {
        return failure;
    }
    if (t.request.gzip_body) {
        auto gz = gzip_compress(t.request.body);
        if (!gz) {
            return Failure{SIEMHUB_CAT_INTERNAL, "gzip compression failed"};
        }
        t.upload = std::move(*gz);
    } else {
        t.upload = std::move(t.request.body);
    }
    t.request.body.clear();

    t.easy = curl_easy_init();
    if (t.easy == nullptr) {
        return Failure{SIEMHUB_CAT_INTERNAL, "curl_easy_init failed"};
    }
    CURL* e = t.easy;
    CURLcode rc = CURLE_OK;
    auto set = [&](CURLoption opt, auto value) {
        if (rc == CURLE_OK) {
            rc = curl_easy_setopt(e, opt, value);
        }
    };
    set(CURLOPT_PRIVATE, static_cast<void*>(&t));
    set(CURLOPT_ERRORBUFFER, t.error_buffer.data());
    set(CURLOPT_NOSIGNAL, 1L);
    // The exact URL object that passed the allow-list is the one libcurl connects to.
    set(CURLOPT_CURLU, t.url);
#if LIBCURL_VERSION_NUM >= 0x075500
    set(CURLOPT_PROTOCOLS_STR, "http,https");
    set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
    set(CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    set(CURLOPT_REDIR_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    set(CURLOPT_FOLLOWLOCATION, 0L); // a redirect must not bypass the allow-list
    set(CURLOPT_USERAGENT, user_agent.c_str());
    set(CURLOPT_HTTPHEADER, t.header_list);
    set(CURLOPT_TCP_KEEPALIVE, 1L);
    set(CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    set(CURLOPT_SSL_VERIFYPEER, policy.verify_tls ? 1L : 0L);
    set(CURLOPT_SSL_VERIFYHOST, policy.verify_tls ? 2L : 0L);
    if (!policy.ca_file.empty()) {
        set(CURLOPT_CAINFO, policy.ca_file.c_str());
    }
    // Always set: "" disables proxies from the environment (the host owns the proxy).
    set(CURLOPT_PROXY, policy.proxy.c_str());
    set(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
    const auto timeout = t.request.timeout.count() > 0 ? t.request.timeout : policy.timeout;
    set(CURLOPT_TIMEOUT_MS, to_long_ms(timeout));
    set(CURLOPT_CONNECTTIMEOUT_MS, to_long_ms(policy.connect_timeout));
    if (t.request.decompress) {
        set(CURLOPT_ACCEPT_ENCODING, ""); // every encoding this libcurl can decode
    }
    set(CURLOPT_HEADERFUNCTION, &on_header);
    set(CURLOPT_HEADERDATA, static_cast<void*>(&t));
    set(CURLOPT_WRITEFUNCTION, &on_body);
    set(CURLOPT_WRITEDATA, static_cast<void*>(&t));

    if (rc == CURLE_OK) {
        rc = apply_method(t);
    }
    if (rc != CURLE_OK) {
        return Failure{category_for_curl_code(rc), curl_easy_strerror(rc)};
    }
    return std::nullopt;
}

std::variant<Response, Failure> conclude(Transfer& t, CURLcode rc) {
    curl_off_t uploaded = 0;
    if (curl_easy_getinfo(t.easy, CURLINFO_SIZE_UPLOAD_T, &uploaded) == CURLE_OK && uploaded > 0
        && t.metrics != nullptr) {
        t.metrics->bytes_out.fetch_add(static_cast<uint64_t>(uploaded), std::memory_order_relaxed);
    }
    const uint32_t elapsed = t.elapsed_ms();
    if (t.chunk_aborted) {
        return Failure{SIEMHUB_CAT_CANCELLED, "response aborted by on_chunk"};
    }
    if (t.chunk_threw) {
        return Failure{SIEMHUB_CAT_INTERNAL, "on_chunk threw an exception"};
    }
    if (rc != CURLE_OK) {
        std::string message(t.error_buffer.data());
        if (message.empty()) {
            message = curl_easy_strerror(rc);
        }
        return Failure{category_for_curl_code(rc), std::move(message)};
    }
    long status = 0;
    curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
    Response response = std::move(t.response);
    response.status = static_cast<int>(status);
    response.elapsed_ms = elapsed;
    if (const auto value = response.header("Retry-After")) {
        response.retry_after_ms = parse_retry_after_ms(*value);
    }
    return response;
}

} // namespace detail
} // namespace siemhub::http
