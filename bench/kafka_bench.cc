// kafka_bench: the change stream through Kafka, on librdkafka's mock cluster (3 brokers, in
// this process; a real cluster adds its network and disk).
//
//   kafka_bench [--quick] [--results FILE]
//
// 1. Publish rate: a backlog of transactions (3 nodes and 2 relationships each) published
//    from scratch by kafka_publish; events per second, with 1 and 6 partitions, over the whole
//    call (which starts a transactional producer and reads the topic's tails first) and after
//    its first Kafka transaction committed (the rate it keeps up).
// 2. Latency: a writer commits paced transactions (one node and one relationship each) to a
//    durable DIFF source while kafka_publish and kafka_replicate follow in threads of their own
//    into a durable replica; for every source transaction, the time from its commit()
//    returning to the replica's commit of it returning (p50, p99, max), with 1 and 6
//    partitions.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_support.h"
#include "bench/mixed_workload.h"
#include "txgraph/kafka.h"
#include "txgraph/txgraph.h"

namespace {

using namespace txgraph;
using Clock = std::chrono::steady_clock;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

struct Latency {
  int partitions = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  std::size_t samples = 0;
};

struct PublishRate {
  double whole = 0;   // events/s over the whole call
  double steady = 0;  // events/s after the first Kafka transaction committed
  std::uint64_t events = 0;
};

PublishRate publish_rate(const std::filesystem::path& source_dir, int partitions) {
  KafkaMockCluster cluster(3, partitions, {"bench"});
  auto stream = ChangeStream::open_log(source_dir);
  KafkaPublishOptions options;
  options.kafka.brokers = cluster.bootstrap();
  options.kafka.topic = "bench";
  options.group = fmt::format("bench-{}", partitions);
  Clock::time_point first{};
  std::uint64_t first_messages = 0;
  options.on_committed = [&](const std::string&, std::uint64_t messages) {
    if (first_messages == 0) {
      first = Clock::now();
      first_messages = messages;
    }
  };
  auto start = Clock::now();
  auto result = kafka_publish(stream, options);
  auto end = Clock::now();
  PublishRate rate;
  rate.events = result.messages;
  rate.whole = result.messages / std::chrono::duration<double>(end - start).count();
  if (first_messages > 0 && result.messages > first_messages && end > first)
    rate.steady = (result.messages - first_messages) / std::chrono::duration<double>(end - first).count();
  return rate;
}

Latency measure_latency(const std::filesystem::path& dir, int partitions, int transactions) {
  Options o;
  o.initial_settings.enrichment = EnrichmentMode::kDiff;
  auto source = Database::open(dir / fmt::format("lat-source-{}", partitions), o);
  auto replica = Database::open(dir / fmt::format("lat-replica-{}", partitions));
  ChangeStream stream(*source);
  KafkaMockCluster cluster(3, partitions, {"bench"});
  std::vector<std::atomic<std::int64_t>> committed(transactions + 2);
  std::vector<std::atomic<std::int64_t>> applied(transactions + 2);
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> last_applied{0};

  KafkaPublishOptions publish;
  publish.kafka.brokers = cluster.bootstrap();
  publish.kafka.topic = "bench";
  publish.start = "latest";
  publish.follow = true;
  publish.stop = [&] { return stop.load(); };
  publish.stop_check = std::chrono::milliseconds(50);
  KafkaReplicaOptions replicate;
  replicate.kafka = publish.kafka;
  replicate.kafka.config = {{"fetch.wait.max.ms", "1"}};
  replicate.follow = true;
  replicate.stop = publish.stop;
  replicate.on_applied = [&](std::uint64_t source_tx, std::uint64_t) {
    if (source_tx < applied.size()) applied[source_tx] = now_ns();
    last_applied = source_tx;
  };
  std::string failed;
  std::thread publisher([&] {
    try {
      kafka_publish(stream, publish);
    } catch (const std::exception& e) {
      failed = e.what();
    }
  });
  std::thread replicator([&] {
    try {
      kafka_replicate(*replica, replicate);
    } catch (const std::exception& e) {
      failed = e.what();
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // both connected and waiting
  std::uint64_t last = 0;
  for (int i = 0; i < transactions; ++i) {
    auto tx = source->begin_write({"bench", "", {}});
    auto a = tx.create_node({"Person"}, {{"i", Value(i)}});
    tx.create_relationship("KNOWS", a, a, {});
    last = tx.commit();
    if (last < committed.size()) committed[last] = now_ns();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // paced: latency, not queueing
  }
  auto deadline = Clock::now() + std::chrono::seconds(60);
  while (last_applied.load() < last && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stop = true;
  publisher.join();
  replicator.join();
  if (!failed.empty()) throw std::runtime_error(failed);
  std::vector<double> ms;
  for (std::uint64_t tx = 1; tx <= last && tx < committed.size(); ++tx) {
    if (applied[tx] == 0 || committed[tx] == 0) continue;
    ms.push_back(std::max<std::int64_t>(0, applied[tx] - committed[tx]) / 1e6);
  }
  std::sort(ms.begin(), ms.end());
  Latency l;
  l.partitions = partitions;
  l.samples = ms.size();
  if (!ms.empty()) {
    l.p50_ms = ms[ms.size() / 2];
    l.p99_ms = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
    l.max_ms = ms.back();
  }
  if (ms.size() != static_cast<std::size_t>(transactions))
    throw std::runtime_error(fmt::format("only {} of {} transactions reached the replica", ms.size(), transactions));
  return l;
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  std::string results;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--quick") {
      quick = true;
    } else if (arg == "--results" && i + 1 < argc) {
      results = argv[++i];
    } else {
      std::fprintf(stderr, "usage: kafka_bench [--quick] [--results FILE]\n");
      return 2;
    }
  }
  try {
    bench::TempDir dir{std::filesystem::temp_directory_path() / fmt::format("txgraph-kafka-bench-{}", ::getpid())};
    std::filesystem::create_directories(dir.path);
    int backlog = quick ? 2000 : 20000;
    int paced = quick ? 200 : 2000;

    bench::write_backlog(dir.path / "backlog", backlog);
    std::string rates;
    std::printf("publishing a backlog of %d transactions to the mock cluster (3 brokers):\n", backlog);
    for (int partitions : {1, 6}) {
      PublishRate rate = publish_rate(dir.path / "backlog", partitions);
      std::printf("  %d partition%s  %10.0f events/s, %10.0f after the first Kafka commit  (%llu events)\n",
                  partitions, partitions == 1 ? " " : "s", rate.whole, rate.steady,
                  static_cast<unsigned long long>(rate.events));
      rates += fmt::format("{}{{\"partitions\":{},\"events_per_s\":{:.0f},\"steady_events_per_s\":{:.0f},\"events\":{}}}",
                           rates.empty() ? "" : ",", partitions, rate.whole, rate.steady, rate.events);
    }
    std::string latencies;
    std::printf(
        "source commit -> replica visible through Kafka, %d paced transactions (durable source and "
        "replica):\n",
        paced);
    for (int partitions : {1, 6}) {
      Latency l = measure_latency(dir.path, partitions, paced);
      std::printf("  %d partition%s  p50 %.3f ms   p99 %.3f ms   max %.3f ms\n", partitions,
                  partitions == 1 ? " " : "s", l.p50_ms, l.p99_ms, l.max_ms);
      latencies += fmt::format(
          "{}{{\"partitions\":{},\"p50_ms\":{:.3f},\"p99_ms\":{:.3f},\"max_ms\":{:.3f},"
          "\"samples\":{}}}",
          latencies.empty() ? "" : ",", partitions, l.p50_ms, l.p99_ms, l.max_ms, l.samples);
    }
    if (!results.empty())
      bench::write_results(results, fmt::format("{{\"brokers\":3,\"backlog_transactions\":{},\"publish\":[{}],"
                                                "\"latency\":[{}]}}\n",
                                                backlog, rates, latencies));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kafka_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
