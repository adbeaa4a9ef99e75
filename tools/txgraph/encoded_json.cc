#include "tools/txgraph/encoded_json.h"

#include "cdc/base64.h"
#include "tools/txgraph/json_text.h"
#include "txlog/byte_codec.h"
#include "txlog/value_codec.h"

namespace txgraph::cli {

using txlog::ByteReader;

namespace {

// The bytes were checked when they were read in place; this names them should a reader
// nevertheless run past their end (it throws rather than reads out of bounds).
constexpr std::string_view kWhat = "encoded value";

void append_scalar(std::string& out, ByteReader& in, ValueKind kind) {
  switch (kind) {
    case ValueKind::kNull:
      out += "null";
      return;
    case ValueKind::kBool:
      out += in.u8() != 0 ? "true" : "false";
      return;
    case ValueKind::kInt:
      append_json_int(out, in.zigzag());
      return;
    case ValueKind::kDouble:
      append_json_double(out, in.f64());
      return;
    case ValueKind::kString:
      append_json_string(out, in.str());
      return;
    case ValueKind::kBytes:
      out += "{\"$bytes\":\"";
      out += json::base64_encode(in.str());
      out += "\"}";
      return;
    case ValueKind::kList:
      break;
  }
  out += "null";
}

// Reads one value from `in` and writes it.
void append_value(std::string& out, ByteReader& in) {
  auto kind = static_cast<ValueKind>(in.u8());
  if (kind != ValueKind::kList) return append_scalar(out, in, kind);
  auto item_kind = static_cast<ValueKind>(in.u8());
  std::uint64_t n = in.varint();
  out += '[';
  for (std::uint64_t i = 0; i < n; ++i) {
    if (i > 0) out += ',';
    append_scalar(out, in, item_kind);
  }
  out += ']';
}

// Writes the map's entries in the order they come; false (with nothing written) as soon as a
// key does not come after the one before it, which a decoded map would hold in another order
// or without the earlier entry.
bool append_properties_in_order(std::string& out, std::string_view properties) {
  const std::size_t start = out.size();
  ByteReader in(properties, kWhat);
  std::uint64_t n = properties.empty() ? 0 : in.varint();
  out += '{';
  std::string_view previous;
  for (std::uint64_t i = 0; i < n; ++i) {
    std::string_view key = in.str();
    if (i > 0) {
      if (key <= previous) {
        out.resize(start);
        return false;
      }
      out += ',';
    }
    previous = key;
    append_json_string(out, key);
    out += ':';
    append_value(out, in);
  }
  out += '}';
  return true;
}

}  // namespace

void append_json_encoded_value(std::string& out, std::string_view value) {
  ByteReader in(value, kWhat);
  append_value(out, in);
}

void append_json_encoded_properties(std::string& out, std::string_view properties) {
  if (append_properties_in_order(out, properties)) return;
  ByteReader in(properties, kWhat);
  append_json_properties(out, txlog::decode_properties(in));
}

void append_json_encoded_names(std::string& out, std::string_view names) {
  out += '[';
  txlog::NameCursor cursor(names);
  bool first = true;
  while (cursor.next()) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, cursor.name());
  }
  out += ']';
}

void append_json_encoded_keys(std::string& out, std::string_view keys) {
  out += '[';
  ByteReader in(keys, kWhat);
  std::uint64_t n = keys.empty() ? 0 : in.varint();
  for (std::uint64_t i = 0; i < n; ++i) {
    if (i > 0) out += ',';
    out += "{\"label\":";
    append_json_string(out, in.str());
    out += ",\"properties\":";
    append_json_encoded_properties(out, txlog::skip_properties(in));
    out += '}';
  }
  out += ']';
}

}  // namespace txgraph::cli
