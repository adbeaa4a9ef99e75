// Transaction and checkpoint record payloads (txlog/FORMAT.md, "Transaction record",
// "Checkpoint record"): what the commit path encodes, recovery and CDC decode field for field,
// and a damaged payload is refused as corruption.
#include "txlog/tx_record.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "txlog/tx_record_view.h"
#include "txlog_test_support.h"

namespace txgraph::txlog {
namespace {

using testing::error_code_of;
using testing::hex;

constexpr std::int64_t kExampleTime = 1795000000000000;  // 2026-11-18T11:06:40Z, as in FORMAT.md

TxHeader sample_header(std::uint64_t op_count, CaptureMode mode = CaptureMode::kOff) {
  TxHeader h;
  h.tx_id = 123456789012ull;
  h.start_time_us = kExampleTime;
  h.commit_time_us = kExampleTime + 2500;
  h.capture_mode = mode;
  h.user = "alice";
  h.authenticated_user = "Zoë";
  h.metadata = {{"app", Value("crm")}, {"retries", Value(2)}, {"tags", Value(Value::List{"a", "b"})}};
  h.op_count = op_count;
  return h;
}

constexpr std::uint64_t kBigId = (std::uint64_t{1} << 50) + 7;

// One operation of every code, with fields that each decode from a different place.
std::vector<RedoOp> sample_ops() {
  std::vector<RedoOp> ops;
  auto add = [&](OpCode code) -> RedoOp& {
    ops.emplace_back();
    ops.back().code = code;
    return ops.back();
  };
  {
    auto& op = add(OpCode::kCreateNode);
    op.id = 1;
    op.names = {"Person", "Admin"};
    op.properties = {{"id", Value(1)}, {"name", Value("Ann")}, {"photo", Value(Bytes{std::string("\0\1", 2)})}};
  }
  {
    auto& op = add(OpCode::kCreateNode);
    op.id = kBigId;  // no labels, no properties
  }
  {
    auto& op = add(OpCode::kCreateRelationship);
    op.id = 3;
    op.type = "KNOWS";
    op.start = 1;
    op.end = kBigId;
    op.properties = {{"since", Value(2020)}};
  }
  {
    auto& op = add(OpCode::kSetNodeProperties);
    op.id = 1;
    op.properties = {{"age", Value(31)}, {"gone", Value()}};  // null: remove
  }
  {
    auto& op = add(OpCode::kRemoveNodeProperties);
    op.id = 1;
    op.names = {"age", "height"};
  }
  {
    auto& op = add(OpCode::kAddLabels);
    op.id = 1;
    op.names = {"Admin"};
  }
  {
    auto& op = add(OpCode::kRemoveLabels);
    op.id = kBigId;
    op.names = {"Admin", "Person"};
  }
  {
    auto& op = add(OpCode::kSetRelationshipProperties);
    op.id = 3;
    op.properties = {{"weight", Value(0.5)}};
  }
  {
    auto& op = add(OpCode::kRemoveRelationshipProperties);
    op.id = 3;
    op.names = {"weight"};
  }
  {
    auto& op = add(OpCode::kDeleteRelationship);
    op.id = 3;
  }
  {
    auto& op = add(OpCode::kDeleteNode);
    op.id = kBigId;
  }
  {
    auto& op = add(OpCode::kCreateKey);
    op.key_kind = 1;
    op.type = "Person";
    op.names = {"id"};
  }
  {
    auto& op = add(OpCode::kCreateKey);
    op.key_kind = 2;
    op.type = "KNOWS";
    op.names = {"since", "id"};
  }
  {
    auto& op = add(OpCode::kDropKey);
    op.key_kind = 1;
    op.type = "Person";
    op.names = {"id"};
  }
  return ops;
}

// Encodes `op` with the encode_* function the commit path uses for its code.
void encode_op(ByteWriter& w, const RedoOp& op) {
  switch (op.code) {
    case OpCode::kCreateNode:
      encode_create_node(w, op.id, op.names, op.properties);
      break;
    case OpCode::kCreateRelationship:
      encode_create_relationship(w, op.id, op.type, op.start, op.end, op.properties);
      break;
    case OpCode::kDeleteNode:
    case OpCode::kDeleteRelationship:
      encode_delete(w, op.code, op.id);
      break;
    case OpCode::kSetNodeProperties:
    case OpCode::kSetRelationshipProperties:
      encode_set_properties(w, op.code, op.id, op.properties);
      break;
    case OpCode::kRemoveNodeProperties:
    case OpCode::kRemoveRelationshipProperties:
    case OpCode::kAddLabels:
    case OpCode::kRemoveLabels:
      encode_names(w, op.code, op.id, op.names);
      break;
    case OpCode::kCreateKey:
    case OpCode::kDropKey:
      encode_key(w, op.code, op.key_kind, op.type, op.names);
      break;
  }
}

// A DIFF or FULL record ends with its enrichment; here an empty one of generation 7.
std::string encode_record(const TxHeader& header, const std::vector<RedoOp>& ops) {
  std::string payload;
  encode_tx_header(payload, header);
  ByteWriter w(payload);
  for (const auto& op : ops) encode_op(w, op);
  if (header.capture_mode != CaptureMode::kOff) encode_enrichment(w, Enrichment{7, {}});
  return payload;
}

void expect_same_op(const RedoOp& got, const RedoOp& want) {
  SCOPED_TRACE(op_code_name(want.code));
  EXPECT_EQ(got.code, want.code);
  EXPECT_EQ(got.id, want.id);
  EXPECT_EQ(got.names, want.names);
  EXPECT_EQ(got.properties, want.properties);
  EXPECT_EQ(got.type, want.type);
  EXPECT_EQ(got.start, want.start);
  EXPECT_EQ(got.end, want.end);
  EXPECT_EQ(got.key_kind, want.key_kind);
}

void expect_same_header(const TxHeader& got, const TxHeader& want) {
  EXPECT_EQ(got.tx_id, want.tx_id);
  EXPECT_EQ(got.start_time_us, want.start_time_us);
  EXPECT_EQ(got.commit_time_us, want.commit_time_us);
  EXPECT_EQ(got.capture_mode, want.capture_mode);
  EXPECT_EQ(got.user, want.user);
  EXPECT_EQ(got.authenticated_user, want.authenticated_user);
  EXPECT_EQ(got.metadata, want.metadata);
  EXPECT_EQ(got.op_count, want.op_count);
}

TEST(TxRecordTest, EveryOperationRoundTrips) {
  auto ops = sample_ops();
  std::set<OpCode> codes;
  for (const auto& op : ops) codes.insert(op.code);
  ASSERT_EQ(codes.size(), 12u) << "the sample must hold every op code";

  TxHeader header = sample_header(ops.size());
  TxRecord rec = decode_tx_record(encode_record(header, ops));
  expect_same_header(rec.header, header);
  ASSERT_EQ(rec.ops.size(), ops.size());
  for (std::size_t i = 0; i < ops.size(); ++i) expect_same_op(rec.ops[i], ops[i]);
}

TEST(TxRecordTest, EachOperationAloneRoundTrips) {
  for (const auto& op : sample_ops()) {
    TxRecord rec = decode_tx_record(encode_record(sample_header(1), {op}));
    ASSERT_EQ(rec.ops.size(), 1u);
    expect_same_op(rec.ops[0], op);
  }
}

TEST(TxRecordTest, HeaderFieldsRoundTripAtTheirExtremes) {
  TxHeader h;
  h.tx_id = std::numeric_limits<std::uint64_t>::max();
  h.start_time_us = std::numeric_limits<std::int64_t>::min();
  h.commit_time_us = std::numeric_limits<std::int64_t>::max();
  h.capture_mode = CaptureMode::kFull;
  h.user = std::string("a\0b", 3);
  h.authenticated_user = "";
  TxRecord rec = decode_tx_record(encode_record(h, {}));
  expect_same_header(rec.header, h);
  EXPECT_TRUE(rec.ops.empty());
  EXPECT_EQ(peek_tx_id(encode_record(h, {})), h.tx_id);
}

TEST(TxRecordTest, EveryCaptureModeRoundTrips) {
  for (CaptureMode mode : {CaptureMode::kOff, CaptureMode::kDiff, CaptureMode::kFull}) {
    TxRecord rec = decode_tx_record(encode_record(sample_header(0, mode), {}));
    EXPECT_EQ(rec.header.capture_mode, mode);
  }
}

// In DIFF and FULL the enrichment follows the operations. Recovery skips it; a full decode
// reads it and refuses anything after it. An OFF record has nothing after its operations.
TEST(TxRecordTest, EnrichmentFollowsTheOperationsAndNothingAfterIt) {
  auto ops = sample_ops();
  for (CaptureMode mode : {CaptureMode::kDiff, CaptureMode::kFull}) {
    std::string payload = encode_record(sample_header(ops.size(), mode), ops);
    TxRecord rec = decode_tx_record(payload);
    ASSERT_EQ(rec.ops.size(), ops.size());
    expect_same_op(rec.ops.back(), ops.back());
    ASSERT_TRUE(rec.enrichment);
    EXPECT_EQ(rec.enrichment->generation, 7u);
    TxRecord ops_only = decode_tx_record(payload + "junk", /*with_enrichment=*/false);
    EXPECT_FALSE(ops_only.enrichment);
    EXPECT_EQ(ops_only.ops.size(), ops.size());
    EXPECT_EQ(error_code_of([&] { decode_tx_record(payload + "x"); }), ErrorCode::kCorruption);
  }
  std::string off = encode_record(sample_header(ops.size()), ops) + "x";
  EXPECT_EQ(error_code_of([&] { decode_tx_record(off); }), ErrorCode::kCorruption);
}

TEST(TxRecordTest, PeekGivesTheTxIdWithoutDecodingTheRest) {
  std::string payload = encode_record(sample_header(3), sample_ops());  // op_count says 3, 14 follow
  EXPECT_EQ(peek_tx_id(payload), 123456789012ull);
  EXPECT_EQ(error_code_of([] { peek_tx_id(""); }), ErrorCode::kCorruption);
  EXPECT_EQ(error_code_of([] { peek_tx_id("\x80"); }), ErrorCode::kCorruption);
}

TEST(TxRecordTest, PeekAtTheStartGivesTheFieldsBeforeTheUsers) {
  for (CaptureMode mode : {CaptureMode::kOff, CaptureMode::kDiff, CaptureMode::kFull}) {
    std::string payload = encode_record(sample_header(3, mode), sample_ops());
    TxRecordStart start = peek_tx_start(payload);
    TxHeaderView header = read_tx_header_view(payload);
    EXPECT_EQ(start.tx_id, header.tx_id);
    EXPECT_EQ(start.start_time_us, header.start_time_us);
    EXPECT_EQ(start.commit_time_us, header.commit_time_us);
    EXPECT_EQ(start.capture_mode, mode);
    EXPECT_EQ(error_code_of([&] { peek_tx_start(payload.substr(0, 10)); }), ErrorCode::kCorruption);
    std::string id;
    ByteWriter(id).varint(start.tx_id);
    std::string bad_mode = payload;
    bad_mode[id.size() + 16] = 3;  // the mode byte, after the tx id and the two times
    EXPECT_EQ(error_code_of([&] { peek_tx_start(bad_mode); }), ErrorCode::kCorruption);
    EXPECT_EQ(error_code_of([&] { read_tx_header_view(bad_mode); }), ErrorCode::kCorruption);
  }
}

// The transaction of the worked example in FORMAT.md, byte for byte (its bytes 0x58..0x90).
TEST(TxRecordTest, WorkedExampleHasTheDocumentedBytes) {
  TxHeader h;
  h.tx_id = 1;
  h.start_time_us = kExampleTime;
  h.commit_time_us = kExampleTime;
  h.user = "alice";
  h.authenticated_user = "alice";
  h.metadata = {{"app", Value("crm")}};
  h.op_count = 1;
  std::string payload;
  encode_tx_header(payload, h);
  ByteWriter w(payload);
  encode_create_node(w, 1, {"Person"}, {{"id", Value(1)}});
  EXPECT_EQ(hex(payload),
            "01 00 30 5f 01 8b 60 06 00 00 30 5f 01 8b 60 06 00 00 05 61 6c 69 63 65 05 61 6c 69 63 65 "
            "01 03 61 70 70 04 03 63 72 6d 01 01 01 01 06 50 65 72 73 6f 6e 01 02 69 64 02 02");
  EXPECT_EQ(payload.size(), 57u);  // the frame length in the example
  EXPECT_EQ(hex(encode_checkpoint({1, kExampleTime})), "01 00 30 5f 01 8b 60 06 00");
}

TEST(TxRecordTest, OpCodesAndNamesArePinned) {
  EXPECT_EQ(static_cast<int>(OpCode::kCreateNode), 1);
  EXPECT_EQ(static_cast<int>(OpCode::kCreateKey), 11);
  EXPECT_EQ(static_cast<int>(OpCode::kDropKey), 12);
  std::set<std::string_view> names;
  for (const auto& op : sample_ops()) names.insert(op_code_name(op.code));
  EXPECT_EQ(names.size(), 12u) << "every op code has its own name";
  EXPECT_EQ(op_code_name(OpCode::kSetRelationshipProperties), "set_relationship_properties");
}

TEST(TxRecordTest, EveryTruncationIsCorruption) {
  auto ops = sample_ops();
  std::string payload = encode_record(sample_header(ops.size()), ops);
  for (std::size_t n = 0; n < payload.size(); ++n) {
    SCOPED_TRACE(n);
    std::string cut = payload.substr(0, n);
    EXPECT_EQ(error_code_of([&] { decode_tx_record(cut); }), ErrorCode::kCorruption);
  }
}

TEST(TxRecordTest, DamagedFieldsAreCorruption) {
  auto with_op_bytes = [](std::string_view op_bytes) {
    std::string payload;
    encode_tx_header(payload, sample_header(1));
    payload.append(op_bytes);
    return payload;
  };
  // Unknown op codes, on both sides of the known range.
  EXPECT_EQ(error_code_of([&] { decode_tx_record(with_op_bytes(std::string("\x00\x01", 2))); }),
            ErrorCode::kCorruption);
  EXPECT_EQ(error_code_of([&] { decode_tx_record(with_op_bytes("\x0c\x01")); }), ErrorCode::kCorruption);
  // A key that is neither a node (1) nor a relationship (2) key.
  EXPECT_EQ(error_code_of([&] { decode_tx_record(with_op_bytes(std::string("\x0b\x03\x01P\x00", 5))); }),
            ErrorCode::kCorruption);
  // An unknown capture mode (byte 17: after the one-byte tx id and two timestamps).
  {
    TxHeader h = sample_header(0);
    h.tx_id = 5;
    std::string payload = encode_record(h, {});
    ASSERT_EQ(payload[17], 0);
    payload[17] = 3;
    EXPECT_EQ(error_code_of([&] { decode_tx_record(payload); }), ErrorCode::kCorruption);
  }
  // More operations promised than present, and a count no payload could hold.
  {
    std::string payload = encode_record(sample_header(2), {sample_ops()[0]});
    EXPECT_EQ(error_code_of([&] { decode_tx_record(payload); }), ErrorCode::kCorruption);
    TxHeader huge = sample_header(std::uint64_t{1} << 62);
    EXPECT_EQ(error_code_of([&] { decode_tx_record(encode_record(huge, {})); }), ErrorCode::kCorruption);
  }
}

TEST(TxRecordTest, CheckpointRoundTrips) {
  for (CheckpointRecord r : {CheckpointRecord{0, 0}, CheckpointRecord{1, kExampleTime},
                             CheckpointRecord{std::numeric_limits<std::uint64_t>::max(), -1}}) {
    CheckpointRecord back = decode_checkpoint(encode_checkpoint(r));
    EXPECT_EQ(back.last_applied_tx, r.last_applied_tx);
    EXPECT_EQ(back.time_us, r.time_us);
  }
}

TEST(TxRecordTest, TruncatedCheckpointIsCorruption) {
  std::string payload = encode_checkpoint({std::uint64_t{1} << 40, kExampleTime});
  for (std::size_t n = 0; n < payload.size(); ++n) {
    SCOPED_TRACE(n);
    std::string cut = payload.substr(0, n);
    EXPECT_EQ(error_code_of([&] { decode_checkpoint(cut); }), ErrorCode::kCorruption);
  }
}

}  // namespace
}  // namespace txgraph::txlog
