// import_bench: bulk import (Database::import_csv) against the transactional path, on the
// same nodes, in one run.
//
//   import_bench [--quick] [--nodes N] [--results FILE] [--json FILE]
//   --results FILE   the markdown table;  --json FILE   every figure as one JSON object
//
// Data: N Person nodes (id, name, age:int, score:double, one label) and N KNOWS relationships
// between random nodes (since:int), as CSV files in a temp folder. Measured:
//   - import of the nodes file alone: nodes/s;
//   - import of nodes and relationships: relationships/s from the extra time;
//   - the transactional path creating the same nodes, one per transaction (how an
//     application writes) with the default options (durable), and one and 1000 per transaction
//     with Durability::kAsync and power_loss_protection off (its fastest settings); enrichment
//     OFF (the log's least) in all.
// Targets (issue): import >= 500k nodes/s and >= 10x the transactional path.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bench/bench_args.h"
#include "bench/bench_support.h"
#include "txgraph/txgraph.h"

namespace txgraph::bench {
namespace {

struct Args {
  bool quick = false;
  std::uint64_t nodes = 1'000'000;
  std::string results;
  std::string json;
};

Args parse_args(int argc, char** argv) {
  Args a;
  CLI::App app{"Bulk import: nodes and relationships per second from CSV, against committing the same graph"};
  app.add_flag("--quick", a.quick, "100 000 nodes unless --nodes is given");
  app.add_option("--nodes", a.nodes, "Nodes in the generated CSV (relationships: twice as many)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1'000'000'000}))
      ->capture_default_str();
  app.add_option("--results", a.results, "Write a text summary to this file");
  app.add_option("--json", a.json, "Write the results to this file as JSON");
  parse_command_line(app, argc, argv);
  if (a.quick && app.count("--nodes") == 0) a.nodes = 100'000;
  return a;
}

std::string name_of(std::uint64_t i) { return fmt::format("person-{}", i); }
std::int64_t age_of(std::uint64_t i) { return static_cast<std::int64_t>(18 + i % 70); }
double score_of(std::uint64_t i) { return static_cast<double>(i % 1000) / 8.0; }

void write_csv(const std::filesystem::path& dir, std::uint64_t n) {
  std::ofstream nodes(dir / "nodes.csv");
  nodes << "id:ID(P),name,age:int,score:double,:LABEL\n";
  for (std::uint64_t i = 0; i < n; ++i)
    nodes << i << ',' << name_of(i) << ',' << age_of(i) << ',' << score_of(i) << ",Person\n";
  std::ofstream rels(dir / "rels.csv");
  rels << ":START_ID(P),:END_ID(P),:TYPE,since:int\n";
  std::mt19937_64 rng(42);
  for (std::uint64_t i = 0; i < n; ++i) rels << rng() % n << ',' << rng() % n << ",KNOWS," << 1990 + i % 35 << '\n';
}

Options fast_options() {
  Options o;
  o.durability = Durability::kAsync;
  o.power_loss_protection = false;
  o.initial_settings.enrichment = EnrichmentMode::kOff;
  return o;
}

// What an application gets without tuning: durable commits (kLog) with power-loss protection.
Options default_options() {
  Options o;
  o.initial_settings.enrichment = EnrichmentMode::kOff;
  return o;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

double import_seconds(const std::filesystem::path& dir, const std::filesystem::path& data, bool relationships) {
  std::filesystem::remove_all(dir);
  auto db = Database::open(dir, fast_options());
  ImportOptions o;
  o.node_files = {data / "nodes.csv"};
  if (relationships) o.relationship_files = {data / "rels.csv"};
  auto t = std::chrono::steady_clock::now();
  db->import_csv(o);
  double s = seconds_since(t);
  db->close();
  return s;
}

// The same nodes through write transactions of `per_tx` nodes each; returns nodes/s. Stops
// after `budget` seconds (the one-per-transaction path would take minutes for 1M nodes).
double transactional_rate(const std::filesystem::path& dir, std::uint64_t n, std::uint64_t per_tx, double budget,
                          const Options& options) {
  std::filesystem::remove_all(dir);
  auto db = Database::open(dir, options);
  auto t = std::chrono::steady_clock::now();
  std::uint64_t done = 0;
  while (done < n) {
    auto tx = db->begin_write();
    for (std::uint64_t k = 0; k < per_tx && done < n; ++k, ++done)
      tx.create_node({"Person"}, {{"id", Value(std::to_string(done))},
                                  {"name", Value(name_of(done))},
                                  {"age", Value(age_of(done))},
                                  {"score", Value(score_of(done))}});
    tx.commit();
    if (seconds_since(t) > budget) break;
  }
  double rate = static_cast<double>(done) / seconds_since(t);
  db->close();
  return rate;
}

int run(const Args& args) {
  TempDir tmp{std::filesystem::temp_directory_path() / fmt::format("txgraph-import-bench-{}", ::getpid())};
  std::filesystem::create_directories(tmp.path / "data");
  write_csv(tmp.path / "data", args.nodes);
  std::uint64_t csv_bytes = std::filesystem::file_size(tmp.path / "data" / "nodes.csv") +
                            std::filesystem::file_size(tmp.path / "data" / "rels.csv");
  fmt::print("import_bench: {} nodes and {} relationships ({:.1f} MB of CSV); best of {} rounds\n", args.nodes,
             args.nodes, static_cast<double>(csv_bytes) / 1e6, args.quick ? 1 : 3);

  int rounds = args.quick ? 1 : 3;
  double nodes_only = 1e18, both = 1e18;
  for (int r = 0; r < rounds; ++r) {
    settle_disk(tmp.path);
    nodes_only = std::min(nodes_only, import_seconds(tmp.path / "db", tmp.path / "data", false));
    settle_disk(tmp.path);
    both = std::min(both, import_seconds(tmp.path / "db", tmp.path / "data", true));
  }
  double n = static_cast<double>(args.nodes);
  double import_nodes_rate = n / nodes_only;
  double import_rels_rate = n / std::max(both - nodes_only, 1e-9);
  settle_disk(tmp.path);
  double budget = args.quick ? 1.0 : 10.0;
  double tx1 = transactional_rate(tmp.path / "db", args.nodes, 1, budget, fast_options());
  settle_disk(tmp.path);
  double tx1000 = transactional_rate(tmp.path / "db", args.nodes, 1000, budget, fast_options());
  settle_disk(tmp.path);
  double tx1_default = transactional_rate(tmp.path / "db", args.nodes, 1, budget, default_options());

  std::string table;
  table += fmt::format("| path | nodes/s | relationships/s | import / this |\n|---|---|---|---|\n");
  table += fmt::format("| import_csv | {:.0f} | {:.0f} | |\n", import_nodes_rate, import_rels_rate);
  table += fmt::format("| transactions of 1 node, default options (kLog, power-loss protection) | {:.0f} | | {:.1f}x |\n",
                       tx1_default, import_nodes_rate / tx1_default);
  table += fmt::format("| transactions of 1 node (kAsync, no power-loss protection) | {:.0f} | | {:.1f}x |\n", tx1,
                       import_nodes_rate / tx1);
  table += fmt::format("| transactions of 1000 nodes (same) | {:.0f} | | {:.1f}x |\n", tx1000,
                       import_nodes_rate / tx1000);
  fmt::print("{}", table);
  fmt::print("targets: import >= 500000 nodes/s: {}; >= 10x one node per transaction: {} with default options, {} with "
             "the fastest (kAsync, no protection); 1000 nodes per transaction: {:.1f}x\n",
             import_nodes_rate >= 500000 ? "PASS" : "MISS", import_nodes_rate >= 10 * tx1_default ? "PASS" : "MISS",
             import_nodes_rate >= 10 * tx1 ? "PASS" : "MISS", import_nodes_rate / tx1000);
  if (!args.results.empty()) write_results(args.results, table);
  if (!args.json.empty())
    write_results(args.json,
                  fmt::format("{{\"nodes\":{},\"relationships\":{},\"csv_bytes\":{},\"rounds\":{},"
                              "\"import_nodes_per_s\":{:.1f},\"import_relationships_per_s\":{:.1f},"
                              "\"tx_1_node_default_nodes_per_s\":{:.1f},\"tx_1_node_fast_nodes_per_s\":{:.1f},"
                              "\"tx_1000_nodes_fast_nodes_per_s\":{:.1f}}}\n",
                              args.nodes, args.nodes, csv_bytes, rounds, import_nodes_rate, import_rels_rate,
                              tx1_default, tx1, tx1000));
  return 0;
}

}  // namespace
}  // namespace txgraph::bench

int main(int argc, char** argv) {
  try {
    return txgraph::bench::run(txgraph::bench::parse_args(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "import_bench: %s\n", e.what());
    return 1;
  }
}
