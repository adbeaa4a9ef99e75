// Randomized power cuts, the log and the store together. Per round, in a fresh folder:
//   1. the child (powercut_child.cc, with the interposer of powercut_io.cc) runs a seeded
//      workload and the power goes out at its N-th file call (N drawn from the calls a
//      counting run of the same seed made);
//   2. the cut is applied: every page written since its file's last sync is kept or put
//      back at random (powercut_apply.cc);
//   3. in about half the rounds the child opens the database again and the power goes out
//      during that open too, at a call drawn the same way (from a counting run on a copy);
//   4. the database is opened here, without any interposer, and must hold every acknowledged
//      transaction (kLog) or every one a checkpoint made durable (kAsync), and nothing else
//      but a prefix of what was committed; each transaction whole, each import whole or
//      absent, the change stream without gap or duplicate, and it must take a new write.
//
// TXGRAPH_POWERCUT_ROUNDS: rounds per mode (default 20; the powercut_soak target runs 500).
// TXGRAPH_POWERCUT_SEED: run the rounds from this seed on (a failing round prints its seed);
// TXGRAPH_POWERCUT_CUTS=N[,M]: take these cut points instead of drawing them (M: the cut
// during recovery). The workload has threads (the checkpointer, kAsync's flusher), so a replay
// makes the same calls only roughly: replaying a seed and its cuts usually, not always,
// lands on the same state. TXGRAPH_POWERCUT_VERBOSE: a line per cut, with what it put back.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "powercut/powercut_apply.h"
#include "test_dir.h"
#include "txgraph/txgraph.h"

namespace txgraph::powercut {
namespace {

using txgraph::testing::TestDir;
namespace fs = std::filesystem;

struct ChildRun {
  bool killed = false;  // by its own cut
  int exit_code = -1;
  std::string error;  // what it printed on stderr
};

struct Counts {
  std::map<std::string, std::uint64_t> by_kind;
  std::string trace;  // one letter per call: W write, S file sync, ... (powercut_io.cc)
  std::uint64_t operator[](const std::string& kind) const {
    auto it = by_kind.find(kind);
    return it == by_kind.end() ? 0 : it->second;
  }
};

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Where the power goes out: before the n-th file call, or (at_sync) before the n-th sync of a
// file with unsynced writes. Written "n" or "sn"; n 0 is no cut.
struct Cut {
  bool at_sync = false;
  std::uint64_t n = 0;
  std::string text() const { return fmt::format("{}{}", at_sync ? "s" : "", n); }
  static Cut parse(const std::string& t) {
    Cut c;
    c.at_sync = !t.empty() && t[0] == 's';
    c.n = std::strtoull(t.c_str() + (c.at_sync ? 1 : 0), nullptr, 10);
    return c;
  }
};

// Runs the child with the interposer tracking `db`; `count`: where it writes its call counts
// at exit.
ChildRun run_child(const std::vector<std::string>& args, const fs::path& db, const fs::path& journal, Cut cut,
                   const fs::path& count, const fs::path& stderr_file) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setenv("TXGRAPH_POWERCUT_DIR", db.c_str(), 1);
    ::setenv("TXGRAPH_POWERCUT_JOURNAL", journal.c_str(), 1);
    if (cut.n != 0)
      ::setenv(cut.at_sync ? "TXGRAPH_POWERCUT_CUT_AT_SYNC" : "TXGRAPH_POWERCUT_CUT_AT", std::to_string(cut.n).c_str(), 1);
    if (!count.empty()) ::setenv("TXGRAPH_POWERCUT_COUNT", count.c_str(), 1);
    int err = ::open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (err >= 0) ::dup2(err, STDERR_FILENO);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(POWERCUT_CHILD));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(POWERCUT_CHILD, argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ChildRun run;
  run.killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  if (WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status) && !run.killed) run.exit_code = 128 + WTERMSIG(status);
  run.error = slurp(stderr_file);
  return run;
}

Counts read_counts(const fs::path& path) {
  Counts c;
  std::istringstream in(slurp(path));
  std::string kind, value;
  while (in >> kind >> value) {
    if (kind == "trace") {
      c.trace = value;
    } else {
      c.by_kind[kind] = std::strtoull(value.c_str(), nullptr, 10);
    }
  }
  return c;
}

