// `generator`: a pull source of realistic, seeded, reproducible OCSF security events.
// Event i is a pure function of (seed, i), so the cursor (the next i) resumes exactly and a
// replay reproduces the same events. Every cycle of 1000 events holds a scenario:
//   - logons (Authentication 3002): mostly successes, some failures, and a brute-force burst
//     (12 failures for one user from one source IP, then a success);
//   - network connections (Network Activity 4001), a few to a listed bad IP (198.51.100.23);
//   - process starts (Process Activity 1007), one of them powershell.exe spawned by WINWORD.EXE.
#pragma once

#include <cstdint>
#include <string>

#include "siemhub/plugin.hpp"

namespace siemhub::builtin {

struct GeneratorConfig {
  uint64_t seed = 1;
  uint32_t batch_size = 100;     // events per poll
  uint32_t interval_ms = 1000;   // between polls
  uint64_t total = 0;            // stop after this many events (0 = forever)
  int64_t start_time_ms = 0;     // 0 = use the host clock; else event i has time start + i*step
  uint32_t time_step_ms = 1000;  // spacing of event times when start_time_ms is set
};
void from_json(const nlohmann::json& j, GeneratorConfig& c);

/// Builds event `i` of the stream for `seed`; `time_ms` is its timestamp.
std::string generate_event(uint64_t seed, uint64_t i, int64_t time_ms);

class Generator {
 public:
  static constexpr char id[] = "generator";
  static constexpr char version[] = "1.0.0";
  static constexpr const char* vendor = "siemhub";
  static constexpr const char* description =
      "Synthetic, seeded OCSF security events: logons with a brute-force burst, network "
      "connections including a listed bad IP, process starts including one spawned by Office";
  static constexpr const char* license = "Apache-2.0";
  static constexpr const char* ocsf_classes = "[3002, 4001, 1007]";
  static constexpr uint32_t poll_interval_ms = 1000;
  static constexpr const char* config_schema = R"json({
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "additionalProperties": false,
    "properties": {
      "seed": {"type": "integer", "minimum": 0, "default": 1, "description": "Seed of the event stream"},
      "batch_size": {"type": "integer", "minimum": 1, "maximum": 100000, "default": 100, "description": "Events per poll"},
      "interval_ms": {"type": "integer", "minimum": 0, "maximum": 3600000, "default": 1000, "description": "Delay between polls"},
      "total": {"type": "integer", "minimum": 0, "default": 0, "description": "Stop after this many events (0 = never)"},
      "start_time_ms": {"type": "integer", "minimum": 0, "default": 0, "description": "Epoch ms of event 0 (0 = host clock)"},
      "time_step_ms": {"type": "integer", "minimum": 0, "default": 1000, "description": "Spacing of event times with start_time_ms"}
    }
  })json";
  using Config = GeneratorConfig;

  Generator(sdk::Host host, Config cfg) : host_(host), cfg_(cfg) {}
  void poll(sdk::PullOp& op);

 private:
  sdk::Host host_;
  Config cfg_;
  int64_t last_poll_ms_ = 0;
};

}  // namespace siemhub::builtin
