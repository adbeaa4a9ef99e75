// log_volume_bench: what DIFF and FULL enrichment cost in log bytes and in commit rate, with
// and without log compression.
//
// Enrichment is only worth turning on if it stays cheap next to OFF. One mixed workload (60%
// create a Person node with 5 properties, 25% update 1-2 properties of a node, 10% create a
// KNOWS relationship, 5% detach-delete a node; one operation per transaction) runs, seeded and
// identical, in six configurations: OFF, DIFF, FULL, each with log_compression_level 0 and 3.
// Targets, with compression on: DIFF/OFF log bytes <= 1.25, FULL/OFF <= 1.5; DIFF commits/s
// >= 0.9x OFF's, FULL >= 0.85x OFF's; for each mode the compressed log is at most half the
// uncompressed one. The same ratios without compression are printed for information.
//
// A second workload, the same but for two more properties on each created node (a datetime in
// a named zone and a WGS-84 point), runs once per configuration after the rounds: its log
// bytes per transaction are printed beside the first's, and what one datetime costs beside an
// integer and its zone name written as a string.
//
// Usage: log_volume_bench [--dir DIR] [--tx N] [--quick] [--rounds R] [--json FILE]
//   --dir DIR     where the temp folder goes (default: the current directory); it is removed
//                 on every way out, DIR itself is left alone
//   --tx N        transactions per run (default 50000); --quick is --tx 5000
//   --rounds R    round-robin rounds over the six configurations (default 3); commits/s is
//                 the median over the rounds
//   --json FILE   also write the results as one JSON object to FILE
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "bench/bench_args.h"
#include "bench/bench_support.h"
#include "txgraph/database.h"
#include "txlog/value_codec.h"

namespace {

using txgraph::bench::folder_bytes;
using txgraph::bench::settle_disk;
using txgraph::bench::TempDir;

namespace fs = std::filesystem;
using txgraph::EnrichmentMode;

constexpr std::uint64_t kSeed = 20261121;  // every configuration replays the same sequence
constexpr int kCompressedLevel = 3;        // the default log_compression_level
constexpr double kSteadySpread = 0.25;     // (max - min) / median of one configuration's commits/s

struct Config {
  fs::path parent_dir = ".";
  std::uint64_t tx_count = 50000;
  int rounds = 3;
  std::string json_file;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  std::size_t mid = v.size() / 2;
  return v.size() % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

// One configuration and what its runs measured, one entry per round.
struct Setup {
  EnrichmentMode mode;
  int compression_level;
  std::vector<double> commits_per_second, cpu_us_per_tx, log_bytes_per_tx;

  std::string label() const {
    return fmt::format("{:<4} zstd {}", txgraph::enrichment_mode_name(mode), compression_level);
  }
  double rate() const { return median(commits_per_second); }
  double cpu() const { return median(cpu_us_per_tx); }
  double bytes() const { return median(log_bytes_per_tx); }
  double spread() const {
    auto [lo, hi] = std::minmax_element(commits_per_second.begin(), commits_per_second.end());
    return (*hi - *lo) / rate();
  }
};

// SIGINT/SIGTERM only set this flag; the transaction loop turns it into an exception, so the
// database is closed and the temp folder removed as on any other way out.
volatile std::sig_atomic_t interrupted = 0;
extern "C" void on_signal(int) { interrupted = 1; }

Config parse_args(int argc, char** argv) {
  Config config;
  bool quick = false;
  CLI::App app{"Log volume: bytes per transaction and commit rate in OFF, DIFF and FULL, per compression"};
  app.add_option("--dir", config.parent_dir, "Where the temporary databases go")->capture_default_str();
  app.add_option("--tx", config.tx_count, "Transactions per configuration")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100'000'000}))
      ->capture_default_str();
  app.add_flag("--quick", quick, "5 000 transactions per configuration unless --tx is given");
  app.add_option("--rounds", config.rounds, "Rounds of each configuration; the median is reported")
      ->check(CLI::Range(1, 99))
      ->capture_default_str();
  app.add_option("--json", config.json_file, "Write the results to this file as JSON");
  txgraph::bench::parse_command_line(app, argc, argv);
  if (quick && app.count("--tx") == 0) config.tx_count = 5000;
  return config;
}

