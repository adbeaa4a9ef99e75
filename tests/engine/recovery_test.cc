// Recovery at open: replay after the store's last applied transaction, a torn tail cut off,
// damage before the tail refused with the segment and offset named.
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <fstream>
#include <thread>

#include "test_dir.h"
#include "txgraph/txgraph.h"
#include "txlog/log_directory.h"
#include "txlog/segment_format.h"
#include "txlog/segment_reader.h"

namespace txgraph {
namespace {

namespace fs = std::filesystem;
using testing::TestDir;

Options small_segments() {
  Options o;
  o.durability = Durability::kAsync;
  o.initial_settings.rotation_size = 4096;
  o.initial_settings.log_compression_level = 0;  // these tests count segments of known sizes
  return o;
}

void commit_people(Database& db, int from, int to) {
  for (int i = from; i < to; ++i) {
    auto tx = db.begin_write({"test", "", {}});
    auto n = tx.create_node({"Person"}, {{"id", Value(i)}, {"name", Value(std::string(100, 'a' + i % 26))}});
    if (i % 3 == 0) tx.set_node_properties(n, {{"name", Value()}, {"tagged", Value(true)}});
    tx.commit();
  }
}

std::string export_all(Database& db) {
  std::string out;
  auto rd = db.begin_read();
  rd.for_each_node([&](const Node& n) {
    out += element_id(n.id) + ":" + std::to_string(n.properties.size()) + ";";
    return true;
  });
  return out + std::to_string(rd.node_count());
}

std::vector<txlog::SegmentFile> segments(const TestDir& dir) { return txlog::list_segments((dir / "txlog").string()); }

void flip_byte(const std::string& path, std::uint64_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c;
  f.get(c);
  f.seekp(static_cast<std::streamoff>(offset));
  f.put(static_cast<char>(c ^ 0x5a));
}

TEST(Recovery, ReplaysTheLogIntoAnOlderStore) {
  TestDir dir;
  {
    auto db = Database::open(dir.path(), small_segments());
    commit_people(*db, 0, 3);
  }
  // Keep the store as it was after three transactions, let the log run on, then put the old
  // store back: the next open must replay transactions 4..60 from the log.
  fs::copy(dir / "store", dir / "store-old", fs::copy_options::recursive);
  std::string expected;
  {
    auto db = Database::open(dir.path(), small_segments());
    commit_people(*db, 3, 60);
    expected = export_all(*db);
  }
  ASSERT_GT(segments(dir).size(), 2u) << "the test wants several segments";
  fs::remove_all(dir / "store");
  fs::rename(dir / "store-old", dir / "store");
  auto db = Database::open(dir.path(), small_segments());
  EXPECT_EQ(db->status().replayed_at_open, 57u);
  EXPECT_EQ(db->status().last_committed_tx, 60u);
  EXPECT_EQ(export_all(*db), expected);
  // New commits continue the tx ids and element ids after the replayed ones.
  auto tx = db->begin_write();
  auto n = tx.create_node({}, {});
  EXPECT_EQ(tx.commit(), 61u);
  EXPECT_EQ(n.value, 61u);
}

TEST(Recovery, ReplaysACompressedLogAcrossRestartPoints) {
  TestDir dir;
  Options o = small_segments();
  o.initial_settings.log_compression_level = 3;
  o.initial_settings.rotation_size = 1 << 20;  // one segment, several restart points
  {
    auto db = Database::open(dir.path(), o);
    commit_people(*db, 0, 3);
  }
  fs::copy(dir / "store", dir / "store-old", fs::copy_options::recursive);
  std::string expected;
  std::uint64_t log_bytes = 0;
  {
    auto db = Database::open(dir.path(), o);
    commit_people(*db, 3, 3000);
    expected = export_all(*db);
  }
  for (const auto& seg : segments(dir)) log_bytes += seg.bytes;
  // 3000 records of over 100 bytes each, most of it repeated: well under half once compressed.
  EXPECT_LT(log_bytes, 3000u * 100 / 2);
  fs::remove_all(dir / "store");
  fs::rename(dir / "store-old", dir / "store");
  auto db = Database::open(dir.path(), o);
  EXPECT_EQ(db->status().replayed_at_open, 2997u);
  EXPECT_EQ(export_all(*db), expected);
}

TEST(Recovery, CutsATornTailAndKeepsEverythingBefore) {
  TestDir dir;
  std::string expected;
  {
    auto db = Database::open(dir.path(), small_segments());
    commit_people(*db, 0, 10);
    expected = export_all(*db);
  }
  auto last = segments(dir).back();
  // A frame header that promises more bytes than follow: a writer killed mid-append.
  {
    std::ofstream f(last.path, std::ios::binary | std::ios::app);
    const char partial[] = {static_cast<char>(200), 0, 0, 0, 1, 0, 0, 0, 9, 9, 9};
    f.write(partial, sizeof partial);
  }
  auto db = Database::open(dir.path(), small_segments());
  EXPECT_EQ(db->status().torn_bytes_cut_at_open, 11u);
  // The garbage is gone: the segment reads to its end with whole records only (the open's
  // own checkpoint record now follows the last transaction).
  txlog::SegmentReader reader(last.path);
  txlog::Frame frame;
  txlog::SegmentReader::Next next;
  while ((next = reader.next(&frame)) == txlog::SegmentReader::Next::kRecord) {
  }
  EXPECT_EQ(next, txlog::SegmentReader::Next::kEnd) << reader.problem();
  EXPECT_GT(fs::file_size(last.path), last.bytes);
  EXPECT_EQ(export_all(*db), expected);
  auto tx = db->begin_write();
  tx.create_node({}, {});
  EXPECT_EQ(tx.commit(), 11u);
}

TEST(Recovery, RemovesALastSegmentWithATornHeader) {
  TestDir dir;
  std::uint64_t count = 0;
  {
    auto db = Database::open(dir.path(), small_segments());
    commit_people(*db, 0, 5);
    count = segments(dir).back().number;
  }
  auto torn = (dir / "txlog" / txlog::segment_file_name(count + 1)).string();
  std::ofstream(torn, std::ios::binary) << "TXGLOG";  // a crash while the header was written
  auto db = Database::open(dir.path(), small_segments());
  EXPECT_FALSE(fs::exists(torn) && fs::file_size(torn) == 6);
  EXPECT_EQ(db->begin_read().node_count(), 5u);
}

TEST(Recovery, DamageBeforeTheTailNamesSegmentAndOffset) {
  TestDir dir;
  {
    auto db = Database::open(dir.path(), small_segments());
    commit_people(*db, 0, 120);
  }
  auto segs = segments(dir);
  ASSERT_GT(segs.size(), 2u);
  // A flipped bit in the first record of the first segment, with many records after it.
  std::uint64_t offset = txlog::kSegmentHeaderSize + txlog::kFrameHeaderSize + 3;
  flip_byte(segs.front().path, offset);
  try {
    Database::open(dir.path(), small_segments());
    FAIL() << "damage in the middle of the log must not be skipped";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kCorruption);
    std::string msg = e.what();
    EXPECT_NE(msg.find(segs.front().path), std::string::npos) << msg;
    EXPECT_NE(msg.find("offset " + std::to_string(txlog::kSegmentHeaderSize)), std::string::npos) << msg;
  }
}

TEST(Recovery, ZeroedRegionInTheMiddleIsDamage) {
  TestDir dir;
  {
    auto db = Database::open(dir.path(), small_segments());
    commit_people(*db, 0, 120);
  }
  auto segs = segments(dir);
  {
    std::fstream f(segs[1].path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(txlog::kSegmentHeaderSize));
    std::string zeros(300, '\0');
    f.write(zeros.data(), static_cast<std::streamsize>(zeros.size()));
  }
  try {
    Database::open(dir.path(), small_segments());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kCorruption);
    EXPECT_NE(std::string(e.what()).find(segs[1].path), std::string::npos) << e.what();
  }
}

