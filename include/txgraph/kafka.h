// txgraph/kafka.h — the change stream into Kafka, exactly once, and a replica fed from it.
//
// kafka_publish() sends every selected change of a database to a Kafka topic, one message per
// change, through a transactional producer; kafka_replicate() reads every partition of that
// topic and applies each source transaction to another database as one transaction. The
// replica may be on another machine: all it needs is the brokers.
//
// Messages (docs/kafka.md has the full list):
// - value: the change event JSON exactly as `txgraph cdc query` prints it (change_event_json);
// - key: the element id (default), the entity's keys as JSON, or none;
// - headers: txgraph.changeId, txgraph.txId, txgraph.seq (as Neo4j's source connector sets
//   them), txgraph.database (the source's uuid), txgraph.txEvents (how many messages the
//   transaction has in the topic) and txgraph.previous (the position after the transaction
//   published before it, empty for the first), with which a reader of any number of
//   partitions rebuilds each transaction and orders them; txgraph.batch and
//   txgraph.batchPrevious, where the publisher's Kafka transaction began reading.
// - A bulk import the stream passes is a message of its own, header txgraph.import (the import
//   number), value {"import":{…}}: its data is not in the stream.
//
// Caveats, up front:
// - Exactly once means: a read_committed consumer sees each change once, whatever moment a
//   publisher was killed at. The publisher learns what is published from the topic itself (its
//   tail, read with read_committed) when it starts and after any aborted Kafka transaction, and
//   publishes only what is not there. The cost: a Kafka transaction per batch (a commit round
//   trip to the transaction coordinator) and, at start, a read of each partition's tail.
// - One publisher per database and topic at a time: the transactional.id is derived from both
//   (txgraph.<database uuid>.<topic>), so a second one fences the first out.
// - The publisher reads through a consumer group of the source (txgraph/consumer.h) whose
//   retention hold keeps the log it has still to publish while Kafka is away, up to
//   hold_bytes; past that the group is lost and publishing stops with kConsumerGroupLost.
//   A selector that selects nothing for a long time keeps the hold where it is.
// - The replica is written by the replicator only; its position (source position and the
//   topic's offsets) lives in its own transactions' metadata (txgraph.replicatedFrom,
//   txgraph.sourcePosition, txgraph.kafkaOffsets), committed with the changes.
// - The Kafka topic must keep the messages a replica still has to read: a fresh replica needs
//   the stream from its first transaction.
// - Every call may throw txgraph::Error; Kafka failures are kIo with a message that names the
//   brokers, topic, partition and offset concerned.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "txgraph/cdc.h"
#include "txgraph/database.h"
#include "txgraph/import.h"

