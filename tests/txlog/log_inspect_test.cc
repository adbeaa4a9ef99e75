// txlog/log_inspect.h and log_stats.h: scanning a whole log folder, clean and damaged in each
// way the tool must survive, never writing to it.
#include "txlog/log_inspect.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <string>

#include <fmt/format.h>

#include "test_dir.h"
#include "txgraph/database.h"
#include "txlog/log_stats.h"
#include "txlog_test_support.h"

namespace txgraph::txlog {
namespace {

using testing::read_bytes;
using testing::write_bytes;
namespace fs = std::filesystem;

constexpr std::int64_t kStart = 1795000000000000;

class LogInspectTest : public ::testing::Test {
 protected:
  // 40 transactions of one node each, small segments so that there are several, checkpoints
  // every 10 transactions, and a close.
  void SetUp() override {
    Options options;
    std::int64_t now = kStart;
    options.clock = [now]() mutable { return now += 1000000; };
    options.initial_settings.rotation_size = 4096;
    options.initial_settings.log_compression_level = 0;  // so that 40 records fill several segments
    options.initial_settings.retention_policy = "keep_all";
    auto db = Database::open(dir_.path(), options);
    for (int i = 0; i < 40; ++i) {
      auto tx = db->begin_write({"alice", "", {{"app", Value("crm")}}});
      tx.create_node({"Person"}, {{"id", Value(std::int64_t{i})}, {"name", Value(std::string(300, 'x'))}});
      tx.commit();
      if (i % 10 == 9) db->checkpoint();
    }
    db->close();
    segments_ = list_segments(log_dir());
    ASSERT_GE(segments_.size(), 3u);
  }

  std::string log_dir() const { return (dir_.path() / "txlog").string(); }

  std::vector<LogProblem> damage(const LogScan& scan) const {
    std::vector<LogProblem> out;
    for (const auto& p : scan.problems)
      if (p.severity == LogProblem::Severity::kDamage) out.push_back(p);
    return out;
  }

  std::uint64_t transactions(const LogScan& scan) const {
    std::uint64_t n = 0;
    for (const auto& s : scan.segments) n += s.transactions;
    return n;
  }

