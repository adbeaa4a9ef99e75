// peers.json -> peers.md, CSV per table, gnuplot plots. Ratios are always "above 1, txgraph
// does better": throughput is txgraph / peer, latency is peer / txgraph.
#include "bench/peers/report.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bench/bench_support.h"

namespace txgraph::bench::peers {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string fixed(double v, int digits = 0) { return fmt::format("{:.{}f}", v, digits); }
std::string ratio(double num, double den) { return den > 0 && num > 0 ? fmt::format("{:.2f}", num / den) : ""; }
std::string csv_text(const std::string& s) { return "\"" + s + "\""; }  // names hold commas, never quotes

// The median of `field` over rows (the rounds of one measurement); 0 for none.
double median(const std::vector<json>& rows, const char* field) {
  std::vector<double> v;
  for (const auto& r : rows) v.push_back(r.at(field).get<double>());
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// The commit rows of one system, by writer count, one per round.
struct SystemCommits {
  std::string system, short_name;
  bool durable = true;
  std::map<int, std::vector<json>> by_writers;
  double at(int writers, const char* field) const {
    auto it = by_writers.find(writers);
    return it == by_writers.end() ? 0 : median(it->second, field);
  }
  double rate(int writers) const { return at(writers, "commits_per_s"); }
  // Bytes and reads come from the 1-writer runs.
  double per_tx(const char* field) const { return at(1, field); }
  // Commits per log fdatasync with 4 writers; 0 where not counted.
  double per_sync() const {
    double syncs = at(4, "log_syncs");
    return durable && syncs > 0 ? at(4, "transactions") / syncs : 0;
  }
};

std::vector<SystemCommits> group_commits(const json& run) {
  std::vector<SystemCommits> systems;
  for (const auto& row : run.at("commits")) {
    std::string name = row.at("system");
    auto it = std::find_if(systems.begin(), systems.end(), [&](const auto& s) { return s.system == name; });
    if (it == systems.end()) {
      systems.push_back({name, row.at("short_name"), row.at("durable"), {}});
      it = systems.end() - 1;
    }
    it->by_writers[row.at("writers").get<int>()].push_back(row);
  }
  return systems;
}

std::string commit_tables(const std::vector<SystemCommits>& systems) {
  std::string md;
  for (bool durable : {true, false}) {
    const SystemCommits* us = nullptr;
    for (const auto& s : systems)
      if (s.durable == durable && !us) us = &s;
    if (!us) continue;
    md += fmt::format(
        "### {}\n\n| system | commits/s, 1 writer | txgraph / it | commits/s, 4 writers | txgraph / it | 4 writers / 1 "
        "| bytes on disk per tx | change log bytes per tx | changes read/s | txgraph / it |\n"
        "|---|---|---|---|---|---|---|---|---|---|\n",
        durable ? "Durable commits" : "Non-durable commits");
    for (const auto& s : systems) {
      if (s.durable != durable) continue;
      bool self = &s == us;
      double read = s.per_tx("changes_read_per_s");
      double us_read = us->per_tx("changes_read_per_s");
      auto cell = [](double v) { return v > 0 ? fixed(v) : std::string("-"); };
      md += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", s.system, cell(s.rate(1)),
                        self ? "" : ratio(us->rate(1), s.rate(1)), cell(s.rate(4)),
                        self ? "" : ratio(us->rate(4), s.rate(4)), ratio(s.rate(4), s.rate(1)),
                        fixed(s.per_tx("bytes_per_tx")), cell(s.per_tx("log_bytes_per_tx")), cell(read),
                        self ? "" : ratio(us_read, read));
    }
    md += "\n";
  }
  std::string sharing;
  for (const auto& s : systems)
    if (s.per_sync() > 0)
      sharing += fmt::format("{}{} {:.2f}", sharing.empty() ? "" : "; ", s.short_name, s.per_sync());
  if (!sharing.empty()) md += fmt::format("Commits per log fdatasync with 4 writers (txgraph's group commit, counted): {}.\n\n", sharing);
  return md;
}

const json* find_system(const json& rows, const std::string& short_name) {
  for (const auto& r : rows)
    if (r.at("short_name") == short_name) return &r;
  return nullptr;
}

std::string follow_table(const json& run) {
  std::string md =
      "| system | how the consumer follows the changes | p50 µs | p99 µs | max µs | it / txgraph, p50 | it / txgraph, p99 "
      "| seen before commit() returned |\n|---|---|---|---|---|---|---|---|\n";
  const json& rows = run.at("follow");
  for (const auto& r : rows) {
    bool durable = r.at("durable");
    const json* us = find_system(rows, durable ? "txgraph kLog" : "txgraph kAsync");
    bool self = us == &r || !us;
    md += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} of {} |\n", r.at("system").get<std::string>(),
                      r.at("consumer").get<std::string>(), fixed(r["p50_us"].get<double>()),
                      fixed(r["p99_us"].get<double>()), fixed(r["max_us"].get<double>()),
                      self ? "" : ratio(r["p50_us"].get<double>(), (*us)["p50_us"].get<double>()),
                      self ? "" : ratio(r["p99_us"].get<double>(), (*us)["p99_us"].get<double>()),
                      r["seen_before_return"].get<int>(), r["samples"].get<int>());
  }
  return md + "\n";
}