// Half the cuts land at any call; the other half just before a sync of a file with unsynced
// writes, when everything that sync was to make durable is at risk (a uniform draw finds few
// such moments: most calls are followed by no window that matters).
Cut pick_cut(const Counts& counts, std::mt19937_64& rng) {
  if (counts["risky_syncs"] > 0 && rng() % 2 == 0) return {true, 1 + rng() % counts["risky_syncs"]};
  return {false, 1 + rng() % std::max<std::uint64_t>(counts["calls"], 1)};
}

struct Acks {
  std::int64_t acked = 0;    // the last k whose commit() returned
  std::int64_t durable = 0;  // the last k a checkpoint or an import made durable
  std::map<int, std::pair<std::uint64_t, std::uint64_t>> imports_started;  // nodes, relationships
  std::set<int> imports_done;
};

Acks read_acks(const fs::path& path) {
  Acks a;
  std::istringstream in(slurp(path));
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream l(line);
    std::string word;
    l >> word;
    if (word == "ACK") {
      l >> a.acked;
    } else if (word == "DURABLE") {
      l >> a.durable;
    } else if (word == "IMPORT") {
      int i;
      std::uint64_t n, r;
      l >> i >> n >> r;
      a.imports_started[i] = {n, r};
    } else if (word == "IMPORTED") {
      int i;
      l >> i;
      a.imports_done.insert(i);
    }
  }
  return a;
}

struct Recovered {
  std::vector<std::string> problems;
  bool opened = false;
  bool rolled_back = false;
  std::uint64_t replayed = 0;
  std::uint64_t torn_bytes = 0;
  std::int64_t items = 0;
};