  txgraph::testing::TestDir dir_;
  std::vector<SegmentFile> segments_;
};

TEST_F(LogInspectTest, CleanLogHasNoProblemsAndSummarisesEverySegment) {
  std::uint64_t visited = 0;
  LogScan scan = scan_log(log_dir(), [&](const SegmentScan&, const Frame&) { ++visited; });
  EXPECT_TRUE(scan.problems.empty()) << problem_text(scan.problems.front());
  EXPECT_FALSE(scan.damaged());
  ASSERT_EQ(scan.segments.size(), segments_.size());
  EXPECT_EQ(transactions(scan), 40u);
  EXPECT_EQ(scan.segments.front().first_tx, 1u);
  EXPECT_GT(scan.segments.front().first_commit_us, kStart);  // the fixed clock, not the real one
  EXPECT_LT(scan.segments.front().first_commit_us, kStart + 1000000000);
  std::uint64_t next = 1, records = 0, checkpoints = 0;
  for (const auto& s : scan.segments) {
    records += s.records;
    checkpoints += s.checkpoints.size();
    if (s.transactions == 0) continue;
    EXPECT_EQ(s.first_tx, next);
    EXPECT_EQ(s.header.first_tx, next);
    next = s.last_tx + 1;
    EXPECT_EQ(capture_modes_text(s.capture_modes), "OFF");
    EXPECT_GT(s.raw_bytes, 0u);
    EXPECT_TRUE(s.complete);
  }
  EXPECT_EQ(next, 41u);
  EXPECT_EQ(records, visited);
  EXPECT_GE(checkpoints, 4u);  // every 10 transactions, and at close
  EXPECT_EQ(scan.last_checkpoint_tx(), 40u);
  auto summaries = retention_summaries(scan);
  ASSERT_EQ(summaries.size(), scan.segments.size());
  auto plan = plan_pruning(RetentionPolicy::parse("1 files"), summaries, 40, kStart);
  EXPECT_TRUE(plan.front().prune);
  EXPECT_FALSE(plan.back().prune);
}

TEST_F(LogInspectTest, FlippedBitInAMiddleSegmentIsDamageAtItsOffsetAndTheNextSegmentsAreStillRead) {
  const auto& victim = segments_[1];
  std::string bytes = read_bytes(victim.path);
  const std::size_t at = kSegmentHeaderSize + 40;  // inside the first record's payload
  bytes[at] ^= 0x10;
  write_bytes(victim.path, bytes);
  LogScan scan = scan_log(log_dir());
  auto problems = damage(scan);
  ASSERT_FALSE(problems.empty());
  EXPECT_EQ(problems[0].file, victim.path);
  EXPECT_EQ(problems[0].offset, kSegmentHeaderSize);
  EXPECT_NE(problems[0].what.find("checksum"), std::string::npos) << problems[0].what;
  EXPECT_GT(scan.segments[2].transactions, 0u);
  EXPECT_EQ(scan.segments[1].transactions, 0u);
  // The file is left as it was.
  EXPECT_EQ(read_bytes(victim.path), bytes);
}

TEST_F(LogInspectTest, ZeroFilledRegionInsideASegmentIsDamage) {
  const auto& victim = segments_[0];
  std::string bytes = read_bytes(victim.path);
  std::fill(bytes.begin() + kSegmentHeaderSize, bytes.begin() + kSegmentHeaderSize + 64, '\0');
  write_bytes(victim.path, bytes);
  LogScan scan = scan_log(log_dir());
  auto problems = damage(scan);
  ASSERT_FALSE(problems.empty());
  EXPECT_EQ(problems[0].file, victim.path);
  EXPECT_EQ(problems[0].offset, kSegmentHeaderSize);
}

TEST_F(LogInspectTest, TruncatedSegmentIsDamageInTheMiddleAndANoteAtTheEnd) {
  fs::resize_file(segments_.back().path, segments_.back().bytes - 3);
  LogScan tail = scan_log(log_dir());
  EXPECT_FALSE(tail.damaged());
  ASSERT_FALSE(tail.problems.empty());
  EXPECT_EQ(tail.problems[0].severity, LogProblem::Severity::kNote);
  EXPECT_EQ(tail.problems[0].file, segments_.back().path);

  fs::resize_file(segments_[1].path, segments_[1].bytes - 3);
  LogScan middle = scan_log(log_dir());
  auto problems = damage(middle);
  ASSERT_FALSE(problems.empty());
  EXPECT_EQ(problems[0].file, segments_[1].path);
  EXPECT_NE(problems[0].what.find("torn tail in a segment that is not the last"), std::string::npos);
}

TEST_F(LogInspectTest, MissingSegmentInTheMiddleIsNamed) {
  fs::remove(segments_[1].path);
  LogScan scan = scan_log(log_dir());
  auto problems = damage(scan);
  ASSERT_EQ(problems.size(), 1u) << problem_text(problems.back());
  EXPECT_EQ(problems[0].file, segments_[2].path);
  EXPECT_NE(problems[0].what.find("segment 2 is missing"), std::string::npos) << problems[0].what;
  EXPECT_GT(scan.segments[1].transactions, 0u);  // segment 3, read on
}

TEST_F(LogInspectTest, HeaderOfAnotherDatabaseIsRefusedByName) {
  std::string bytes = read_bytes(segments_[1].path);
  SegmentHeader header;
  ASSERT_EQ(decode_segment_header(std::string_view(bytes).substr(0, kSegmentHeaderSize), &header), HeaderStatus::kOk);
  header.database_uuid = testing::test_uuid('\x22');
  write_bytes(segments_[1].path, encode_segment_header(header) + bytes.substr(kSegmentHeaderSize));
  LogScan scan = scan_log(log_dir());
  auto problems = damage(scan);
  ASSERT_FALSE(problems.empty());
  EXPECT_EQ(problems[0].file, segments_[1].path);
  EXPECT_NE(problems[0].what.find("another database"), std::string::npos);
  EXPECT_TRUE(scan.segments[1].foreign);
}

TEST_F(LogInspectTest, FileThatIsNotASegmentIsDamageAndOtherNamesAreNotes) {
  write_bytes(segments_[1].path, std::string(500, 'q'));
  write_bytes(fs::path(log_dir()) / "notes.txt", "hello");
  LogScan scan = scan_log(log_dir());
  auto problems = damage(scan);
  ASSERT_FALSE(problems.empty());
  EXPECT_EQ(problems[0].file, segments_[1].path);
  EXPECT_EQ(problems[0].offset, 0u);
  EXPECT_NE(problems[0].what.find("not a readable segment"), std::string::npos);
  bool noted = false;
  for (const auto& p : scan.problems) noted |= p.file.ends_with("notes.txt") && p.severity == LogProblem::Severity::kNote;
  EXPECT_TRUE(noted);
}

TEST_F(LogInspectTest, StatsCountRecordsOperationsAndSizes) {
  LogStats stats;
  scan_log(log_dir(), [&](const SegmentScan&, const Frame& frame) { add_to_stats(stats, frame); });
  EXPECT_EQ(stats.transactions, 40u);
  EXPECT_EQ(stats.by_record_type[1].records, 40u);
  EXPECT_EQ(stats.by_capture_mode[0].records, 40u);
  EXPECT_EQ(stats.ops_by_code[static_cast<int>(OpCode::kCreateNode)], 40u);
  EXPECT_EQ(stats.largest_tx_ops, 1u);
  EXPECT_GT(stats.tx_per_second(), 0.0);
  EXPECT_LE(stats.tx_per_second(), 1.0);  // the clock ticks one second a call, more than once a commit
  EXPECT_GT(stats.by_record_type[2].records, 0u);
}

TEST(LogInspectFolderTest, MissingFolderThrows) {
  EXPECT_THROW(scan_log("/nonexistent/txlog"), Error);
}

// Following: a folder that starts with part of the log and gets the rest from wait().
class LogFollowTest : public LogInspectTest {
 protected:
  std::string copy_dir() const { return copy_.path().string(); }
  fs::path copy_of(const SegmentFile& segment) const { return copy_.path() / fs::path(segment.path).filename(); }
  void copy(const SegmentFile& segment) { fs::copy_file(segment.path, copy_of(segment)); }

