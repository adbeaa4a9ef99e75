// The Kafka errors a user meets, each a clear message and nothing lost or published twice:
// brokers unreachable, a topic missing and not creatable, a message over the size limit, a
// topic that holds something that is not txgraph's, a broker lost mid-stream, requests refused
// (the Kafka transaction aborted and published again), the source's log pruned past the
// group's hold; bulk imports as messages of their own; kcat reads what was
// published.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <set>
#include <thread>

#include "connect/change_apply.h"
#include "kafka_test_support.h"
#include "test_dir.h"

namespace txgraph {
namespace {

using testing::count_topic;
using testing::graph_of;
using testing::read_topic;
using testing::source_changes;
using testing::TestDir;

KafkaConnection connection(const KafkaMockCluster& cluster, const std::string& topic) {
  KafkaConnection c;
  c.brokers = cluster.bootstrap();
  c.topic = topic;
  return c;
}

// The message of the Error `f` throws, with its code.
template <typename F>
std::pair<ErrorCode, std::string> failure_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return {e.code(), e.what()};
  }
  ADD_FAILURE() << "no error";
  return {ErrorCode::kInvalidArgument, ""};
}

struct Source {
  TestDir dir;
  std::unique_ptr<Database> db = Database::open(dir / "source", testing::source_options());
  ChangeStream stream{*db};
};

TEST(KafkaErrorsTest, UnreachableBrokersAreNamedWithinTheTimeout) {
  Source source;
  testing::HistoryWriter(1).commit_one(*source.db);
  KafkaPublishOptions options;
  options.kafka.brokers = "127.0.0.1:1";
  options.kafka.topic = "changes";
  options.kafka.connect_timeout = std::chrono::milliseconds(1500);
  auto began = std::chrono::steady_clock::now();
  auto [code, message] = failure_of([&] { kafka_publish(source.stream, options); });
  EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::seconds(10));
  EXPECT_EQ(code, ErrorCode::kIo);
  EXPECT_NE(message.find("cannot reach the Kafka brokers 127.0.0.1:1"), std::string::npos) << message;
}

