// The crash-point and fault matrices: one workload that commits, rotates segments, switches
// enrichment, checkpoints and prunes, commits a consumer group and bulk imports, run once per
// mutating file-layer call it makes (open, write, sync, truncate, rename, remove, directory
// sync), and
//   - the crash matrix: the process dies (as by kill -9) just before that call;
//   - the fault matrix: that one call fails with EIO, then with ENOSPC, and the workload goes
//     on as an application would until the database refuses it.
// After each run the database is reopened and must hold every acknowledged transaction whole,
// nothing unacknowledged half-applied, a change stream equal to the committed history (no gap,
// no duplicate), an import either whole or absent, and it must take new writes.
// The open matrix then kills the open of each crashed database at every one of its file calls
// and recovery steps, and opens once more.
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "engine/recovery.h"
#include "test_dir.h"
#include "txgraph/txgraph.h"
#include "txlog/file.h"

namespace txgraph {
namespace {

using testing::TestDir;

constexpr int kTransactions = 24;

Options matrix_options() {
  Options o;
  o.initial_settings.enrichment = EnrichmentMode::kDiff;
  o.initial_settings.rotation_size = 4096;
  o.initial_settings.log_compression_level = 0;  // sizes as written, so segments rotate often
  o.initial_settings.retention_policy = "1 files";
  o.initial_settings.checkpoint_interval_tx = 0;
  o.initial_settings.checkpoint_interval_volume = 0;
  return o;
}

std::string pad(int k) { return std::string(300, static_cast<char>('a' + k % 26)); }

// The workload. `ack(k)` is called once transaction k's commit() has returned. Throws at the
// first operation the database refuses.
void run_workload(const std::filesystem::path& dir, const std::function<void(int)>& ack) {
  auto db = Database::open(dir, matrix_options());
  ChangeStream stream(*db);
  for (int k = 1; k <= kTransactions; ++k) {
    if (k == 8) db->set_enrichment(EnrichmentMode::kFull);
    if (k == 12) db->checkpoint();  // prunes under "1 files"
    if (k == 16) db->set_enrichment(EnrichmentMode::kDiff);
    if (k == 18) {
      ConsumerGroupOptions group;
      group.start = StartLocation::earliest();
      group.auto_commit = false;
      create_consumer_group(stream, "matrix", group);
      Consumer consumer(stream, "matrix");
      consumer.poll(5);
      consumer.commit();
    }
    if (k == 20) {
      ImportOptions import;
      import.node_files = {dir / "import.csv"};
      db->import_csv(import);
    }
    auto tx = db->begin_write();
    auto a = tx.create_node({"Item"}, {{"k", Value(k)}, {"pad", Value(pad(k))}});
    auto b = tx.create_node({"Part"}, {{"k", Value(k)}});
    tx.create_relationship("HAS", a, b, {{"k", Value(k)}});
    tx.commit();
    ack(k);
  }
  db->close();
}

void prepare(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "import.csv") << "id:ID,:LABEL,name\nx1,Imported,one\nx2,Imported,two\nx3,Imported,three\n";
  Database::open(dir, matrix_options())->close();
}

// Everything a reopened database must satisfy. `acked` is the highest k acknowledged.
void check_recovered(const std::filesystem::path& dir, int acked, const std::string& where) {
  SCOPED_TRACE(where);
  std::unique_ptr<Database> db;
  try {
    db = Database::open(dir, matrix_options());
  } catch (const Error& e) {
    FAIL() << "reopening failed: " << e.what();
  }
  std::set<std::int64_t> items, parts, rels;
  std::uint64_t imported = 0;
  {
    auto read = db->begin_read();
    read.for_each_node([&](const Node& n) {
      if (n.labels == std::vector<std::string>{"Imported"}) {
        ++imported;
        return true;
      }
      (n.labels[0] == "Item" ? items : parts).insert(n.properties.at("k").as_int());
      return true;
    });
    read.for_each_relationship([&](const Relationship& r) {
      rels.insert(r.properties.at("k").as_int());
      return true;
    });
  }
  for (int k = 1; k <= acked; ++k) EXPECT_TRUE(items.contains(k)) << "acknowledged transaction " << k << " lost";
  // At most the one transaction in flight beyond the acknowledged ones, and each one whole.
  EXPECT_LE(items.empty() ? 0 : *items.rbegin(), acked + 1);
  EXPECT_EQ(items, parts) << "a transaction half applied";
  EXPECT_EQ(items, rels) << "a transaction half applied";
  EXPECT_TRUE(imported == 0 || imported == 3) << imported << " of 3 imported nodes";
  if (imported == 3) {
    EXPECT_EQ(db->status().imports.size(), 1u) << "imported data without its notice";
  }

  // The change stream from the earliest retained change: contiguous transactions, no change
  // twice, each created node still there.
  ChangeStream stream(*db);
  std::uint64_t last_tx = 0;
  std::set<std::string> seen;
  try {
    stream.query(stream.earliest(), {}, [&](const ChangeEvent& e) {
      EXPECT_TRUE(last_tx == 0 || e.tx_id == last_tx || e.tx_id == last_tx + 1)
          << "gap in the change stream: " << last_tx << " then " << e.tx_id;
      last_tx = e.tx_id;
      EXPECT_TRUE(seen.insert(e.element_id + std::to_string(static_cast<char>(e.operation))).second)
          << "change delivered twice: " << e.element_id;
      return true;
    });
  } catch (const Error& e) {
    ADD_FAILURE() << "reading the change stream failed: " << e.what();
  }
  // The consumer group, if its creation got that far: its file reads, and its stored position
  // (the one it was created at, or the one committed after its first poll) reads on from
  // there, unless the checkpoint at reopening pruned what it needs (it holds nothing).
  std::vector<ConsumerGroupInfo> groups;
  EXPECT_NO_THROW(groups = list_consumer_groups(stream)) << "a consumer group file is damaged";
  if (!groups.empty()) {
    try {
      Consumer consumer(stream, "matrix");
      auto batch = consumer.poll(1000);
      for (std::size_t i = 1; i < batch.events.size(); ++i)
        EXPECT_GE(batch.events[i].tx_id, batch.events[i - 1].tx_id) << "the group's changes out of order";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kConsumerGroupLost) << "the group cannot go on: " << e.what();
    }
  }
  // And it takes new writes.
  try {
    auto tx = db->begin_write();
    tx.create_node({"After"}, {});
    EXPECT_GT(tx.commit(), 0u);
  } catch (const Error& e) {
    ADD_FAILURE() << "no write after recovery: " << e.what();
  }
}

