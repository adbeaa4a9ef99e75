// The decompressor's own buffer: records decoded one after another from a restart point on,
// records larger than the buffer, streams that run on past it without a restart, readers that
// jump, and damaged payloads reported as damage.
#include <gtest/gtest.h>
#include <zstd.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "txlog/byte_codec.h"
#include "txlog/record_compression.h"
#include "txlog/segment_format.h"

namespace txgraph::txlog {
namespace {

// Text that compresses, but not to nothing: the same words in a seeded order.
std::string text(std::size_t size, std::uint64_t seed) {
  static const char* const kWords[] = {"Person ", "name ", "KNOWS ", "since ", "age ", "Rare ", "id ", "crm "};
  std::string out;
  std::uint64_t x = seed * 6364136223846793005ull + 1442695040888963407ull;
  while (out.size() < size) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    out += kWords[(x >> 33) % 8];
    out += std::to_string((x >> 40) % 1000);
  }
  out.resize(size);
  return out;
}

struct Stored {
  std::uint8_t flags;
  std::string payload;
};

// Records compressed as the writer does, by StreamCompressor.
std::vector<Stored> compress_all(const std::vector<std::string>& records) {
  StreamCompressor compressor(3);
  std::vector<Stored> out;
  for (const auto& r : records) {
    std::string stored;
    std::string_view parts[] = {r};
    auto flags = compressor.compress(parts, r.size(), &stored);
    out.push_back({flags, stored});
  }
  return out;
}

void expect_decodes(const std::vector<Stored>& stored, const std::vector<std::string>& records) {
  ASSERT_EQ(stored.size(), records.size());
  StreamDecompressor d;
  for (std::size_t i = 0; i < stored.size(); ++i)
    ASSERT_EQ(d.decompress(stored[i].flags, stored[i].payload), records[i]) << "record " << i;
}

TEST(StreamDecompressor, RecordsLargerThanItsBufferBetweenSmallOnes) {
  std::vector<std::string> records;
  for (int i = 0; i < 40; ++i) records.push_back(text(3000, static_cast<std::uint64_t>(i)));
  // Larger than the buffer the decompressor starts with, in the stream of the small ones.
  records.push_back(text(3 << 20, 7) + records[5]);
  // Small ones that refer back into the large one and before it.
  for (int i = 0; i < 20; ++i) records.push_back(records[40].substr(static_cast<std::size_t>(i) * 100000, 5000));
  records.push_back(text(6 << 20, 8));  // larger than the buffer kept across a restart
  for (int i = 0; i < 20; ++i) records.push_back(text(2000, static_cast<std::uint64_t>(i % 3)));
  auto stored = compress_all(records);
  int restarts = 0;
  for (const auto& s : stored) restarts += (s.flags & kFrameFlagRestart) != 0;
  EXPECT_GE(restarts, 3) << "the large records end restart intervals";
  expect_decodes(stored, records);
}

TEST(StreamDecompressor, AStreamThatRunsOnWithoutARestartKeepsItsWindow) {
  // Not what our writer makes (it restarts every kRestartInterval), but a valid stream: 12 MiB
  // in one zstd frame, each record repeating one written about 900 KiB before it, inside the
  // 1 MiB window but far behind where the decompressor's buffer started over.
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ASSERT_NE(cctx, nullptr);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 3);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, 20);
  std::vector<std::string> records;
  std::vector<Stored> stored;
  constexpr std::size_t kSize = 4096;
  constexpr std::size_t kBack = 900 * 1024 / kSize;
  for (std::size_t i = 0; i < 3000; ++i) {
    records.push_back(i >= kBack && i % 2 ? records[i - kBack] : text(kSize, i));
    std::string payload;
    ByteWriter w(payload);
    w.varint(records[i].size());
    std::size_t header = payload.size();
    payload.resize(header + ZSTD_compressBound(kSize) + 64);
    ZSTD_outBuffer out{payload.data(), payload.size(), header};
    ZSTD_inBuffer in{records[i].data(), records[i].size(), 0};
    std::size_t left = ZSTD_compressStream2(cctx, &out, &in, ZSTD_e_flush);
    ASSERT_FALSE(ZSTD_isError(left));
    ASSERT_EQ(left, 0u);
    payload.resize(out.pos);
    std::uint8_t flags = kFrameFlagCompressed | (i == 0 ? kFrameFlagRestart : 0);
    stored.push_back({flags, payload});
  }
  ZSTD_freeCCtx(cctx);
  expect_decodes(stored, records);
}

