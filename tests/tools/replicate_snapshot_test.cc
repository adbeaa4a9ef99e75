// `txgraph replicate SRC DST` of a source whose log was pruned, with two bulk imports and key
// constraints: the new replica starts from a snapshot and exports the same graph; a
// transaction that swaps key values replicates; a replica whose position the source pruned is
// refused with a message naming --resnapshot, which rebuilds it.
#include <filesystem>
#include <fstream>

#include "cdc/cdc_test_support.h"
#include "cli_fixture.h"

namespace txgraph::testing {
namespace {

class ReplicateSnapshotTest : public CliTest {
 protected:
  std::string replica_ = (dir_ / "replica").string();

  // `count` transactions of one padded node each: 16K segments fill after a few dozen.
  void fill(int first, int count) {
    std::vector<std::string> lines;
    for (int i = first; i < first + count; ++i)
      lines.push_back(R"({"ops":[{"op":"create_node","labels":["Person"],"properties":{"id":)" + std::to_string(i) +
                      R"(,"pad":")" + noise(600, static_cast<std::uint64_t>(i)) + R"("}}]})");
    run_ok(lines);
  }
  void checkpoint() { ASSERT_EQ(run_cli({"checkpoint", db_}).exit_code, 0); }
  void import(const std::string& name, const std::string& nodes, const std::string& relationships = "") {
    std::string node_file = (dir_ / (name + "-nodes.csv")).string();
    std::ofstream(node_file) << nodes;
    std::vector<std::string> args = {"import", db_, "--nodes", node_file, "--no-progress"};
    if (!relationships.empty()) {
      std::string rel_file = (dir_ / (name + "-rels.csv")).string();
      std::ofstream(rel_file) << relationships;
      args.insert(args.end(), {"--relationships", rel_file});
    }
    CliResult r = run_cli(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  bool first_segment_pruned() {
    for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(db_) / "txlog"))
      if (entry.path().filename().string().find("00000001") != std::string::npos) return false;
    return true;
  }
  std::string exported(const std::string& db) {
    CliResult r = run_cli({"export", db});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }
};

TEST_F(ReplicateSnapshotTest, PrunedSourceWithImportsAndKeysReplicatesWholeAndKeySwapsApply) {
  const std::vector<std::pair<std::string, std::string>> settings = {
      {"enrichment", "diff"}, {"rotation-size", "16K"}, {"retention", "1 files"}};
  for (const auto& [key, value] : settings) ASSERT_EQ(run_cli({"set", db_, key, value}).exit_code, 0) << key;
  run_ok({R"({"create_key":{"label":"Person","properties":["id"]}})",
          R"({"ops":[{"op":"create_node","as":"a","labels":["Person"],"properties":{"id":-1,"name":"Ann"}},)"
          R"({"op":"create_node","as":"b","labels":["Person"],"properties":{"id":-2,"name":"Bob"}},)"
          R"({"op":"create_relationship","type":"KNOWS","start":"$a","end":"$b","properties":{}}]})"});
  fill(1, 60);
  import("one", "id:ID,:LABEL,name\nx1,City,Oslo\nx2,City,Rome\n");
  fill(100, 60);
  import("two", "id:ID,:LABEL,code:int\ny1,Port,1\ny2,Port,2\n", ":START_ID,:END_ID,:TYPE\ny1,y2,ROUTE\n");
  fill(200, 30);
  checkpoint();
  ASSERT_TRUE(first_segment_pruned()) << "the test needs a pruned log";

  CliResult r = run_cli({"replicate", db_, replica_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(exported(replica_), exported(db_));
  {
    auto replica = Database::open(replica_);
    auto keys = replica->begin_read().key_constraints();
    ASSERT_EQ(keys.size(), 1u) << "the source's key travels with the snapshot";
    EXPECT_EQ(keys[0].label_or_type, "Person");
  }

  // Ann and Bob swap their keys in one transaction: the source takes one away first, the
  // replica gets two updates whose new values are each other's old ones.
  run_ok({R"({"ops":[{"op":"remove_properties","node":{"elementId":"n:1"},"keys":["id"]},)"
          R"({"op":"set_properties","node":{"elementId":"n:2"},"properties":{"id":-1}},)"
          R"({"op":"set_properties","node":{"elementId":"n:1"},"properties":{"id":-2}}]})"});
  r = run_cli({"replicate", db_, replica_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("replicated 1 transactions"), std::string::npos) << r.out;
  EXPECT_EQ(exported(replica_), exported(db_));

  // The replica stays behind while the source prunes past its position.
  fill(300, 120);
  checkpoint();
  r = run_cli({"replicate", db_, replica_});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--resnapshot"), std::string::npos) << r.err;
  r = run_cli({"replicate", db_, replica_, "--resnapshot"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(exported(replica_), exported(db_));
}

TEST_F(ReplicateSnapshotTest, ResnapshotRemovesOnlyAReplica) {
  ASSERT_EQ(run_cli({"set", db_, "enrichment", "diff"}).exit_code, 0);
  run_ok({R"({"ops":[{"op":"create_node","labels":["N"],"properties":{}}]})"});
  std::string other = (dir_ / "other").string();
  ASSERT_EQ(run_cli({"init", other}).exit_code, 0);
  ASSERT_EQ(run_cli({"run", other}, R"({"ops":[{"op":"create_node","labels":["Keep"],"properties":{}}]})"
                                    "\n")
                .exit_code,
            0);
  CliResult r = run_cli({"replicate", db_, other, "--resnapshot"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("no replica"), std::string::npos) << r.err;
  EXPECT_NE(exported(other).find("Keep"), std::string::npos) << "a database that is no replica is kept";
}

}  // namespace
}  // namespace txgraph::testing
