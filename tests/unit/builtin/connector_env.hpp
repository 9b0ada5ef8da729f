// Real host services (Runtime, HttpService, KV, metrics, a manual clock) and a loader holding the
// built-in connectors, for driving them through plugins::Connector as the hub does.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/kv.hpp"
#include "core/metrics.hpp"
#include "core/runtime.hpp"
#include "http/http_service.hpp"
#include "plugins/connector.hpp"
#include "plugins/loader.hpp"
#include "siemhub/plugin.hpp"

namespace siemhub::testing {

class BuiltinEnv {
 public:
  core::Runtime runtime{2, 1};
  core::ManualClock clock;
  http::HttpService http;
  core::MemoryKvStore kv;
  core::MetricsRegistry metrics;
  plugins::HostEnvironment env{runtime, clock, http, kv, metrics};
  plugins::Loader loader{plugins::LoaderOptions{}};

  BuiltinEnv() { runtime.start(); }
  ~BuiltinEnv() {
    for (auto& c : conns_) {
      c->stop(0);
      c->destroy();
    }
    conns_.clear();
    runtime.stop();
  }
  BuiltinEnv(const BuiltinEnv&) = delete;
  BuiltinEnv& operator=(const BuiltinEnv&) = delete;

  /// A created and started connector of built-in plugin T named `name`, stopped at scope exit.
  template <class T>
  std::shared_ptr<plugins::Connector> make(const nlohmann::json& cfg, const std::string& name = "conn") {
    return make_from(sdk::descriptor_of<T>(), cfg, name);
  }
  /// The same for a descriptor (e.g. a hand-written C one).
  std::shared_ptr<plugins::Connector> make_from(const siemhub_plugin_descriptor* d, const nlohmann::json& cfg,
                                                const std::string& name = "conn") {
    auto module = loader.find(d->id);
    if (!module) {
      auto cand = loader.add_builtin(d);
      INFO(cand.error);
      REQUIRE(cand.accepted());
      module = cand.module;
    }
    auto conn = plugins::Connector::make(name, module, env, http::ConnectorPolicy{});
    conns_.push_back(conn);
    auto st = conn->create(cfg.dump());
    INFO(st.message);
    REQUIRE(st.ok());
    st = conn->start();
    INFO(st.message);
    REQUIRE(st.ok());
    return conn;
  }

  /// Stops and destroys a connector before scope exit (a "restart" of its plugin instance).
  void discard(const std::shared_ptr<plugins::Connector>& conn) {
    for (auto it = conns_.begin(); it != conns_.end(); ++it)
      if (*it == conn) {
        conn->stop(0);
        conn->destroy();
        conns_.erase(it);
        return;
      }
  }

 private:
  std::vector<std::shared_ptr<plugins::Connector>> conns_;
};

/// Runs one connector operation and waits (bounded) for its completion.
template <class Call>
plugins::OpResult wait_op(Call&& call, std::chrono::seconds limit = std::chrono::seconds(20)) {
  auto p = std::make_shared<std::promise<plugins::OpResult>>();
  auto f = p->get_future();
  call([p](plugins::OpResult r) { p->set_value(std::move(r)); });
  REQUIRE(f.wait_for(limit) == std::future_status::ready);
  return f.get();
}

inline plugins::OpResult poll(const std::shared_ptr<plugins::Connector>& conn, const std::string& cursor,
                              uint32_t max_events = 100000, uint32_t timeout_ms = 0) {
  return wait_op([&](auto done) { conn->poll(cursor, max_events, timeout_ms, done); });
}

inline plugins::OpResult write(const std::shared_ptr<plugins::Connector>& conn, std::vector<std::string> events) {
  return wait_op([&](auto done) { conn->write(std::move(events), {}, 0, done); });
}

}  // namespace siemhub::testing
