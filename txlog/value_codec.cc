#include "txlog/value_codec.h"

#include <fmt/format.h>

namespace txgraph::txlog {

void ByteReader::fail(std::string_view why) const {
  throw Error(ErrorCode::kCorruption,
              fmt::format("{}: {} at byte {} of {}", what_, why, pos_, in_.size()));
}

namespace {

void encode_scalar(ByteWriter& out, const Value& v) {
  switch (v.kind()) {
    case ValueKind::kNull:
      break;
    case ValueKind::kBool:
      out.u8(v.as_bool() ? 1 : 0);
      break;
    case ValueKind::kInt:
      out.zigzag(v.as_int());
      break;
    case ValueKind::kDouble:
      // -0.0 == 0.0, so both must have one encoding (the key index compares bytes).
      out.f64(v.as_double() == 0.0 ? 0.0 : v.as_double());
      break;
    case ValueKind::kString:
      out.str(v.as_string());
      break;
    case ValueKind::kBytes:
      out.str(v.as_bytes().data);
      break;
    case ValueKind::kList:
      break;  // handled by the caller
  }
}

Value decode_scalar(ByteReader& in, ValueKind kind) {
  switch (kind) {
    case ValueKind::kNull:
      return Value();
    case ValueKind::kBool: {
      auto b = in.u8();
      if (b > 1) in.fail("bad bool byte");
      return Value(b == 1);
    }
    case ValueKind::kInt:
      return Value(in.zigzag());
    case ValueKind::kDouble:
      return Value(in.f64());
    case ValueKind::kString:
      return Value(std::string(in.str()));
    case ValueKind::kBytes:
      return Value(Bytes{std::string(in.str())});
    case ValueKind::kList:
      break;
  }
  in.fail("nested list");
}

ValueKind read_kind(ByteReader& in) {
  auto tag = in.u8();
  if (tag > static_cast<std::uint8_t>(ValueKind::kList)) in.fail(fmt::format("unknown value tag {}", tag));
  return static_cast<ValueKind>(tag);
}

}  // namespace

void encode_value(ByteWriter& out, const Value& value) {
  out.u8(static_cast<std::uint8_t>(value.kind()));
  if (value.kind() != ValueKind::kList) {
    encode_scalar(out, value);
    return;
  }
  const auto& items = value.as_list();
  // The item kind is written once; an empty list says null.
  out.u8(static_cast<std::uint8_t>(items.empty() ? ValueKind::kNull : items.front().kind()));
  out.varint(items.size());
  for (const auto& item : items) encode_scalar(out, item);
}

Value decode_value(ByteReader& in) {
  ValueKind kind = read_kind(in);
  if (kind != ValueKind::kList) return decode_scalar(in, kind);
  ValueKind item_kind = read_kind(in);
  std::uint64_t n = in.count(0);
  if (item_kind == ValueKind::kList || (item_kind == ValueKind::kNull && n != 0)) in.fail("bad list item kind");
  if (n > in.remaining()) in.fail("list count past the end");
  Value::List items;
  items.reserve(static_cast<std::size_t>(n));
  for (std::uint64_t i = 0; i < n; ++i) items.push_back(decode_scalar(in, item_kind));
  return Value(std::move(items));
}

void encode_properties(ByteWriter& out, const Properties& properties) {
  out.varint(properties.size());
  for (const auto& [key, value] : properties) {
    out.str(key);
    encode_value(out, value);
  }
}

Properties decode_properties(ByteReader& in) {
  Properties props;
  std::uint64_t n = in.count(2);
  for (std::uint64_t i = 0; i < n; ++i) {
    std::string key(in.str());
    props.insert_or_assign(std::move(key), decode_value(in));
  }
  return props;
}

void write_names(ByteWriter& out, const std::vector<std::string>& names) {
  out.varint(names.size());
  for (const auto& n : names) out.str(n);
}

std::vector<std::string> read_names(ByteReader& in) {
  std::uint64_t n = in.count(1);
  std::vector<std::string> names;
  names.reserve(static_cast<std::size_t>(n));
  for (std::uint64_t i = 0; i < n; ++i) names.emplace_back(in.str());
  return names;
}

}  // namespace txgraph::txlog
