// What the commands that talk to a running hub share (status, dlq, action): finding its data
// directory and sending one request over the admin socket with the token file.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "admin/client.hpp"

namespace siemhub::cli {

/// The data directory: `data_dir`, else the data_dir of `config`, else ./siemhub-data. Returns
/// kExitOk, or kExitUsage after printing the config's errors.
int resolve_data_dir(const std::string& data_dir, const std::string& config, std::filesystem::path& out);

/// Sends one request to the hub running on `dir`. Returns kExitOk with `out` set for any answer
/// but 401; prints why and returns kExitFailure when no hub answers (socket absent, stale socket,
/// timeout) or the hub refused the token file.
int admin_request(const std::filesystem::path& dir, bool is_post, const std::string& target,
                  const nlohmann::json& body, admin::AdminResponse& out,
                  std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace siemhub::cli
