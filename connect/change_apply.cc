// Change events read back from JSON and applied to a replica (connect/change_apply.h).
#include "connect/change_apply.h"

#include <fmt/format.h>

#include <algorithm>

#include "cdc/json_values.h"

namespace txgraph::connect {

namespace {

using json::Json;

[[noreturn]] void bad_event(std::string_view what) {
  throw Error(ErrorCode::kCorruption, fmt::format("not a change event: {}", what));
}

const Json& field(const Json& object, const char* name) {
  if (!object.is_object() || !object.contains(name)) bad_event(fmt::format("no field \"{}\"", name));
  return object.at(name);
}

std::string text_field(const Json& object, const char* name) {
  const Json& value = field(object, name);
  if (!value.is_string()) bad_event(fmt::format("field \"{}\" is not a string", name));
  return value.get<std::string>();
}

std::vector<std::string> names_field(const Json& object, const char* name) {
  const Json& value = field(object, name);
  std::vector<std::string> out;
  if (!value.is_array()) bad_event(fmt::format("field \"{}\" is not a list", name));
  for (const Json& item : value) {
    if (!item.is_string()) bad_event(fmt::format("field \"{}\" holds a non-string", name));
    out.push_back(item.get<std::string>());
  }
  return out;
}

Properties properties_field(const Json& object, const char* name) {
  try {
    return json::properties_from_json(field(object, name), name);
  } catch (const std::invalid_argument& e) {
    bad_event(e.what());
  }
}

std::optional<ChangeState> state_field(const Json& states, const char* name, bool node) {
  const Json& state = field(states, name);
  if (state.is_null()) return std::nullopt;
  ChangeState out;
  if (node) out.labels = names_field(state, "labels");
  out.properties = properties_field(state, "properties");
  return out;
}

ChangeOperation operation_of(const std::string& text) {
  if (text == "c") return ChangeOperation::kCreate;
  if (text == "u") return ChangeOperation::kUpdate;
  if (text == "d") return ChangeOperation::kDelete;
  bad_event(fmt::format("operation \"{}\" is not c, u or d", text));
}

NodeId node_id_of(const std::string& element_id) {
  auto id = parse_node_element_id(element_id);
  if (!id) throw Error(ErrorCode::kInvalidArgument, fmt::format("change names node \"{}\", not a node id", element_id));
  return *id;
}

RelationshipId relationship_id_of(const std::string& element_id) {
  auto id = parse_relationship_element_id(element_id);
  if (!id)
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("change names relationship \"{}\", not a relationship id", element_id));
  return *id;
}

const ChangeState kEmptyState;

std::vector<std::string> minus(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<std::string> out;
  for (const auto& x : a)
    if (std::find(b.begin(), b.end(), x) == b.end()) out.push_back(x);
  return out;
}

// What an update takes away: the properties whose value goes or changes, and the labels that
// go. Taken away from every entity of a transaction before anything is set, so that key values
// swapped between entities are free when they are set (keys are complete again at commit).
std::vector<std::string> changing_properties(const ChangeState& before, const ChangeState& after) {
  std::vector<std::string> out;
  for (const auto& [key, value] : before.properties) {
    auto it = after.properties.find(key);
    if (it == after.properties.end() || !(it->second == value)) out.push_back(key);
  }
  return out;
}

// The stages of one change, in apply_rank() order.
enum class Stage { kTakeAway, kSet };

void apply_node(WriteTransaction& tx, const ChangeEvent& e, Stage stage) {
  NodeId id = node_id_of(e.element_id);
  const ChangeState& before = e.before ? *e.before : kEmptyState;
  const ChangeState& after = e.after ? *e.after : kEmptyState;
  switch (e.operation) {
    case ChangeOperation::kCreate:
      tx.create_node_with_id(id, after.labels, after.properties);
      break;
    case ChangeOperation::kUpdate: {
      if (!tx.get_node(id))
        throw Error(ErrorCode::kNotFound,
                    fmt::format("the replica has no node {} to update (was it bulk imported into the source after "
                                "the replica's snapshot?)",
                                e.element_id));
      if (stage == Stage::kTakeAway) {
        if (auto gone = changing_properties(before, after); !gone.empty()) tx.remove_node_properties(id, gone);
        if (auto gone = minus(before.labels, after.labels); !gone.empty()) tx.remove_labels(id, gone);
        break;
      }
      Properties set;
      for (const auto& [key, value] : after.properties) {
        auto it = before.properties.find(key);
        if (it == before.properties.end() || !(it->second == value)) set.emplace(key, value);
      }
      if (!set.empty()) tx.set_node_properties(id, set);
      if (auto added = minus(after.labels, before.labels); !added.empty()) tx.add_labels(id, added);
      break;
    }
    case ChangeOperation::kDelete:
      tx.delete_node(id, false);
      break;
  }
}

void apply_relationship(WriteTransaction& tx, const ChangeEvent& e, Stage stage) {
  RelationshipId id = relationship_id_of(e.element_id);
  const ChangeState& before = e.before ? *e.before : kEmptyState;
  const ChangeState& after = e.after ? *e.after : kEmptyState;
  switch (e.operation) {
    case ChangeOperation::kCreate: {
      NodeId start = node_id_of(e.start.element_id);
      NodeId end = node_id_of(e.end.element_id);
      for (const auto& [node, name] : {std::pair{start, &e.start.element_id}, std::pair{end, &e.end.element_id}})
        if (!tx.get_node(node))
          throw Error(ErrorCode::kNotFound,
                      fmt::format("the replica has no node {} for relationship {} (was it bulk imported into the "
                                  "source after the replica's snapshot?)",
                                  *name, e.element_id));
      tx.create_relationship_with_id(id, e.type, start, end, after.properties);
      break;
    }
    case ChangeOperation::kUpdate: {
      if (stage == Stage::kTakeAway) {
        if (auto gone = changing_properties(before, after); !gone.empty()) tx.remove_relationship_properties(id, gone);
        break;
      }
      Properties set;
      for (const auto& [key, value] : after.properties) {
        auto it = before.properties.find(key);
        if (it == before.properties.end() || !(it->second == value)) set.emplace(key, value);
      }
      if (!set.empty()) tx.set_relationship_properties(id, set);
      break;
    }
    case ChangeOperation::kDelete:
      tx.delete_relationship(id);
      break;
  }
}

// The order that never needs what is not there yet and frees keys before they are taken:
// relationships deleted, then nodes deleted (ids are never reused, so nothing created here can
// be one of them), what updates take away (changed properties, removed labels), then what
// they set, nodes created, relationships updated, relationships created. Key constraints are
// checked for completeness at commit, so an entity may be without its key in between: a
// transaction that swaps key values between two entities applies.
int apply_rank(const ChangeEvent& e) {
  bool node = e.kind == EntityKind::kNode;
  switch (e.operation) {
    case ChangeOperation::kDelete:
      return node ? 1 : 0;
    case ChangeOperation::kUpdate:
      return node ? 3 : 5;
    case ChangeOperation::kCreate:
      return node ? 4 : 6;
  }
  return 7;
}

void apply_sorted(WriteTransaction& tx, const std::vector<ChangeEvent>& sorted) {
  // Every update's take-away first (rank 2 in the order above), then the rest in order.
  for (const auto& e : sorted) {
    if (e.operation != ChangeOperation::kUpdate) continue;
    if (e.kind == EntityKind::kNode)
      apply_node(tx, e, Stage::kTakeAway);
    else
      apply_relationship(tx, e, Stage::kTakeAway);
  }
  for (const auto& e : sorted) {
    if (e.kind == EntityKind::kNode)
      apply_node(tx, e, Stage::kSet);
    else
      apply_relationship(tx, e, Stage::kSet);
  }
}

}  // namespace

