// txgraph in the peers benchmark: commits through write transactions (default options apart
// from the durability and enrichment asked for), changes read with ChangeStream, bulk load
// through Database::import_csv.
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "bench/bench_support.h"
#include "bench/peers/peers.h"
#include "txgraph/txgraph.h"

namespace txgraph::bench::peers {
namespace {

EnrichmentMode mode_of(const std::string& mode) {
  if (mode == "OFF") return EnrichmentMode::kOff;
  if (mode == "FULL") return EnrichmentMode::kFull;
  return EnrichmentMode::kDiff;
}

Options options_for(const std::string& mode, bool durable) {
  Options o;
  o.durability = durable ? Durability::kLog : Durability::kAsync;
  o.initial_settings.enrichment = mode_of(mode);
  return o;
}

void commit_row(Database& db, std::int64_t id) {
  auto tx = db.begin_write({"bench", "", {}});
  tx.create_node({"Person"}, {{"id", Value(id)}, {"name", Value("someone")}, {"note", Value(note(id))}});
  tx.commit();
}

std::string label(const std::string& mode, bool durable) {
  if (!durable) return fmt::format("txgraph {}, kAsync", mode);
  return fmt::format("txgraph {}, kLog (durable){}", mode, mode == "OFF" ? ", no capture" : "");
}

}  // namespace

CommitFigures txgraph_commits(const fs::path& dir, const std::string& mode, bool durable, const CommitPlan& plan) {
  CommitFigures f;
  f.system = label(mode, durable);
  f.short_name = fmt::format("txgraph {} {}", mode, durable ? "kLog" : "kAsync");
  f.durable = durable;
  f.writers = plan.writers;
  {
    auto db = Database::open(dir, options_for(mode, durable));
    std::uint64_t syncs_before = db->status().log_syncs;
    WriterRun run = run_writers(plan, [&](int, std::int64_t id) { commit_row(*db, id); });
    f.transactions = run.transactions;
    f.seconds = run.seconds;
    f.log_syncs = db->status().log_syncs - syncs_before;
    db->close();
  }
  f.bytes_per_tx = static_cast<double>(folder_bytes(dir)) / f.transactions;
  f.log_bytes_per_tx = static_cast<double>(folder_bytes(dir / "txlog")) / f.transactions;
  if (mode != "OFF") {
    auto stream = ChangeStream::open_log(dir);
    auto start = Clock::now();
    std::uint64_t changes = 0;
    stream.query(stream.earliest(), {}, [&](const ChangeEvent&) {
      ++changes;
      return true;
    });
    f.changes_read_per_s = changes / seconds_since(start);
    if (changes != f.transactions)
      throw std::runtime_error(fmt::format("{}: read {} of {} changes", f.system, changes, f.transactions));
  }
  return f;
}

LatencyFigures txgraph_follow(const fs::path& dir, bool durable, const FollowPlan& plan) {
  auto db = Database::open(dir, options_for("DIFF", durable));
  ChangeStream stream(*db);
  LatencyFigures f = measure_follow(
      plan, [&](std::int64_t id) { commit_row(*db, id); },
      [&](const std::function<void(std::int64_t)>& seen, std::atomic<bool>& ready, const std::atomic<bool>& stop) {
        std::string position = stream.current();
        ready = true;
        while (!stop.load()) {
          if (!stream.wait(position, std::chrono::milliseconds(50))) continue;
          position = stream
                         .query(position, {},
                                [&](const ChangeEvent& event) {
                                  seen(event.after->properties.at("id").as_int());
                                  return true;
                                })
                         .position;
        }
      });
  db->close();
  f.system = fmt::format("txgraph DIFF, {}", durable ? "kLog (durable)" : "kAsync");
  f.short_name = fmt::format("txgraph {}", durable ? "kLog" : "kAsync");
  f.consumer = "ChangeStream::wait, then query (woken by the commit)";
  return f;
}

ImportFigures txgraph_import(const fs::path& dir, const fs::path& csv, std::int64_t rows) {
  ImportFigures f;
  f.system = "txgraph";
  f.short_name = "txgraph import";
  f.method = "Database::import_csv (one store transaction, then a checkpoint)";
  f.captured = false;  // import bypasses the log: CDC gets an import notice, not the rows
  f.transactional_system = label("DIFF", true);
  auto db = Database::open(dir, options_for("DIFF", true));
  ImportOptions o;
  o.node_files = {csv};
  o.id_type = ImportOptions::IdType::kInteger;
  auto start = Clock::now();
  ImportNotice notice = db->import_csv(o);
  f.seconds = seconds_since(start);
  db->close();
  if (notice.nodes != static_cast<std::uint64_t>(rows))
    throw std::runtime_error(fmt::format("txgraph import: {} of {} rows", notice.nodes, rows));
  f.rows = notice.nodes;
  f.bytes_per_row = static_cast<double>(folder_bytes(dir)) / f.rows;
  return f;
}

}  // namespace txgraph::bench::peers