TEST(StreamDecompressor, AReaderThatJumpsStartsAgainAtARestartPoint) {
  std::vector<std::string> records;
  for (int i = 0; i < 400; ++i) records.push_back(text(2500, static_cast<std::uint64_t>(i % 17)));
  auto stored = compress_all(records);
  std::vector<std::size_t> restarts;
  for (std::size_t i = 0; i < stored.size(); ++i)
    if (stored[i].flags & kFrameFlagRestart) restarts.push_back(i);
  ASSERT_GE(restarts.size(), 3u);
  StreamDecompressor d;
  // In the middle of the stream, then back to an earlier restart point, then forward again.
  for (std::size_t from : {restarts[2], restarts[1], restarts[2]}) {
    d.reset();
    EXPECT_THROW(d.decompress(stored[from + 1].flags, stored[from + 1].payload), Error)
        << "a record after a jump needs its restart point first";
    for (std::size_t i = from; i < from + 50; ++i)
      ASSERT_EQ(d.decompress(stored[i].flags, stored[i].payload), records[i]) << "record " << i;
  }
}

std::optional<ErrorCode> code_of(StreamDecompressor& d, const Stored& s) {
  try {
    d.decompress(s.flags, s.payload);
  } catch (const Error& e) {
    return e.code();
  }
  return std::nullopt;
}

TEST(StreamDecompressor, DamagedPayloadsAreDamageAndForgetTheStream) {
  std::vector<std::string> records = {text(3000, 1), text(3000, 2), text(3000, 1), text(3000, 3)};
  auto good = compress_all(records);
  ASSERT_TRUE(good[0].flags & kFrameFlagRestart);
  ASSERT_FALSE(good[1].flags & kFrameFlagRestart);
  auto with_length = [](const Stored& s, std::uint64_t length) {
    ByteReader r(s.payload, "test");
    r.varint();
    Stored out{s.flags, {}};
    ByteWriter w(out.payload);
    w.varint(length);
    out.payload += s.payload.substr(r.position());
    return out;
  };
  std::vector<std::pair<std::string, Stored>> damaged = {
      {"cut short inside a block", {good[1].flags, good[1].payload.substr(0, good[1].payload.size() - 1)}},
      {"a byte too many", {good[1].flags, good[1].payload + "x"}},
      {"stated length too long", with_length(good[1], records[1].size() + 1)},
      {"stated length too short", with_length(good[1], records[1].size() - 1)},
      {"bits flipped", {good[1].flags, good[1].payload}},
  };
  damaged.back().second.payload[damaged.back().second.payload.size() / 2] ^= 0x20;
  damaged.back().second.payload[damaged.back().second.payload.size() / 3] ^= 0x11;
  for (const auto& [what, bad] : damaged) {
    StreamDecompressor d;
    ASSERT_EQ(d.decompress(good[0].flags, good[0].payload), records[0]);
    bool threw = false, refused = false;
    try {
      // Flipped bits may still decode to something; never to the same record.
      refused = d.decompress(bad.flags, bad.payload) != records[1] && what == "bits flipped";
    } catch (const Error& e) {
      threw = true;
      refused = e.code() == ErrorCode::kCorruption;
    }
    EXPECT_TRUE(refused) << what;
    if (threw) {
      EXPECT_EQ(code_of(d, good[2]), ErrorCode::kCorruption) << what << ": the stream must be forgotten";
    }
    // A restart point decodes again.
    EXPECT_EQ(d.decompress(good[0].flags, good[0].payload), records[0]) << what;
    EXPECT_EQ(d.decompress(good[1].flags, good[1].payload), records[1]) << what;
  }
  StreamDecompressor d;
  EXPECT_EQ(code_of(d, {good[0].flags, good[0].payload.substr(0, 3)}), ErrorCode::kCorruption)
      << "a restart point whose zstd frame header is cut short";
  EXPECT_EQ(code_of(d, {good[0].flags, std::string(1, '\x05') + "abcdefgh"}), ErrorCode::kCorruption)
      << "not a zstd frame";
  EXPECT_EQ(code_of(d, {good[0].flags, ""}), ErrorCode::kCorruption) << "no length";
  EXPECT_EQ(code_of(d, {kFrameFlagCompressed | kFrameFlagRestart, "\xff\xff\xff\xff\x7f"}), ErrorCode::kCorruption)
      << "implausible length";
  // An uncompressed record is its own bytes, whatever the stream's state.
  EXPECT_EQ(d.decompress(0, "as it is"), "as it is");
}

}  // namespace
}  // namespace txgraph::txlog
