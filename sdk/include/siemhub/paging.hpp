// siemhub SDK helpers — a paged GET for pull sources: follows RFC 8288 `next` links on the same
// origin only, hands each page to a callback, stops at a page limit per poll, and leaves the
// cursor with the host so a restart resumes where the last durable poll ended.
//
//   void poll(siemhub::sdk::PullOp& op) {
//     siemhub::sdk::PagedGetOptions o;
//     o.first_url = base_ + "/api/v1/logs?" + Query().add("since", since_).str();
//     o.headers = {{"Authorization", "SSWS " + token_}};
//     siemhub::sdk::paged_get(host_, op, std::move(o), [](siemhub::sdk::Page& page) {
//       page.op.emit(map_events(page.response.body));          // throw to fail the whole poll
//     });
//   }
//
// One poll: start from the op's cursor (the URL to fetch next, or a caller's token turned back
// into a URL by `url_of_cursor`), else from `first_url`; GET; call the handler; take the `next`
// link (link.hpp: every `Link` header, relative targets resolved); go on until there is none,
// the handler calls stop(), `max_pages` pages were read, or the op is cancelled. The cursor set
// at the end is the handler's token if it gave one, else the next link, else the last page's URL
// (that page is read again next poll: give a token when the API has no "next" on its last page).
//
// Errors (the op fails, the host retries by category; see the plugin guide):
//   - a `next` link (or a stored cursor URL) on another origin than `first_url` (RFC 6454: scheme,
//     host, port) is never requested: the op fails PERMANENT naming both origins — a token or a
//     tampered page must not send the credentials elsewhere;
//   - an HTTP failure or status >= 300 fails the op (status_error: 401/403 AUTH, 429 RATE_LIMIT
//     with the wait from rate_limit.hpp, 408 TIMEOUT, 5xx TRANSIENT, else PERMANENT) when it hits
//     the poll's first page; on a later page the pages already handled are kept (the op
//     completes, the cursor points at the page that failed) and the failure is logged, so a rate
//     limit in the middle of a backlog does not throw away what was read; the next poll meets
//     the error again and reports it;
//   - an exception from the handler fails the op (Error keeps its category, anything else is
//     INTERNAL with its text): events it emitted in this poll are dropped by the host with it.
// Nothing escapes to the host: paged_get itself never throws.
#ifndef SIEMHUB_PAGING_HPP
#define SIEMHUB_PAGING_HPP

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "siemhub/link.hpp"
#include "siemhub/plugin.hpp"
#include "siemhub/rate_limit.hpp"
#include "siemhub/url.hpp"

namespace siemhub::sdk {

/// `url` without its query and fragment (they may carry tokens): safe in messages.
inline std::string url_for_message(std::string_view url) { return std::string(url.substr(0, url.find_first_of("?#"))); }

/// The error a non-2xx response stands for (see the top of this file); `what` names the call.
inline Error status_error(const HttpResponse& r, std::string_view what, int64_t now_ms) {
  const std::string msg = std::string(what) + ": HTTP " + std::to_string(r.status);
  const int s = r.status;
  if (s == 401 || s == 403) return Error(Category::auth, msg, s);
  if (s == 429 || s == 503) {
    const RateLimitWait w = rate_limit_wait(r, now_ms);
    uint32_t delay = w.delay_ms(now_ms);
    if (delay == 0) delay = r.retry_after_ms;  // the host's own reading of Retry-After
    return Error(s == 429 ? Category::rate_limit : Category::transient, msg, s, delay);
  }
  if (s == 408) return Error(Category::timeout, msg, s);
  if (s >= 500) return Error(Category::transient, msg, s);
  if (s >= 300 && s < 400) return Error(Category::permanent, msg + " (redirects are not followed)", s);
  return Error(Category::permanent, msg, s);
}

struct PagedGetOptions {
  std::string first_url;  ///< where a poll starts without a cursor; its origin is the only one followed
  std::vector<std::pair<std::string, std::string>> headers;  ///< sent with every page (auth, Accept...)
  uint32_t max_pages = 10;   ///< pages per poll (at least 1); the rest is the next poll's
  uint32_t timeout_ms = 0;   ///< per request (0 = the host's default)
  std::string rel = "next";  ///< the link relation to follow
  /// Turns a stored cursor back into the URL to fetch; unset = the cursor is the URL.
  std::function<std::string(const std::string& cursor)> url_of_cursor;
};

/// One page, as the handler sees it (borrowed: valid during the call).
struct Page {
  const HttpResponse& response;
  const PullOp& op;                     ///< emit the page's events here
  std::string_view url;                 ///< the URL this page came from
  uint32_t index = 0;                   ///< 0 for the poll's first page
  const std::optional<std::string>& next_url;  ///< the resolved `next` link, if any
  /// Store this token instead of the next URL as the cursor (turned back by url_of_cursor).
  void set_cursor(std::string token) { cursor = std::move(token); }
  /// Read no further page in this poll (the cursor still moves past this one).
  void stop() { stopped = true; }
  std::optional<std::string> cursor;
  bool stopped = false;
};
using PageHandler = std::function<void(Page&)>;

namespace detail {
struct PagedGet : std::enable_shared_from_this<PagedGet> {
  Host host;
  PullOp op;
  PagedGetOptions opts;
  PageHandler on_page;
  Origin origin;
  uint32_t pages = 0;
  std::string url;                    // being fetched
  std::optional<std::string> cursor;  // where the next poll starts, once a page was handled

