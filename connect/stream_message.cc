// The headers and import values of txgraph's Kafka messages (connect/stream_message.h).
#include "connect/stream_message.h"

#include <fmt/format.h>

#include <charconv>

#include "cdc/change_id.h"
#include "cdc/json_values.h"
#include "txgraph/error.h"

namespace txgraph::connect {

namespace {

template <typename T>
bool parse_number(const std::string& text, T* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

}  // namespace

std::optional<StreamHeaders> parse_stream_headers(const TopicMessage& message, std::string* why) {
  StreamHeaders h;
  auto need = [&](const char* name) -> const std::string* {
    const std::string* value = message.header(name);
    if (!value) *why = fmt::format("it has no header {}", name);
    return value;
  };
  const std::string* database = need(kHeaderDatabase);
  if (!database) return std::nullopt;
  h.database = *database;
  const std::string* batch = need(kHeaderBatch);
  const std::string* batch_previous = batch ? need(kHeaderBatchPrevious) : nullptr;
  if (!batch_previous) return std::nullopt;
  h.batch = *batch;
  h.batch_previous = *batch_previous;
  if (const std::string* import = message.header(kHeaderImport)) {
    if (!parse_number(*import, &h.import_number) || h.import_number == 0) {
      *why = fmt::format("its header {} is not an import number: \"{}\"", kHeaderImport, *import);
      return std::nullopt;
    }
    return h;
  }
  const std::string* id = need(kHeaderChangeId);
  const std::string* tx = id ? need(kHeaderTxId) : nullptr;
  const std::string* seq = tx ? need(kHeaderSeq) : nullptr;
  const std::string* events = seq ? need(kHeaderTxEvents) : nullptr;
  const std::string* previous = events ? need(kHeaderPrevious) : nullptr;
  if (!previous) return std::nullopt;
  if (!parse_number(*tx, &h.tx_id) || !parse_number(*seq, &h.seq) || !parse_number(*events, &h.tx_events) ||
      h.tx_events == 0) {
    *why = fmt::format(
        "its headers {}, {}, {} (\"{}\", \"{}\", \"{}\") are not a transaction, a place in it and "
        "a count",
        kHeaderTxId, kHeaderSeq, kHeaderTxEvents, *tx, *seq, *events);
    return std::nullopt;
  }
  h.change_id = *id;
  h.previous = *previous;
  const std::string* values = message.header(kHeaderValues);
  h.untyped_values = values && *values == "neo4j";
  return h;
}

std::string import_notice_json(const ImportNotice& n) {
  json::Json notice = json::Json::object();
  notice["number"] = n.import_number;
  notice["timeUs"] = n.time_us;
  notice["afterTx"] = n.after_tx;
  notice["nodes"] = n.nodes;
  notice["relationships"] = n.relationships;
  notice["firstNodeId"] = n.first_node_id;
  notice["firstRelationshipId"] = n.first_relationship_id;
  notice["files"] = n.files;
  notice["note"] = "bulk import: its data was written straight into the store and is not in the change stream";
  json::Json out = json::Json::object();
  out["import"] = std::move(notice);
  return json::json_line(out);
}

ImportNotice parse_import_notice_json(std::string_view text) {
  try {
    auto doc = json::parse_json(text);
    const auto& n = doc.at("import");
    ImportNotice out;
    out.import_number = n.at("number").get<std::uint64_t>();
    out.time_us = n.at("timeUs").get<std::int64_t>();
    out.after_tx = n.at("afterTx").get<std::uint64_t>();
    out.nodes = n.at("nodes").get<std::uint64_t>();
    out.relationships = n.at("relationships").get<std::uint64_t>();
    out.first_node_id = n.at("firstNodeId").get<std::uint64_t>();
    out.first_relationship_id = n.at("firstRelationshipId").get<std::uint64_t>();
    out.files = n.at("files").get<std::vector<std::string>>();
    return out;
  } catch (const std::exception& e) {
    throw Error(ErrorCode::kCorruption, fmt::format("an import message does not read as one: {}", e.what()));
  }
}

PositionKey position_key(std::string_view id) {
  if (id.empty()) return {};
  auto p = cdc::decode_change_id(id);
  PositionKey key;
  switch (p.snapshot_phase) {
    case cdc::SnapshotPhase::kKeys:
      key.phase = 0;
      break;
    case cdc::SnapshotPhase::kNodes:
      key.phase = 1;
      break;
    case cdc::SnapshotPhase::kRelationships:
      key.phase = 2;
      break;
    case cdc::SnapshotPhase::kNone:
      key.phase = 3;
      break;
  }
  key.next_id = p.snapshot_next_id;
  key.tx_id = p.tx_id;
  key.seq = p.seq;
  return key;
}

bool position_before(std::string_view a, std::string_view b) { return position_key(a) < position_key(b); }

std::string position_after_transaction(std::string_view id) {
  auto p = cdc::decode_change_id(id);
  p.seq = cdc::ChangePosition::kAfterAll;
  return cdc::encode_change_id(p);
}

}  // namespace txgraph::connect
