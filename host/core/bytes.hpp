// A growable byte buffer that is never zero-filled. std::string::resize writes every new byte
// before the caller overwrites it: for the journal's 0.5 MB frame runs that memset was ~3 % of
// the HEC path. Memory is kept between uses (clear() keeps the capacity).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace siemhub::core {

class Bytes {
 public:
  /// `n` more bytes at the end, uninitialized; the pointer is valid until the next grow().
  char* grow(std::size_t n) {
    if (cap_ - size_ < n) reserve(std::max(cap_ * 2, size_ + n));
    char* p = data_.get() + size_;
    size_ += n;
    return p;
  }
  void append(std::string_view s) { std::memcpy(grow(s.size()), s.data(), s.size()); }
  /// Room for `cap` bytes in all (never shrinks).
  void reserve(std::size_t cap) {
    if (cap <= cap_) return;
    std::unique_ptr<char[]> bigger(new char[cap]);  // default-initialized: not zeroed
    if (size_) std::memcpy(bigger.get(), data_.get(), size_);
    data_ = std::move(bigger);
    cap_ = cap;
  }
  void clear() { size_ = 0; }
  /// Gives the memory back (after an unusually large use).
  void release() {
    data_.reset();
    size_ = cap_ = 0;
  }
  char* data() { return data_.get(); }
  const char* data() const { return data_.get(); }
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return cap_; }
  bool empty() const { return size_ == 0; }
  std::string_view view() const { return {data_.get(), size_}; }

 private:
  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0, cap_ = 0;
};

}  // namespace siemhub::core
