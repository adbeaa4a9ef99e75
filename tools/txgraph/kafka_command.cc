// txgraph kafka publish|replicate|mock-cluster: the change stream into Kafka exactly once, a
// replica fed from it (txgraph/kafka.h), and a mock cluster to try them on.
#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "tools/txgraph/commands.h"
#include "tools/txgraph/interrupts.h"
#include "txgraph/kafka.h"

namespace txgraph::cli {

namespace {

std::vector<std::pair<std::string, std::string>> config_pairs(const std::vector<std::string>& settings) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& s : settings) {
    auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0)
      throw CLI::ValidationError("--config", fmt::format("\"{}\" is not KEY=VALUE", s));
    out.emplace_back(s.substr(0, eq), s.substr(eq + 1));
  }
  return out;
}

KafkaKeyMode key_mode(const std::string& text) {
  if (text == "element-id") return KafkaKeyMode::kElementId;
  if (text == "entity-keys") return KafkaKeyMode::kEntityKeys;
  return KafkaKeyMode::kNone;
}

// With follow: the caller's stop, or SIGINT / SIGTERM.
std::function<bool()> stop_of(const KafkaArgs& args) {
  if (!args.follow) return {};
  if (args.stop) return args.stop;
  stop_on_interrupt();
  return [] { return interrupted(); };
}

void add_connection_options(CLI::App* cmd, KafkaArgs& args) {
  cmd->add_option("--brokers", args.brokers, "Kafka bootstrap servers, HOST:PORT[,HOST:PORT…]")->required();
  cmd->add_option("--topic", args.topic, "Kafka topic")->required();
  cmd->add_option("--config", args.config,
                  "A librdkafka client setting KEY=VALUE (security.protocol, sasl.*, ssl.*, message.max.bytes, …); "
                  "repeat for several")
      ->take_all()
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_flag("--follow", args.follow, "Keep going until interrupted (Ctrl-C)");
}

}  // namespace

void kafka_publish_changes(const std::filesystem::path& dir, const KafkaArgs& args, std::ostream& out,
                           std::ostream& err) {
  auto source = ChangeStream::open_log(dir);
  source.set_snapshot_chunk(args.snapshot_chunk);
  KafkaPublishOptions options;
  options.kafka.brokers = args.brokers;
  options.kafka.topic = args.topic;
  options.kafka.config = config_pairs(args.config);
  options.group = args.group;
  options.start = args.start;
  options.selectors = args.selectors;
  options.key = key_mode(args.key);
  options.max_batch = args.max_batch;
  options.values = args.values;
  options.follow = args.follow;
  options.stop = stop_of(args);
  options.on_committed = [&](const std::string& position, std::uint64_t messages) {
    if (!args.follow) return;
    out << fmt::format("published {} messages, position {}\n", messages, position);
    out.flush();
  };
  auto result = kafka_publish(source, options);
  if (result.resumed)
    err << fmt::format("txgraph: went on after what topic {} holds of this database ({} already there)\n", args.topic,
                       result.already_published);
  out << fmt::format("published {} messages ({} transactions, {} Kafka transactions) from {} to topic {}\n",
                     result.messages, result.transactions, result.kafka_transactions, dir.string(), args.topic);
  out << fmt::format("position {}\n", result.position);
}

void kafka_replicate_changes(const std::filesystem::path& replica_dir, const KafkaArgs& args, std::ostream& out,
                             std::ostream& err) {
  auto replica = open_or_create_replica(replica_dir, err);
  KafkaReplicaOptions options;
  options.kafka.brokers = args.brokers;
  options.kafka.topic = args.topic;
  options.kafka.config = config_pairs(args.config);
  options.follow = args.follow;
  options.stop = stop_of(args);
  if (args.follow) {
    options.on_applied = [&](std::uint64_t source_tx, std::uint64_t replica_tx) {
      out << fmt::format("applied source transaction {} as {}\n", source_tx, replica_tx);
      out.flush();
      if (args.on_applied) args.on_applied(source_tx);
    };
  }
  options.on_import = [&](const ImportNotice& notice) {
    err << fmt::format(
        "txgraph: warning: import {} into the source ({} nodes, {} relationships, after tx {}) "
        "bypassed its log: that data is not in the replica\n",
        notice.import_number, notice.nodes, notice.relationships, notice.after_tx);
    err.flush();
  };
  auto result = kafka_replicate(*replica, options);
  out << fmt::format("replicated {} transactions ({} changes) from topic {} to {}\n", result.transactions,
                     result.changes, args.topic, replica_dir.string());
  if (!result.position.empty()) out << fmt::format("position {}\n", result.position);
  replica->close();
}