TEST(KafkaErrorsTest, ATopicThatIsMissingAndNotCreatableIsNamed) {
  Source source;
  testing::HistoryWriter(1).commit_one(*source.db);
  KafkaMockCluster cluster(3, 1);
  cluster.set_topic_error("nowhere", RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
  KafkaPublishOptions options;
  options.kafka = connection(cluster, "nowhere");
  options.kafka.connect_timeout = std::chrono::milliseconds(1500);
  auto [code, message] = failure_of([&] { kafka_publish(source.stream, options); });
  EXPECT_EQ(code, ErrorCode::kIo);
  EXPECT_NE(message.find("topic nowhere does not exist"), std::string::npos) << message;
  EXPECT_NE(message.find("auto.create.topics.enable"), std::string::npos) << message;
}

TEST(KafkaErrorsTest, AMessageOverTheSizeLimitNamesItsTransactionAndTheSetting) {
  Source source;
  {
    auto tx = source.db->begin_write();
    tx.create_node({"Small"}, {});
    tx.commit();
  }
  {
    auto tx = source.db->begin_write();
    tx.create_node({"Big"}, {{"blob", Value(std::string(20000, 'x'))}});
    tx.commit();
  }
  KafkaMockCluster cluster(3, 1, {"changes"});
  KafkaPublishOptions options;
  options.kafka = connection(cluster, "changes");
  options.kafka.config = {{"message.max.bytes", "10000"}};
  auto [code, message] = failure_of([&] { kafka_publish(source.stream, options); });
  EXPECT_EQ(code, ErrorCode::kIo);
  EXPECT_NE(message.find("transaction 2 change 0 (n:2)"), std::string::npos) << message;
  EXPECT_NE(message.find("message.max.bytes (10000)"), std::string::npos) << message;
  // The change too large for the brokers is not in the topic. (The rest of its batch was
  // aborted with it: a read_committed consumer of a real cluster does not see it, but the mock
  // cluster does not hide aborted messages, so whether it shows here depends on timing.)
  auto count = count_topic(read_topic(cluster.bootstrap(), "changes"));
  EXPECT_EQ(count.changes.count({2, 0}), 0u);
  EXPECT_EQ(count.foreign, 0);
}

TEST(KafkaErrorsTest, AMessageThatIsNotTxgraphsIsNamedAndNothingOfItApplied) {
  Source source;
  testing::HistoryWriter writer(5);
  for (int i = 0; i < 5; ++i) writer.commit_one(*source.db);
  KafkaMockCluster cluster(3, 1, {"changes"});
  KafkaPublishOptions options;
  options.kafka = connection(cluster, "changes");
  kafka_publish(source.stream, options);
  {
    // Someone else's message after ours.
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char why[256];
    rd_kafka_conf_set(conf, "bootstrap.servers", cluster.bootstrap().c_str(), why, sizeof why);
    rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof why);
    ASSERT_NE(producer, nullptr) << why;
    std::string value = R"({"hello":"world"})";
    ASSERT_EQ(rd_kafka_producev(producer, RD_KAFKA_V_TOPIC("changes"), RD_KAFKA_V_VALUE(value.data(), value.size()),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
              RD_KAFKA_RESP_ERR_NO_ERROR);
    ASSERT_EQ(rd_kafka_flush(producer, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(producer);
  }
  auto all = read_topic(cluster.bootstrap(), "changes");
  ASSERT_FALSE(all.empty());
  std::int64_t foreign_offset = all.back().offset;
  TestDir replica_dir;
  auto replica = Database::open(replica_dir / "replica");
  KafkaReplicaOptions replica_options;
  replica_options.kafka = connection(cluster, "changes");
  auto [code, message] = failure_of([&] { kafka_replicate(*replica, replica_options); });
  EXPECT_EQ(code, ErrorCode::kCorruption);
  EXPECT_NE(message.find(fmt::format("partition 0 offset {}", foreign_offset)), std::string::npos) << message;
  EXPECT_NE(message.find("not a txgraph change"), std::string::npos) << message;
  // What came before it is applied, each transaction whole.
  EXPECT_EQ(graph_of(*replica), graph_of(*source.db));
}

TEST(KafkaErrorsTest, ABulkImportIsAMessageOfItsOwnOnce) {
  Source source;
  testing::HistoryWriter writer(9);
  for (int i = 0; i < 3; ++i) writer.commit_one(*source.db);
  {
    std::ofstream(source.dir / "people.csv") << "id:ID,name,:LABEL\nx1,Xi,Person\nx2,Yo,Person\n";
    ImportOptions import;
    import.node_files = {source.dir / "people.csv"};
    source.db->import_csv(import);
  }
  for (int i = 0; i < 3; ++i) writer.commit_one(*source.db);
  KafkaMockCluster cluster(3, 6, {"changes"});
  KafkaPublishOptions options;
  options.kafka = connection(cluster, "changes");
  options.max_batch = 1;  // the import lands between two Kafka transactions
  kafka_publish(source.stream, options);
  kafka_publish(source.stream, options);
  auto count = count_topic(read_topic(cluster.bootstrap(), "changes"));
  ASSERT_EQ(count.imports.size(), 1u);
  EXPECT_EQ(count.imports.begin()->second, 1);
  EXPECT_EQ(count.changes.size(), source_changes(source.stream).size());

  TestDir replica_dir;
  auto replica = Database::open(replica_dir / "replica");
  KafkaReplicaOptions replica_options;
  replica_options.kafka = connection(cluster, "changes");
  std::vector<ImportNotice> imports;
  replica_options.on_import = [&](const ImportNotice& n) { imports.push_back(n); };
  try {
    kafka_replicate(*replica, replica_options);
  } catch (const Error& e) {
    // A later transaction may touch an imported node, which the replica cannot have.
    EXPECT_EQ(e.code(), ErrorCode::kNotFound) << e.what();
  }
  ASSERT_EQ(imports.size(), 1u);
  EXPECT_EQ(imports[0].nodes, 2u);
}

TEST(KafkaErrorsTest, ABrokerLostMidStreamIsRetriedAndNothingIsLostOrDoubled) {
  Source source;
  KafkaMockCluster cluster(3, 6, {"changes"});
  KafkaPublishOptions options;
  options.kafka = connection(cluster, "changes");
  options.follow = true;
  options.max_batch = 20;
  options.stop_check = std::chrono::milliseconds(20);
  std::atomic<bool> stop{false};
  options.stop = [&] { return stop.load(); };
  std::optional<Error> failed;
  std::thread publisher([&] {
    try {
      kafka_publish(source.stream, options);
    } catch (const Error& e) {
      failed = e;
    }
  });
  testing::HistoryWriter writer(13);
  for (int i = 0; i < 300; ++i) {
    writer.commit_one(*source.db);
    if (i == 100) cluster.set_broker_down(2);
    if (i == 200) cluster.set_broker_up(2);
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
  }
  // Until what is committed is published, then stop.
  auto expected = source_changes(source.stream);
  for (int i = 0; i < 300 && count_topic(read_topic(cluster.bootstrap(), "changes")).changes.size() < expected.size();
       ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  stop = true;
  publisher.join();
  ASSERT_FALSE(failed) << failed->what();
  auto count = count_topic(read_topic(cluster.bootstrap(), "changes"));
  ASSERT_EQ(count.changes.size(), expected.size());
  for (const auto& change : expected) EXPECT_EQ(count.changes[change], 1) << change.first << "/" << change.second;
  TestDir replica_dir;
  auto replica = Database::open(replica_dir / "replica");
  KafkaReplicaOptions replica_options;
  replica_options.kafka = connection(cluster, "changes");
  kafka_replicate(*replica, replica_options);
  EXPECT_EQ(graph_of(*replica), graph_of(*source.db));
}

TEST(KafkaErrorsTest, AnAbortedKafkaTransactionIsPublishedAgainFromWhatTheTopicShows) {
  Source source;
  testing::HistoryWriter writer(23);
  for (int i = 0; i < 200; ++i) writer.commit_one(*source.db);
  KafkaMockCluster cluster(3, 6, {"changes"});
  // Produce requests refused for good: each Kafka transaction that meets one must be aborted,
  // and what its other requests put in the topic stays visible on the mock cluster.
  cluster.fail_requests(0, RD_KAFKA_RESP_ERR_INVALID_RECORD, 3);
  KafkaPublishOptions options;
  options.kafka = connection(cluster, "changes");
  options.max_batch = 40;
  auto result = kafka_publish(source.stream, options);
  EXPECT_GT(result.kafka_aborts, 0u);
  auto expected = source_changes(source.stream);
  auto count = count_topic(read_topic(cluster.bootstrap(), "changes"));
  ASSERT_EQ(count.changes.size(), expected.size());
  for (const auto& change : expected) EXPECT_EQ(count.changes[change], 1) << change.first << "/" << change.second;
  TestDir replica_dir;
  auto replica = Database::open(replica_dir / "replica");
  KafkaReplicaOptions replica_options;
  replica_options.kafka = connection(cluster, "changes");
  kafka_replicate(*replica, replica_options);
  EXPECT_EQ(graph_of(*replica), graph_of(*source.db));
}

TEST(KafkaErrorsTest, PastTheHoldsCapTheGroupIsLostWithAClearError) {
  TestDir dir;
  Options o = testing::source_options();
  o.initial_settings.rotation_size = 4096;
  o.initial_settings.retention_policy = "1 files";
  o.initial_settings.checkpoint_interval_tx = 0;
  o.initial_settings.checkpoint_interval_volume = 0;
  auto db = Database::open(dir / "source", o);
  ChangeStream stream(*db);
  testing::HistoryWriter writer(19);
  for (int i = 0; i < 20; ++i) writer.commit_one(*db);
  KafkaMockCluster cluster(3, 1, {"changes"});
  KafkaPublishOptions options;
  options.kafka = connection(cluster, "changes");
  options.hold_bytes = 16384;
  kafka_publish(stream, options);
  // Kafka is away (nobody publishes) while the log grows past the hold's cap and is pruned.
  for (int i = 0; i < 400; ++i) writer.commit_one(*db);
  db->checkpoint();
  auto [code, message] = failure_of([&] { kafka_publish(stream, options); });
  EXPECT_EQ(code, ErrorCode::kConsumerGroupLost);
  EXPECT_NE(message.find("kafka-changes"), std::string::npos) << message;
}

TEST(KafkaErrorsTest, KcatReadsWhatWasPublished) {
  if (std::system("command -v kcat >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "kcat is not installed (Debian package kcat): standard tooling cannot be shown reading the topic";
  Source source;
  testing::HistoryWriter writer(17);
  for (int i = 0; i < 10; ++i) writer.commit_one(*source.db);
  KafkaMockCluster cluster(3, 6, {"changes"});
  KafkaPublishOptions options;
  options.kafka = connection(cluster, "changes");
  kafka_publish(source.stream, options);
  std::string command = fmt::format("kcat -C -b {} -t changes -X isolation.level=read_committed -e -q -f '%k\\t%s\\n'",
                                    cluster.bootstrap());
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::set<std::string> seen;
  char line[1 << 16];
  while (std::fgets(line, sizeof line, pipe)) {
    std::string text(line);
    auto tab = text.find('\t');
    ASSERT_NE(tab, std::string::npos) << text;
    auto event = connect::parse_change_event_json(text.substr(tab + 1));
    EXPECT_EQ(text.substr(0, tab), event.element_id);
    seen.insert(event.id);
  }
  EXPECT_EQ(::pclose(pipe), 0);
  std::set<std::string> expected;
  source.stream.query(source.stream.earliest(), {}, [&](const ChangeEvent& e) {
    expected.insert(e.id);
    return true;
  });
  EXPECT_EQ(seen, expected);
}

}  // namespace
}  // namespace txgraph
