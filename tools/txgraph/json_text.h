// tools/txgraph/json_text.h — JSON text appended straight to a reusable string, for output
// that is too large to build as nlohmann::json trees first (`txgraph log dump --json`).
//
// The bytes are exactly those json_line() (cdc/json_values.h) prints for the same value:
// compact, UTF-8 kept as it is, control characters escaped as \b \t \n \f \r or \u00xx,
// invalid UTF-8 replaced by U+FFFD, floats in the JSON library's shortest round-trip form
// ("0.5", "1.0", "1e+100"), non-finite floats as null, byte strings as {"$bytes":"<base64>"}.
// Tests compare the two on awkward values; change one only with the other.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "txgraph/value.h"

namespace txgraph::cli {

void append_json_string(std::string& out, std::string_view text);
void append_json_uint(std::string& out, std::uint64_t value);
void append_json_int(std::string& out, std::int64_t value);
void append_json_double(std::string& out, double value);
void append_json_value(std::string& out, const Value& value);
// An object with one member per property, in the map's (sorted) order.
void append_json_properties(std::string& out, const Properties& properties);
// An array of strings.
void append_json_names(std::string& out, const std::vector<std::string>& names);
// 2026-11-21T10:00:00.123Z as iso8601_utc() (txlog/text_formats.h) prints it, without its
// allocations; append_json_time puts it in quotes.
void append_iso8601_utc(std::string& out, std::int64_t micros_since_epoch);
void append_json_time(std::string& out, std::int64_t micros_since_epoch);

// Writes the members of one object, commas included. Keys are literals of plain ASCII (no
// escaping); member values are appended to out() after key() returns.
class JsonObject {
 public:
  explicit JsonObject(std::string& out) : out_(out) { out_ += '{'; }
  std::string& key(std::string_view name) {
    if (!first_) out_ += ',';
    first_ = false;
    out_ += '"';
    out_ += name;
    out_ += "\":";
    return out_;
  }
  void close() { out_ += '}'; }
  std::string& out() { return out_; }

 private:
  std::string& out_;
  bool first_ = true;
};

}  // namespace txgraph::cli
