// Change identifiers: opaque, URL-safe positions in the change stream (docs/cdc.md, "Change
// ids"). An id names a transaction of one database and enrichment generation and a
// place inside it: before its first change, after one of its changes, or after all of them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace txgraph::cdc {

// Where a snapshot (cdc/snapshot_reader.h) has got to: the kind of entity it reads, and the
// first id of that kind it has not delivered yet. kNone for a position in the stream.
// The phases run kKeys (the key constraints, by their place in key_order()), kNodes,
// kRelationships; positions of kKeys are written since schema events exist.
enum class SnapshotPhase : std::uint8_t { kNone = 0, kNodes = 1, kRelationships = 2, kKeys = 3 };

struct ChangePosition {
  // The position just before the transaction's first change, and just after its last.
  static constexpr std::int64_t kBeforeFirst = -1;
  static constexpr std::int64_t kAfterAll = 0xffffffffll;

  std::string database_uuid;  // 16 raw bytes
  std::uint64_t generation = 0;
  std::uint64_t tx_id = 0;
  std::int64_t seq = kAfterAll;  // after change `seq` of the transaction, or one of the above
  std::int64_t commit_time_us = 0;  // of tx_id; checked against the log when the id is used
  // A position inside a snapshot: the stream position above is then the snapshot's place in
  // the log (the changes up to it are delivered for the entities it has delivered).
  SnapshotPhase snapshot_phase = SnapshotPhase::kNone;
  std::uint64_t snapshot_next_id = 0;  // entities of the phase's kind with smaller ids are delivered

  bool after_all() const { return seq == kAfterAll; }
  bool before_first() const { return seq == kBeforeFirst; }
  bool in_snapshot() const { return snapshot_phase != SnapshotPhase::kNone; }
  friend bool operator==(const ChangePosition&, const ChangePosition&) = default;
};

// base64url (no padding) of: u8 version 1, uuid[16], varint generation, varint tx_id,
// varint seq + 1, zigzag commit_time_us, u64 XXH3-64 of the bytes before it. A position
// inside a snapshot is version 2: the same with u8 phase and varint next id before the
// checksum. Version 1 ids stay valid for good.
std::string encode_change_id(const ChangePosition& position);
// The same into `out`, with `scratch` for the bytes: reusing both, a reader that writes id
// after id allocates nothing.
void encode_change_id(const ChangePosition& position, std::string& scratch, std::string& out);

// Throws Error(kCdcInvalidId) naming the id for anything that is not an id this code wrote:
// a bad alphabet or length, an unknown version, a checksum mismatch, trailing bytes.
ChangePosition decode_change_id(std::string_view id);

}  // namespace txgraph::cdc
