// Snapshots that hand over to the stream (ChangeStream::snapshot_start): a consumer that
// applies the snapshot and then the stream, stopped and resumed from a random event's id again
// and again while writers keep committing, ends with exactly the source graph.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <random>

#include "cdc/change_id.h"
#include "cdc_test_support.h"
#include "graph_churn.h"
#include "json_graph_model.h"
#include "test_dir.h"
#include "txgraph/txgraph.h"

namespace txgraph {
namespace {

using testing::capture_options;
using testing::GraphChurn;
using testing::JsonGraph;
using testing::TestDir;

int rounds() {
  const char* env = std::getenv("TXGRAPH_SNAPSHOT_ROUNDS");
  return env ? std::max(1, std::atoi(env)) : 3;
}

bool in_snapshot(const std::string& id) { return cdc::decode_change_id(id).in_snapshot(); }

// One round: writers commit the whole time a consumer reads the snapshot and the stream in
// pieces, each time keeping the events up to a random one and resuming after its id (the
// rest is read again), sometimes through a new ChangeStream as a restarted process would.
void snapshot_round(std::uint64_t seed, EnrichmentMode mode) {
  TestDir dir;
  auto db = Database::open(dir / "g", capture_options(mode));
  GraphChurn churn(*db, seed, 300, 400);
  std::mt19937_64 random(seed);
  auto stream = std::make_unique<ChangeStream>(*db);
  stream->set_snapshot_chunk(1 + random() % 40);
  churn.start();

  JsonGraph copy;
  std::string position = stream->snapshot_start();
  std::uint64_t snapshot_events = 0, interleaved = 0, resumes = 0;
  while (in_snapshot(position) || churn.commits() < 400) {
    std::vector<ChangeEvent> events;
    auto result = stream->query(position, {}, [&](const ChangeEvent& e) {
      events.push_back(e);
      return true;
    }, 1 + random() % 150);
    if (events.empty()) {
      position = result.position;
      continue;
    }
    std::size_t keep = random() % 3 == 0 ? events.size() - 1 : random() % events.size();
    for (std::size_t i = 0; i <= keep; ++i) {
      if (events[i].snapshot) ++snapshot_events;
      if (!events[i].snapshot && in_snapshot(events[i].id)) ++interleaved;
      copy.apply_line(change_event_json(events[i]));
    }
    position = keep + 1 == events.size() ? result.position : events[keep].id;
    ++resumes;
    if (random() % 5 == 0) {
      stream = std::make_unique<ChangeStream>(*db);
      stream->set_snapshot_chunk(1 + random() % 40);
    }
  }
  churn.stop();
  stream->query(position, {}, [&](const ChangeEvent& e) {
    copy.apply_line(change_event_json(e));
    return true;
  });
  ASSERT_TRUE(copy.problems.empty()) << copy.problems.front() << " (" << copy.problems.size() << " problems)";
  auto source = JsonGraph::from_export(testing::export_lines(*db));
  EXPECT_EQ(copy.differences(source), "");
  // Most of the 700 seeded entities came in the snapshot (the writers delete some while it
  // runs, and resumes read some twice): not an empty snapshot followed by the whole stream.
  EXPECT_GT(snapshot_events, 350u);
  EXPECT_GT(resumes, 5u);
  // The writers' changes came between chunks too, not only after the snapshot.
  EXPECT_GT(interleaved, 0u);
}

TEST(Snapshot, ConsumerResumedFromRandomIdsEndsWithTheSourceUnderWritersDiff) {
  for (int round = 0; round < rounds(); ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    snapshot_round(1000 + round, EnrichmentMode::kDiff);
    if (HasFatalFailure()) return;
  }
}

TEST(Snapshot, ConsumerEndsWithTheSourceInFullMode) {
  snapshot_round(77, EnrichmentMode::kFull);
}

TEST(Snapshot, DeliversNodesThenRelationshipsWithKeysAndEndpoints) {
  TestDir dir;
  auto db = Database::open(dir / "g", capture_options());
  NodeId ann, bob;
  {
    auto tx = db->begin_write();
    tx.create_key({EntityKind::kNode, "Person", {"id"}});
    ann = tx.create_node({"Person"}, {{"id", Value(1)}, {"name", Value("Ann")}});
    bob = tx.create_node({"Person", "Admin"}, {{"id", Value(2)}});
    tx.create_relationship("KNOWS", ann, bob, {{"since", Value(2020)}});
    tx.commit();
  }
  ChangeStream stream(*db);
  auto events = stream.query(stream.snapshot_start());
  ASSERT_EQ(events.size(), 3u);
  EXPECT_TRUE(events[0].snapshot);
  EXPECT_EQ(events[0].element_id, element_id(ann));
  EXPECT_EQ(events[0].operation, ChangeOperation::kCreate);
  ASSERT_EQ(events[0].keys.size(), 1u);
  EXPECT_EQ(events[0].keys[0].label, "Person");
  EXPECT_EQ(events[0].keys[0].properties.at("id"), Value(1));
  EXPECT_FALSE(events[0].before.has_value());
  EXPECT_EQ(events[0].after->properties.at("name"), Value("Ann"));
  EXPECT_EQ(events[1].element_id, element_id(bob));
  EXPECT_EQ(events[2].kind, EntityKind::kRelationship);
  EXPECT_EQ(events[2].start.element_id, element_id(ann));
  EXPECT_EQ(events[2].end.labels, (std::vector<std::string>{"Admin", "Person"}));
  EXPECT_EQ(events[2].start.keys[0].properties.at("id"), Value(1));
  EXPECT_NE(change_event_json(events[2]).find("\"snapshot\":true"), std::string::npos);
  // The metadata Neo4j's clients require is there too: this database's serverId, and a
  // connection type that says no transaction made the event.
  for (const auto& e : events) {
    EXPECT_EQ(e.metadata.server_id, db->uuid().substr(0, 8));
    EXPECT_EQ(e.metadata.connection_type, "snapshot");
  }
  // The last snapshot event's id is an ordinary stream position: the changes after it follow.
  EXPECT_FALSE(in_snapshot(events[2].id));
  {
    auto tx = db->begin_write();
    tx.set_node_properties(ann, {{"age", Value(31)}});
    tx.commit();
  }
  auto after = stream.query(events[2].id);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_FALSE(after[0].snapshot);
  EXPECT_EQ(after[0].operation, ChangeOperation::kUpdate);
  // Selectors select snapshot events as creates.
  ChangeSelector relationships;
  relationships.select = ChangeSelector::Select::kRelationship;
  auto selected = stream.query(stream.snapshot_start(), {relationships});
  ASSERT_EQ(selected.size(), 1u);
  EXPECT_EQ(selected[0].type, "KNOWS");
}

TEST(Snapshot, IncludesBulkImportedData) {
  TestDir dir;
  auto db = Database::open(dir / "g", capture_options());
  auto csv = dir / "people.csv";
  std::ofstream(csv) << "id:ID,:LABEL,name\n1,Person,Ann\n2,Person,Bob\n";
  auto rels = dir / "knows.csv";
  std::ofstream(rels) << ":START_ID,:END_ID,:TYPE\n1,2,KNOWS\n";
  ImportOptions import;
  import.node_files = {csv};
  import.relationship_files = {rels};
  db->import_csv(import);
  ChangeStream stream(*db);
  EXPECT_TRUE(stream.query(stream.earliest()).empty());  // the stream never saw them
  auto events = stream.query(stream.snapshot_start());
  ASSERT_EQ(events.size(), 3u);
  JsonGraph copy;
  for (const auto& e : events) copy.apply_line(change_event_json(e));
  EXPECT_EQ(copy.differences(JsonGraph::from_export(testing::export_lines(*db))), "");
}

TEST(Snapshot, OldIdsStillDecodeAndSnapshotIdsCarryTheirPlace) {
  cdc::ChangePosition p;
  p.database_uuid = std::string(16, 'u');
  p.generation = 2;
  p.tx_id = 40;
  p.seq = 3;
  p.commit_time_us = 123456;
  auto plain = cdc::encode_change_id(p);
  EXPECT_FALSE(cdc::decode_change_id(plain).in_snapshot());
  EXPECT_EQ(cdc::decode_change_id(plain), p);
  p.snapshot_phase = cdc::SnapshotPhase::kRelationships;
  p.snapshot_next_id = 77;
  auto id = cdc::encode_change_id(p);
  EXPECT_NE(id, plain);
  EXPECT_EQ(cdc::decode_change_id(id), p);
  // A damaged snapshot id is refused like any other.
  std::string damaged = id;
  damaged[damaged.size() / 2] = damaged[damaged.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_EQ(testing::error_of([&] { cdc::decode_change_id(damaged); }), ErrorCode::kCdcInvalidId);
}

TEST(Snapshot, ConsumerGroupStartsWithASnapshot) {
  TestDir dir;
  auto db = Database::open(dir / "g", capture_options());
  {
    auto tx = db->begin_write();
    for (int i = 0; i < 25; ++i) tx.create_node({"Item"}, {{"n", Value(i)}});
    tx.commit();
  }
  ChangeStream stream(*db);
  stream.set_snapshot_chunk(4);
  ConsumerGroupOptions options;
  options.start = StartLocation::snapshot();
  create_consumer_group(stream, "late", options);
  EXPECT_EQ(parse_start_location("snapshot").kind, StartLocation::Kind::kSnapshot);
  JsonGraph copy;
  {
    Consumer consumer(stream, "late");
    auto batch = consumer.poll(10);
    ASSERT_EQ(batch.events.size(), 10u);
    for (const auto& e : batch.events) copy.apply_line(change_event_json(e));
    consumer.close();  // commits the batch's position, inside the snapshot
  }
  {
    auto tx = db->begin_write();
    tx.create_node({"Item"}, {{"n", Value(99)}});
    tx.commit();
  }
  Consumer consumer(stream, "late");
  for (;;) {
    auto batch = consumer.poll(7);
    if (batch.empty()) break;
    for (const auto& e : batch.events) copy.apply_line(change_event_json(e));
  }
  EXPECT_TRUE(copy.problems.empty());
  EXPECT_EQ(copy.nodes.size(), 26u);
  EXPECT_EQ(copy.differences(JsonGraph::from_export(testing::export_lines(*db))), "");
}

}  // namespace
}  // namespace txgraph