// Power cuts while a sync is in flight keep some pages written since the last completed sync
// and lose others: a record's frame header may read as zeros while its later pages, or later
// records, are there. Such a hole is in the unsynced end of the log, which held nothing
// acknowledged; a hole in what a sync had reached is damage. The frames' sync marks (format
// version 3) tell the two apart.

// Frame offsets of the newest segment, in order.
std::vector<std::uint64_t> frame_offsets(const std::string& path) {
  txlog::SegmentReader reader(path);
  std::vector<std::uint64_t> out;
  txlog::Frame frame;
  while (reader.next(&frame) == txlog::SegmentReader::Next::kRecord) out.push_back(frame.offset);
  return out;
}

// What a power cut leaves of a page written after the last sync: its synced picture, which
// has zeros from `offset` (where the unsynced writes began) to the end of the 4 KiB page.
void lose_page_from(const std::string& path, std::uint64_t offset) {
  std::uint64_t page_end = (offset / 4096 + 1) * 4096;
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(offset));
  std::string zeros(page_end - offset, '\0');
  f.write(zeros.data(), static_cast<std::streamsize>(zeros.size()));
}

void commit_big(Database& db, int from, int to) {
  for (int i = from; i < to; ++i) {
    auto tx = db.begin_write();
    tx.create_node({"Big"}, {{"i", Value(i)}, {"pad", Value(std::string(10000, static_cast<char>('a' + i % 26)))}});
    tx.commit();
  }
}

