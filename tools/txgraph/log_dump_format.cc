#include "tools/txgraph/log_dump_format.h"

#include <algorithm>
#include <cstring>

#include "tools/txgraph/encoded_json.h"
#include "tools/txgraph/json_text.h"
#include "txlog/log_inspect.h"
#include "txlog/value_codec.h"

namespace txgraph::cli {

using namespace txlog;

namespace {

void append_state(TextBuffer& out, const StateView& state) {
  if (!state.present) {
    out += "null";
    return;
  }
  JsonObject object(out);
  append_json_encoded_names(object.key("labels"), state.labels);
  append_json_encoded_properties(object.key("properties"), state.properties);
  object.close();
}

void append_names(TextBuffer& out, const std::vector<std::string_view>& names) {
  out += '[';
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    append_json_string(out, names[i]);
  }
  out += ']';
}

void append_created_state(TextBuffer& out, const CreatedState& state) {
  JsonObject object(out);
  append_names(object.key("labels"), state.labels());
  TextBuffer& properties = object.key("properties");
  properties += '{';
  bool first = true;
  for (const auto& [key, value] : state.properties()) {
    if (!first) properties += ',';
    first = false;
    append_json_string(properties, key);
    properties += ':';
    append_json_encoded_value(properties, value);
  }
  properties += '}';
  object.close();
}

void append_node_reference(TextBuffer& out, const NodeReferenceView& node) {
  JsonObject object(out);
  append_json_uint(object.key("id"), node.id);
  append_json_encoded_names(object.key("labels"), node.labels);
  append_json_encoded_keys(object.key("keys"), node.keys);
  object.close();
}

// The fields of an operation after its "op".
void append_op_fields(JsonObject& object, const OperationView& op) {
  switch (op.code) {
    case OpCode::kCreateNode:
      append_json_uint(object.key("id"), op.id);
      append_json_encoded_names(object.key("labels"), op.names);
      append_json_encoded_properties(object.key("properties"), op.properties);
      break;
    case OpCode::kDeleteNode:
    case OpCode::kDeleteRelationship:
      append_json_uint(object.key("id"), op.id);
      break;
    case OpCode::kSetNodeProperties:
    case OpCode::kSetRelationshipProperties:
      append_json_uint(object.key("id"), op.id);
      append_json_encoded_properties(object.key("properties"), op.properties);
      break;
    case OpCode::kRemoveNodeProperties:
    case OpCode::kRemoveRelationshipProperties:
      append_json_uint(object.key("id"), op.id);
      append_json_encoded_names(object.key("keys"), op.names);
      break;
    case OpCode::kAddLabels:
    case OpCode::kRemoveLabels:
      append_json_uint(object.key("id"), op.id);
      append_json_encoded_names(object.key("labels"), op.names);
      break;
    case OpCode::kCreateRelationship:
      append_json_uint(object.key("id"), op.id);
      append_json_string(object.key("type"), op.type);
      append_json_uint(object.key("start"), op.start);
      append_json_uint(object.key("end"), op.end);
      append_json_encoded_properties(object.key("properties"), op.properties);
      break;
    case OpCode::kCreateKey:
    case OpCode::kDropKey:
      append_json_plain(object.key("kind"), op.key_kind == 2 ? "relationship" : "node");
      append_json_string(object.key("labelOrType"), op.type);
      append_json_encoded_names(object.key("properties"), op.names);
      break;
  }
}

const char* operation_name(ChangeOperation operation) {
  static const char* const kOperations[] = {"?", "create", "update", "delete"};
  return kOperations[static_cast<unsigned>(operation) & 3];
}

// Whether a property map (count included) holds no entry, as its decoded map would not.
bool holds_no_property(std::string_view properties) {
  if (properties.empty()) return true;
  ByteReader in(properties, "properties");
  return in.varint() == 0;
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
      append_json_plain(object.key("from"), capture_mode_name(r.from));
      append_json_plain(object.key("to"), capture_mode_name(r.to));
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
    case RecordType::kCompressionDictionary:
      break;  // never returned by SegmentReader
  }
}

