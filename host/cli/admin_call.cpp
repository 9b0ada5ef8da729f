#include "cli/admin_call.hpp"

#include <cstdio>
#include <system_error>

#include "admin/token.hpp"
#include "cli/cli.hpp"
#include "config/config.hpp"
#include "core/redact.hpp"

namespace siemhub::cli {
namespace fs = std::filesystem;

int resolve_data_dir(const std::string& data_dir, const std::string& config, fs::path& out) {
  if (!data_dir.empty()) {
    out = fs::absolute(data_dir);
    return kExitOk;
  }
  if (!config.empty()) {
    auto r = config::load_config(config);
    if (!r.errors.empty()) {
      for (const auto& e : r.errors) std::fprintf(stderr, "%s\n", core::redact(e.to_string()).c_str());
      return kExitUsage;
    }
    out = r.config->data_dir;
    return kExitOk;
  }
  out = fs::absolute("siemhub-data");
  return kExitOk;
}

int admin_request(const fs::path& dir, bool is_post, const std::string& target, const nlohmann::json& body,
                  admin::AdminResponse& out, std::chrono::milliseconds timeout) {
  const fs::path socket = dir / admin::kSocketFile;
  try {
    std::error_code ec;
    if (!fs::exists(fs::symlink_status(socket, ec))) {
      throw admin::HubNotRunningError("no hub is running on " + dir.string() + " (" + std::string(admin::kSocketFile) +
                                      " absent)");
    }
    std::string token;
    try {
      token = admin::read_token(dir);
    } catch (const admin::AdminError&) {
      admin::AdminClient(socket, "").probe();  // a stale socket explains more than a missing token
      throw;
    }
    const admin::AdminClient client(socket, token, timeout);
    out = is_post ? client.post(target, body) : client.get(target);
  } catch (const admin::AdminError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return kExitFailure;
  }
  if (out.status == 401) {
    std::fprintf(stderr,
                 "error: the hub refused the token in %s (was the file replaced after the hub started? restart the hub "
                 "or restore the file)\n",
                 (dir / admin::kTokenFile).c_str());
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace siemhub::cli
