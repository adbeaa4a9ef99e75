// Snapshots that hand over to the stream (txgraph/cdc.h, ChangeStream::snapshot_start): the
// store read in chunks of ids, each reconciled with the log DBLog-style. The argument for why
// a consumer ends with exactly the source graph is in the header; this file follows it step
// by step.
#include <algorithm>
#include <chrono>
#include <thread>
#include <tuple>
#include <unordered_map>

#include <fmt/format.h>

#include "cdc/change_event.h"
#include "cdc/change_id.h"
#include "cdc/change_stream_impl.h"
#include "txlog/enrichment.h"
#include "txlog/tx_record.h"

namespace txgraph {

namespace {

using cdc::ChangePosition;
using cdc::SnapshotPhase;

// How long a chunk waits for the store (read from another process) to reach the log position
// the snapshot has delivered, or for the log to show the transaction the store holds.
constexpr std::chrono::seconds kCatchUpTimeout{30};

// The store's entities of one chunk, as create changes, read in one read transaction.
struct Chunk {
  std::uint64_t applied_tx = 0;  // the store held the database as of this transaction
  bool reaches_end = false;      // no entity of the kind after the last one read
  std::vector<txlog::Change> changes;
};

std::vector<txlog::KeyValues> keys_of(const std::vector<KeyConstraint>& constraints, EntityKind kind,
                                      const std::vector<std::string>& labels, const std::string& type,
                                      const Properties& properties) {
  std::vector<txlog::KeyValues> out;
  for (const auto& c : constraints) {
    if (c.kind != kind) continue;
    if (kind == EntityKind::kNode) {
      if (std::find(labels.begin(), labels.end(), c.label_or_type) == labels.end()) continue;
    } else if (c.label_or_type != type) {
      continue;
    }
    txlog::KeyValues key;
    if (kind == EntityKind::kNode) key.label = c.label_or_type;
    bool complete = true;
    for (const auto& name : c.properties) {
      auto it = properties.find(name);
      if (it == properties.end()) {
        complete = false;
        break;
      }
      key.properties.emplace(name, it->second);
    }
    if (complete) out.push_back(std::move(key));
  }
  return out;
}

txlog::Change node_change(Node node, const std::vector<KeyConstraint>& constraints) {
  txlog::Change change;
  change.entity = txlog::ChangeEntity::kNode;
  change.operation = txlog::ChangeOperation::kCreate;
  change.id = node.id.value;
  change.keys = keys_of(constraints, EntityKind::kNode, node.labels, {}, node.properties);
  change.labels = node.labels;
  change.after.emplace();
  change.after->labels = std::move(node.labels);
  change.after->properties = std::move(node.properties);
  return change;
}

Chunk read_chunk(const TransactionView& read, SnapshotPhase phase, std::uint64_t next, std::size_t size) {
  Chunk chunk;
  chunk.applied_tx = read.last_applied_tx();
  auto constraints = read.key_constraints();
  std::size_t count = 0;
  if (phase == SnapshotPhase::kNodes) {
    read.for_each_node(NodeId{next}, [&](const Node& node) {
      chunk.changes.push_back(node_change(node, constraints));
      return ++count < size;
    });
  } else {
    // A chunk's relationships share few nodes per relationship on average, but hubs are common.
    std::unordered_map<std::uint64_t, txlog::NodeReference> nodes;
    auto reference = [&](NodeId id) -> const txlog::NodeReference& {
      auto it = nodes.find(id.value);
      if (it != nodes.end()) return it->second;
      txlog::NodeReference ref;
      ref.id = id.value;
      if (auto node = read.get_node(id)) {
        ref.keys = keys_of(constraints, EntityKind::kNode, node->labels, {}, node->properties);
        ref.labels = std::move(node->labels);
      }
      return nodes.emplace(id.value, std::move(ref)).first->second;
    };
    read.for_each_relationship(RelationshipId{next}, [&](const Relationship& rel) {
      txlog::Change change;
      change.entity = txlog::ChangeEntity::kRelationship;
      change.operation = txlog::ChangeOperation::kCreate;
      change.id = rel.id.value;
      change.type = rel.type;
      change.keys = keys_of(constraints, EntityKind::kRelationship, {}, rel.type, rel.properties);
      change.start = reference(rel.start);
      change.end = reference(rel.end);
      change.after.emplace();
      change.after->properties = rel.properties;
      chunk.changes.push_back(std::move(change));
      return ++count < size;
    });
  }
  chunk.reaches_end = count < size;
  return chunk;
}

ChangeNodeRef node_ref(txlog::NodeReference& from) {
  ChangeNodeRef out;
  out.element_id = element_id(NodeId{from.id});
  out.labels = std::move(from.labels);
  for (auto& k : from.keys) out.keys.push_back(ChangeKey{std::move(k.label), std::move(k.properties)});
  return out;
}

// The event of a snapshot change; `change` is left moved from.
void build_event(txlog::Change& change, const ChangeMetadata& metadata, std::uint64_t tx, ChangeEvent& out) {
  out = ChangeEvent{};
  out.snapshot = true;
  out.tx_id = tx;
  out.seq = 0;
  out.metadata = metadata;
  out.operation = ChangeOperation::kCreate;
  bool node = change.entity == txlog::ChangeEntity::kNode;
  out.kind = node ? EntityKind::kNode : EntityKind::kRelationship;
  out.element_id = node ? element_id(NodeId{change.id}) : element_id(RelationshipId{change.id});
  out.labels = std::move(change.labels);
  for (auto& k : change.keys) out.keys.push_back(ChangeKey{std::move(k.label), std::move(k.properties)});
  if (!node) {
    out.type = std::move(change.type);
    out.start = node_ref(change.start);
    out.end = node_ref(change.end);
  }
  out.after.emplace();
  out.after->labels = std::move(change.after->labels);
  out.after->properties = std::move(change.after->properties);
}

// Whether the consumer holds the entity of a stream event at position `at` (the header's
// "covered"): every node once the relationships are read, and of the kind being read, the ids
// below the next one.
bool covered(const ChangePosition& at, const ChangeEvent& e) {
  if (e.constraint) return true;  // the key constraints are delivered before any entity
  if (e.kind == EntityKind::kNode) {
    if (at.snapshot_phase == SnapshotPhase::kRelationships) return true;
    auto node = parse_node_element_id(e.element_id);
    return node && node->value < at.snapshot_next_id;
  }
  if (at.snapshot_phase != SnapshotPhase::kRelationships) return false;
  auto rel = parse_relationship_element_id(e.element_id);
  return rel && rel->value < at.snapshot_next_id;
}

// The phase after the one at `at` has read to the end of its table.
void next_phase(ChangePosition& at) {
  switch (at.snapshot_phase) {
    case SnapshotPhase::kKeys:
      at.snapshot_phase = SnapshotPhase::kNodes;
      break;
    case SnapshotPhase::kNodes:
      at.snapshot_phase = SnapshotPhase::kRelationships;
      break;
    default:
      at.snapshot_phase = SnapshotPhase::kNone;
  }
  at.snapshot_next_id = 0;
}

// The order the keys phase delivers constraints in, and counts them by: kind, label or type,
// then the properties as a set.
bool key_order(const KeyConstraint& a, const KeyConstraint& b) {
  auto pa = a.properties, pb = b.properties;
  std::sort(pa.begin(), pa.end());
  std::sort(pb.begin(), pb.end());
  return std::tie(a.kind, a.label_or_type, pa) < std::tie(b.kind, b.label_or_type, pb);
}

// The constraints of the store at T taken back to the log position before T: the log's schema
// changes in between (`later`, in commit order) undone, newest first.
void take_back(std::vector<KeyConstraint>& constraints, const std::vector<ChangeEvent>& later) {
  for (auto it = later.rbegin(); it != later.rend(); ++it) {
    const KeyConstraint& key = *it->constraint;
    if (it->operation == ChangeOperation::kCreate)
      std::erase_if(constraints, [&](const KeyConstraint& k) { return same_key(k, key); });
    else
      constraints.push_back(key);
  }
}

}  // namespace

ReadTransaction ChangeStream::Impl::begin_store_read() const {
  if (database) return database->begin_read();
  std::lock_guard lock(store_mutex);
  if (!store_reader) store_reader = StoreReader::open(std::filesystem::path(log_dir).parent_path());
  return store_reader->begin_read();
}

QueryResult ChangeStream::Impl::snapshot_query(const ChangePosition& from, const cdc::SelectorSet& selectors,
                                               const std::function<bool(const ChangeEvent&)>& on_event,
                                               std::uint64_t limit) const {
  QueryResult result;
  ChangePosition at = from;
  auto finish = [&] {
    result.position = cdc::encode_change_id(at);
    return result;
  };
  ChangeEvent event;
  std::string id_scratch;
  while (at.in_snapshot()) {
    // The keys phase delivers the key constraints as of its log position L; the entity phases
    // then cover every constraint, so their catch-up delivers every schema change after L.
    const bool keys = at.snapshot_phase == SnapshotPhase::kKeys;
    // Nothing is covered before the first key: the log position then moves to wherever the
    // store is, without reading the log in between. (A snapshot id written before the keys
    // phase existed starts at the first node: its catch-up reads the log from there.)
    const bool nothing_covered = keys && at.snapshot_next_id == 0;
    // 1. One chunk, or the constraints, in one read transaction, which ends here.
    Chunk chunk;
    std::vector<KeyConstraint> constraints;
    auto deadline = std::chrono::steady_clock::now() + kCatchUpTimeout;
    for (;;) {
      {
        ReadTransaction read = begin_store_read();
        // Even with nothing covered yet: a snapshot holds at least what was committed when it
        // began (the store read from another process may still lag behind that).
        if (read.last_applied_tx() >= at.tx_id) {
          if (keys) {
            chunk.applied_tx = read.last_applied_tx();
            constraints = read.key_constraints();
          } else {
            chunk = read_chunk(read, at.snapshot_phase, at.snapshot_next_id, snapshot_chunk);
          }
          break;
        }
      }
      // Read from another process, the store lags the log by a store batch: wait for it.
      if (std::chrono::steady_clock::now() > deadline)
        cdc::cdc_error(ErrorCode::kIo, fmt::format("the store of database {} has not reached transaction {} in {} s: "
                                                   "the snapshot cannot go on",
                                                   database_name, at.tx_id, kCatchUpTimeout.count()));
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    const std::uint64_t store_tx = chunk.applied_tx;
    cdc::LogView view = enabled_log_view();
    if (view.generation != at.generation)
      cdc::cdc_error(ErrorCode::kCdcOldGeneration,
                     fmt::format("enrichment of database {} was switched off and on during the snapshot (generation {} "
                                 "now, {} when it began): start the snapshot again",
                                 database_name, view.generation, at.generation));
    // The log shows a commit once it is durable, the store may hold it just before.
    if (store_tx > view.visible_tx) {
      wait_after(store_tx - 1, deadline);
      view = enabled_log_view();
      if (store_tx > view.visible_tx)
        cdc::cdc_error(ErrorCode::kCorruption,
                       fmt::format("the store of database {} holds transaction {}, but its log shows only up to {}",
                                   database_name, store_tx, view.visible_tx));
    }
    if (nothing_covered) {
      cdc::LogView upto = view;
      upto.visible_tx = store_tx;
      ChangePosition p = current_position(upto);
      at.tx_id = p.tx_id;
      at.seq = p.seq;
      at.commit_time_us = p.commit_time_us;
    } else if (keys) {
      // 2'. The constraints as of L: the schema changes in (L, T] taken back.
      if (store_tx > at.tx_id || !at.after_all()) {
        ChangePosition plain = at;
        plain.snapshot_phase = SnapshotPhase::kNone;
        plain.snapshot_next_id = 0;
        ChangeSelector schema;
        schema.select = ChangeSelector::Select::kSchema;
        std::vector<ChangeEvent> later;
        query(cdc::encode_change_id(plain), cdc::SelectorSet({schema}), [&](const ChangeEvent& e) {
          later.push_back(e);
          return true;
        }, UINT64_MAX, store_tx);
        take_back(constraints, later);
      }
    } else if (store_tx > at.tx_id || !at.after_all()) {
      // 2. The log's changes in (L, T] of the covered entities: the consumer then holds them as
      // the chunk's store does.
      ChangePosition plain = at;
      plain.snapshot_phase = SnapshotPhase::kNone;
      plain.snapshot_next_id = 0;
      bool stopped = false;
      ChangeEvent passed;
      auto read = query(cdc::encode_change_id(plain), selectors, [&](const ChangeEvent& e) {
        if (!covered(at, e)) return true;
        passed = e;
        ChangePosition p = cdc::decode_change_id(e.id);
        p.snapshot_phase = at.snapshot_phase;
        p.snapshot_next_id = at.snapshot_next_id;
        passed.id = cdc::encode_change_id(p);
        ++result.events;
        if (!on_event(passed) || result.events >= limit) stopped = true;
        return !stopped;
      }, UINT64_MAX, store_tx);
      result.transactions += read.transactions;
      result.transactions_skipped += read.transactions_skipped;
      for (auto& n : read.imports) result.imports.push_back(std::move(n));
      ChangePosition reached = cdc::decode_change_id(read.position);
      at.tx_id = reached.tx_id;
      at.seq = reached.seq;
      at.commit_time_us = reached.commit_time_us;
      if (stopped) return finish();
      if (at.tx_id != store_tx || !at.after_all())
        cdc::cdc_error(ErrorCode::kCorruption, fmt::format("the log of database {} ends at transaction {} before the "
                                                           "store's transaction {}",
                                                           database_name, at.tx_id, store_tx));
    }
    // 3. The chunk's entities, as of T.
    txlog::TxHeader header;
    header.tx_id = store_tx;
    header.start_time_us = header.commit_time_us = at.commit_time_us;
    header.capture_mode = view.enrichment;
    ChangeMetadata metadata;
    metadata.capture_mode = view.enrichment;
    metadata.database_name = database_name;
    metadata.server_id = cdc::server_id_of(at.database_uuid);
    // No transaction made a snapshot event: its connection says where it came from.
    metadata.connection_type = "snapshot";
    metadata.tx_start_time_us = metadata.tx_commit_time_us = at.commit_time_us;
    if (keys) {
      // 3'. The constraints as of L, each a create, from the first one not delivered yet.
      std::sort(constraints.begin(), constraints.end(), key_order);
      const bool selected = selectors.selects_schema_change(txlog::TxHeaderView{}, txlog::OpCode::kCreateKey);
      for (std::size_t i = at.snapshot_next_id; i < constraints.size(); ++i) {
        at.snapshot_next_id = i + 1;
        if (i + 1 == constraints.size()) next_phase(at);
        if (!selected) continue;
        event = ChangeEvent{};
        event.snapshot = true;
        event.tx_id = at.tx_id;
        event.metadata = metadata;
        event.operation = ChangeOperation::kCreate;
        event.kind = constraints[i].kind;
        event.constraint = std::move(constraints[i]);
        cdc::encode_change_id(at, id_scratch, event.id);
        ++result.events;
        if (!on_event(event) || result.events >= limit) return finish();
      }
      if (at.snapshot_phase == SnapshotPhase::kKeys) next_phase(at);
      continue;
    }
    for (std::size_t i = 0; i < chunk.changes.size(); ++i) {
      auto& change = chunk.changes[i];
      at.snapshot_next_id = change.id + 1;
      if (i + 1 == chunk.changes.size() && chunk.reaches_end) next_phase(at);
      if (!selectors.selects(header, change)) continue;
      if (selectors.filters_properties()) {
        txlog::Change copy = change;
        build_event(copy, metadata, store_tx, event);
        selectors.project(header, change, event);
      } else {
        build_event(change, metadata, store_tx, event);
      }
      cdc::encode_change_id(at, id_scratch, event.id);
      ++result.events;
      if (!on_event(event) || result.events >= limit) return finish();
    }
    if (chunk.changes.empty() && chunk.reaches_end) next_phase(at);
  }
  // 4. The snapshot is done: the stream from its log position.
  if (result.events >= limit) return finish();
  auto rest = query(cdc::encode_change_id(at), selectors, on_event, limit - result.events);
  result.events += rest.events;
  result.transactions += rest.transactions;
  result.transactions_skipped += rest.transactions_skipped;
  for (auto& n : rest.imports) result.imports.push_back(std::move(n));
  result.position = std::move(rest.position);
  return result;
}

}  // namespace txgraph
