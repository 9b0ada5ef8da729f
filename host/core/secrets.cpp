#include "core/secrets.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/redact.hpp"

namespace siemhub::core {

bool is_secret_reference(std::string_view t) {
  return t.size() > 3 && t.substr(0, 2) == "${" && t.back() == '}' &&
         (t.substr(2, 4) == "env:" || t.substr(2, 5) == "file:");
}

std::optional<std::string> resolve_secret(std::string_view reference, std::string& error) {
  if (!is_secret_reference(reference)) {
    error = "not a secret reference (expected ${env:NAME} or ${file:/path})";
    return std::nullopt;
  }
  const std::string_view body = reference.substr(2, reference.size() - 3);
  if (body.substr(0, 4) == "env:") {
    const std::string name(body.substr(4));
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) {
      error = "environment variable " + name + " is not set";
      return std::nullopt;
    }
    register_secret(v);
    return std::string(v);
  }
  const std::string path(body.substr(5));
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read secret file " + path;
    return std::nullopt;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string value = ss.str();
  // A trailing newline from `echo secret > file` is not part of the secret.
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  register_secret(value);
  return value;
}

}  // namespace siemhub::core