// "  LABEL<padded to 30> " as the text form's lines begin.
void append_label(TextBuffer& out, std::string_view label) {
  out += "  ";
  out += label;
  if (label.size() < 30) {
    char* at = out.room(30 - label.size());
    std::memset(at, ' ', 30 - label.size());
    out.commit(at + 30 - label.size());
  }
  out += ' ';
}

// A user name in a transaction's heading: bare when it is a plain word, as most are, and
// otherwise as a JSON string, so that a space, a quote or a newline in it cannot pass for the
// heading's other fields or start a line of its own, and a control character is escaped.
void append_user(TextBuffer& out, std::string_view name) {
  bool bare = std::all_of(name.begin(), name.end(), [](char c) { return c > ' ' && c < 0x7F && c != '"' && c != '\\'; });
  if (bare)
    out += name;
  else
    append_json_string(out, name);
}

// The control characters that JSON leaves as they are, DEL and C1 (U+0080 to U+009F, in UTF-8
// 0xC2 0x80 to 0xC2 0x9F), escaped as JSON escapes them, in what was written from `start` on:
// a terminal acts on them (C1 CSI starts an escape sequence on some), and the text form is
// read on one. They can only be inside JSON strings there, so the text still parses as before.
void escape_terminal_controls(TextBuffer& out, std::size_t start) {
  auto is_control_at = [](std::string_view text, std::size_t i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == 0x7F) return std::size_t{1};
    if (c != 0xC2 || i + 1 >= text.size()) return std::size_t{0};
    auto next = static_cast<unsigned char>(text[i + 1]);
    return next >= 0x80 && next <= 0x9F ? std::size_t{2} : std::size_t{0};
  };
  std::string_view written = out.view().substr(start);
  std::size_t first = 0;
  while (first < written.size() && is_control_at(written, first) == 0) ++first;
  if (first == written.size()) return;
  const std::string rest(written.substr(first));  // out is rewritten below
  out.truncate(start + first);
  for (std::size_t i = 0; i < rest.size();) {
    std::size_t n = is_control_at(rest, i);
    if (n == 0) {
      out += rest[i++];
      continue;
    }
    unsigned code = n == 1 ? 0x7Fu : static_cast<unsigned char>(rest[i + 1]);
    static constexpr char kHex[] = "0123456789abcdef";
    const char escape[] = {'\\', 'u', '0', '0', kHex[code >> 4], kHex[code & 0xF]};
    out.append(escape, sizeof escape);
    i += n;
  }
}

void append_where(TextBuffer& out, const DumpRecord& record) {
  out += "[segment ";
  append_json_uint(out, record.segment);
  out += " offset ";
  append_json_uint(out, record.frame->offset);
  out += ']';
}

}  // namespace

void CreatedState::build(TxRecordView& record, std::size_t change) {
  labels_.clear();
  properties_.clear();
  auto add_labels = [&](std::string_view names) {
    NameCursor cursor(names);
    while (cursor.next()) labels_.push_back(cursor.name());
  };
  const std::vector<OperationView>& operations = record.operations();
  // operations_on gives only the operations on an entity of the change's kind.
  for (std::uint32_t index : record.operations_on(change)) {
    const OperationView& op = operations[index];
    switch (op.code) {
      case OpCode::kCreateNode:
        add_labels(op.names);
        set(op.properties);
        break;
      case OpCode::kAddLabels:
        add_labels(op.names);
        break;
      case OpCode::kRemoveLabels:
        std::erase_if(labels_, [&](std::string_view label) { return names_contain(op.names, label); });
        break;
      case OpCode::kCreateRelationship:
      case OpCode::kSetNodeProperties:
      case OpCode::kSetRelationshipProperties:
        set(op.properties);
        break;
      case OpCode::kRemoveNodeProperties:
      case OpCode::kRemoveRelationshipProperties:
        remove(op.names);
        break;
      case OpCode::kDeleteNode:
      case OpCode::kDeleteRelationship:
      case OpCode::kCreateKey:
      case OpCode::kDropKey:
        break;
    }
  }
  std::sort(labels_.begin(), labels_.end());
  labels_.erase(std::unique(labels_.begin(), labels_.end()), labels_.end());
}

