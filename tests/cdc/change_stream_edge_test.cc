// Edge cases of the change reader, each once a defect: positions at segment boundaries under
// pruning, segments being created, records cut off again after a failed store commit, waiting
// and listening at the edges.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "cdc/change_id.h"
#include "cdc/log_index.h"
#include "cdc/log_tail.h"
#include "cdc_test_support.h"
#include "test_dir.h"
#include "txgraph/txgraph.h"
#include "txlog/log_directory.h"
#include "txlog/log_writer.h"
#include "txlog/segment_format.h"
#include "txlog/tx_record.h"

namespace txgraph {
namespace {

using testing::TestDir;

using testing::small_segments;

Options edge_options(EnrichmentMode mode = EnrichmentMode::kDiff) { return testing::capture_options(mode); }


void commit_one(Database& db, int i, std::size_t pad = 300) {
  auto tx = db.begin_write();
  tx.create_node({"N"}, {{"pad", Value(std::string(pad, static_cast<char>('a' + i % 26)))}, {"i", Value(i)}});
  tx.commit();
}

std::uint64_t active_segment(Database& db) { return db.status().segments.back().number; }

using testing::error_of;

std::string describe(const std::optional<ErrorCode>& code) {
  return code ? std::string(error_code_name(*code)) : std::string("no error");
}

// ---------------------------------------------------------------------------------------------
// 1. A consumer that is fully caught up, positioned after the last transaction of a segment,
//    keeps its place when that segment is pruned: every change after its position is still
//    retained (the next transaction starts the next segment).

TEST(ChangeStreamEdge, ACaughtUpPositionSurvivesPruningOfItsSegment) {
  TestDir dir;
  auto db = Database::open(dir.path(), small_segments("keep_none"));
  ChangeStream stream(*db);
  std::string caught_up;
  std::uint64_t boundary_tx = 0;
  for (int i = 0; i < 200; ++i) {
    std::string before = stream.current();
    std::uint64_t segment = active_segment(*db);
    commit_one(*db, i);
    if (active_segment(*db) != segment) {  // this commit rotated: `before` ends a segment
      caught_up = before;
      boundary_tx = db->status().last_committed_tx;
      break;
    }
  }
  ASSERT_FALSE(caught_up.empty());
  ASSERT_EQ(stream.query(caught_up).size(), 1u);  // fine before pruning
  db->checkpoint();
  ASSERT_GT(db->status().segments_pruned, 0u);

  std::vector<ChangeEvent> events;
  auto code = error_of([&] { events = stream.query(caught_up); });
  EXPECT_FALSE(code.has_value()) << "a caught-up consumer lost its place to pruning: " << describe(code)
                                 << " although transaction " << boundary_tx << " is retained";
  if (!code) {
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].tx_id, boundary_tx);
  }
}

// 1b. A reader of the log files (open_log, as `txgraph cdc query --follow` reads) that lags
//    while keep_none pruning removes the segment it last read: a position whose changes are
//    still retained goes on as before; one whose changes were pruned is kCdcPruned with the
//    reader's message, never a missing file or damage. Pruned explicitly between reads.

TEST(ChangeStreamEdge, ALaggingLogReaderOutlivesThePruningOfItsSegment) {
  TestDir dir;
  auto db = Database::open(dir.path(), small_segments("keep_none"));
  ChangeStream writer_side(*db);
  for (int i = 0; i < 3; ++i) commit_one(*db, i);
  auto follower = ChangeStream::open_log(dir.path());
  std::string early = follower.current();
  ASSERT_TRUE(follower.query(early).empty());  // the follower's view of the log ends in segment 1
  const std::uint64_t first_segment = active_segment(*db);
  std::string boundary;  // after the last transaction of the follower's segment
  for (int i = 3; active_segment(*db) == first_segment; ++i) {
    boundary = writer_side.current();
    commit_one(*db, i);
  }
  std::uint64_t boundary_tx = db->status().last_committed_tx;  // the first of the next segment
  commit_one(*db, 1000);
  commit_one(*db, 1001);
  db->checkpoint();
  ASSERT_FALSE(std::filesystem::exists(dir.path() / "txlog" / txlog::segment_file_name(first_segment)))
      << "keep_none pruned the follower's segment";

  std::vector<ChangeEvent> events;
  auto code = error_of([&] { events = follower.query(boundary); });
  ASSERT_FALSE(code.has_value()) << "changes still in the log were not read: " << describe(code);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].tx_id, boundary_tx);
  EXPECT_EQ(events[2].tx_id, boundary_tx + 2);

  try {
    follower.query(early);
    ADD_FAILURE() << "changes pruned from the log were not reported";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kCdcPruned) << e.what();
    EXPECT_NE(std::string(e.what()).find("no longer in the log"), std::string::npos) << e.what();
  }
}

