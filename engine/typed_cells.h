// engine/typed_cells.h — the temporal, spatial and char cells of an import file, written as
// neo4j-admin's import reads them.
#pragma once

#include <string>
#include <string_view>

#include "txgraph/value.h"

namespace txgraph::engine {

// `text` with ASCII letters in lower case: column types, booleans, CRS names and map keys are
// read case-blind.
std::string ascii_lower(std::string_view text);

// The types of a column that name a temporal or spatial kind, and char.
enum class TypedColumn { kChar, kDate, kLocalTime, kTime, kLocalDateTime, kDateTime, kDuration, kPoint };

// The column type "date", "localtime", … (lower case, without "[]"); false for any other.
bool typed_column(std::string_view type, TypedColumn* out);

// A column's options, as a header writes them after the type: datetime{timezone:Europe/Berlin}
// (the zone of a cell that names none; UTC when absent), point{crs:WGS-84} (the CRS of a cell
// that names none).
struct TypedColumnOptions {
  std::string timezone = "Z";
  std::string crs;  // empty: from the coordinate names
};
// Reads "{key:value, …}" into `out`; throws std::invalid_argument saying what is wrong.
void parse_typed_column_options(TypedColumn type, std::string_view text, TypedColumnOptions* out);

// One cell. Throws std::invalid_argument whose message says why (the caller adds where).
// A point is a map in Neo4j's syntax: {latitude: 52.5, longitude: 13.4}, {x: 1, y: 2},
// {x: 1, y: 2, z: 3, crs: 'cartesian-3d'}, {srid: 4326, x: 13.4, y: 52.5}, keys in any case,
// strings in single or double quotes.
Value typed_cell(TypedColumn type, std::string_view text, const TypedColumnOptions& options);

}  // namespace txgraph::engine
