// Internal: one operation in flight. Its address is the plugin's siemhub_op*.
#pragma once

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include <boost/asio/steady_timer.hpp>

#include "plugins/connector.hpp"

namespace siemhub::plugins {

struct Connector::Op {
  Connector* connector = nullptr;
  OpResult result;
  OpDone done;
  bool finished = false;   // the caller got its result
  bool cancelled = false;  // deadline passed
  const char* what = "";   // "poll", "write", ...: for messages
  uint32_t timeout_ms = 0;
  uint64_t late_epoch = 0;  // the connector's late mark count when the op began
  std::unique_ptr<boost::asio::steady_timer> deadline;
};

/// Fills a plugin-visible status with a category and a message (truncated to fit).
inline void fill_status(siemhub_status* st, uint32_t category, const std::string& msg) {
  if (st == nullptr) return;
  st->category = category;
  const size_t n = std::min(msg.size(), sizeof st->message - 1);
  std::memcpy(st->message, msg.data(), n);
  st->message[n] = '\0';
}

inline Connector::Op* from_handle(siemhub_op* op) { return reinterpret_cast<Connector::Op*>(op); }
inline const Connector::Op* from_handle(const siemhub_op* op) { return reinterpret_cast<const Connector::Op*>(op); }

}  // namespace siemhub::plugins
