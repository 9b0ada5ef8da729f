// Secret redaction: every resolved secret is registered here, and every line the hub writes
// (logs, errors, inspect output, metrics labels) passes through redact() first.
#pragma once

#include <string>
#include <string_view>

namespace siemhub::core {

/// Registers a secret value (values shorter than 4 characters are ignored: too many false hits).
void register_secret(std::string_view value);
/// Returns `text` with every registered secret replaced by "***".
std::string redact(std::string_view text);
/// Forgets every secret (tests only).
void clear_secrets_for_testing();

}  // namespace siemhub::core
