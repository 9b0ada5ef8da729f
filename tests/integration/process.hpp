// Runs the real siemhub binary from tests: fork/exec with output captured to files, signals,
// and bounded waits.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "fakes/eventually.hpp"

namespace siemhub::testing {

inline std::filesystem::path siemhub_binary() {
  const char* b = std::getenv("SIEMHUB_TEST_BINARY_DIR");
  return std::filesystem::path(b ? b : ".") / "bin" / "siemhub";
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// A child process whose stdout/stderr go to files in `dir`.
class Process {
 public:
  Process(const std::vector<std::string>& args, const std::filesystem::path& dir,
          const std::vector<std::string>& env = {}, const std::filesystem::path& cwd = {})
      : out_(dir / ("stdout-" + std::to_string(counter()))), err_(dir / ("stderr-" + std::to_string(counter()++))) {
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      const int o = ::open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      const int e = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(o, 1);
      ::dup2(e, 2);
      const int null = ::open("/dev/null", O_RDONLY);
      ::dup2(null, 0);
      if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(126);
      for (const auto& kv : env) ::putenv(const_cast<char*>(kv.c_str()));
      std::vector<char*> argv;
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
  }
  ~Process() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      int st = 0;
      ::waitpid(pid_, &st, 0);
    }
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  void signal(int sig) { ::kill(pid_, sig); }

  /// Waits up to `timeout` for the process to exit; returns its exit code, or -signal, or
  /// nullopt-ish 999 on timeout.
  int wait(std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (true) {
      int st = 0;
      const pid_t r = ::waitpid(pid_, &st, WNOHANG);
      if (r == pid_) {
        exited_ = true;
        return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
      }
      if (std::chrono::steady_clock::now() > until) return 999;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  std::string out() const { return read_file(out_); }
  std::string err() const { return read_file(err_); }
  pid_t pid() const { return pid_; }

 private:
  static int& counter() {
    static int c = 0;
    return c;
  }
  pid_t pid_ = -1;
  bool exited_ = false;
  std::filesystem::path out_, err_;
};

/// Runs to completion and returns {exit code, stdout, stderr}.
struct RunResult {
  int code;
  std::string out;
  std::string err;
};
inline RunResult run_siemhub(const std::vector<std::string>& args, const std::filesystem::path& dir,
                             const std::vector<std::string>& env = {}) {
  std::vector<std::string> full{siemhub_binary().string()};
  full.insert(full.end(), args.begin(), args.end());
  Process p(full, dir, env);
  const int code = p.wait(std::chrono::seconds(60));
  return {code, p.out(), p.err()};
}

/// The port of a running hub's ingest server, read from its "listening on http(s)://127.0.0.1:PORT"
/// log line; 0 when it logs none within `timeout`.
inline uint16_t logged_ingest_port(const Process& hub, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  uint16_t port = 0;
  eventually(
      [&] {
        static const std::regex re(R"(listening on https?://127\.0\.0\.1:([0-9]+))");
        std::smatch m;
        const std::string err = hub.err();
        if (!std::regex_search(err, m, re)) return false;
        port = static_cast<uint16_t>(std::stoi(m[1]));
        return true;
      },
      timeout);
  return port;
}

}  // namespace siemhub::testing
