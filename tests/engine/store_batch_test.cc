// kAsync's store batches (engine/store_batch.h): many commits share one store commit, and
// neither readers, aborts, other writers nor a failed batch may show it.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <thread>

#include "test_dir.h"
#include "txgraph/txgraph.h"

namespace txgraph {
namespace {

using testing::TestDir;

Options batched(std::uint32_t batch, std::chrono::milliseconds interval = std::chrono::hours(1)) {
  Options o;
  o.durability = Durability::kAsync;
  o.store_batch = batch;
  o.async_sync_interval = interval;
  return o;
}

NodeId commit_node(Database& db, std::int64_t n) {
  auto tx = db.begin_write();
  auto id = tx.create_node({"Item"}, {{"n", Value(n)}});
  tx.commit();
  return id;
}

TEST(StoreBatch, ManyCommitsShareOneStoreCommit) {
  TestDir dir;
  auto db = Database::open(dir.path(), batched(10));
  for (int i = 0; i < 100; ++i) commit_node(*db, i);
  // Nine batches are written before the 91st transaction could begin; the tenth is due.
  auto before = db->status().store_commits;
  EXPECT_GE(before, 9u);
  EXPECT_LE(before, 10u);
  auto status = db->status();  // its read had the last batch written
  EXPECT_EQ(status.store_commits, 10u);
  EXPECT_EQ(status.node_count, 100u);
}

TEST(StoreBatch, DurableCommitsShareStoreCommitsToo) {
  TestDir dir;
  Options o;  // kLog, the default
  o.store_batch = 10;
  o.async_sync_interval = std::chrono::hours(1);
  auto db = Database::open(dir.path(), o);
  for (int i = 0; i < 100; ++i) commit_node(*db, i);
  EXPECT_GE(db->status().store_commits, 9u);  // the tenth may still be on its way
  auto status = db->status();                 // the first one's read had it written
  EXPECT_EQ(status.store_commits, 10u);
  EXPECT_EQ(status.node_count, 100u);
  EXPECT_GE(status.log_syncs, 100u);  // one writer: a log sync per commit, not per batch
}

TEST(StoreBatch, KFullCommitsTheStoreAtEveryTransaction) {
  TestDir dir;
  Options o;
  o.durability = Durability::kFull;
  auto db = Database::open(dir.path(), o);
  for (int i = 0; i < 5; ++i) commit_node(*db, i);
  EXPECT_EQ(db->status().store_commits, 5u);
}

TEST(StoreBatch, ABatchHolding8MiBOfChangesIsWritten) {
  TestDir dir;
  auto db = Database::open(dir.path(), batched(1000));
  for (int i = 0; i < 3; ++i) {  // 9 MiB of operations in three transactions
    auto tx = db->begin_write();
    tx.create_node({"Item"}, {{"blob", Value(std::string(3 << 20, static_cast<char>('a' + i)))}});
    tx.commit();
  }
  EXPECT_EQ(db->begin_write().commit(), 0u);  // begins only once that batch is written
  EXPECT_EQ(db->status().store_commits, 1u);
}

TEST(StoreBatch, WithABatchOfOneEveryCommitIsAStoreCommit) {
  TestDir dir;
  auto db = Database::open(dir.path(), batched(1));
  for (int i = 0; i < 20; ++i) commit_node(*db, i);
  EXPECT_EQ(db->status().store_commits, 20u);
}

TEST(StoreBatch, ABatchThatWaitedAsyncSyncIntervalIsWrittenWithoutAReader) {
  TestDir dir;
  auto db = Database::open(dir.path(), batched(1000, std::chrono::milliseconds(10)));
  for (int i = 0; i < 5; ++i) commit_node(*db, i);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  // One batch, or more if the five commits took longer than 10 ms; none without the age limit.
  auto written = db->status().store_commits;
  EXPECT_GE(written, 1u);
  EXPECT_LE(written, 5u);
}

TEST(StoreBatch, AReadSeesEveryCommitBeforeItWhileAnotherThreadCommits) {
  TestDir dir;
  auto db = Database::open(dir.path(), batched(256));
  std::atomic<std::uint64_t> last_id{0};
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < 2000; ++i) last_id.store(commit_node(*db, i).value, std::memory_order_release);
    done = true;
  });
  std::uint64_t reads = 0;
  while (!done.load()) {
    auto id = last_id.load(std::memory_order_acquire);
    if (id == 0) continue;
    auto read = db->begin_read();
    ASSERT_TRUE(read.get_node(NodeId{id})) << "node " << id << " was committed before the read began";
    ++reads;
  }
  writer.join();
  EXPECT_GT(reads, 0u);
  EXPECT_EQ(db->begin_read().node_count(), 2000u);
}