std::set<std::int64_t> big_numbers(Database& db) {
  std::set<std::int64_t> out;
  db.begin_read().for_each_node([&](const Node& n) {
    out.insert(n.properties.at("i").as_int());
    return true;
  });
  return out;
}

// A process that opens the database, commits [from, to) and dies without closing anything.
bool commits_then_dies(const TestDir& dir, const Options& options, int from, int to) {
  pid_t pid = ::fork();
  if (pid == 0) {
    auto db = Database::open(dir.path(), options);
    commit_big(*db, from, to);
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

TEST(Recovery, AHoleInTheUnsyncedEndOfTheLogIsCutNotCalledDamage) {
  TestDir dir;
  Options durable;
  durable.initial_settings.log_compression_level = 0;
  {
    auto db = Database::open(dir.path(), durable);
    commit_big(*db, 0, 10);  // acknowledged: each synced
    db->checkpoint();
  }
  // A run whose last records never saw a sync: kAsync, and a flusher that never comes.
  Options unsynced = durable;
  unsynced.durability = Durability::kAsync;
  unsynced.async_sync_interval = std::chrono::hours(1);
  ASSERT_TRUE(commits_then_dies(dir, unsynced, 10, 13));
  std::string path = segments(dir).back().path;
  auto offsets = frame_offsets(path);
  ASSERT_GE(offsets.size(), 3u);
  // The second to last record's header lost, the last record kept: zeros, then data.
  std::uint64_t hole = offsets[offsets.size() - 2];
  lose_page_from(path, hole);
  auto db = Database::open(dir.path(), durable);
  auto numbers = big_numbers(*db);
  for (int i = 0; i < 11; ++i) EXPECT_TRUE(numbers.contains(i)) << i;  // 10 was before the hole
  EXPECT_FALSE(numbers.contains(11));
  EXPECT_FALSE(numbers.contains(12)) << "a record after the hole was replayed";
  EXPECT_GT(db->status().torn_bytes_cut_at_open, 10000u);
  // And the log goes on where the hole was.
  commit_big(*db, 11, 12);
  db->close();
  auto again = Database::open(dir.path(), durable);
  EXPECT_TRUE(big_numbers(*again).contains(11));
}

TEST(Recovery, AHoleWhereASyncHadReachedIsDamage) {
  TestDir dir;
  Options durable;
  durable.initial_settings.log_compression_level = 0;
  ASSERT_TRUE(commits_then_dies(dir, durable, 0, 10));  // each synced before the next is written
  std::string path = segments(dir).back().path;
  auto offsets = frame_offsets(path);
  ASSERT_GE(offsets.size(), 5u);
  std::uint64_t hole = offsets[offsets.size() - 3];
  lose_page_from(path, hole);
  try {
    Database::open(dir.path(), durable);
    FAIL() << "a hole in synced records was cut";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kCorruption);
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(std::to_string(hole)), std::string::npos) << e.what();
  }
}

// The writer keeps zeros ahead of the active segment's end (Options::log_preallocate). They
// are the end of the log while the database is open or after a crash, and gone after a clean
// close; in a segment that is not the last, zeros after the records are damage.
TEST(Recovery, PreallocatedZerosEndTheLastSegmentOnlyAndGoAtClose) {
  TestDir dir;
  Options options = small_segments();
  options.initial_settings.rotation_size = 32 * 1024;
  {
    auto db = Database::open(dir.path(), options);
    commit_people(*db, 0, 400);
    auto segs = segments(dir);
    ASSERT_GE(segs.size(), 2u);
    txlog::SegmentReader reader(segs.back().path);
    txlog::Frame frame;
    while (reader.next(&frame) == txlog::SegmentReader::Next::kRecord) {
    }
    EXPECT_TRUE(reader.tail_is_zeros()) << reader.problem();
    EXPECT_GT(fs::file_size(segs.back().path), reader.valid_end());
  }
  auto segs = segments(dir);
  for (const auto& seg : segs) {
    SCOPED_TRACE(seg.path);
    txlog::SegmentReader reader(seg.path);
    txlog::Frame frame;
    txlog::SegmentReader::Next next;
    while ((next = reader.next(&frame)) == txlog::SegmentReader::Next::kRecord) {
    }
    EXPECT_EQ(next, txlog::SegmentReader::Next::kEnd) << reader.problem();
    EXPECT_FALSE(reader.tail_is_zeros());
    EXPECT_EQ(fs::file_size(seg.path), reader.valid_end());
  }
  // Zeros after the records of a closed segment: not preallocation, since a closed segment
  // is cut back to its last record.
  fs::resize_file(segs.front().path, fs::file_size(segs.front().path) + 4096);
  try {
    Database::open(dir.path(), options);
    FAIL() << "opened with zeros after the records of a closed segment";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kCorruption);
    EXPECT_NE(std::string(e.what()).find(segs.front().path), std::string::npos) << e.what();
  }
}

