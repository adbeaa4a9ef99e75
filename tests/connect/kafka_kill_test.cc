// kill -9 of `txgraph kafka publish --follow` and `txgraph kafka replicate --follow` at random
// moments while a writer commits, on the mock cluster (3 brokers, 1 and 6 partitions); then a
// last publish and replicate, and every change must be in the topic exactly once for a
// read_committed consumer and the replica must equal its source. Also with publishers that
// start with a snapshot (read in small chunks while the writer commits).
//
// TXGRAPH_KAFKA_KILL_ROUNDS sets the rounds per partition count (default 4; the kafka_soak
// target runs 20).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <cstdlib>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "kafka_test_support.h"
#include "test_dir.h"

namespace txgraph {
namespace {

using testing::TestDir;

int rounds() {
  const char* env = std::getenv("TXGRAPH_KAFKA_KILL_ROUNDS");
  return env ? std::atoi(env) : 4;
}

// A child running the tool with `args`, its output thrown away.
class Child {
 public:
  explicit Child(std::vector<std::string> args) {
    pid_ = ::fork();
    if (pid_ == 0) {
      int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, STDOUT_FILENO);
      ::dup2(null, STDERR_FILENO);
      std::vector<char*> argv;
      argv.push_back(const_cast<char*>(TXGRAPH_CLI));
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(TXGRAPH_CLI, argv.data());
      ::_exit(127);
    }
  }
  // Kills it with SIGKILL; returns whether it was still running (not ended on its own).
  bool kill() {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  }

