// A well-formed test plugin written with the C++ layer: a pull source that counts and a sink
// that confirms every event. Used by loader and host tests as "the good plugin beside the bad".
#include <string>
#include <vector>

#include "siemhub/plugin.hpp"

namespace {

struct Config {
  int per_poll = 2;
};
void from_json(const nlohmann::json& j, Config& c) { c.per_poll = j.value("per_poll", 2); }

class GoodPlugin {
 public:
  static constexpr char id[] = PLUGIN_ID;
  static constexpr char version[] = "1.2.3";
  static constexpr const char* vendor = "siemhub tests";
  static constexpr const char* description = "counts in, confirms out";
  static constexpr const char* config_schema =
      R"({"type":"object","properties":{"per_poll":{"type":"integer","minimum":1,"maximum":1000},)"
      R"("token":{"type":"string","x-siemhub-secret":true}},"additionalProperties":false})";
  static constexpr const char* ocsf_classes = "[3002]";
  using Config = ::Config;

  GoodPlugin(siemhub::sdk::Host host, Config cfg) : host_(host), cfg_(cfg) {}

  void poll(siemhub::sdk::PullOp& op) {
    long next = op.cursor().empty() ? 0 : std::stol(op.cursor());
    std::vector<std::string> events;
    for (int i = 0; i < cfg_.per_poll; ++i)
      events.push_back(R"({"class_uid":3002,"seq":)" + std::to_string(next++) + "}");
    op.emit(events);
    op.set_cursor(std::to_string(next));
  }
  void write(siemhub::sdk::SinkOp& op, const siemhub::sdk::Batch& batch) {
    op.deliver(0, static_cast<uint32_t>(batch.size()));
  }

 private:
  siemhub::sdk::Host host_;
  Config cfg_;
};

}  // namespace

SIEMHUB_PLUGIN(GoodPlugin)
