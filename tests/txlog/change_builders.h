// Changes as the commit path puts them into a record's enrichment (txlog/enrichment.h), for
// the tests that write records by hand: the log's own, and the dump formatter's.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "txlog/enrichment.h"

namespace txgraph::txlog::testing {

// A node created in the transaction: its after-state comes from the record's operations.
inline Change node_created_by_operations(std::uint64_t id) {
  Change c;
  c.id = id;
  c.after_from_operations = true;
  return c;
}

// A relationship created in the transaction, its after-state from the operations.
inline Change relationship_created_by_operations(std::uint64_t id, std::string type, NodeReference start,
                                                 NodeReference end) {
  Change c;
  c.entity = ChangeEntity::kRelationship;
  c.id = id;
  c.type = std::move(type);
  c.start = std::move(start);
  c.end = std::move(end);
  c.after_from_operations = true;
  return c;
}

// A node updated in the transaction, with what changed before and after.
inline Change node_updated(std::uint64_t id, EntityState before, EntityState after) {
  Change c;
  c.operation = ChangeOperation::kUpdate;
  c.id = id;
  c.before = std::move(before);
  c.after = std::move(after);
  return c;
}

}  // namespace txgraph::txlog::testing
