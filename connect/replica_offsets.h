// connect/replica_offsets.h — where a Kafka-fed replica stands: the source position and the
// topic's offsets it stored, in the same replica transaction as the changes they cover.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "txgraph/database.h"

namespace txgraph::connect {

// Transaction metadata keys. The first two are the CDC replicator's own (txgraph/replication.h),
// so either replicator may go on from where the other stopped.
inline constexpr const char* kReplicatedFromKey = "txgraph.replicatedFrom";
inline constexpr const char* kSourcePositionKey = "txgraph.sourcePosition";
inline constexpr const char* kKafkaOffsetsKey = "txgraph.kafkaOffsets";

struct KafkaReplicaPosition {
  std::string source_uuid;
  std::string position;                          // after the last source transaction applied
  std::string topic;                             // empty when the replica was last fed otherwise (CDC)
  std::map<std::int32_t, std::int64_t> offsets;  // partition -> next offset to read
};

// From the newest replicated transaction in the replica's log; nullopt when there is none.
// Throws kCorruption when the stored offsets do not read back.
std::optional<KafkaReplicaPosition> kafka_replica_position(const Database& replica);

// The metadata value of kKafkaOffsetsKey: {"topic":"…","offsets":{"0":12,…}}.
std::string kafka_offsets_json(const std::string& topic, const std::map<std::int32_t, std::int64_t>& offsets);

}  // namespace txgraph::connect
