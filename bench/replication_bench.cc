// replication_bench: how fast a replica fed by CDC follows its source.
//
//   replication_bench [--quick] [--results FILE]
//
// 1. Latency: a writer commits paced transactions (one node and one relationship each) to a
//    durable DIFF source while txgraph::replicate follows it in another thread into a durable
//    replica; for every source transaction, the time from its commit() returning to the
//    replica's commit of it returning (p50, p99, max).
// 2. Throughput: a source with a backlog of transactions (3 nodes and 2 relationships each) is
//    replicated from scratch; changes applied per second, with a durable replica (kLog) and with
//    kAsync.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "bench/bench_args.h"
#include "bench/bench_support.h"
#include "bench/mixed_workload.h"
#include "txgraph/txgraph.h"

namespace {

using namespace txgraph;
using Clock = std::chrono::steady_clock;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

Options source_options() {
  Options o;
  o.initial_settings.enrichment = EnrichmentMode::kDiff;
  return o;
}

struct Latency {
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  std::size_t samples = 0;
};

Latency measure_latency(const std::filesystem::path& dir, int transactions) {
  auto source = Database::open(dir / "lat-source", source_options());
  auto replica = Database::open(dir / "lat-replica");
  ChangeStream stream(*source);
  // Indexed by source tx id (ids are consecutive from 1 in a fresh database).
  std::vector<std::atomic<std::int64_t>> committed(transactions + 2);
  std::vector<std::atomic<std::int64_t>> applied(transactions + 2);
  std::atomic<bool> stop{false};
  ReplicationOptions options;
  // Every source transaction through the stream, one replica transaction each: a snapshot
  // start could take the first commits in with the snapshot, and they would have no latency.
  options.snapshot = false;
  options.follow = true;
  options.stop = [&] { return stop.load(); };
  options.stop_check = std::chrono::milliseconds(50);
  std::atomic<std::uint64_t> last_applied{0};
  options.on_applied = [&](std::uint64_t source_tx, std::uint64_t) {
    if (source_tx < applied.size()) applied[source_tx] = now_ns();
    last_applied = source_tx;
  };
  std::thread follower([&] { replicate(stream, *replica, options); });
  std::uint64_t last = 0;
  for (int i = 0; i < transactions; ++i) {
    auto tx = source->begin_write({"bench", "", {}});
    auto a = tx.create_node({"Person"}, {{"i", Value(i)}});
    auto b = tx.create_node({"Person"}, {{"i", Value(-i)}});
    tx.create_relationship("KNOWS", a, b, {});
    last = tx.commit();
    if (last < committed.size()) committed[last] = now_ns();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // paced: latency, not queueing
  }
  auto deadline = Clock::now() + std::chrono::seconds(60);
  while (last_applied.load() < last && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stop = true;
  follower.join();
  std::vector<double> ms;
  for (std::uint64_t tx = 1; tx <= last && tx < committed.size(); ++tx) {
    if (applied[tx] == 0 || committed[tx] == 0) continue;
    // The replica may apply a transaction before the source's commit() has returned to the
    // writer (it is visible once synced): that counts as no delay.
    ms.push_back(std::max<std::int64_t>(0, applied[tx] - committed[tx]) / 1e6);
  }
  std::sort(ms.begin(), ms.end());
  Latency l;
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

double measure_throughput(const std::filesystem::path& source_dir, const std::filesystem::path& replica_dir,
                          Durability durability, std::uint64_t* changes) {
  auto source = ChangeStream::open_log(source_dir);
  Options o;
  o.durability = durability;
  auto replica = Database::open(replica_dir, o);
  // The backlog applied change by change from the log (snapshot_bench measures snapshots).
  ReplicationOptions options;
  options.snapshot = false;
  auto start = Clock::now();
  auto result = replicate(source, *replica, options);
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  *changes = result.changes;
  return result.changes / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  std::string results;
  CLI::App app{"Replication: source commit to replica visible (paced), and catching up a backlog"};
  app.add_flag("--quick", quick, "200 paced transactions and a backlog of 1 000 (else 2 000 and 40 000)");
  app.add_option("--results", results, "Write the results to this file as JSON");
  bench::parse_command_line(app, argc, argv);
  try {
    bench::TempDir dir{std::filesystem::temp_directory_path() /
                       fmt::format("txgraph-replication-bench-{}", ::getpid())};
    std::filesystem::create_directories(dir.path);
    int paced = quick ? 200 : 2000;
    int backlog = quick ? 1000 : 40000;

    Latency l = measure_latency(dir.path, paced);
    std::printf("source commit -> replica visible, %zu paced transactions (durable source and replica):\n",
                l.samples);
    std::printf("  p50 %.3f ms   p99 %.3f ms   max %.3f ms   (target p99 < 10 ms)\n", l.p50_ms, l.p99_ms, l.max_ms);

    bench::write_backlog(dir.path / "backlog", backlog);
    bench::settle_disk(dir.path);
    std::uint64_t changes = 0;
    double durable = measure_throughput(dir.path / "backlog", dir.path / "replica-log", Durability::kLog, &changes);
    bench::settle_disk(dir.path);
    double async = measure_throughput(dir.path / "backlog", dir.path / "replica-async", Durability::kAsync, &changes);
    std::printf("replicating a backlog of %d transactions (%llu changes):\n", backlog,
                static_cast<unsigned long long>(changes));
    std::printf("  durable replica (kLog)   %10.0f changes/s\n", durable);
    std::printf("  kAsync replica           %10.0f changes/s\n", async);
    if (!results.empty())
      bench::write_results(results, fmt::format("{{\"p50_ms\":{:.3f},\"p99_ms\":{:.3f},\"max_ms\":{:.3f},"
                                                "\"durable_changes_per_s\":{:.0f},\"async_changes_per_s\":{:.0f}}}\n",
                                                l.p50_ms, l.p99_ms, l.max_ms, durable, async));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "replication_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
