// Schema events (beyond Neo4j): key constraints created and dropped reach the readers that ask
// for them with {"select":"s"}, after the entity changes of their transaction; no Neo4j-kind
// selector selects them; a snapshot delivers the constraints first; a replica follows them.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cdc/change_id.h"
#include "cdc_test_support.h"
#include "test_dir.h"
#include "txgraph/txgraph.h"

namespace txgraph {
namespace {

using testing::capture_options;
using testing::error_of;
using testing::TestDir;

const KeyConstraint kPersonId{EntityKind::kNode, "Person", {"id"}};
const KeyConstraint kPaidRef{EntityKind::kRelationship, "PAID", {"ref"}};

ChangeSelector schema_selector() {
  ChangeSelector s;
  s.select = ChangeSelector::Select::kSchema;
  return s;
}

bool is_schema(const ChangeEvent& e) { return e.constraint.has_value(); }

// tx 1: a node, then a key (the key's event follows the node's); tx 2: a drop and another key;
// tx 3: an entity change only.
void write_schema_history(Database& db) {
  {
    auto tx = db.begin_write({"alice", "", {{"app", Value("crm")}}});
    tx.create_node({"Person"}, {{"id", Value(1)}});
    tx.create_key(kPersonId);
    tx.commit();
  }
  {
    auto tx = db.begin_write({"bob", "", {}});
    tx.drop_key(kPersonId);
    tx.create_key(kPaidRef);
    tx.commit();
  }
  {
    auto tx = db.begin_write({"alice", "", {}});
    tx.create_node({"Person"}, {{"id", Value(1)}});
    tx.commit();
  }
}

TEST(SchemaEvents, OnlyASchemaSelectorSelectsThemAfterTheTransactionsChanges) {
  TestDir dir;
  auto db = Database::open(dir / "g", capture_options());
  ChangeStream stream(*db);
  const std::string start = stream.current();
  write_schema_history(*db);

  // What Neo4j's clients ask for never holds a schema event.
  ChangeSelector nodes;
  nodes.select = ChangeSelector::Select::kNode;
  for (const auto& selectors : std::vector<std::vector<ChangeSelector>>{{}, {ChangeSelector{}}, {nodes}}) {
    auto events = stream.query(start, selectors);
    EXPECT_EQ(events.size(), 2u);
    for (const auto& e : events) EXPECT_FALSE(is_schema(e)) << change_event_json(e);
  }

  auto events = stream.query(start, {ChangeSelector{}, schema_selector()});
  ASSERT_EQ(events.size(), 5u);
  EXPECT_FALSE(is_schema(events[0]));
  ASSERT_TRUE(is_schema(events[1]));
  EXPECT_EQ(events[1].tx_id, events[0].tx_id);
  EXPECT_EQ(events[1].seq, 1u);  // after the node's change
  EXPECT_EQ(*events[1].constraint, kPersonId);
  EXPECT_EQ(events[1].operation, ChangeOperation::kCreate);
  EXPECT_EQ(events[1].metadata.executing_user, "alice");
  ASSERT_TRUE(is_schema(events[2]) && is_schema(events[3]));
  EXPECT_EQ(events[2].operation, ChangeOperation::kDelete);
  EXPECT_EQ(*events[2].constraint, kPersonId);
  EXPECT_EQ(events[2].seq, 0u);
  EXPECT_EQ(events[3].operation, ChangeOperation::kCreate);
  EXPECT_EQ(*events[3].constraint, kPaidRef);
  EXPECT_EQ(events[3].seq, 1u);
  EXPECT_FALSE(is_schema(events[4]));

  // Every schema event's id is a position: the query goes on after it.
  auto after_drop = stream.query(events[2].id, {ChangeSelector{}, schema_selector()});
  ASSERT_EQ(after_drop.size(), 2u);
  EXPECT_EQ(after_drop[0], events[3]);
  EXPECT_EQ(after_drop[1], events[4]);
  auto after_create = stream.query(events[1].id, {});
  ASSERT_EQ(after_create.size(), 1u);
  EXPECT_EQ(after_create[0], events[4]);

  // operation and the transaction's fields narrow them.
  ChangeSelector drops = schema_selector();
  drops.operation = ChangeOperation::kDelete;
  auto only_drops = stream.query(start, {drops});
  ASSERT_EQ(only_drops.size(), 1u);
  EXPECT_EQ(only_drops[0], events[2]);
  ChangeSelector by_alice = schema_selector();
  by_alice.executing_user = "alice";
  auto alices = stream.query(start, {by_alice});
  ASSERT_EQ(alices.size(), 1u);
  EXPECT_EQ(alices[0], events[1]);
}

TEST(SchemaEvents, JsonNamesTheConstraintAndNoEntity) {
  TestDir dir;
  auto db = Database::open(dir / "g", capture_options());
  ChangeStream stream(*db);
  const std::string start = stream.current();
  write_schema_history(*db);
  auto events = stream.query(start, {parse_change_selector(R"({"select":"s"})")});
  ASSERT_EQ(events.size(), 3u);
  auto created = nlohmann::json::parse(change_event_json(events[0]));
  EXPECT_EQ(created["event"], nlohmann::json::parse(R"({"eventType":"s","operation":"c",
      "constraint":{"kind":"key","label":"Person","properties":["id"]}})"));
  EXPECT_EQ(created["txId"], events[0].tx_id);
  EXPECT_EQ(created["metadata"]["executingUser"], "alice");
  auto dropped = nlohmann::json::parse(change_event_json(events[1]));
  EXPECT_EQ(dropped["event"]["operation"], "d");
  auto paid = nlohmann::json::parse(change_event_json(events[2]));
  EXPECT_EQ(paid["event"]["constraint"], nlohmann::json::parse(R"({"kind":"key","type":"PAID","properties":["ref"]})"));
}

TEST(SchemaEvents, SelectorsThatCannotApplyToSchemaAreRefused) {
  for (const char* bad : {R"({"select":"s","labels":["Person"]})", R"({"select":"s","operation":"u"})",
                          R"({"select":"s","elementId":"n:1"})", R"({"select":"s","changesTo":["id"]})",
                          R"({"select":"x"})"}) {
    auto code = error_of([&] { parse_change_selector(bad); });
    EXPECT_EQ(code, ErrorCode::kCdcInvalidSelector) << bad;
  }
  ChangeSelector parsed = parse_change_selector(R"({"select":"s","operation":"d","executingUser":"bob"})");
  EXPECT_EQ(parsed.select, ChangeSelector::Select::kSchema);
  EXPECT_EQ(parsed.operation, ChangeOperation::kDelete);
}

TEST(SchemaEvents, ASnapshotDeliversTheConstraintsFirstAndResumesInsideThem) {
  TestDir dir;
  auto db = Database::open(dir / "g", capture_options());
  const KeyConstraint kCompanyName{EntityKind::kNode, "Company", {"name"}};
  {
    auto tx = db->begin_write();
    tx.create_key(kPersonId);
    tx.create_key(kCompanyName);
    tx.create_key(kPaidRef);
    tx.create_node({"Person"}, {{"id", Value(1)}});
    tx.commit();
  }
  ChangeStream stream(*db);
  const std::vector<ChangeSelector> everything{ChangeSelector{}, schema_selector()};
  auto events = stream.query(stream.snapshot_start(), everything);
  ASSERT_EQ(events.size(), 4u);
  std::vector<KeyConstraint> delivered;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(is_schema(events[i]));
    EXPECT_TRUE(events[i].snapshot);
    EXPECT_EQ(events[i].operation, ChangeOperation::kCreate);
    EXPECT_EQ(events[i].metadata.connection_type, "snapshot");
    EXPECT_TRUE(cdc::decode_change_id(events[i].id).in_snapshot());
    delivered.push_back(*events[i].constraint);
  }
  EXPECT_TRUE(std::is_permutation(delivered.begin(), delivered.end(), db->begin_read().key_constraints().begin()));
  EXPECT_FALSE(is_schema(events[3]));
  EXPECT_EQ(events[3].element_id, "n:1");
  // Without a schema selector the snapshot has entities only.
  EXPECT_EQ(stream.query(stream.snapshot_start()).size(), 1u);