// Everything the reopened database must satisfy; returns what it does not (empty: all well).
Recovered check_recovered(const fs::path& dir, const Acks& acks, bool async) {
  Recovered out;
  auto problem = [&](std::string p) { out.problems.push_back(std::move(p)); };
  std::unique_ptr<Database> db;
  try {
    Options o;
    // A cut before the first open made anything leaves no database, and that is no loss; once
    // something was acknowledged, the database must be there.
    o.create_if_missing = acks.acked == 0 && acks.imports_done.empty();
    db = Database::open(dir, o);
  } catch (const Error& e) {
    problem(fmt::format("reopening failed ({}): {}", error_code_name(e.code()), e.what()));
    return out;
  }
  out.opened = true;
  auto status = db->status();
  out.rolled_back = status.rolled_back_at_open;
  out.replayed = status.replayed_at_open;
  out.torn_bytes = status.torn_bytes_cut_at_open;
  if (!status.store_error.empty()) problem("the store lacks transactions: " + status.store_error);

  std::map<std::int64_t, NodeId> items;
  std::map<std::int64_t, Relationship> next;
  std::map<std::int64_t, std::pair<std::uint64_t, std::uint64_t>> imported;
  std::uint64_t strays = 0;
  try {
    auto read = db->begin_read();
    read.for_each_node([&](const Node& n) {
      if (n.labels == std::vector<std::string>{"Item"}) {
        if (!items.emplace(n.properties.at("k").as_int(), n.id).second)
          problem(fmt::format("item {} twice", n.properties.at("k").as_int()));
      } else if (n.labels == std::vector<std::string>{"Imported"}) {
        imported[n.properties.at("imp").as_int()].first++;
      } else {
        ++strays;
      }
      return true;
    });
    read.for_each_relationship([&](const Relationship& r) {
      if (r.type == "NEXT") {
        next.emplace(r.properties.at("k").as_int(), r);
      } else if (r.type == "IMP") {
        imported[r.properties.at("imp").as_int()].second++;
      } else {
        ++strays;
      }
      return true;
    });
  } catch (const std::exception& e) {
    problem(fmt::format("reading the store failed: {}", e.what()));
    return out;
  }
  if (strays) problem(fmt::format("{} entities no transaction of the workload made", strays));

  // A prefix 1..M of the transactions, each whole.
  std::int64_t m = items.empty() ? 0 : items.rbegin()->first;
  out.items = m;
  if (static_cast<std::int64_t>(items.size()) != m || (m > 0 && items.begin()->first != 1))
    problem(fmt::format("the items present are not a prefix: {} of them, the highest {}", items.size(), m));
  if (!async && m < acks.acked) problem(fmt::format("acknowledged transactions lost: {} present, {} acknowledged", m, acks.acked));
  if (async && m < acks.durable)
    problem(fmt::format("transactions lost that a checkpoint made durable: {} present, durable through {}", m,
                        acks.durable));
  if (m > acks.acked + 1)
    problem(fmt::format("transaction {} present, but only {} acknowledged and one in flight", m, acks.acked));
  for (const auto& [k, id] : items) {
    auto it = next.find(k);
    if (it == next.end()) {
      problem(fmt::format("transaction {} half applied: its item without its relationship", k));
      continue;
    }
    NodeId start = k == 1 ? id : (items.contains(k - 1) ? items[k - 1] : NodeId{});
    if (it->second.end != id || it->second.start != start)
      problem(fmt::format("transaction {}: its relationship joins the wrong items", k));
  }
  for (const auto& [k, r] : next) {
    if (!items.contains(k)) problem(fmt::format("transaction {} half applied: its relationship without its item", k));
  }

  // Imports whole or absent, each with its notice; every one that returned, present.
  for (const auto& [i, counts] : imported) {
    auto started = acks.imports_started.find(static_cast<int>(i));
    if (started == acks.imports_started.end()) {
      problem(fmt::format("import {} present but never started", i));
    } else if (counts != started->second) {
      problem(fmt::format("import {} half there: {} nodes and {} relationships of {} and {}", i, counts.first,
                          counts.second, started->second.first, started->second.second));
    }
    bool notice = false;
    for (const auto& n : status.imports) notice = notice || (n.nodes == counts.first && n.relationships == counts.second);
    if (!notice) problem(fmt::format("import {} present without its notice", i));
  }
  for (int i : acks.imports_done) {
    if (!imported.contains(i)) problem(fmt::format("import {} lost after import_csv() returned", i));
  }

  // The change stream from the earliest retained change: contiguous transactions, no change
  // twice.
  ChangeStream stream(*db);
  try {
    std::string from = stream.earliest();
    std::uint64_t last_tx = 0;
    std::set<std::string> seen;
    bool reported = false;
    stream.query(from, {}, [&](const ChangeEvent& e) {
      if (!reported && last_tx != 0 && e.tx_id != last_tx && e.tx_id != last_tx + 1) {
        problem(fmt::format("gap in the change stream: {} then {}", last_tx, e.tx_id));
        reported = true;
      }
      last_tx = e.tx_id;
      if (!seen.insert(e.element_id + static_cast<char>(e.operation)).second && !reported) {
        problem(fmt::format("change delivered twice: {}", e.element_id));
        reported = true;
      }
      return true;
    });
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kCdcDisabled) problem(fmt::format("reading the change stream failed: {}", e.what()));
  }
  // The consumer group, if it was made: its file reads, and it reads on (or says it is lost).
  try {
    auto groups = list_consumer_groups(stream);
    if (!groups.empty()) {
      try {
        Consumer consumer(stream, "pc");
        consumer.poll(1000);
      } catch (const Error& e) {
        if (e.code() != ErrorCode::kConsumerGroupLost && e.code() != ErrorCode::kCdcDisabled)
          problem(fmt::format("the consumer group cannot go on ({}): {}", error_code_name(e.code()), e.what()));
      }
    }
  } catch (const Error& e) {
    problem(fmt::format("a consumer group file is damaged: {}", e.what()));
  }
  // And it takes a new write.
  try {
    auto tx = db->begin_write();
    tx.create_node({"After"}, {});
    if (tx.commit() == 0) problem("the write after recovery got no tx id");
  } catch (const Error& e) {
    problem(fmt::format("no write after recovery: {}", e.what()));
  }
  try {
    db->close();
  } catch (const Error& e) {
    problem(fmt::format("closing after recovery failed: {}", e.what()));
  }
  return out;
}

int rounds() {
  const char* env = std::getenv("TXGRAPH_POWERCUT_ROUNDS");
  return env ? std::atoi(env) : 20;
}

std::optional<std::uint64_t> seed_from_env() {
  const char* env = std::getenv("TXGRAPH_POWERCUT_SEED");
  if (env == nullptr) return std::nullopt;
  return std::strtoull(env, nullptr, 10);
}

