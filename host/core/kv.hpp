// Durable key-value state per connector: the interface behind the plugins' kv_* host services.
// The hub's implementation is SQLite (store/); MemoryKvStore is for tests and tools.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace siemhub::core {

class KvStore {
 public:
  virtual ~KvStore() = default;
  virtual std::optional<std::string> get(const std::string& connector, const std::string& key) = 0;
  virtual void put(const std::string& connector, const std::string& key, std::string_view value) = 0;
  virtual void erase(const std::string& connector, const std::string& key) = 0;
};

class MemoryKvStore final : public KvStore {
 public:
  std::optional<std::string> get(const std::string& c, const std::string& k) override {
    std::lock_guard lock(mu_);
    auto it = data_.find({c, k});
    if (it == data_.end()) return std::nullopt;
    return it->second;
  }
  void put(const std::string& c, const std::string& k, std::string_view v) override {
    std::lock_guard lock(mu_);
    data_[{c, k}] = std::string(v);
  }
  void erase(const std::string& c, const std::string& k) override {
    std::lock_guard lock(mu_);
    data_.erase({c, k});
  }

 private:
  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, std::string> data_;
};

}  // namespace siemhub::core