// One transaction of the workload. Nodes are named by creation order (the k-th node the
// workload created), not by NodeId, so the plan is made once, before any database exists.
struct Op {
  enum Kind { kCreateNode, kUpdateNode, kCreateRelationship, kDeleteNode } kind = kCreateNode;
  std::size_t node = 0;        // the node to update or delete, or the relationship's start
  std::size_t other_node = 0;  // the relationship's end
  txgraph::Properties properties;
};

// The seeded sequence every configuration replays. Made up front, so that building property
// maps and names is outside the timed part and every run sees the very same operations.
std::vector<Op> make_plan(std::uint64_t tx_count, bool typed) {
  // Plain modulo of the generator's output rather than std::uniform_*_distribution, whose
  // results may differ between standard libraries: the sequence is part of the benchmark.
  std::mt19937_64 rng(kSeed);
  auto unit = [&] { return static_cast<double>(rng() >> 11) * 0x1.0p-53; };
  std::vector<std::size_t> live;  // creation numbers of the nodes not deleted yet
  std::size_t created = 0;
  std::vector<Op> plan(tx_count);
  for (Op& op : plan) {
    std::uint64_t dice = rng() % 100;
    if (dice < 60 || live.size() < 2) {
      auto id = static_cast<std::int64_t>(created + 1);
      op.node = created++;
      op.properties = {{"id", id},
                       {"name", fmt::format("p{}", id)},
                       {"age", static_cast<std::int64_t>(18 + rng() % 80)},
                       {"score", unit() * 100},
                       {"active", rng() % 2 == 0}};
      if (typed) {
        // An instant in 2024-2027 in Berlin, to the millisecond, and a point in Europe.
        auto seconds = static_cast<std::int64_t>(1'704'067'200 + rng() % 126'000'000);
        txgraph::LocalDateTime local{seconds, static_cast<std::int32_t>(rng() % 1000) * 1'000'000};
        op.properties["seen"] = txgraph::datetime_in_zone(local, "Europe/Berlin");
        op.properties["at"] = txgraph::Point{txgraph::kSridWgs84, unit() * 30 - 10, 35 + unit() * 30, 0};
      }
      live.push_back(op.node);
    } else if (dice < 85) {
      // Only properties whose new value is (almost surely) different: an update that writes
      // the old value back changes nothing, and DIFF and FULL would record nothing for it.
      op.kind = Op::kUpdateNode;
      op.node = live[rng() % live.size()];
      std::size_t first = rng() % 3, count = 1 + rng() % 2;
      for (std::size_t k = first; k < first + count; ++k) {
        if (k % 3 == 0) op.properties["age"] = static_cast<std::int64_t>(18 + rng() % 1000);
        if (k % 3 == 1) op.properties["score"] = unit() * 100;
        if (k % 3 == 2) op.properties["name"] = fmt::format("q{}", rng() % 1000000);
      }
    } else if (dice < 95) {
      op.kind = Op::kCreateRelationship;
      std::size_t start = rng() % live.size();
      op.node = live[start];
      op.other_node = live[(start + 1 + rng() % (live.size() - 1)) % live.size()];  // never a self-loop
      op.properties = {{"since", static_cast<std::int64_t>(1990 + rng() % 35)}};
    } else {
      op.kind = Op::kDeleteNode;
      std::size_t index = rng() % live.size();
      op.node = live[index];
      live[index] = live.back();
      live.pop_back();
    }
  }
  return plan;
}

// Runs one planned operation as its own transaction. `nodes` maps creation numbers to ids.
void commit_op(txgraph::Database& db, const txgraph::TxInfo& info, const Op& op, std::vector<txgraph::NodeId>& nodes) {
  auto tx = db.begin_write(info);
  switch (op.kind) {
    case Op::kCreateNode:
      nodes.push_back(tx.create_node({"Person"}, op.properties));
      break;
    case Op::kUpdateNode:
      tx.set_node_properties(nodes[op.node], op.properties);
      break;
    case Op::kCreateRelationship:
      tx.create_relationship("KNOWS", nodes[op.node], nodes[op.other_node], op.properties);
      break;
    case Op::kDeleteNode:
      tx.delete_node(nodes[op.node], /*detach=*/true);
      break;
  }
  tx.commit();
}


// CPU time of the whole process (the committing thread and the engine's background flusher).
// Unlike wall time it leaves out the time other processes hold the CPU, so on a shared machine
// it helps tell the commit path's own cost from a neighbour's build.
double process_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Runs `plan` on a fresh database in `dir`; appends commits/s, CPU time and log bytes per tx.
void measure(Setup& setup, const fs::path& dir, std::span<const Op> plan) {
  txgraph::Options options;
  // kAsync: commit() returns once the record is written, so the rate is that of the commit
  // path (encoding, enrichment, compression, store), not of the disk's fdatasync.
  options.durability = txgraph::Durability::kAsync;
  // With the pinned snapshot every commit writes ~30 KB of fresh store pages and a store sync
  // follows every 64 MiB of them: disk writeback, the same for every mode, that would only
  // blur the differences this benchmark is after.
  options.power_loss_protection = false;
  options.initial_settings.enrichment = setup.mode;
  options.initial_settings.log_compression_level = setup.compression_level;
  // Every byte written must still be there to be counted: no pruning, and one segment (a
  // rotation would add a segment header, and two syncs, to whichever run crosses it).
  options.initial_settings.retention_policy = "keep_all";
  options.initial_settings.rotation_size = 4ull << 30;

  auto db = txgraph::Database::open(dir, options);
  std::uint64_t empty_log = folder_bytes(dir / "txlog");  // segment header + open's checkpoint
  const txgraph::TxInfo info{"bench", "", {{"app", "bench"}}};
  std::vector<txgraph::NodeId> nodes;
  nodes.reserve(plan.size());
  double cpu_start = process_cpu_seconds();
  auto start = std::chrono::steady_clock::now();
  for (const Op& op : plan) {
    if (interrupted) throw std::runtime_error("interrupted");
    commit_op(*db, info, op, nodes);
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double cpu_seconds = process_cpu_seconds() - cpu_start;
  // Records are written to the file at commit (kAsync only defers the sync), so the size is
  // final here, before close adds its checkpoint record.
  std::uint64_t log_bytes = folder_bytes(dir / "txlog") - empty_log;
  if (auto pruned = db->status().segments_pruned; pruned != 0)
    throw std::runtime_error(fmt::format("{} log segments were pruned: the byte count is short", pruned));
  db->close();
  auto n = static_cast<double>(plan.size());
  setup.commits_per_second.push_back(n / seconds);
  setup.cpu_us_per_tx.push_back(cpu_seconds * 1e6 / n);
  setup.log_bytes_per_tx.push_back(static_cast<double>(log_bytes) / n);
}


struct Ratio {
  std::string name;
  double value;
  double limit;
  bool at_most;  // value <= limit passes; otherwise value >= limit passes
  bool target;   // counts as PASS/MISS; otherwise shown for information
  bool pass() const { return at_most ? value <= limit : value >= limit; }
};

// The ratios the targets are stated in, for one compression level. The CPU-time version of
// the rate ratio is never a target (the targets are on commits/s), but when it agrees with a
// miss the miss is the commit path's own cost rather than the machine's noise.
std::vector<Ratio> mode_ratios(const Setup& off, const Setup& diff, const Setup& full, bool target) {
  return {{"DIFF/OFF log bytes per tx", diff.bytes() / off.bytes(), 1.25, true, target},
          {"FULL/OFF log bytes per tx", full.bytes() / off.bytes(), 1.5, true, target},
          {"DIFF/OFF commits/s", diff.rate() / off.rate(), 0.9, false, target},
          {"FULL/OFF commits/s", full.rate() / off.rate(), 0.85, false, target},
          {"DIFF/OFF commits per CPU second", off.cpu() / diff.cpu(), 0.9, false, false},
          {"FULL/OFF commits per CPU second", off.cpu() / full.cpu(), 0.85, false, false}};
}

void print_ratios(const std::vector<Ratio>& ratios) {
  for (const auto& r : ratios)
    fmt::print("  {:<36} {:6.3f}   target {} {:.2f}  {}\n", r.name, r.value, r.at_most ? "<=" : ">=", r.limit,
               r.target ? (r.pass() ? "PASS" : "MISS") : (r.pass() ? "(info, would pass)" : "(info, would miss)"));
}

std::string json_ratios(const std::vector<Ratio>& ratios) {
  std::vector<std::string> items;
  for (const auto& r : ratios)
    items.push_back(fmt::format(R"({{"name":"{}","value":{:.4f},"limit":{},"at_most":{},"target":{},"pass":{}}})",
                                r.name, r.value, r.limit, r.at_most, r.target, r.pass()));
  return fmt::format("[{}]", fmt::join(items, ","));
}

// One JSON object with every run's numbers and every ratio, for scripts that track them.
// `value_bytes`: one datetime encoded, and an integer and a zone name encoded.
void write_json(const Config& config, const std::vector<Setup>& setups, const std::vector<Ratio>& targets,
                const std::vector<Ratio>& info, double worst_spread, const std::vector<Setup>& typed,
                std::pair<std::size_t, std::size_t> value_bytes) {
  std::vector<std::string> typed_configs;
  for (const auto& t : typed)
    typed_configs.push_back(fmt::format(R"({{"mode":"{}","compression_level":{},"log_bytes_per_tx":{:.2f}}})",
                                        txgraph::enrichment_mode_name(t.mode), t.compression_level, t.bytes()));
  std::vector<std::string> configs;
  for (const auto& s : setups)
    configs.push_back(fmt::format(R"({{"mode":"{}","compression_level":{},"commits_per_second":[{:.1f}],)"
                                  R"("median_commits_per_second":{:.1f},"median_cpu_us_per_tx":{:.3f},)"
                                  R"("log_bytes_per_tx":{:.2f}}})",
                                  txgraph::enrichment_mode_name(s.mode), s.compression_level,
                                  fmt::join(s.commits_per_second, ","), s.rate(), s.cpu(), s.bytes()));
  bool met = std::all_of(targets.begin(), targets.end(), [](const Ratio& r) { return !r.target || r.pass(); });
  std::string json = fmt::format(
      R"({{"tx_per_run":{},"rounds":{},"seed":{},"configs":[{}],"targets":{},"uncompressed_info":{},)"
      R"("targets_met":{},"worst_rate_spread":{:.3f},"typed_workload":[{}],)"
      R"("datetime_bytes":{},"int_and_zone_bytes":{}}})"
      "\n",
      config.tx_count, config.rounds, kSeed, fmt::join(configs, ","), json_ratios(targets), json_ratios(info), met,
      worst_spread, fmt::join(typed_configs, ","), value_bytes.first, value_bytes.second);
  txgraph::bench::write_results(config.json_file, json);
}


}  // namespace

int main(int argc, char** argv) {
  Config config = parse_args(argc, argv);
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  TempDir temp;
  try {
    std::string pattern = (config.parent_dir / "log_volume_bench.XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr)
      throw std::runtime_error(
          fmt::format("cannot create a temp folder in {}: {}", config.parent_dir.string(), std::strerror(errno)));
    temp.path = fs::absolute(pattern).lexically_normal();
    fmt::print("log_volume_bench in {}: {} tx per run, {} rounds, kAsync, no power-loss protection\n",
               temp.path.string(), config.tx_count, config.rounds);

    // setups[m] is mode m (OFF, DIFF, FULL) uncompressed, setups[m + 3] the same compressed.
    std::vector<Setup> setups;
    for (int level : {0, kCompressedLevel})
      for (auto mode : {EnrichmentMode::kOff, EnrichmentMode::kDiff, EnrichmentMode::kFull})
        setups.push_back({mode, level, {}, {}, {}});
    const std::vector<Op> plan = make_plan(config.tx_count, false);
    auto run = [&](Setup& setup, std::span<const Op> ops) {
      measure(setup, temp.path / "db", ops);
      fs::remove_all(temp.path / "db");  // frees the space before the next run
      settle_disk(temp.path);
    };

    // The first run in a process pays for growing the heap and warming caches; a short
    // unrecorded run takes that cost instead of whichever configuration comes first.
    Setup warm_up = setups[3];
    run(warm_up, std::span(plan).first(std::min<std::size_t>(plan.size(), 5000)));
    // Round-robin: on a shared machine the load drifts, and interleaving spreads the drift over
    // all configurations. Each round starts one configuration later and odd rounds go
    // backwards, so no configuration always runs right after the same other one.
    for (std::size_t round = 0; round < static_cast<std::size_t>(config.rounds); ++round) {
      std::vector<std::size_t> order;
      for (std::size_t k = 0; k < setups.size(); ++k) order.push_back((k + round) % setups.size());
      if (round % 2 == 1) std::reverse(order.begin(), order.end());
      for (std::size_t index : order) {
        Setup& s = setups[index];
        run(s, plan);
        fmt::print("  round {}  {}  {:9.0f} commits/s  {:6.2f} CPU us/tx  {:7.1f} log B/tx\n", round + 1, s.label(),
                   s.commits_per_second.back(), s.cpu_us_per_tx.back(), s.log_bytes_per_tx.back());
        std::fflush(stdout);
      }
    }

    fmt::print("\n{:<12} {:>10} {:>20} {:>11} {:>10}\n", "config", "commits/s", "(min .. max)", "CPU us/tx",
               "log B/tx");
    for (const auto& s : setups) {
      auto [lo, hi] = std::minmax_element(s.commits_per_second.begin(), s.commits_per_second.end());
      fmt::print("{:<12} {:>10.0f} {:>20} {:>11.2f} {:>10.1f}\n", s.label(), s.rate(),
                 fmt::format("({:.0f} .. {:.0f})", *lo, *hi), s.cpu(), s.bytes());
    }

    std::vector<Ratio> targets = mode_ratios(setups[3], setups[4], setups[5], true);
    for (int m = 0; m < 3; ++m)
      targets.push_back({fmt::format("{} compressed/uncompressed bytes", txgraph::enrichment_mode_name(setups[m].mode)),
                         setups[m + 3].bytes() / setups[m].bytes(), 0.5, true, true});
    std::vector<Ratio> info = mode_ratios(setups[0], setups[1], setups[2], false);
    fmt::print("\nTargets, compression on (level {}):\n", kCompressedLevel);
    print_ratios(targets);
    fmt::print("Compression off, for information:\n");
    print_ratios(info);

    // The typed workload: one run per configuration, bytes only (its rate is not a target).
    const std::vector<Op> typed_plan = make_plan(config.tx_count, true);
    std::vector<Setup> typed;
    fmt::print("\nWith a datetime (Europe/Berlin) and a point on each created node:\n");
    fmt::print("{:<12} {:>10} {:>18}\n", "config", "log B/tx", "(plain workload)");
    for (std::size_t k = 0; k < setups.size(); ++k) {
      Setup& t = typed.emplace_back(Setup{setups[k].mode, setups[k].compression_level, {}, {}, {}});
      run(t, typed_plan);
      fmt::print("{:<12} {:>10.1f} {:>18.1f}\n", t.label(), t.bytes(), setups[k].bytes());
    }
    txgraph::Value datetime = txgraph::parse_datetime("2026-12-07T15:48:45.123+01:00[Europe/Berlin]");
    std::size_t datetime_bytes = txgraph::txlog::encoded_value(datetime).size();
    std::size_t int_and_zone = txgraph::txlog::encoded_value(txgraph::Value(std::int64_t{1796656125123})).size() +
                               txgraph::txlog::encoded_value(txgraph::Value("Europe/Berlin")).size();
    fmt::print("One datetime in Europe/Berlin: {} bytes; an integer of its milliseconds and the zone name: {} bytes\n",
               datetime_bytes, int_and_zone);

    if (setups[3].bytes() >= setups[0].bytes())
      fmt::print("\nNote: level {} wrote no fewer bytes than level 0: log compression is not active in this build.\n",
                 kCompressedLevel);
    // A verdict on commits/s means little if a configuration's own rate moved a lot between
    // rounds: say so, rather than let a neighbour's build pass or fail a target.
    double worst_spread = 0;
    for (const auto& s : setups) worst_spread = std::max(worst_spread, s.spread());
    if (worst_spread > kSteadySpread)
      fmt::print("\nUNSTEADY: a configuration's commits/s varied by {:.0f}% of its median between rounds (limit "
                 "{:.0f}%):\nthe machine is busy and the commit-rate verdicts are unreliable; rerun with more "
                 "--rounds.\n",
                 worst_spread * 100, kSteadySpread * 100);
    auto counted = std::count_if(targets.begin(), targets.end(), [](const Ratio& r) { return r.target; });
    auto met = std::count_if(targets.begin(), targets.end(), [](const Ratio& r) { return r.target && r.pass(); });
    fmt::print("\n{} of {} targets met\n", met, counted);

    if (!config.json_file.empty())
      write_json(config, setups, targets, info, worst_spread, typed, {datetime_bytes, int_and_zone});
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "log_volume_bench: {}\n", e.what());
    return interrupted ? 130 : 1;
  }
}