// Cut points from TXGRAPH_POWERCUT_CUTS ("N" or "N,M", each maybe "sN"); none where none is
// given.
std::pair<Cut, Cut> cuts_from_env() {
  const char* env = std::getenv("TXGRAPH_POWERCUT_CUTS");
  if (env == nullptr) return {};
  std::string text = env;
  auto comma = text.find(',');
  return {Cut::parse(text.substr(0, comma)), comma == std::string::npos ? Cut{} : Cut::parse(text.substr(comma + 1))};
}

struct RunTotals {
  int rounds = 0;
  int cut_in_workload = 0;   // the workload died at its cut (else it ended first)
  int cut_in_recovery = 0;   // the reopen died at its cut
  int recovery_refused = 0;  // the child's reopen failed with an error
  int rolled_back = 0;
  int replayed = 0;
  CutStats cut;
  std::uint64_t store_writes = 0;  // writes to data.mdb the interposer saw in the counting runs
  std::uint64_t segments_created = 0, segments_removed = 0;  // in the counting runs: rotations, prunes
  std::vector<std::string> failures;
};

void add(CutStats& total, const CutStats& s) {
  total.files += s.files;
  total.unsynced_pages += s.unsynced_pages;
  total.unsynced_log += s.unsynced_log;
  total.unsynced_store += s.unsynced_store;
  total.reverted_log += s.reverted_log;
  total.reverted_store += s.reverted_store;
  total.reverted_other += s.reverted_other;
  total.changed_log += s.changed_log;
  total.changed_store += s.changed_store;
  total.changed_other += s.changed_other;
  total.files_cut_shorter += s.files_cut_shorter;
}

