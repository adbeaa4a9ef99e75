#include "txlog/value_codec.h"

#include <cmath>
#include <cstring>
#include <iterator>

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
    default:
      encode_typed(out, v);
      break;
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
    default:
      return decode_typed(in, kind);
  }
  in.fail("nested list");
}

ValueKind read_kind(ByteReader& in) {
  auto tag = in.u8();
  if (tag > static_cast<std::uint8_t>(ValueKind::kPoint)) in.fail(fmt::format("unknown value tag {}", tag));
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

Value decode_value_of_kind(ByteReader& in, ValueKind kind) { return decode_scalar(in, kind); }

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
  try {
    return Value(std::move(items));
  } catch (const Error& e) {  // points of different SRIDs
    in.fail(e.what());
  }
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

// ---- Reading in place ----------------------------------------------------------------------

namespace {

void skip_scalar(ByteReader& in, ValueKind kind) {
  switch (kind) {
    case ValueKind::kNull:
      return;
    case ValueKind::kBool:
      if (in.u8() > 1) in.fail("bad bool byte");
      return;
    case ValueKind::kInt:
      in.varint();
      return;
    case ValueKind::kDouble:
      in.take(8);
      return;
    case ValueKind::kString:
    case ValueKind::kBytes:
      in.str();
      return;
    case ValueKind::kList:
      break;
    default:
      // Decoded rather than skipped: a field out of range is found where a skip would not.
      decode_typed(in, kind);
      return;
  }
  in.fail("nested list");
}

bool is_nan_at(std::string_view bytes, std::size_t at) {
  std::uint64_t bits = 0;
  for (int i = 0; i < 8; ++i) bits |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return std::isnan(d);
}

// Whether a well-formed encoded value holds a NaN: a double, or a list of doubles.
bool holds_nan(std::string_view value) {
  auto kind = static_cast<ValueKind>(value[0]);
  if (kind == ValueKind::kDouble) return is_nan_at(value, 1);
  if (kind != ValueKind::kList || static_cast<ValueKind>(value[1]) != ValueKind::kDouble) return false;
  ByteReader in(value.substr(2), "value");
  std::uint64_t n = in.varint();
  std::size_t at = 2 + in.position();
  for (std::uint64_t i = 0; i < n; ++i, at += 8)
    if (is_nan_at(value, at)) return true;
  return false;
}

}  // namespace

void skip_value(ByteReader& in) {
  ValueKind kind = read_kind(in);
  if (kind != ValueKind::kList) return skip_scalar(in, kind);
  ValueKind item_kind = read_kind(in);
  std::uint64_t n = in.count(0);
  if (item_kind == ValueKind::kList || (item_kind == ValueKind::kNull && n != 0)) in.fail("bad list item kind");
  if (n > in.remaining()) in.fail("list count past the end");
  Point first;
  for (std::uint64_t i = 0; i < n; ++i) {
    if (item_kind != ValueKind::kPoint) {
      skip_scalar(in, item_kind);
      continue;
    }
    // A list's points share their SRID: what decode_value refuses, skip refuses too.
    Point p = decode_scalar(in, item_kind).as_point();
    if (i == 0) first = p;
    if (p.srid != first.srid) in.fail("a list of points of different SRIDs");
  }
}

std::string_view skip_properties(ByteReader& in) {
  std::size_t start = in.position();
  std::uint64_t n = in.count(2);
  for (std::uint64_t i = 0; i < n; ++i) {
    in.str();
    skip_value(in);
  }
  return in.consumed_since(start);
}

std::string_view skip_names(ByteReader& in) {
  std::size_t start = in.position();
  std::uint64_t n = in.count(1);
  for (std::uint64_t i = 0; i < n; ++i) in.str();
  return in.consumed_since(start);
}

NameCursor::NameCursor(std::string_view names) : in_(names, "names") { left_ = names.empty() ? 0 : in_.varint(); }

bool NameCursor::next() {
  if (left_ == 0) return false;
  --left_;
  name_ = in_.str();
  return true;
}

PropertyCursor::PropertyCursor(std::string_view properties) : in_(properties, "properties") {
  left_ = properties.empty() ? 0 : in_.varint();
}

bool PropertyCursor::next() {
  if (left_ == 0) return false;
  --left_;
  key_ = in_.str();
  std::size_t start = in_.position();
  skip_value(in_);
  value_ = in_.consumed_since(start);
  return true;
}

bool names_contain(std::string_view names, std::string_view name) {
  NameCursor cursor(names);
  while (cursor.next())
    if (cursor.name() == name) return true;
  return false;
}

std::string_view find_encoded_property(std::string_view properties, std::string_view key) {
  std::string_view found;
  PropertyCursor cursor(properties);
  while (cursor.next())
    if (cursor.key() == key) found = cursor.value();
  return found;
}

namespace {

bool scalars_equal(ByteReader& a, ByteReader& b, ValueKind kind) {
  switch (kind) {
    case ValueKind::kNull:
      return true;
    case ValueKind::kBool:
      return a.u8() == b.u8();
    case ValueKind::kInt:
      return a.zigzag() == b.zigzag();
    case ValueKind::kDouble:
      return a.f64() == b.f64();
    case ValueKind::kString:
    case ValueKind::kBytes:
      return a.str() == b.str();
    case ValueKind::kList:
      break;
    default:
      return decode_typed(a, kind) == decode_typed(b, kind);
  }
  return false;
}

}  // namespace

bool encoded_values_equal(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) return a.empty() && b.empty();
  // The writer's encoding is canonical: equal bytes are equal values, but for NaN.
  if (a == b) return !holds_nan(a);
  // Bytes another writer may have chosen differently (an overlong varint, an empty list's item
  // kind) still hold equal values if they decode to them: compare what they hold.
  ByteReader ra(a, "value"), rb(b, "value");
  auto kind = static_cast<ValueKind>(ra.u8());
  if (static_cast<ValueKind>(rb.u8()) != kind) return false;
  if (kind != ValueKind::kList) return scalars_equal(ra, rb, kind);
  auto item_kind = static_cast<ValueKind>(ra.u8());
  auto other_item_kind = static_cast<ValueKind>(rb.u8());
  std::uint64_t n = ra.varint();
  if (rb.varint() != n) return false;
  if (n == 0) return true;
  if (item_kind != other_item_kind) return false;
  for (std::uint64_t i = 0; i < n; ++i)
    if (!scalars_equal(ra, rb, item_kind)) return false;
  return true;
}

