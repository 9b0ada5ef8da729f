// `stdout`: a sink that prints each event as one line on standard output.
#pragma once

#include "siemhub/plugin.hpp"

namespace siemhub::builtin {

class StdoutSink {
 public:
  static constexpr char id[] = "stdout";
  static constexpr char version[] = "1.0.0";
  static constexpr const char* vendor = "siemhub";
  static constexpr const char* description = "Prints events as NDJSON on standard output";
  static constexpr const char* license = "Apache-2.0";
  static constexpr const char* config_schema = R"json({
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "additionalProperties": false,
    "properties": {
      "pretty": {"type": "boolean", "default": false, "description": "Indent each event (multi-line output)"}
    }
  })json";

  StdoutSink(sdk::Host, const nlohmann::json& cfg) : pretty_(cfg.value("pretty", false)) {}
  void write(sdk::SinkOp& op, const sdk::Batch& batch);

 private:
  bool pretty_;
};

}  // namespace siemhub::builtin
