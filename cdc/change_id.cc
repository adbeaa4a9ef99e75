#include "cdc/change_id.h"

#include <xxhash.h>

#include <algorithm>

#include <fmt/format.h>

#include "cdc/base64.h"
#include "txgraph/error.h"
#include "txlog/byte_codec.h"

namespace txgraph::cdc {

namespace {

constexpr std::uint8_t kChangeIdVersion = 1;
constexpr std::uint8_t kSnapshotIdVersion = 2;
constexpr std::size_t kUuidSize = 16;
constexpr std::size_t kChecksumSize = 8;
// Longest ids are far below this; longer input is refused before any decoding.
constexpr std::size_t kMaxIdLength = 128;

std::uint64_t checksum(std::string_view bytes) { return XXH3_64bits(bytes.data(), bytes.size()); }

[[noreturn]] void invalid(std::string_view id, std::string_view why) {
  std::string shown = id.size() > 80 ? std::string(id.substr(0, 80)) + "…" : std::string(id);
  throw Error(ErrorCode::kCdcInvalidId, fmt::format("invalid change id \"{}\": {}", shown, why));
}

}  // namespace

std::string encode_change_id(const ChangePosition& p) {
  std::string bytes, text;
  encode_change_id(p, bytes, text);
  return text;
}

void encode_change_id(const ChangePosition& p, std::string& scratch, std::string& out) {
  scratch.clear();
  txlog::ByteWriter w(scratch);
  w.u8(p.in_snapshot() ? kSnapshotIdVersion : kChangeIdVersion);
  w.raw(p.database_uuid);
  w.varint(p.generation);
  w.varint(p.tx_id);
  w.varint(static_cast<std::uint64_t>(p.seq + 1));
  w.zigzag(p.commit_time_us);
  if (p.in_snapshot()) {
    w.u8(static_cast<std::uint8_t>(p.snapshot_phase));
    w.varint(p.snapshot_next_id);
  }
  w.u64(checksum(scratch));
  // URL-safe alphabet, no padding: the id goes into URLs and command lines unquoted.
  json::base64url_unpadded(scratch, out);
}

ChangePosition decode_change_id(std::string_view id) {
  if (id.empty()) invalid(id, "it is empty");
  if (id.size() > kMaxIdLength) invalid(id, "it is too long");
  std::string text(id);
  for (char& c : text) {
    if (c == '+' || c == '/' || c == '=') invalid(id, "it is not URL-safe base64");
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  if (text.size() % 4 == 1) invalid(id, "its length is wrong");
  while (text.size() % 4 != 0) text.push_back('=');
  auto bytes = json::base64_decode(text);
  if (!bytes) invalid(id, "it is not URL-safe base64");
  if (bytes->size() < 1 + kUuidSize + kChecksumSize) invalid(id, "it is too short");
  std::string_view body(bytes->data(), bytes->size() - kChecksumSize);
  txlog::ByteReader tail(std::string_view(*bytes).substr(body.size()), "change id");
  if (tail.u64() != checksum(body)) invalid(id, "its checksum does not match (damaged or altered)");
  try {
    txlog::ByteReader in(body, "change id");
    auto version = in.u8();
    if (version != kChangeIdVersion && version != kSnapshotIdVersion) invalid(id, fmt::format("unknown id version {}", version));
    ChangePosition p;
    p.database_uuid = std::string(in.take(kUuidSize));
    p.generation = in.varint();
    p.tx_id = in.varint();
    std::uint64_t seq_plus_one = in.varint();
    if (seq_plus_one > static_cast<std::uint64_t>(ChangePosition::kAfterAll) + 1) invalid(id, "its sequence number is out of range");
    p.seq = static_cast<std::int64_t>(seq_plus_one) - 1;
    p.commit_time_us = in.zigzag();
    if (version == kSnapshotIdVersion) {
      auto phase = in.u8();
      if (phase != static_cast<std::uint8_t>(SnapshotPhase::kNodes) &&
          phase != static_cast<std::uint8_t>(SnapshotPhase::kRelationships) &&
          phase != static_cast<std::uint8_t>(SnapshotPhase::kKeys))
        invalid(id, fmt::format("unknown snapshot phase {}", phase));
      p.snapshot_phase = static_cast<SnapshotPhase>(phase);
      p.snapshot_next_id = in.varint();
    }
    if (!in.done()) invalid(id, "it has trailing bytes");
    return p;
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kCdcInvalidId) throw;
    invalid(id, "it does not decode");
  }
}

}  // namespace txgraph::cdc
