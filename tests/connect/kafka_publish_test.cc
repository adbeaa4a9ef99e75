// The change stream through Kafka, on librdkafka's mock cluster (3 brokers, 1, 6 and 12
// partitions): a replica fed from the topic equals its source, every change is in the topic
// once for a read_committed consumer, a second publisher goes on after what the topic holds,
// and the message headers let a consumer rebuild each transaction.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>

#include "connect/change_apply.h"
#include "connect/stream_message.h"
#include "kafka_test_support.h"
#include "test_dir.h"

namespace txgraph {
namespace {

using testing::count_topic;
using testing::graph_of;
using testing::read_topic;
using testing::source_changes;
using testing::TestDir;

class KafkaPublishTest : public ::testing::TestWithParam<int> {
 protected:
  KafkaPublishTest() : cluster_(3, GetParam(), {"changes"}) {}

  KafkaPublishOptions publish_options() const {
    KafkaPublishOptions o;
    o.kafka.brokers = cluster_.bootstrap();
    o.kafka.topic = "changes";
    o.max_batch = 50;  // several Kafka transactions per run
    return o;
  }
  KafkaReplicaOptions replica_options() const {
    KafkaReplicaOptions o;
    o.kafka.brokers = cluster_.bootstrap();
    o.kafka.topic = "changes";
    o.idle_end = std::chrono::milliseconds(300);
    return o;
  }