 private:
  pid_t pid_ = -1;
};

// The partition count, and whether the first publisher starts with a snapshot.
struct KillCase {
  int partitions;
  bool snapshot;
};

class KafkaKillTest : public ::testing::TestWithParam<KillCase> {};

TEST_P(KafkaKillTest, KilledPublishersAndReplicatorsLoseAndDoubleNothing) {
  const int partitions = GetParam().partitions;
  const bool snapshot = GetParam().snapshot;
  TestDir dir;
  auto source = Database::open(dir / "source", testing::source_options());
  ChangeStream stream(*source);
  KafkaMockCluster cluster(3, partitions, {"changes"});
  if (snapshot) {
    // A graph for the snapshot to read, an entity at a time while the writer below commits.
    testing::HistoryWriter before(static_cast<std::uint64_t>(partitions) * 17 + 5);
    for (int i = 0; i < 400; ++i) before.commit_one(*source);
  }
  std::atomic<bool> stop_writing{false};
  // About 1000 transactions spread over the rounds, never more than 1200: the mock cluster
  // keeps only 5 MB per partition and drops the oldest messages beyond that.
  const auto pause = std::chrono::milliseconds(std::max(2, rounds() * 1300 / 1000));
  std::thread writer([&] {
    testing::HistoryWriter history(static_cast<std::uint64_t>(partitions) * 31 + 1);
    while (!stop_writing && history.committed() < 1200) {
      history.commit_one(*source);
      std::this_thread::sleep_for(pause);
    }
  });
  const std::string source_dir = (dir / "source").string();
  const std::string replica_dir = (dir / "replica").string();
  auto publisher = [&] {
    std::vector<std::string> args{"kafka",  "publish", source_dir, "--brokers", cluster.bootstrap(), "--topic",
                                  "changes", "--follow", "--config",  "linger.ms=5"};
    if (snapshot) args.insert(args.end(), {"--start", "snapshot", "--snapshot-chunk", "1", "--max-batch", "20"});
    return std::make_unique<Child>(std::move(args));
  };
  auto replicator = [&] {
    return std::make_unique<Child>(std::vector<std::string>{"kafka", "replicate", replica_dir, "--brokers",
                                                            cluster.bootstrap(), "--topic", "changes", "--follow"});
  };
  std::mt19937 rng(20261207u + static_cast<unsigned>(partitions) + (snapshot ? 100u : 0u));
  int publisher_kills = 0, replicator_kills = 0, inside_snapshot = 0;
  for (int round = 0; round < rounds(); ++round) {
    auto p = publisher();
    auto r = replicator();
    if (snapshot && round == 0) {
      // The first publisher dies early in the snapshot: soon after its first Kafka transaction.
      KafkaConnection kafka{cluster.bootstrap(), "changes", {}, std::chrono::milliseconds(10000)};
      auto reader = connect::new_committed_reader(kafka);
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      for (;;) {
        std::int64_t shown = 0;
        for (int part = 0; part < partitions; ++part) shown += connect::partition_offsets(reader.get(), kafka, part).second;
        if (shown > 0 || std::chrono::steady_clock::now() > deadline) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 20));
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(400 + rng() % 1200));
    }
    // Alternately, one of them dies first and the other a moment later (or both at once).
    bool publisher_first = round % 2 == 0;
    auto& first = publisher_first ? p : r;
    auto& second = publisher_first ? r : p;
    (publisher_first ? publisher_kills : replicator_kills) += first->kill();
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 300));
    (publisher_first ? replicator_kills : publisher_kills) += second->kill();
    if (snapshot) {
      // Did the publisher die inside the snapshot? The topic then holds none of the stream after it.
      auto shown = testing::read_topic(cluster.bootstrap(), "changes");
      bool after = false;
      for (const auto& m : shown)
        if (const std::string* id = m.header(connect::kHeaderChangeId))
          after = after || !connect::position_key(*id).in_snapshot();
      inside_snapshot += !shown.empty() && !after;
    }
  }
  stop_writing = true;
  writer.join();
  EXPECT_GE(publisher_kills, rounds() - 1) << "publishers ended on their own";
  EXPECT_GE(replicator_kills, rounds() - 1) << "replicators ended on their own";
  if (snapshot) {
    EXPECT_GT(inside_snapshot, 0) << "no publisher was killed inside the snapshot: make it longer";
  }
  // Let what the killed clients had in flight reach the brokers before anyone reads the tails.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));

  KafkaPublishOptions publish;
  publish.kafka.brokers = cluster.bootstrap();
  publish.kafka.topic = "changes";
  auto last = kafka_publish(stream, publish);
  EXPECT_TRUE(last.resumed);

  {
    KafkaConnection kafka{cluster.bootstrap(), "changes", {}, std::chrono::milliseconds(10000)};
    auto reader = connect::new_committed_reader(kafka);
    for (int p = 0; p < partitions; ++p)
      ASSERT_EQ(connect::partition_offsets(reader.get(), kafka, p).first, 0)
          << "the mock cluster dropped the oldest messages of partition " << p << ": write less";
  }
  auto messages = testing::read_topic(cluster.bootstrap(), "changes");
  if (!snapshot) {
    auto count = testing::count_topic(messages);
    auto expected = testing::source_changes(stream);
    ASSERT_GT(expected.size(), 100u);
    EXPECT_EQ(count.changes.size(), expected.size());
    int wrong = 0;
    for (const auto& change : expected) {
      int times = count.changes[change];
      if (times != 1 && ++wrong <= 5)
        ADD_FAILURE() << "change " << change.first << "/" << change.second << " is in the topic " << times << " times";
    }
    EXPECT_EQ(wrong, 0);
  } else {
    // A snapshot's chunks are read at moments of their own, so the topic is not the log's
    // changes; no change of the log is in it twice (a snapshot event may be: the mock cluster
    // shows what an aborted attempt left, which real brokers hide), and the replica below ends
    // with the source.
    auto ids = testing::count_change_ids(messages, false);
    ASSERT_GT(ids.size(), 100u);
    int twice = 0;
    for (const auto& [id, times] : ids)
      if (times != 1 && ++twice <= 5) ADD_FAILURE() << "change " << id << " is in the topic " << times << " times";
  }

  auto replica = Database::open(dir / "replica");
  KafkaReplicaOptions replicate;
  replicate.kafka.brokers = cluster.bootstrap();
  replicate.kafka.topic = "changes";
  auto applied = kafka_replicate(*replica, replicate);
  EXPECT_EQ(testing::graph_of(*replica), testing::graph_of(*source));
  // Nothing of the source is after the replica's position. (Not equal to current(): the
  // writer's last transactions may hold no change, e.g. a node created and deleted in one.)
  std::size_t after = 0;
  stream.query(applied.position, {}, [&](const ChangeEvent&) {
    ++after;
    return true;
  });
  EXPECT_EQ(after, 0u) << "changes after the replica's position " << applied.position;
}

INSTANTIATE_TEST_SUITE_P(Partitions, KafkaKillTest,
                         ::testing::Values(KillCase{1, false}, KillCase{6, false}, KillCase{1, true}, KillCase{6, true}),
                         [](const auto& info) {
                           return std::to_string(info.param.partitions) + "Partitions" +
                                  (info.param.snapshot ? "FromASnapshot" : "");
                         });

}  // namespace
}  // namespace txgraph