// One round: the workload cut at a random call, the cut applied, maybe a cut during the
// reopen, then the checks. Returns the problems, each naming the seed and the cuts.
std::vector<std::string> power_cut_round(bool async, std::uint64_t seed, RunTotals& totals) {
  const char* mode = async ? "async" : "log";
  auto [forced_cut, forced_recovery_cut] = cuts_from_env();
  TestDir root;
  fs::path db = root / "db";
  fs::path work = root / "work";
  fs::create_directories(work);
  std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + (async ? 1 : 0));
  std::vector<std::string> problems;

  // A counting run of the same seed elsewhere: how many calls the workload makes.
  Cut cut = forced_cut;
  {
    TestDir count_root;
    fs::create_directories(count_root / "work");
    auto counted = run_child({mode, (count_root / "db").string(), std::to_string(seed),
                              (count_root / "acks").string(), (count_root / "work").string()},
                             count_root / "db", count_root / "journal", Cut{}, count_root / "count",
                             count_root / "stderr");
    if (counted.killed || counted.exit_code != 0) {
      problems.push_back(fmt::format("the counting run failed (exit {}): {}", counted.exit_code, counted.error));
      return problems;
    }
    Counts counts = read_counts(count_root / "count");
    totals.store_writes += counts["store_writes"];
    totals.segments_created += counts["segments_created"];
    totals.segments_removed += counts["segments_removed"];
    if (counts["store_writes"] == 0) problems.push_back("the interposer saw no write of LMDB's to data.mdb");
    if (cut.n == 0) cut = pick_cut(counts, rng);
  }

  auto where = [&](Cut recovery_cut) {
    return fmt::format("mode {} seed {} cut at {}{} (replay: TXGRAPH_POWERCUT_SEED={} TXGRAPH_POWERCUT_CUTS={}{})",
                       mode, seed, cut.text(),
                       recovery_cut.n ? fmt::format(", then during the reopen at {}", recovery_cut.text()) : "",
                       seed, cut.text(), recovery_cut.n ? fmt::format(",{}", recovery_cut.text()) : "");
  };

  auto run = run_child({mode, db.string(), std::to_string(seed), (root / "acks").string(), work.string()}, db,
                       root / "journal", cut, {}, root / "stderr-workload");
  if (!run.killed && run.exit_code != 0) {
    problems.push_back(fmt::format("{}: the workload failed (exit {}): {}", where({}), run.exit_code, run.error));
    return problems;
  }
  totals.cut_in_workload += run.killed;
  CutStats s = apply_power_cut(root / "journal", seed);
  add(totals.cut, s);
  bool verbose = std::getenv("TXGRAPH_POWERCUT_VERBOSE") != nullptr;
  if (verbose)
    std::printf("seed %lu cut %s (%s): unsynced log %lu store %lu, put back log %lu store %lu other %lu\n", seed,
                cut.text().c_str(),
                run.killed ? "died there" : "ended first", s.unsynced_log, s.unsynced_store, s.reverted_log,
                s.reverted_store, s.reverted_other);

  // A power cut during recovery itself, in about half the rounds.
  Cut recovery_cut = forced_recovery_cut;
  bool cut_recovery = forced_cut.n ? forced_recovery_cut.n != 0 : rng() % 2 == 0;
  // A cut at one of the workload's first calls can come before the database's folder exists:
  // then there is nothing to count a recovery's calls on (copying it would throw).
  if (!fs::exists(db)) cut_recovery = false;
  std::string recovery_error;
  if (cut_recovery) {
    if (recovery_cut.n == 0) {
      fs::path copy = root / "copy";
      fs::copy(db, copy, fs::copy_options::recursive);
      auto counted = run_child({"recover", copy.string()}, copy, root / "journal-count", Cut{}, root / "count-recover",
                               root / "stderr-count-recover");
      Counts counts = read_counts(root / "count-recover");
      recovery_cut = pick_cut(counts, rng);
      if (counted.exit_code != 0 && !counted.killed) recovery_error = counted.error;
    }
    auto reopen = run_child({"recover", db.string()}, db, root / "journal-recover", recovery_cut, {},
                            root / "stderr-recover");
    totals.cut_in_recovery += reopen.killed;
    if (!reopen.killed && reopen.exit_code != 0) {
      ++totals.recovery_refused;
      recovery_error = reopen.error;
    }
    CutStats r = apply_power_cut(root / "journal-recover", seed + 0x5EED);
    add(totals.cut, r);
    if (verbose)
      std::printf("  reopen cut %s (%s): unsynced log %lu store %lu, put back log %lu store %lu other %lu\n",
                  recovery_cut.text().c_str(), reopen.killed ? "died there" : "ended first", r.unsynced_log, r.unsynced_store,
                  r.reverted_log, r.reverted_store, r.reverted_other);
  }

  Acks acks = read_acks(root / "acks");
  Recovered r = check_recovered(db, acks, async);
  totals.rolled_back += r.rolled_back;
  totals.replayed += r.replayed > 0;
  for (auto& p : r.problems) {
    std::string text = fmt::format("{}: {} [acknowledged through {}, durable through {}, present through {}]",
                                   where(cut_recovery ? recovery_cut : Cut{}), p, acks.acked, acks.durable, r.items);
    if (!recovery_error.empty()) text += " (the child's reopen said: " + recovery_error + ")";
    problems.push_back(text);
  }
  return problems;
}

// A failure's kind, for the summary: the same cause shows in many rounds.
std::string cause_of(const std::string& problem) {
  for (const char* known : {"zero-filled frame header", "record checksum mismatch", "MDB_INVALID", "MDB_PAGE_NOTFOUND",
                            "MDB_CORRUPTED", "checkpoint.meta is damaged", "the consumer group cannot go on",
                            "acknowledged transactions lost", "made durable", "half applied", "not a prefix",
                            "the change stream", "import", "the workload failed", "no write after recovery"}) {
    if (problem.find(known) != std::string::npos) return known;
  }
  return "other";
}

