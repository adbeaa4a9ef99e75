// Golden tests: a fixed script of transactions run in DIFF and in FULL (and FULL with typed
// temporal and spatial values), and the exact JSON of
// every change event compared with the expected files in tests/cdc/golden/ (change ids, which
// hold the random database UUID, are replaced by "<id>"; times come from a fixed clock).
//
// To rewrite the expected files after an intended change of the event format, run the test
// with TXGRAPH_UPDATE_GOLDEN=1 and review the difference before committing it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "test_dir.h"
#include "txgraph/txgraph.h"

namespace txgraph {
namespace {

using testing::TestDir;

constexpr std::int64_t kStart = 1'795'000'000'000'000;  // 2026-11-18T11:06:40Z

struct FixedClock {
  std::atomic<std::int64_t> now{kStart};
};

// The script: every kind of change, on nodes and relationships, with keys.
void run_script(Database& db, FixedClock& clock) {
  auto at = [&](int second) { clock.now = kStart + second * 1'000'000 + 123'000; };
  TxInfo alice{"alice", "", {{"app", Value("crm")}}};
  at(1);
  {
    auto tx = db.begin_write(alice);
    tx.create_key({EntityKind::kNode, "Person", {"id"}});
    tx.create_key({EntityKind::kRelationship, "KNOWS", {"kid"}});
    tx.commit();
  }
  at(2);
  NodeId a, b;
  RelationshipId r;
  {
    auto tx = db.begin_write(alice);
    a = tx.create_node({"Person"}, {{"id", Value(1)}, {"name", Value("Ann")}, {"age", Value(30)}});
    b = tx.create_node({"Person"}, {{"id", Value(2)}, {"name", Value("Bob")}});
    r = tx.create_relationship("KNOWS", a, b, {{"kid", Value(100)}, {"since", Value(2020)}});
    tx.commit();
  }
  at(3);
  {
    // Update: a changed, an added and a removed property, and an added label.
    auto tx = db.begin_write(TxInfo{"bob", "admin", {{"app", Value("etl")}, {"batch", Value(7)}}});
    tx.set_node_properties(a, {{"age", Value(31)}, {"email", Value("ann@example.com")}});
    tx.remove_node_properties(a, {"name"});
    tx.add_labels(a, {"Admin"});
    tx.commit();
  }
  at(4);
  {
    // A removed label, and a relationship update.
    auto tx = db.begin_write(alice);
    tx.remove_labels(a, {"Admin"});
    tx.set_relationship_properties(r, {{"weight", Value(0.5)}});
    tx.remove_relationship_properties(r, {"since"});
    tx.commit();
  }
  at(5);
  {
    auto tx = db.begin_write(alice);
    tx.delete_relationship(r);
    tx.commit();
  }
  at(6);
  {
    // A create, then a detach delete that takes a relationship with it.
    auto tx = db.begin_write(alice);
    auto c = tx.create_node({"Person", "Customer"}, {{"id", Value(3)}, {"tags", Value(Value::List{"x", "y"})}});
    tx.create_relationship("LIKES", b, c, {{"stars", Value(5)}});
    tx.commit();
  }
  at(7);
  {
    auto tx = db.begin_write(alice);
    tx.delete_node(b, /*detach=*/true);
    tx.commit();
  }
  at(8);
  {
    auto tx = db.begin_write(alice);
    tx.create_key({EntityKind::kNode, "Event", {"day"}});
    tx.commit();
  }
  at(9);
  NodeId e;
  {
    // Every temporal and spatial kind, a key on a date, and a list of points.
    auto tx = db.begin_write(alice);
    e = tx.create_node(
        {"Event"}, {{"day", Value(parse_date("2024-01-31"))},
                    {"at", Value(parse_datetime("2024-01-31T12:30:00+01:00[Europe/Berlin]"))},
                    {"opens", Value(parse_local_time("09:00"))},
                    {"closes", Value(parse_time("17:30:00.25-05:00"))},
                    {"local", Value(parse_local_datetime("2024-01-31T12:30:00"))},
                    {"lasts", Value(parse_iso_duration("P1M2DT3.5S"))},
                    {"where", Value(Point{kSridWgs84, 13.4, 52.5, 0})},
                    {"route", Value(Value::List{Value(Point{kSridCartesian3D, 1, 2, 3}),
                                                Value(Point{kSridCartesian3D, 4, 5, 6})})}});
    tx.commit();
  }
  at(10);
  {
    auto tx = db.begin_write(alice);
    tx.set_node_properties(e, {{"at", Value(parse_datetime("2024-07-01T12:00:00[Europe/Berlin]"))}});
    tx.remove_node_properties(e, {"where"});
    tx.commit();
  }
}

std::string normalized_events(EnrichmentMode mode, ValueForm values = ValueForm::kNeo4j) {
  TestDir dir;
  FixedClock clock;
  Options o;
  o.durability = Durability::kAsync;
  o.initial_settings.enrichment = mode;
  o.clock = [&clock] { return clock.now.load(); };
  auto db = Database::open(dir / "graph", o);
  ChangeStream stream(*db);
  auto from = stream.earliest();
  run_script(*db, clock);
  std::string out;
  stream.query(from, {}, [&](const ChangeEvent& e) {
    auto json = nlohmann::ordered_json::parse(change_event_json(e, values));
    EXPECT_EQ(json["id"], e.id);
    json["id"] = "<id>";
    // The database's own id, new with every test database: 8 hex digits, its uuid's first.
    std::string server_id = json["metadata"]["serverId"];
    EXPECT_EQ(server_id.size(), 8u);
    EXPECT_EQ(server_id.find_first_not_of("0123456789abcdef"), std::string::npos) << server_id;
    json["metadata"]["serverId"] = "<serverId>";
    out += json.dump() + "\n";
    return true;
  });
  return out;
}

std::string golden_path(const std::string& name) {
  return std::string(TXGRAPH_SOURCE_DIR) + "/tests/cdc/golden/" + name;
}

void check_golden(const std::string& name, const std::string& actual) {
  if (std::getenv("TXGRAPH_UPDATE_GOLDEN")) {
    std::ofstream(golden_path(name)) << actual;
    GTEST_SKIP() << "rewrote " << golden_path(name);
  }
  std::ifstream in(golden_path(name));
  ASSERT_TRUE(in) << "missing " << golden_path(name);
  std::stringstream expected;
  expected << in.rdbuf();
  // Line by line, so that a failure shows the event that differs.
  std::istringstream want(expected.str()), got(actual);
  std::string w, g;
  int line = 0;
  while (true) {
    bool more_w = static_cast<bool>(std::getline(want, w));
    bool more_g = static_cast<bool>(std::getline(got, g));
    ++line;
    if (!more_w && !more_g) break;
    EXPECT_EQ(g, w) << name << " line " << line;
    if (!more_w || !more_g) break;
  }
}

TEST(GoldenEvents, Diff) { check_golden("diff_events.jsonl", normalized_events(EnrichmentMode::kDiff)); }

TEST(GoldenEvents, Full) { check_golden("full_events.jsonl", normalized_events(EnrichmentMode::kFull)); }

// Temporal and spatial values as the typed objects that read back exactly.
TEST(GoldenEvents, FullTypedValues) {
  check_golden("full_events_typed.jsonl", normalized_events(EnrichmentMode::kFull, ValueForm::kTyped));
}

}  // namespace
}  // namespace txgraph
