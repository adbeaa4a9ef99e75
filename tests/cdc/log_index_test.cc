// The position index: a reader positioned at a transaction starts decoding at the nearest
// restart point before it, not at the start of its segment.
#include "cdc/log_index.h"

#include <gtest/gtest.h>

#include "cdc_test_support.h"
#include "test_dir.h"
#include "txgraph/txgraph.h"
#include "txlog/segment_reader.h"
#include "txlog/tx_record.h"

namespace txgraph {
namespace {

using testing::TestDir;

using testing::noise;

void build_log(const std::filesystem::path& dir, int compression_level, int transactions) {
  Options o;
  o.durability = Durability::kAsync;
  o.initial_settings.enrichment = EnrichmentMode::kDiff;
  o.initial_settings.log_compression_level = compression_level;
  auto db = Database::open(dir, o);
  for (int i = 0; i < transactions; ++i) {
    auto tx = db->begin_write();
    tx.create_node({"N"}, {{"pad", Value(noise(400, static_cast<std::uint64_t>(i)))}});
    tx.commit();
  }
}

// Reading from the offset the index gives reaches `tx` and starts no earlier than needed.
void expect_seek_lands_before(const std::filesystem::path& dir, std::uint64_t tx) {
  cdc::LogIndex index((dir / "txlog").string());
  auto segments = index.segments();
  ASSERT_EQ(segments.size(), 1u);
  std::uint64_t offset = index.start_offset(segments[0].path, segments[0].number, tx);
  EXPECT_GT(offset, txlog::kSegmentHeaderSize) << "the index knew no restart point before tx " << tx;
  txlog::SegmentReader reader(segments[0].path);
  reader.seek(offset);
  txlog::Frame frame;
  ASSERT_EQ(reader.next(&frame), txlog::SegmentReader::Next::kRecord);
  ASSERT_EQ(frame.type, txlog::RecordType::kTransaction);
  std::uint64_t first = txlog::peek_tx_id(frame.payload);
  EXPECT_LE(first, tx);
  // No more than a restart interval of records before the target.
  EXPECT_GT(first + 1000, tx);
  std::uint64_t last = first;
  while (last < tx && reader.next(&frame) == txlog::SegmentReader::Next::kRecord)
    if (frame.type == txlog::RecordType::kTransaction) last = txlog::peek_tx_id(frame.payload);
  EXPECT_EQ(last, tx);
}

TEST(LogIndex, CompressedSegmentsSeekToTheRestartPointBeforeTheTransaction) {
  TestDir dir;
  build_log(dir.path(), 3, 4000);
  expect_seek_lands_before(dir.path(), 3900);
  expect_seek_lands_before(dir.path(), 2000);
}

TEST(LogIndex, UncompressedSegmentsSeekNearTheTransaction) {
  TestDir dir;
  build_log(dir.path(), 0, 2000);
  expect_seek_lands_before(dir.path(), 1990);
}

}  // namespace
}  // namespace txgraph