namespace txgraph {

// What a message's key is: the element id keeps all changes of one entity in one partition
// (and in order there); entity keys do the same by key value; none spreads them.
enum class KafkaKeyMode : std::uint8_t { kElementId, kEntityKeys, kNone };

// Where the brokers are and how to talk to them; shared by the publisher and the replica.
struct KafkaConnection {
  std::string brokers;  // bootstrap.servers: "host:port,host:port"
  std::string topic;
  // Client settings passed to librdkafka as they are (security.protocol, sasl.*, ssl.*,
  // message.max.bytes, …); they override what txgraph sets itself except transactional.id,
  // isolation.level and enable.idempotence, which exactly-once needs.
  std::vector<std::pair<std::string, std::string>> config;
  // How long brokers may stay unreachable at start before the call gives up naming them.
  std::chrono::milliseconds connect_timeout{10000};
};

struct KafkaPublishOptions {
  KafkaConnection kafka;
  // Consumer group of the source to read through (created when it does not exist, with the
  // selectors and a hold of hold_bytes); empty: "kafka-<topic>".
  std::string group;
  // Where to start while the topic holds nothing of this database: "earliest", "latest",
  // "snapshot", a change id (as parse_start_location reads them). Empty: the group's position
  // when the group exists, else earliest. Once the topic holds messages of this database the
  // publisher goes on after them, whatever this says. From "snapshot", the topic holds the whole
  // graph (ChangeStream::snapshot_start), then the stream: the snapshot's events in groups of
  // up to 1000, each a transaction of its own for the replica, which then holds the source
  // graph however much of the log was pruned.
  std::string start;
  std::vector<std::string> selectors;  // JSON objects (parse_change_selector)
  KafkaKeyMode key = KafkaKeyMode::kElementId;
  // How temporal and spatial values are written (keys too). kNeo4j, as Neo4j's Kafka connector
  // writes them, loses their types: a message holding one carries the header txgraph.values
  // "neo4j", and kafka_replicate refuses it. A topic to replicate from is published kTyped.
  ValueForm values = ValueForm::kNeo4j;
  std::uint64_t hold_bytes = 1ull << 30;  // the group's retention hold when this call creates it
  // A Kafka transaction closes after this many messages (at a source transaction's end) or at
  // the end of what is visible, whichever comes first. Larger: fewer commit round trips, more
  // to publish again after an abort.
  std::size_t max_batch = 5000;
  bool follow = false;  // keep publishing new transactions until `stop` returns true
  std::function<bool()> stop;
  std::chrono::milliseconds stop_check{200};
  // Called after each Kafka transaction commits, with the source position it reached.
  std::function<void(const std::string& position, std::uint64_t messages)> on_committed;
};

struct KafkaPublishResult {
  std::uint64_t messages = 0;      // messages this call committed (changes and imports)
  std::uint64_t transactions = 0;  // source transactions completed
  std::uint64_t kafka_transactions = 0;
  std::uint64_t kafka_aborts = 0;  // Kafka transactions aborted (and published again)
  std::uint64_t already_published = 0;  // messages found in the topic and not sent again
  std::string position;                 // the source position reached
  bool resumed = false;                 // the topic held messages of this database at start
};

// Publishes the changes of `source` to options.kafka.topic. Throws kInvalidArgument for bad
// options (and for --start snapshot), kIo for Kafka failures (brokers unreachable, topic
// missing and not creatable, a message over the size limit — naming the transaction, its size
// and the setting to raise), kConsumerGroupLost, and what ChangeStream::query throws.
// A broker lost while publishing is retried by the client; an aborted Kafka transaction is
// published again from what the topic shows.
KafkaPublishResult kafka_publish(const ChangeStream& source, const KafkaPublishOptions& options);

struct KafkaReplicaOptions {
  KafkaConnection kafka;
  bool follow = false;  // keep applying until `stop` returns true
  std::function<bool()> stop;
  // Without follow: stop once every partition was read to its end and this long passed
  // without a message.
  std::chrono::milliseconds idle_end{500};
  std::function<void(std::uint64_t source_tx, std::uint64_t replica_tx)> on_applied;
  std::function<void(const ImportNotice&)> on_import;
};

struct KafkaReplicaResult {
  std::uint64_t transactions = 0;  // source transactions applied by this call
  std::uint64_t changes = 0;
  std::uint64_t duplicates = 0;  // messages of changes already applied or already buffered
  std::string position;          // the source position the replica has reached
};

// Applies the transactions in the topic after the replica's position, in source order,
// each as one replica transaction that also stores the topic's offsets. Throws
// kInvalidArgument when the replica holds data but no position or is a replica of another
// database, kCorruption naming partition and offset for a message that is not a txgraph change
// (nothing of it is applied), kIo for Kafka failures, and the replica's own errors.
KafkaReplicaResult kafka_replicate(Database& replica, const KafkaReplicaOptions& options);

// librdkafka's mock cluster: Kafka brokers in this process, keeping everything in memory, for
// trying the verbs and for tests only. It implements transactions without aborting anything: a
// read_committed consumer sees the messages of an aborted transaction too.
class KafkaMockCluster {
 public:
  // Starts `brokers` brokers on localhost ports the system picks. Topics listed in `topics`
  // are created with `partitions` partitions; others are created on first use with the mock's
  // own default (4 partitions).
  KafkaMockCluster(int brokers, int partitions, const std::vector<std::string>& topics = {});
  ~KafkaMockCluster();
  KafkaMockCluster(const KafkaMockCluster&) = delete;
  KafkaMockCluster& operator=(const KafkaMockCluster&) = delete;

  const std::string& bootstrap() const;  // "127.0.0.1:PORT,…"
  void create_topic(const std::string& topic, int partitions);
  // Takes broker `id` (1..brokers) away, or brings it back: its connections are closed and
  // new ones refused while it is down.
  void set_broker_down(int id);
  void set_broker_up(int id);
  // Makes the next `count` requests of the given Kafka API (a protocol ApiKey, e.g. 0 for
  // Produce) fail with `error` (a protocol error code).
  void fail_requests(int api_key, int error, int count);
  // Makes metadata requests for `topic` answer with `error` (a protocol error code), e.g. 3
  // (UNKNOWN_TOPIC_OR_PARTITION): a topic that does not exist and will not be created.
  void set_topic_error(const std::string& topic, int error);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace txgraph
