// Transaction records read in place (txlog/tx_record_view.h): the view holds the bytes of
// exactly what decode_tx_record decodes, refuses exactly the payloads it refuses, and finds
// the operations of each created entity.
#include "txlog/tx_record_view.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "txlog/value_codec.h"
#include "change_builders.h"
#include "txlog_test_support.h"

namespace txgraph::txlog {
namespace {

using testing::error_code_of;

std::vector<std::string> names_of(std::string_view names) {
  std::vector<std::string> out;
  decode_names_into(names, out);
  return out;
}

Properties properties_of(std::string_view properties) {
  if (properties.empty()) return {};
  ByteReader in(properties, "test");
  Properties out = decode_properties(in);
  EXPECT_TRUE(in.done());
  return out;
}

std::vector<KeyValues> keys_of(std::string_view keys) {
  ByteReader in(keys, "test");
  std::vector<KeyValues> out(static_cast<std::size_t>(in.varint()));
  for (auto& key : out) {
    key.label = std::string(in.str());
    key.properties = decode_properties(in);
  }
  EXPECT_TRUE(in.done());
  return out;
}

NodeReference reference_of(const NodeReferenceView& view) { return {view.id, names_of(view.labels), keys_of(view.keys)}; }

std::optional<EntityState> state_of(const StateView& view) {
  if (!view.present) return std::nullopt;
  return EntityState{names_of(view.labels), properties_of(view.properties)};
}

// A DIFF record with an update, a delete, a relationship create written with its state, and a
// node and a relationship created by reference, set, relabelled and unset by later operations.
std::string sample_record(std::uint64_t extra_operations = 0) {
  TxHeader h;
  h.tx_id = 77;
  h.start_time_us = 1000;
  h.commit_time_us = 2000;
  h.capture_mode = CaptureMode::kDiff;
  h.user = "alice";
  h.authenticated_user = "root";
  h.metadata = {{"app", Value("crm")}};
  h.op_count = 8 + extra_operations;
  std::string payload;
  encode_tx_header(payload, h);
  ByteWriter w(payload);
  encode_create_node(w, 10, {"Zeta", "Alpha"}, {{"a", Value(1)}, {"gone", Value(2)}, {"nil", Value()}});
  encode_set_properties(w, OpCode::kSetNodeProperties, 11, {{"age", Value(31)}});
  for (std::uint64_t i = 0; i < extra_operations; ++i)
    encode_set_properties(w, OpCode::kSetNodeProperties, 100 + i, {{"n", Value(static_cast<std::int64_t>(i))}});
  encode_set_properties(w, OpCode::kSetNodeProperties, 10, {{"a", Value(3)}});
  encode_create_relationship(w, 4, "R", 10, 11, {{"w", Value(0.5)}});
  encode_names(w, OpCode::kRemoveNodeProperties, 10, {"gone"});
  encode_names(w, OpCode::kAddLabels, 10, {"Beta"});
  encode_key(w, OpCode::kCreateKey, 1, "Person", {"id"});
  encode_key(w, OpCode::kDropKey, 2, "KNOWS", {"since"});

  Enrichment e;
  e.generation = 3;
  Change created = testing::node_created_by_operations(10);
  Change updated = testing::node_updated(11, EntityState{{}, {{"age", Value(30)}}}, EntityState{{}, {{"age", Value(31)}}});
  updated.labels = {"Person"};
  updated.keys = {KeyValues{"Person", {{"id", Value(11)}}}};
  Change relationship = testing::relationship_created_by_operations(
      4, "R", NodeReference{10, {"Alpha"}, {}}, NodeReference{11, {"Person"}, {KeyValues{"Person", {{"id", Value(11)}}}}});
  Change deleted;
  deleted.operation = ChangeOperation::kDelete;
  deleted.id = 9;
  deleted.labels = {"Old"};
  deleted.before = EntityState{{"Old"}, {{"x", Value("y")}}};
  e.changes = {created, updated, relationship, deleted};
  encode_enrichment(w, e);
  return payload;
}

TEST(TxRecordViewTest, HoldsTheBytesOfWhatDecodingDecodes) {
  std::string payload = sample_record();
  TxRecord decoded = decode_tx_record(payload);
  TxRecordView view;
  view.read(payload);

  const TxHeaderView& h = view.header();
  EXPECT_EQ(h.tx_id, decoded.header.tx_id);
  EXPECT_EQ(h.start_time_us, decoded.header.start_time_us);
  EXPECT_EQ(h.commit_time_us, decoded.header.commit_time_us);
  EXPECT_EQ(h.capture_mode, decoded.header.capture_mode);
  EXPECT_EQ(h.user, decoded.header.user);
  EXPECT_EQ(h.authenticated_user, decoded.header.authenticated_user);
  EXPECT_EQ(properties_of(h.metadata), decoded.header.metadata);
  EXPECT_EQ(h.op_count, decoded.header.op_count);
  TxHeaderView alone = read_tx_header_view(payload);
  EXPECT_EQ(alone.metadata, h.metadata);
  EXPECT_EQ(alone.op_count, h.op_count);

  ASSERT_EQ(view.operations().size(), decoded.ops.size());
  for (std::size_t i = 0; i < decoded.ops.size(); ++i) {
    SCOPED_TRACE(i);
    const OperationView& op = view.operations()[i];
    EXPECT_EQ(op.code, decoded.ops[i].code);
    if (is_schema_operation(op.code)) continue;  // neither names nor properties of an entity
    EXPECT_EQ(op.id, decoded.ops[i].id);
    EXPECT_EQ(names_of(op.names), decoded.ops[i].names);
    EXPECT_EQ(properties_of(op.properties), decoded.ops[i].properties);
  }

  ASSERT_TRUE(view.has_enrichment());
  EXPECT_EQ(view.generation(), decoded.enrichment->generation);
  ASSERT_EQ(view.changes().size(), decoded.enrichment->changes.size());
  for (std::size_t i = 0; i < view.changes().size(); ++i) {
    SCOPED_TRACE(i);
    const ChangeView& c = view.changes()[i];
    const Change& want = decoded.enrichment->changes[i];
    EXPECT_EQ(c.entity, want.entity);
    EXPECT_EQ(c.operation, want.operation);
    EXPECT_EQ(c.id, want.id);
    EXPECT_EQ(std::string(c.type), want.type);
    EXPECT_EQ(keys_of(c.keys), want.keys);
    EXPECT_EQ(state_of(c.before), want.before);
    if (c.entity == ChangeEntity::kRelationship) {
      EXPECT_EQ(reference_of(c.start), want.start);
      EXPECT_EQ(reference_of(c.end), want.end);
    }
    // Decoding completes creates by reference; the view leaves them to operations_on().
    if (c.after_from_operations) {
      EXPECT_FALSE(c.after.present);
      EXPECT_TRUE(names_of(c.labels).empty());
      EXPECT_TRUE(want.after.has_value());
    } else {
      EXPECT_EQ(names_of(c.labels), want.labels);
      EXPECT_EQ(state_of(c.after), want.after);
    }
  }
  EXPECT_TRUE(view.changes()[0].after_from_operations);
  EXPECT_TRUE(view.changes()[2].after_from_operations);
}

// Few operations are scanned, many are grouped: both must give each entity its operations, in
// record order, and nothing of another entity or kind (node 10 and relationship 4 share no id
// here, but relationship 4 and node 4 would).
TEST(TxRecordViewTest, OperationsOnGiveTheEntitysOperationsInOrder) {
  for (std::uint64_t extra : {0, 40}) {
    SCOPED_TRACE(extra);
    std::string payload = sample_record(extra);
    TxRecordView view;
    view.read(payload);
    for (std::size_t change = 0; change < view.changes().size(); ++change) {
      const ChangeView& c = view.changes()[change];
      std::vector<std::uint32_t> want;
      for (std::size_t i = 0; i < view.operations().size(); ++i) {
        const OperationView& op = view.operations()[i];
        if (!is_schema_operation(op.code) && op.id == c.id &&
            is_node_operation(op.code) == (c.entity == ChangeEntity::kNode))
          want.push_back(static_cast<std::uint32_t>(i));
      }
      auto got = view.operations_on(change);
      EXPECT_EQ(std::vector<std::uint32_t>(got.begin(), got.end()), want) << "change " << change;
    }
    auto node = view.operations_on(0);
    ASSERT_EQ(node.size(), 4u);
    EXPECT_EQ(view.operations()[node[0]].code, OpCode::kCreateNode);
    EXPECT_EQ(view.operations()[node[3]].code, OpCode::kAddLabels);
  }
}

TEST(TxRecordViewTest, RefusesExactlyWhatDecodingRefuses) {
  std::string payload = sample_record();
  TxRecordView view;
  // The error's code and message, or nothing when `fn` accepts the bytes.
  auto refusal = [](auto&& fn) -> std::optional<std::pair<ErrorCode, std::string>> {
    try {
      fn();
    } catch (const Error& e) {
      return std::pair<ErrorCode, std::string>(e.code(), e.what());
    }
    return std::nullopt;
  };
  auto check = [&](const std::string& bytes) {
    auto decoded = refusal([&] { decode_tx_record(bytes); });
    auto viewed = refusal([&] { view.read(bytes); });
    EXPECT_EQ(viewed, decoded) << bytes.size() << " bytes";
    if (viewed) {
      EXPECT_EQ(viewed->first, ErrorCode::kCorruption);
    }
  };
  for (std::size_t n = 0; n < payload.size(); ++n) check(payload.substr(0, n));
  check(payload + "x");
  for (std::size_t i = 0; i < payload.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string damaged = payload;
      damaged[i] = static_cast<char>(damaged[i] ^ (1 << bit));
      check(damaged);
    }
  }
  // And it still reads a good record after all that.
  view.read(payload);
  EXPECT_EQ(view.changes().size(), 4u);
}

TEST(TxRecordViewTest, ACreateByReferenceWithoutItsCreateOperationIsDamage) {
  TxHeader h;
  h.capture_mode = CaptureMode::kFull;
  std::string payload;
  encode_tx_header(payload, h);
  ByteWriter w(payload);
  Change created;
  created.id = 5;
  created.after_from_operations = true;
  encode_enrichment(w, Enrichment{1, {created}});
  TxRecordView view;
  EXPECT_EQ(error_code_of([&] { view.read(payload); }), ErrorCode::kCorruption);
  EXPECT_EQ(error_code_of([&] { decode_tx_record(payload); }), ErrorCode::kCorruption);
  // With the same message, even with bytes after it (the create is found wanting first).
  auto message_of = [](auto&& fn) -> std::string {
    try {
      fn();
    } catch (const Error& e) {
      return e.what();
    }
    return "accepted";
  };
  for (const std::string& bytes : {payload, payload + "x"}) {
    std::string viewed = message_of([&] { view.read(bytes); });
    EXPECT_EQ(viewed, message_of([&] { decode_tx_record(bytes); }));
    EXPECT_NE(viewed.find("a create of entity 5 whose record has no create operation"), std::string::npos) << viewed;
  }
}

TEST(TxRecordViewTest, AnOffRecordHasNoChanges) {
  TxHeader h;
  h.tx_id = 3;
  h.op_count = 1;
  std::string payload;
  encode_tx_header(payload, h);
  ByteWriter w(payload);
  encode_delete(w, OpCode::kDeleteNode, 8);
  TxRecordView view;
  view.read(sample_record());
  view.read(payload);
  EXPECT_FALSE(view.has_enrichment());
  EXPECT_TRUE(view.changes().empty());
  ASSERT_EQ(view.operations().size(), 1u);
  EXPECT_EQ(view.operations()[0].id, 8u);
}

}  // namespace
}  // namespace txgraph::txlog
