// A simulated power cut: the store loses or garbles every page written after the last
// checkpoint, meta pages included. The pinned checkpoint snapshot plus the log must bring
// back every acknowledged transaction.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "test_dir.h"
#include "txgraph/txgraph.h"
#include "txlog/file.h"

namespace txgraph {
namespace {

namespace fs = std::filesystem;
using testing::TestDir;

constexpr std::size_t kSavedHeader = 8 + 4 + 8;  // magic, page size, txn id
constexpr std::size_t kMetaLastPageOffset = 136;

void commit_numbers(Database& db, int from, int to) {
  for (int i = from; i < to; ++i) {
    auto tx = db.begin_write();
    tx.create_node({"N"}, {{"i", Value(i)}, {"pad", Value(std::string(300, 'p'))}});
    tx.commit();
  }
}

// Runs `body` in a child process that ends without closing anything, like a crash.
template <typename Fn>
void in_crashing_child(Fn&& body) {
  pid_t pid = ::fork();
  if (pid == 0) {
    try {
      body();
    } catch (...) {
      ::_exit(1);
    }
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

void garble(std::fstream& f, std::uint64_t offset, std::size_t n, std::mt19937& rng) {
  std::string junk(n, '\0');
  for (auto& c : junk) c = static_cast<char>(rng());
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(junk.data(), static_cast<std::streamsize>(n));
}

TEST(SnapshotPin, PowerCutAfterCheckpointLosesNoAcknowledgedCommit) {
  TestDir dir;
  in_crashing_child([&] {
    auto db = Database::open(dir.path());
    commit_numbers(*db, 0, 20);
    db->checkpoint();
    commit_numbers(*db, 20, 80);  // durable in the log only; the store is not synced
    db->begin_read();             // the store batch written, not synced: pages to lose
    db.release();                 // no close: the process just ends
  });
  ASSERT_TRUE(fs::exists(dir / "store" / "OPEN")) << "the crash must leave the open marker";

  // The power cut: both meta pages and every page past the checkpointed snapshot are garbage.
  std::string saved;
  {
    std::ifstream in(dir / "store" / "checkpoint.meta", std::ios::binary);
    saved.assign(std::istreambuf_iterator<char>(in), {});
  }
  ASSERT_GT(saved.size(), kSavedHeader + kMetaLastPageOffset + 8);
  std::uint32_t page_size;
  std::uint64_t last_page;
  std::memcpy(&page_size, saved.data() + 8, 4);
  std::memcpy(&last_page, saved.data() + kSavedHeader + kMetaLastPageOffset, 8);
  auto data = dir / "store" / "data.mdb";
  std::uint64_t pages = fs::file_size(data) / page_size;
  ASSERT_GT(pages, last_page + 1) << "the commits after the checkpoint must have written new pages";
  {
    std::mt19937 rng(7);
    std::fstream f(data, std::ios::in | std::ios::out | std::ios::binary);
    garble(f, 0, 2 * page_size, rng);
    for (std::uint64_t p = last_page + 1; p < pages; ++p) garble(f, p * page_size, page_size, rng);
  }

  auto db = Database::open(dir.path());
  EXPECT_TRUE(db->status().rolled_back_at_open);
  EXPECT_EQ(db->status().last_committed_tx, 80u);
  EXPECT_GE(db->status().replayed_at_open, 60u);
  auto rd = db->begin_read();
  EXPECT_EQ(rd.node_count(), 80u);
  std::set<std::int64_t> seen;
  rd.for_each_node([&](const Node& n) {
    seen.insert(n.properties.at("i").as_int());
    return true;
  });
  EXPECT_EQ(seen.size(), 80u);
}

TEST(SnapshotPin, CleanCloseLeavesNoOpenMarker) {
  TestDir dir;
  {
    auto db = Database::open(dir.path());
    EXPECT_TRUE(fs::exists(dir / "store" / "OPEN"));
    commit_numbers(*db, 0, 3);
  }
  EXPECT_FALSE(fs::exists(dir / "store" / "OPEN"));
  EXPECT_TRUE(fs::exists(dir / "store" / "checkpoint.meta"));
  EXPECT_FALSE(Database::open(dir.path())->status().rolled_back_at_open) << "a clean close needs no roll-back";
}

TEST(SnapshotPin, DamagedSavedSnapshotIsReportedNotTrusted) {
  TestDir dir;
  in_crashing_child([&] {
    auto db = Database::open(dir.path());
    commit_numbers(*db, 0, 5);
    db.release();
  });
  {
    std::fstream f(dir / "store" / "checkpoint.meta", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\x42');
  }
  try {
    Database::open(dir.path());
    FAIL() << "a damaged saved snapshot must not be written into the store";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kCorruption);
    EXPECT_NE(std::string(e.what()).find("checkpoint.meta"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace txgraph

namespace txgraph {
namespace {

TEST(SnapshotPin, TurningProtectionOffAfterACrashStillRestoresThenDropsTheSavedSnapshot) {
  testing::TestDir dir;
  in_crashing_child([&] {
    auto db = Database::open(dir.path());
    commit_numbers(*db, 0, 10);
    db.release();
  });
  Options off;
  off.power_loss_protection = false;
  {
    auto db = Database::open(dir.path(), off);
    EXPECT_EQ(db->begin_read().node_count(), 10u);
    // A stale saved snapshot must not survive into a run that reuses pages.
    EXPECT_FALSE(std::filesystem::exists(dir / "store" / "checkpoint.meta"));
    commit_numbers(*db, 10, 20);
  }
  auto db = Database::open(dir.path());
  EXPECT_EQ(db->begin_read().node_count(), 20u);
  EXPECT_TRUE(std::filesystem::exists(dir / "store" / "checkpoint.meta"));
}

}  // namespace
}  // namespace txgraph

namespace txgraph {
namespace {

// A checkpoint syncs the log before it pins a snapshot: when the log cannot be synced, no
// snapshot that holds unsynced transactions is saved.
TEST(SnapshotPin, NoSnapshotIsPinnedAheadOfTheDurableLog) {
  testing::TestDir dir;
  Options async;
  async.durability = Durability::kAsync;
  async.async_sync_interval = std::chrono::hours(1);  // only checkpoints sync the log
  auto db = Database::open(dir.path(), async);
  commit_numbers(*db, 0, 5);
  auto saved_path = dir / "store" / "checkpoint.meta";
  std::string before;
  {
    std::ifstream in(saved_path, std::ios::binary);
    before.assign(std::istreambuf_iterator<char>(in), {});
  }
  txlog::set_fault_hook([](txlog::IoOp op, const std::string& path, std::size_t*) {
    return op == txlog::IoOp::kSync && path.ends_with(".seg") ? EIO : 0;
  });
  EXPECT_THROW(db->checkpoint(), Error);
  txlog::set_fault_hook(nullptr);
  std::string after;
  {
    std::ifstream in(saved_path, std::ios::binary);
    after.assign(std::istreambuf_iterator<char>(in), {});
  }
  EXPECT_EQ(before, after) << "the saved snapshot must not move past the durable log";
}

// A setting is not in the log; it must still survive a crash with the store rolled back to
// its last checkpoint.
TEST(SnapshotPin, ASettingSurvivesARollBackToTheCheckpoint) {
  testing::TestDir dir;
  in_crashing_child([&] {
    auto db = Database::open(dir.path());
    db->set_setting("rotation_size", "1M");
    commit_numbers(*db, 0, 3);
    db.release();
  });
  auto db = Database::open(dir.path());
  EXPECT_EQ(db->status().settings.rotation_size, 1u << 20);
  EXPECT_EQ(db->begin_read().node_count(), 3u);
}

}  // namespace
}  // namespace txgraph
