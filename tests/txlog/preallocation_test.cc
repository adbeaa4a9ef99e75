// The writer's preallocated zeros (LogWriterOptions::preallocate): readers take them for the
// end of the log, a closed segment is cut back to its last record, and undoing or failing an
// append leaves nothing of the frame behind the zeros.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "txlog/log_directory.h"
#include "txlog/log_writer.h"
#include "txlog_test_support.h"

namespace txgraph::txlog {
namespace {

using testing::append_one;
using testing::read_segment;
using Next = SegmentReader::Next;
namespace fs = std::filesystem;

LogWriterOptions preallocating(const fs::path& dir, std::uint64_t rotation_size) {
  auto options = testing::writer_options(dir, rotation_size);
  options.preallocate = true;
  return options;
}

std::string record(int i) { return "record " + std::to_string(i) + std::string(200, static_cast<char>('a' + i % 26)); }

TEST(Preallocation, TheActiveSegmentEndsInZerosThatReadAsTheEnd) {
  txgraph::testing::TestDir dir;
  LogWriter writer(preallocating(dir.path(), 64ull << 20), 0, 0, 1, 1);
  for (int i = 0; i < 10; ++i) append_one(writer, RecordType::kTransaction, record(i), 1 + i);
  auto path = dir / segment_file_name(1);
  auto back = read_segment(path);
  ASSERT_EQ(back.frames.size(), 10u) << back.problem;
  EXPECT_EQ(back.end, Next::kEnd);
  EXPECT_TRUE(back.tail_is_zeros);
  EXPECT_GE(fs::file_size(path), back.valid_end + kPreallocateChunk);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(back.frames[static_cast<std::size_t>(i)].payload, record(i));

  writer.trim_preallocated();
  auto trimmed = read_segment(path);
  EXPECT_EQ(trimmed.frames.size(), 10u);
  EXPECT_FALSE(trimmed.tail_is_zeros);
  EXPECT_EQ(fs::file_size(path), trimmed.valid_end);
  // The writer goes on after a trim, and preallocates again.
  append_one(writer, RecordType::kTransaction, record(10), 11);
  auto more = read_segment(path);
  EXPECT_EQ(more.frames.size(), 11u);
  EXPECT_TRUE(more.tail_is_zeros);
}

TEST(Preallocation, AClosedSegmentIsCutBackToItsLastRecord) {
  txgraph::testing::TestDir dir;
  LogWriter writer(preallocating(dir.path(), 32 * 1024), 0, 0, 1, 1);
  int i = 0;
  while (writer.active_segment() < 3) {
    append_one(writer, RecordType::kTransaction, record(i), 1 + static_cast<std::uint64_t>(i));
    ++i;
  }
  auto segments = list_segments(dir.path().string());
  ASSERT_EQ(segments.size(), 3u);
  std::size_t frames = 0;
  for (const auto& seg : segments) {
    SCOPED_TRACE(seg.path);
    auto back = read_segment(seg.path);
    EXPECT_EQ(back.end, Next::kEnd) << back.problem;
    frames += back.frames.size();
    if (seg.number < 3) {
      EXPECT_FALSE(back.tail_is_zeros);
      EXPECT_EQ(fs::file_size(seg.path), back.valid_end);
    } else {
      EXPECT_TRUE(back.tail_is_zeros);
      EXPECT_GT(fs::file_size(seg.path), back.valid_end);
    }
  }
  EXPECT_EQ(frames, static_cast<std::size_t>(i));
}

// A crash leaves the zeros in the active segment. The next writer continues it; when its
// first append rotates at once (the segment was already full), the segment it closes must
// still be cut back to its last record.
TEST(Preallocation, ZerosLeftByACrashAreCutWhenTheContinuedSegmentCloses) {
  txgraph::testing::TestDir dir;
  auto path = dir / segment_file_name(1);
  {
    LogWriter writer(preallocating(dir.path(), 64ull << 20), 0, 0, 1, 1);
    for (int i = 0; i < 100; ++i) append_one(writer, RecordType::kTransaction, record(i), 1 + i);
  }  // no trim: what a kill -9 leaves
  auto crashed = read_segment(path);
  ASSERT_EQ(crashed.frames.size(), 100u);
  ASSERT_TRUE(crashed.tail_is_zeros);
  ASSERT_GT(crashed.valid_end, 16u * 1024);
  {
    LogWriter writer(preallocating(dir.path(), 16 * 1024), 1, crashed.valid_end, 2, 101);
    append_one(writer, RecordType::kTransaction, record(100), 101);
    EXPECT_EQ(writer.active_segment(), 2u);
  }
  auto closed = read_segment(path);
  EXPECT_EQ(closed.frames.size(), 100u);
  EXPECT_FALSE(closed.tail_is_zeros);
  EXPECT_EQ(fs::file_size(path), closed.valid_end);

  // And a continued segment that is closed cleanly is trimmed of the old zeros too.
  txgraph::testing::TestDir other;
  auto other_path = other / segment_file_name(1);
  {
    LogWriter writer(preallocating(other.path(), 64ull << 20), 0, 0, 1, 1);
    append_one(writer, RecordType::kTransaction, record(0), 1);
  }
  auto left = read_segment(other_path);
  ASSERT_TRUE(left.tail_is_zeros);
  LogWriter writer(preallocating(other.path(), 64ull << 20), 1, left.valid_end, 2, 2);
  writer.trim_preallocated();
  EXPECT_EQ(fs::file_size(other_path), left.valid_end);
}

TEST(Preallocation, AnUndoneAppendLeavesNothingBetweenItsNeighbours) {
  txgraph::testing::TestDir dir;
  LogWriter writer(preallocating(dir.path(), 64ull << 20), 0, 0, 1, 1);
  append_one(writer, RecordType::kTransaction, record(0), 1);
  auto end = append_one(writer, RecordType::kTransaction, record(1), 2);
  writer.undo_append(end);
  auto path = dir / segment_file_name(1);
  auto cut = read_segment(path);
  ASSERT_EQ(cut.frames.size(), 1u);
  EXPECT_EQ(cut.end, Next::kEnd);
  append_one(writer, RecordType::kTransaction, record(2), 2);
  auto back = read_segment(path);
  ASSERT_EQ(back.frames.size(), 2u) << back.problem;
  EXPECT_EQ(back.frames[0].payload, record(0));
  EXPECT_EQ(back.frames[1].payload, record(2));
  EXPECT_TRUE(back.tail_is_zeros);
}

TEST(Preallocation, AFailedAppendLeavesNoFrameBeforeTheZeros) {
  txgraph::testing::TestDir dir;
  LogWriter writer(preallocating(dir.path(), 64ull << 20), 0, 0, 1, 1);
  append_one(writer, RecordType::kTransaction, record(0), 1);
  {
    // The next record's write reaches the file in part, then fails.
    testing::ScopedFaultHook hook([](IoOp op, const std::string&, std::size_t* short_write) {
      if (op != IoOp::kWrite) return 0;
      *short_write = 20;
      return ENOSPC;
    });
    EXPECT_THROW(append_one(writer, RecordType::kTransaction, record(1), 2), Error);
  }
  append_one(writer, RecordType::kTransaction, record(2), 2);
  auto back = read_segment(dir / segment_file_name(1));
  ASSERT_EQ(back.frames.size(), 2u) << back.problem;
  EXPECT_EQ(back.frames[1].payload, record(2));
  EXPECT_EQ(back.end, Next::kEnd);
}

TEST(Preallocation, SmallSegmentsAreNotPreallocated) {
  txgraph::testing::TestDir dir;
  LogWriter writer(preallocating(dir.path(), 4096), 0, 0, 1, 1);
  append_one(writer, RecordType::kTransaction, record(0), 1);
  auto back = read_segment(dir / segment_file_name(1));
  EXPECT_FALSE(back.tail_is_zeros);
  EXPECT_EQ(fs::file_size(dir / segment_file_name(1)), back.valid_end);
}

}  // namespace
}  // namespace txgraph::txlog
