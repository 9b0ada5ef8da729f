#include "core/runtime.hpp"

#include "core/log.hpp"

namespace siemhub::core {

Runtime::Runtime(unsigned threads, unsigned blocking_threads)
    : blocking_(std::make_unique<boost::asio::thread_pool>(blocking_threads ? blocking_threads : 2)),
      threads_(threads ? threads : std::max(1u, std::thread::hardware_concurrency())) {}

Runtime::~Runtime() { stop(); }

namespace {

void run_worker(boost::asio::io_context& io) {
  for (;;) {
    try {
      io.run();
      return;
    } catch (const std::exception& e) {
      // A handler that throws must not take a worker down with it.
      log_error("runtime", std::string("unhandled exception in a handler: ") + e.what());
    }
  }
}

}  // namespace

void Runtime::start() {
  if (!workers_.empty()) return;
  guard_ = std::make_unique<WorkGuard>(io_.get_executor());
  plugin_guard_ = std::make_unique<WorkGuard>(plugin_io_.get_executor());
  script_guard_ = std::make_unique<WorkGuard>(script_io_.get_executor());
  for (unsigned i = 0; i < threads_; ++i) {
    workers_.emplace_back([this] { run_worker(io_); });
    workers_.emplace_back([this] { run_worker(plugin_io_); });
  }
  workers_.emplace_back([this] { run_worker(script_io_); });
}

void Runtime::stop() {
  guard_.reset();
  plugin_guard_.reset();
  script_guard_.reset();
  for (auto& t : workers_) t.join();
  workers_.clear();
  if (blocking_) blocking_->join();
  io_.restart();
  plugin_io_.restart();
  script_io_.restart();
}

}  // namespace siemhub::core
