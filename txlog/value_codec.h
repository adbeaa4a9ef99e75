// Encoding of property values and property maps (txlog/FORMAT.md, "Values"). The same bytes
// are used in log records and in the store, and they are canonical: equal values encode to
// equal bytes, which the key index relies on.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "txgraph/value.h"
#include "txlog/byte_codec.h"

namespace txgraph::txlog {

void encode_value(ByteWriter& out, const Value& value);
Value decode_value(ByteReader& in);
// The temporal and spatial kinds (7 to 13) without their kind byte (txlog/typed_value_codec.cc);
// decode_typed checks the fields as the constructors do and calls a field out of range damage.
void encode_typed(ByteWriter& out, const Value& value);
Value decode_typed(ByteReader& in, ValueKind kind);
// One value of `kind` without its kind byte (a list's item); not a list.
Value decode_value_of_kind(ByteReader& in, ValueKind kind);

// varint count, then (key string, value) pairs in key order.
void encode_properties(ByteWriter& out, const Properties& properties);
Properties decode_properties(ByteReader& in);

// varint count, then the strings: labels, property keys, key property names.
void write_names(ByteWriter& out, const std::vector<std::string>& names);
std::vector<std::string> read_names(ByteReader& in);

// ---- Reading in place ----------------------------------------------------------------------
// For readers that look at a record before (or instead of) decoding it: the same checks as
// the decoders above, without building anything. The skip_* functions return the bytes they
// passed over (for names and properties: count included), which the cursors below read.

void skip_value(ByteReader& in);
std::string_view skip_properties(ByteReader& in);
std::string_view skip_names(ByteReader& in);

// The names of bytes that skip_names accepted, one by one.
class NameCursor {
 public:
  explicit NameCursor(std::string_view names);
  bool next();  // false after the last name
  std::string_view name() const { return name_; }

 private:
  ByteReader in_;
  std::uint64_t left_ = 0;
  std::string_view name_;
};

// The entries of bytes that skip_properties accepted, in their order: the key, and the value's
// encoding (kind byte included).
class PropertyCursor {
 public:
  explicit PropertyCursor(std::string_view properties);
  bool next();  // false after the last entry
  std::string_view key() const { return key_; }
  std::string_view value() const { return value_; }

 private:
  ByteReader in_;
  std::uint64_t left_ = 0;
  std::string_view key_;
  std::string_view value_;
};

bool names_contain(std::string_view names, std::string_view name);
// The encoded value of `key` (of its last entry, as decode_properties keeps the last), or an
// empty view when there is none.
std::string_view find_encoded_property(std::string_view properties, std::string_view key);
// Whether two encoded values (bytes that skip_value accepted; an empty view for none) hold
// equal values, as Value's == says: NaN equals nothing, not even itself. Mostly a comparison of
// bytes, since the writer's encoding is canonical.
bool encoded_values_equal(std::string_view a, std::string_view b);
std::string encoded_value(const Value& value);

// Decodes into existing containers and keeps the map nodes it takes out of them, so that a
// reader which decodes map after map (a change stream filling one event again and again)
// allocates only when a map holds more entries than it ever did before.
class PropertyMapDecoder {
 public:
  // Replaces `out`'s entries by those of `properties` (bytes that skip_properties accepted).
  void decode(std::string_view properties, Properties& out);
  // Applies the entries of `properties` to `out`: a null value removes the key, any other
  // value sets it (a set_properties operation).
  void merge(std::string_view properties, Properties& out);
  void erase(Properties& out, std::string_view key);
  Properties::iterator erase(Properties& out, Properties::iterator entry);  // the entry after it
  // Takes every node of `map`, leaving it empty.
  void clear(Properties& map);

 private:
  Properties::node_type node_for(std::string_view key);
  void keep(Properties::node_type node);
  std::vector<Properties::node_type> spare_;
};

// Replaces `out` by the names of `names` (bytes that skip_names accepted), reusing its strings.
void decode_names_into(std::string_view names, std::vector<std::string>& out);

}  // namespace txgraph::txlog
