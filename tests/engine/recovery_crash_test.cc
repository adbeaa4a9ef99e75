// Recovery must itself survive a crash, a failed write and a full disk at every step: a
// database left by a crash is opened by a process that dies (or fails) part-way through its
// replay, maybe again and again, and the next open must still bring back every acknowledged
// transaction.
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "engine/recovery.h"
#include "test_dir.h"
#include "txgraph/txgraph.h"
#include "txlog/file.h"

namespace txgraph {
namespace {

namespace fs = std::filesystem;
using engine::RecoveryStep;
using testing::TestDir;

constexpr int kCheckpointed = 1500;  // transactions in the checkpointed, pinned snapshot
constexpr int kToReplay = 4500;      // acknowledged after it, in the log only: 5 replay batches

void commit_numbers(Database& db, int from, int to) {
  for (int i = from; i < to; ++i) {
    auto tx = db.begin_write();
    tx.create_node({"N"}, {{"i", Value(i)}, {"pad", Value(std::string(200, static_cast<char>('a' + i % 26)))}});
    tx.commit();
  }
}

// Runs `body` in a child process; returns its wait status.
template <typename Fn>
int in_child(Fn&& body) {
  pid_t pid = ::fork();
  if (pid == 0) {
    int code = 0;
    try {
      code = body();
    } catch (const Error&) {
      code = 1;
    } catch (...) {
      code = 2;
    }
    ::_exit(code);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

// A database whose last run committed kToReplay transactions after its last checkpoint and
// then died without closing: its next open rolls the store back to the checkpoint and replays.
// Returns the size of the store file at the checkpoint.
std::uint64_t leave_crashed_database(const fs::path& dir) {
  {
    auto db = Database::open(dir);
    commit_numbers(*db, 0, kCheckpointed);
    db->close();
  }
  std::uint64_t checkpointed_size = fs::file_size(dir / "store" / "data.mdb");
  int status = in_child([&] {
    auto db = Database::open(dir);
    commit_numbers(*db, kCheckpointed, kCheckpointed + kToReplay);
    db->begin_read();  // the store batch written, so the crashed run's pages are in the file
    ::_exit(0);        // no close: the process just ends
    return 0;
  });
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_TRUE(fs::exists(dir / "store" / "OPEN"));
  return checkpointed_size;
}

// Opens the database in a child that dies (as by kill -9) right after the n-th recovery step
// of its open. Returns whether the open got that far (false: it finished first).
bool die_at_step(const fs::path& dir, int n) {
  int status = in_child([&] {
    int steps = 0;
    engine::set_recovery_hook([&](RecoveryStep) {
      if (++steps == n) ::_exit(0);
    });
    auto db = Database::open(dir);
    ::_exit(3);  // the open ended before step n
    return 0;
  });
  EXPECT_TRUE(WIFEXITED(status)) << "the open crashed by itself (status " << status << ")";
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void expect_every_transaction(const fs::path& dir, const std::string& where) {
  SCOPED_TRACE(where);
  std::unique_ptr<Database> db;
  try {
    db = Database::open(dir);
  } catch (const Error& e) {
    FAIL() << "the database no longer opens: " << e.what();
  }
  std::set<std::int64_t> seen;
  db->begin_read().for_each_node([&](const Node& n) {
    seen.insert(n.properties.at("i").as_int());
    return true;
  });
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kCheckpointed + kToReplay));
  if (!seen.empty()) {
    EXPECT_EQ(*seen.begin(), 0);
    EXPECT_EQ(*seen.rbegin(), kCheckpointed + kToReplay - 1);
  }
  EXPECT_EQ(db->status().node_count, static_cast<std::uint64_t>(kCheckpointed + kToReplay));
}

// The reported defect: a kill -9 part-way through the replay made every later open fail with
// MDB_PAGE_NOTFOUND, since the replay's store commits reused pages of the checkpoint snapshot
// that the next open rolls back to.
TEST(RecoveryCrash, AKillDuringTheReplayLosesNothing) {
  // Steps: the snapshot held, then one per replayed batch.
  for (int batch = 1; batch <= kToReplay / 1000; ++batch) {
    TestDir dir;
    leave_crashed_database(dir.path());
    ASSERT_TRUE(die_at_step(dir.path(), 1 + batch));
    expect_every_transaction(dir.path(), fmt::format("died after replayed batch {}", batch));
  }
}

// Every step of the open in turn, and a second crash at each step of the open after it.
TEST(RecoveryCrash, ACrashAtEveryStepOfTheOpenAndAgainInTheNextOneLosesNothing) {
  int points = 0;
  for (int first = 1;; ++first) {
    TestDir dir;
    leave_crashed_database(dir.path());
    if (!die_at_step(dir.path(), first)) break;  // past the last step of the open
    for (int second = 1; second <= first + 1; second += 2) {
      if (!die_at_step(dir.path(), second)) break;
      ++points;
    }
    expect_every_transaction(dir.path(), fmt::format("died after step {}, then again in the next open", first));
    if (::testing::Test::HasFailure()) return;
  }
  EXPECT_GE(points, 5);
}

// A crash at any file call while a new database is made: the folder opens afterwards, as the
// new database (the store is made aside and moved into place once synced).
TEST(RecoveryCrash, ACrashWhileADatabaseIsCreatedLeavesAFolderThatOpens) {
  int points = 0;
  for (int n = 1;; ++n) {
    TestDir dir;
    int status = in_child([&] {
      int calls = 0;
      txlog::set_fault_hook([&](txlog::IoOp, const std::string&, std::size_t*) {
        if (++calls == n) ::_exit(0);
        return 0;
      });
      Database::open(dir.path());
      return 3;  // made before call n
    });
    ASSERT_TRUE(WIFEXITED(status)) << status;
    if (WEXITSTATUS(status) == 3) break;
    ASSERT_EQ(WEXITSTATUS(status), 0) << "the open failed at call " << n;
    ++points;
    try {
      auto db = Database::open(dir.path());
      auto tx = db->begin_write();
      tx.create_node({"N"}, {{"i", Value(1)}});
      EXPECT_EQ(tx.commit(), 1u) << "died before call " << n;
    } catch (const Error& e) {
      ADD_FAILURE() << "died before file call " << n << " of the creation: " << e.what();
      return;
    }
  }
  EXPECT_GE(points, 5);
}

// A full disk during the replay: the open fails with an error (it used to abort the process
// with a double free), and once there is space again the database opens with everything.
// The file size limit stands in for the full disk: a store write past it fails (EFBIG).
TEST(RecoveryCrash, AFullDiskDuringTheReplayFailsTheOpenAndLosesNothing) {
  TestDir dir;
  // The open rolls the store back to the checkpoint, whose pages it keeps: the replay must
  // write past the checkpoint's file size, where the limit stops it.
  std::uint64_t limit = leave_crashed_database(dir.path());
  ASSERT_FALSE(::testing::Test::HasFailure());
  for (int attempt = 0; attempt < 2; ++attempt) {  // and the failed open may be retried
    int status = in_child([&] {
      ::signal(SIGXFSZ, SIG_IGN);
      rlimit r{limit, limit};
      if (::setrlimit(RLIMIT_FSIZE, &r) != 0) return 4;
      try {
        Database::open(dir.path());
      } catch (const Error& e) {
        std::fprintf(stderr, "the open failed as expected: %s\n", e.what());
        return 0;
      }
      return 5;  // the open should not have found room
    });
    ASSERT_TRUE(WIFEXITED(status)) << "the failed open crashed the process (status " << status << ")";
    ASSERT_EQ(WEXITSTATUS(status), 0);
  }
  expect_every_transaction(dir.path(), "after the full disk");
}

}  // namespace
}  // namespace txgraph