ChangeEvent parse_change_event_json(std::string_view text) {
  Json doc;
  try {
    doc = json::parse_json(text);
  } catch (const std::exception& e) {
    bad_event(fmt::format("the value is not JSON ({})", e.what()));
  }
  ChangeEvent out;
  out.id = text_field(doc, "id");
  const Json& tx = field(doc, "txId");
  const Json& seq = field(doc, "seq");
  if (!tx.is_number_unsigned() || !seq.is_number_unsigned()) bad_event("txId or seq is not a number");
  out.tx_id = tx.get<std::uint64_t>();
  out.seq = seq.get<std::uint32_t>();
  const Json& metadata = field(doc, "metadata");
  out.metadata.executing_user = text_field(metadata, "executingUser");
  out.metadata.authenticated_user = text_field(metadata, "authenticatedUser");
  out.metadata.tx_metadata = properties_field(metadata, "txMetadata");
  const Json& event = field(doc, "event");
  std::string type = text_field(event, "eventType");
  if (type == "s") {
    const Json& constraint = field(event, "constraint");
    if (text_field(constraint, "kind") != "key") bad_event("a schema event names a constraint that is not a key");
    KeyConstraint& key = out.constraint.emplace();
    bool node = constraint.contains("label");
    key.kind = node ? EntityKind::kNode : EntityKind::kRelationship;
    key.label_or_type = text_field(constraint, node ? "label" : "type");
    key.properties = names_field(constraint, "properties");
    out.kind = key.kind;
    out.operation = operation_of(text_field(event, "operation"));
    if (out.operation == ChangeOperation::kUpdate) bad_event("a schema event's operation is \"u\"");
    return out;
  }
  out.element_id = text_field(event, "elementId");
  if (type != "n" && type != "r") bad_event(fmt::format("eventType \"{}\" is not n, r or s", type));
  bool node = type == "n";
  out.kind = node ? EntityKind::kNode : EntityKind::kRelationship;
  out.operation = operation_of(text_field(event, "operation"));
  if (node) {
    out.labels = names_field(event, "labels");
  } else {
    out.type = text_field(event, "type");
    out.start.element_id = text_field(field(event, "start"), "elementId");
    out.end.element_id = text_field(field(event, "end"), "elementId");
  }
  const Json& states = field(event, "state");
  out.before = state_field(states, "before", node);
  out.after = state_field(states, "after", node);
  return out;
}

