// The hub's threads: one Boost.Asio io_context run by a pool (one thread per core), strands
// for per-connector serialisation, and a separate bounded pool for blocking work.
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
  boost::asio::thread_pool& blocking_pool() { return *blocking_; }

  /// Starts the worker threads (idempotent).
  void start();
  /// Lets queued work finish, then joins the workers.
  void stop();
  unsigned threads() const { return threads_; }

 private:
  boost::asio::io_context io_;
  std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guard_;
  std::unique_ptr<boost::asio::thread_pool> blocking_;
  std::vector<std::thread> workers_;
  unsigned threads_;
};

}  // namespace siemhub::core
