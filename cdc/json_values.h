// cdc/json_values.h — property values as the tool reads and writes them in JSON.
//
// null, true/false, integers (int64), floats (double) and strings map to the Value kinds of
// the same name. A byte string is {"$bytes": "<base64>"}. An array is a list: its items must
// all be of one scalar kind; integers in an array that also holds floats become doubles
// (JSON writers often print 2.0 as 2). A temporal or spatial value is a one-key object:
// {"$date": "2024-01-31"}, {"$localtime": "12:30:00.5"}, {"$time": "12:30:00+01:00"},
// {"$localdatetime": "2024-01-31T12:30:00"}, {"$datetime": "2024-01-31T12:30:00+01:00[Europe/Berlin]"},
// {"$duration": "P1M2DT3.5S"}, {"$point": {"srid": 4326, "x": 13.4, "y": 52.5}} ("z" in 3D).
// Any other object is refused: properties do not nest.
#pragma once

#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

#include "txgraph/value.h"

namespace txgraph::json {

// Keys keep the order they are written in, so output reads as the documentation shows it.
using Json = nlohmann::ordered_json;

// The deepest nesting parse_json() takes. The parser itself keeps its own stack, but copying,
// printing and comparing a value recurse once per level, so a text tens of thousands of levels
// deep would overflow the stack long after it parsed; no property value or selector needs more
// than a few levels.
inline constexpr std::size_t kMaxJsonDepth = 512;

// Json::parse, after a first pass that builds nothing and refuses, with std::invalid_argument,
// a text nested deeper than kMaxJsonDepth and an integer that does not fit in int64 (one
// written without a fraction or an exponent; nlohmann would read it as a rounded double).
// Text that is not JSON throws Json::parse_error (or out_of_range) as Json::parse does.
Json parse_json(std::string_view text);

// Throws std::invalid_argument with a message naming `what` (e.g. "property 'age'").
Value value_from_json(const Json& json, std::string_view what);
// `json` must be an object; each member becomes a property. `what` names the map in messages
// ("property" gives "property 'age': …").
Properties properties_from_json(const Json& json, std::string_view what);

// ValueForm (txgraph/value.h) says how temporal and spatial values are written.

Json json_from_value(const Value& value, ValueForm form = ValueForm::kTyped);
Json json_from_properties(const Properties& properties, ValueForm form = ValueForm::kTyped);

// Whether `form` loses a value's type: true for a temporal or spatial value (or a list of
// them) written kNeo4j.
bool loses_type(const Value& value, ValueForm form);

// Compact one-line JSON; invalid UTF-8 in strings is replaced rather than thrown on.
std::string json_line(const Json& json);

}  // namespace txgraph::json