// ---------------------------------------------------------------------------------------------
// 2. wait(from) with `from` before the first change of a transaction (earliest()) or inside
//    one (a query stopped by its limit) returns at once: query() has changes to return.

TEST(ChangeStreamEdge, WaitReturnsAtOnceWhileChangesAfterTheIdAreUnread) {
  TestDir dir;
  auto db = Database::open(dir.path(), edge_options());
  ChangeStream stream(*db);
  {
    auto tx = db->begin_write();
    tx.create_node({"A"}, {});
    tx.create_node({"B"}, {});
    tx.commit();
  }
  auto earliest = stream.earliest();
  ASSERT_EQ(stream.query(earliest).size(), 2u);
  EXPECT_TRUE(stream.wait(earliest, std::chrono::milliseconds(200)))
      << "wait(earliest()) timed out although query(earliest()) returns 2 changes";

  auto half = stream.query(earliest, {}, [](const ChangeEvent&) { return true; }, 1);
  ASSERT_EQ(stream.query(half.position).size(), 1u);
  EXPECT_TRUE(stream.wait(half.position, std::chrono::milliseconds(200)))
      << "wait() on a position inside a transaction timed out although a change follows it";
}

// ---------------------------------------------------------------------------------------------
// 3. A reader that reaches the end of a segment while the writer is creating the next one (the
//    file exists, its header is not written yet) ends cleanly: every visible transaction has
//    been read, and a segment being created is not damage. Simulated by the empty file the writer's exclusive
//    create leaves for a moment (and leaves for good if the writer dies right there).

TEST(ChangeStreamEdge, AQueryRacingSegmentCreationEndsCleanly) {
  TestDir dir;
  auto db = Database::open(dir.path(), edge_options());
  ChangeStream stream(*db);
  for (int i = 0; i < 3; ++i) commit_one(*db, i, 10);
  auto earliest = stream.earliest();
  auto next = dir / "txlog" / txlog::segment_file_name(active_segment(*db) + 1);
  { std::ofstream(next.string()); }  // created, header not yet written
  std::vector<ChangeEvent> events;
  auto code = error_of([&] { events = stream.query(earliest); });
  auto current_code = error_of([&] { stream.current(); });
  std::filesystem::remove(next);
  EXPECT_FALSE(code.has_value()) << "query: " << describe(code);
  EXPECT_FALSE(current_code.has_value()) << "current(): " << describe(current_code);
  EXPECT_EQ(events.size(), 3u);
}

// The same for the detached reader, after a writer died while creating a segment (recovery
// removes the empty segment only at the next open): open_log() takes its identity and end
// from the newest complete segment.
TEST(ChangeStreamEdge, OpenLogPassesOverAnEmptyNewestSegment) {
  TestDir dir;
  std::string in_process_current, earliest;
  {
    auto db = Database::open(dir.path(), edge_options());
    ChangeStream stream(*db);
    for (int i = 0; i < 3; ++i) commit_one(*db, i, 10);
    in_process_current = stream.current();
    earliest = stream.earliest();
  }
  auto segments = txlog::list_segments((dir / "txlog").string());
  auto next = dir / "txlog" / txlog::segment_file_name(segments.back().number + 1);
  { std::ofstream(next.string()); }

  auto detached = ChangeStream::open_log(dir.path());
  std::string current;
  auto current_code = error_of([&] { current = detached.current(); });
  EXPECT_FALSE(current_code.has_value()) << describe(current_code);
  // current() returns an id, but one its own decoder refuses (no database UUID in it).
  auto decode_code = error_of([&] { EXPECT_EQ(cdc::decode_change_id(current).tx_id, 3u); });
  EXPECT_FALSE(decode_code.has_value()) << "current() of the detached reader printed \"" << current
                                        << "\", which does not decode: " << describe(decode_code);
  EXPECT_EQ(current, in_process_current);
  auto code = error_of([&] { detached.query(earliest); });
  EXPECT_FALSE(code.has_value()) << "query(earliest) of the detached reader: " << describe(code);
}

