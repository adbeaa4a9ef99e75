#include "txlog/segment_format.h"

#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include <cstring>
#include <random>

#include <fmt/format.h>

#include "txlog/byte_codec.h"

namespace txgraph::txlog {

bool is_known_record_type(std::uint8_t type) { return type >= 1 && type <= 5; }

std::string_view record_type_name(RecordType type) {
  switch (type) {
    case RecordType::kTransaction:
      return "transaction";
    case RecordType::kCheckpoint:
      return "checkpoint";
    case RecordType::kEnrichmentChange:
      return "enrichment_change";
    case RecordType::kImportNotice:
      return "import_notice";
    case RecordType::kCompressionDictionary:
      return "compression_dictionary";
  }
  return "unknown";
}

std::string encode_segment_header(const SegmentHeader& h) {
  std::string out;
  ByteWriter w(out);
  w.raw(std::string_view(kSegmentMagic, sizeof kSegmentMagic));
  w.u32(h.format_version);
  w.u32(kSegmentHeaderSize);
  std::string uuid = h.database_uuid;
  uuid.resize(16, '\0');
  w.raw(uuid);
  w.u64(h.segment_number);
  w.u64(h.first_tx);
  w.u64(h.enrichment_generation);
  w.i64(h.created_us);
  w.u64(XXH3_64bits(out.data(), out.size()));
  return out;
}

HeaderStatus decode_segment_header(std::string_view bytes, SegmentHeader* out) {
  if (bytes.size() < kSegmentHeaderSize) return HeaderStatus::kTooShort;
  if (std::memcmp(bytes.data(), kSegmentMagic, sizeof kSegmentMagic) != 0) return HeaderStatus::kBadMagic;
  ByteReader r(bytes.substr(0, kSegmentHeaderSize), "segment header");
  r.take(sizeof kSegmentMagic);
  SegmentHeader h;
  h.format_version = r.u32();
  std::uint32_t header_size = r.u32();
  h.database_uuid = std::string(r.take(16));
  h.segment_number = r.u64();
  h.first_tx = r.u64();
  h.enrichment_generation = r.u64();
  h.created_us = r.i64();
  std::uint64_t checksum = r.u64();
  if (checksum != XXH3_64bits(bytes.data(), kSegmentHeaderSize - 8)) return HeaderStatus::kBadChecksum;
  if (h.format_version < kOldestReadableFormatVersion || h.format_version > kSegmentFormatVersion ||
      header_size != kSegmentHeaderSize)
    return HeaderStatus::kUnsupportedVersion;
  *out = std::move(h);
  return HeaderStatus::kOk;
}

std::string_view header_status_text(HeaderStatus status) {
  switch (status) {
    case HeaderStatus::kOk:
      return "ok";
    case HeaderStatus::kTooShort:
      return "file shorter than a segment header";
    case HeaderStatus::kBadMagic:
      return "not a txgraph log segment (bad magic)";
    case HeaderStatus::kBadChecksum:
      return "segment header checksum mismatch";
    case HeaderStatus::kUnsupportedVersion:
      return "segment format version not supported by this build";
  }
  return "unknown";
}

void encode_frame_header(const FrameHeader& h, char out[kFrameHeaderSize]) {
  std::string buf;
  ByteWriter w(buf);
  w.u32(h.length);
  w.u8(h.type);
  w.u8(h.flags);
  w.u16(h.tags);
  w.u64(h.checksum);
  std::memcpy(out, buf.data(), kFrameHeaderSize);
}

std::uint64_t frame_checksum(const char* header8, std::span<const std::string_view> payload_parts) {
  // Most records are small, and XXH3 over one buffer costs far less than its streaming state's
  // set-up and updates: the same hash of the same bytes.
  constexpr std::size_t kGatherUpTo = 1024;
  std::size_t total = 8;
  for (auto part : payload_parts) total += part.size();
  if (total <= kGatherUpTo) {
    char gathered[kGatherUpTo];
    std::memcpy(gathered, header8, 8);
    std::size_t at = 8;
    for (auto part : payload_parts) {
      if (!part.empty()) std::memcpy(gathered + at, part.data(), part.size());
      at += part.size();
    }
    return XXH3_64bits(gathered, total);
  }
  XXH3_state_t state;
  XXH3_INITSTATE(&state);
  XXH3_64bits_reset(&state);
  XXH3_64bits_update(&state, header8, 8);
  for (auto part : payload_parts) XXH3_64bits_update(&state, part.data(), part.size());
  return XXH3_64bits_digest(&state);
}

FrameHeader decode_frame_header(const char in[kFrameHeaderSize]) {
  ByteReader r(std::string_view(in, kFrameHeaderSize), "frame header");
  FrameHeader h;
  h.length = r.u32();
  h.type = r.u8();
  h.flags = r.u8();
  h.tags = r.u16();
  h.checksum = r.u64();
  return h;
}

std::uint8_t frame_flags_of_version(std::uint32_t version) {
  if (version < 2) return kFrameFlagCompressed | kFrameFlagRestart;
  if (version < 3) return kFrameFlagCompressed | kFrameFlagRestart | kFrameFlagDictionary | kFrameFlagTags;
  return kKnownFrameFlags;
}

std::string_view strip_sync_mark(std::uint8_t flags, std::string_view stored, std::uint64_t* unsynced_before) {
  if (!(flags & kFrameFlagSyncMark)) {
    if (unsynced_before) *unsynced_before = 0;
    return stored;
  }
  ByteReader r(stored, "log record's sync mark");
  std::uint64_t mark = r.varint();
  if (unsynced_before) *unsynced_before = mark;
  return stored.substr(r.position());
}

std::string segment_file_name(std::uint64_t number) { return fmt::format("{:016d}.seg", number); }

std::uint64_t parse_segment_file_name(std::string_view name) {
  if (name.size() != 20 || name.substr(16) != ".seg") return 0;
  std::uint64_t n = 0;
  for (char c : name.substr(0, 16)) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

std::string new_uuid() {
  std::random_device rd;
  std::string raw(16, '\0');
  for (auto& c : raw) c = static_cast<char>(rd() & 0xff);
  raw[6] = static_cast<char>((raw[6] & 0x0f) | 0x40);  // version 4
  raw[8] = static_cast<char>((raw[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return raw;
}

std::string uuid_to_text(std::string_view raw) {
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out += fmt::format("{:02x}", static_cast<unsigned char>(raw[i]));
  }
  return out;
}

}  // namespace txgraph::txlog
