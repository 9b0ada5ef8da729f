// Internal: one operation in flight. Its address is the plugin's siemhub_op*.
#pragma once

#include <memory>

#include <boost/asio/steady_timer.hpp>

#include "plugins/connector.hpp"

namespace siemhub::plugins {

struct Connector::Op {
  Connector* connector = nullptr;
  OpResult result;
  OpDone done;
  bool finished = false;   // the caller got its result
  bool cancelled = false;  // deadline passed
  std::unique_ptr<boost::asio::steady_timer> deadline;
};

inline Connector::Op* from_handle(siemhub_op* op) { return reinterpret_cast<Connector::Op*>(op); }
inline const Connector::Op* from_handle(const siemhub_op* op) { return reinterpret_cast<const Connector::Op*>(op); }

}  // namespace siemhub::plugins
