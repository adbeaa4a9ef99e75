// txgraph/value.h — property values.
//
// A property value is null, a bool, a 64-bit integer, a double, a UTF-8 string, a byte string,
// one of Neo4j's temporal and spatial kinds (txgraph/temporal.h), or a list whose items all
// have one of those scalar kinds (lists do not nest, and an empty list has no item kind).
// Setting a property to null is the same as removing it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "txgraph/temporal.h"

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
  kDate = 7,
  kLocalTime = 8,
  kTime = 9,
  kLocalDateTime = 10,
  kDateTime = 11,
  kDuration = 12,
  kPoint = 13,
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
  // Each throws Error(kInvalidArgument) if a field is out of its range (see check_value()).
  Value(Date v);
  Value(LocalTime v);
  Value(Time v);
  Value(LocalDateTime v);
  Value(DateTime v);
  Value(Duration v);
  Value(Point v);
  // A DateTime read back from storage: its fields are checked (check_fields) but not its zone's
  // rules, which may have changed since it was written.
  static Value stored(DateTime v);
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
  const Date& as_date() const { return std::get<Date>(v_); }
  const LocalTime& as_local_time() const { return std::get<LocalTime>(v_); }
  const Time& as_time() const { return std::get<Time>(v_); }
  const LocalDateTime& as_local_datetime() const { return std::get<LocalDateTime>(v_); }
  const DateTime& as_datetime() const { return std::get<DateTime>(v_); }
  const Duration& as_duration() const { return std::get<Duration>(v_); }
  const Point& as_point() const { return std::get<Point>(v_); }

  friend bool operator==(const Value& a, const Value& b) { return a.v_ == b.v_; }

 private:
  std::variant<std::monostate, bool, std::int64_t, double, std::string, Bytes, List, Date, LocalTime, Time,
               LocalDateTime, DateTime, Duration, Point>
      v_;
};

// The kind's name in messages: "null", "bool", "int", "double", "string", "bytes", "list",
// "date", "localtime", "time", "localdatetime", "datetime", "duration", "point".
std::string_view value_kind_name(ValueKind kind);

// A value as messages show it: 42, "Ann", <3 bytes>, <list of 2>, 2024-01-31,
// point(4326: 13.4, 52.5).
std::string value_text(const Value& value);

// How JSON writes temporal and spatial values. kTyped: one-key objects that read back to the
// exact value ({"$date": "2024-01-31"}, {"$point": {"srid": 4326, "x": 13.4, "y": 52.5}}, ...,
// docs/cdc.md). kNeo4j: as Neo4j's Kafka connector writes them for JSON consumers: ISO-8601
// strings for the five temporal kinds, {"months", "days", "seconds", "nanoseconds"} for a
// duration, {"dimension", "srid", "x", "y", "z"} for a point (z null in 2D). Every other kind
// is written the same in both.
enum class ValueForm { kNeo4j, kTyped };

// Properties by key, ordered by key so that output and encodings are deterministic.
using Properties = std::map<std::string, Value>;

}  // namespace txgraph
