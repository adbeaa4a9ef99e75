// txgraph's change events beside the events a Neo4j server produced (tests/cdc/neo4j-reference/,
// FULL mode): every field path of theirs is in ours, with the same JSON type, so that a client
// written for Neo4j's events (its own CDC client requires metadata.serverId and
// connectionType) reads ours. Where a map's keys are the user's data (labels of `keys`,
// property names, txMetadata entries) only the map itself is compared.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cdc_test_support.h"
#include "test_dir.h"
#include "txgraph/txgraph.h"

namespace txgraph {
namespace {

using nlohmann::json;
using testing::TestDir;

json reference(const std::string& name) {
  std::ifstream in(std::string(TXGRAPH_SOURCE_DIR) + "/tests/cdc/neo4j-reference/" + name);
  EXPECT_TRUE(in) << name;
  return json::parse(in);
}

bool holds_user_data(const std::string& path) {
  static const char* kDataMaps[] = {"/metadata/txMetadata", "/properties", "/keys"};
  for (const char* suffix : kDataMaps) {
    std::string s(suffix);
    if (path.size() >= s.size() && path.compare(path.size() - s.size(), s.size(), s) == 0) return true;
  }
  return false;
}

// The paths of `theirs` missing from `ours`, or there with another JSON type.
void compare(const json& theirs, const json& ours, const std::string& path, std::vector<std::string>& problems) {
  if (theirs.type() != ours.type()) {
    problems.push_back(path + ": " + theirs.type_name() + " in Neo4j's, " + ours.type_name() + " in txgraph's");
    return;
  }
  if (holds_user_data(path)) return;
  if (theirs.is_object()) {
    for (const auto& [key, value] : theirs.items()) {
      if (!ours.contains(key)) {
        problems.push_back(path + "/" + key + ": missing in txgraph's");
        continue;
      }
      compare(value, ours[key], path + "/" + key, problems);
    }
  } else if (theirs.is_array() && !theirs.empty() && !ours.empty()) {
    compare(theirs.front(), ours.front(), path + "/0", problems);
  }
}

// The Neo4j examples' graph, in FULL mode, written by a server that names its connection:
// John and Mary, keyed by name, KNOWS since 2012, updated, then deleted.
std::map<std::string, json> txgraph_events(TestDir& dir, bool with_connection) {
  auto db = Database::open(dir / "graph", testing::capture_options(EnrichmentMode::kFull));
  ChangeStream stream(*db);
  auto from = stream.earliest();
  TxInfo info{"neo4j", "neo4j", {{"app", Value("cypher-shell")}}};
  if (with_connection) {
    info.connection_type = "bolt";
    info.connection_client = "192.168.65.1:46246";
    info.connection_server = "172.17.0.2:7687";
  }
  NodeId john, mary;
  RelationshipId knows;
  auto write = [&](auto&& body) {
    auto tx = db->begin_write(info);
    body(tx);
    tx.commit();
  };
  write([&](WriteTransaction& tx) { tx.create_key({EntityKind::kNode, "Person", {"first_name", "last_name"}}); });
  write([&](WriteTransaction& tx) {
    john = tx.create_node({"Person"}, {{"first_name", Value("John")}, {"last_name", Value("Doe")},
                                       {"email", Value("john.doe@example.com")}});
    mary = tx.create_node({"Person"}, {{"first_name", Value("Mary")}, {"last_name", Value("Doe")}});
    knows = tx.create_relationship("KNOWS", john, mary, {{"since", Value("2012-01-01")}});
  });
  write([&](WriteTransaction& tx) {
    tx.set_node_properties(john, {{"email", Value("john@example.com")}});
    tx.set_relationship_properties(knows, {{"to", Value("2020-06-01")}});
  });
  write([&](WriteTransaction& tx) {
    tx.delete_relationship(knows);
    tx.delete_node(john, /*detach=*/false);
  });
  std::map<std::string, json> events;
  stream.query(from, {}, [&](const ChangeEvent& e) {
    json event = json::parse(change_event_json(e));
    std::string name = std::string(e.kind == EntityKind::kNode ? "node" : "relationship") + "." +
                       (e.operation == ChangeOperation::kCreate   ? "created"
                        : e.operation == ChangeOperation::kUpdate ? "updated"
                                                                  : "deleted") +
                       ".cdc.FULL.json";
    events.emplace(name, std::move(event));  // the first of each kind
    return true;
  });
  EXPECT_EQ(events.begin()->second["metadata"]["serverId"], db->uuid().substr(0, 8));
  return events;
}

TEST(Neo4jShape, EveryFieldOfNeo4jsEventsIsInOursWithItsType) {
  TestDir dir;
  auto ours = txgraph_events(dir, /*with_connection=*/true);
  for (const char* name : {"node.created.cdc.FULL.json", "node.updated.cdc.FULL.json", "node.deleted.cdc.FULL.json",
                           "relationship.created.cdc.FULL.json", "relationship.updated.cdc.FULL.json",
                           "relationship.deleted.cdc.FULL.json"}) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(ours.count(name));
    std::vector<std::string> problems;
    compare(reference(name), ours[name], "", problems);
    EXPECT_TRUE(problems.empty()) << ::testing::PrintToString(problems) << "\n" << ours[name].dump();
    EXPECT_EQ(ours[name]["metadata"]["connectionType"], "bolt");
    EXPECT_EQ(ours[name]["metadata"]["connectionClient"], "192.168.65.1:46246");
  }
}

TEST(Neo4jShape, AnApplicationsOwnWritesAreEmbeddedWithoutAddresses) {
  TestDir dir;
  auto ours = txgraph_events(dir, /*with_connection=*/false);
  const json& metadata = ours.at("node.created.cdc.FULL.json")["metadata"];
  EXPECT_EQ(metadata["connectionType"], "embedded");
  EXPECT_TRUE(metadata["connectionClient"].is_null());
  EXPECT_TRUE(metadata["connectionServer"].is_null());
  // What Neo4j's CDC client requires is there.
  EXPECT_TRUE(metadata["serverId"].is_string());
  EXPECT_TRUE(metadata["connectionType"].is_string());
}

}  // namespace
}  // namespace txgraph
