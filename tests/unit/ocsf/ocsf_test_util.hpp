// Shared fixtures for the OCSF tests.
#pragma once

#include "ocsf/validate.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace siemhub::ocsf::testing {

/// A valid OCSF 1.8.0 Authentication (3002) Logon event, ~560 bytes.
inline const char* const kAuthentication = R"({
  "class_uid": 3002, "category_uid": 3, "activity_id": 1, "type_uid": 300201,
  "severity_id": 1, "status_id": 1, "time": 1700000000000,
  "message": "Accepted publickey for alice from 203.0.113.7 port 50122 ssh2",
  "metadata": {"version": "1.8.0", "product": {"name": "OpenSSH", "vendor_name": "OpenBSD"},
               "uid": "9b2c6b8e-4b8f-4a53-8c5e-2f9d7d4c1a00", "log_name": "auth"},
  "user": {"name": "alice", "uid": "1000"},
  "src_endpoint": {"ip": "203.0.113.7", "port": 50122},
  "dst_endpoint": {"hostname": "bastion-1", "ip": "10.0.0.5", "port": 22},
  "logon_type_id": 3, "is_mfa": false, "auth_protocol_id": 0,
  "observables": [{"name": "src_endpoint.ip", "type_id": 2, "value": "203.0.113.7"}]
})";

/// kAuthentication with `patch` merged over it (RFC 7386: null deletes).
inline std::string authentication_with(const nlohmann::json& patch) {
  nlohmann::json j = nlohmann::json::parse(kAuthentication);
  j.merge_patch(patch);
  return j.dump();
}

inline std::vector<Violation> validate_text(std::string text) { return validate(Event::parse(std::move(text))); }

/// "path: message" lines, for readable assertions and failure output.
inline std::vector<std::string> lines(const std::vector<Violation>& violations) {
  std::vector<std::string> out;
  for (const auto& v : violations) out.push_back(v.to_string());
  return out;
}

}  // namespace siemhub::ocsf::testing