void CreatedState::set(std::string_view properties) {
  PropertyCursor cursor(properties);
  while (cursor.next()) {
    bool is_null = static_cast<ValueKind>(cursor.value()[0]) == ValueKind::kNull;
    // Past the last key, as every key of a create's own map comes: no search.
    if (!is_null && (properties_.empty() || properties_.back().first < cursor.key())) {
      properties_.emplace_back(cursor.key(), cursor.value());
      continue;
    }
    auto at = std::lower_bound(properties_.begin(), properties_.end(), cursor.key(),
                               [](const auto& entry, std::string_view key) { return entry.first < key; });
    bool found = at != properties_.end() && at->first == cursor.key();
    if (is_null) {
      if (found) properties_.erase(at);
    } else if (found) {
      at->second = cursor.value();
    } else {
      properties_.insert(at, {cursor.key(), cursor.value()});
    }
  }
}

void CreatedState::remove(std::string_view names) {
  NameCursor cursor(names);
  while (cursor.next()) {
    auto at = std::lower_bound(properties_.begin(), properties_.end(), cursor.name(),
                               [](const auto& entry, std::string_view key) { return entry.first < key; });
    if (at != properties_.end() && at->first == cursor.name()) properties_.erase(at);
  }
}

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
    case RecordType::kCompressionDictionary:
      break;  // SegmentReader reads these itself and never returns them
  }
}

void DumpRecord::set_transaction(std::uint64_t segment_number, const Frame& record_frame, TxRecordView& record) {
  segment = segment_number;
  frame = &record_frame;
  tx = &record;
  time_us = record.header().commit_time_us;
}

void DumpFormatter::append_change_fields(JsonObject& object, TxRecordView& tx, std::size_t index) {
  const ChangeView& change = tx.changes()[index];
  // A create given by reference: its labels and after-state are what its operations made.
  bool by_reference = change.after_from_operations;
  if (by_reference) created_.build(tx, index);
  if (change.entity == ChangeEntity::kNode) {
    if (by_reference)
      append_names(object.key("labels"), created_.labels());
    else
      append_json_encoded_names(object.key("labels"), change.labels);
  } else {
    append_json_string(object.key("type"), change.type);
    append_node_reference(object.key("start"), change.start);
    append_node_reference(object.key("end"), change.end);
  }
  append_json_encoded_keys(object.key("keys"), change.keys);
  append_state(object.key("before"), change.before);
  if (by_reference)
    append_created_state(object.key("after"), created_);
  else
    append_state(object.key("after"), change.after);
}

void DumpFormatter::append_json(TextBuffer& out, const DumpRecord& record) {
  JsonObject object(out);
  append_json_plain(object.key("type"), record_type_name(record.frame->type));
  append_json_uint(object.key("segment"), record.segment);
  append_json_uint(object.key("offset"), record.frame->offset);
  if (record.tx == nullptr) {
    append_other_fields(object, record);
    object.close();
    out += '\n';
    return;
  }
  TxRecordView& tx = *record.tx;
  const TxHeaderView& header = tx.header();
  append_json_uint(object.key("txId"), header.tx_id);
  append_json_time(object.key("startTime"), header.start_time_us);
  append_json_time(object.key("commitTime"), header.commit_time_us);
  append_json_plain(object.key("captureMode"), capture_mode_name(header.capture_mode));
  append_json_string(object.key("user"), header.user);
  append_json_string(object.key("authenticatedUser"), header.authenticated_user);
  if (!header.connection_type.empty() || !header.connection_client.empty() || !header.connection_server.empty()) {
    append_json_string(object.key("connectionType"), header.connection_type);
    append_json_string(object.key("connectionClient"), header.connection_client);
    append_json_string(object.key("connectionServer"), header.connection_server);
  }
  append_json_encoded_properties(object.key("metadata"), header.metadata);
  out += ",\"ops\":[";
  const std::vector<OperationView>& operations = tx.operations();
  for (std::size_t i = 0; i < operations.size(); ++i) {
    if (i > 0) out += ',';
    JsonObject op(out);
    append_json_plain(op.key("op"), op_code_name(operations[i].code));
    append_op_fields(op, operations[i]);
    op.close();
  }
  out += ']';
  if (tx.has_enrichment()) {
    out += ",\"enrichment\":{\"generation\":";
    append_json_uint(out, tx.generation());
    out += ",\"changes\":[";
    for (std::size_t i = 0; i < tx.changes().size(); ++i) {
      const ChangeView& change = tx.changes()[i];
      if (i > 0) out += ',';
      JsonObject object_of_change(out);
      append_json_plain(object_of_change.key("entity"), change.entity == ChangeEntity::kNode ? "node" : "relationship");
      append_json_plain(object_of_change.key("operation"), operation_name(change.operation));
      append_json_uint(object_of_change.key("id"), change.id);
      append_change_fields(object_of_change, tx, i);
      object_of_change.close();
    }
    out += "]}";
  }
  object.close();
  out += '\n';
}

