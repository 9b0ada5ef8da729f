// Secret references: "${env:NAME}" and "${file:/path}". Resolved values are registered for
// redaction at once, so they never reach a log line, an error or an inspect output.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace siemhub::core {

/// True when `text` is exactly one reference.
bool is_secret_reference(std::string_view text);
/// Resolves one reference; on failure returns nullopt and an error that names the reference
/// (never the value).
std::optional<std::string> resolve_secret(std::string_view reference, std::string& error);

}  // namespace siemhub::core