  PagedGet(Host h, PullOp o, PagedGetOptions p, PageHandler f)
      : host(h), op(std::move(o)), opts(std::move(p)), on_page(std::move(f)) {}

  void finish() {
    if (cursor) op.set_cursor(*cursor);
    op.complete();
  }
  // A failure on the first page fails the op; later, the pages read are kept (see the top).
  void failed(const Error& e) {
    if (pages == 0) return op.fail(e);
    host.warn("paged GET: " + std::string(e.what()) + " after " + std::to_string(pages) +
              " page(s); keeping them, the next poll resumes from the page that failed");
    finish();  // `cursor` already points past the last page handled
  }
  void fetch() {
    HttpRequest req;
    req.url = url;
    req.headers = opts.headers;
    req.timeout_ms = opts.timeout_ms;
    try {
      host.http(std::move(req), [self = shared_from_this()](const HttpResponse* r, const Error* e) {
        self->on_response(r, e);
      });
    } catch (const Error& e) {  // refused at once (egress not allowed...)
      failed(e);
    }
  }
  void on_response(const HttpResponse* r, const Error* e) {
    try {
      if (e != nullptr) return failed(*e);
      if (r->status < 200 || r->status >= 300)
        return failed(status_error(*r, "GET " + url_for_message(url), host.now_ms()));
      const std::optional<std::string> next = next_link(*r, url, opts.rel);
      Page page{*r, op, url, pages, next, std::nullopt, false};
      on_page(page);
      ++pages;
      const bool more = next && !page.stopped && pages < std::max<uint32_t>(opts.max_pages, 1) && !op.cancelled() &&
                        !host.stopping();
      if (next && (more || !page.cursor)) {  // the link would be followed, now or from the cursor
        const auto o = parse_origin(*next);
        if (!o || !(*o == origin))
          return op.fail(Error(Category::permanent, "paged GET: the next link of " + url_for_message(url) +
                                                        " leads to " + (o ? o->str() : "an unparsable URL") +
                                                        ", another origin than " + origin.str() + ": not followed"));
      }
      cursor = page.cursor ? std::move(page.cursor) : next ? next : std::optional<std::string>(url);
      if (!more) return finish();
      url = *next;
      fetch();
    } catch (const Error& x) {
      op.fail(x);
    } catch (const std::exception& x) {
      op.fail(Error(Category::internal, std::string("paged GET page handler: ") + x.what()));
    } catch (...) {
      op.fail(Error(Category::internal, "paged GET page handler: unknown exception"));
    }
  }
};
}  // namespace detail

/// Runs one poll's paged GET (see the top of this file): defers `op` and completes or fails it
/// later, on the strand. Never throws.
inline void paged_get(const Host& host, PullOp& op, PagedGetOptions opts, PageHandler on_page) noexcept {
  PullOp later = op.defer();
  try {
    const auto origin = parse_origin(opts.first_url);
    if (!origin) return later.fail(Error(Category::config, "paged GET: first_url is not an absolute URL with a host"));
    auto run = std::make_shared<detail::PagedGet>(host, later, std::move(opts), std::move(on_page));
    run->origin = *origin;
    run->url = run->opts.first_url;
    if (!op.cursor().empty()) {
      std::string from = run->opts.url_of_cursor ? run->opts.url_of_cursor(op.cursor()) : op.cursor();
      if (const auto o = parse_origin(from); o && *o == *origin)
        run->url = std::move(from);
      else  // first_url moved to another host: its cursor means nothing there
        host.warn("paged GET: the stored cursor is not on " + origin->str() + "; starting from first_url");
    }
    run->fetch();
  } catch (const Error& e) {
    later.fail(e);
  } catch (const std::exception& e) {
    later.fail(Error(Category::internal, std::string("paged GET: ") + e.what()));
  } catch (...) {
    later.fail(Error(Category::internal, "paged GET: unknown exception"));
  }
}

}  // namespace siemhub::sdk

#endif  // SIEMHUB_PAGING_HPP