void DumpFormatter::append_text(TextBuffer& out, const DumpRecord& record, bool color) {
  const std::size_t start = out.size();
  append_text_lines(out, record, color);
  escape_terminal_controls(out, start);
}

void DumpFormatter::append_text_lines(TextBuffer& out, const DumpRecord& record, bool color) {
  constexpr std::string_view kTxColor = "\x1b[1;36m", kOtherColor = "\x1b[33m", kReset = "\x1b[0m";
  if (record.tx == nullptr) {
    if (color) out += kOtherColor;
    out += record_type_name(record.frame->type);
    if (color) out += kReset;
    out += "  ";
    JsonObject fields(out);
    append_other_fields(fields, record);
    fields.close();
    out += "  ";
    append_where(out, record);
    out += '\n';
    return;
  }
  TxRecordView& tx = *record.tx;
  const TxHeaderView& header = tx.header();
  if (color) out += kTxColor;
  out += "tx ";
  append_json_uint(out, header.tx_id);
  if (color) out += kReset;
  out += "  ";
  append_iso8601_utc(out, header.commit_time_us);
  out += "  ";
  out += capture_mode_name(header.capture_mode);
  out += "  user ";
  append_user(out, header.user);
  if (header.authenticated_user != header.user && !header.authenticated_user.empty()) {
    out += " (as ";
    append_user(out, header.authenticated_user);
    out += ')';
  }
  out += "  ";
  append_where(out, record);
  out += '\n';
  append_label(out, "started");
  append_iso8601_utc(out, header.start_time_us);
  out += '\n';
  if (!header.connection_type.empty() || !header.connection_client.empty() || !header.connection_server.empty()) {
    // Escaped as the user name is: the application chose these strings.
    append_label(out, "connection");
    append_user(out, header.connection_type.empty() ? std::string_view("embedded") : header.connection_type);
    if (!header.connection_client.empty()) {
      out += " from ";
      append_user(out, header.connection_client);
    }
    if (!header.connection_server.empty()) {
      out += " to ";
      append_user(out, header.connection_server);
    }
    out += '\n';
  }
  if (!holds_no_property(header.metadata)) {
    append_label(out, "metadata");
    append_json_encoded_properties(out, header.metadata);
    out += '\n';
  }
  for (const OperationView& op : tx.operations()) {
    append_label(out, op_code_name(op.code));
    JsonObject fields(out);
    append_op_fields(fields, op);
    fields.close();
    out += '\n';
  }
  if (!tx.has_enrichment()) return;
  append_label(out, "enrichment generation");
  append_json_uint(out, tx.generation());
  out += '\n';
  for (std::size_t i = 0; i < tx.changes().size(); ++i) {
    const ChangeView& change = tx.changes()[i];
    label_.clear();
    label_ += "change ";
    label_ += operation_name(change.operation);
    label_ += change.entity == ChangeEntity::kNode ? " n:" : " r:";
    append_json_uint(label_, change.id);
    append_label(out, label_.view());
    JsonObject fields(out);
    append_change_fields(fields, tx, i);
    fields.close();
    out += '\n';
  }
}

}  // namespace txgraph::cli
