// Reading the frames of a segment back, and telling damage apart from a torn tail: recovery
// cuts a torn tail off silently but refuses to open on damage, so a misclassification either
// loses acknowledged transactions or makes a database unopenable after an ordinary crash.
// The segments are written by LogWriter, then damaged byte by byte.
#include "txlog/segment_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "txlog/tx_record.h"
#include "txlog_test_support.h"

namespace txgraph::txlog {
namespace {

using testing::read_bytes;
using testing::read_segment;
using testing::write_bytes;
using Next = SegmentReader::Next;

void put_u32(std::string& bytes, std::uint64_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) bytes[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

std::uint32_t get_u32(const std::string& bytes, std::uint64_t at) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
  return v;
}

class SegmentReaderTest : public ::testing::Test {
 protected:
  static constexpr std::uint64_t kFirstTx = 41;
  static constexpr std::uint64_t kGeneration = 3;

  std::filesystem::path segment_path() const { return dir_ / segment_file_name(1); }

  // Writes `count` records of assorted types and sizes to segment 1 and notes where each frame
  // starts; `end_` is the size of the whole file. Each record is synced before the next is
  // written, as acknowledged commits are, so the frames' sync marks tell a reader that every
  // record but the last was durable; with `synced` false nothing is synced.
  void write_records(int count, bool synced = true) {
    auto options = testing::writer_options(dir_.path());
    options.enrichment_generation = kGeneration;
    LogWriter writer(options, 0, 0, 1, kFirstTx);
    for (int i = 0; i < count; ++i) {
      RecordType type = i % 3 == 1 ? RecordType::kCheckpoint : RecordType::kTransaction;
      std::string payload =
          type == RecordType::kCheckpoint
              ? encode_checkpoint({static_cast<std::uint64_t>(i), 1000 + i})
              : "record " + std::to_string(i) + std::string(static_cast<std::size_t>(i * 37 % 90), 'a' + i % 26);
      auto position = testing::append_one(writer, type, payload, kFirstTx + static_cast<std::uint64_t>(i));
      if (synced) writer.sync_to(position);
      types_.push_back(type);
      payloads_.push_back(payload);
    }
    original_ = read_bytes(segment_path());
    std::uint64_t offset = kSegmentHeaderSize;
    for (int i = 0; i < count; ++i) {
      offsets_.push_back(offset);
      offset += kFrameHeaderSize + get_u32(original_, offset);
    }
    end_ = offset;
    ASSERT_EQ(original_.size(), end_);
  }

  // Reads the damaged copy `bytes` and checks that the first `good` records come back intact.
  testing::ReadBack read_damaged(const std::string& bytes, std::size_t good) {
    write_bytes(segment_path(), bytes);
    auto back = read_segment(segment_path());
    EXPECT_EQ(back.frames.size(), good) << back.problem;
    for (std::size_t i = 0; i < std::min(good, back.frames.size()); ++i) {
      EXPECT_EQ(back.frames[i].payload, payloads_[i]);
      EXPECT_EQ(back.frames[i].offset, offsets_[i]);
    }
    return back;
  }

  // Asserts the reader calls the damage at frame `index` a torn tail ending the good data there.
  void expect_torn_at(const std::string& bytes, std::size_t index) {
    auto back = read_damaged(bytes, index);
    EXPECT_EQ(back.end, Next::kTornTail) << back.problem;
    EXPECT_EQ(back.valid_end, offsets_[index]);
  }

  // Asserts the reader reports damage at frame `index` (with data after it: not a torn tail).
  void expect_corrupt_at(const std::string& bytes, std::size_t index) {
    auto back = read_damaged(bytes, index);
    EXPECT_EQ(back.end, Next::kCorrupt);
    EXPECT_EQ(back.problem_offset, offsets_[index]);
    EXPECT_FALSE(back.problem.empty());
  }

