#include "pipeline/normalize.hpp"

#include "ocsf/normalize.hpp"

namespace siemhub::pipeline {

Normalizer make_normalizer() {
  return [](const std::string&, std::string raw, Event& out) { return ocsf::normalize(std::move(raw), out); };
}

}  // namespace siemhub::pipeline
