// snapshot_bench: how fast a snapshot (ChangeStream::snapshot_start) reads a graph, and what
// it costs the writers and the store.
//
//   snapshot_bench [--quick] [--nodes N] [--relationships N] [--json FILE]
//
// A graph of N nodes and N relationships is bulk imported into a kLog DIFF database. Then:
// 1. the snapshot read in process (events built, counted), without writers;
// 2. the same with every event written as a JSON line (change_event_json, what `txgraph cdc
//    query --snapshot` prints), without writers;
// 3. writers alone for a while: their commit rate (one small transaction each: an update of a
//    random node, or a new node and relationship);
// 4. the snapshot in process while the same writers commit: its rate, their commit rate, and
//    the store file before and after.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "bench/bench_args.h"
#include "bench/bench_support.h"
#include "txgraph/txgraph.h"

namespace {

using namespace txgraph;
using SteadyClock = std::chrono::steady_clock;

double seconds_since(SteadyClock::time_point start) { return std::chrono::duration<double>(SteadyClock::now() - start).count(); }

void import_graph(Database& db, const std::filesystem::path& dir, std::uint64_t nodes, std::uint64_t relationships) {
  auto node_file = dir / "nodes.csv";
  auto rel_file = dir / "relationships.csv";
  {
    std::ofstream out(node_file);
    out << "id:ID,:LABEL,name,age:int\n";
    for (std::uint64_t i = 0; i < nodes; ++i) out << i << ',' << (i % 3 ? "Person" : "City") << ",n" << i << ',' << i % 90 << '\n';
  }
  {
    std::ofstream out(rel_file);
    out << ":START_ID,:END_ID,:TYPE,since:int\n";
    std::mt19937_64 random(7);
    for (std::uint64_t i = 0; i < relationships; ++i)
      out << random() % nodes << ',' << random() % nodes << ",KNOWS," << 2000 + i % 25 << '\n';
  }
  ImportOptions options;
  options.node_files = {node_file};
  options.relationship_files = {rel_file};
  db.import_csv(options);
  std::filesystem::remove(node_file);
  std::filesystem::remove(rel_file);
}

struct SnapshotRun {
  std::uint64_t entities = 0;
  double seconds = 0;
  double rate() const { return seconds > 0 ? entities / seconds : 0; }
};

// Reads the whole snapshot; with `json`, writes every event as a JSON line into a buffer
// (emptied as it fills, as a pipe would take it).
SnapshotRun read_snapshot(const ChangeStream& stream, bool json) {
  SnapshotRun run;
  std::string sink;
  std::uint64_t bytes = 0;
  auto start = SteadyClock::now();
  std::string position = stream.snapshot_start();
  stream.query(position, {}, [&](const ChangeEvent& e) {
    if (!e.snapshot) return true;  // the writers' changes after it
    ++run.entities;
    if (json) {
      sink += change_event_json(e);
      sink += '\n';
      if (sink.size() > (1 << 20)) {
        bytes += sink.size();
        sink.clear();
      }
    }
    return true;
  });
  run.seconds = seconds_since(start);
  if (bytes + sink.size() == 1) std::printf("(nothing)\n");  // keeps the JSON from being optimised away
  return run;
}

class Writers {
 public:
  Writers(Database& db, std::uint64_t nodes, int threads) : db_(db), nodes_(nodes) {
    for (int t = 0; t < threads; ++t)
      threads_.emplace_back([this, t] {
        std::mt19937_64 random(100 + t);
        while (!stop_) {
          auto tx = db_.begin_write({"writer", "", {}});
          if (random() % 2) {
            tx.set_node_properties(NodeId{1 + random() % nodes_}, {{"age", Value(static_cast<std::int64_t>(random() % 90))}});
          } else {
            auto a = tx.create_node({"Person"}, {{"name", Value("new")}});
            tx.create_relationship("KNOWS", a, NodeId{1 + random() % nodes_}, {});
          }
          tx.commit();
          ++commits_;
        }
      });
  }
  ~Writers() { stop(); }
  void stop() {
    stop_ = true;
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }
  std::uint64_t commits() const { return commits_; }

