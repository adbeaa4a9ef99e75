// tools/txgraph/encoded_json.h — JSON text written straight from the log's encoded bytes
// (txlog/FORMAT.md, "Values"): values, property maps, names and key values, with no Value,
// string or map built on the way. `txgraph log dump` reads each record in place
// (txlog/tx_record_view.h) and writes it with these.
//
// The text is exactly what json_text.h writes for the same bytes decoded (decode_value,
// decode_properties, read_names): a property map's members in key order with the last entry
// of a repeated key, as the decoded std::map holds them. txgraph writes maps in key order, so
// they are written as they are read; a map whose keys come otherwise (another writer's) is
// decoded and written from the map instead. Every function takes bytes that the in-place
// readers accepted (txlog/value_codec.h: skip_value, skip_properties, skip_names; `keys` of
// txlog/enrichment.h), which they do not check again.
#pragma once

#include <string_view>

#include "tools/txgraph/text_buffer.h"

namespace txgraph::cli {

// One value: its kind byte and its bytes.
void append_json_encoded_value(TextBuffer& out, std::string_view value);
// A property map (count included), as an object.
void append_json_encoded_properties(TextBuffer& out, std::string_view properties);
// Names (count included), as an array of strings.
void append_json_encoded_names(TextBuffer& out, std::string_view names);
// Key values (count included), as [{"label":…,"properties":{…}},…].
void append_json_encoded_keys(TextBuffer& out, std::string_view keys);

}  // namespace txgraph::cli
