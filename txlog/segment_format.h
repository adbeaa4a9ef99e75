// The on-disk shape of a log segment: header, record frames, record types.
// Described in full, with a worked example, in txlog/FORMAT.md; keep the two in step.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "txgraph/options.h"

namespace txgraph::txlog {

// Persistent format: never renumber. Type 0 is never written, so a zero-filled region is
// never mistaken for a record.
enum class RecordType : std::uint8_t {
  kTransaction = 1,       // a committed transaction (TxRecord)
  kCheckpoint = 2,        // the store was synced up to a tx id (CheckpointRecord)
  kEnrichmentChange = 3,  // enrichment mode switch (EnrichmentChangeRecord)
  kImportNotice = 4,      // a bulk import wrote into the store, bypassing the log (ImportNoticeRecord)
  // A zstd dictionary and tag vocabulary for the records after it (txlog/compression_dictionary.h).
  // SegmentReader reads these itself and never returns them.
  kCompressionDictionary = 5,
};
bool is_known_record_type(std::uint8_t type);
std::string_view record_type_name(RecordType type);

// The capture mode a transaction record was written in: the database's enrichment mode, one
// enum (txgraph/options.h) whose values are part of this format.
using CaptureMode = EnrichmentMode;

// Frame flag bits. Persistent format.
constexpr std::uint8_t kFrameFlagCompressed = 0x01;  // payload is zstd-compressed (record_compression.h)
constexpr std::uint8_t kFrameFlagRestart = 0x02;     // a compression restart point: a new zstd stream
// On a restart point: the new zstd stream starts from a dictionary, whose frame the stored
// payload names by its distance back (record_compression.h). Format version 2.
constexpr std::uint8_t kFrameFlagDictionary = 0x04;
// The frame header's u16 holds the record's tags: which words of the dictionary's vocabulary
// its bytes contain (compression_dictionary.h). Format version 2.
constexpr std::uint8_t kFrameFlagTags = 0x08;
// The stored payload starts with a sync mark: a varint, how many bytes before this frame's
// offset had not been made durable by a completed fdatasync when the frame was written.
// Lets recovery tell a power cut's hole in the unsynced tail from damage in the synced part
// (txlog/FORMAT.md, "Holes after a power cut"). Format version 3; never on a dictionary.
constexpr std::uint8_t kFrameFlagSyncMark = 0x10;
constexpr std::uint8_t kKnownFrameFlags = 0x1f;
// The flags a segment of format `version` may carry.
std::uint8_t frame_flags_of_version(std::uint32_t version);
// Splits a stored payload into its sync mark (0 without kFrameFlagSyncMark) and the rest.
// Throws kCorruption if the mark cannot be read.
std::string_view strip_sync_mark(std::uint8_t flags, std::string_view stored, std::uint64_t* unsynced_before = nullptr);

inline constexpr char kSegmentMagic[8] = {'T', 'X', 'G', 'L', 'O', 'G', '\r', '\n'};
// Written into new segments. Versions 1 (no dictionaries, no tags) and 2 (no sync marks) are
// still read, and a segment goes on in the version it was created with.
constexpr std::uint32_t kSegmentFormatVersion = 6;
constexpr std::uint32_t kOldestReadableFormatVersion = 1;
constexpr std::size_t kSegmentHeaderSize = 72;
constexpr std::size_t kFrameHeaderSize = 16;
// A record larger than this is refused on write and taken for damage on read.
constexpr std::uint32_t kMaxRecordSize = 1u << 30;

struct SegmentHeader {
  std::uint32_t format_version = kSegmentFormatVersion;
  std::string database_uuid;  // 16 raw bytes
  std::uint64_t segment_number = 0;
  std::uint64_t first_tx = 0;  // the tx id of the first transaction this segment may hold
  std::uint64_t enrichment_generation = 0;
  std::int64_t created_us = 0;
};

std::string encode_segment_header(const SegmentHeader& header);

enum class HeaderStatus { kOk, kTooShort, kBadMagic, kBadChecksum, kUnsupportedVersion };
HeaderStatus decode_segment_header(std::string_view bytes, SegmentHeader* out);
std::string_view header_status_text(HeaderStatus status);

// Frame header: u32 payload length, u8 type, u8 flags, u16 tags (0 unless kFrameFlagTags), u64
// checksum. The checksum is XXH3-64 over the first 8 header bytes followed by the payload.
struct FrameHeader {
  std::uint32_t length = 0;
  std::uint8_t type = 0;
  std::uint8_t flags = 0;
  std::uint16_t tags = 0;
  std::uint64_t checksum = 0;
};
void encode_frame_header(const FrameHeader& header, char out[kFrameHeaderSize]);
// The frame checksum over the first 8 bytes of an encoded frame header and the payload, which
// may come in several parts (the writer never joins them into one buffer).
std::uint64_t frame_checksum(const char* header8, std::span<const std::string_view> payload_parts);
FrameHeader decode_frame_header(const char in[kFrameHeaderSize]);

// Segment file names: "<number, 16 digits>.seg", so that names sort in segment order.
std::string segment_file_name(std::uint64_t number);
// Returns 0 when `name` is not a segment file name.
std::uint64_t parse_segment_file_name(std::string_view name);

// UUIDs: 16 random bytes; the text form is the usual 8-4-4-4-12 hex.
std::string new_uuid();
std::string uuid_to_text(std::string_view raw);

}  // namespace txgraph::txlog