void apply_changes(WriteTransaction& tx, std::vector<ChangeEvent>& events) {
  // Schema events (in the transaction's order) go by their net effect: a key the transaction
  // found and dropped goes before any entity changes, a key it leaves created comes after
  // them all, when the entities hold their final values; a key created and dropped again is
  // not touched. A key the replica already has (or already lacks) is left as it is.
  struct KeyFate {
    KeyConstraint key;
    bool existed = false;  // the first event drops it
    bool remains = false;  // the last event creates it
  };
  std::vector<KeyFate> fates;
  for (const auto& e : events) {
    if (!e.constraint) continue;
    auto it = std::find_if(fates.begin(), fates.end(), [&](const KeyFate& f) { return same_key(f.key, *e.constraint); });
    if (it == fates.end()) it = fates.insert(fates.end(), {*e.constraint, e.operation == ChangeOperation::kDelete, false});
    it->remains = e.operation == ChangeOperation::kCreate;
  }
  std::erase_if(events, [](const ChangeEvent& e) { return e.constraint.has_value(); });
  auto has = [&](const KeyConstraint& key) {
    auto present = tx.key_constraints();
    return std::any_of(present.begin(), present.end(), [&](const KeyConstraint& k) { return same_key(k, key); });
  };
  for (const auto& f : fates)
    if (f.existed && has(f.key)) tx.drop_key(f.key);
  std::stable_sort(events.begin(), events.end(),
                   [](const ChangeEvent& a, const ChangeEvent& b) { return apply_rank(a) < apply_rank(b); });
  apply_sorted(tx, events);
  for (const auto& f : fates)
    if (f.remains && !has(f.key)) tx.create_key(f.key);
}

}  // namespace txgraph::connect