  // A consumer stopped after the first constraint; meanwhile one it has is dropped and one
  // it has not seen yet is dropped, and a new one made. Resumed, it ends with the store's set.
  std::vector<KeyConstraint> held{delivered[0]};
  {
    auto tx = db->begin_write();
    tx.drop_key(delivered[0]);
    tx.drop_key(delivered[2]);
    tx.create_key({EntityKind::kNode, "Pet", {"name"}});
    tx.commit();
  }
  auto rest = stream.query(events[0].id, everything);
  for (const auto& e : rest) {
    if (!is_schema(e)) continue;
    if (e.operation == ChangeOperation::kCreate) {
      EXPECT_EQ(std::count(held.begin(), held.end(), *e.constraint), 0) << change_event_json(e);
      held.push_back(*e.constraint);
    } else {
      auto it = std::find(held.begin(), held.end(), *e.constraint);
      ASSERT_NE(it, held.end()) << "a drop of a constraint the consumer never had: " << change_event_json(e);
      held.erase(it);
    }
  }
  auto now = db->begin_read().key_constraints();
  EXPECT_EQ(held.size(), now.size());
  EXPECT_TRUE(std::is_permutation(held.begin(), held.end(), now.begin(), now.end()));
}

TEST(SchemaEvents, AReplicaFollowsItsSourcesKeys) {
  TestDir dir;
  auto source = Database::open(dir / "source", capture_options());
  auto replica = Database::open(dir / "replica", capture_options(EnrichmentMode::kOff));
  {
    auto tx = source->begin_write();
    tx.create_key(kPersonId);
    tx.create_node({"Person"}, {{"id", Value(1)}});
    tx.commit();
  }
  ChangeStream stream(*source);
  replicate(stream, *replica);  // the snapshot brings the key
  EXPECT_EQ(replica->begin_read().key_constraints(), source->begin_read().key_constraints());
  {
    auto tx = source->begin_write();
    tx.drop_key(kPersonId);
    tx.create_node({"Person"}, {{"id", Value(1)}});  // a duplicate only the dropped key refused
    tx.create_key(kPaidRef);
    tx.commit();
  }
  auto result = replicate(stream, *replica);
  EXPECT_EQ(result.transactions, 1u);
  auto keys = replica->begin_read().key_constraints();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0], kPaidRef);
  EXPECT_EQ(replica->begin_read().nodes_with_label("Person").size(), 2u);
}

}  // namespace
}  // namespace txgraph
