// The admin token: `<data_dir>/admin.token`, one line, mode 0600, owned by the hub's user.
#pragma once

#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace siemhub::admin {

inline constexpr std::string_view kTokenFile = "admin.token";
inline constexpr std::string_view kSocketFile = "admin.sock";

/// Any failure of the admin API's files, server or client. Messages never contain the token.
class AdminError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// For the hub: reads `<data_dir>/admin.token`, or creates it (32 random bytes from OpenSSL's CSPRNG,
/// hex-encoded, mode 0600, written atomically) when absent. Throws AdminError when the file is not a
/// regular file, not owned by the effective user, accessible by group or others, or malformed.
std::string load_or_create_token(const std::filesystem::path& data_dir);

/// For clients: reads `<data_dir>/admin.token` without creating it. Same checks, except that root may
/// read a token owned by another user (`sudo siemhub status -d /var/lib/siemhub`). Throws AdminError.
std::string read_token(const std::filesystem::path& data_dir);

/// `bytes` random bytes from OpenSSL's CSPRNG, hex-encoded (e.g. 16 for an idempotency key). Throws
/// AdminError when the generator fails.
std::string random_hex(std::size_t bytes);

/// Compares in time independent of where the strings differ (CRYPTO_memcmp); the length is not secret.
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

}  // namespace siemhub::admin
