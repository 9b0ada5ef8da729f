// One normalized event as the pipeline carries it: JSON text and its deterministic id.
#pragma once

#include <string>

namespace siemhub::pipeline {

struct Event {
  std::string json;
  std::string id;
};

}  // namespace siemhub::pipeline