// The median 1-writer commits/s of `system`: rows per second through its transactional path.
double transactional_rate(const json& run, const std::string& system) {
  std::vector<json> rows;
  for (const auto& c : run.at("commits"))
    if (c.at("system") == system && c.at("writers") == 1) rows.push_back(c);
  return median(rows, "commits_per_s");
}

std::string import_table(const json& run) {
  std::string md =
      "| system | method | change feed sees the rows | rows/s | the same system, one row per durable transaction: "
      "rows/s | import / that | txgraph import / it | bytes on disk per row |\n|---|---|---|---|---|---|---|---|\n";
  const json& rows = run.at("import");
  double us = rows.empty() ? 0 : rows[0]["rows_per_s"].get<double>();
  for (const auto& r : rows) {
    double rate = r["rows_per_s"], tx = transactional_rate(run, r.at("transactional_system"));
    md += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |\n", r.at("system").get<std::string>(),
                      r.at("method").get<std::string>(), r.at("captured").get<bool>() ? "yes" : "no", fixed(rate),
                      tx > 0 ? fixed(tx) : "-", tx > 0 ? fmt::format("{:.0f} ×", rate / tx) : "",
                      &r == &rows[0] ? "" : ratio(us, rate), fixed(r["bytes_per_row"].get<double>()));
  }
  return md + "\n";
}

constexpr const char* kColumnNotes =
    "## What each column measures\n\n"
    "- *Machine*: the disk's and one core's limits in the same run. The fdatasync loop runs on one thread and on "
    "four (each on a file of its own): on a virtual or shared disk a lone syncing thread can get far fewer syncs per "
    "second than four busy ones, so read the 1-writer columns against the first and the 4-writer columns against "
    "the second.\n"
    "- *commits/s*: one row (a node with a label and three properties; SQLite: a table row plus the trigger's change "
    "row; RocksDB: one Put of the row's JSON) per transaction, W writer threads on one database, each committing "
    "until the run's count or time budget is spent. txgraph's writers share log fdatasyncs (group commit) while the "
    "store's writer lock is held only up to the sync; SQLite admits one writer at a time (`BEGIN IMMEDIATE`; the "
    "others wait in its busy handler, or, in the *application mutex* row, on a mutex of ours, which wastes no "
    "sleeps); RocksDB groups concurrent writers into one WAL write and sync itself.\n"
    "- *4 writers / 1*: what a system gains from concurrency on this disk and these two cores; 1.00 is none.\n"
    "- *bytes on disk per tx*: every file of the store after the 1-writer run, closed. txgraph's is dominated by the "
    "LMDB store file, which with power-loss protection on (the default) cannot reuse pages while a checkpoint "
    "snapshot is pinned; the change log itself is the next column.\n"
    "- *change log bytes per tx*: txgraph's log segments, SQLite's change-table pages (`dbstat`), RocksDB's WAL "
    "files.\n"
    "- *changes read/s*: the whole change log read back in commit order on one core. txgraph delivers complete "
    "change events (element id, labels, keys, before/after states as property maps, metadata, a change id); the "
    "SQLite reader steps over the change rows and takes the JSON text without parsing it, and the RocksDB reader "
    "counts the Puts of each WAL batch without decoding the values. A consumer of either would still have to parse "
    "what it got, so this column favours the peers.\n"
    "- *commit to consumer*: one writer commits a row, pauses, and commits the next; a consumer thread follows the "
    "change feed. Latency is from `commit()` (SQLite: `COMMIT`; RocksDB: `Put`) returning on the writer's thread to "
    "the consumer holding the row, per row, nearest-rank percentiles. txgraph's consumer is woken by the commit; "
    "neither peer can notify another connection or thread of a new change, so their consumers poll, sleeping the "
    "stated interval when a poll found nothing: about half of it is in their p50, and a shorter interval costs a "
    "core. A change can be seen before `commit()` is back with the writer (it is visible once durable); the last "
    "column counts those samples, whose latency counts as negative.\n"
    "- *bulk import*: the same rows from one CSV file (`id:ID,name,note,:LABEL`), written before the clock starts "
    "and read from the page cache. txgraph parses it with its CSV importer (types, quoting); the peers' loaders "
    "split each line on commas, which is less work. Every load is durable when it returns (txgraph's ends with a "
    "checkpoint; SQLite commits with synchronous=FULL; RocksDB syncs its last batch or ingests a synced file). "
    "txgraph's import bypasses the log (CDC gets an import notice, not the rows), as do SQLite without its trigger "
    "and RocksDB's SST ingestion; *change feed sees the rows* says which loads a consumer would see. The "
    "transactional path beside each is the system's durable 1-writer commit figure above (one row a transaction, "
    "change capture on).\n";

