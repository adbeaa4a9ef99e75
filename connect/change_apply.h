// connect/change_apply.h — a source transaction's change events applied to a replica, and
// change events read back from the JSON that change_event_json() writes.
#pragma once

#include <string_view>
#include <vector>

#include "txgraph/cdc.h"
#include "txgraph/database.h"

namespace txgraph::connect {

// The event a change_event_json() line describes: what a replica needs to apply it (ids,
// kind, operation, labels, type, endpoints, states, users, transaction metadata). Throws
// kCorruption naming the field that is missing or of the wrong type.
ChangeEvent parse_change_event_json(std::string_view json);

// Applies the changes of one source transaction (the replicator's and the Kafka-fed replica's
// one way), in the order that never needs what is not there yet and frees key values before
// they are taken: relationships deleted, nodes deleted, what updates take away (changed
// properties, removed labels), what they set, nodes created, relationships updated,
// relationships created (stable inside each group); keys are checked complete at commit, so
// a transaction that swaps key values between entities applies. Schema events apply by their
// net effect: keys dropped first, keys created last. Reorders `events` and takes the schema
// events out of it. Throws
// kNotFound for a change that names an entity the replica does not have (with a hint at bulk
// imports), and what WriteTransaction throws.
void apply_changes(WriteTransaction& tx, std::vector<ChangeEvent>& events);

}  // namespace txgraph::connect
