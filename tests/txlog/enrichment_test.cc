#include "txlog/enrichment.h"

#include <gtest/gtest.h>

#include "txlog/tx_record.h"

#include "change_builders.h"

namespace txgraph::txlog {
namespace {

Enrichment sample() {
  Enrichment e;
  e.generation = 3;
  Change node;
  node.entity = ChangeEntity::kNode;
  node.operation = ChangeOperation::kUpdate;
  node.id = 42;
  node.labels = {"Admin", "Person"};
  node.keys = {KeyValues{"Person", {{"id", Value(1)}}}};
  node.before = EntityState{{}, {{"age", Value(30)}}};
  node.after = EntityState{{"Admin"}, {{"age", Value(31)}, {"tags", Value(Value::List{Value("a")})}}};
  Change rel;
  rel.entity = ChangeEntity::kRelationship;
  rel.operation = ChangeOperation::kCreate;
  rel.id = 7;
  rel.type = "KNOWS";
  rel.start = NodeReference{42, {"Person"}, {KeyValues{"Person", {{"id", Value(1)}}}}};
  rel.end = NodeReference{43, {}, {}};
  rel.after = EntityState{{}, {{"since", Value(2020)}}};
  Change gone;
  gone.entity = ChangeEntity::kNode;
  gone.operation = ChangeOperation::kDelete;
  gone.id = 9;
  gone.before = EntityState{{"X"}, {}};
  e.changes = {node, rel, gone};
  return e;
}

std::string encode(const Enrichment& e) {
  std::string out;
  ByteWriter w(out);
  encode_enrichment(w, e);
  return out;
}

TEST(Enrichment, RoundTrips) {
  Enrichment e = sample();
  std::string bytes = encode(e);
  ByteReader r(bytes, "test");
  Enrichment back = decode_enrichment(r);
  EXPECT_TRUE(r.done());
  EXPECT_EQ(back.generation, 3u);
  ASSERT_EQ(back.changes.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(back.changes[i], e.changes[i]) << i;
}

TEST(Enrichment, EveryTruncationIsRefused) {
  std::string bytes = encode(sample());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    std::string cut = bytes.substr(0, n);
    ByteReader r(cut, "test");
    try {
      decode_enrichment(r);
      ADD_FAILURE() << "a truncation to " << n << " bytes decoded";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kCorruption);
    }
  }
}

TEST(Enrichment, StatesMustMatchTheOperation) {
  Enrichment e;
  Change c;
  c.operation = ChangeOperation::kCreate;
  c.before = EntityState{};  // a create with a before-state is malformed
  c.after = EntityState{};
  e.changes = {c};
  std::string bytes = encode(e);
  ByteReader r(bytes, "test");
  EXPECT_THROW(decode_enrichment(r), Error);
}

// A created entity is written once, by its operations; the change takes its after-state from
// them when the record is decoded.
TEST(Enrichment, CreatesTakeTheirAfterStateFromTheOperations) {
  TxHeader h;
  h.tx_id = 5;
  h.capture_mode = CaptureMode::kDiff;
  h.op_count = 5;
  std::string payload;
  encode_tx_header(payload, h);
  ByteWriter w(payload);
  encode_create_node(w, 10, {"Zeta", "Alpha", "Zeta"}, {{"a", Value(1)}, {"gone", Value(2)}, {"nil", Value()}});
  encode_set_properties(w, OpCode::kSetNodeProperties, 10, {{"a", Value(3)}, {"b", Value("x")}});
  encode_names(w, OpCode::kRemoveNodeProperties, 10, {"gone"});
  encode_names(w, OpCode::kAddLabels, 10, {"Beta"});
  encode_create_relationship(w, 4, "R", 10, 10, {{"w", Value(0.5)}});
  Enrichment e;
  e.generation = 1;
  e.changes = {testing::node_created_by_operations(10),
               testing::relationship_created_by_operations(4, "R", NodeReference{10, {}, {}}, NodeReference{10, {}, {}})};
  std::string with_state_written = payload;
  encode_enrichment(w, e);
  TxRecord rec = decode_tx_record(payload);
  ASSERT_EQ(rec.enrichment->changes.size(), 2u);
  const Change& n = rec.enrichment->changes[0];
  EXPECT_FALSE(n.after_from_operations);
  EXPECT_EQ(n.labels, (std::vector<std::string>{"Alpha", "Beta", "Zeta"}));
  ASSERT_TRUE(n.after);
  EXPECT_EQ(n.after->labels, n.labels);
  EXPECT_EQ(n.after->properties, (Properties{{"a", Value(3)}, {"b", Value("x")}}));
  const Change& r = rec.enrichment->changes[1];
  EXPECT_EQ(r.after->properties, (Properties{{"w", Value(0.5)}}));

  // Writing the state by reference is what makes it smaller than writing it out.
  Enrichment written = e;
  for (auto& c : written.changes) {
    c.after_from_operations = false;
    c.after = EntityState{{"Alpha", "Beta", "Zeta"}, {{"a", Value(3)}, {"b", Value("x")}}};
  }
  ByteWriter w2(with_state_written);
  encode_enrichment(w2, written);
  EXPECT_LT(payload.size(), with_state_written.size());
}

TEST(Enrichment, ACreateByReferenceNeedsItsCreateOperation) {
  TxHeader h;
  h.tx_id = 1;
  h.capture_mode = CaptureMode::kFull;
  std::string payload;
  encode_tx_header(payload, h);  // no operations at all
  Enrichment e;
  Change c;
  c.id = 3;
  c.after_from_operations = true;
  e.changes = {c};
  ByteWriter w(payload);
  encode_enrichment(w, e);
  try {
    decode_tx_record(payload);
    FAIL();
  } catch (const Error& err) {
    EXPECT_EQ(err.code(), ErrorCode::kCorruption);
  }
}

TEST(Enrichment, ChangeRecordRoundTrips) {
  EnrichmentChangeRecord rec{CaptureMode::kOff, CaptureMode::kFull, 4, 1000, -5};
  auto back = decode_enrichment_change(encode_enrichment_change(rec));
  EXPECT_EQ(back.from, CaptureMode::kOff);
  EXPECT_EQ(back.to, CaptureMode::kFull);
  EXPECT_EQ(back.generation, 4u);
  EXPECT_EQ(back.next_tx, 1000u);
  EXPECT_EQ(back.time_us, -5);
  EXPECT_THROW(decode_enrichment_change(encode_enrichment_change(rec) + "x"), Error);
  std::string bad = encode_enrichment_change(rec);
  bad[1] = 9;  // no such mode
  EXPECT_THROW(decode_enrichment_change(bad), Error);
}

}  // namespace
}  // namespace txgraph::txlog
