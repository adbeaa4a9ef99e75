// Compression dictionaries, groups and tags (txlog/compression_dictionary.h): once enough
// captured records were written, the writer trains a dictionary, restarts the stream from it
// every few records and tags the captured records; a reader decodes every group alone, finds
// its dictionary from any restart point, and passes by the records a tag filter rules out.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "txlog/byte_codec.h"
#include "txlog/compression_dictionary.h"
#include "txlog/enrichment.h"
#include "txlog/log_writer.h"
#include "txlog/tx_record.h"
#include "txlog_test_support.h"

namespace txgraph::txlog {
namespace {

using Next = SegmentReader::Next;
namespace fs = std::filesystem;

std::string letters(std::size_t n, std::uint64_t seed) {
  std::string out(n, 'a');
  for (auto& c : out) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    c = static_cast<char>('a' + (seed >> 33) % 26);
  }
  return out;
}

// A DIFF transaction record creating one node, as the commit path writes it: one in 40 is
// labelled Rare, one in 10 is by "auditor".
std::string captured_record(std::uint64_t tx) {
  TxHeader header;
  header.tx_id = tx;
  header.start_time_us = 1795000000000000 + static_cast<std::int64_t>(tx) * 10;
  header.commit_time_us = header.start_time_us + 5;
  header.capture_mode = CaptureMode::kDiff;
  header.user = tx % 10 == 0 ? "auditor" : "app";
  header.authenticated_user = header.user;
  header.metadata = {{"app", Value(tx % 10 == 0 ? "audit" : "crm")}};
  header.op_count = 1;
  std::string out;
  encode_tx_header(out, header);
  ByteWriter w(out);
  encode_create_node(w, tx, {tx % 40 == 0 ? "Rare" : "Person"},
                     {{"id", Value(static_cast<std::int64_t>(tx))}, {"name", Value(letters(10, tx))}});
  Enrichment enrichment;
  enrichment.generation = 1;
  Change change;
  change.id = tx;
  change.after_from_operations = true;
  enrichment.changes.push_back(change);
  encode_enrichment(w, enrichment);
  return out;
}

LogWriterOptions compressing(const fs::path& dir, std::uint64_t rotation_size = 64ull << 20) {
  auto options = testing::writer_options(dir, rotation_size);
  options.compression_level = 3;
  return options;
}

struct RawFrame {
  std::uint64_t offset;
  FrameHeader header;
  std::string stored;
};

// Every frame of a segment file, as it is on disk (dictionary records included).
std::vector<RawFrame> raw_frames(const fs::path& path) {
  std::string bytes = testing::read_bytes(path);
  std::vector<RawFrame> out;
  for (std::size_t at = kSegmentHeaderSize; at + kFrameHeaderSize <= bytes.size();) {
    FrameHeader fh = decode_frame_header(bytes.data() + at);
    if (fh.type == 0) break;
    out.push_back({at, fh, bytes.substr(at + kFrameHeaderSize, fh.length)});
    at += kFrameHeaderSize + fh.length;
  }
  return out;
}

// Writes `count` captured records into a fresh log and returns them.
std::vector<std::string> write_log(const fs::path& dir, std::size_t count) {
  LogWriter writer(compressing(dir), 0, 0, 1, 1);
  std::vector<std::string> records;
  for (std::size_t i = 1; i <= count; ++i) {
    records.push_back(captured_record(i));
    auto position = testing::append_one(writer, RecordType::kTransaction, records.back(), i);
    if (i % 100 == 0) writer.sync_to(position);  // as group commits do: sync marks follow
  }
  return records;
}

// Wants the records whose tags have the bit of one vocabulary word (all, when the vocabulary
// lacks the word).
class WordFilter : public TagFilter {
 public:
  explicit WordFilter(std::string word) : word_(std::move(word)) {}
  bool may_match(const std::shared_ptr<const CompressionDictionary>& dictionary, std::uint16_t tags) const override {
    const auto& words = dictionary->vocabulary();
    for (std::size_t bit = 0; bit < words.size(); ++bit)
      if (words[bit] == word_) return (tags >> bit) & 1;
    return true;
  }