struct FileCall {
  txlog::IoOp op;
  std::string path;
};

// The mutating file-layer calls the whole workload makes, in order; checks that they include
// every kind the matrix means to break: segment creation, appends, syncs, renames (checkpoint
// meta, group files), segment removal (pruning), directory syncs.
std::vector<FileCall> workload_calls() {
  TestDir dir;
  prepare(dir.path());
  std::vector<FileCall> calls;
  std::set<txlog::IoOp> kinds;
  bool segment_removed = false, group_written = false;
  txlog::set_fault_hook([&](txlog::IoOp op, const std::string& path, std::size_t*) {
    calls.push_back({op, path});
    kinds.insert(op);
    segment_removed = segment_removed || (op == txlog::IoOp::kRemove && path.ends_with(".seg"));
    group_written = group_written || (op == txlog::IoOp::kRename && path.find("consumers") != std::string::npos);
    return 0;
  });
  run_workload(dir.path(), [](int) {});
  txlog::set_fault_hook(nullptr);
  for (auto op : {txlog::IoOp::kOpen, txlog::IoOp::kWrite, txlog::IoOp::kSync, txlog::IoOp::kRename,
                  txlog::IoOp::kRemove, txlog::IoOp::kSyncDir})
    EXPECT_TRUE(kinds.contains(op)) << "the workload makes no call of kind " << static_cast<int>(op);
  EXPECT_TRUE(segment_removed) << "the workload never pruned a segment";
  EXPECT_TRUE(group_written) << "the workload never committed a consumer group";
  return calls;
}