RunTotals power_cut_rounds(bool async) {
  RunTotals totals;
  auto start = std::chrono::steady_clock::now();
  std::uint64_t base = seed_from_env().value_or(async ? 2000 : 1000);
  int n = seed_from_env() && !std::getenv("TXGRAPH_POWERCUT_ROUNDS") ? 1 : rounds();
  std::map<std::string, std::set<std::uint64_t>> seeds_by_cause;
  for (int round = 0; round < n; ++round) {
    std::uint64_t seed = base + static_cast<std::uint64_t>(round);
    auto problems = power_cut_round(async, seed, totals);
    ++totals.rounds;
    for (auto& p : problems) {
      seeds_by_cause[cause_of(p)].insert(seed);
      ADD_FAILURE() << p;
      totals.failures.push_back(std::move(p));
    }
  }
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const CutStats& c = totals.cut;
  std::printf(
      "%s power-cut rounds: %d in %.1f s; cut in the workload %d, during the reopen %d (the child's reopen refused "
      "%d); the final open rolled the store back %d times, replayed the log %d times; pages written since a sync: %lu (log %lu, store %lu), "
      "put back: log %lu (%lu changed), store %lu (%lu changed), other %lu (%lu changed); files cut shorter %lu; "
      "in the counting runs: LMDB writes seen by the interposer %lu, segments created %lu and pruned %lu; failing "
      "rounds' problems: %zu\n",
      async ? "kAsync" : "kLog", totals.rounds, seconds, totals.cut_in_workload, totals.cut_in_recovery,
      totals.recovery_refused, totals.rolled_back, totals.replayed, c.unsynced_pages, c.unsynced_log, c.unsynced_store, c.reverted_log, c.changed_log,
      c.reverted_store, c.changed_store, c.reverted_other, c.changed_other, c.files_cut_shorter, totals.store_writes,
      totals.segments_created, totals.segments_removed, totals.failures.size());
  for (const auto& [cause, seeds] : seeds_by_cause) {
    std::string list;
    for (auto seed : seeds) list += fmt::format(" {}", seed);
    std::printf("  %zu round(s) failing with \"%s\", seeds:%s\n", seeds.size(), cause.c_str(), list.c_str());
  }
  ::testing::Test::RecordProperty("reverted_log_pages", static_cast<int>(c.reverted_log));
  ::testing::Test::RecordProperty("reverted_store_pages", static_cast<int>(c.reverted_store));
  return totals;
}

// The simulator must bite: over a mode's rounds the cuts really put back pages of both the log
// and the store, and the workload rotated and pruned the log.
void expect_the_cuts_bit(const RunTotals& totals) {
  if (totals.rounds < 10) return;
  EXPECT_GT(totals.cut.changed_log, 0u) << "no round put back a page of the log";
  EXPECT_GT(totals.cut.changed_store, 0u) << "no round put back a page of data.mdb";
  EXPECT_GT(totals.cut_in_workload, 0);
  EXPECT_GT(totals.segments_removed, 0u) << "the workload never rotated and pruned the log";
}

TEST(PowerCut, RandomCutsUnderDurabilityLogLoseNothingAcknowledged) { expect_the_cuts_bit(power_cut_rounds(false)); }

TEST(PowerCut, RandomCutsUnderDurabilityAsyncKeepADurablePrefix) { expect_the_cuts_bit(power_cut_rounds(true)); }

// The checks above would notice lost data: a disk that acknowledges syncs it never made (every
// page written since the child started put back) loses acknowledged transactions, and the same
// checks say so.
TEST(PowerCut, TheChecksNoticeADiskThatIgnoresSyncs) {
  TestDir root;
  fs::path db = root / "db";
  fs::create_directories(root / "work");
  const std::uint64_t seed = 7;
  auto counted = run_child({"log", (root / "count-db").string(), std::to_string(seed), (root / "count-acks").string(),
                            (root / "work").string()},
                           root / "count-db", root / "count-journal", Cut{}, root / "count", root / "count-stderr");
  ASSERT_EQ(counted.exit_code, 0) << counted.error;
  std::uint64_t calls = read_counts(root / "count")["calls"];
  ASSERT_GT(calls, 10u);
  auto run = run_child({"log", db.string(), std::to_string(seed), (root / "acks").string(), (root / "work").string()},
                       db, root / "journal", Cut{false, calls * 3 / 4}, {}, root / "stderr");
  ASSERT_TRUE(run.killed) << "exit " << run.exit_code << ": " << run.error;
  Acks acks = read_acks(root / "acks");
  ASSERT_GT(acks.acked, 0);
  CutStats s = apply_power_cut(root / "journal", seed, CutMode::kLyingDisk);
  EXPECT_GT(s.changed_log, 0u);
  EXPECT_GT(s.changed_store, 0u);
  Recovered r = check_recovered(db, acks, false);
  EXPECT_FALSE(r.problems.empty()) << "a disk that ignored every sync lost nothing the checks could see";
  for (const auto& p : r.problems) std::printf("noticed, as it should be: %s\n", p.c_str());
}

}  // namespace
}  // namespace txgraph::powercut
