// `txgraph cdc query DIR --snapshot --follow` in another process than the writers: killed at
// random points and restarted with --from the id of a random event it printed, again and
// again, while writers commit creates, updates, deletes and relationship churn; the events
// applied in order give exactly the source graph.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <random>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cdc/change_id.h"
#include "cdc/graph_churn.h"
#include "cdc/json_graph_model.h"
#include "cli_runner.h"

namespace txgraph::testing {
namespace {

int rounds() {
  const char* env = std::getenv("TXGRAPH_SNAPSHOT_ROUNDS");
  return env ? std::max(1, std::atoi(env)) : 2;
}

bool in_snapshot(const std::string& id) { return cdc::decode_change_id(id).in_snapshot(); }

void command_round(std::uint64_t seed) {
  TestDir dir;
  Options options;
  options.initial_settings.enrichment = EnrichmentMode::kDiff;
  auto db = Database::open(dir / "g", options);
  GraphChurn churn(*db, seed, 300, 400);
  std::mt19937_64 random(seed);
  churn.start();
  JsonGraph copy;
  std::string from;  // empty: start the snapshot
  std::uint64_t runs = 0, snapshot_events = 0;
  std::string first_lines;
  // How long a run gets before the kill, at least: doubled whenever a run printed nothing, so
  // that a slow start (a sanitizer build, a loaded machine) still gets on.
  int patience_ms = 20;
  while (from.empty() || in_snapshot(from) || runs < 4) {
    std::vector<std::string> args = {"cdc", "query", (dir / "g").string(), "--follow", "--snapshot-chunk",
                                     std::to_string(1 + random() % 30)};
    if (from.empty()) {
      args.push_back("--snapshot");
    } else {
      args.push_back("--from");
      args.push_back(from);
    }
    BackgroundCli query(args);
    // Let it print a random amount (its output reaches the file a buffer at a time), then kill it.
    std::this_thread::sleep_for(std::chrono::milliseconds(patience_ms + random() % 200));
    query.stop(SIGKILL);
    ++runs;
    std::string out = query.out();
    auto lines = split_lines(out);
    if (!out.empty() && out.back() != '\n') lines.pop_back();  // cut off mid-line by the kill
    if (lines.empty()) {
      ASSERT_EQ(query.err(), "") << "the query failed";
      patience_ms = std::min(patience_ms * 2, 5000);
      continue;
    }
    if (first_lines.size() < 600) first_lines += lines[0].substr(0, 200) + " | " + query.err() + "\n";
    std::size_t keep = random() % lines.size();
    for (std::size_t i = 0; i <= keep; ++i) {
      auto event = nlohmann::json::parse(lines[i]);
      if (event.contains("snapshot")) ++snapshot_events;
      copy.apply(event);
    }
    from = nlohmann::json::parse(lines[keep])["id"];
    ASSERT_LT(runs, 2000u) << "the snapshot does not get on";
  }
  churn.stop();
  db->sync_log();
  CliResult rest = run_cli({"cdc", "query", (dir / "g").string(), "--from", from});
  ASSERT_EQ(rest.exit_code, 0) << rest.err;
  for (const auto& line : split_lines(rest.out)) copy.apply_line(line);
  ASSERT_TRUE(copy.problems.empty()) << copy.problems.front() << " (" << copy.problems.size() << " problems)";
  EXPECT_EQ(copy.differences(JsonGraph::from_export(export_lines(*db))), "");
  // Most of the 700 seeded entities came in snapshot events (writers delete some meanwhile):
  // not an empty snapshot followed by the whole stream.
  EXPECT_GT(snapshot_events, 350u) << "first lines: " << first_lines;
  EXPECT_GT(churn.commits(), 50u) << "the writers were not writing while the snapshot ran";
}

TEST(CdcSnapshotCommand, KilledAndResumedFromRandomIdsWhileWritersCommitGivesTheSource) {
  for (int round = 0; round < rounds(); ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    command_round(500 + round);
    if (HasFatalFailure()) return;
  }
}

TEST(CdcSnapshotCommand, SnapshotAndFromAreExclusive) {
  TestDir dir;
  ASSERT_EQ(run_cli({"init", (dir / "g").string(), "--enrichment", "diff"}).exit_code, 0);
  CliResult current = run_cli({"cdc", "current", (dir / "g").string()});
  ASSERT_EQ(current.exit_code, 0);
  std::string id = split_lines(current.out).at(0);
  CliResult r = run_cli({"cdc", "query", (dir / "g").string(), "--snapshot", "--from", id});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--snapshot"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace txgraph::testing