int count_calls() { return static_cast<int>(workload_calls().size()); }

// What a workload child left behind: `ran` is false when a torn run's call n was no write.
struct Crash {
  bool ran = false;
  int acked = 0;
};

// Runs the workload in a child that dies just before file call n or, with `torn`, lets a write
// at call n reach the file only half and dies before anything else.
Crash crash_workload(const std::filesystem::path& dir, int n, bool torn) {
  int acks[2];
  EXPECT_EQ(::pipe(acks), 0);
  int written[2];  // the child says whether call n was a write (torn runs skip the others)
  EXPECT_EQ(::pipe(written), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(acks[0]);
    ::close(written[0]);
    int calls = 0;
    bool tore = false;
    txlog::set_fault_hook([&](txlog::IoOp op, const std::string&, std::size_t* limit) {
      if (tore) ::_exit(0);  // the torn write was the last thing to reach the disk
      if (++calls != n) return 0;
      if (!torn) ::_exit(0);  // dies before call n: no destructor, no flush
      if (op != txlog::IoOp::kWrite || limit == nullptr || *limit < 2) ::_exit(5);
      if (::write(written[1], "w", 1) != 1) ::_exit(4);
      *limit /= 2;
      tore = true;
      return EIO;
    });
    try {
      run_workload(dir, [&](int k) {
        unsigned char byte = static_cast<unsigned char>(k);
        if (::write(acks[1], &byte, 1) != 1) ::_exit(4);
      });
    } catch (...) {
      ::_exit(tore ? 0 : 3);
    }
    ::_exit(tore ? 0 : 6);
  }
  ::close(acks[1]);
  ::close(written[1]);
  Crash crash;
  unsigned char byte;
  while (::read(acks[0], &byte, 1) == 1) crash.acked = byte;
  ::close(acks[0]);
  char w = 0;
  bool was_write = ::read(written[0], &w, 1) == 1;
  ::close(written[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (torn && WIFEXITED(status) && WEXITSTATUS(status) == 5) return crash;  // call n was no write
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "the child failed at call " << n << " (status " << status << ")";
  EXPECT_TRUE(!torn || was_write);
  crash.ran = true;
  return crash;
}

// Runs the workload in a child once per file call n (see crash_workload) and reopens.
// Returns how many crash points were run.
int run_crash_matrix(bool torn) {
  int total = count_calls();
  EXPECT_GT(total, 100) << "the workload should reach every kind of file call";
  int points = 0;
  for (int n = 1; n <= total; ++n) {
    TestDir dir;
    prepare(dir.path());
    Crash crash = crash_workload(dir.path(), n, torn);
    if (!crash.ran) continue;
    ++points;
    check_recovered(dir.path(), crash.acked,
                    fmt::format("{} file call {} of {}", torn ? "died after half of the write at" : "died before", n,
                                total));
    if (::testing::Test::HasFailure()) break;  // one broken point says enough
  }
  return points;
}

TEST(CrashPointMatrix, ADeathBeforeAnyFileCallLosesNothingAcknowledged) {
  int points = run_crash_matrix(false);
  std::printf("crash matrix: %d crash points, each reopened and checked\n", points);
}

TEST(CrashPointMatrix, ADeathAfterATornWriteLosesNothingAcknowledged) {
  int points = run_crash_matrix(true);
  EXPECT_GE(points, 30);
  std::printf("torn-write matrix: %d torn writes, each reopened and checked\n", points);
}

const char* op_name(txlog::IoOp op) {
  switch (op) {
    case txlog::IoOp::kOpen:
      return "open";
    case txlog::IoOp::kWrite:
      return "write";
    case txlog::IoOp::kSync:
      return "sync";
    case txlog::IoOp::kTruncate:
      return "truncate";
    case txlog::IoOp::kRename:
      return "rename";
    case txlog::IoOp::kRemove:
      return "remove";
    case txlog::IoOp::kSyncDir:
      return "sync directory";
  }
  return "?";
}

const char* step_name(engine::RecoveryStep step) {
  switch (step) {
    case engine::RecoveryStep::kSnapshotHeld:
      return "snapshot held";
    case engine::RecoveryStep::kBatchReplayed:
      return "batch replayed";
    case engine::RecoveryStep::kTornTailCut:
      return "torn tail cut";
    case engine::RecoveryStep::kEnrichmentCaughtUp:
      return "enrichment caught up";
    case engine::RecoveryStep::kCheckpointed:
      return "checkpointed";
  }
  return "?";
}

// Segments differ only in their number, so all of them are one kind of file.
std::string call_kind(const FileCall& call) {
  std::string file = call.path.ends_with(".seg") ? "segment" : std::filesystem::path(call.path).filename().string();
  return fmt::format("{} {}", op_name(call.op), file);
}

constexpr int kOpenFinished = 7;

// A child that opens the database and dies at the open's m-th death point: just before its
// m-th mutating file call or just after its m-th recovery step, counted together. Returns the
// child's exit status (0: it died there; kOpenFinished: the open ended first; 1: the open
// failed) and what it said: the death point, or the open's error.
std::pair<int, std::string> die_in_open(const std::filesystem::path& dir, int m) {
  int said[2];
  EXPECT_EQ(::pipe(said), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(said[0]);
    int points = 0;
    auto say = [&](const std::string& text) {
      if (::write(said[1], text.data(), text.size()) != static_cast<ssize_t>(text.size())) ::_exit(4);
    };
    txlog::set_fault_hook([&](txlog::IoOp op, const std::string& path, std::size_t*) {
      if (++points != m) return 0;
      say(fmt::format("before {} ({})", call_kind({op, path}), path));
      ::_exit(0);
    });
    engine::set_recovery_hook([&](engine::RecoveryStep step) {
      if (++points != m) return;
      say(fmt::format("after {}", step_name(step)));
      ::_exit(0);
    });
    try {
      // Held, not destroyed: a close would make file calls that are no part of the open.
      auto db = Database::open(dir, matrix_options());
      ::_exit(kOpenFinished);
    } catch (const Error& e) {
      say(e.what());
      ::_exit(1);
    }
  }
  ::close(said[1]);
  std::string text;
  char buffer[512];
  for (ssize_t r; (r = ::read(said[0], buffer, sizeof buffer)) > 0;) text.append(buffer, static_cast<std::size_t>(r));
  ::close(said[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), text};
}

// The crash points whose databases the open matrix opens (`writes_only`: the torn-write
// matrix's). Each costs a whole open per death point of that open, so by default only: the
// first call of each distinct pair (kind of the call before, kind of this call), since what a
// death leaves depends on the step it interrupts, and the 24 commits repeat the same few
// pairs; plus every `every`-th call, so that deaths later in a repeated sequence (more in the
// log, another segment) are opened too. With TXGRAPH_MATRIX_FULL=1: every call.
std::vector<int> open_matrix_points(const std::vector<FileCall>& calls, bool writes_only, int every) {
  const char* full = std::getenv("TXGRAPH_MATRIX_FULL");
  bool all = full != nullptr && std::string(full) == "1";
  std::vector<int> points;
  std::set<std::string> pairs;
  std::string before = "start";
  for (std::size_t i = 0; i < calls.size(); ++i) {
    std::string kind = call_kind(calls[i]);
    bool new_pair = pairs.insert(before + " / " + kind).second;
    before = kind;
    if (writes_only && calls[i].op != txlog::IoOp::kWrite) continue;
    int n = static_cast<int>(i) + 1;
    if (all || new_pair || n % every == 0) points.push_back(n);
  }
  return points;
}

// The database left by each of the matrix's crash points is opened by a child that dies at a
// death point of that open, for every death point in turn until the open completes; each time
// the database is then reopened and checked against the first run's acks. A death before a
// call never leaves a torn tail (a record is one write), so the torn-write matrix's databases
// are opened too: theirs is the open that cuts one. The database a crash leaves is made once
// and copied for each death: after a kill the page cache holds what the disk would.
TEST(CrashPointMatrix, ADeathDuringTheOpenAfterAnyCrashPointLosesNothing) {
  auto calls = workload_calls();
  int total = static_cast<int>(calls.size());
  std::set<std::string> deaths_seen;
  int crash_points = 0, open_deaths = 0;
  for (bool torn : {false, true}) {
    for (int n : open_matrix_points(calls, torn, torn ? 8 : 10)) {
      TestDir crashed;
      prepare(crashed.path());
      Crash crash = crash_workload(crashed.path(), n, torn);
      if (!crash.ran) continue;
      ++crash_points;
      std::string where = fmt::format("{} file call {} of {} ({})",
                                      torn ? "died after half of the write at" : "died before", n, total,
                                      call_kind(calls[n - 1]));
      for (int m = 1;; ++m) {
        TestDir dir;
        std::filesystem::copy(crashed.path(), dir.path(), std::filesystem::copy_options::recursive);
        auto [status, said] = die_in_open(dir.path(), m);
        if (status == kOpenFinished) break;
        if (status != 0) {
          ADD_FAILURE() << where << ", then the open, to die at its death point " << m
                        << ", failed by itself (status " << status << "): " << said;
          return;
        }
        ++open_deaths;
        deaths_seen.insert(said.substr(0, said.find(" (")));
        check_recovered(dir.path(), crash.acked,
                        fmt::format("{}, then the open died at its death point {}: {}", where, m, said));
        if (::testing::Test::HasFailure()) return;  // one broken combination says enough
      }
    }
  }
  for (std::string death : {"after batch replayed", "after torn tail cut", "before rename checkpoint.meta.tmp",
                            "before write OPEN.tmp"})
    EXPECT_TRUE(deaths_seen.contains(death)) << "no open died " << death;
  std::printf("open matrix: %d crash points x every death point of their open = %d open deaths, each reopened and "
              "checked\n",
              crash_points, open_deaths);
}

// Each file call fails once, in-process: with EIO, with ENOSPC, and (for writes) as a short
// write that reaches the file half and then fails with ENOSPC. The workload stops at the first
// error, as an application whose database refuses it would; the database is then reopened.
TEST(CrashPointMatrix, AFailedFileCallLosesNothingAcknowledged) {
  int total = count_calls();
  int faults = 0;
  enum class Fault { kEio, kEnospc, kShortWrite };
  for (Fault fault : {Fault::kEio, Fault::kEnospc, Fault::kShortWrite}) {
    for (int n = 1; n <= total; ++n) {
      TestDir dir;
      prepare(dir.path());
      int calls = 0;
      int acked = 0;
      bool injected = false;
      txlog::set_fault_hook([&](txlog::IoOp op, const std::string&, std::size_t* limit) {
        if (++calls != n) return 0;
        if (fault == Fault::kShortWrite) {
          if (op != txlog::IoOp::kWrite || limit == nullptr || *limit < 2) return 0;
          *limit /= 2;
        }
        injected = true;
        return fault == Fault::kEio ? EIO : ENOSPC;
      });
      try {
        run_workload(dir.path(), [&](int k) { acked = k; });
      } catch (const Error&) {
        // The application sees the failure; the database is closed as it unwinds.
      }
      txlog::set_fault_hook(nullptr);
      if (!injected) continue;
      ++faults;
      const char* name = fault == Fault::kEio ? "EIO" : fault == Fault::kEnospc ? "ENOSPC" : "a short write";
      check_recovered(dir.path(), acked, fmt::format("file call {} of {} failed with {}", n, total, name));
      if (::testing::Test::HasFailure()) return;
    }
  }
  std::printf("fault matrix: %d faults injected, each reopened and checked\n", faults);
}

}  // namespace
}  // namespace txgraph
