// tools/txgraph/json_text.h — JSON text written straight into a reusable buffer
// (tools/txgraph/text_buffer.h), for output that is too large to build as nlohmann::json trees
// first (`txgraph log dump --json`).
//
// The bytes are exactly those json_line() (cdc/json_values.h) prints for the same value:
// compact, UTF-8 kept as it is, control characters escaped as \b \t \n \f \r or \u00xx,
// invalid UTF-8 replaced by U+FFFD, floats in the JSON library's shortest round-trip form
// ("0.5", "1.0", "1e+100"), non-finite floats as null, byte strings as {"$bytes":"<base64>"}.
// Tests compare the two on awkward values; change one only with the other.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "tools/txgraph/text_buffer.h"
#include "txgraph/value.h"

namespace txgraph::cli {

void append_json_string(TextBuffer& out, std::string_view text);
// A string known to need no escaping (printable ASCII without '"' or '\\'): the names of record
// types, operations and modes.
void append_json_plain(TextBuffer& out, std::string_view text);
void append_json_uint(TextBuffer& out, std::uint64_t value);
void append_json_int(TextBuffer& out, std::int64_t value);
void append_json_double(TextBuffer& out, double value);
void append_json_value(TextBuffer& out, const Value& value);
// An object with one member per property, in the map's (sorted) order.
void append_json_properties(TextBuffer& out, const Properties& properties);
// An array of strings.
void append_json_names(TextBuffer& out, const std::vector<std::string>& names);
// 2026-11-21T10:00:00.123Z as iso8601_utc() (txlog/text_formats.h) prints it, without its
// allocations; append_json_time puts it in quotes.
void append_iso8601_utc(TextBuffer& out, std::int64_t micros_since_epoch);
void append_json_time(TextBuffer& out, std::int64_t micros_since_epoch);

// The same into a string, for callers that write one small piece.
void append_json_value(std::string& out, const Value& value);
void append_json_properties(std::string& out, const Properties& properties);
void append_iso8601_utc(std::string& out, std::int64_t micros_since_epoch);

// Writes the members of one object, commas included. Keys are short literals of plain ASCII
// (no escaping); member values are appended to out() after key() returns.
class JsonObject {
 public:
  explicit JsonObject(TextBuffer& out) : out_(out) { out_ += '{'; }
  TextBuffer& key(std::string_view name) {
    // ,"name": in one piece: the dump writes hundreds of millions of keys.
    char* at = out_.room(name.size() + 4);
    if (!first_) *at++ = ',';
    first_ = false;
    *at++ = '"';
    std::memcpy(at, name.data(), name.size());
    at += name.size();
    *at++ = '"';
    *at++ = ':';
    out_.commit(at);
    return out_;
  }
  void close() { out_ += '}'; }
  TextBuffer& out() { return out_; }

 private:
  TextBuffer& out_;
  bool first_ = true;
};

}  // namespace txgraph::cli
