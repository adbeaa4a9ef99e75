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

void append_scalar(TextBuffer& out, ByteReader& in, ValueKind kind) {
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
    default:
      append_json_value(out, txlog::decode_value_of_kind(in, kind));
      return;
  }
  out += "null";
}

// Reads one value from `in` and writes it.
void append_value(TextBuffer& out, ByteReader& in) {
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

// Reads a property map (count included) from `in` and writes it. The entries are written in
// the order they come while each key comes after the one before it; a key that does not, which
// a decoded map would hold in another place or without the earlier entry, sends the map to
// the decoder instead, and what was written of it goes.
void append_properties(TextBuffer& out, ByteReader& in) {
  const std::size_t start = out.size();
  const ByteReader at_start = in;
  std::uint64_t n = in.varint();
  out += '{';
  std::string_view previous;
  for (std::uint64_t i = 0; i < n; ++i) {
    std::string_view key = in.str();
    if (i > 0) {
      if (key <= previous) {
        out.truncate(start);
        in = at_start;
        append_json_properties(out, txlog::decode_properties(in));
        return;
      }
      out += ',';
    }
    previous = key;
    append_json_string(out, key);
    out += ':';
    append_value(out, in);
  }
  out += '}';
}

}  // namespace

void append_json_encoded_value(TextBuffer& out, std::string_view value) {
  ByteReader in(value, kWhat);
  append_value(out, in);
}

void append_json_encoded_properties(TextBuffer& out, std::string_view properties) {
  if (properties.empty()) {
    out += "{}";
    return;
  }
  ByteReader in(properties, kWhat);
  append_properties(out, in);
}

void append_json_encoded_names(TextBuffer& out, std::string_view names) {
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

void append_json_encoded_keys(TextBuffer& out, std::string_view keys) {
  out += '[';
  ByteReader in(keys, kWhat);
  std::uint64_t n = keys.empty() ? 0 : in.varint();
  for (std::uint64_t i = 0; i < n; ++i) {
    if (i > 0) out += ',';
    out += "{\"label\":";
    append_json_string(out, in.str());
    out += ",\"properties\":";
    append_properties(out, in);
    out += '}';
  }
  out += ']';
}

}  // namespace txgraph::cli
