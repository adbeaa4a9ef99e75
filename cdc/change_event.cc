#include "cdc/change_event.h"

#include "cdc/json_values.h"
#include "txlog/text_formats.h"

namespace txgraph {

namespace {

using json::Json;

ChangeKey key_of(const txlog::KeyValues& key) { return ChangeKey{key.label, key.properties}; }

void copy_keys(const std::vector<txlog::KeyValues>& from, std::vector<ChangeKey>& to) {
  to.clear();
  to.reserve(from.size());
  for (const auto& k : from) to.push_back(key_of(k));
}

void set_state(std::optional<txlog::EntityState>& state, bool node, bool take, std::optional<ChangeState>& out) {
  if (!state) {
    out.reset();
    return;
  }
  out.emplace();
  if (take) {
    if (node) out->labels = std::move(state->labels);
    out->properties = std::move(state->properties);
  } else {
    if (node) out->labels = state->labels;
    out->properties = state->properties;
  }
}

ChangeOperation operation_of(txlog::ChangeOperation op) {
  switch (op) {
    case txlog::ChangeOperation::kCreate:
      return ChangeOperation::kCreate;
    case txlog::ChangeOperation::kUpdate:
      return ChangeOperation::kUpdate;
    case txlog::ChangeOperation::kDelete:
      return ChangeOperation::kDelete;
  }
  return ChangeOperation::kUpdate;
}

EnrichmentMode mode_of(txlog::CaptureMode mode) { return static_cast<EnrichmentMode>(mode); }

const char* operation_text(ChangeOperation op) {
  switch (op) {
    case ChangeOperation::kCreate:
      return "c";
    case ChangeOperation::kUpdate:
      return "u";
    case ChangeOperation::kDelete:
      return "d";
  }
  return "?";
}

// Node keys as Neo4j writes them: label -> the key maps of the constraints on that label.
Json node_keys_json(const std::vector<ChangeKey>& keys) {
  Json out = Json::object();
  for (const auto& k : keys) {
    Json& list = out[k.label];
    if (list.is_null()) list = Json::array();
    list.push_back(json::json_from_properties(k.properties));
  }
  return out;
}

// Relationship keys: a list of key maps.
Json relationship_keys_json(const std::vector<ChangeKey>& keys) {
  Json out = Json::array();
  for (const auto& k : keys) out.push_back(json::json_from_properties(k.properties));
  return out;
}

Json node_ref_json(const ChangeNodeRef& ref) {
  Json out = Json::object();
  out["elementId"] = ref.element_id;
  out["labels"] = ref.labels;
  out["keys"] = node_keys_json(ref.keys);
  return out;
}

Json state_json(const std::optional<ChangeState>& state, bool node) {
  if (!state) return nullptr;
  Json out = Json::object();
  if (node) out["labels"] = state->labels;
  out["properties"] = json::json_from_properties(state->properties);
  return out;
}

}  // namespace

namespace cdc {

void build_change_event(const txlog::TxHeader& header, txlog::Change& change, std::uint32_t seq,
                        const ChangePosition& id_base, std::string_view database_name, bool take_states,
                        ChangeEvent& out) {
  ChangePosition position = id_base;
  position.tx_id = header.tx_id;
  position.seq = seq;
  position.commit_time_us = header.commit_time_us;
  out.id = encode_change_id(position);
  // The metadata is the transaction's: built once for all of its changes.
  bool same_transaction =
      out.tx_id == header.tx_id && seq > out.seq && out.metadata.tx_commit_time_us == header.commit_time_us;
  out.tx_id = header.tx_id;
  out.seq = seq;
  if (!same_transaction) {
    auto& m = out.metadata;
    m.capture_mode = mode_of(header.capture_mode);
    m.database_name.assign(database_name);
    m.executing_user = header.user;
    m.authenticated_user = header.authenticated_user;
    m.tx_start_time_us = header.start_time_us;
    m.tx_commit_time_us = header.commit_time_us;
    m.tx_metadata = header.metadata;
  } else {
    out.metadata.capture_mode = mode_of(header.capture_mode);
  }

  bool node = change.entity == txlog::ChangeEntity::kNode;
  out.kind = node ? EntityKind::kNode : EntityKind::kRelationship;
  out.operation = operation_of(change.operation);
  copy_keys(change.keys, out.keys);
  if (node) {
    out.element_id = element_id(NodeId{change.id});
    out.labels = change.labels;
    out.type.clear();
    out.start = {};
    out.end = {};
  } else {
    out.element_id = element_id(RelationshipId{change.id});
    out.labels.clear();
    out.type = change.type;
    auto ref = [](const txlog::NodeReference& r, ChangeNodeRef& to) {
      to.element_id = element_id(NodeId{r.id});
      to.labels = r.labels;
      copy_keys(r.keys, to.keys);
    };
    ref(change.start, out.start);
    ref(change.end, out.end);
  }
  set_state(change.before, node, take_states, out.before);
  set_state(change.after, node, take_states, out.after);
}

}  // namespace cdc

std::string change_event_json(const ChangeEvent& e) {
  bool node = e.kind == EntityKind::kNode;
  Json metadata = Json::object();
  metadata["captureMode"] = std::string(enrichment_mode_name(e.metadata.capture_mode));
  metadata["databaseName"] = e.metadata.database_name;
  metadata["executingUser"] = e.metadata.executing_user;
  metadata["authenticatedUser"] = e.metadata.authenticated_user;
  metadata["txStartTime"] = txlog::iso8601_utc(e.metadata.tx_start_time_us);
  metadata["txCommitTime"] = txlog::iso8601_utc(e.metadata.tx_commit_time_us);
  metadata["txMetadata"] = json::json_from_properties(e.metadata.tx_metadata);

  Json event = Json::object();
  event["elementId"] = e.element_id;
  event["eventType"] = node ? "n" : "r";
  event["operation"] = operation_text(e.operation);
  if (node) {
    event["labels"] = e.labels;
    event["keys"] = node_keys_json(e.keys);
  } else {
    event["type"] = e.type;
    event["start"] = node_ref_json(e.start);
    event["end"] = node_ref_json(e.end);
    event["keys"] = relationship_keys_json(e.keys);
  }
  Json state = Json::object();
  state["before"] = state_json(e.before, node);
  state["after"] = state_json(e.after, node);
  event["state"] = std::move(state);

  Json out = Json::object();
  out["id"] = e.id;
  out["txId"] = e.tx_id;
  out["seq"] = e.seq;
  out["metadata"] = std::move(metadata);
  out["event"] = std::move(event);
  return json::json_line(out);
}

}  // namespace txgraph
