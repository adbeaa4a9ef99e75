// Little-endian fixed-width integers, LEB128 varints and length-prefixed strings: the
// primitives every on-disk encoding of txgraph is built from (txlog/FORMAT.md, "Primitives").
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "txgraph/error.h"

namespace txgraph::txlog {

// Appends to a caller-owned buffer, so one buffer can be reused across records.
class ByteWriter {
 public:
  explicit ByteWriter(std::string& out) : out_(out) {}

  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u16(std::uint16_t v) { fixed(v, 2); }
  void u32(std::uint32_t v) { fixed(v, 4); }
  void u64(std::uint64_t v) { fixed(v, 8); }
  void i64(std::int64_t v) { fixed(static_cast<std::uint64_t>(v), 8); }
  void f64(double d) {
    std::uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    fixed(bits, 8);
  }
  void varint(std::uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void zigzag(std::int64_t v) {
    varint((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
  }
  void str(std::string_view s) {
    varint(s.size());
    out_.append(s);
  }
  void raw(std::string_view s) { out_.append(s); }
  std::string& buffer() { return out_; }

 private:
  void fixed(std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  std::string& out_;
};

// Reads from a byte range it does not own. Running past the end or an overlong varint throws
// Error(kCorruption) with `what_` as context, so a damaged record never reads out of bounds.
class ByteReader {
 public:
  ByteReader(std::string_view in, std::string_view what) : in_(in), what_(what) {}

  std::uint8_t u8() {
    if (pos_ == in_.size()) fail("unexpected end");
    return static_cast<std::uint8_t>(in_[pos_++]);
  }
  std::uint16_t u16() { return static_cast<std::uint16_t>(fixed(2)); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(fixed(4)); }
  std::uint64_t u64() { return fixed(8); }
  std::int64_t i64() { return static_cast<std::int64_t>(fixed(8)); }
  double f64() {
    std::uint64_t bits = fixed(8);
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
  }
  std::uint64_t varint() {
    // Most varints of a record are one byte long: ids, counts, lengths of names.
    if (pos_ < in_.size() && !(in_[pos_] & 0x80)) return static_cast<std::uint8_t>(in_[pos_++]);
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      auto byte = u8();
      v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return v;
    }
    fail("overlong varint");
  }
  std::int64_t zigzag() {
    std::uint64_t v = varint();
    return static_cast<std::int64_t>((v >> 1) ^ (~(v & 1) + 1));
  }
  std::string_view str() {
    std::uint64_t n = varint();
    if (n > remaining()) fail("string length past the end");
    return take(static_cast<std::size_t>(n));
  }
  std::string_view take(std::size_t n) {
    if (n > remaining()) fail("unexpected end");
    std::string_view s(in_.data() + pos_, n);  // in range: no second check (substr's)
    pos_ += n;
    return s;
  }
  // A count of items each at least `min_item_bytes` long: refuses counts the remaining bytes
  // cannot hold, so a damaged count cannot make the caller reserve gigabytes.
  std::uint64_t count(std::size_t min_item_bytes = 1) {
    std::uint64_t n = varint();
    if (min_item_bytes > 0 && n > remaining() / min_item_bytes) fail("count past the end");
    return n;
  }
  // The bytes read since position `start`.
  std::string_view consumed_since(std::size_t start) const {
    return std::string_view(in_.data() + start, pos_ - start);
  }
  std::size_t remaining() const { return in_.size() - pos_; }
  std::size_t position() const { return pos_; }
  bool done() const { return pos_ == in_.size(); }

  [[noreturn]] void fail(std::string_view why) const;

 private:
  std::uint64_t fixed(int n) {
    std::string_view s = take(static_cast<std::size_t>(n));
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(s[i])) << (8 * i);
    return v;
  }
  std::string_view in_;
  std::size_t pos_ = 0;
  std::string_view what_;
};

}  // namespace txgraph::txlog