 private:
  std::string word_;
};

TEST(DictionaryRecord, RoundTripsAndRefusesDamage) {
  CompressionDictionary dictionary({"Rare", "auditor"}, std::string(3000, 'x') + letters(2000, 7));
  std::string payload = encode_dictionary_record(dictionary);
  auto back = decode_dictionary_record(payload);
  EXPECT_EQ(back->vocabulary(), dictionary.vocabulary());
  EXPECT_EQ(back->content(), dictionary.content());
  EXPECT_LT(payload.size(), dictionary.content().size());  // the content is stored compressed

  std::string bad_kind = payload;
  bad_kind[0] = 9;
  EXPECT_EQ(testing::error_code_of([&] { decode_dictionary_record(bad_kind); }), ErrorCode::kCorruption);
  std::string cut = payload.substr(0, payload.size() - 5);
  EXPECT_EQ(testing::error_code_of([&] { decode_dictionary_record(cut); }), ErrorCode::kCorruption);
  std::string many_words;
  ByteWriter w(many_words);
  w.u8(1);
  w.varint(kMaxTagWords + 1);
  EXPECT_EQ(testing::error_code_of([&] { decode_dictionary_record(many_words); }), ErrorCode::kCorruption);
}

TEST(DictionaryRecord, TagsSayWhichWordsARecordHolds) {
  CompressionDictionary dictionary({"Rare", "auditor", "KNOWS"}, "content");
  EXPECT_EQ(dictionary.tags_of("a Rare node by auditor"), 0b011);
  EXPECT_EQ(dictionary.tags_of("KNOWS"), 0b100);
  EXPECT_EQ(dictionary.tags_of("nothing of it"), 0);
}

TEST(DictionaryTrainer, PicksTheWordsInAtMostHalfOfTheRecords) {
  DictionaryTrainer trainer;
  std::uint64_t tx = 1;
  while (!trainer.ready()) trainer.add(captured_record(tx++));
  auto dictionary = trainer.train();
  const auto& words = dictionary->vocabulary();
  auto has = [&](const std::string& word) { return std::find(words.begin(), words.end(), word) != words.end(); };
  EXPECT_TRUE(has("Rare"));
  EXPECT_TRUE(has("auditor"));
  EXPECT_TRUE(has(metadata_word("app", Value("audit"))));
  // In every record: no use for passing records by.
  EXPECT_FALSE(has("Person"));
  EXPECT_FALSE(has("app"));
  EXPECT_FALSE(has(metadata_word("app", Value("crm"))));
  EXPECT_GT(dictionary->content().size(), 1000u);
}

TEST(DictionaryGroups, TheWriterTrainsADictionaryAndRestartsFromItEveryFewRecords) {
  txgraph::testing::TestDir dir;
  auto records = write_log(dir.path(), 6000);
  auto frames = raw_frames(dir / segment_file_name(1));
  std::size_t dictionaries = 0, since_restart = 0, tagged = 0;
  bool after_dictionary = false;
  for (const auto& f : frames) {
    if (f.header.type == static_cast<std::uint8_t>(RecordType::kCompressionDictionary)) {
      ++dictionaries;
      after_dictionary = true;
      continue;
    }
    if (f.header.flags & kFrameFlagRestart) {
      EXPECT_EQ(after_dictionary, (f.header.flags & kFrameFlagDictionary) != 0) << "at " << f.offset;
      since_restart = 0;
    }
    ++since_restart;
    if (after_dictionary) {
      EXPECT_LE(since_restart, kGroupRecords) << "at " << f.offset;
      EXPECT_TRUE(f.header.flags & kFrameFlagTags) << "at " << f.offset;
    }
    tagged += (f.header.flags & kFrameFlagTags) != 0;
  }
  EXPECT_EQ(dictionaries, 1u);
  EXPECT_GT(tagged, 2000u);

  // The reader hides the dictionary and returns every record as it was written.
  auto back = testing::read_segment(dir / segment_file_name(1));
  ASSERT_EQ(back.frames.size(), records.size()) << back.problem;
  for (std::size_t i = 0; i < records.size(); ++i) ASSERT_EQ(back.frames[i].payload, records[i]) << "record " << i;

  // A reader that starts at any restart point finds the dictionary it needs.
  std::size_t record = 0;
  for (const auto& f : frames) {
    if (f.header.type == static_cast<std::uint8_t>(RecordType::kCompressionDictionary)) continue;
    if (f.header.flags & kFrameFlagDictionary) {
      SegmentReader reader((dir / segment_file_name(1)).string());
      reader.seek(f.offset);
      Frame frame;
      for (std::size_t k = 0; k < 3 && record + k < records.size(); ++k) {
        ASSERT_EQ(reader.next(&frame), Next::kRecord) << reader.problem();
        ASSERT_EQ(frame.payload, records[record + k]) << "record " << record + k << " from " << f.offset;
      }
    }
    ++record;
  }
}

TEST(DictionaryGroups, AFilteredReaderPassesRecordsByAndDecodesTheOthersAsWritten) {
  txgraph::testing::TestDir dir;
  auto records = write_log(dir.path(), 6000);
  WordFilter rare("Rare");
  SegmentReader reader((dir / segment_file_name(1)).string());
  reader.set_tag_filter(&rare);
  FrameView view;
  std::size_t i = 0, skipped = 0, returned_rare = 0;
  for (; reader.next_view(&view) == Next::kRecord; ++i) {
    ASSERT_LT(i, records.size());
    if (view.skipped) {
      ++skipped;
      EXPECT_EQ(records[i].find("Rare"), std::string::npos) << "record " << i << " was wanted";
      // Every so often: decompressed on demand, it is the record written.
      if (i % 97 == 0) {
        ASSERT_EQ(reader.decompress_skipped(view.group_offset, view.offset), records[i]) << "record " << i;
      }
      continue;
    }
    ASSERT_EQ(view.payload, records[i]) << "record " << i;
    returned_rare += records[i].find("Rare") != std::string::npos;
  }
  EXPECT_EQ(i, records.size()) << reader.problem();
  EXPECT_EQ(returned_rare, records.size() / 40);
  EXPECT_GT(skipped, records.size() / 3);
}

TEST(DictionaryGroups, ADamagedDictionaryIsDamageWhereverItIsReadFrom) {
  txgraph::testing::TestDir dir;
  write_log(dir.path(), 6000);
  auto path = dir / segment_file_name(1);
  auto frames = raw_frames(path);
  const RawFrame* dictionary = nullptr;
  const RawFrame* first_user = nullptr;
  for (const auto& f : frames) {
    if (f.header.type == static_cast<std::uint8_t>(RecordType::kCompressionDictionary)) dictionary = &f;
    if (dictionary && !first_user && (f.header.flags & kFrameFlagDictionary)) first_user = &f;
  }
  ASSERT_TRUE(dictionary && first_user);
  std::string bytes = testing::read_bytes(path);
  bytes[dictionary->offset + kFrameHeaderSize + dictionary->stored.size() / 2] ^= 0x5a;
  testing::write_bytes(path, bytes);

  auto back = testing::read_segment(path);
  EXPECT_EQ(back.end, Next::kCorrupt);
  EXPECT_EQ(back.problem_offset, dictionary->offset);

  SegmentReader reader(path.string());
  reader.seek(first_user->offset);
  Frame frame;
  EXPECT_EQ(reader.next(&frame), Next::kCorrupt);
  EXPECT_NE(reader.problem().find("dictionary"), std::string::npos) << reader.problem();
}

TEST(DictionaryGroups, SmallSegmentsAndUncompressedLogsGetNone) {
  for (auto [rotation, level] : {std::pair<std::uint64_t, int>{256 * 1024, 3}, {64ull << 20, 0}}) {
    txgraph::testing::TestDir dir;
    auto options = compressing(dir.path(), rotation);
    options.compression_level = level;
    LogWriter writer(options, 0, 0, 1, 1);
    for (std::uint64_t tx = 1; tx <= 4000; ++tx)
      testing::append_one(writer, RecordType::kTransaction, captured_record(tx), tx);
    for (const auto& segment : fs::directory_iterator(dir.path())) {
      for (const auto& f : raw_frames(segment.path())) {
        EXPECT_NE(f.header.type, static_cast<std::uint8_t>(RecordType::kCompressionDictionary));
        EXPECT_EQ(f.header.flags & (kFrameFlagDictionary | kFrameFlagTags), 0);
      }
    }
  }
}

// Each segment trains its dictionary from its own records, so that pruning a segment removes
// every byte of its records: until it has enough of them, a segment streams without one.
TEST(DictionaryGroups, EverySegmentTrainsItsOwnDictionaryFromItsOwnRecords) {
  txgraph::testing::TestDir dir;
  LogWriter writer(compressing(dir.path(), 1u << 20), 0, 0, 1, 1);
  std::map<std::uint64_t, std::string> records;
  for (std::uint64_t tx = 1; writer.active_segment() < 4; ++tx) {
    records[tx] = captured_record(tx);
    testing::append_one(writer, RecordType::kTransaction, records[tx], tx);
  }
  for (std::uint64_t segment = 1; segment <= 3; ++segment) {
    auto frames = raw_frames(dir / segment_file_name(segment));
    std::size_t dictionaries = 0, before = 0;
    for (const auto& f : frames) {
      if (f.header.type == static_cast<std::uint8_t>(RecordType::kCompressionDictionary)) {
        ++dictionaries;
        continue;
      }
      if (dictionaries == 0) {
        ++before;
        EXPECT_EQ(f.header.flags & (kFrameFlagDictionary | kFrameFlagTags), 0) << "segment " << segment;
      } else {
        EXPECT_TRUE(f.header.flags & kFrameFlagTags) << "segment " << segment << " at " << f.offset;
      }
    }
    EXPECT_EQ(dictionaries, 1u) << "segment " << segment;
    // Trained once the segment's own records reached the sample size.
    std::uint64_t first_tx = 0;
    {
      SegmentReader reader((dir / segment_file_name(segment)).string());
      first_tx = reader.header().first_tx;
    }
    std::uint64_t sampled = 0;
    for (std::uint64_t tx = first_tx; tx < first_tx + before; ++tx) sampled += records[tx].size();
    EXPECT_GE(sampled, kDictionarySampleBytes) << "segment " << segment;
    EXPECT_LT(sampled - records[first_tx + before - 1].size(), kDictionarySampleBytes) << "segment " << segment;
  }
  // Each segment reads alone.
  for (std::uint64_t segment = 1; segment <= 4; ++segment) {
    auto back = testing::read_segment(dir / segment_file_name(segment));
    EXPECT_NE(back.end, Next::kCorrupt) << back.problem;
    for (const auto& frame : back.frames) EXPECT_EQ(frame.payload, records[peek_tx_id(frame.payload)]);
  }
}

// Compression turned off and on again inside a segment: the dictionary is written again and
// the records after it are tagged again.
TEST(DictionaryGroups, ADictionaryTurnedOffAndOnIsWrittenAgain) {
  txgraph::testing::TestDir dir;
  LogWriter writer(compressing(dir.path()), 0, 0, 1, 1);
  std::uint64_t tx = 1;
  for (; tx <= 6000; ++tx) testing::append_one(writer, RecordType::kTransaction, captured_record(tx), tx);
  writer.set_compression_level(0);
  for (std::uint64_t end = tx + 10; tx < end; ++tx)
    testing::append_one(writer, RecordType::kTransaction, captured_record(tx), tx);
  writer.set_compression_level(3);
  for (std::uint64_t end = tx + 100; tx < end; ++tx)
    testing::append_one(writer, RecordType::kTransaction, captured_record(tx), tx);
  auto frames = raw_frames(dir / segment_file_name(1));
  std::size_t dictionaries = 0;
  for (const auto& f : frames)
    dictionaries += f.header.type == static_cast<std::uint8_t>(RecordType::kCompressionDictionary);
  EXPECT_EQ(dictionaries, 2u);
  EXPECT_TRUE(frames.back().header.flags & kFrameFlagTags);
  auto back = testing::read_segment(dir / segment_file_name(1));
  ASSERT_EQ(back.frames.size(), tx - 1) << back.problem;
  for (const auto& frame : back.frames) EXPECT_EQ(frame.payload, captured_record(peek_tx_id(frame.payload)));
}

TEST(DictionaryGroups, AVersion1SegmentIsReadButMayHoldNoDictionaryOrTags) {
  txgraph::testing::TestDir dir;
  auto options = compressing(dir.path());
  {
    LogWriter writer(options, 0, 0, 1, 1);
    for (std::uint64_t tx = 1; tx <= 100; ++tx)
      testing::append_one(writer, RecordType::kTransaction, captured_record(tx), tx);
  }
  auto path = dir / segment_file_name(1);
  std::string bytes = testing::read_bytes(path);
  SegmentHeader header;
  ASSERT_EQ(decode_segment_header(bytes, &header), HeaderStatus::kOk);
  EXPECT_EQ(header.format_version, kSegmentFormatVersion);
  // The writer never synced, so it wrote no sync marks (version 3) either: the same frames
  // are what a version-1 writer wrote.
  for (const auto& f : raw_frames(path)) ASSERT_EQ(f.header.flags & kFrameFlagSyncMark, 0) << "at " << f.offset;
  header.format_version = 1;
  bytes.replace(0, kSegmentHeaderSize, encode_segment_header(header));
  testing::write_bytes(path, bytes);
  auto back = testing::read_segment(path);
  EXPECT_EQ(back.frames.size(), 100u) << back.problem;

  // A writer that goes on in it writes neither dictionaries nor tags there: the segment stays
  // one its version describes, and the next segment has them.
  {
    LogWriter writer(options, 1, back.valid_end, 2, 101);
    for (std::uint64_t tx = 101; tx <= 6100; ++tx)
      testing::append_one(writer, RecordType::kTransaction, captured_record(tx), tx);
  }
  for (const auto& f : raw_frames(path)) {
    EXPECT_NE(f.header.type, static_cast<std::uint8_t>(RecordType::kCompressionDictionary));
    EXPECT_EQ(f.header.flags & (kFrameFlagDictionary | kFrameFlagTags), 0) << "at " << f.offset;
  }
  auto continued = testing::read_segment(path);
  ASSERT_EQ(continued.frames.size(), 6100u) << continued.problem;
  for (const auto& frame : continued.frames)
    ASSERT_EQ(frame.payload, captured_record(peek_tx_id(frame.payload)));
  bytes = testing::read_bytes(path);

  // A tag in a version 1 segment is something that version never wrote.
  FrameHeader fh = decode_frame_header(bytes.data() + kSegmentHeaderSize);
  fh.flags |= kFrameFlagTags;
  fh.tags = 1;
  std::string_view payload(bytes.data() + kSegmentHeaderSize + kFrameHeaderSize, fh.length);
  char head[kFrameHeaderSize];
  encode_frame_header(fh, head);
  fh.checksum = frame_checksum(head, std::span(&payload, 1));
  encode_frame_header(fh, head);
  bytes.replace(kSegmentHeaderSize, kFrameHeaderSize, std::string(head, kFrameHeaderSize));
  testing::write_bytes(path, bytes);
  auto refused = testing::read_segment(path);
  EXPECT_EQ(refused.end, Next::kCorrupt);
  EXPECT_NE(refused.problem.find("which format version 1 does not write"), std::string::npos) << refused.problem;
}

}  // namespace
}  // namespace txgraph::txlog
