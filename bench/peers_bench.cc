// peers_bench: the same change-capturing workload on txgraph and on what people would use
// instead, measured side by side in one run, with the machine's own limits beside them.
//
//   peers_bench [--quick] [--out DIR]      measure, then write DIR/peers.json and the report
//   peers_bench --summarize [--out DIR]    remake the report from DIR/peers.json
//   (DIR default bench/results)
//
// The workload (bench/peers/peers.h): each transaction creates one node with a label and
// three properties (an id, a name, a 64-byte note). Change capture on every system, read back
// in commit order:
//   - txgraph: DIFF enrichment (and OFF and FULL for reference), ChangeStream;
//   - SQLite (WAL mode, synchronous FULL and NORMAL): an AFTER INSERT trigger writes the new
//     row as JSON into a change table, read back with SELECT ... ORDER BY seq;
//   - RocksDB (one Put per transaction, WAL synced or not): the WAL is kept, and the changes
//     are read back with GetUpdatesSince.
// Figures, every one into peers.json: commits/s with 1 and 4 writers; bytes on disk and change
// log bytes per transaction; changes read per second; commit-to-consumer latency (p50, p99,
// max) with a consumer following each system's change feed; bulk import rows/s next to the
// transactional path; and the machine's fdatasync rate, sequential write bandwidth, zstd
// level 3 and XXH3 speed on one core. The report (peers.md, peers-*.csv, peers-*.png) is made
// from peers.json (bench/peers/report.cc).
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bench/bench_args.h"
#include "bench/bench_support.h"
#include "bench/peers/peers.h"
#include "bench/peers/report.h"