TEST(Recovery, WithoutPreallocationTheActiveSegmentEndsAtItsLastRecord) {
  TestDir dir;
  Options options = small_segments();
  options.initial_settings.rotation_size = 32 * 1024;
  options.log_preallocate = false;
  auto db = Database::open(dir.path(), options);
  commit_people(*db, 0, 50);
  auto segs = segments(dir);
  ASSERT_FALSE(segs.empty());
  txlog::SegmentReader reader(segs.back().path);
  txlog::Frame frame;
  txlog::SegmentReader::Next next;
  std::size_t records = 0;
  while ((next = reader.next(&frame)) == txlog::SegmentReader::Next::kRecord) ++records;
  EXPECT_GT(records, 0u);
  EXPECT_EQ(next, txlog::SegmentReader::Next::kEnd) << reader.problem();
  EXPECT_FALSE(reader.tail_is_zeros());
  EXPECT_EQ(fs::file_size(segs.back().path), reader.valid_end());
}

TEST(Recovery, SegmentOfAnotherDatabaseIsRefused) {
  TestDir dir;
  TestDir other;
  std::uint64_t last = 0;
  {
    auto db = Database::open(dir.path(), small_segments());
    commit_people(*db, 0, 3);
    last = segments(dir).back().number;
  }
  {
    auto db = Database::open(other.path(), small_segments());
    commit_people(*db, 0, 3);
  }
  fs::copy_file(segments(other).front().path, dir / "txlog" / txlog::segment_file_name(last + 1));
  try {
    Database::open(dir.path(), small_segments());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kWrongDatabase);
    EXPECT_NE(std::string(e.what()).find("belongs to database"), std::string::npos) << e.what();
  }
}

TEST(Recovery, MissingSegmentInTheMiddleIsRefused) {
  TestDir dir;
  {
    auto db = Database::open(dir.path(), small_segments());
    commit_people(*db, 0, 120);
  }
  auto segs = segments(dir);
  ASSERT_GT(segs.size(), 3u);
  fs::remove(segs[1].path);
  try {
    Database::open(dir.path(), small_segments());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kCorruption);
    EXPECT_NE(std::string(e.what()).find("missing"), std::string::npos) << e.what();
  }
}

TEST(Recovery, CheckpointIsRecordedAndFoundAgain) {
  TestDir dir;
  {
    auto db = Database::open(dir.path(), small_segments());
    commit_people(*db, 0, 7);
    EXPECT_EQ(db->checkpoint(), 7u);
    EXPECT_EQ(db->status().last_checkpoint_tx, 7u);
    commit_people(*db, 7, 9);
  }
  auto db = Database::open(dir.path(), small_segments());
  // Close checkpoints too, so the last one covers all nine.
  EXPECT_EQ(db->status().last_checkpoint_tx, 9u);
}

TEST(Recovery, CheckpointByTransactionCount) {
  TestDir dir;
  Options o = small_segments();
  o.initial_settings.checkpoint_interval_tx = 5;
  auto db = Database::open(dir.path(), o);
  commit_people(*db, 0, 12);
  // The background checkpointer is woken by the fifth and tenth commit.
  for (int i = 0; i < 200 && db->status().last_checkpoint_tx < 10; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_GE(db->status().last_checkpoint_tx, 5u);
}

TEST(Recovery, CheckpointByTimeWithAnInjectedClock) {
  TestDir dir;
  std::atomic<std::int64_t> now{1'000'000'000'000};
  Options o = small_segments();
  o.clock = [&] { return now.load(); };
  o.initial_settings.checkpoint_interval_time = std::chrono::minutes(15);
  o.initial_settings.checkpoint_interval_tx = 0;
  auto db = Database::open(dir.path(), o);
  commit_people(*db, 0, 3);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  EXPECT_EQ(db->status().last_checkpoint_tx, 0u) << "no checkpoint before the interval";
  now += 16LL * 60 * 1'000'000;  // sixteen simulated minutes
  for (int i = 0; i < 300 && db->status().last_checkpoint_tx == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(db->status().last_checkpoint_tx, 3u);
}

}  // namespace
}  // namespace txgraph

namespace txgraph {
namespace {

TEST(Recovery, ALogWithoutItsStoreIsNotTakenOver) {
  testing::TestDir dir;
  {
    auto db = Database::open(dir.path());
    auto tx = db->begin_write();
    tx.create_node({}, {});
    tx.commit();
  }
  std::filesystem::remove_all(dir / "store");
  try {
    Database::open(dir.path());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_NE(std::string(e.what()).find("no store"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "store" / "data.mdb"));
}

}  // namespace
}  // namespace txgraph
