// Encoding of property values and property maps (txlog/FORMAT.md, "Values"). The same bytes
// are used in log records and in the store, and they are canonical: equal values encode to
// equal bytes, which the key index relies on.
#pragma once

#include <string>
#include <vector>

#include "txgraph/value.h"
#include "txlog/byte_codec.h"

namespace txgraph::txlog {

void encode_value(ByteWriter& out, const Value& value);
Value decode_value(ByteReader& in);

// varint count, then (key string, value) pairs in key order.
void encode_properties(ByteWriter& out, const Properties& properties);
Properties decode_properties(ByteReader& in);

// varint count, then the strings: labels, property keys, key property names.
void write_names(ByteWriter& out, const std::vector<std::string>& names);
std::vector<std::string> read_names(ByteReader& in);

}  // namespace txgraph::txlog
