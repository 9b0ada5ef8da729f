// Test helpers: OCSF Authentication events and a runner that feeds them to an Engine.
#pragma once

#include "lua/engine.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

namespace siemhub::lua::testing {

inline constexpr std::int64_t kT0 = 1767225600000;  // 2026-01-01T00:00Z
inline constexpr std::int64_t kMin = 60'000;

inline std::string auth(std::int64_t time, const std::string& user, const std::string& ip, int status,
                        const std::string& uid = {}) {
  nlohmann::json e = {{"class_uid", 3002}, {"category_uid", 3}, {"activity_id", 1}, {"type_uid", 300201},
                      {"severity_id", 1},  {"time", time},      {"status_id", status},
                      {"user", {{"name", user}}}, {"src_endpoint", {{"ip", ip}}},
                      {"metadata", {{"product", {{"name", "test"}}}, {"version", "1.8.0"}}}};
  if (!uid.empty()) e["metadata"]["uid"] = uid;
  return e.dump();
}

/// Owns parsed events so their views stay valid for the batch.
struct Feed {
  std::vector<ocsf::Event> events;
  std::vector<std::string> ids;

  void add(std::string json) {
    ids.push_back("ev-" + std::to_string(events.size()));
    events.push_back(ocsf::Event::parse(std::move(json)));
  }
  std::vector<Finding> run(Engine& engine, std::size_t from = 0, std::size_t to = SIZE_MAX) {
    std::vector<EventRef> refs;
    for (std::size_t i = from; i < events.size() && i < to; ++i) refs.push_back({&events[i], ids[i]});
    return engine.process(refs);
  }
};

inline std::unique_ptr<Engine> load_text(const std::string& text, EngineOptions options = {}) {
  std::string error;
  auto engine = Engine::load(std::vector<Source>{{"test.lua", text, {}}}, std::move(options), &error);
  INFO(error);
  REQUIRE(engine != nullptr);
  return engine;
}

inline nlohmann::json parsed(const Finding& f) { return nlohmann::json::parse(f.json); }

}  // namespace siemhub::lua::testing
