// Compressed records: one zstd stream per segment with restart points, read back in order.
#include "txlog/record_compression.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "test_dir.h"
#include "txlog/log_directory.h"
#include "txlog/log_writer.h"
#include "txlog/segment_reader.h"
#include "txlog_test_support.h"

namespace txgraph::txlog {
namespace {

using ::txgraph::testing::TestDir;
using testing::append_one;
using testing::read_segment;
using testing::writer_options;

std::string record(int i) {
  return "{\"op\":\"create_node\",\"labels\":[\"Person\"],\"id\":" + std::to_string(i) +
         ",\"name\":\"person number " + std::to_string(i * 7919 % 1000) + "\"}";
}

LogWriterOptions compressed(const TestDir& dir, std::uint64_t rotation = 64ull << 20) {
  auto o = writer_options(dir.path(), rotation);
  o.compression_level = 3;
  return o;
}

TEST(RecordCompression, SmallRecordsCompressAgainstEachOtherAndReadBack) {
  TestDir dir;
  std::uint64_t raw = 0;
  {
    LogWriter writer(compressed(dir), 0, 0, 1, 1);
    for (int i = 0; i < 5000; ++i) {
      raw += record(i).size();
      append_one(writer, RecordType::kTransaction, record(i));
    }
  }
  auto seg = list_segments(dir.path().string()).front();
  auto back = read_segment(seg.path);
  ASSERT_EQ(back.end, SegmentReader::Next::kEnd) << back.problem;
  ASSERT_EQ(back.frames.size(), 5000u);
  std::uint64_t stored = 0;
  int restarts = 0;
  for (int i = 0; i < 5000; ++i) {
    EXPECT_EQ(back.frames[static_cast<std::size_t>(i)].payload, record(i));
    EXPECT_TRUE(back.frames[static_cast<std::size_t>(i)].flags & kFrameFlagCompressed);
    stored += back.frames[static_cast<std::size_t>(i)].stored_size;
    restarts += (back.frames[static_cast<std::size_t>(i)].flags & kFrameFlagRestart) != 0;
  }
  EXPECT_TRUE(back.frames[0].flags & kFrameFlagRestart);
  // A restart every 256 KiB of records, not more often.
  EXPECT_EQ(restarts, static_cast<int>(raw / kRestartInterval) + 1);
  EXPECT_LT(stored * 2, raw) << "small records must compress to less than half";
}

TEST(RecordCompression, EverySegmentStartsWithARestart) {
  TestDir dir;
  {
    LogWriter writer(compressed(dir, 8192), 0, 0, 1, 1);
    for (int i = 0; i < 3000; ++i) append_one(writer, RecordType::kTransaction, record(i), static_cast<std::uint64_t>(i + 1));
  }
  auto segs = list_segments(dir.path().string());
  ASSERT_GT(segs.size(), 2u);
  int total = 0;
  for (const auto& seg : segs) {
    auto back = read_segment(seg.path);  // each segment on its own
    ASSERT_EQ(back.end, SegmentReader::Next::kEnd) << seg.path << ": " << back.problem;
    ASSERT_FALSE(back.frames.empty());
    EXPECT_TRUE(back.frames[0].flags & kFrameFlagRestart) << seg.path;
    for (const auto& f : back.frames) EXPECT_EQ(f.payload, record(total++));
  }
  EXPECT_EQ(total, 3000);
}

TEST(RecordCompression, AnUndoneRecordIsNotReferredToLater) {
  TestDir dir;
  {
    LogWriter writer(compressed(dir), 0, 0, 1, 1);
    append_one(writer, RecordType::kTransaction, record(1));
    auto end = append_one(writer, RecordType::kTransaction, record(2) + record(2));
    writer.undo_append(end);
    // Would refer back to the undone record's bytes if the stream had not restarted.
    append_one(writer, RecordType::kTransaction, record(2) + record(2));
    append_one(writer, RecordType::kTransaction, record(3));
  }
  auto back = read_segment(list_segments(dir.path().string()).front().path);
  ASSERT_EQ(back.end, SegmentReader::Next::kEnd) << back.problem;
  ASSERT_EQ(back.frames.size(), 3u);
  EXPECT_EQ(back.frames[1].payload, record(2) + record(2));
  EXPECT_TRUE(back.frames[1].flags & kFrameFlagRestart);
}

TEST(RecordCompression, AReopenedWriterRestartsTheStream) {
  TestDir dir;
  std::uint64_t end = 0;
  {
    LogWriter writer(compressed(dir), 0, 0, 1, 1);
    append_one(writer, RecordType::kTransaction, record(1));
    end = std::filesystem::file_size(list_segments(dir.path().string()).front().path);
  }
  {
    LogWriter writer(compressed(dir), 1, end, 2, 2);
    append_one(writer, RecordType::kTransaction, record(1));
  }
  auto back = read_segment(list_segments(dir.path().string()).front().path);
  ASSERT_EQ(back.end, SegmentReader::Next::kEnd) << back.problem;
  ASSERT_EQ(back.frames.size(), 2u);
  EXPECT_TRUE(back.frames[1].flags & kFrameFlagRestart);
  EXPECT_EQ(back.frames[1].payload, record(1));
}

TEST(RecordCompression, DecompressorRefusesGarbageAndMissingRestart) {
  StreamCompressor c(3);
  std::string stored;
  std::string a = record(1);
  std::string_view parts[] = {a};
  auto flags = c.compress(parts, a.size(), &stored);
  ASSERT_TRUE(flags & kFrameFlagRestart);
  std::string out;
  StreamDecompressor fresh;
  EXPECT_THROW(fresh.decompress(kFrameFlagCompressed, stored, &out), Error) << "no restart point seen yet";
  StreamDecompressor d;
  std::string bad = stored;
  bad[bad.size() / 2] ^= 0x55;
  bool threw = false;
  try {
    d.decompress(flags, bad, &out);
    threw = out != a;  // a flipped bit must never pass unnoticed as the same record
  } catch (const Error& e) {
    threw = e.code() == ErrorCode::kCorruption;
  }
  EXPECT_TRUE(threw);
  StreamDecompressor ok;
  ok.decompress(flags, stored, &out);
  EXPECT_EQ(out, a);
  EXPECT_THROW(StreamCompressor(99), Error);
}

TEST(RecordCompression, LevelZeroStoresRecordsAsTheyAre) {
  TestDir dir;
  {
    LogWriter writer(writer_options(dir.path()), 0, 0, 1, 1);
    append_one(writer, RecordType::kTransaction, record(5));
  }
  auto back = read_segment(list_segments(dir.path().string()).front().path);
  ASSERT_EQ(back.frames.size(), 1u);
  EXPECT_EQ(back.frames[0].flags, 0);
  EXPECT_EQ(back.frames[0].stored_size, record(5).size());
}

}  // namespace
}  // namespace txgraph::txlog

