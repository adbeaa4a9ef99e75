// The position a Kafka-fed replica stored with its changes (connect/replica_offsets.h).
#include "connect/replica_offsets.h"

#include <fmt/format.h>

#include "cdc/json_values.h"
#include "txlog/log_directory.h"
#include "txlog/segment_reader.h"
#include "txlog/tx_record.h"

namespace txgraph::connect {

namespace {

const std::string* text_of(const Properties& metadata, const char* key) {
  auto it = metadata.find(key);
  if (it == metadata.end() || it->second.kind() != ValueKind::kString) return nullptr;
  return &it->second.as_string();
}

void read_offsets(const std::string& text, KafkaReplicaPosition& out) {
  try {
    auto doc = json::parse_json(text);
    out.topic = doc.at("topic").get<std::string>();
    for (const auto& [partition, offset] : doc.at("offsets").items())
      out.offsets[std::stoi(partition)] = offset.get<std::int64_t>();
  } catch (const std::exception& e) {
    throw Error(ErrorCode::kCorruption,
                fmt::format("the replica's stored Kafka offsets ({}) do not read back: {}", text, e.what()));
  }
}

}  // namespace

std::optional<KafkaReplicaPosition> kafka_replica_position(const Database& replica) {
  auto segments = txlog::list_segments((replica.dir() / "txlog").string());
  // The newest replicated transaction: the newest segment first, then back.
  for (std::size_t i = segments.size(); i-- > 0;) {
    std::optional<KafkaReplicaPosition> found;
    txlog::SegmentReader reader(segments[i].path);
    txlog::Frame frame;
    while (reader.next(&frame) == txlog::SegmentReader::Next::kRecord) {
      if (frame.type != txlog::RecordType::kTransaction) continue;
      auto header = txlog::decode_tx_header(frame.payload);
      const std::string* from = text_of(header.metadata, kReplicatedFromKey);
      const std::string* position = text_of(header.metadata, kSourcePositionKey);
      if (!from || !position) continue;
      KafkaReplicaPosition p;
      p.source_uuid = *from;
      p.position = *position;
      if (const std::string* offsets = text_of(header.metadata, kKafkaOffsetsKey)) read_offsets(*offsets, p);
      found = std::move(p);
    }
    if (found) return found;
  }
  return std::nullopt;
}

std::string kafka_offsets_json(const std::string& topic, const std::map<std::int32_t, std::int64_t>& offsets) {
  json::Json out = json::Json::object();
  out["topic"] = topic;
  json::Json list = json::Json::object();
  for (const auto& [partition, offset] : offsets) list[std::to_string(partition)] = offset;
  out["offsets"] = std::move(list);
  return json::json_line(out);
}

}  // namespace txgraph::connect
