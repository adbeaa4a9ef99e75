#include "engine/change_capture.h"

#include <algorithm>

#include "engine/graph_store.h"

namespace txgraph::engine {

using txlog::CaptureMode;
using txlog::Change;
using txlog::ChangeEntity;
using txlog::ChangeOperation;
using txlog::EntityState;

namespace {

template <typename Entity>
void remember(detail::TxnState& s, std::unordered_map<std::uint64_t, std::optional<Entity>>& states,
              const Entity* before, std::uint64_t id, bool node) {
  if (s.capture_mode == CaptureMode::kOff) return;
  auto [it, inserted] = states.try_emplace(id);
  if (!inserted) return;  // the state at transaction start was noted at the first touch
  if (before) it->second = *before;
  s.capture_order.push_back({node, id});
}

std::vector<std::string> minus(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<std::string> out;
  for (const auto& x : a) {
    if (std::find(b.begin(), b.end(), x) == b.end()) out.push_back(x);
  }
  return out;
}

// DIFF: before holds what was removed or overwritten, after what was added or overwritten.
void diff_states(const std::vector<std::string>& old_labels, const Properties& old_props,
                 const std::vector<std::string>& new_labels, const Properties& new_props, EntityState& before,
                 EntityState& after) {
  before.labels = minus(old_labels, new_labels);
  after.labels = minus(new_labels, old_labels);
  for (const auto& [key, value] : old_props) {
    auto it = new_props.find(key);
    if (it == new_props.end() || !(it->second == value)) before.properties.emplace(key, value);
  }
  for (const auto& [key, value] : new_props) {
    auto it = old_props.find(key);
    if (it == old_props.end() || !(it->second == value)) after.properties.emplace(key, value);
  }
}

ChangeOperation operation_of(bool had_before, bool has_after) {
  if (!had_before) return ChangeOperation::kCreate;
  if (!has_after) return ChangeOperation::kDelete;
  return ChangeOperation::kUpdate;
}

// A relationship's endpoint as it is at commit, or as it was if the transaction deleted it.
txlog::NodeReference endpoint(detail::TxnState& s, std::uint64_t id) {
  txlog::NodeReference ref;
  ref.id = id;
  std::optional<Node> node = load_node(s, id);
  if (!node) {
    auto it = s.nodes_before.find(id);
    if (it != s.nodes_before.end()) node = it->second;
  }
  if (node) {
    ref.labels = node->labels;
    ref.keys = key_values(s, *node);
  }
  return ref;
}

// Whether a node this transaction created still exists, found without decoding it; nullopt
// when key constraints exist, since its keys must then be read from its properties.
std::optional<bool> created_node_exists(detail::TxnState& s, std::uint64_t id) {
  if (!schema(s).empty()) return std::nullopt;
  std::string key;
  append_be64(key, id);
  return mdb_get(s.txn, s.db->env->tables().nodes, key).has_value();
}

std::optional<Change> node_change(detail::TxnState& s, std::uint64_t id) {
  std::optional<Node>& before = s.nodes_before.at(id);
  if (!before) {
    if (auto exists = created_node_exists(s, id)) {
      if (!*exists) return std::nullopt;  // created and deleted here
      // The record's operations carry the labels and the state; nothing to read back.
      Change c;
      c.entity = ChangeEntity::kNode;
      c.id = id;
      c.operation = ChangeOperation::kCreate;
      c.after_from_operations = true;
      return c;
    }
  }
  std::optional<Node> after = load_node(s, id);
  if (!before && !after) return std::nullopt;  // created and deleted here
  if (before && after && before->labels == after->labels && before->properties == after->properties)
    return std::nullopt;  // changed and changed back
  Change c;
  c.entity = ChangeEntity::kNode;
  c.id = id;
  c.operation = operation_of(before.has_value(), after.has_value());
  const Node& current = after ? *after : *before;
  c.labels = current.labels;
  c.keys = key_values(s, current);
  if (c.operation == ChangeOperation::kUpdate && s.capture_mode == CaptureMode::kDiff) {
    c.before.emplace();
    c.after.emplace();
    diff_states(before->labels, before->properties, after->labels, after->properties, *c.before, *c.after);
  } else if (c.operation == ChangeOperation::kCreate) {
    c.after_from_operations = true;  // the record's operations say it already
  } else if (after) {
    // An update: the node still exists, so a relationship's change reads its endpoint from
    // the store, never from `before`, which can therefore be moved.
    c.before = EntityState{std::move(before->labels), std::move(before->properties)};
    c.after = EntityState{std::move(after->labels), std::move(after->properties)};
  } else {
    // A delete: a relationship deleted with it still needs this node's labels and keys.
    c.before = EntityState{before->labels, before->properties};
  }
  return c;
}

std::optional<Change> relationship_change(detail::TxnState& s, std::uint64_t id) {
  std::optional<Relationship>& before = s.relationships_before.at(id);
  std::optional<Relationship> after = load_relationship(s, id);
  if (!before && !after) return std::nullopt;
  if (before && after && before->properties == after->properties) return std::nullopt;
  Change c;
  c.entity = ChangeEntity::kRelationship;
  c.id = id;
  c.operation = operation_of(before.has_value(), after.has_value());
  const Relationship& current = after ? *after : *before;
  c.type = current.type;
  c.start = endpoint(s, current.start.value);
  c.end = endpoint(s, current.end.value);
  c.keys = key_values(s, current);
  if (c.operation == ChangeOperation::kUpdate && s.capture_mode == CaptureMode::kDiff) {
    c.before.emplace();
    c.after.emplace();
    diff_states({}, before->properties, {}, after->properties, *c.before, *c.after);
  } else if (c.operation == ChangeOperation::kCreate) {
    c.after_from_operations = true;
  } else {
    if (before) c.before = EntityState{{}, std::move(before->properties)};
    if (after) c.after = EntityState{{}, std::move(after->properties)};
  }
  return c;
}

}  // namespace

void note_before(detail::TxnState& s, const Node* before, std::uint64_t id) {
  remember(s, s.nodes_before, before, id, true);
}

void note_before(detail::TxnState& s, const Relationship* before, std::uint64_t id) {
  remember(s, s.relationships_before, before, id, false);
}

txlog::Enrichment build_enrichment(detail::TxnState& s, std::uint64_t generation) {
  txlog::Enrichment e;
  e.generation = generation;
  e.changes.reserve(s.capture_order.size());
  for (const auto& touched : s.capture_order) {
    auto change = touched.node ? node_change(s, touched.id) : relationship_change(s, touched.id);
    if (change) e.changes.push_back(std::move(*change));
  }
  return e;
}

}  // namespace txgraph::engine
