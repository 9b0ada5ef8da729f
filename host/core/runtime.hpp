// The hub's threads: one Boost.Asio io_context run by a pool (one thread per core) for the
// host's own work (HTTP servers, admin API, pipeline timers), a second one of the same size whose
// strands serialise each connector's plugin calls, a third with one thread for the Lua
// correlation lane, and a separate bounded pool for blocking work. Plugin code and Lua rules
// never run on the host's threads, so a plugin that blocks or a rule that spins cannot starve
// /healthz, the admin API, the native correlation lane or the shutdown.
#pragma once

#include <utility>  // before Asio: GCC 12 + Boost 1.74 coroutine support needs it

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include <memory>
#include <thread>
#include <vector>

namespace siemhub::core {

using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;

class Runtime {
 public:
  /// `threads` 0 = one per core; `blocking_threads` 0 = 2.
  explicit Runtime(unsigned threads = 0, unsigned blocking_threads = 0);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  boost::asio::io_context& io() { return io_; }
  Strand make_strand() { return boost::asio::make_strand(io_); }
  /// A strand on the plugin threads: every call into plugin code runs on one of these.
  Strand make_plugin_strand() { return boost::asio::make_strand(plugin_io_); }
  /// A strand on the script thread (one, of its own): the correlation lane whose rules call
  /// Lua runs there, so a rule that burns its instruction budget on every event holds no thread
  /// the host or the plugins need.
  Strand make_script_strand() { return boost::asio::make_strand(script_io_); }
  boost::asio::thread_pool& blocking_pool() { return *blocking_; }

  /// Starts the worker threads (idempotent).
  void start();
  /// Lets queued work finish, then joins the workers (a plugin call that never returns blocks
  /// this forever: the hub checks for those first and never calls it then).
  void stop();
  unsigned threads() const { return threads_; }

 private:
  using WorkGuard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  boost::asio::io_context io_;
  boost::asio::io_context plugin_io_;
  boost::asio::io_context script_io_;
  std::unique_ptr<WorkGuard> guard_;
  std::unique_ptr<WorkGuard> plugin_guard_;
  std::unique_ptr<WorkGuard> script_guard_;
  std::unique_ptr<boost::asio::thread_pool> blocking_;
  std::vector<std::thread> workers_;
  unsigned threads_;
};

}  // namespace siemhub::core
