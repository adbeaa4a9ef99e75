// connect/published_tail.h — what a topic shows of one database's stream, read back by the
// publisher when it starts and after an aborted Kafka transaction, so that it publishes only
// what a read_committed consumer does not see yet.
//
// Every message names the position its Kafka transaction (batch) began reading at. Batches
// begin in source order and a batch begins only after the one before it committed, so
// everything up to the newest batch's beginning is in the topic, whole; after it lies only
// what that batch (or, on a broker that shows aborted transactions, an aborted one) left.
// Those messages sit at the partitions' tails, read here with read_committed.
//
// What the log holds reads back the same however often it is read, so the publisher may read
// the newest batch again from its beginning and leave out what the topic shows. A snapshot's
// events do not: read again, a chunk holds the store as it is then. When the tail holds
// snapshot events, the publisher goes on after the whole part of the tail (`whole_to`) instead.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <utility>

#include "connect/kafka_client.h"
#include "connect/stream_message.h"

namespace txgraph::connect {

struct PublishedTail {
  bool found = false;            // the topic holds messages of this database
  std::string batch;             // where the newest batch began reading
  std::string batch_previous;    // the position after the transaction published before `batch`
  std::string last_transaction;  // the position after the newest transaction seen
  // What the topic shows after `batch`: changes (by their place) and import numbers.
  std::set<PositionKey> changes;
  std::set<std::uint64_t> imports;
  // Set when what the topic shows after `batch` holds snapshot events: the position after the
  // longest run of whole transactions (or groups of snapshot events) from `batch` on, each
  // following the one before. A snapshot read again may differ from what was read before
  // (the store moved on), so the publisher goes on from here rather than from `batch`.
  std::string whole_to;
  std::uint64_t messages_read = 0;
};

// Reads the tails of all `partitions` of kafka.topic, as far back as it takes to see
// everything after the newest batch's beginning. Messages of other databases and messages
// that are not txgraph's are passed over.
PublishedTail read_published_tail(rd_kafka_t* reader, const KafkaConnection& kafka, int partitions,
                                  const std::string& database_uuid);

}  // namespace txgraph::connect
