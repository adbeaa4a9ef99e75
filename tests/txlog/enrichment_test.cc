#include "txlog/enrichment.h"

#include <gtest/gtest.h>

#include "txlog/tx_record.h"

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
