#include "txlog/tx_record.h"

#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>

#include "txlog/value_codec.h"

namespace txgraph::txlog {

std::string_view op_code_name(OpCode code) {
  switch (code) {
    case OpCode::kCreateNode:
      return "create_node";
    case OpCode::kDeleteNode:
      return "delete_node";
    case OpCode::kSetNodeProperties:
      return "set_node_properties";
    case OpCode::kRemoveNodeProperties:
      return "remove_node_properties";
    case OpCode::kAddLabels:
      return "add_labels";
    case OpCode::kRemoveLabels:
      return "remove_labels";
    case OpCode::kCreateRelationship:
      return "create_relationship";
    case OpCode::kDeleteRelationship:
      return "delete_relationship";
    case OpCode::kSetRelationshipProperties:
      return "set_relationship_properties";
    case OpCode::kRemoveRelationshipProperties:
      return "remove_relationship_properties";
    case OpCode::kCreateKey:
      return "create_key";
    case OpCode::kDropKey:
      return "drop_key";
  }
  return "unknown";
}

bool is_node_operation(OpCode code) {
  switch (code) {
    case OpCode::kCreateNode:
    case OpCode::kDeleteNode:
    case OpCode::kSetNodeProperties:
    case OpCode::kRemoveNodeProperties:
    case OpCode::kAddLabels:
    case OpCode::kRemoveLabels:
      return true;
    default:
      return false;
  }
}

namespace {

// A created entity's state at commit is what this record's operations on it (`mine`, in
// order) produce.
void complete_from_operations(Change& change, const std::vector<RedoOp>& ops, const std::vector<std::size_t>& mine,
                              ByteReader& in) {
  bool node = change.entity == ChangeEntity::kNode;
  EntityState state;
  bool created = false;
  auto merge = [&](const Properties& props) {
    for (const auto& [k, v] : props) {
      if (v.is_null())
        state.properties.erase(k);
      else
        state.properties.insert_or_assign(k, v);
    }
  };
  for (std::size_t i : mine) {
    const auto& op = ops[i];
    switch (op.code) {
      case OpCode::kCreateNode:
        if (!node) break;
        created = true;
        state.labels.insert(state.labels.end(), op.names.begin(), op.names.end());
        merge(op.properties);
        break;
      case OpCode::kCreateRelationship:
        if (node) break;
        created = true;
        merge(op.properties);
        break;
      case OpCode::kSetNodeProperties:
        if (node) merge(op.properties);
        break;
      case OpCode::kSetRelationshipProperties:
        if (!node) merge(op.properties);
        break;
      case OpCode::kRemoveNodeProperties:
        if (node)
          for (const auto& k : op.names) state.properties.erase(k);
        break;
      case OpCode::kRemoveRelationshipProperties:
        if (!node)
          for (const auto& k : op.names) state.properties.erase(k);
        break;
      case OpCode::kAddLabels:
        if (node) state.labels.insert(state.labels.end(), op.names.begin(), op.names.end());
        break;
      case OpCode::kRemoveLabels:
        if (node)
          std::erase_if(state.labels, [&](const std::string& l) {
            return std::find(op.names.begin(), op.names.end(), l) != op.names.end();
          });
        break;
      default:
        break;
    }
  }
  if (!created) in.fail(fmt::format("a create of entity {} whose record has no create operation", change.id));
  // Labels as the store keeps them: sorted, each once.
  std::sort(state.labels.begin(), state.labels.end());
  state.labels.erase(std::unique(state.labels.begin(), state.labels.end()), state.labels.end());
  if (node) change.labels = state.labels;
  change.after = std::move(state);
  change.after_from_operations = false;
}

// Fills in the after-state of every create from the record's operations. The operations are
// grouped by entity once, so a transaction creating many entities costs no more per entity
// than one creating a few.
void complete_creates(TxRecord& rec, ByteReader& in) {
  std::unordered_map<std::uint64_t, std::vector<std::size_t>> by_entity;
  auto entity_key = [](bool node, std::uint64_t id) { return id << 1 | (node ? 0 : 1); };
  bool grouped = false;
  static const std::vector<std::size_t> kNone;
  // Most transactions are small: a pass over their few operations per change costs less than
  // building the grouping.
  constexpr std::size_t kGroupAbove = 16;
  std::vector<std::size_t> mine;
  for (auto& change : rec.enrichment->changes) {
    if (!change.after_from_operations) continue;
    if (rec.ops.size() <= kGroupAbove) {
      bool node = change.entity == ChangeEntity::kNode;
      mine.clear();
      for (std::size_t i = 0; i < rec.ops.size(); ++i)
        if (!is_schema_operation(rec.ops[i].code) && rec.ops[i].id == change.id && is_node_operation(rec.ops[i].code) == node)
          mine.push_back(i);
      complete_from_operations(change, rec.ops, mine, in);
      continue;
    }
    if (!grouped) {
      for (std::size_t i = 0; i < rec.ops.size(); ++i)
        if (!is_schema_operation(rec.ops[i].code))
          by_entity[entity_key(is_node_operation(rec.ops[i].code), rec.ops[i].id)].push_back(i);
      grouped = true;
    }
    auto it = by_entity.find(entity_key(change.entity == ChangeEntity::kNode, change.id));
    complete_from_operations(change, rec.ops, it == by_entity.end() ? kNone : it->second, in);
  }
}

RedoOp decode_op(ByteReader& in) {
  OperationView view;
  read_operation(in, view);
  RedoOp op;
  op.code = view.code;
  op.id = view.id;
  decode_names_into(view.names, op.names);
  if (!view.properties.empty()) {
    ByteReader properties(view.properties, "transaction record");
    op.properties = decode_properties(properties);
  }
  op.type = std::string(view.type);
  op.start = view.start;
  op.end = view.end;
  op.key_kind = view.key_kind;
  return op;
}

}  // namespace

void encode_tx_header(std::string& out, const TxHeader& h) {
  ByteWriter w(out);
  w.varint(h.tx_id);
  w.i64(h.start_time_us);
  w.i64(h.commit_time_us);
  bool connection = !h.connection_type.empty() || !h.connection_client.empty() || !h.connection_server.empty();
  w.u8(static_cast<std::uint8_t>(h.capture_mode) | (connection ? kTxHasConnection : 0));
  w.str(h.user);
  w.str(h.authenticated_user);
  if (connection) {
    w.str(h.connection_type);
    w.str(h.connection_client);
    w.str(h.connection_server);
  }
  encode_properties(w, h.metadata);
  w.varint(h.op_count);
}

std::uint64_t peek_tx_id(std::string_view payload) {
  ByteReader in(payload, "transaction record");
  return in.varint();
}

std::int64_t peek_commit_time(std::string_view payload) {
  ByteReader in(payload, "transaction record");
  in.varint();
  in.i64();
  return in.i64();
}

namespace {
TxRecordStart read_tx_start(ByteReader& in, bool* has_connection = nullptr) {
  TxRecordStart s;
  s.tx_id = in.varint();
  s.start_time_us = in.i64();
  s.commit_time_us = in.i64();
  auto mode = in.u8();
  if (has_connection) *has_connection = (mode & kTxHasConnection) != 0;
  mode &= static_cast<std::uint8_t>(~kTxHasConnection);
  if (mode > static_cast<std::uint8_t>(CaptureMode::kFull)) in.fail(fmt::format("unknown capture mode {}", mode));
  s.capture_mode = static_cast<CaptureMode>(mode);
  return s;
}
}  // namespace

TxRecordStart peek_tx_start(std::string_view payload) {
  ByteReader in(payload, "transaction record");
  return read_tx_start(in);
}

void read_tx_header(ByteReader& in, TxHeaderView& h) {
  bool has_connection = false;
  TxRecordStart s = read_tx_start(in, &has_connection);
  h.tx_id = s.tx_id;
  h.start_time_us = s.start_time_us;
  h.commit_time_us = s.commit_time_us;
  h.capture_mode = s.capture_mode;
  h.user = in.str();
  h.authenticated_user = in.str();
  if (has_connection) {
    h.connection_type = in.str();
    h.connection_client = in.str();
    h.connection_server = in.str();
  } else {
    h.connection_type = h.connection_client = h.connection_server = {};
  }
  h.metadata = skip_properties(in);
  h.op_count = in.count(2);
}

void read_operation(ByteReader& in, OperationView& op) {
  auto code = in.u8();
  if (code < 1 || code > static_cast<std::uint8_t>(OpCode::kDropKey)) in.fail(fmt::format("unknown operation code {}", code));
  // Every field is assigned: views are reused from record to record.
  op = OperationView{};
  op.code = static_cast<OpCode>(code);
  switch (op.code) {
    case OpCode::kCreateNode:
      op.id = in.varint();
      op.names = skip_names(in);
      op.properties = skip_properties(in);
      break;
    case OpCode::kCreateRelationship:
      op.id = in.varint();
      op.type = in.str();
      op.start = in.varint();
      op.end = in.varint();
      op.properties = skip_properties(in);
      break;
    case OpCode::kDeleteNode:
    case OpCode::kDeleteRelationship:
      op.id = in.varint();
      break;
    case OpCode::kSetNodeProperties:
    case OpCode::kSetRelationshipProperties:
      op.id = in.varint();
      op.properties = skip_properties(in);
      break;
    case OpCode::kRemoveNodeProperties:
    case OpCode::kRemoveRelationshipProperties:
    case OpCode::kAddLabels:
    case OpCode::kRemoveLabels:
      op.id = in.varint();
      op.names = skip_names(in);
      break;
    case OpCode::kCreateKey:
    case OpCode::kDropKey:
      op.key_kind = in.u8();
      if (op.key_kind != 1 && op.key_kind != 2) in.fail("bad key kind");
      op.type = in.str();
      op.names = skip_names(in);
      break;
  }
}

namespace {
void read_tx_header(ByteReader& in, TxHeader& h) {
  TxHeaderView view;
  read_tx_header(in, view);
  h.tx_id = view.tx_id;
  h.start_time_us = view.start_time_us;
  h.commit_time_us = view.commit_time_us;
  h.capture_mode = view.capture_mode;
  h.user = std::string(view.user);
  h.authenticated_user = std::string(view.authenticated_user);
  h.connection_type = std::string(view.connection_type);
  h.connection_client = std::string(view.connection_client);
  h.connection_server = std::string(view.connection_server);
  ByteReader metadata(view.metadata, "transaction record");
  h.metadata = decode_properties(metadata);
  h.op_count = view.op_count;
}
}  // namespace

TxHeader decode_tx_header(std::string_view payload) {
  ByteReader in(payload, "transaction record");
  TxHeader h;
  read_tx_header(in, h);
  return h;
}

namespace {
TxRecord decode(std::string_view payload, bool with_enrichment) {
  ByteReader in(payload, "transaction record");
  TxRecord rec;
  auto& h = rec.header;
  read_tx_header(in, h);
  rec.ops.reserve(static_cast<std::size_t>(h.op_count));
  for (std::uint64_t i = 0; i < h.op_count; ++i) rec.ops.push_back(decode_op(in));
  // Enrichment (DIFF/FULL) follows the operations; an OFF record ends here.
  if (h.capture_mode != CaptureMode::kOff && with_enrichment) {
    rec.enrichment = decode_enrichment(in);
    complete_creates(rec, in);
  }
  if ((h.capture_mode == CaptureMode::kOff || with_enrichment) && !in.done())
    in.fail("trailing bytes after the record");
  return rec;
}
}  // namespace

TxRecord decode_tx_record(std::string_view payload, bool with_enrichment) { return decode(payload, with_enrichment); }


void encode_create_node(ByteWriter& out, std::uint64_t id, const std::vector<std::string>& labels,
                        const Properties& properties) {
  out.u8(static_cast<std::uint8_t>(OpCode::kCreateNode));
  out.varint(id);
  write_names(out, labels);
  encode_properties(out, properties);
}

void encode_create_relationship(ByteWriter& out, std::uint64_t id, std::string_view type,
                                std::uint64_t start, std::uint64_t end, const Properties& properties) {
  out.u8(static_cast<std::uint8_t>(OpCode::kCreateRelationship));
  out.varint(id);
  out.str(type);
  out.varint(start);
  out.varint(end);
  encode_properties(out, properties);
}

void encode_delete(ByteWriter& out, OpCode code, std::uint64_t id) {
  out.u8(static_cast<std::uint8_t>(code));
  out.varint(id);
}

void encode_set_properties(ByteWriter& out, OpCode code, std::uint64_t id, const Properties& properties) {
  out.u8(static_cast<std::uint8_t>(code));
  out.varint(id);
  encode_properties(out, properties);
}

void encode_names(ByteWriter& out, OpCode code, std::uint64_t id, const std::vector<std::string>& names) {
  out.u8(static_cast<std::uint8_t>(code));
  out.varint(id);
  write_names(out, names);
}

void encode_key(ByteWriter& out, OpCode code, std::uint8_t kind, std::string_view label_or_type,
                const std::vector<std::string>& properties) {
  out.u8(static_cast<std::uint8_t>(code));
  out.u8(kind);
  out.str(label_or_type);
  write_names(out, properties);
}

std::string encode_import_notice(const ImportNoticeRecord& r) {
  std::string out;
  ByteWriter w(out);
  w.varint(r.import_number);
  w.i64(r.time_us);
  w.varint(r.after_tx);
  w.varint(r.nodes);
  w.varint(r.relationships);
  w.varint(r.first_node_id);
  w.varint(r.first_relationship_id);
  write_names(w, r.files);
  return out;
}

ImportNoticeRecord decode_import_notice(std::string_view payload) {
  ByteReader in(payload, "import notice record");
  ImportNoticeRecord r;
  r.import_number = in.varint();
  r.time_us = in.i64();
  r.after_tx = in.varint();
  r.nodes = in.varint();
  r.relationships = in.varint();
  r.first_node_id = in.varint();
  r.first_relationship_id = in.varint();
  r.files = read_names(in);
  if (!in.done()) in.fail("trailing bytes");
  return r;
}

std::string encode_checkpoint(const CheckpointRecord& r) {
  std::string out;
  ByteWriter w(out);
  w.varint(r.last_applied_tx);
  w.i64(r.time_us);
  return out;
}

CheckpointRecord decode_checkpoint(std::string_view payload) {
  ByteReader in(payload, "checkpoint record");
  CheckpointRecord r;
  r.last_applied_tx = in.varint();
  r.time_us = in.i64();
  return r;
}

}  // namespace txgraph::txlog

