// Wire helpers of the Splunk fake: targets, form bodies, Basic credentials, Splunk times.
#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "splunk_fake_impl.hpp"

namespace siemhub::testing::splunk {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

std::string percent_decode(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    for (size_t i = 0; i < in.size(); ++i) {
        const char c = in[i];
        if (c == '+') {
            out.push_back(' ');
        } else if (c == '%' && i + 2 < in.size() && hex_value(in[i + 1]) >= 0 && hex_value(in[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2])));
            i += 2;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2 ? 1 : 0;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::optional<double> parse_number(std::string_view text) {
    if (text.empty()) {
        return std::nullopt;
    }
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

bool digits(std::string_view text, size_t at, size_t count, int& out) {
    if (at + count > text.size()) {
        return false;
    }
    out = 0;
    for (size_t i = at; i < at + count; ++i) {
        if (text[i] < '0' || text[i] > '9') {
            return false;
        }
        out = out * 10 + (text[i] - '0');
    }
    return true;
}

std::optional<double> parse_iso8601(std::string_view t) {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!digits(t, 0, 4, year) || t.size() < 19 || t[4] != '-' || !digits(t, 5, 2, month)
        || t[7] != '-' || !digits(t, 8, 2, day) || (t[10] != 'T' && t[10] != ' ')
        || !digits(t, 11, 2, hour) || t[13] != ':' || !digits(t, 14, 2, minute) || t[16] != ':'
        || !digits(t, 17, 2, second)) {
        return std::nullopt;
    }
    double seconds = static_cast<double>(
        days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400
        + hour * 3600 + minute * 60 + second);
    size_t i = 19;
    if (i < t.size() && t[i] == '.') {
        size_t j = i + 1;
        while (j < t.size() && t[j] >= '0' && t[j] <= '9') {
            ++j;
        }
        const auto fraction = parse_number(std::string("0") + std::string(t.substr(i, j - i)));
        if (!fraction) {
            return std::nullopt;
        }
        seconds += *fraction;
        i = j;
    }
    if (i == t.size() || (t[i] == 'Z' && i + 1 == t.size())) {
        return seconds;
    }
    int off_h = 0, off_m = 0;
    if ((t[i] != '+' && t[i] != '-') || !digits(t, i + 1, 2, off_h)) {
        return std::nullopt;
    }
    size_t k = i + 3;
    if (k < t.size() && t[k] == ':') {
        ++k;
    }
    if (!digits(t, k, 2, off_m) || k + 2 != t.size()) {
        return std::nullopt;
    }
    const int offset = (off_h * 3600 + off_m * 60) * (t[i] == '+' ? 1 : -1);
    return seconds - offset;
}

} // namespace

Target parse_target(std::string_view target) {
    Target out;
    const auto q = target.find('?');
    out.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos) {
        out.query = parse_form(target.substr(q + 1));
    }
    return out;
}

Params parse_form(std::string_view body) {
    Params out;
    size_t start = 0;
    while (start <= body.size()) {
        size_t end = body.find('&', start);
        if (end == std::string_view::npos) {
            end = body.size();
        }
        const std::string_view pair = body.substr(start, end - start);
        if (!pair.empty()) {
            const auto eq = pair.find('=');
            if (eq == std::string_view::npos) {
                out.emplace_back(percent_decode(pair), std::string());
            } else {
                out.emplace_back(percent_decode(pair.substr(0, eq)),
                                 percent_decode(pair.substr(eq + 1)));
            }
        }
        start = end + 1;
    }
    return out;
}

std::optional<std::string> param(const Params& params, std::string_view name) {
    for (const auto& [key, value] : params) {
        if (key == name) {
            return value;
        }
    }
    return std::nullopt;
}

std::vector<std::string> params(const Params& params, std::string_view name) {
    std::vector<std::string> out;
    for (const auto& [key, value] : params) {
        if (key == name) {
            out.push_back(value);
        }
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view in) {
    static constexpr std::string_view alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    uint32_t buffer = 0;
    int bits = 0;
    size_t padding = 0;
    for (const char c : in) {
        if (c == '=') {
            ++padding;
            continue;
        }
        const auto index = alphabet.find(c);
        if (index == std::string_view::npos || padding > 0) {
            return std::nullopt;
        }
        buffer = (buffer << 6) | static_cast<uint32_t>(index);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((buffer >> bits) & 0xFFU));
        }
    }
    if (padding > 2 || (in.size() % 4) != 0) {
        return std::nullopt;
    }
    return out;
}

std::optional<double> parse_splunk_time(std::string_view text) {
    if (auto number = parse_number(text)) {
        return number;
    }
    return parse_iso8601(text);
}

std::optional<double> parse_time_bound(std::string_view text, double now) {
    if (text == "now") {
        return now;
    }
    if (auto number = parse_number(text); number && text[0] != '-' && text[0] != '+') {
        return number;
    }
    // Relative time modifiers: [+-]<integer><unit>, units s, m, h, d, w (Splunk "Specify time
    // modifiers in your search"); snapping (@d) is not understood by the fake.
    if (text.size() < 2 || (text[0] != '-' && text[0] != '+')) {
        return std::nullopt;
    }
    const char unit = text.back();
    const std::string_view amount_text = text.substr(1, text.size() - 2);
    int amount = 1;
    if (!amount_text.empty()) {
        const auto [end, ec] =
            std::from_chars(amount_text.data(), amount_text.data() + amount_text.size(), amount);
        if (ec != std::errc{} || end != amount_text.data() + amount_text.size()) {
            return std::nullopt;
        }
    }
    double unit_seconds = 0;
    switch (unit) {
    case 's': unit_seconds = 1; break;
    case 'm': unit_seconds = 60; break;
    case 'h': unit_seconds = 3600; break;
    case 'd': unit_seconds = 86400; break;
    case 'w': unit_seconds = 7 * 86400; break;
    default: return std::nullopt;
    }
    const double delta = unit_seconds * amount;
    return text[0] == '-' ? now - delta : now + delta;
}

bool is_guid(std::string_view text) {
    // 8-4-4-4-12 hexadecimal digits (vendor-apis.md §1.1: the channel is a GUID).
    static constexpr std::array<size_t, 4> dashes{8, 13, 18, 23};
    if (text.size() != 36) {
        return false;
    }
    for (size_t i = 0; i < text.size(); ++i) {
        const bool dash = i == dashes[0] || i == dashes[1] || i == dashes[2] || i == dashes[3];
        if (dash ? text[i] != '-' : hex_value(text[i]) < 0) {
            return false;
        }
    }
    return true;
}

FakeResponse json_response(int status, const nlohmann::json& body) {
    FakeResponse response;
    response.status = status;
    response.body = body.dump();
    return response;
}

FakeResponse hec_response(int status, int code, std::string_view text) {
    FakeResponse response;
    response.status = status;
    response.body = nlohmann::ordered_json{{"text", text}, {"code", code}}.dump();
    return response;
}

} // namespace siemhub::testing::splunk
