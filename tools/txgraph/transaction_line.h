// tools/txgraph/transaction_line.h — one line of `txgraph run` input, applied to a database.
//
// A line is a transaction {"user", "metadata", "ops": [...]} or a schema line
// {"create_key" | "drop_key": {"label" | "type", "properties": [...]}}; the grammar is in docs/tool.md ("The
// command-line contract") and in `txgraph run --help`.
#pragma once

#include <cstdint>
#include <string_view>

#include "txgraph/database.h"

namespace txgraph::cli {

// Applies `line` in one write transaction and commits it. Returns the tx id commit() returned
// (0 when the line changed nothing). On any failure the whole line is rolled back and an
// exception says why: std::invalid_argument for a malformed line (bad JSON, unknown op or
// field, unknown "$var"), txgraph::Error from the store (no such element id, constraint
// violation, a node that still has relationships, ...). Field names are checked, so a typo is
// refused rather than ignored.
std::uint64_t apply_transaction_line(Database& db, std::string_view line);

}  // namespace txgraph::cli