void write_csvs(const json& run, const std::vector<SystemCommits>& systems, const fs::path& dir) {
  std::string commits =
      "short_name,durable,commits_per_s_1_writer,commits_per_s_4_writers,bytes_per_tx,log_bytes_per_tx,"
      "changes_read_per_s,commits_per_log_sync_4_writers,system\n";
  for (const auto& s : systems) {
    std::string per_sync = s.per_sync() > 0 ? fmt::format("{:.3f}", s.per_sync()) : "";
    auto cell = [](double v) { return v > 0 ? fmt::format("{:.1f}", v) : std::string(); };
    commits += fmt::format("{},{},{},{},{:.1f},{:.1f},{},{},{}\n", s.short_name, s.durable ? 1 : 0, cell(s.rate(1)),
                           cell(s.rate(4)), s.per_tx("bytes_per_tx"), s.per_tx("log_bytes_per_tx"),
                           cell(s.per_tx("changes_read_per_s")), per_sync, csv_text(s.system));
  }
  write_results((dir / "peers-commits.csv").string(), commits);
  std::string follow = "short_name,durable,samples,p50_us,p99_us,max_us,seen_before_return,system,consumer\n";
  for (const auto& r : run.at("follow"))
    follow += fmt::format("{},{},{},{:.1f},{:.1f},{:.1f},{},{},{}\n", r.at("short_name").get<std::string>(),
                          r.at("durable").get<bool>() ? 1 : 0, r.at("samples").get<int>(), r.at("p50_us").get<double>(),
                          r.at("p99_us").get<double>(), r.at("max_us").get<double>(),
                          r.at("seen_before_return").get<int>(), csv_text(r.at("system")),
                          csv_text(r.at("consumer")));
  write_results((dir / "peers-follow.csv").string(), follow);
  std::string imports = "short_name,captured,rows,seconds,rows_per_s,transactional_rows_per_s,bytes_per_row,system,method\n";
  for (const auto& r : run.at("import"))
    imports += fmt::format("{},{},{},{:.3f},{:.1f},{:.1f},{:.1f},{},{}\n", r.at("short_name").get<std::string>(),
                           r.at("captured").get<bool>() ? 1 : 0, r.at("rows").get<std::uint64_t>(),
                           r.at("seconds").get<double>(), r.at("rows_per_s").get<double>(),
                           transactional_rate(run, r.at("transactional_system")), r.at("bytes_per_row").get<double>(),
                           csv_text(r.at("system")), csv_text(r.at("method")));
  write_results((dir / "peers-import.csv").string(), imports);
}

// Clustered bars, log scale, one cluster per CSV row; `columns` are (column number, title).
// The names are of files in the results folder.
std::string bar_chart(const std::string& png, const std::string& csv, const std::string& title,
                      const std::string& ylabel, const std::vector<std::pair<int, std::string>>& columns) {
  std::string s = fmt::format(
      "set terminal pngcairo size 960,520 font 'sans,11'\nset output '{}'\nset title '{}'\nset ylabel '{}'\n"
      "set logscale y\nset grid ytics\nset style data histograms\nset style histogram cluster gap 1\n"
      "set style fill solid 0.85 border -1\nset boxwidth 0.9\nset xtics rotate by -30 left\nset key outside top center horizontal\n"
      "set datafile separator ','\nset datafile columnheaders\nset bmargin 7\nplot ",
      png, title, ylabel);
  for (std::size_t i = 0; i < columns.size(); ++i)
    s += fmt::format("{}'{}' using {}{} title '{}'", i ? ", " : "", csv, columns[i].first,
                     i ? "" : ":xtic(1)", columns[i].second);
  return s + "\nunset logscale y\n";
}