namespace txgraph::txlog {

namespace {
CaptureMode read_mode(ByteReader& in) {
  auto mode = in.u8();
  if (mode > static_cast<std::uint8_t>(CaptureMode::kFull)) in.fail(fmt::format("unknown capture mode {}", mode));
  return static_cast<CaptureMode>(mode);
}
}  // namespace

std::string encode_enrichment_change(const EnrichmentChangeRecord& r) {
  std::string out;
  ByteWriter w(out);
  w.u8(static_cast<std::uint8_t>(r.from));
  w.u8(static_cast<std::uint8_t>(r.to));
  w.varint(r.generation);
  w.varint(r.next_tx);
  w.i64(r.time_us);
  return out;
}

EnrichmentChangeRecord decode_enrichment_change(std::string_view payload) {
  ByteReader in(payload, "enrichment change record");
  EnrichmentChangeRecord r;
  r.from = read_mode(in);
  r.to = read_mode(in);
  r.generation = in.varint();
  r.next_tx = in.varint();
  r.time_us = in.i64();
  if (!in.done()) in.fail("trailing bytes");
  return r;
}

ImportNotice public_import_notice(ImportNoticeRecord r) {
  ImportNotice n;
  n.import_number = r.import_number;
  n.time_us = r.time_us;
  n.after_tx = r.after_tx;
  n.nodes = r.nodes;
  n.relationships = r.relationships;
  n.first_node_id = r.first_node_id;
  n.first_relationship_id = r.first_relationship_id;
  n.files = std::move(r.files);
  return n;
}

}  // namespace txgraph::txlog
