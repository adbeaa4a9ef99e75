#include "cdc/change_event.h"

#include <algorithm>
#include <charconv>

#include "cdc/json_values.h"
#include "txlog/segment_format.h"
#include "txlog/text_formats.h"

namespace txgraph {

namespace {

using json::Json;

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
Json node_keys_json(const std::vector<ChangeKey>& keys, ValueForm form) {
  Json out = Json::object();
  for (const auto& k : keys) {
    Json& list = out[k.label];
    if (list.is_null()) list = Json::array();
    list.push_back(json::json_from_properties(k.properties, form));
  }
  return out;
}

// Relationship keys: a list of key maps.
Json relationship_keys_json(const std::vector<ChangeKey>& keys, ValueForm form) {
  Json out = Json::array();
  for (const auto& k : keys) out.push_back(json::json_from_properties(k.properties, form));
  return out;
}

Json node_ref_json(const ChangeNodeRef& ref, ValueForm form) {
  Json out = Json::object();
  out["elementId"] = ref.element_id;
  out["labels"] = ref.labels;
  out["keys"] = node_keys_json(ref.keys, form);
  return out;
}

Json state_json(const std::optional<ChangeState>& state, bool node, ValueForm form) {
  if (!state) return nullptr;
  Json out = Json::object();
  if (node) out["labels"] = state->labels;
  out["properties"] = json::json_from_properties(state->properties, form);
  return out;
}

bool any_typed(const Properties& properties) {
  for (const auto& [key, value] : properties)
    if (json::loses_type(value, ValueForm::kNeo4j)) return true;
  return false;
}

bool any_typed(const std::vector<ChangeKey>& keys) {
  for (const auto& k : keys)
    if (any_typed(k.properties)) return true;
  return false;
}

}  // namespace

namespace cdc {

namespace {

// "n:42" / "r:7", as txgraph::element_id writes them, into a reused string.
void write_element_id(char prefix, std::uint64_t id, std::string& out) {
  char text[24] = {prefix, ':'};
  auto end = std::to_chars(text + 2, text + sizeof text, id).ptr;
  out.assign(text, end);
}

}  // namespace

EventBuilder::EventBuilder(const ChangePosition& id_base, std::string_view database_name)
    : position_(id_base),
      database_name_(database_name),
      server_id_(server_id_of(id_base.database_uuid)) {}

std::string server_id_of(std::string_view database_uuid) {
  return txlog::uuid_to_text(database_uuid).substr(0, 8);
}

void EventBuilder::build_keys(std::string_view keys, std::vector<ChangeKey>& out) {
  txlog::ByteReader in(keys, "keys");
  std::size_t n = keys.empty() ? 0 : static_cast<std::size_t>(in.varint());
  for (std::size_t i = n; i < out.size(); ++i) maps_.clear(out[i].properties);
  out.resize(n);
  for (auto& key : out) {
    key.label.assign(in.str());
    maps_.decode(txlog::skip_properties(in), key.properties);
  }
}

void EventBuilder::build_node_reference(const txlog::NodeReferenceView& from, ChangeNodeRef& out) {
  write_element_id('n', from.id, out.element_id);
  txlog::decode_names_into(from.labels, out.labels);
  build_keys(from.keys, out.keys);
}

void EventBuilder::clear_node_reference(ChangeNodeRef& out) {
  out.element_id.clear();
  out.labels.clear();
  build_keys({}, out.keys);
}

// States of earlier events are kept aside rather than destroyed, with their buffers.
ChangeState& EventBuilder::present(std::optional<ChangeState>& state) {
  if (!state) {
    if (spare_states_.empty()) {
      state.emplace();
    } else {
      state.emplace(std::move(spare_states_.back()));
      spare_states_.pop_back();
    }
  }
  return *state;
}

void EventBuilder::absent(std::optional<ChangeState>& state) {
  if (!state) return;
  spare_states_.push_back(std::move(*state));
  state.reset();
}

void EventBuilder::build_state(const txlog::StateView& from, bool node, std::optional<ChangeState>& out) {
  if (!from.present) return absent(out);
  ChangeState& state = present(out);
  // Relationships have no labels.
  if (node)
    txlog::decode_names_into(from.labels, state.labels);
  else
    state.labels.clear();
  maps_.decode(from.properties, state.properties);
}

// The entity did not exist before the transaction: its operations, applied in order, give
// its state at commit (txlog/FORMAT.md, "Enrichment").
void EventBuilder::build_created_state(txlog::TxRecordView& record, std::size_t seq, bool node, ChangeState& out) {
  out.labels.clear();
  // `out` still holds the previous event's properties, to be refilled in place: until the
  // first operation with properties, they stand for an empty state.
  bool empty = true;
  auto set_properties = [&](std::string_view properties) {
    if (!empty) return maps_.merge(properties, out.properties);
    maps_.decode(properties, out.properties);
    empty = false;
    for (auto it = out.properties.begin(); it != out.properties.end();)
      it = it->second.is_null() ? maps_.erase(out.properties, it) : std::next(it);
  };
  const auto& operations = record.operations();
  auto add_labels = [&](std::string_view names) {
    txlog::NameCursor cursor(names);
    while (cursor.next()) out.labels.emplace_back(cursor.name());
  };
  for (std::uint32_t index : record.operations_on(seq)) {
    const txlog::OperationView& op = operations[index];
    switch (op.code) {
      case txlog::OpCode::kCreateNode:
        add_labels(op.names);
        set_properties(op.properties);
        break;
      case txlog::OpCode::kCreateRelationship:
      case txlog::OpCode::kSetNodeProperties:
      case txlog::OpCode::kSetRelationshipProperties:
        set_properties(op.properties);
        break;
      case txlog::OpCode::kRemoveNodeProperties:
      case txlog::OpCode::kRemoveRelationshipProperties: {
        txlog::NameCursor cursor(op.names);
        while (!empty && cursor.next()) maps_.erase(out.properties, cursor.name());
        break;
      }
      case txlog::OpCode::kAddLabels:
        add_labels(op.names);
        break;
      case txlog::OpCode::kRemoveLabels:
        std::erase_if(out.labels, [&](const std::string& label) { return txlog::names_contain(op.names, label); });
        break;
      default:
        break;
    }
  }
  if (empty) maps_.clear(out.properties);
  if (!node) {
    out.labels.clear();
    return;
  }
  // Labels as the store keeps them: sorted, each once.
  std::sort(out.labels.begin(), out.labels.end());
  out.labels.erase(std::unique(out.labels.begin(), out.labels.end()), out.labels.end());
}

void EventBuilder::build_common(const txlog::TxHeaderView& header, std::size_t seq, ChangeEvent& out) {
  position_.tx_id = header.tx_id;
  position_.seq = static_cast<std::int64_t>(seq);
  position_.commit_time_us = header.commit_time_us;
  encode_change_id(position_, id_bytes_, out.id);
  // The metadata is the transaction's: built once for all of its changes.
  bool same_transaction =
      out.tx_id == header.tx_id && seq > out.seq && out.metadata.tx_commit_time_us == header.commit_time_us;
  out.tx_id = header.tx_id;
  out.seq = static_cast<std::uint32_t>(seq);
  auto& m = out.metadata;
  m.capture_mode = header.capture_mode;
  if (!same_transaction) {
    m.database_name.assign(database_name_);
    m.server_id.assign(server_id_);
    m.executing_user.assign(header.user);
    m.authenticated_user.assign(header.authenticated_user);
    if (header.connection_type.empty())
      m.connection_type.assign("embedded");
    else
      m.connection_type.assign(header.connection_type);
    m.connection_client.assign(header.connection_client);
    m.connection_server.assign(header.connection_server);
    m.tx_start_time_us = header.start_time_us;
    m.tx_commit_time_us = header.commit_time_us;
    maps_.decode(header.metadata, m.tx_metadata);
  }
}

void EventBuilder::build_schema(txlog::TxRecordView& record, const txlog::OperationView& op, std::size_t seq,
                                ChangeEvent& out) {
  build_common(record.header(), seq, out);
  out.operation = op.code == txlog::OpCode::kDropKey ? ChangeOperation::kDelete : ChangeOperation::kCreate;
  KeyConstraint& key = out.constraint.emplace();
  key.kind = op.key_kind == 2 ? EntityKind::kRelationship : EntityKind::kNode;
  key.label_or_type.assign(op.type);
  txlog::decode_names_into(op.names, key.properties);
  out.kind = key.kind;
  out.element_id.clear();
  out.labels.clear();
  out.keys.clear();
  out.type.clear();
  clear_node_reference(out.start);
  clear_node_reference(out.end);
  absent(out.before);
  absent(out.after);
}

void EventBuilder::build(txlog::TxRecordView& record, std::size_t seq, ChangeEvent& out) {
  const txlog::ChangeView& change = record.changes()[seq];
  build_common(record.header(), seq, out);
  out.constraint.reset();
  bool node = change.entity == txlog::ChangeEntity::kNode;
  out.kind = node ? EntityKind::kNode : EntityKind::kRelationship;
  out.operation = operation_of(change.operation);
  build_keys(change.keys, out.keys);
  write_element_id(node ? 'n' : 'r', change.id, out.element_id);
  if (node) {
    out.type.clear();
    clear_node_reference(out.start);
    clear_node_reference(out.end);
  } else {
    out.labels.clear();
    out.type.assign(change.type);
    build_node_reference(change.start, out.start);
    build_node_reference(change.end, out.end);
  }
  build_state(change.before, node, out.before);
  if (change.after_from_operations) {
    ChangeState& after = present(out.after);
    build_created_state(record, seq, node, after);
    if (node) out.labels = after.labels;
  } else {
    build_state(change.after, node, out.after);
    if (node) txlog::decode_names_into(change.labels, out.labels);
  }
}

}  // namespace cdc

bool change_event_has_typed_values(const ChangeEvent& e) {
  return any_typed(e.keys) || any_typed(e.start.keys) || any_typed(e.end.keys) ||
         (e.before && any_typed(e.before->properties)) || (e.after && any_typed(e.after->properties)) ||
         any_typed(e.metadata.tx_metadata);
}

std::string change_event_json(const ChangeEvent& e, ValueForm form) {
  bool node = e.kind == EntityKind::kNode;
  Json metadata = Json::object();
  metadata["captureMode"] = std::string(enrichment_mode_name(e.metadata.capture_mode));
  metadata["databaseName"] = e.metadata.database_name;
  metadata["serverId"] = e.metadata.server_id;
  metadata["connectionType"] = e.metadata.connection_type;
  metadata["connectionClient"] = e.metadata.connection_client.empty() ? Json() : Json(e.metadata.connection_client);
  metadata["connectionServer"] = e.metadata.connection_server.empty() ? Json() : Json(e.metadata.connection_server);
  metadata["executingUser"] = e.metadata.executing_user;
  metadata["authenticatedUser"] = e.metadata.authenticated_user;
  metadata["txStartTime"] = txlog::iso8601_utc(e.metadata.tx_start_time_us);
  metadata["txCommitTime"] = txlog::iso8601_utc(e.metadata.tx_commit_time_us);
  metadata["txMetadata"] = json::json_from_properties(e.metadata.tx_metadata, form);

  Json event = Json::object();
  if (e.constraint) {
    // A schema event: the constraint named as a schema line of `txgraph run` names it.
    event["eventType"] = "s";
    event["operation"] = operation_text(e.operation);
    Json constraint = Json::object();
    constraint["kind"] = "key";
    constraint[e.constraint->kind == EntityKind::kNode ? "label" : "type"] = e.constraint->label_or_type;
    constraint["properties"] = e.constraint->properties;
    event["constraint"] = std::move(constraint);
  } else {
    event["elementId"] = e.element_id;
    event["eventType"] = node ? "n" : "r";
    event["operation"] = operation_text(e.operation);
    if (node) {
      event["labels"] = e.labels;
      event["keys"] = node_keys_json(e.keys, form);
    } else {
      event["type"] = e.type;
      event["start"] = node_ref_json(e.start, form);
      event["end"] = node_ref_json(e.end, form);
      event["keys"] = relationship_keys_json(e.keys, form);
    }
    Json state = Json::object();
    state["before"] = state_json(e.before, node, form);
    state["after"] = state_json(e.after, node, form);
    event["state"] = std::move(state);
  }

  Json out = Json::object();
  out["id"] = e.id;
  out["txId"] = e.tx_id;
  out["seq"] = e.seq;
  if (e.snapshot) out["snapshot"] = true;
  out["metadata"] = std::move(metadata);
  out["event"] = std::move(event);
  return json::json_line(out);
}

}  // namespace txgraph