  txgraph::testing::TestDir dir_;
  std::vector<RecordType> types_;
  std::vector<std::string> payloads_;
  std::vector<std::uint64_t> offsets_;
  std::uint64_t end_ = 0;
  std::string original_;
};

TEST_F(SegmentReaderTest, RecordsComeBackInOrderWithTheirTypesAndPayloads) {
  write_records(7);
  SegmentReader reader(segment_path().string());
  ASSERT_EQ(reader.header_status(), HeaderStatus::kOk);
  EXPECT_EQ(reader.header().database_uuid, testing::test_uuid());
  EXPECT_EQ(reader.header().segment_number, 1u);
  EXPECT_EQ(reader.header().first_tx, kFirstTx);
  EXPECT_EQ(reader.header().enrichment_generation, kGeneration);
  EXPECT_EQ(reader.header().created_us, 1795000000000000);
  EXPECT_EQ(reader.file_size(), end_);

  Frame frame;
  for (std::size_t i = 0; i < payloads_.size(); ++i) {
    ASSERT_EQ(reader.next(&frame), Next::kRecord) << reader.problem();
    EXPECT_EQ(frame.type, types_[i]);
    EXPECT_EQ(frame.payload, payloads_[i]);
    EXPECT_EQ(frame.offset, offsets_[i]);
    EXPECT_EQ(frame.flags & ~kFrameFlagSyncMark, 0);
    EXPECT_EQ(reader.valid_end(), i + 1 < offsets_.size() ? offsets_[i + 1] : end_);
    if (frame.type == RecordType::kCheckpoint) {
      EXPECT_EQ(decode_checkpoint(frame.payload).last_applied_tx, i);
    }
  }
  EXPECT_EQ(reader.next(&frame), Next::kEnd);
  EXPECT_EQ(reader.next(&frame), Next::kEnd);
  EXPECT_EQ(reader.valid_end(), end_);
}

TEST_F(SegmentReaderTest, HeaderOnlySegmentEndsAtOnce) {
  write_records(0);
  auto back = read_segment(segment_path());
  EXPECT_EQ(back.end, Next::kEnd);
  EXPECT_TRUE(back.frames.empty());
  EXPECT_EQ(back.valid_end, kSegmentHeaderSize);
}

TEST_F(SegmentReaderTest, PayloadPartsAndEmptyAndLargeRecordsReadBackWhole) {
  // Larger than the reader's 256 KiB read chunk, between small records, so a frame crosses
  // chunk boundaries and the buffer is refilled mid-file.
  std::string large(700 * 1024, '\0');
  for (std::size_t i = 0; i < large.size(); ++i) large[i] = static_cast<char>(i * 131 % 251);
  {
    LogWriter writer(testing::writer_options(dir_.path()), 0, 0, 1, 1);
    std::string_view parts[] = {"head-", "", "middle-", "tail"};
    writer.append(RecordType::kTransaction, parts, 1);
    testing::append_one(writer, RecordType::kTransaction, "", 2);
    testing::append_one(writer, RecordType::kTransaction, large, 3);
    testing::append_one(writer, RecordType::kCheckpoint, "after", 4);
    testing::append_one(writer, RecordType::kTransaction, large.substr(1000), 4);
  }
  auto back = read_segment(segment_path());
  EXPECT_EQ(back.end, Next::kEnd) << back.problem;
  ASSERT_EQ(back.frames.size(), 5u);
  EXPECT_EQ(back.frames[0].payload, "head-middle-tail");
  EXPECT_EQ(back.frames[1].payload, "");
  EXPECT_EQ(back.frames[2].payload, large);
  EXPECT_EQ(back.frames[3].payload, "after");
  EXPECT_EQ(back.frames[3].type, RecordType::kCheckpoint);
  EXPECT_EQ(back.frames[4].payload, large.substr(1000));
}

TEST_F(SegmentReaderTest, BadLengthInAMiddleRecordIsCorrupt) {
  write_records(6);
  const std::uint64_t at = offsets_[2];
  const std::uint32_t length = get_u32(original_, at);
  const std::uint32_t bad_lengths[] = {
      length + 1,                        // still inside the file: checksum mismatch
      length - 1,                        // shorter: checksum mismatch
      0,                                 // no payload
      static_cast<std::uint32_t>(end_),  // runs past the end of the file
      length + (1u << 16),               // one flipped bit in the third byte: past the end
      kMaxRecordSize + 1,                // implausible
      0xffffffffu,                       // implausible
  };
  for (std::uint32_t bad : bad_lengths) {
    SCOPED_TRACE(bad);
    std::string bytes = original_;
    put_u32(bytes, at, bad);
    expect_corrupt_at(bytes, 2);
  }
}

TEST_F(SegmentReaderTest, ChecksumMismatchInAMiddleRecordIsCorrupt) {
  write_records(6);
  const std::uint64_t at = offsets_[3];
  for (std::uint64_t pos : {at + kFrameHeaderSize, at + kFrameHeaderSize + payloads_[3].size() - 1}) {
    for (int bit : {0, 7}) {
      std::string bytes = original_;
      bytes[pos] = static_cast<char>(bytes[pos] ^ (1 << bit));
      expect_corrupt_at(bytes, 3);
    }
  }
  {
    std::string bytes = original_;
    bytes[at + 8] = static_cast<char>(bytes[at + 8] ^ 1);  // the stored checksum itself
    expect_corrupt_at(bytes, 3);
  }
  {
    std::string bytes = original_;
    bytes[at + 4] = static_cast<char>(RecordType::kCheckpoint);  // another known type
    expect_corrupt_at(bytes, 3);
  }
  {
    std::string bytes = original_;
    bytes[at + 4] = 0x7f;  // an unknown type
    expect_corrupt_at(bytes, 3);
  }
  {
    std::string bytes = original_;
    bytes[at + 5] = static_cast<char>(kFrameFlagCompressed);  // flags are covered by the checksum
    expect_corrupt_at(bytes, 3);
  }
}

TEST_F(SegmentReaderTest, TruncatedTrailingRecordIsATornTail) {
  write_records(5);
  const std::uint64_t last = offsets_.back();
  for (std::uint64_t cut = last + 1; cut < end_; ++cut) {
    SCOPED_TRACE(cut);
    expect_torn_at(original_.substr(0, cut), offsets_.size() - 1);
  }
  // Cut exactly between two frames: a clean, shorter log.
  auto back = read_damaged(original_.substr(0, last), offsets_.size() - 1);
  EXPECT_EQ(back.end, Next::kEnd);
  EXPECT_EQ(back.valid_end, last);
}

// A large last record cut short: the reader looks through what is left of it for frames that
// would prove its length field damaged, finds none, and calls it a torn tail.
TEST_F(SegmentReaderTest, LargeTruncatedTrailingRecordIsATornTail) {
  std::string large(900 * 1024, '\0');
  for (std::size_t i = 0; i < large.size(); ++i) large[i] = static_cast<char>(i * 7 % 253);
  {
    LogWriter writer(testing::writer_options(dir_.path()), 0, 0, 1, 1);
    testing::append_one(writer, RecordType::kTransaction, "before", 1);
    testing::append_one(writer, RecordType::kTransaction, large, 2);
  }
  const std::string whole = read_bytes(segment_path());
  const std::uint64_t last = kSegmentHeaderSize + kFrameHeaderSize + 6;
  for (std::uint64_t cut : {last + kFrameHeaderSize + 1, last + 300 * 1024, std::uint64_t{whole.size()} - 1}) {
    SCOPED_TRACE(cut);
    write_bytes(segment_path(), whole.substr(0, cut));
    auto back = read_segment(segment_path());
    EXPECT_EQ(back.end, Next::kTornTail) << back.problem;
    EXPECT_EQ(back.valid_end, last);
    ASSERT_EQ(back.frames.size(), 1u);
    EXPECT_EQ(back.frames[0].payload, "before");
  }
}

TEST_F(SegmentReaderTest, DamageInTheLastFrameOnlyIsATornTail) {
  write_records(5);
  const std::uint64_t last = offsets_.back();
  for (std::uint64_t pos = last + kFrameHeaderSize; pos < end_; ++pos) {
    SCOPED_TRACE(pos);
    std::string bytes = original_;
    bytes[pos] = static_cast<char>(bytes[pos] ^ 0x10);
    expect_torn_at(bytes, offsets_.size() - 1);
  }
  std::string bytes = original_;
  bytes[last + 15] = static_cast<char>(bytes[last + 15] ^ 0x80);  // its checksum
  expect_torn_at(bytes, offsets_.size() - 1);
}

TEST_F(SegmentReaderTest, ZeroedRegionInTheMiddleIsCorrupt) {
  write_records(6);
  struct Region {
    std::uint64_t from, to;
    std::size_t damaged_frame;
  };
  const Region regions[] = {
      {offsets_[2], offsets_[3], 2},                             // one whole frame
      {offsets_[2], offsets_[4], 2},                             // two whole frames
      {offsets_[2] + 3, offsets_[2] + 9, 2},                     // inside a frame header
      {offsets_[2] + kFrameHeaderSize + 2, offsets_[3] + 5, 2},  // from a payload into the next header
      {offsets_[4] + kFrameHeaderSize, offsets_[4] + kFrameHeaderSize + 4, 4},
  };
  for (const auto& r : regions) {
    SCOPED_TRACE(::testing::Message() << r.from << ".." << r.to);
    std::string bytes = original_;
    std::memset(bytes.data() + r.from, 0, r.to - r.from);
    expect_corrupt_at(bytes, r.damaged_frame);
  }
}

// The same damage where no sync had reached (a power cut while the first sync was in flight
// keeps some of the pages written and loses others): the unsynced end of the log, a torn tail
// at the first bad frame, whatever follows it.
TEST_F(SegmentReaderTest, DamageThatNoSyncReachedIsAnUnsyncedTail) {
  write_records(6, /*synced=*/false);
  const std::uint64_t at = offsets_[2];
  std::string zeroed = original_;
  std::memset(zeroed.data() + at, 0, offsets_[3] - at);
  expect_torn_at(zeroed, 2);
  std::string flipped = original_;
  flipped[at + kFrameHeaderSize] = static_cast<char>(flipped[at + kFrameHeaderSize] ^ 1);
  auto back = read_damaged(flipped, 2);
  EXPECT_EQ(back.end, Next::kTornTail) << back.problem;
  EXPECT_NE(back.problem.find("no sync reached it"), std::string::npos) << back.problem;
}

// Synced records, then unsynced ones: damage is damage up to where the last sync reached, and
// an unsynced tail after it.
TEST_F(SegmentReaderTest, DamageIsToldFromAnUnsyncedTailByTheSyncMarks) {
  auto options = testing::writer_options(dir_.path());
  LogWriter writer(options, 0, 0, 1, kFirstTx);
  std::vector<std::uint64_t> offsets;
  for (int i = 0; i < 8; ++i) {
    offsets.push_back(read_bytes(segment_path()).size());
    std::string payload = "record " + std::to_string(i) + std::string(50, 'x');
    auto position = testing::append_one(writer, RecordType::kTransaction, payload, kFirstTx + i);
    if (i < 4) writer.sync_to(position);  // records 0-3 synced; 4-7 written, never synced
  }
  const std::string original = read_bytes(segment_path());
  for (int bad = 0; bad < 8; ++bad) {
    SCOPED_TRACE(bad);
    std::string bytes = original;
    bytes[offsets[bad] + kFrameHeaderSize + 3] = static_cast<char>(bytes[offsets[bad] + kFrameHeaderSize + 3] ^ 4);
    write_bytes(segment_path(), bytes);
    auto back = read_segment(segment_path());
    EXPECT_EQ(back.frames.size(), static_cast<std::size_t>(bad));
    // Record 4 is the first written after the last completed sync, which reached its start:
    // its mark shows that records 0-3 were durable. Nothing after it says record 4 was.
    EXPECT_EQ(back.end, bad < 4 ? Next::kCorrupt : Next::kTornTail) << back.problem;
  }
}

// What a crash (or a power cut losing unsynced appends) leaves: from some offset on, only zeros.
TEST_F(SegmentReaderTest, ZerosFromAnyOffsetToTheEndAreATornTail) {
  write_records(5);
  for (std::uint64_t from = offsets_[1]; from < end_; ++from) {
    SCOPED_TRACE(from);
    // The first frame the zeros change (a payload may already end in zero bytes).
    std::uint64_t changed = from;
    while (changed < end_ && original_[changed] == '\0') ++changed;
    std::string bytes = original_;
    std::memset(bytes.data() + from, 0, end_ - from);
    if (changed == end_) {  // nothing changed: the log is whole
      EXPECT_EQ(read_damaged(bytes, offsets_.size()).end, Next::kEnd);
      continue;
    }
    std::size_t frame = 0;
    while (frame + 1 < offsets_.size() && offsets_[frame + 1] <= changed) ++frame;
    if (from <= offsets_[frame]) {  // the zeros cover the frame from its header on
      // Whole frames gone, from a frame boundary on: no record was cut short, the log ends
      // there, as at the writer's preallocated zeros. Recovery and readers know the
      // difference only by whether the segment is the last.
      auto back = read_damaged(bytes, frame);
      EXPECT_EQ(back.end, Next::kEnd) << back.problem;
      EXPECT_TRUE(back.tail_is_zeros);
      EXPECT_EQ(back.valid_end, offsets_[frame]);
    } else {
      expect_torn_at(bytes, frame);
      EXPECT_FALSE(read_damaged(bytes, frame).tail_is_zeros);
    }
  }
}

// The writer's preallocated space (LogWriterOptions::preallocate), or appends lost whole.
TEST_F(SegmentReaderTest, ZerosAfterTheLastFrameAreTheEnd) {
  write_records(4);
  for (std::size_t zeros : {std::size_t{1}, kFrameHeaderSize - 1, kFrameHeaderSize, std::size_t{300 * 1024}}) {
    SCOPED_TRACE(zeros);
    auto back = read_damaged(original_ + std::string(zeros, '\0'), offsets_.size());
    EXPECT_EQ(back.end, Next::kEnd);
    EXPECT_TRUE(back.tail_is_zeros);
    EXPECT_EQ(back.valid_end, end_);
  }
  auto whole = read_damaged(original_, offsets_.size());
  EXPECT_EQ(whole.end, Next::kEnd);
  EXPECT_FALSE(whole.tail_is_zeros);
}

// A record the writer puts into its preallocated zeros is read by a reader that stopped there.
TEST_F(SegmentReaderTest, ARecordWrittenOverZerosIsReadAfterARefresh) {
  write_records(2);
  write_bytes(segment_path(), original_ + std::string(4096, '\0'));
  SegmentReader reader(segment_path().string());
  Frame frame;
  ASSERT_EQ(reader.next(&frame), Next::kRecord);
  ASSERT_EQ(reader.next(&frame), Next::kRecord);
  ASSERT_EQ(reader.next(&frame), Next::kEnd);
  EXPECT_TRUE(reader.tail_is_zeros());
  // Another record, written where the zeros are, keeping the file's size.
  std::string more = original_;
  std::string copy = more.substr(offsets_[1], end_ - offsets_[1]);  // a whole frame, checksummed
  more += copy + std::string(4096 - copy.size(), '\0');
  write_bytes(segment_path(), more);
  reader.refresh();
  ASSERT_EQ(reader.next(&frame), Next::kRecord);
  EXPECT_EQ(frame.offset, end_);
  EXPECT_EQ(frame.payload, payloads_[1]);
  EXPECT_EQ(reader.next(&frame), Next::kEnd);
  EXPECT_TRUE(reader.tail_is_zeros());
}

TEST_F(SegmentReaderTest, BadSegmentHeaderIsCorruptBeforeAnyRecord) {
  write_records(3);
  struct Case {
    const char* what;
    std::string bytes;
    HeaderStatus status;
  };
  std::vector<Case> cases;
  {
    std::string b = original_;
    b[0] = 'X';
    cases.push_back({"bad magic", b, HeaderStatus::kBadMagic});
  }
  {
    std::string b = original_;
    b[20] = static_cast<char>(b[20] ^ 1);  // inside the uuid
    cases.push_back({"uuid bit", b, HeaderStatus::kBadChecksum});
  }
  {
    std::string b = original_;
    b[0x20] = static_cast<char>(b[0x20] ^ 2);  // the segment number
    cases.push_back({"segment number bit", b, HeaderStatus::kBadChecksum});
  }
  {
    std::string b = original_;
    b[kSegmentHeaderSize - 1] = static_cast<char>(b[kSegmentHeaderSize - 1] ^ 0x40);  // the checksum
    cases.push_back({"checksum bit", b, HeaderStatus::kBadChecksum});
  }
  for (std::size_t n : {std::size_t{0}, std::size_t{7}, std::size_t{40}, kSegmentHeaderSize - 1})
    cases.push_back({"too short", original_.substr(0, n), HeaderStatus::kTooShort});
  {
    SegmentHeader newer;
    newer.format_version = kSegmentFormatVersion + 1;
    newer.database_uuid = testing::test_uuid();
    newer.segment_number = 1;
    std::string b = original_;
    b.replace(0, kSegmentHeaderSize, encode_segment_header(newer));
    cases.push_back({"newer version", b, HeaderStatus::kUnsupportedVersion});
  }

  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    write_bytes(segment_path(), c.bytes);
    SegmentReader reader(segment_path().string());
    EXPECT_EQ(reader.header_status(), c.status);
    Frame frame;
    EXPECT_EQ(reader.next(&frame), Next::kCorrupt);
    EXPECT_EQ(reader.problem_offset(), 0u);
    EXPECT_EQ(reader.problem(), header_status_text(c.status));
    EXPECT_EQ(reader.next(&frame), Next::kCorrupt) << "a bad header stays bad";
  }
}

// A segment of another database reads fine; it is the engine that refuses it, by the uuid.
TEST_F(SegmentReaderTest, HeaderOfAnotherDatabaseCarriesItsUuid) {
  const std::string other = std::string("\x9a\x00\x01\x02", 4) + "other-databa";  // with a NUL inside
  ASSERT_EQ(other.size(), 16u);
  auto options = testing::writer_options(dir_.path());
  options.database_uuid = other;
  {
    LogWriter writer(options, 0, 0, 7, 100);
    testing::append_one(writer, RecordType::kTransaction, "theirs", 100);
  }
  SegmentReader reader((dir_ / segment_file_name(7)).string());
  ASSERT_EQ(reader.header_status(), HeaderStatus::kOk);
  EXPECT_EQ(reader.header().database_uuid, other);
  EXPECT_NE(reader.header().database_uuid, testing::test_uuid());
  EXPECT_EQ(reader.header().segment_number, 7u);
  EXPECT_EQ(reader.header().first_tx, 100u);
  Frame frame;
  ASSERT_EQ(reader.next(&frame), Next::kRecord);
  EXPECT_EQ(frame.payload, "theirs");
}

TEST_F(SegmentReaderTest, MissingFileIsNotFound) {
  EXPECT_EQ(testing::error_code_of([&] { SegmentReader reader((dir_ / "0000000000000009.seg").string()); }),
            ErrorCode::kNotFound);
}

}  // namespace
}  // namespace txgraph::txlog