// ---------------------------------------------------------------------------------------------
// 4. undo_append (a store commit failed) cuts the last frame off, and the next commit writes a
//    frame of another length at the same offset. LogTail (open_log's view of the end) notices
//    that the last frame it read is not there any more, even once the file has grown again.

std::string tx_payload(std::uint64_t tx, std::size_t pad) {
  txlog::TxHeader h;
  h.tx_id = tx;
  h.start_time_us = 1000 + static_cast<std::int64_t>(tx);
  h.commit_time_us = 2000 + static_cast<std::int64_t>(tx);
  h.capture_mode = txlog::CaptureMode::kDiff;
  h.user = "u";
  h.authenticated_user = "u";
  h.metadata = {{"pad", Value(std::string(pad, 'p'))}};
  std::string out;
  txlog::encode_tx_header(out, h);
  return out;
}

txlog::LogWriterOptions writer_options(const std::filesystem::path& dir, int level = 0) {
  txlog::LogWriterOptions o;
  o.dir = dir.string();
  o.database_uuid = std::string(16, '\x42');
  o.rotation_size = 1ull << 30;
  o.enrichment_generation = 1;
  o.now_us = [] { return std::int64_t{1}; };
  o.compression_level = level;
  return o;
}

txlog::LogWriter::Position append_tx(txlog::LogWriter& w, std::uint64_t tx, std::size_t pad) {
  std::string payload = tx_payload(tx, pad);
  std::string_view parts[] = {payload};
  return w.append(txlog::RecordType::kTransaction, parts, tx);
}

TEST(ChangeStreamEdge, LogTailFollowsARecordCutOffAndWrittenAgain) {
  TestDir dir;
  txlog::LogWriter writer(writer_options(dir.path()), 0, 0, 1, 1);
  cdc::LogTail tail(dir.path().string());
  append_tx(writer, 1, 10);
  EXPECT_EQ(tail.refresh().last_tx, 1u);
  auto two = append_tx(writer, 2, 10);
  // A detached reader already treats tx 2 as committed (it may deliver its changes) ...
  EXPECT_EQ(tail.refresh().last_tx, 2u);
  writer.undo_append(two);  // ... but its store commit fails and the frame is cut off again
  append_tx(writer, 2, 200);  // the next commit reuses tx id 2, a longer record
  append_tx(writer, 3, 10);
  std::uint64_t last = 0;
  auto code = error_of([&] { last = tail.refresh().last_tx; });
  EXPECT_FALSE(code.has_value()) << "a healthy log read as damaged: " << describe(code);
  EXPECT_EQ(last, 3u);
}

// When the cut frame was the only transaction of a fresh segment, the last transaction is the
// one before the segment again.
TEST(ChangeStreamEdge, LogTailForgetsACutOffFirstRecordOfASegment) {
  TestDir dir;
  auto o = writer_options(dir.path());
  o.rotation_size = 100;
  txlog::LogWriter writer(o, 0, 0, 1, 1);
  cdc::LogTail tail(dir.path().string());
  append_tx(writer, 1, 200);
  auto two = append_tx(writer, 2, 10);  // rotates: the first record of segment 2
  ASSERT_EQ(writer.active_segment(), 2u);
  EXPECT_EQ(tail.refresh().last_tx, 2u);
  writer.undo_append(two);
  EXPECT_EQ(tail.refresh().last_tx, 1u) << "the cut-off transaction is still reported as the last one";
}

