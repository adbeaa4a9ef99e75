// The enrichment of a transaction record in DIFF and FULL mode (txlog/FORMAT.md,
// "Enrichment"): one change per entity the transaction changed, with what a change consumer
// needs to know without reading the store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "txgraph/value.h"
#include "txlog/byte_codec.h"

namespace txgraph::txlog {

// Persistent format: never renumber.
enum class ChangeOperation : std::uint8_t { kCreate = 1, kUpdate = 2, kDelete = 3 };
enum class ChangeEntity : std::uint8_t { kNode = 1, kRelationship = 2 };

// The values of one key constraint: for a node, the label it is on; for a relationship, the
// label is empty.
struct KeyValues {
  std::string label;
  Properties properties;
  bool operator==(const KeyValues&) const = default;
};

struct EntityState {
  std::vector<std::string> labels;  // nodes only; in DIFF, the labels removed (before) or added (after)
  Properties properties;            // in DIFF, only the properties that changed
  bool operator==(const EntityState&) const = default;
};

struct NodeReference {
  std::uint64_t id = 0;
  std::vector<std::string> labels;
  std::vector<KeyValues> keys;
  bool operator==(const NodeReference&) const = default;
};

struct Change {
  ChangeEntity entity = ChangeEntity::kNode;
  ChangeOperation operation = ChangeOperation::kCreate;
  std::uint64_t id = 0;
  std::vector<std::string> labels;  // nodes: the labels at commit (before the delete for a delete)
  std::vector<KeyValues> keys;      // from key constraints, in the same state as `labels`
  std::string type;                 // relationships
  NodeReference start;              // relationships
  NodeReference end;                // relationships
  std::optional<EntityState> before;  // absent for a create
  std::optional<EntityState> after;   // absent for a delete
  // For a create: the after-state (and a node's labels) is not written, because the record's
  // own operations on the entity produce exactly it; decode_tx_record fills it back in. Saves
  // writing every created entity twice.
  bool after_from_operations = false;
  bool operator==(const Change&) const = default;
};

struct Enrichment {
  std::uint64_t generation = 0;  // the enrichment generation the transaction was captured in
  std::vector<Change> changes;   // in the order the transaction first touched each entity
};

// A change read in place (txlog/tx_record_view.h): names, keys and properties are views of
// their encoded bytes (`names`, `keys` and `properties` of txlog/FORMAT.md, count included;
// txlog/value_codec.h reads them). Valid while the payload is.
struct NodeReferenceView {
  std::uint64_t id = 0;
  std::string_view labels;  // names
  std::string_view keys;
};

struct StateView {
  bool present = false;
  std::string_view labels;      // names
  std::string_view properties;  // properties
};

struct ChangeView {
  ChangeEntity entity = ChangeEntity::kNode;
  ChangeOperation operation = ChangeOperation::kCreate;
  std::uint64_t id = 0;
  std::string_view labels;  // names; empty names for a create whose after-state is by reference
  std::string_view type;    // the type's bytes (relationships)
  NodeReferenceView start;  // relationships
  NodeReferenceView end;    // relationships
  std::string_view keys;
  StateView before;
  StateView after;  // not present when after_from_operations: the operations give it
  bool after_from_operations = false;
};

void encode_enrichment(ByteWriter& out, const Enrichment& enrichment);
// Reads one change in place, with every check decode_enrichment makes (it decodes what this
// reads). Throws Error(kCorruption).
void read_change(ByteReader& in, ChangeView& change);
// Throws Error(kCorruption) when the bytes do not decode. Changes written with
// after_from_operations come back with that flag set and no after-state: decode_tx_record
// (tx_record.h) completes them from the record's operations.
Enrichment decode_enrichment(ByteReader& in);

}  // namespace txgraph::txlog
