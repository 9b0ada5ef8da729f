// A pull source that breaks the rules on purpose, for the deadline and shutdown tests: the call
// named by `block_in` (poll, start or stop) blocks for `block_ms` (sleeping, or with `spin`
// burning its thread), as vendor code stuck on a lock or in a loop would.
#include <chrono>
#include <string>
#include <thread>

#include "siemhub/plugin.hpp"

namespace {

struct Config {
  std::string block_in = "none";
  int block_ms = 60000;
  bool spin = false;
};
void from_json(const nlohmann::json& j, Config& c) {
  c.block_in = j.value("block_in", c.block_in);
  c.block_ms = j.value("block_ms", c.block_ms);
  c.spin = j.value("spin", c.spin);
}

class Hostile {
 public:
  static constexpr char id[] = "test.hostile";
  static constexpr char version[] = "1.0.0";
  static constexpr const char* vendor = "siemhub tests";
  static constexpr const char* description = "blocks or spins where it is told to";
  static constexpr const char* config_schema =
      R"({"type":"object","properties":{"block_in":{"enum":["none","poll","start","stop"]},)"
      R"("block_ms":{"type":"integer","minimum":0},"spin":{"type":"boolean"}},"additionalProperties":false})";
  static constexpr const char* ocsf_classes = "[3002]";
  using Config = ::Config;

  Hostile(siemhub::sdk::Host, Config cfg) : cfg_(std::move(cfg)) {}

  void start() { misbehave("start"); }
  void stop(int64_t) { misbehave("stop"); }
  void poll(siemhub::sdk::PullOp&) { misbehave("poll"); }  // finishes with no events

 private:
  void misbehave(const std::string& where) const {
    if (cfg_.block_in != where) return;
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(cfg_.block_ms);
    if (!cfg_.spin) {
      std::this_thread::sleep_until(until);
      return;
    }
    volatile unsigned long spins = 0;
    while (std::chrono::steady_clock::now() < until) spins = spins + 1;
  }

  Config cfg_;
};

}  // namespace

SIEMHUB_PLUGIN(Hostile)