std::string encoded_value(const Value& value) {
  std::string out;
  ByteWriter w(out);
  encode_value(w, value);
  return out;
}

void PropertyMapDecoder::keep(Properties::node_type node) {
  // Bounded, so that one huge map does not keep its memory for good.
  constexpr std::size_t kMostSpare = 4096;
  if (spare_.size() < kMostSpare) spare_.push_back(std::move(node));
}

Properties::node_type PropertyMapDecoder::node_for(std::string_view key) {
  if (spare_.empty()) {
    // A node handle can only come out of a map: make one in a map of its own.
    Properties one;
    one.emplace(std::string(key), Value());
    return one.extract(one.begin());
  }
  Properties::node_type node = std::move(spare_.back());
  spare_.pop_back();
  node.key().assign(key);
  return node;
}

void PropertyMapDecoder::clear(Properties& map) {
  while (!map.empty()) keep(map.extract(map.begin()));
}

Properties::iterator PropertyMapDecoder::erase(Properties& out, Properties::iterator entry) {
  auto next = std::next(entry);
  keep(out.extract(entry));
  return next;
}

void PropertyMapDecoder::erase(Properties& out, std::string_view key) {
  auto found = out.find(std::string(key));
  if (found != out.end()) keep(out.extract(found));
}

// Walks `out` along the entries, which come in key order: an entry whose key `out` holds at
// that place takes its value there, so that a map refilled with the keys it had (the same kind
// of change again) sees no insertion or removal at all. Keys out of order or repeated (not
// written by txgraph) still end as decode_properties leaves them: the last value of each key.
void PropertyMapDecoder::decode(std::string_view properties, Properties& out) {
  ByteReader in(properties, "properties");
  std::uint64_t n = in.count(2);
  auto at = out.begin();
  for (std::uint64_t i = 0; i < n; ++i) {
    std::string_view key = in.str();
    // Equal keys first: the usual case, and one comparison.
    while (at != out.end() && at->first != key && at->first.compare(key) < 0) at = erase(out, at);
    if (at != out.end() && at->first == key) {
      at->second = decode_value(in);
      ++at;
      continue;
    }
    Properties::node_type node = node_for(key);
    node.mapped() = decode_value(in);
    auto placed = out.insert(at, std::move(node));
    if (node) {  // the key came before
      placed->second = std::move(node.mapped());
      keep(std::move(node));
    }
  }
  while (at != out.end()) at = erase(out, at);
}

void PropertyMapDecoder::merge(std::string_view properties, Properties& out) {
  ByteReader in(properties, "properties");
  std::uint64_t n = in.count(2);
  for (std::uint64_t i = 0; i < n; ++i) {
    std::string_view key = in.str();
    Value value = decode_value(in);
    if (value.is_null()) {
      erase(out, key);
      continue;
    }
    auto found = out.find(std::string(key));
    if (found != out.end()) {
      found->second = std::move(value);
      continue;
    }
    Properties::node_type node = node_for(key);
    node.mapped() = std::move(value);
    out.insert(std::move(node));
  }
}

void decode_names_into(std::string_view names, std::vector<std::string>& out) {
  NameCursor cursor(names);
  std::size_t n = 0;
  while (cursor.next()) {
    if (n < out.size())
      out[n].assign(cursor.name());
    else
      out.emplace_back(cursor.name());
    ++n;
  }
  out.resize(n);
}

}  // namespace txgraph::txlog