  KafkaMockCluster cluster_;
};

TEST_P(KafkaPublishTest, TheReplicaEqualsItsSourceAndEachChangeIsInTheTopicOnce) {
  TestDir dir;
  auto source = Database::open(dir / "source", testing::source_options());
  testing::HistoryWriter writer(7);
  for (int i = 0; i < 300; ++i) writer.commit_one(*source);
  ChangeStream stream(*source);

  auto published = kafka_publish(stream, publish_options());
  auto expected = source_changes(stream);
  EXPECT_EQ(published.messages, expected.size());
  EXPECT_GT(published.kafka_transactions, 3u);
  EXPECT_FALSE(published.resumed);

  auto count = count_topic(read_topic(cluster_.bootstrap(), "changes"));
  EXPECT_EQ(count.foreign, 0);
  ASSERT_EQ(count.changes.size(), expected.size());
  for (const auto& change : expected) EXPECT_EQ(count.changes[change], 1) << change.first << "/" << change.second;

  auto replica = Database::open(dir / "replica");
  auto applied = kafka_replicate(*replica, replica_options());
  EXPECT_EQ(applied.transactions, testing::source_transactions(stream, stream.earliest()));
  EXPECT_EQ(applied.changes, expected.size());
  EXPECT_EQ(graph_of(*replica), graph_of(*source));
  EXPECT_EQ(applied.position, stream.current());
}

TEST_P(KafkaPublishTest, ASecondRunGoesOnAfterWhatTheTopicHoldsAndTheReplicaAfterItsOffsets) {
  TestDir dir;
  auto source = Database::open(dir / "source", testing::source_options());
  testing::HistoryWriter writer(11);
  for (int i = 0; i < 40; ++i) writer.commit_one(*source);
  ChangeStream stream(*source);
  auto first = kafka_publish(stream, publish_options());
  auto replica = Database::open(dir / "replica");
  auto applied_first = kafka_replicate(*replica, replica_options());
  EXPECT_EQ(applied_first.transactions, testing::source_transactions(stream, stream.earliest()));
  std::string middle = stream.current();

  for (int i = 0; i < 25; ++i) writer.commit_one(*source);
  // --start latest would skip what was committed meanwhile; the topic's tail wins.
  auto options = publish_options();
  options.start = "latest";
  auto second = kafka_publish(stream, options);
  EXPECT_TRUE(second.resumed);
  EXPECT_EQ(second.transactions, testing::source_transactions(stream, middle));
  EXPECT_EQ(first.messages + second.messages, source_changes(stream).size());
  auto again = kafka_publish(stream, options);
  EXPECT_EQ(again.messages, 0u);

  auto applied_second = kafka_replicate(*replica, replica_options());
  EXPECT_EQ(applied_second.transactions, testing::source_transactions(stream, middle));
  EXPECT_EQ(applied_second.duplicates, 0u) << "the stored offsets were not used";
  EXPECT_EQ(graph_of(*replica), graph_of(*source));
}

TEST_P(KafkaPublishTest, HeadersLetAConsumerRebuildEachTransaction) {
  TestDir dir;
  auto source = Database::open(dir / "source", testing::source_options());
  testing::HistoryWriter writer(3);
  for (int i = 0; i < 30; ++i) writer.commit_one(*source);
  ChangeStream stream(*source);
  kafka_publish(stream, publish_options());
  struct Seen {
    std::uint32_t events = 0;
    std::uint32_t messages = 0;
    std::string previous;
    std::string change_id;
  };
  std::map<std::uint64_t, Seen> transactions;
  for (const auto& m : read_topic(cluster_.bootstrap(), "changes")) {
    std::string why;
    auto h = connect::parse_stream_headers(m, &why);
    ASSERT_TRUE(h) << why;
    auto event = connect::parse_change_event_json(m.value);
    EXPECT_EQ(m.key, event.element_id);
    EXPECT_EQ(h->change_id, event.id);
    EXPECT_EQ(h->tx_id, event.tx_id);
    EXPECT_EQ(h->seq, event.seq);
    auto& seen = transactions[h->tx_id];
    seen.events = h->tx_events;
    seen.previous = h->previous;
    seen.change_id = h->change_id;
    ++seen.messages;
  }
  ASSERT_EQ(transactions.size(), testing::source_transactions(stream, stream.earliest()));
  std::string previous;
  for (const auto& [tx, seen] : transactions) {
    EXPECT_EQ(seen.messages, seen.events) << "transaction " << tx;
    EXPECT_EQ(seen.previous, previous) << "transaction " << tx;
    previous = connect::position_after_transaction(seen.change_id);
  }
}

// A source transaction that swaps key values between two nodes reaches the replica through
// the topic as it does through replicate(): the replica applies the swap, not a duplicate key.
TEST_P(KafkaPublishTest, AKeySwapBetweenTwoNodesApplies) {
  TestDir dir;
  auto source = Database::open(dir / "source", testing::source_options());
  NodeId a, b;
  {
    auto tx = source->begin_write();
    tx.create_key({EntityKind::kNode, "Person", {"id"}});
    a = tx.create_node({"Person"}, {{"id", Value(1)}});
    b = tx.create_node({"Person"}, {{"id", Value(2)}});
    tx.commit();
  }
  ChangeStream stream(*source);
  kafka_publish(stream, publish_options());
  auto replica = Database::open(dir / "replica");
  {
    // The replica gets the key constraint as a replica of a snapshot would.
    auto tx = replica->begin_write();
    tx.create_key({EntityKind::kNode, "Person", {"id"}});
    tx.commit();
  }
  kafka_replicate(*replica, replica_options());
  {
    auto tx = source->begin_write();
    tx.remove_node_properties(a, {"id"});
    tx.set_node_properties(b, {{"id", Value(1)}});
    tx.set_node_properties(a, {{"id", Value(2)}});
    tx.commit();
  }
  kafka_publish(stream, publish_options());
  kafka_replicate(*replica, replica_options());
  EXPECT_EQ(graph_of(*replica), graph_of(*source));
  auto read = replica->begin_read();
  auto one = read.find_node("Person", {{"id", Value(1)}});
  ASSERT_TRUE(one);
  EXPECT_EQ(*one, b);
}

// With a schema selector beside the entity one, key constraints made and dropped on the source
// travel as schema events, and the replica follows them.
TEST_P(KafkaPublishTest, KeysTravelAsSchemaEventsWhenSelected) {
  TestDir dir;
  auto source = Database::open(dir / "source", testing::source_options());
  const KeyConstraint person{EntityKind::kNode, "Person", {"id"}};
  const KeyConstraint paid{EntityKind::kRelationship, "PAID", {"ref"}};
  {
    auto tx = source->begin_write();
    tx.create_key(person);
    auto a = tx.create_node({"Person"}, {{"id", Value(1)}});
    tx.create_relationship("PAID", a, a, {{"ref", Value("x")}});
    tx.commit();
  }
  ChangeStream stream(*source);
  KafkaPublishOptions options = publish_options();
  options.start = "earliest";
  options.selectors = {R"({"select":"e"})", R"({"select":"s"})"};
  kafka_publish(stream, options);
  auto replica = Database::open(dir / "replica");
  kafka_replicate(*replica, replica_options());
  EXPECT_EQ(replica->begin_read().key_constraints(), (std::vector<KeyConstraint>{person}));
  {
    auto tx = source->begin_write();
    tx.drop_key(person);
    tx.create_node({"Person"}, {{"id", Value(1)}});  // a duplicate only the dropped key refused
    tx.create_key(paid);
    tx.commit();
  }
  auto published = kafka_publish(stream, options);
  EXPECT_EQ(published.messages, 3u);  // the drop, the node, the new key
  auto applied = kafka_replicate(*replica, replica_options());
  EXPECT_EQ(applied.transactions, 1u);
  EXPECT_EQ(graph_of(*replica), graph_of(*source));
  EXPECT_EQ(replica->begin_read().key_constraints(), (std::vector<KeyConstraint>{paid}));
}

// --start snapshot: the source's early log pruned and data imported, a replica fed from the
// topic still ends with the whole source graph and its keys; a second run goes on with the stream.
TEST_P(KafkaPublishTest, AReplicaFedFromASnapshotHoldsWhatThePrunedLogAndAnImportDoNot) {
  TestDir dir;
  Options small = testing::source_options();
  small.initial_settings.rotation_size = 4096;
  small.initial_settings.retention_policy = "keep_none";
  auto source = Database::open(dir / "source", small);
  {
    auto tx = source->begin_write();
    tx.create_key({EntityKind::kNode, "Imported", {"name"}});
    tx.commit();
  }
  testing::HistoryWriter writer(11);
  for (int i = 0; i < 150; ++i) writer.commit_one(*source);
  {
    std::ofstream(dir / "people.csv") << "id:ID,name,:LABEL\nx1,Xi,Imported\nx2,Yo,Imported\n";
    ImportOptions import;
    import.node_files = {(dir / "people.csv").string()};
    source->import_csv(import);
  }
  for (int i = 0; i < 30; ++i) writer.commit_one(*source);
  source->checkpoint();
  ASSERT_GT(source->status().segments_pruned, 0u) << "the test wants a pruned log";
  ChangeStream stream(*source);
  stream.set_snapshot_chunk(7);  // many chunks, and groups that end with them

  KafkaPublishOptions options = publish_options();
  options.start = "snapshot";
  options.max_batch = 20;  // snapshot groups of 20, and several Kafka transactions
  options.selectors = {R"({"select":"e"})", R"({"select":"s"})"};
  auto published = kafka_publish(stream, options);
  EXPECT_GT(published.kafka_transactions, 3u);
  auto replica = Database::open(dir / "replica");
  kafka_replicate(*replica, replica_options());
  EXPECT_EQ(graph_of(*replica), graph_of(*source));
  EXPECT_EQ(replica->begin_read().key_constraints(), source->begin_read().key_constraints());

  // Each event is in the topic once.
  for (const auto& [id, times] : testing::count_change_ids(read_topic(cluster_.bootstrap(), "changes")))
    EXPECT_EQ(times, 1) << id;

  for (int i = 0; i < 20; ++i) writer.commit_one(*source);
  auto more = kafka_publish(stream, options);
  EXPECT_TRUE(more.resumed);
  kafka_replicate(*replica, replica_options());
  EXPECT_EQ(graph_of(*replica), graph_of(*source));
}

// A batch that began inside the snapshot and shows only what follows it (its last event has a
// stream position), with the group's position behind, as after a kill: the next publisher goes
// on after what the topic shows, never reading the snapshot again.
TEST_P(KafkaPublishTest, ABatchThatBeganInsideTheSnapshotIsNotReadAgain) {
  TestDir dir;
  auto source = Database::open(dir / "source", testing::source_options());
  testing::HistoryWriter writer(13);
  for (int i = 0; i < 40; ++i) writer.commit_one(*source);
  ChangeStream stream(*source);
  const std::size_t entities = stream.query(stream.snapshot_start()).size();
  ASSERT_GT(entities, 10u);
  KafkaPublishOptions options = publish_options();
  options.start = "snapshot";
  options.max_batch = entities - 1;  // the first batch ends just before the snapshot's last event
  kafka_publish(stream, options);
  for (int i = 0; i < 10; ++i) writer.commit_one(*source);
  reset_consumer_group(stream, "kafka-changes", StartLocation::earliest());
  auto second = kafka_publish(stream, options);
  EXPECT_TRUE(second.resumed);
  auto replica = Database::open(dir / "replica");
  kafka_replicate(*replica, replica_options());
  EXPECT_EQ(graph_of(*replica), graph_of(*source));
  auto messages = read_topic(cluster_.bootstrap(), "changes");
  for (const auto& [id, times] : testing::count_change_ids(messages)) EXPECT_EQ(times, 1) << id;
  std::size_t snapshot_events = 0;
  for (const auto& m : messages) snapshot_events += nlohmann::json::parse(m.value).value("snapshot", false);
  EXPECT_EQ(snapshot_events, entities) << "the snapshot was read again";
}

// Temporal and spatial values: published typed they reach the replica as the exact values;
// published in Neo4j's form (the default, for Neo4j's consumers) they cannot, and the replica
// refuses them by name rather than storing strings.
TEST_P(KafkaPublishTest, TypedValuesReachTheReplicaExactlyAndNeo4jFormsAreRefused) {
  TestDir dir;
  auto source = Database::open(dir / "source", testing::source_options());
  {
    auto tx = source->begin_write();
    auto a = tx.create_node({"Event"}, {{"plain", Value(1)}});
    auto b = tx.create_node({"Event"}, {{"at", Value(parse_datetime("2024-01-31T12:30:00+01:00[Europe/Berlin]"))},
                                        {"day", Value(parse_date("2024-01-31"))},
                                        {"where", Value(Point{kSridWgs84_3D, 13.4, 52.5, 34})}});
    tx.create_relationship("NEXT", a, b, {{"gap", Value(parse_iso_duration("PT90M"))}});
    tx.commit();
  }
  ChangeStream stream(*source);
  KafkaPublishOptions typed = publish_options();
  typed.values = ValueForm::kTyped;
  kafka_publish(stream, typed);
  auto replica = Database::open(dir / "replica");
  kafka_replicate(*replica, replica_options());
  EXPECT_EQ(graph_of(*replica), graph_of(*source));

  KafkaMockCluster other(3, GetParam(), {"changes"});
  KafkaPublishOptions neo4j = publish_options();
  neo4j.kafka.brokers = other.bootstrap();
  neo4j.group = "to-other";  // the first group's position is past everything
  neo4j.start = "earliest";
  kafka_publish(stream, neo4j);
  std::size_t marked = 0;
  for (const auto& m : read_topic(other.bootstrap(), "changes")) {
    const std::string* values = m.header(connect::kHeaderValues);
    if (!values) continue;
    EXPECT_EQ(*values, "neo4j");
    ++marked;
    auto json = nlohmann::json::parse(m.value);
    if (json["event"]["eventType"] == "n") {
      EXPECT_EQ(json["event"]["state"]["after"]["properties"]["day"], "2024-01-31");
    }
  }
  EXPECT_EQ(marked, 2u) << "the node with temporal values and the relationship with a duration";
  auto refused = Database::open(dir / "refused");
  KafkaReplicaOptions from_other = replica_options();
  from_other.kafka.brokers = other.bootstrap();
  try {
    kafka_replicate(*refused, from_other);
    ADD_FAILURE() << "a change in Neo4j's form was applied";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("--values typed"), std::string::npos) << e.what();
  }
  EXPECT_EQ(refused->begin_read().node_count(), 0u) << "nothing of the refused transaction was applied";
}

INSTANTIATE_TEST_SUITE_P(Partitions, KafkaPublishTest, ::testing::Values(1, 6, 12),
                         [](const auto& info) { return std::to_string(info.param) + "Partitions"; });

}  // namespace
}  // namespace txgraph
