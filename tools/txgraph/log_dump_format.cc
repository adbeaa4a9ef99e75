#include "tools/txgraph/log_dump_format.h"

#include "tools/txgraph/json_text.h"
#include "txlog/log_inspect.h"

namespace txgraph::cli {

using namespace txlog;

namespace {

void append_keys(std::string& out, const std::vector<KeyValues>& keys) {
  out += '[';
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) out += ',';
    JsonObject key(out);
    append_json_string(key.key("label"), keys[i].label);
    append_json_properties(key.key("properties"), keys[i].properties);
    key.close();
  }
  out += ']';
}

void append_state(std::string& out, const std::optional<EntityState>& state) {
  if (!state) {
    out += "null";
    return;
  }
  JsonObject object(out);
  append_json_names(object.key("labels"), state->labels);
  append_json_properties(object.key("properties"), state->properties);
  object.close();
}

void append_node_reference(std::string& out, const NodeReference& node) {
  JsonObject object(out);
  append_json_uint(object.key("id"), node.id);
  append_json_names(object.key("labels"), node.labels);
  append_keys(object.key("keys"), node.keys);
  object.close();
}

// The fields of an operation after its "op".
void append_op_fields(JsonObject& object, const RedoOp& op) {
  switch (op.code) {
    case OpCode::kCreateNode:
      append_json_uint(object.key("id"), op.id);
      append_json_names(object.key("labels"), op.names);
      append_json_properties(object.key("properties"), op.properties);
      break;
    case OpCode::kDeleteNode:
    case OpCode::kDeleteRelationship:
      append_json_uint(object.key("id"), op.id);
      break;
    case OpCode::kSetNodeProperties:
    case OpCode::kSetRelationshipProperties:
      append_json_uint(object.key("id"), op.id);
      append_json_properties(object.key("properties"), op.properties);
      break;
    case OpCode::kRemoveNodeProperties:
    case OpCode::kRemoveRelationshipProperties:
      append_json_uint(object.key("id"), op.id);
      append_json_names(object.key("keys"), op.names);
      break;
    case OpCode::kAddLabels:
    case OpCode::kRemoveLabels:
      append_json_uint(object.key("id"), op.id);
      append_json_names(object.key("labels"), op.names);
      break;
    case OpCode::kCreateRelationship:
      append_json_uint(object.key("id"), op.id);
      append_json_string(object.key("type"), op.type);
      append_json_uint(object.key("start"), op.start);
      append_json_uint(object.key("end"), op.end);
      append_json_properties(object.key("properties"), op.properties);
      break;
    case OpCode::kCreateKey:
      append_json_string(object.key("kind"), op.key_kind == 2 ? "relationship" : "node");
      append_json_string(object.key("labelOrType"), op.type);
      append_json_names(object.key("properties"), op.names);
      break;
  }
}

const char* operation_name(ChangeOperation operation) {
  static const char* const kOperations[] = {"?", "create", "update", "delete"};
  return kOperations[static_cast<unsigned>(operation) & 3];
}

// The fields of a change after its entity, operation and id.
void append_change_fields(JsonObject& object, const Change& change) {
  if (change.entity == ChangeEntity::kNode) {
    append_json_names(object.key("labels"), change.labels);
  } else {
    append_json_string(object.key("type"), change.type);
    append_node_reference(object.key("start"), change.start);
    append_node_reference(object.key("end"), change.end);
  }
  append_keys(object.key("keys"), change.keys);
  append_state(object.key("before"), change.before);
  append_state(object.key("after"), change.after);
}

// The fields of a record that is not a transaction, after type, segment and offset.
void append_other_fields(JsonObject& object, const DumpRecord& record) {
  switch (record.frame->type) {
    case RecordType::kTransaction:
      break;
    case RecordType::kCheckpoint:
      append_json_uint(object.key("lastAppliedTx"), record.checkpoint.last_applied_tx);
      append_json_time(object.key("time"), record.checkpoint.time_us);
      break;
    case RecordType::kEnrichmentChange: {
      const auto& r = record.enrichment_change;
      append_json_string(object.key("from"), capture_mode_name(r.from));
      append_json_string(object.key("to"), capture_mode_name(r.to));
      append_json_uint(object.key("generation"), r.generation);
      append_json_uint(object.key("nextTx"), r.next_tx);
      append_json_time(object.key("time"), r.time_us);
      break;
    }
    case RecordType::kImportNotice: {
      const auto& r = record.import_notice;
      append_json_uint(object.key("importNumber"), r.import_number);
      append_json_time(object.key("time"), r.time_us);
      append_json_uint(object.key("afterTx"), r.after_tx);
      append_json_uint(object.key("nodes"), r.nodes);
      append_json_uint(object.key("relationships"), r.relationships);
      append_json_uint(object.key("firstNodeId"), r.first_node_id);
      append_json_uint(object.key("firstRelationshipId"), r.first_relationship_id);
      append_json_names(object.key("files"), r.files);
      break;
    }
  }
}

// "  LABEL<padded to 30> " as the text form's lines begin.
void append_label(std::string& out, std::string_view label) {
  out += "  ";
  out += label;
  if (label.size() < 30) out.append(30 - label.size(), ' ');
  out += ' ';
}

void append_where(std::string& out, const DumpRecord& record) {
  out += "[segment ";
  append_json_uint(out, record.segment);
  out += " offset ";
  append_json_uint(out, record.frame->offset);
  out += ']';
}

}  // namespace

