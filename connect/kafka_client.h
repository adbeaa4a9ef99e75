// connect/kafka_client.h — librdkafka handles as txgraph uses them: a transactional producer,
// a read_committed reader of every partition, the checks that name unreachable brokers and a
// missing topic, and reading what a range of a partition holds.
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "txgraph/kafka.h"

namespace txgraph::connect {

struct KafkaDestroy {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using KafkaHandle = std::unique_ptr<rd_kafka_t, KafkaDestroy>;

// Error(kIo) with `what`, the brokers and the topic named.
[[noreturn]] void kafka_failure(const KafkaConnection& kafka, std::string_view what);

// A producer with idempotence and transactions on, its transactional.id `transactional_id`;
// the user's settings from kafka.config applied first, then the ones exactly-once needs.
// Throws kInvalidArgument naming a setting librdkafka refuses.
// `on_delivery` (with `opaque`) hears of each message's delivery or failure.
using DeliveryCallback = void (*)(rd_kafka_t*, const rd_kafka_message_t*, void* opaque);
KafkaHandle new_transactional_producer(const KafkaConnection& kafka, const std::string& transactional_id,
                                       DeliveryCallback on_delivery, void* opaque);
// A consumer that reads with read_committed, is given its partitions (assign, no group
// membership, nothing committed to Kafka) and reports each partition's end.
KafkaHandle new_committed_reader(const KafkaConnection& kafka);

// How many partitions the topic has. Waits up to kafka.connect_timeout for the brokers and
// throws kIo naming them when none answers; asks the brokers to create a topic that does not
// exist (and waits for it), and throws kIo saying what to do when they will not.
int topic_partitions(rd_kafka_t* rk, const KafkaConnection& kafka);

// A message read from the topic, copied out of librdkafka's buffers.
struct TopicMessage {
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::string key;
  std::string value;
  std::vector<std::pair<std::string, std::string>> headers;
  const std::string* header(std::string_view name) const;  // the last one of that name
};

// Reads partition `partition` from `from` to its current end (read_committed), calling
// `on_message` for each message. Throws kIo naming the partition when the read fails or
// does not reach the end within kafka.connect_timeout.
void read_partition_range(rd_kafka_t* reader, const KafkaConnection& kafka, std::int32_t partition, std::int64_t from,
                          std::int64_t end, const std::function<void(TopicMessage&&)>& on_message);

// The low and high offsets of a partition (high: the next offset to be written).
std::pair<std::int64_t, std::int64_t> partition_offsets(rd_kafka_t* rk, const KafkaConnection& kafka,
                                                        std::int32_t partition);

TopicMessage copy_message(const rd_kafka_message_t* message);

}  // namespace txgraph::connect