void plot(const fs::path& dir) {
  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0) {
    std::printf("gnuplot is not installed: JSON, CSV and summary written, no plots\n");
    return;
  }
  std::string script =
      bar_chart("peers-commits.png", "peers-commits.csv", "Commits per second, 1 and 4 writers (same run)",
                "commits/s", {{3, "1 writer"}, {4, "4 writers"}}) +
      bar_chart("peers-follow.png", "peers-follow.csv", "Commit returned to consumer holding the change",
                "microseconds", {{4, "p50"}, {5, "p99"}}) +
      bar_chart("peers-import.png", "peers-import.csv", "Bulk import against one row per durable transaction",
                "rows/s", {{5, "bulk path"}, {6, "one row per durable transaction"}});
  // File names in the script are relative to the results folder, where gnuplot runs.
  write_results((dir / "peers.gnuplot").string(), script);
  if (std::system(fmt::format("cd '{}' && gnuplot peers.gnuplot", dir.string()).c_str()) != 0)
    throw std::runtime_error(fmt::format("gnuplot failed on {}", (dir / "peers.gnuplot").string()));
}

}  // namespace

void write_report(const fs::path& out_dir) {
  std::ifstream in(out_dir / "peers.json");
  if (!in) throw std::runtime_error(fmt::format("no {}", (out_dir / "peers.json").string()));
  json run = json::parse(in);
  const json& m = run.at("machine");
  auto systems = group_commits(run);
  std::string md = fmt::format(
      "# txgraph against its peers\n\n`{}`: {} Same run, same disk; every figure is in `peers.json`, the tables "
      "in `peers-*.csv`.\n\nMachine: fdatasync {:.0f}/s (150-byte appends; {:.0f}/s from 4 threads on a file each), "
      "sequential write {:.0f} MB/s, zstd -3 {:.0f} MB/s, XXH3 {:.0f} MB/s (one core).\n\n",
      run.at("command").get<std::string>(), run.at("workload").get<std::string>(), m.at("fdatasync_per_s").get<double>(),
      m.at("fdatasync_4_threads_per_s").get<double>(),
      m.at("write_mb_per_s").get<double>(), m.at("zstd_mb_per_s").get<double>(), m.at("xxh3_mb_per_s").get<double>());
  const json& plan = run.at("plan");
  std::string by_round;
  for (const auto& rate : m.at("fdatasync_per_s_by_round"))
    by_round += fmt::format("{}{:.0f}", by_round.empty() ? "" : " / ", rate.get<double>());
  md += fmt::format(
      "## Commits, 1 and 4 writers\n\nEach run: up to {} transactions or {:g} s (durable), {} or {:g} s "
      "(non-durable), whichever first; each system runs with 1 and then 4 writers before the next system. "
      "Figures are the median of {} round{} (every round's figures are in the JSON); the fdatasync loop at the start "
      "of each round: {}/s.\n\n",
      plan.at("durable").at("max_transactions").get<std::int64_t>(),
      plan.at("durable").at("max_seconds").get<double>(),
      plan.at("non_durable").at("max_transactions").get<std::int64_t>(),
      plan.at("non_durable").at("max_seconds").get<double>(), plan.at("rounds").get<int>(),
      plan.at("rounds").get<int>() == 1 ? "" : "s", by_round);
  md += commit_tables(systems) + "![commits per second](peers-commits.png)\n\n";
  const json& follow = plan.at("follow");
  md += fmt::format(
      "## Commit to consumer\n\n{} paced commits per system (the first {} dropped), {} µs apart; latency from "
      "commit() returning to the consumer holding the change.\n\n",
      follow.at("samples").get<int>(), follow.at("warm_up").get<int>(), follow.at("pace_us").get<int>());
  md += follow_table(run) + "![commit to consumer latency](peers-follow.png)\n\n";
  md += fmt::format("## Bulk import\n\n{} rows, the same CSV file for every system.\n\n",
                    plan.at("import_rows").get<std::int64_t>());
  md += import_table(run) + "![bulk import](peers-import.png)\n\n";
  md += "Ratios: throughput is txgraph's first row of each table over the row's system, latency the row's system "
        "over txgraph of the same durability; above 1, txgraph does better.\n\n";
  md += kColumnNotes;
  write_csvs(run, systems, out_dir);
  write_results((out_dir / "peers.md").string(), md);
  plot(out_dir);
}

}  // namespace txgraph::bench::peers
