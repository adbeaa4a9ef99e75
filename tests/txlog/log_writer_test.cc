// The log writer: segment rotation, group commit, and what the log looks like after each way
// an append or a sync can fail (injected through the file layer's fault hook). Also the
// segment listing the writer's segments are found by.
#include "txlog/log_writer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "txlog/log_directory.h"
#include "txlog_test_support.h"

namespace txgraph::txlog {
namespace {

using testing::append_one;
using testing::error_code_of;
using testing::read_segment;
using testing::ScopedFaultHook;
using Next = SegmentReader::Next;

class LogWriterTest : public ::testing::Test {
 protected:
  std::filesystem::path segment_path(std::uint64_t number) const { return dir_ / segment_file_name(number); }

  // Every record in every segment, in log order; fails the test on anything but a clean end.
  std::vector<std::string> all_payloads() const {
    std::vector<std::string> out;
    for (const auto& seg : list_segments(dir_.path().string())) {
      auto back = read_segment(seg.path);
      EXPECT_EQ(back.end, Next::kEnd) << seg.path << ": " << back.problem;
      for (auto& f : back.frames) out.push_back(std::move(f.payload));
    }
    return out;
  }

  txgraph::testing::TestDir dir_;
};

TEST_F(LogWriterTest, RotatesOncePastTheRotationSizeAndNeverSplitsARecord) {
  constexpr std::uint64_t kRotation = 1000;
  auto options = testing::writer_options(dir_.path(), kRotation);
  options.enrichment_generation = 2;
  LogWriter writer(options, 0, 0, 1, 1);
  EXPECT_EQ(writer.active_segment(), 1u);

  std::vector<std::string> payloads;
  std::vector<std::uint64_t> segment_of;  // the segment each record went to
  for (std::uint64_t tx = 1; tx <= 40; ++tx) {
    // Sizes from 20 bytes to one record larger than a whole segment.
    std::size_t size = tx == 17 ? 3 * kRotation : 20 + (tx * 97) % 380;
    std::string payload = "tx " + std::to_string(tx) + " " + std::string(size, static_cast<char>('a' + tx % 26));
    append_one(writer, RecordType::kTransaction, payload, tx);
    payloads.push_back(payload);
    segment_of.push_back(writer.active_segment());
  }

  auto segments = list_segments(dir_.path().string());
  ASSERT_GE(segments.size(), 5u);
  EXPECT_EQ(segments.back().number, writer.active_segment());
  std::size_t record = 0;
  for (std::size_t s = 0; s < segments.size(); ++s) {
    SCOPED_TRACE(segments[s].path);
    EXPECT_EQ(segments[s].number, s + 1) << "segment numbers increase by one";
    auto back = read_segment(segments[s].path);
    ASSERT_EQ(back.end, Next::kEnd) << back.problem;
    ASSERT_FALSE(back.frames.empty()) << "no empty segment is left behind";
    SegmentReader reader(segments[s].path);
    EXPECT_EQ(reader.header().segment_number, segments[s].number);
    EXPECT_EQ(reader.header().database_uuid, testing::test_uuid());
    EXPECT_EQ(reader.header().enrichment_generation, 2u);
    // The header names the tx id passed with the append that opened the segment: the first
    // transaction in it.
    EXPECT_EQ(reader.header().first_tx, record + 1);
    for (const auto& frame : back.frames) {
      ASSERT_LT(record, payloads.size());
      EXPECT_EQ(frame.payload, payloads[record]);
      EXPECT_EQ(segment_of[record], segments[s].number);
      ++record;
    }
    std::uint64_t last_frame = kFrameHeaderSize + back.frames.back().payload.size();
    if (s + 1 < segments.size()) {
      EXPECT_GE(segments[s].bytes, kRotation) << "rotated before the segment was full";
      EXPECT_LT(segments[s].bytes - last_frame, kRotation) << "went on appending to a full segment";
    }
  }
  EXPECT_EQ(record, payloads.size());
}

TEST_F(LogWriterTest, ANewRotationSizeAppliesToTheNextAppend) {
  LogWriter writer(testing::writer_options(dir_.path()), 0, 0, 5, 10);
  append_one(writer, RecordType::kTransaction, "a", 10);
  append_one(writer, RecordType::kTransaction, "b", 11);
  EXPECT_EQ(writer.active_segment(), 5u);

  writer.set_rotation_size(kSegmentHeaderSize + 1);
  EXPECT_EQ(writer.active_segment(), 5u) << "rotation waits for the next append";
  append_one(writer, RecordType::kTransaction, "c", 12);
  EXPECT_EQ(writer.active_segment(), 6u);
  append_one(writer, RecordType::kCheckpoint, "checkpoint", 13);
  EXPECT_EQ(writer.active_segment(), 7u) << "every append to a full segment rotates first";

  SegmentReader six(segment_path(6).string());
  EXPECT_EQ(six.header().first_tx, 12u);
  SegmentReader seven(segment_path(7).string());
  EXPECT_EQ(seven.header().first_tx, 13u);
  EXPECT_EQ(all_payloads(), (std::vector<std::string>{"a", "b", "c", "checkpoint"}));
}

TEST_F(LogWriterTest, ContinuesARecoveredActiveSegment) {
  {
    LogWriter writer(testing::writer_options(dir_.path()), 0, 0, 1, 1);
    append_one(writer, RecordType::kTransaction, "one", 1);
    append_one(writer, RecordType::kTransaction, "two", 2);
  }
  auto size = std::filesystem::file_size(segment_path(1));
  LogWriter writer(testing::writer_options(dir_.path()), 1, size, 2, 3);
  EXPECT_EQ(writer.active_segment(), 1u);
  EXPECT_EQ(writer.written(), 0u);
  auto pos = append_one(writer, RecordType::kTransaction, "three", 3);
  // Its frame carries a one-byte sync mark: the writer synced what it found before going on.
  EXPECT_EQ(pos, kFrameHeaderSize + 1 + 5);
  writer.sync_to(pos);
  EXPECT_EQ(all_payloads(), (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_EQ(list_segments(dir_.path().string()).size(), 1u);
}

TEST_F(LogWriterTest, ListSegmentsGivesSegmentFilesInNumberOrder) {
  for (std::uint64_t n : {10, 2, 100, 1, 9}) testing::write_bytes(segment_path(n), std::string(n, 'x'));
  testing::write_bytes(dir_ / "notes.txt", "not a segment");
  testing::write_bytes(dir_ / (segment_file_name(3) + ".tmp"), "half written");
  testing::write_bytes(dir_ / "000000000000004.seg", "fifteen digits");
  testing::write_bytes(dir_ / segment_file_name(0), "number zero");
  std::filesystem::create_directory(dir_ / segment_file_name(5));

  auto segments = list_segments(dir_.path().string());
  std::vector<std::uint64_t> numbers;
  for (const auto& s : segments) {
    numbers.push_back(s.number);
    EXPECT_EQ(s.path, segment_path(s.number).string());
    EXPECT_EQ(s.bytes, s.number) << "each file holds as many bytes as its number";
  }
  EXPECT_EQ(numbers, (std::vector<std::uint64_t>{1, 2, 9, 10, 100}));

  // A missing folder is an error, not an empty log.
  EXPECT_EQ(error_code_of([&] { list_segments((dir_ / "missing").string()); }), ErrorCode::kIo);
}

TEST_F(LogWriterTest, SyncToSyncsOnlyWhatIsNotYetSynced) {
  LogWriter writer(testing::writer_options(dir_.path()), 0, 0, 1, 1);
  std::atomic<int> syncs{0};
  ScopedFaultHook hook([&](IoOp op, const std::string&, std::size_t*) {
    if (op == IoOp::kSync) ++syncs;
    return 0;
  });
  auto first = append_one(writer, RecordType::kTransaction, "first", 1);
  EXPECT_EQ(syncs, 0) << "append does not sync";
  writer.sync_to(first);
  EXPECT_EQ(syncs, 1);
  writer.sync_to(first);
  writer.sync_to(0);
  EXPECT_EQ(syncs, 1) << "a synced position needs no second fdatasync";
  auto second = append_one(writer, RecordType::kTransaction, "second", 2);
  auto third = append_one(writer, RecordType::kTransaction, "third", 3);
  EXPECT_EQ(third, writer.written());
  writer.sync_to(second);
  EXPECT_EQ(syncs, 2);
  writer.sync_to(third);
  EXPECT_EQ(syncs, 2) << "one fdatasync covers everything written before it";
}

// The first frame after a completed sync carries a sync mark saying how far that sync reached
// (format version 3); frames written while it still holds carry none.
TEST_F(LogWriterTest, SyncMarksSayHowFarTheLastSyncReached) {
  LogWriter writer(testing::writer_options(dir_.path()), 0, 0, 1, 1);
  append_one(writer, RecordType::kTransaction, "one", 1);
  auto two = append_one(writer, RecordType::kTransaction, "two", 2);
  writer.sync_to(two);
  append_one(writer, RecordType::kTransaction, "three", 3);
  append_one(writer, RecordType::kTransaction, "four", 4);
  std::string bytes = testing::read_bytes(segment_path(1));
  std::vector<std::uint64_t> offsets;
  std::vector<FrameHeader> headers;
  for (std::uint64_t at = kSegmentHeaderSize; at + kFrameHeaderSize <= bytes.size();) {
    FrameHeader fh = decode_frame_header(bytes.data() + at);
    if (fh.type == 0) break;
    offsets.push_back(at);
    headers.push_back(fh);
    at += kFrameHeaderSize + fh.length;
  }
  ASSERT_EQ(headers.size(), 4u);
  EXPECT_EQ(headers[0].flags & kFrameFlagSyncMark, 0) << "the header's sync needs no mark";
  EXPECT_EQ(headers[1].flags & kFrameFlagSyncMark, 0);
  ASSERT_NE(headers[2].flags & kFrameFlagSyncMark, 0) << "the first frame after a sync is marked";
  EXPECT_EQ(headers[3].flags & kFrameFlagSyncMark, 0) << "no sync since the last mark";
  std::uint64_t unsynced_before = 99;
  std::string_view stored(bytes.data() + offsets[2] + kFrameHeaderSize, headers[2].length);
  EXPECT_EQ(strip_sync_mark(headers[2].flags, stored, &unsynced_before), "three");
  EXPECT_EQ(unsynced_before, 0u) << "the sync reached the end of frame two, where frame three starts";
  // A reader sees the records as they were given.
  EXPECT_EQ(all_payloads(), (std::vector<std::string>{"one", "two", "three", "four"}));
}

// Committers that arrive while a sync is running wait for it and share the next one.
TEST_F(LogWriterTest, ConcurrentCommittersShareOneSync) {
  LogWriter writer(testing::writer_options(dir_.path()), 0, 0, 1, 1);
  std::vector<LogWriter::Position> positions;
  for (int i = 0; i < 4; ++i) positions.push_back(append_one(writer, RecordType::kTransaction, "tx", 1 + i));

  std::mutex m;
  std::condition_variable cv;
  bool entered = false;
  bool release = false;
  std::atomic<int> syncs{0};
  ScopedFaultHook hook([&](IoOp op, const std::string&, std::size_t*) {
    if (op != IoOp::kSync) return 0;
    ++syncs;
    std::unique_lock lock(m);
    entered = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
    return 0;
  });

  std::atomic<int> returned{0};
  std::vector<std::thread> threads;
  threads.emplace_back([&] {
    writer.sync_to(positions[0]);
    ++returned;
  });
  {
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return entered; });
  }
  for (int i = 1; i < 4; ++i) {
    threads.emplace_back([&, i] {
      writer.sync_to(positions[static_cast<std::size_t>(i)]);
      ++returned;
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(returned, 0) << "nobody returns before the sync they wait for has finished";
  {
    std::lock_guard lock(m);
    release = true;
  }
  cv.notify_all();
  for (auto& t : threads) t.join();
  EXPECT_EQ(returned, 4);
  EXPECT_EQ(syncs, 1) << "the first sync covered everything appended before it";
}

TEST_F(LogWriterTest, GroupCommitUnderLoadSyncsLessThanOncePerCommitAndLosesNothing) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2000;
  // Small segments, so that rotations run while other committers are syncing.
  LogWriter writer(testing::writer_options(dir_.path(), 64 * 1024), 0, 0, 1, 1);
  std::atomic<int> syncs{0};
  ScopedFaultHook hook([&](IoOp op, const std::string&, std::size_t*) {
    if (op == IoOp::kSync) ++syncs;
    return 0;
  });

  std::mutex append_mutex;  // append() belongs to one thread at a time, as in the database
  std::uint64_t next_tx = 1;
  std::atomic<int> committed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        LogWriter::Position pos;
        {
          std::lock_guard lock(append_mutex);
          std::string payload = std::to_string(next_tx) + " " + std::to_string(t) + " " + std::to_string(i);
          pos = append_one(writer, RecordType::kTransaction, payload, next_tx);
          ++next_tx;
        }
        writer.sync_to(pos);
        ++committed;
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(committed, kThreads * kPerThread);
  RecordProperty("fdatasyncs", syncs.load());
  EXPECT_LT(syncs, kThreads * kPerThread);

  // Everything is there, in tx order, each thread's records in its own order, and every
  // segment starts with the tx its header names.
  std::vector<int> seen(kThreads, 0);
  std::uint64_t expected_tx = 1;
  auto segments = list_segments(dir_.path().string());
  EXPECT_GT(segments.size(), 1u);
  for (const auto& seg : segments) {
    SegmentReader reader(seg.path);
    std::uint64_t first_tx = reader.header().first_tx;
    auto back = read_segment(seg.path);
    ASSERT_EQ(back.end, Next::kEnd) << back.problem;
    ASSERT_FALSE(back.frames.empty());
    for (std::size_t f = 0; f < back.frames.size(); ++f) {
      std::uint64_t tx = 0;
      int t = -1;
      int i = -1;
      ASSERT_EQ(std::sscanf(back.frames[f].payload.c_str(), "%" SCNu64 " %d %d", &tx, &t, &i), 3);
      if (f == 0) {
        EXPECT_EQ(tx, first_tx);
      }
      EXPECT_EQ(tx, expected_tx++);
      ASSERT_GE(t, 0);
      ASSERT_LT(t, kThreads);
      EXPECT_EQ(i, seen[static_cast<std::size_t>(t)]++);
    }
  }
  EXPECT_EQ(expected_tx, static_cast<std::uint64_t>(kThreads * kPerThread) + 1);
}

TEST_F(LogWriterTest, DiskFullOnWriteLeavesNothingOfTheRecord) {
  LogWriter writer(testing::writer_options(dir_.path()), 0, 0, 1, 1);
  append_one(writer, RecordType::kTransaction, "one", 1);
  auto two = append_one(writer, RecordType::kTransaction, "two", 2);
  writer.sync_to(two);
  auto size_before = std::filesystem::file_size(segment_path(1));
  {
    ScopedFaultHook hook([](IoOp op, const std::string&, std::size_t*) { return op == IoOp::kWrite ? ENOSPC : 0; });
    EXPECT_EQ(error_code_of([&] { append_one(writer, RecordType::kTransaction, "three", 3); }), ErrorCode::kDiskFull);
    // Said as what it is, with the room left, the folder, and what to do.
    try {
      append_one(writer, RecordType::kTransaction, "three", 3);
    } catch (const Error& e) {
      std::string what = e.what();
      EXPECT_NE(what.find("disk full: "), std::string::npos) << what;
      EXPECT_NE(what.find(" bytes free on " + dir_.path().string()), std::string::npos) << what;
      EXPECT_NE(what.find("free space there or move the database"), std::string::npos) << what;
    }
  }
  EXPECT_EQ(std::filesystem::file_size(segment_path(1)), size_before);
  EXPECT_EQ(writer.written(), two) << "a failed append does not move the position";

  // Space again: the writer goes on, and the log holds only complete records.
  auto three = append_one(writer, RecordType::kTransaction, "three, again", 3);
  writer.sync_to(three);
  EXPECT_EQ(all_payloads(), (std::vector<std::string>{"one", "two", "three, again"}));
}

TEST_F(LogWriterTest, ShortWriteThenErrorIsCutOffAgain) {
  LogWriter writer(testing::writer_options(dir_.path()), 0, 0, 1, 1);
  const std::string payload = "a record that will be written only in part";
  const std::size_t frame = kFrameHeaderSize + payload.size();
  std::vector<std::string> good;
  std::uint64_t tx = 1;
  for (std::size_t written :
       {std::size_t{1}, std::size_t{8}, kFrameHeaderSize - 1, kFrameHeaderSize, kFrameHeaderSize + 1, frame - 1}) {
    for (int err : {ENOSPC, 0}) {
      SCOPED_TRACE(::testing::Message() << written << " bytes, errno " << err);
      auto size_before = std::filesystem::file_size(segment_path(1));
      std::uint64_t size_at_cut = 0;
      {
        ScopedFaultHook hook([&](IoOp op, const std::string& path, std::size_t* short_write) {
          if (op == IoOp::kWrite) {
            *short_write = written;
            return err;
          }
          if (op == IoOp::kTruncate) size_at_cut = std::filesystem::file_size(path);
          return 0;
        });
        // With no errno the short write is an EIO.
        EXPECT_EQ(error_code_of([&] { append_one(writer, RecordType::kTransaction, payload, tx); }),
                  err == ENOSPC ? ErrorCode::kDiskFull : ErrorCode::kIo);
      }
      EXPECT_EQ(size_at_cut, size_before + written) << "the partial frame did reach the file";
      EXPECT_EQ(std::filesystem::file_size(segment_path(1)), size_before) << "and was cut off again";
      std::string next = "good " + std::to_string(tx);
      writer.sync_to(append_one(writer, RecordType::kTransaction, next, tx));
      good.push_back(next);
      ++tx;
    }
  }
  EXPECT_EQ(all_payloads(), good);
}

// If the partial frame cannot be cut off, the tail of the log is unknown: the writer refuses
// everything after, and what is on disk is a torn tail that recovery cuts.
TEST_F(LogWriterTest, ShortWriteThatCannotBeCutOffRefusesFurtherWrites) {
  LogWriter writer(testing::writer_options(dir_.path()), 0, 0, 1, 1);
  auto one = append_one(writer, RecordType::kTransaction, "one", 1);
  writer.sync_to(one);
  auto good_end = std::filesystem::file_size(segment_path(1));
  {
    ScopedFaultHook hook([](IoOp op, const std::string&, std::size_t* short_write) {
      if (op == IoOp::kWrite) {
        *short_write = 10;
        return ENOSPC;
      }
      return op == IoOp::kTruncate ? EIO : 0;
    });
    EXPECT_EQ(error_code_of([&] { append_one(writer, RecordType::kTransaction, "two", 2); }), ErrorCode::kDiskFull);
  }
  EXPECT_EQ(error_code_of([&] { append_one(writer, RecordType::kTransaction, "three", 2); }),
            ErrorCode::kWritesRefused);
  EXPECT_EQ(error_code_of([&] { writer.sync_to(one); }), ErrorCode::kWritesRefused);
  auto back = read_segment(segment_path(1));
  EXPECT_EQ(back.end, Next::kTornTail);
  EXPECT_EQ(back.valid_end, good_end);
  ASSERT_EQ(back.frames.size(), 1u);
  EXPECT_EQ(back.frames[0].payload, "one");
}

TEST_F(LogWriterTest, FailedSyncIsFinal) {
  LogWriter writer(testing::writer_options(dir_.path()), 0, 0, 1, 1);
  auto one = append_one(writer, RecordType::kTransaction, "one", 1);
  auto two = append_one(writer, RecordType::kTransaction, "two", 2);
  {
    ScopedFaultHook hook([](IoOp op, const std::string&, std::size_t*) { return op == IoOp::kSync ? EIO : 0; });
    EXPECT_EQ(error_code_of([&] { writer.sync_to(two); }), ErrorCode::kIo);
  }
  // The kernel may have dropped the dirty pages: a second fdatasync could "succeed" without
  // them, so nothing may be acknowledged or appended any more.
  EXPECT_EQ(error_code_of([&] { writer.sync_to(two); }), ErrorCode::kWritesRefused);
  EXPECT_EQ(error_code_of([&] { writer.sync_to(one); }), ErrorCode::kWritesRefused);
  EXPECT_EQ(error_code_of([&] { append_one(writer, RecordType::kTransaction, "three", 3); }),
            ErrorCode::kWritesRefused);
  EXPECT_EQ(error_code_of([&] { append_one(writer, RecordType::kCheckpoint, "checkpoint", 3); }),
            ErrorCode::kWritesRefused);
}

// A committer waiting on a sync that fails must not be told its record is durable.
TEST_F(LogWriterTest, FailedSyncFailsTheCommittersWaitingOnIt) {
  LogWriter writer(testing::writer_options(dir_.path()), 0, 0, 1, 1);
  auto one = append_one(writer, RecordType::kTransaction, "one", 1);
  auto two = append_one(writer, RecordType::kTransaction, "two", 2);

  std::mutex m;
  std::condition_variable cv;
  bool entered = false;
  bool release = false;
  ScopedFaultHook hook([&](IoOp op, const std::string&, std::size_t*) {
    if (op != IoOp::kSync) return 0;
    std::unique_lock lock(m);
    entered = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
    return EIO;
  });
  ErrorCode leader_code{};
  ErrorCode waiter_code{};
  std::thread leader([&] { leader_code = error_code_of([&] { writer.sync_to(one); }); });
  {
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return entered; });
  }
  std::thread waiter([&] { waiter_code = error_code_of([&] { writer.sync_to(two); }); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  {
    std::lock_guard lock(m);
    release = true;
  }
  cv.notify_all();
  leader.join();
  waiter.join();
  EXPECT_EQ(leader_code, ErrorCode::kIo);
  EXPECT_EQ(waiter_code, ErrorCode::kWritesRefused);
}

// Rotation syncs the old segment before opening the next one; if that sync fails, the records
// in the old segment are as undurable as after a failed sync_to, and the writer must refuse.
TEST_F(LogWriterTest, FailedSyncWhileRotatingIsFinal) {
  LogWriter writer(testing::writer_options(dir_.path(), 100), 0, 0, 1, 1);
  auto one = append_one(writer, RecordType::kTransaction, std::string(50, '1'), 1);  // passes 100 bytes
  {
    int failures = 0;
    ScopedFaultHook hook([&](IoOp op, const std::string&, std::size_t*) {
      if (op == IoOp::kSync && failures == 0) {
        ++failures;
        return EIO;
      }
      return 0;
    });
    EXPECT_EQ(error_code_of([&] { append_one(writer, RecordType::kTransaction, "two", 2); }), ErrorCode::kIo);
    EXPECT_EQ(failures, 1);
  }
  EXPECT_EQ(error_code_of([&] { append_one(writer, RecordType::kTransaction, "two", 2); }), ErrorCode::kWritesRefused);
  EXPECT_EQ(error_code_of([&] { writer.sync_to(one); }), ErrorCode::kWritesRefused);
  EXPECT_EQ(list_segments(dir_.path().string()).size(), 1u);
}

// Creating the next segment can fail (a full disk); the old segment is whole and synced, the
// half-made new one is removed, and the next append tries again.
TEST_F(LogWriterTest, FailedSegmentCreationLeavesTheLogAsItWas) {
  LogWriter writer(testing::writer_options(dir_.path(), 100), 0, 0, 1, 1);
  auto one = append_one(writer, RecordType::kTransaction, std::string(50, '1'), 1);
  const std::string next_segment = segment_path(2).string();
  {
    ScopedFaultHook hook([&](IoOp op, const std::string& path, std::size_t*) {
      return op == IoOp::kWrite && path == next_segment ? ENOSPC : 0;
    });
    EXPECT_EQ(error_code_of([&] { append_one(writer, RecordType::kTransaction, "two", 2); }), ErrorCode::kDiskFull);
  }
  EXPECT_FALSE(std::filesystem::exists(next_segment));
  EXPECT_EQ(writer.active_segment(), 1u);
  writer.sync_to(one);

  auto two = append_one(writer, RecordType::kTransaction, "two", 2);
  writer.sync_to(two);
  EXPECT_EQ(writer.active_segment(), 2u);
  EXPECT_EQ(SegmentReader(next_segment).header().first_tx, 2u);
  EXPECT_EQ(all_payloads(), (std::vector<std::string>{std::string(50, '1'), "two"}));
}

TEST_F(LogWriterTest, UndoAppendRemovesTheLastFrame) {
  LogWriter writer(testing::writer_options(dir_.path()), 0, 0, 1, 1);
  auto one = append_one(writer, RecordType::kTransaction, "one", 1);
  auto end_of_one = std::filesystem::file_size(segment_path(1));
  auto two = append_one(writer, RecordType::kTransaction, "two", 2);

  writer.undo_append(two);
  EXPECT_EQ(std::filesystem::file_size(segment_path(1)), end_of_one);
  EXPECT_EQ(all_payloads(), (std::vector<std::string>{"one"}));

  auto three = append_one(writer, RecordType::kTransaction, "three", 2);
  EXPECT_GT(three, two) << "positions never move back";
  writer.undo_append(one);  // not the last append: nothing happens
  writer.undo_append(two);  // already undone: nothing happens
  EXPECT_EQ(all_payloads(), (std::vector<std::string>{"one", "three"}));

  writer.undo_append(three);
  writer.undo_append(three);  // a second undo of the same frame must not cut "one"
  EXPECT_EQ(all_payloads(), (std::vector<std::string>{"one"}));
  writer.sync_to(three);  // an undone position still counts as reached

  auto four = append_one(writer, RecordType::kTransaction, "four", 2);
  writer.sync_to(four);
  EXPECT_EQ(all_payloads(), (std::vector<std::string>{"one", "four"}));
}

TEST_F(LogWriterTest, UndoOfTheFirstRecordInANewSegmentLeavesItEmpty) {
  LogWriter writer(testing::writer_options(dir_.path(), 100), 0, 0, 1, 1);
  append_one(writer, RecordType::kTransaction, std::string(50, '1'), 1);
  auto two = append_one(writer, RecordType::kTransaction, "two", 2);
  ASSERT_EQ(writer.active_segment(), 2u);
  writer.undo_append(two);
  EXPECT_EQ(std::filesystem::file_size(segment_path(2)), kSegmentHeaderSize);
  auto back = read_segment(segment_path(2));
  EXPECT_EQ(back.end, Next::kEnd);
  EXPECT_TRUE(back.frames.empty());

  append_one(writer, RecordType::kTransaction, "two, again", 2);
  EXPECT_EQ(writer.active_segment(), 2u);
  EXPECT_EQ(all_payloads(), (std::vector<std::string>{std::string(50, '1'), "two, again"}));
}

TEST_F(LogWriterTest, RecordOverTheSizeLimitIsRefusedBeforeAnythingIsWritten) {
  LogWriter writer(testing::writer_options(dir_.path()), 0, 0, 1, 1);
  append_one(writer, RecordType::kTransaction, "small", 1);
  auto size_before = std::filesystem::file_size(segment_path(1));
  auto written_before = writer.written();
  // 1025 views of one 1 MiB buffer: a payload just over the 1 GiB limit without the memory.
  const std::string mib(1 << 20, 'm');
  std::vector<std::string_view> parts(1025, mib);
  EXPECT_EQ(error_code_of([&] { writer.append(RecordType::kTransaction, parts, 2); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(std::filesystem::file_size(segment_path(1)), size_before);
  EXPECT_EQ(writer.written(), written_before);
  writer.sync_to(append_one(writer, RecordType::kTransaction, "next", 2));
  EXPECT_EQ(all_payloads(), (std::vector<std::string>{"small", "next"}));
}

}  // namespace
}  // namespace txgraph::txlog