namespace txgraph::bench::peers {
namespace {

using nlohmann::json;

struct Plan {
  int rounds = 1;  // of the commit measurements
  CommitPlan durable, non_durable;
  FollowPlan follow;
  std::int64_t import_rows = 0;
};

Plan plan_for(bool quick) {
  Plan p;
  p.rounds = quick ? 1 : 3;
  p.durable = {1, quick ? 1000 : 10000, quick ? 0.3 : 4.0};
  p.non_durable = {1, quick ? 10000 : 100000, quick ? 0.2 : 4.0};
  p.follow.samples = quick ? 100 : 2000;
  p.follow.warm_up = quick ? 10 : 20;
  p.import_rows = quick ? 50000 : 1000000;
  return p;
}

json to_json(const CommitFigures& f) {
  return {{"system", f.system},
          {"short_name", f.short_name},
          {"durable", f.durable},
          {"writers", f.writers},
          {"transactions", f.transactions},
          {"seconds", f.seconds},
          {"commits_per_s", f.commits_per_s()},
          {"bytes_per_tx", f.bytes_per_tx},
          {"log_bytes_per_tx", f.log_bytes_per_tx},
          {"changes_read_per_s", f.changes_read_per_s},
          {"log_syncs", f.log_syncs}};
}

json to_json(const LatencyFigures& f, bool durable) {
  return {{"system", f.system},   {"short_name", f.short_name}, {"durable", durable},
          {"consumer", f.consumer}, {"samples", f.samples},       {"p50_us", f.p50_us},
          {"p99_us", f.p99_us},   {"max_us", f.max_us},         {"seen_before_return", f.seen_before_return}};
}

json to_json(const ImportFigures& f) {
  return {{"system", f.system},
          {"short_name", f.short_name},
          {"method", f.method},
          {"captured", f.captured},
          {"transactional_system", f.transactional_system},
          {"rows", f.rows},
          {"seconds", f.seconds},
          {"rows_per_s", f.rows_per_s()},
          {"bytes_per_row", f.bytes_per_row}};
}

json measure(bool quick) {
  Plan plan = plan_for(quick);
  TempDir tmp{fs::temp_directory_path() / fmt::format("txgraph-peers-bench-{}", ::getpid())};
  fs::create_directories(tmp.path);
  int step = 0;
  // Each measurement in a fresh folder, removed after it; the disk settled before the next.
  auto fresh = [&](const std::string& name) {
    settle_disk(tmp.path);
    return tmp.path / fmt::format("{:02}-{}", ++step, name);
  };
  auto done = [](const fs::path& dir) { fs::remove_all(dir); };

  Limits limits = measure_limits(tmp.path / "limits", quick);
  std::printf("machine: fdatasync %.0f/s (4 threads: %.0f/s), sequential write %.0f MB/s, zstd -3 %.0f MB/s, XXH3 %.0f MB/s\n",
              limits.fdatasync_per_s, limits.fdatasync_4_threads_per_s, limits.write_mb_per_s, limits.zstd_mb_per_s, limits.xxh3_mb_per_s);

  json commits = json::array();
  json round_sync_rates = json::array();
  // One system after another, each with 1 and then 4 writers, so that "4 writers / 1" compares
  // runs that follow each other; the whole matrix `rounds` times, the report taking medians,
  // so that a slow spell of the shared disk does not land on one system only.
  struct Setup {
    const char* folder;
    bool durable;
    std::function<CommitFigures(const fs::path&, const CommitPlan&)> run;
  };
  std::vector<Setup> setups = {
      {"txgraph-diff", true, [](auto& d, auto& p) { return txgraph_commits(d, "DIFF", true, p); }},
      {"txgraph-off", true, [](auto& d, auto& p) { return txgraph_commits(d, "OFF", true, p); }},
      {"txgraph-full", true, [](auto& d, auto& p) { return txgraph_commits(d, "FULL", true, p); }},
      {"sqlite-full", true, [](auto& d, auto& p) { return sqlite_commits(d, true, false, p); }},
      {"sqlite-full-mutex", true, [](auto& d, auto& p) { return sqlite_commits(d, true, true, p); }},
      {"rocksdb-sync", true, [](auto& d, auto& p) { return rocksdb_commits(d, true, p); }},
      {"txgraph-async", false, [](auto& d, auto& p) { return txgraph_commits(d, "DIFF", false, p); }},
      {"sqlite-normal", false, [](auto& d, auto& p) { return sqlite_commits(d, false, false, p); }},
      {"rocksdb-nosync", false, [](auto& d, auto& p) { return rocksdb_commits(d, false, p); }},
  };
  for (int round = 1; round <= plan.rounds; ++round) {
    double sync_rate = measure_fdatasync_rate(tmp.path / "limits", quick ? 0.25 : 1.0, 1);
    round_sync_rates.push_back(sync_rate);
    std::printf("round %d of %d (fdatasync %.0f/s now)\n", round, plan.rounds, sync_rate);
    for (const auto& setup : setups) {
      for (int writers : {1, 4}) {
        CommitPlan p = setup.durable ? plan.durable : plan.non_durable;
        p.writers = writers;
        auto dir = fresh(setup.folder);
        CommitFigures f = setup.run(dir, p);
        done(dir);
        std::printf("  %-70s %d writer%s %9.0f commits/s %8.0f B/tx %10.0f changes/s\n", f.system.c_str(), f.writers,
                    f.writers == 1 ? " " : "s", f.commits_per_s(), f.bytes_per_tx, f.changes_read_per_s);
        std::fflush(stdout);
        json row = to_json(f);
        row["round"] = round;
        commits.push_back(row);
      }
    }
  }

  json follow = json::array();
  auto follow_one = [&](bool durable, const std::string& name, auto measure_one) {
    auto dir = fresh(name);
    LatencyFigures f = measure_one(dir, durable, plan.follow);
    std::printf("  %-70s p50 %7.0f µs  p99 %7.0f µs  max %7.0f µs\n", f.system.c_str(), f.p50_us, f.p99_us, f.max_us);
    std::fflush(stdout);
    follow.push_back(to_json(f, durable));
    done(dir);
  };
  for (bool durable : {true, false}) {
    follow_one(durable, "follow-txgraph", txgraph_follow);
    follow_one(durable, "follow-sqlite", sqlite_follow);
    follow_one(durable, "follow-rocksdb", rocksdb_follow);
  }

  json imports = json::array();
  fs::path csv = tmp.path / "rows.csv";
  write_import_csv(csv, plan.import_rows);
  auto import_one = [&](const std::string& name, auto load) {
    auto dir = fresh(name);
    ImportFigures f = load(dir);
    std::printf("  %-70s %9.0f rows/s\n", (f.system + ", " + f.method).c_str(), f.rows_per_s());
    std::fflush(stdout);
    imports.push_back(to_json(f));
    done(dir);
  };
  std::int64_t rows = plan.import_rows;
  import_one("import-txgraph", [&](const fs::path& dir) { return txgraph_import(dir, csv, rows); });
  import_one("import-sqlite-trigger", [&](const fs::path& dir) { return sqlite_import(dir, csv, rows, true); });
  import_one("import-sqlite", [&](const fs::path& dir) { return sqlite_import(dir, csv, rows, false); });
  import_one("import-rocksdb-batch", [&](const fs::path& dir) { return rocksdb_import(dir, csv, rows, "WriteBatch"); });
  import_one("import-rocksdb-sst", [&](const fs::path& dir) { return rocksdb_import(dir, csv, rows, "SstFileWriter"); });

  auto commit_plan = [](const CommitPlan& p) {
    return json{{"max_transactions", p.max_transactions}, {"max_seconds", p.max_seconds}};
  };
  return {{"benchmark", "peers"},
          {"format", 1},
          {"quick", quick},
          {"time_utc", utc_now()},
          {"command", fmt::format("build-release/bench/peers_bench{}", quick ? " --quick" : "")},
          {"workload",
           "one node with a label and three properties (id, name, 64-byte note) per transaction, change capture on "
           "and read back in commit order."},
          {"plan",
           {{"durable", commit_plan(plan.durable)},
            {"non_durable", commit_plan(plan.non_durable)},
            {"writers", {1, 4}},
            {"rounds", plan.rounds},
            {"follow",
             {{"samples", plan.follow.samples},
              {"warm_up", plan.follow.warm_up},
              {"pace_us", plan.follow.pace.count()},
              {"poll_us", plan.follow.poll.count()}}},
            {"import_rows", plan.import_rows}}},
          {"machine",
           {{"fdatasync_per_s", limits.fdatasync_per_s},
            {"fdatasync_4_threads_per_s", limits.fdatasync_4_threads_per_s},
            {"write_mb_per_s", limits.write_mb_per_s},
            {"zstd_mb_per_s", limits.zstd_mb_per_s},
            {"xxh3_mb_per_s", limits.xxh3_mb_per_s},
            {"fdatasync_per_s_by_round", round_sync_rates}}},
          {"commits", commits},
          {"follow", follow},
          {"import", imports}};
}

}  // namespace
}  // namespace txgraph::bench::peers

int main(int argc, char** argv) {
  namespace peers = txgraph::bench::peers;
  bool quick = false, summarize = false;
  std::filesystem::path out_dir = "bench/results";
  CLI::App app{"txgraph beside SQLite and RocksDB doing the same work: commits, reads of changes, bulk import"};
  auto* quick_flag = app.add_flag("--quick", quick, "Small sizes");
  app.add_flag("--summarize", summarize, "Only rewrite peers.md from the peers.json in --out")->excludes(quick_flag);
  app.add_option("--out", out_dir, "Folder for peers.json and peers.md")->capture_default_str();
  txgraph::bench::parse_command_line(app, argc, argv);
  try {
    if (!summarize) {
      nlohmann::json run = peers::measure(quick);
      std::filesystem::create_directories(out_dir);
      txgraph::bench::write_results((out_dir / "peers.json").string(), run.dump(1) + "\n");
    }
    peers::write_report(out_dir);
    std::printf("summary: %s\n", (out_dir / "peers.md").c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "peers_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
