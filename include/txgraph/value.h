// txgraph/value.h — property values.
//
// A property value is null, a bool, a 64-bit integer, a double, a UTF-8 string, a byte string,
// or a list whose items all have one of those scalar kinds (lists do not nest, and an empty
// list has no item kind). Setting a property to null is the same as removing it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace txgraph {

// Bytes are kept apart from strings so that a byte string round-trips as bytes.
struct Bytes {
  std::string data;
  friend bool operator==(const Bytes&, const Bytes&) = default;
  friend auto operator<=>(const Bytes&, const Bytes&) = default;
};

// Kinds in the order of their persistent tags (see txlog/FORMAT.md): never renumber.
enum class ValueKind : std::uint8_t {
  kNull = 0,
  kBool = 1,
  kInt = 2,
  kDouble = 3,
  kString = 4,
  kBytes = 5,
  kList = 6,
};

class Value {
 public:
  using List = std::vector<Value>;

  Value() = default;
  Value(std::nullptr_t) {}
  Value(bool b) : v_(b) {}
  Value(int i) : v_(static_cast<std::int64_t>(i)) {}
  Value(std::int64_t i) : v_(i) {}
  Value(double d) : v_(d) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(Bytes b) : v_(std::move(b)) {}
  // Throws Error(kInvalidArgument) if the items are lists, nulls or of mixed kinds.
  Value(List items);

  ValueKind kind() const { return static_cast<ValueKind>(v_.index()); }
  bool is_null() const { return kind() == ValueKind::kNull; }

  // Accessors throw std::bad_variant_access when the kind differs.
  bool as_bool() const { return std::get<bool>(v_); }
  std::int64_t as_int() const { return std::get<std::int64_t>(v_); }
  double as_double() const { return std::get<double>(v_); }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const Bytes& as_bytes() const { return std::get<Bytes>(v_); }
  const List& as_list() const { return std::get<List>(v_); }

  friend bool operator==(const Value& a, const Value& b) { return a.v_ == b.v_; }

 private:
  std::variant<std::monostate, bool, std::int64_t, double, std::string, Bytes, List> v_;
};

// Properties by key, ordered by key so that output and encodings are deterministic.
using Properties = std::map<std::string, Value>;

}  // namespace txgraph
