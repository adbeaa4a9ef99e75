// The graph in the store's tables, and every change to it. The live write path and recovery's
// replay both change the graph only through these functions, so a replayed log yields the
// same store as the live commits did.
//
// Tables (all keys big-endian so LMDB's order is numeric order):
//   meta          name -> value: uuid, last_applied_tx, next ids, counts, settings
//   nodes         node id (8)            -> labels (token ids), properties (token id, value)
//   relationships rel id (8)             -> type token, start, end, properties
//   adjacency     node (8) dir (1) type (4) rel (8) -> other node (8); dir 0 out, 1 in
//   label_index   label token (4) node (8) -> empty
//   schema        key constraint id (4)  -> kind, label or type, property names
//   key_index     constraint id (4) + the key values encoded in order -> entity id (8)
//
// Every mutation validates first (existence, keys, relationships) and only then writes, so
// one that throws has changed nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/database_impl.h"
#include "txlog/enrichment.h"
#include "txlog/tx_record.h"

namespace txgraph::engine {

// Meta keys.
inline constexpr std::string_view kMetaUuid = "uuid";
inline constexpr std::string_view kMetaLastAppliedTx = "last_applied_tx";
inline constexpr std::string_view kMetaNextNodeId = "next_node_id";
inline constexpr std::string_view kMetaNextRelationshipId = "next_relationship_id";
inline constexpr std::string_view kMetaNodeCount = "node_count";
inline constexpr std::string_view kMetaRelationshipCount = "relationship_count";
inline constexpr std::string_view kMetaSettings = "settings";
inline constexpr std::string_view kMetaFormatVersion = "format_version";
inline constexpr std::string_view kMetaEnrichment = "enrichment";
inline constexpr std::string_view kMetaEnrichmentGeneration = "enrichment_generation";

std::uint64_t read_meta_u64(MDB_txn* txn, const Tables& tables, std::string_view key, std::uint64_t fallback = 0);
void write_meta_u64(MDB_txn* txn, const Tables& tables, std::string_view key, std::uint64_t value);

using detail::TxnState;

std::optional<Node> load_node(TxnState& s, std::uint64_t id);
std::optional<Relationship> load_relationship(TxnState& s, std::uint64_t id);
const std::vector<KeyDef>& schema(TxnState& s);
bool has_relationships(TxnState& s, std::uint64_t node);

void create_node(TxnState& s, std::uint64_t id, const std::vector<std::string>& labels, const Properties& properties);
// Throws kHasRelationships if relationships remain.
void delete_node(TxnState& s, std::uint64_t id);
void set_node_properties(TxnState& s, std::uint64_t id, const Properties& properties);
void remove_node_properties(TxnState& s, std::uint64_t id, const std::vector<std::string>& keys);
void add_labels(TxnState& s, std::uint64_t id, const std::vector<std::string>& labels);
void remove_labels(TxnState& s, std::uint64_t id, const std::vector<std::string>& labels);

void create_relationship(TxnState& s, std::uint64_t id, std::string_view type, std::uint64_t start,
                         std::uint64_t end, const Properties& properties);
void delete_relationship(TxnState& s, std::uint64_t id);
void set_relationship_properties(TxnState& s, std::uint64_t id, const Properties& properties);
void remove_relationship_properties(TxnState& s, std::uint64_t id, const std::vector<std::string>& keys);

void create_key(TxnState& s, const KeyConstraint& constraint);
// kNotFound when there is no such key (engine/key_constraints.cc).
void drop_key(TxnState& s, const KeyConstraint& constraint);

// Bulk import's writes: the ids are past every id in use and the endpoints were created by the
// same import, so the existence checks are skipped. `node.labels` must be sorted and unique and
// no property null. Key constraints are still enforced.
void create_fresh_node(TxnState& s, const Node& node);
void create_fresh_relationship(TxnState& s, const Relationship& relationship);

// Before commit: every entity touched that carries a keyed label (type) has every key
// property. Throws kConstraintViolation naming the entity and the key.
void check_keys_complete(TxnState& s);
// The same for one entity, as it is now (bulk import checks each row as it writes it).
void check_key_complete(TxnState& s, const Node& node);
void check_key_complete(TxnState& s, const Relationship& relationship);

// Replay of one logged operation.
void apply_redo(TxnState& s, const txlog::RedoOp& op);

// Key bytes for a lookup through `def`; nullopt when `key` lacks one of its properties.
std::optional<std::string> key_bytes(const KeyDef& def, const Properties& properties);

// The values of every key constraint that applies to the entity and that it fully has.
std::vector<txlog::KeyValues> key_values(TxnState& s, const Node& node);
std::vector<txlog::KeyValues> key_values(TxnState& s, const Relationship& relationship);

// A readable form of a key for messages: Person(id=1, name="Ann").
std::string describe_key(const KeyDef& def, const Properties& properties);

}  // namespace txgraph::engine