namespace txgraph::txlog {
namespace {

// A damaged length field must not pass for a torn tail just because the only whole frame
// after it is a compression restart point.
TEST(RecordCompression, DamagedLengthBeforeARestartFrameIsDamage) {
  ::txgraph::testing::TestDir dir;
  std::uint64_t second_frame = 0;
  std::uint64_t end = 0;
  {
    LogWriter writer(compressed(dir), 0, 0, 1, 1);
    append_one(writer, RecordType::kTransaction, record(1));
    second_frame = std::filesystem::file_size(list_segments(dir.path().string()).front().path);
    append_one(writer, RecordType::kTransaction, record(2));
    end = std::filesystem::file_size(list_segments(dir.path().string()).front().path);
  }
  {
    LogWriter writer(compressed(dir), 1, end, 2, 3);  // a reopened writer restarts the stream
    append_one(writer, RecordType::kTransaction, record(3), 3);
  }
  auto path = list_segments(dir.path().string()).front().path;
  std::string bytes = testing::read_bytes(path);
  bytes[second_frame + 2] = '\x10';  // the second frame's length now runs 1 MiB past the end
  testing::write_bytes(path, bytes);
  auto back = read_segment(path);
  EXPECT_EQ(back.end, SegmentReader::Next::kCorrupt) << back.problem;
  EXPECT_EQ(back.problem_offset, second_frame);
}

}  // namespace
}  // namespace txgraph::txlog