void run_mock_cluster(int brokers, int partitions, const std::vector<std::string>& topics, std::ostream& out) {
  KafkaMockCluster cluster(brokers, partitions, topics);
  stop_on_interrupt();
  out << "bootstrap: " << cluster.bootstrap() << std::endl;
  while (!interrupted()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

Verb add_kafka_verb(CLI::App& app) {
  auto dir = std::make_shared<std::string>();
  auto args = std::make_shared<KafkaArgs>();
  auto brokers = std::make_shared<int>(3);
  auto partitions = std::make_shared<int>(1);
  auto topics = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = app.add_subcommand("kafka", "The change stream into Kafka, and a replica fed from it");
  cmd->require_subcommand(1);

  CLI::App* publish =
      cmd->add_subcommand("publish", "Publish the changes of a database to a Kafka topic, exactly once");
  publish->add_option("DIR", *dir, "Folder of the database (enrichment diff or full)")
      ->check(folder_name())
      ->required();
  add_connection_options(publish, *args);
  publish->add_option("--group", args->group,
                      "Consumer group to read through (default kafka-TOPIC; created with a "
                      "retention hold when it does not exist)");
  publish->add_option("--start", args->start,
                      "Where to start while the topic holds nothing of this database: earliest, latest, snapshot "
                      "(the whole graph, then the stream) or a change id (default: the group's position, or "
                      "earliest)");
  publish->add_option("--max-batch", args->max_batch,
                      "Messages per Kafka transaction, at most (a source transaction is never split)")
      ->check(whole_number(1))
      ->capture_default_str();
  publish->add_option("--snapshot-chunk", args->snapshot_chunk,
                      "With --start snapshot: entities the snapshot reads per store read transaction")
      ->check(whole_number(1));
  publish
      ->add_option("--selector", args->selectors, "A selector as a JSON object (as for cdc query); repeat for several")
      ->take_all()
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  publish->add_option("--key", args->key, "Message key: element-id, entity-keys or none")
      ->check(CLI::IsMember({"element-id", "entity-keys", "none"}))
      ->capture_default_str();
  add_values_option(publish, args->values);
  publish->footer(
      "One message per change: the value is the event as 'txgraph cdc query' prints it, the headers\n"
      "say its change id, transaction, seq, how many messages the transaction has and the position of\n"
      "the transaction before it. Each batch is a Kafka transaction; a publisher stopped or killed at\n"
      "any point goes on after what the topic holds, so a read_committed consumer sees every change\n"
      "once. --start applies only while the topic holds nothing of this database. With --start\n"
      "snapshot, a replica fed from the topic holds the whole source graph, whatever the log still\n"
      "holds (snapshot events go in groups of up to 1000, each sent as one transaction). Key\n"
      "constraints travel when a selector asks for them: --selector '{\"select\":\"e\"}' --selector\n"
      "'{\"select\":\"s\"}'. A topic that 'kafka replicate' reads is published with --values typed:\n"
      "Neo4j's form of a date or a point is a plain string or map, and loses its type.");

  CLI::App* replicate = cmd->add_subcommand("replicate", "Apply the changes in a Kafka topic to a replica database");
  replicate->add_option("DST", *dir, "Folder of the replica (created when it holds no database)")
      ->check(folder_name())
      ->required();
  add_connection_options(replicate, *args);
  replicate->footer(
      "Reads every partition, rebuilds each source transaction and applies it as one replica\n"
      "transaction, in source order, storing the topic's offsets in the same transaction: a replicator\n"
      "stopped or killed at any point goes on after its last commit. Nothing is committed to Kafka.\n"
      "Without --follow it stops once every partition is read to its end.");

  CLI::App* mock = cmd->add_subcommand("mock-cluster", "Run an in-memory Kafka cluster, for trying and testing only");
  mock->add_option("--brokers", *brokers, "Number of brokers")->check(CLI::Range(1, 16))->capture_default_str();
  mock->add_option("--partitions", *partitions, "Partitions of the topics named with --topic")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  mock->add_option("--topic", *topics,
                   "Create this topic at start; repeat for several (other topics are created on "
                   "first use, with 4 partitions)")
      ->take_all()
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  mock->footer(
      "librdkafka's mock cluster: brokers on localhost that keep everything in memory and lose it when\n"
      "this ends. For trying the kafka verbs and for tests only, never for data you keep: it does not\n"
      "hide aborted transactions from read_committed consumers as Kafka does. The first line on\n"
      "standard output is 'bootstrap: HOST:PORT,…'; Ctrl-C ends it.");

  return {cmd, [=] {
            if (publish->parsed()) kafka_publish_changes(*dir, *args, std::cout, std::cerr);
            if (replicate->parsed()) kafka_replicate_changes(*dir, *args, std::cout, std::cerr);
            if (mock->parsed()) run_mock_cluster(*brokers, *partitions, *topics, std::cout);
          }};
}

}  // namespace txgraph::cli