// The same cut must not leave LogIndex's walk inside the rewritten frame: the walk goes on
// from the cut, so restart points after it are still learned.
TEST(ChangeStreamEdge, LogIndexWalksOnAfterACutOffRecord) {
  TestDir dir;
  txlog::LogWriter writer(writer_options(dir.path()), 0, 0, 1, 1);
  cdc::LogIndex index(dir.path().string());
  auto path = (dir / txlog::segment_file_name(1)).string();
  for (std::uint64_t tx = 1; tx <= 3; ++tx) append_tx(writer, tx, 400);
  index.start_offset(path, 1, 3);
  auto four = append_tx(writer, 4, 10);
  index.start_offset(path, 1, 4);  // a query walks the frame before its store commit fails
  writer.undo_append(four);
  append_tx(writer, 4, 400);
  for (std::uint64_t tx = 5; tx <= 2000; ++tx) append_tx(writer, tx, 400);
  std::uint64_t offset = index.start_offset(path, 1, 1990);
  EXPECT_GT(offset, 500u * 1024u) << "the index seeks tx 1990 from offset " << offset
                                  << ": everything after the cut frame is decoded again on every cold query";
}

// ---------------------------------------------------------------------------------------------
// 5. ChangeListener with an empty `from` takes current() in its constructor, so a commit made
//    right after constructing the listener is delivered.

TEST(ChangeStreamEdge, AListenerSeesACommitMadeRightAfterItStarts) {
  TestDir dir;
  auto db = Database::open(dir.path(), edge_options());
  ChangeStream stream(*db);
  int missed = 0;
  constexpr int kRounds = 20;
  for (int round = 0; round < kRounds; ++round) {
    std::atomic<std::uint64_t> seen_tx{0};
    ChangeListenerOptions lo;
    lo.max_delay = std::chrono::milliseconds(1);
    ChangeListener listener(stream, lo, [&](const std::vector<ChangeEvent>& batch, const ChangeCounts&,
                                            const std::string&) { seen_tx = batch.back().tx_id; });
    commit_one(*db, round, 10);
    std::uint64_t tx = db->status().last_committed_tx;
    // Generous: this asserts delivery, not speed, and must hold on a loaded machine.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (seen_tx.load() != tx && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    if (seen_tx.load() != tx) ++missed;
    listener.stop();
  }
  EXPECT_EQ(missed, 0) << missed << " of " << kRounds
                       << " commits made right after the listener was constructed were never delivered";
}

// After Database::close() (the object still alive), a waiting ChangeListener stops with an
// error instead of spinning: wait_for_commit_after() throws kTransactionClosed.
TEST(ChangeStreamEdge, AListenerStopsWhenTheDatabaseCloses) {
  TestDir dir;
  auto db = Database::open(dir.path(), edge_options());
  ChangeStream stream(*db);
  commit_one(*db, 1, 10);
  ChangeListenerOptions lo;
  lo.from = stream.current();
  ChangeListener listener(stream, lo, [](const std::vector<ChangeEvent>&, const ChangeCounts&, const std::string&) {});
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  db->close();
  std::clock_t cpu_before = std::clock();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  double cpu_ms = 1000.0 * static_cast<double>(std::clock() - cpu_before) / CLOCKS_PER_SEC;
  bool running = listener.running();
  listener.stop();
  EXPECT_LT(cpu_ms, 100.0) << "the listener used " << cpu_ms << " ms of CPU in 500 ms of idling (running="
                           << running << ")";
}

// ---------------------------------------------------------------------------------------------
// 6. limit 0 still checks `from`: a malformed id, or a database with CDC off, is refused.

TEST(ChangeStreamEdge, LimitZeroStillChecksTheId) {
  TestDir dir;
  auto db = Database::open(dir.path(), edge_options());
  ChangeStream stream(*db);
  commit_one(*db, 1, 10);
  auto code = error_of([&] { stream.query("garbage", {}, [](const ChangeEvent&) { return true; }, 0); });
  EXPECT_EQ(code, std::optional<ErrorCode>(ErrorCode::kCdcInvalidId)) << describe(code);
}

}  // namespace
}  // namespace txgraph
