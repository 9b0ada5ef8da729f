// Synchronous HTTP for integration tests, through the hub's own client library (loopback only).
#pragma once

#include <future>
#include <string>
#include <utility>
#include <vector>

#include "http/http_service.hpp"

namespace siemhub::testing {

struct SyncHttp {
  http::HttpService service;
  http::ConnectorPolicy policy;
  SyncHttp() { policy.egress_allow = {"127.0.0.1:*"}; }

  /// The response; status 0 and the failure's message as body when there was none.
  http::Response send(const std::string& method, const std::string& url, std::string body = {},
                      std::vector<std::pair<std::string, std::string>> headers = {}) {
    http::Request r;
    r.method = method;
    r.url = url;
    r.body = std::move(body);
    r.headers = std::move(headers);
    std::promise<http::Response> p;
    auto f = p.get_future();
    service.submit(policy, nullptr, std::move(r), [&p](auto resp, auto fail) {
      if (resp) p.set_value(std::move(*resp));
      else p.set_value(http::Response{0, {}, fail ? fail->message : "", 0, 0});
    });
    return f.get();
  }
  http::Response get(const std::string& url) { return send("GET", url); }
};

}  // namespace siemhub::testing