  // Scans the copy, running each of `steps` in turn when the scan waits; stops after them.
  LogScan follow(std::vector<std::function<void()>> steps, std::uint64_t* visited) {
    std::size_t step = 0;
    FollowOptions options;
    options.wait = [&] {
      if (step == steps.size()) return false;
      steps[step++]();
      return true;
    };
    *visited = 0;
    return scan_log(copy_dir(), [&](const SegmentScan&, const Frame& frame) {
      if (frame.type == RecordType::kTransaction) ++*visited;
    }, options);
  }

  ::txgraph::testing::TestDir copy_;
};

TEST_F(LogFollowTest, ATornLastRecordIsReadOnceWholeAndTheScanGoesOnIntoNewSegments) {
  for (std::size_t i = 0; i + 1 < segments_.size() - 1; ++i) copy(segments_[i]);
  const SegmentFile& growing = segments_[segments_.size() - 2];
  std::string whole = read_bytes(growing.path);
  write_bytes(copy_of(growing), whole.substr(0, whole.size() - 10));  // the writer mid-append
  std::uint64_t visited = 0;
  LogScan scan = follow({[&] { write_bytes(copy_of(growing), whole); },  // the append completes
                         [&] { copy(segments_.back()); }},               // and the writer rotates
                        &visited);
  EXPECT_EQ(visited, 40u);
  EXPECT_TRUE(scan.problems.empty()) << problem_text(scan.problems.front());
  EXPECT_EQ(scan.segments.size(), segments_.size());
}

TEST_F(LogFollowTest, SegmentsPrunedBeforeTheScanReachedThemAreANoteNotDamage) {
  copy(segments_[0]);
  std::uint64_t in_second = 0;
  for (auto& s : scan_log(log_dir()).segments)
    if (s.file.number == segments_[1].number) in_second = s.transactions;
  std::uint64_t visited = 0;
  LogScan scan = follow({[&] {
                          for (std::size_t i = 2; i < segments_.size(); ++i) copy(segments_[i]);
                        }},
                        &visited);
  EXPECT_EQ(visited, 40u - in_second);
  EXPECT_TRUE(damage(scan).empty()) << problem_text(damage(scan).front());
  ASSERT_EQ(scan.problems.size(), 1u);
  EXPECT_NE(scan.problems[0].what.find("pruning passed this reader"), std::string::npos) << scan.problems[0].what;
}

TEST_F(LogFollowTest, ASegmentTheWriterCutsBackIsReadOnFromTheCut) {
  for (const auto& segment : segments_) copy(segment);
  std::uint64_t last_frame = 0, frames = 0;
  scan_log(log_dir(), [&](const SegmentScan& segment, const Frame& frame) {
    ++frames;
    if (segment.file.number == segments_.back().number) last_frame = frame.offset;
  });
  ASSERT_GT(last_frame, 0u);
  std::string whole = read_bytes(segments_.back().path);
  std::uint64_t records = 0;
  FollowOptions options;
  int step = 0;
  options.wait = [&] {
    // The writer takes its last record back (its store commit failed), then writes it again.
    if (step == 0) write_bytes(copy_of(segments_.back()), whole.substr(0, last_frame));
    if (step == 1) write_bytes(copy_of(segments_.back()), whole);
    return step++ < 2;
  };
  LogScan scan = scan_log(copy_dir(), [&](const SegmentScan&, const Frame&) { ++records; }, options);
  EXPECT_EQ(records, frames + 1);  // the record written again is shown again
  EXPECT_TRUE(damage(scan).empty()) << problem_text(damage(scan).front());
  ASSERT_EQ(scan.problems.size(), 1u);
  EXPECT_NE(scan.problems[0].what.find("cut this segment back"), std::string::npos) << scan.problems[0].what;
  EXPECT_EQ(scan.problems[0].offset, last_frame);
}

TEST_F(LogFollowTest, ARecordTheWriterTookBackAndReplacedIsNoticedAtTheSameSize) {
  for (const auto& segment : segments_) copy(segment);
  // The last segment ends with the closing checkpoint; an earlier checkpoint record of the same
  // size stands in for another record written where the taken-back one was.
  std::uint64_t last_frame = 0, last_end = 0, other_frame = 0, frames = 0;
  scan_log(log_dir(), [&](const SegmentScan& segment, const Frame& frame) {
    ++frames;
    if (segment.file.number != segments_.back().number) return;
    if (frame.type == RecordType::kCheckpoint && last_frame != 0) other_frame = last_frame;
    last_frame = frame.offset;
    last_end = frame.offset + kFrameHeaderSize + frame.stored_size;
  });
  std::string whole = read_bytes(segments_.back().path);
  ASSERT_EQ(last_end, whole.size());
  std::string replaced = whole.substr(0, last_frame) + whole.substr(other_frame, last_end - last_frame);
  ASSERT_EQ(replaced.size(), whole.size());
  ASSERT_NE(replaced, whole);
  std::uint64_t records = 0;
  FollowOptions options;
  int step = 0;
  options.wait = [&] {
    if (step == 0) write_bytes(copy_of(segments_.back()), replaced);
    return step++ < 1;
  };
  LogScan scan = scan_log(copy_dir(), [&](const SegmentScan&, const Frame&) { ++records; }, options);
  EXPECT_EQ(records, frames + 1);
  ASSERT_FALSE(scan.problems.empty());
  EXPECT_NE(scan.problems[0].what.find("cut this segment back"), std::string::npos) << scan.problems[0].what;
}

// A follower lagging behind a live writer whose keep_none retention prunes the segment it is
// reading and every one after it but the active one (pruned explicitly while the follower
// waits): the rest of its own segment is still read, the pruning is a note saying where the
// follower goes on, never damage, and nothing it showed is said to be taken back.
TEST(LogFollowPruningTest, AFollowerPassedByPruningSaysWhereItGoesOn) {
  txgraph::testing::TestDir dir;
  Options options;
  options.initial_settings.rotation_size = 4096;
  options.initial_settings.log_compression_level = 0;
  options.initial_settings.retention_policy = "keep_none";
  options.initial_settings.checkpoint_interval_tx = 0;
  auto db = Database::open(dir.path(), options);
  auto commit = [&](int n) {
    for (int i = 0; i < n; ++i) {
      auto tx = db->begin_write();
      tx.create_node({"Item"}, {{"pad", Value(std::string(300, 'p'))}});
      tx.commit();
    }
  };
  commit(3);
  const std::string log_dir = (dir.path() / "txlog").string();
  const std::string first_segment = list_segments(log_dir).front().path;
  std::vector<std::uint64_t> shown;
  std::uint64_t resumed_at = 0;  // the first tx of the segment left after the pruning
  int waits = 0;
  FollowOptions follow;
  follow.wait = [&] {
    if (waits++ > 0) return false;
    commit(60);
    db->checkpoint();
    auto left = list_segments(log_dir);
    EXPECT_EQ(left.size(), 1u);
    EXPECT_FALSE(std::filesystem::exists(first_segment));
    SegmentReader reader(left.front().path);
    resumed_at = reader.header().first_tx;
    return true;
  };
  LogScan scan = scan_log(log_dir, [&](const SegmentScan&, const Frame& frame) {
    if (frame.type == RecordType::kTransaction) shown.push_back(peek_tx_id(frame.payload));
  }, follow);
  ASSERT_GT(resumed_at, 10u);
  for (const auto& problem : scan.problems) {
    EXPECT_EQ(problem.severity, LogProblem::Severity::kNote) << problem_text(problem);
    EXPECT_EQ(problem.what.find("taken back"), std::string::npos) << problem_text(problem);
  }
  ASSERT_EQ(scan.problems.size(), 1u);
  EXPECT_NE(scan.problems[0].what.find("pruning passed this reader"), std::string::npos) << scan.problems[0].what;
  EXPECT_NE(scan.problems[0].what.find(fmt::format("from tx {}", resumed_at)), std::string::npos)
      << scan.problems[0].what;
  // Its own segment read to the end through the file it had open, then what is left.
  ASSERT_FALSE(shown.empty());
  EXPECT_EQ(shown.back(), 63u);
  for (std::size_t i = 1; i < shown.size(); ++i) {
    EXPECT_GT(shown[i], shown[i - 1]);
    if (shown[i] != shown[i - 1] + 1) {
      EXPECT_EQ(shown[i], resumed_at);
    }
  }
  db->close();
}

}  // namespace
}  // namespace txgraph::txlog