TEST(StoreBatch, AnAbortedTransactionLeavesTheRestOfItsBatch) {
  TestDir dir;
  auto db = Database::open(dir.path(), batched(256));
  commit_node(*db, 1);
  {
    auto tx = db->begin_write();
    tx.create_node({"Item"}, {{"n", Value(2)}});
    tx.abort();
  }
  {
    auto tx = db->begin_write();
    tx.create_node({"Item"}, {{"n", Value(3)}});
  }  // dropped without commit: aborted
  commit_node(*db, 4);
  auto read = db->begin_read();
  std::vector<std::int64_t> seen;
  for (auto id : read.nodes_with_label("Item")) seen.push_back(read.get_node(id)->properties.at("n").as_int());
  EXPECT_EQ(seen, (std::vector<std::int64_t>{1, 4}));
}

TEST(StoreBatch, WritesOutsideTransactionsComeAfterTheGatheredCommits) {
  TestDir dir;
  auto db = Database::open(dir.path(), batched(256));
  commit_node(*db, 1);
  db->set_enrichment(EnrichmentMode::kDiff);  // a store write of its own
  commit_node(*db, 2);
  db->checkpoint();
  commit_node(*db, 3);
  db->close();
  auto again = Database::open(dir.path(), batched(256));
  auto status = again->status();
  EXPECT_EQ(status.node_count, 3u);
  EXPECT_EQ(status.replayed_at_open, 0u);  // a clean close wrote the batch
  EXPECT_EQ(status.settings.enrichment, EnrichmentMode::kDiff);
}

TEST(StoreBatch, AThreadWithAWriteOpenCannotBeginARead) {
  TestDir dir;
  auto db = Database::open(dir.path(), batched(256));
  commit_node(*db, 1);
  auto tx = db->begin_write();
  try {
    db->begin_read();
    FAIL() << "begin_read with this thread's write transaction open";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("read through the write transaction"), std::string::npos) << e.what();
  }
  // status() still works there, with the store's counts as far as it has them.
  EXPECT_LE(db->status().node_count, 1u);
  tx.create_node({"Item"}, {});
  tx.commit();
  EXPECT_EQ(db->begin_read().node_count(), 2u);
  EXPECT_EQ(db->status().node_count, 2u);
}

std::uintmax_t largest_file(const std::filesystem::path& dir) {
  std::uintmax_t largest = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.is_regular_file()) largest = std::max(largest, e.file_size());
  return largest;
}

// A batch that cannot be written (here a file size limit, as a full disk would) loses
// nothing: the database refuses reads and writes, and the next open replays it from the log.
TEST(StoreBatch, AFailedBatchRefusesReadsAndWritesAndReopeningReplaysIt) {
  TestDir dir;
  auto db = Database::open(dir.path(), batched(100000));
  commit_node(*db, 0);
  db->begin_read();  // the first batch is in the store

  std::signal(SIGXFSZ, SIG_IGN);  // a write past the limit fails with EFBIG instead
  rlimit old{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  rlimit limited = old;
  limited.rlim_cur = largest_file(dir.path()) + (64 << 10);
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limited), 0);
  // Each commit returns: the log has it (its record compresses well), and the store pages
  // wait in the batch.
  for (int i = 1; i <= 40; ++i) {
    auto tx = db->begin_write();
    tx.create_node({"Item"}, {{"n", Value(i)}, {"blob", Value(std::string(16 << 10, 'x'))}});
    tx.commit();
  }
  std::string message;
  try {
    db->begin_read();
  } catch (const Error& e) {
    message = e.what();
  }
  EXPECT_NE(message.find("reopening the database replays them"), std::string::npos) << message;
  EXPECT_THROW(db->begin_write(), Error);
  EXPECT_THROW(db->begin_read(), Error);
  auto failed = db->status();  // still answers, and says why
  EXPECT_NE(failed.store_error.find("reopening the database replays them"), std::string::npos) << failed.store_error;
  EXPECT_EQ(failed.node_count, 1u);
  EXPECT_EQ(failed.last_committed_tx, 41u);
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &old), 0);
  EXPECT_THROW(db->close(), Error);
  db.reset();

  auto again = Database::open(dir.path(), batched(100000));
  auto status = again->status();
  EXPECT_EQ(status.store_error, "");
  EXPECT_EQ(status.last_committed_tx, 41u);
  EXPECT_EQ(status.node_count, 41u);
  EXPECT_GE(status.replayed_at_open, 40u);
}

}  // namespace
}  // namespace txgraph