 private:
  Database& db_;
  std::uint64_t nodes_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> commits_{0};
  std::vector<std::thread> threads_;
};

std::uint64_t store_bytes(const std::filesystem::path& db) {
  std::error_code ec;
  auto size = std::filesystem::file_size(db / "store" / "data.mdb", ec);
  return ec ? 0 : size;
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  std::uint64_t nodes = 1'000'000, relationships = 1'000'000;
  std::string json_file;
  CLI::App app{"Snapshots: entities/s in process and as JSON lines, with and without writers, and their cost"};
  app.add_flag("--quick", quick, "50 000 nodes and 50 000 relationships");
  app.add_option("--nodes", nodes, "Nodes in the graph (default 1 000 000)");
  app.add_option("--relationships", relationships, "Relationships in the graph (default 1 000 000)");
  app.add_option("--json", json_file, "Write the results to this file as JSON");
  bench::parse_command_line(app, argc, argv);
  if (quick) nodes = relationships = 50'000;
  try {
    bench::TempDir dir{std::filesystem::temp_directory_path() / fmt::format("txgraph-snapshot-bench-{}", ::getpid())};
    std::filesystem::create_directories(dir.path);
    auto db_dir = dir.path / "graph";
    Options options;
    options.initial_settings.enrichment = EnrichmentMode::kDiff;
    auto db = Database::open(db_dir, options);
    import_graph(*db, dir.path, nodes, relationships);
    db->checkpoint();
    bench::settle_disk(dir.path);
    ChangeStream stream(*db);
    const std::uint64_t entities = nodes + relationships;

    SnapshotRun events = read_snapshot(stream, false);
    SnapshotRun lines = read_snapshot(stream, true);
    if (events.entities != entities || lines.entities != entities)
      throw std::runtime_error(fmt::format("the snapshot delivered {} and {} entities of {}", events.entities,
                                           lines.entities, entities));
    std::printf("snapshot of %llu nodes + %llu relationships, no writers:\n", static_cast<unsigned long long>(nodes),
                static_cast<unsigned long long>(relationships));
    std::printf("  events in process   %10.0f entities/s  (%.2f s)\n", events.rate(), events.seconds);
    std::printf("  as JSON lines       %10.0f entities/s  (%.2f s)\n", lines.rate(), lines.seconds);

    // The writers alone, for as long as a snapshot takes.
    const int writer_threads = 2;
    double window = std::max(1.0, events.seconds);
    double alone_rate = 0;
    {
      Writers writers(*db, nodes, writer_threads);
      auto start = SteadyClock::now();
      std::this_thread::sleep_for(std::chrono::duration<double>(window));
      writers.stop();
      alone_rate = writers.commits() / seconds_since(start);
    }
    db->checkpoint();
    std::uint64_t store_before = store_bytes(db_dir);
    SnapshotRun busy;
    double during_rate = 0;
    {
      Writers writers(*db, nodes, writer_threads);
      auto start = SteadyClock::now();
      busy = read_snapshot(stream, false);
      during_rate = writers.commits() / seconds_since(start);
      writers.stop();
    }
    std::uint64_t store_after = store_bytes(db_dir);
    std::printf("with %d writers committing (kLog):\n", writer_threads);
    std::printf("  events in process   %10.0f entities/s  (%.2f s, %llu entities)\n", busy.rate(), busy.seconds,
                static_cast<unsigned long long>(busy.entities));
    std::printf("  writers' commits    %10.0f /s during the snapshot, %.0f /s without it (%.2f)\n", during_rate,
                alone_rate, alone_rate > 0 ? during_rate / alone_rate : 0);
    std::printf("  store file          %.1f MB before, %.1f MB after\n", store_before / 1e6, store_after / 1e6);
    if (!json_file.empty())
      bench::write_results(
          json_file,
          fmt::format("{{\"nodes\":{},\"relationships\":{},\"events_per_s\":{:.0f},\"json_lines_per_s\":{:.0f},"
                      "\"busy_events_per_s\":{:.0f},\"writer_threads\":{},\"writer_commits_per_s_alone\":{:.0f},"
                      "\"writer_commits_per_s_during\":{:.0f},\"store_bytes_before\":{},\"store_bytes_after\":{}}}\n",
                      nodes, relationships, events.rate(), lines.rate(), busy.rate(), writer_threads, alone_rate,
                      during_rate, store_before, store_after));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "snapshot_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
