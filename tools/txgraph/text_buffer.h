// tools/txgraph/text_buffer.h — a growing byte buffer that text is written into through a
// pointer, for output written in pieces of a few bytes each, hundreds of millions of them
// (`txgraph log dump`): a piece costs a bounds check and a copy, where std::string's append
// costs a call, a capacity check and a terminating zero.
//
// Write a piece either with append() and +=, or by asking room(n) for a pointer to n bytes
// past the end, writing up to n bytes there and handing the new end to commit(). Pointers
// into the buffer are valid until the next room(), append() or +=, which may move it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>
#include <utility>

namespace txgraph::cli {

class TextBuffer {
 public:
  TextBuffer() = default;
  explicit TextBuffer(std::size_t capacity) { grow(capacity); }

  char* room(std::size_t n) {
    if (static_cast<std::size_t>(limit_ - end_) < n) grow(n);
    return end_;
  }
  // `end` is room()'s pointer plus the bytes written there.
  void commit(char* end) { end_ = end; }

  void append(const char* bytes, std::size_t n) {
    char* at = room(n);
    if (n > 0) std::memcpy(at, bytes, n);
    end_ = at + n;
  }
  TextBuffer& operator+=(std::string_view text) {
    append(text.data(), text.size());
    return *this;
  }
  TextBuffer& operator+=(char c) {
    *room(1) = c;
    ++end_;
    return *this;
  }

  std::size_t size() const { return static_cast<std::size_t>(end_ - data_.get()); }
  bool empty() const { return size() == 0; }
  const char* data() const { return data_.get(); }
  std::string_view view() const { return {data_.get(), size()}; }
  // Drops what was written after the first `n` bytes (n <= size()).
  void truncate(std::size_t n) { end_ = data_.get() + n; }
  void clear() { end_ = data_.get(); }

 private:
  void grow(std::size_t n) {
    std::size_t used = size();
    std::size_t capacity = static_cast<std::size_t>(limit_ - data_.get());
    std::size_t wanted = std::max(used + n, capacity * 2);
    if (wanted < 256) wanted = 256;
    auto bigger = std::make_unique_for_overwrite<char[]>(wanted);
    if (used > 0) std::memcpy(bigger.get(), data_.get(), used);
    data_ = std::move(bigger);
    end_ = data_.get() + used;
    limit_ = data_.get() + wanted;
  }

  std::unique_ptr<char[]> data_;
  char* end_ = nullptr;
  char* limit_ = nullptr;
};

}  // namespace txgraph::cli