void DumpRecord::decode_other(std::uint64_t segment_number, const Frame& record_frame) {
  segment = segment_number;
  frame = &record_frame;
  tx = nullptr;
  switch (record_frame.type) {
    case RecordType::kTransaction:
      break;
    case RecordType::kCheckpoint:
      checkpoint = decode_checkpoint(record_frame.payload);
      time_us = checkpoint.time_us;
      break;
    case RecordType::kEnrichmentChange:
      enrichment_change = decode_enrichment_change(record_frame.payload);
      time_us = enrichment_change.time_us;
      break;
    case RecordType::kImportNotice:
      import_notice = decode_import_notice(record_frame.payload);
      time_us = import_notice.time_us;
      break;
  }
}

void DumpRecord::set_transaction(std::uint64_t segment_number, const Frame& record_frame, const TxRecord& record) {
  segment = segment_number;
  frame = &record_frame;
  tx = &record;
  time_us = record.header.commit_time_us;
}

void append_record_json(std::string& out, const DumpRecord& record) {
  JsonObject object(out);
  append_json_string(object.key("type"), record_type_name(record.frame->type));
  append_json_uint(object.key("segment"), record.segment);
  append_json_uint(object.key("offset"), record.frame->offset);
  if (record.tx == nullptr) {
    append_other_fields(object, record);
    object.close();
    out += '\n';
    return;
  }
  const TxRecord& tx = *record.tx;
  append_json_uint(object.key("txId"), tx.header.tx_id);
  append_json_time(object.key("startTime"), tx.header.start_time_us);
  append_json_time(object.key("commitTime"), tx.header.commit_time_us);
  append_json_string(object.key("captureMode"), capture_mode_name(tx.header.capture_mode));
  append_json_string(object.key("user"), tx.header.user);
  append_json_string(object.key("authenticatedUser"), tx.header.authenticated_user);
  append_json_properties(object.key("metadata"), tx.header.metadata);
  out += ",\"ops\":[";
  for (std::size_t i = 0; i < tx.ops.size(); ++i) {
    if (i > 0) out += ',';
    JsonObject op(out);
    append_json_string(op.key("op"), op_code_name(tx.ops[i].code));
    append_op_fields(op, tx.ops[i]);
    op.close();
  }
  out += ']';
  if (tx.enrichment) {
    out += ",\"enrichment\":{\"generation\":";
    append_json_uint(out, tx.enrichment->generation);
    out += ",\"changes\":[";
    for (std::size_t i = 0; i < tx.enrichment->changes.size(); ++i) {
      const Change& change = tx.enrichment->changes[i];
      if (i > 0) out += ',';
      JsonObject object_of_change(out);
      append_json_string(object_of_change.key("entity"), change.entity == ChangeEntity::kNode ? "node" : "relationship");
      append_json_string(object_of_change.key("operation"), operation_name(change.operation));
      append_json_uint(object_of_change.key("id"), change.id);
      append_change_fields(object_of_change, change);
      object_of_change.close();
    }
    out += "]}";
  }
  object.close();
  out += '\n';
}

void append_record_text(std::string& out, const DumpRecord& record, bool color) {
  constexpr std::string_view kTxColor = "\x1b[1;36m", kOtherColor = "\x1b[33m", kReset = "\x1b[0m";
  if (record.tx == nullptr) {
    if (color) out.append(kOtherColor);
    out.append(record_type_name(record.frame->type));
    if (color) out.append(kReset);
    out += "  ";
    JsonObject fields(out);
    append_other_fields(fields, record);
    fields.close();
    out += "  ";
    append_where(out, record);
    out += '\n';
    return;
  }
  const TxRecord& tx = *record.tx;
  const TxHeader& header = tx.header;
  if (color) out.append(kTxColor);
  out += "tx ";
  append_json_uint(out, header.tx_id);
  if (color) out.append(kReset);
  out += "  ";
  append_iso8601_utc(out, header.commit_time_us);
  out += "  ";
  out.append(capture_mode_name(header.capture_mode));
  out += "  user ";
  out.append(header.user);
  if (header.authenticated_user != header.user && !header.authenticated_user.empty()) {
    out += " (as ";
    out.append(header.authenticated_user);
    out += ')';
  }
  out += "  ";
  append_where(out, record);
  out += '\n';
  append_label(out, "started");
  append_iso8601_utc(out, header.start_time_us);
  out += '\n';
  if (!header.metadata.empty()) {
    append_label(out, "metadata");
    append_json_properties(out, header.metadata);
    out += '\n';
  }
  for (const RedoOp& op : tx.ops) {
    append_label(out, op_code_name(op.code));
    JsonObject fields(out);
    append_op_fields(fields, op);
    fields.close();
    out += '\n';
  }
  if (!tx.enrichment) return;
  append_label(out, "enrichment generation");
  append_json_uint(out, tx.enrichment->generation);
  out += '\n';
  std::string label;
  for (const Change& change : tx.enrichment->changes) {
    label = "change ";
    label += operation_name(change.operation);
    label += change.entity == ChangeEntity::kNode ? " n:" : " r:";
    append_json_uint(label, change.id);
    append_label(out, label);
    JsonObject fields(out);
    append_change_fields(fields, change);
    fields.close();
    out += '\n';
  }
}

}  // namespace txgraph::cli
