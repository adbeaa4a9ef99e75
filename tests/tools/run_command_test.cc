// `txgraph run`: every op and value kind through to `txgraph export`, and a failing line
// rolled back whole while the lines before it stay committed.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_fixture.h"

namespace txgraph::testing {
namespace {

using nlohmann::json;

TEST_F(CliTest, RoundTripsEveryOpAndValueKind) {
  std::vector<std::uint64_t> ids = run_ok({
      R"({"create_key":{"label":"Person","properties":["id"]}})",
      R"({"create_key":{"type":"KNOWS","properties":["since"]}})",
      R"({"user":"alice","metadata":{"app":"crm","attempt":1},"ops":[)"
      R"({"op":"create_node","as":"a","labels":["Person"],"properties":{"id":1,"name":"Ann \u2713",)"
      R"("yes":true,"no":false,"max":9223372036854775807,"min":-9223372036854775808,"ratio":0.25,)"
      R"("blob":{"$bytes":"AAEC/w=="},"ints":[1,2,3],"doubles":[0.5,1.5],"mixed":[1,2.5],)"
      R"("strings":["x","y"],"bools":[true,false],"blobs":[{"$bytes":"AQ=="},{"$bytes":""}],)"
      R"("empty":[],"nothing":null}},)"
      R"({"op":"create_node","as":"b","labels":["Person","Temp"],"properties":{"id":2}},)"
      R"({"op":"create_node","as":"c"},)"
      R"({"op":"create_relationship","as":"r","type":"KNOWS","start":"$a","end":"$b","properties":{"since":2020}},)"
      R"({"op":"create_relationship","type":"LIKES","start":"$b","end":"$c"}]})",
  });
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_LT(ids[0], ids[1]);
  EXPECT_LT(ids[1], ids[2]);

  Exported first = export_db();
  ASSERT_EQ(first.nodes.size(), 3u);
  ASSERT_EQ(first.relationships.size(), 2u);
  const json* a = first.node_with("id", 1);
  const json* b = first.node_with("id", 2);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ((*a)["labels"], json::parse(R"(["Person"])"));
  EXPECT_EQ((*b)["labels"], json::parse(R"(["Person","Temp"])"));
  EXPECT_EQ((*a)["properties"], json::parse(R"({"id":1,"name":"Ann \u2713","yes":true,"no":false,
      "max":9223372036854775807,"min":-9223372036854775808,"ratio":0.25,"blob":{"$bytes":"AAEC/w=="},
      "ints":[1,2,3],"doubles":[0.5,1.5],"mixed":[1.0,2.5],"strings":["x","y"],"bools":[true,false],
      "blobs":[{"$bytes":"AQ=="},{"$bytes":""}],"empty":[]})"));
  // Kinds survive, not just values: doubles stay doubles, integers stay integers.
  EXPECT_TRUE((*a)["properties"]["mixed"][0].is_number_float());
  EXPECT_TRUE((*a)["properties"]["ints"][0].is_number_integer());
  EXPECT_TRUE((*a)["properties"]["ratio"].is_number_float());
  std::string a_id = (*a)["elementId"], b_id = (*b)["elementId"], c_id;
  for (const auto& [id, node] : first.nodes)
    if (id != a_id && id != b_id) c_id = id;
  EXPECT_EQ(first.nodes[c_id]["labels"], json::array());
  EXPECT_EQ(first.nodes[c_id]["properties"], json::object());
  std::string knows_id, likes_id;
  for (const auto& [id, rel] : first.relationships) (rel["type"] == "KNOWS" ? knows_id : likes_id) = id;
  EXPECT_EQ(first.relationships[knows_id], (json{{"elementId", knows_id},
                                                 {"type", "KNOWS"},
                                                 {"start", a_id},
                                                 {"end", b_id},
                                                 {"properties", {{"since", 2020}}}}));
  EXPECT_EQ(first.relationships[likes_id]["start"], b_id);
  EXPECT_EQ(first.relationships[likes_id]["end"], c_id);
  EXPECT_EQ(first.relationships[likes_id]["properties"], json::object());

  // Updates, naming entities by key and by element id.
  run_ok({
      R"({"ops":[{"op":"set_properties","node":{"label":"Person","key":{"id":1}},"properties":{"age":31,"ratio":null}},)"
      R"({"op":"remove_properties","node":{"label":"Person","key":{"id":1}},"keys":["yes","no"]},)"
      R"({"op":"add_labels","node":{"elementId":")" +
          c_id +
          R"("},"labels":["Extra","More"]},)"
          R"({"op":"remove_labels","node":{"elementId":")" +
          b_id +
          R"("},"labels":["Temp"]},)"
          R"({"op":"set_properties","relationship":{"elementId":")" +
          knows_id +
          R"("},"properties":{"weight":0.5,"note":"x"}},)"
          R"({"op":"remove_properties","relationship":{"elementId":")" +
          knows_id +
          R"("},"keys":["note"]},)"
          R"({"op":"delete_relationship","relationship":{"elementId":")" +
          likes_id + R"("}}]})",
  });
  Exported second = export_db();
  json a_props = second.nodes[a_id]["properties"];
  EXPECT_EQ(a_props["age"], 31);
  EXPECT_FALSE(a_props.contains("ratio"));
  EXPECT_FALSE(a_props.contains("yes"));
  EXPECT_FALSE(a_props.contains("no"));
  EXPECT_EQ(a_props["name"], "Ann \u2713");
  EXPECT_EQ(second.nodes[c_id]["labels"], json::parse(R"(["Extra","More"])"));
  EXPECT_EQ(second.nodes[b_id]["labels"], json::parse(R"(["Person"])"));
  EXPECT_EQ(second.relationships[knows_id]["properties"], json::parse(R"({"since":2020,"weight":0.5})"));
  EXPECT_FALSE(second.relationships.contains(likes_id));

  // Variables in deletes, then a detach delete by key.
  run_ok({
      R"({"ops":[{"op":"create_node","as":"d","labels":["Person"],"properties":{"id":4}},)"
      R"({"op":"create_relationship","as":"t","type":"KNOWS","start":"$d","end":{"label":"Person","key":{"id":1}},"properties":{"since":2021}},)"
      R"({"op":"delete_relationship","relationship":"$t"},{"op":"delete_node","node":"$d"}]})",
      R"({"ops":[{"op":"delete_node","node":{"label":"Person","key":{"id":2}},"detach":true}]})",
  });
  Exported third = export_db();
  EXPECT_EQ(third.nodes.size(), 2u);
  EXPECT_TRUE(third.nodes.contains(a_id));
  EXPECT_TRUE(third.nodes.contains(c_id));
  EXPECT_TRUE(third.relationships.empty());
}

TEST_F(CliTest, ExportedLinesRunAgainAsTheSameProperties) {
  // What export prints for properties is what run reads: bytes and doubles survive a second trip.
  run_ok(
      {R"({"ops":[{"op":"create_node","labels":["B"],"properties":{"blob":{"$bytes":"/+8A"},"d":2.0,"l":[0.5,3]}}]})"});
  json props = export_db().nodes.begin()->second["properties"];
  json op = json::object({{"op", "create_node"}, {"labels", json::array({"C"})}, {"properties", props}});
  run_ok({json::object({{"ops", json::array({op})}}).dump()});
  Exported exported = export_db();
  ASSERT_EQ(exported.nodes.size(), 2u);
  EXPECT_EQ(exported.nodes.rbegin()->second["properties"], props);
  EXPECT_TRUE(exported.nodes.rbegin()->second["properties"]["d"].is_number_float());
}

TEST_F(CliTest, PrintsOneTxIdPerLineAndSkipsBlankLines) {
  CliResult result =
      run({"", R"({"ops":[{"op":"create_node"}]})", "   ", R"({"ops":[{"op":"create_node"}]})", ""});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::vector<std::string> out = split_lines(result.out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_LT(std::stoull(out[0]), std::stoull(out[1]));
  EXPECT_EQ(export_db().nodes.size(), 2u);
}

TEST_F(CliTest, ReadsAFileArgument) {
  std::string file = (dir_ / "tx.jsonl").string();
  std::ofstream(file) << R"({"ops":[{"op":"create_node","labels":["FromFile"]}]})"
                      << "\n";
  CliResult result = run_cli({"run", db_, file});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(split_lines(result.out).size(), 1u);
  EXPECT_EQ(export_db().nodes.begin()->second["labels"], json::parse(R"(["FromFile"])"));

  CliResult missing = run_cli({"run", db_, (dir_ / "nope.jsonl").string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("nope.jsonl"), std::string::npos) << missing.err;
}

struct BadLine {
  std::string name;
  std::string line;
  std::string message;  // a fragment the error must contain
};

// Line 3 of 5 fails: lines 1-2 stay committed, nothing of line 3 is applied, 4-5 never run.
TEST_F(CliTest, BadThirdLineStopsTheRunAndIsRolledBackWhole) {
  const std::string create_l3 = R"({"op":"create_node","as":"x","labels":["L3"]})";
  const std::vector<BadLine> bad_lines = {
      {"bad JSON", R"({"ops":[{"op":"create_node","labels":["L3"]},)", "bad JSON"},
      {"not an object", R"([1,2])", "JSON object"},
      {"unknown op", R"({"ops":[)" + create_l3 + R"(,{"op":"frobnicate"}]})", "unknown op \"frobnicate\""},
      {"unknown field", R"({"ops":[)" + create_l3 + R"(,{"op":"create_node","propertes":{}}]})", "propertes"},
      {"unknown top-level field", R"({"opz":[]})", "opz"},
      {"unknown reference",
       R"({"ops":[)" + create_l3 + R"(,{"op":"add_labels","node":"$nope","labels":["Y"]}]})", "$nope"},
      {"unknown element id",
       R"({"ops":[)" + create_l3 + R"(,{"op":"delete_node","node":{"elementId":"n:999"}}]})", "n:999"},
      {"relationship id as node",
       R"({"ops":[)" + create_l3 + R"(,{"op":"delete_node","node":{"elementId":"r:1"}}]})", "r:1"},
      {"object value",
       R"({"ops":[)" + create_l3 + R"(,{"op":"set_properties","node":"$x","properties":{"p":{"a":1}}}]})",
       "object"},
      {"mixed list",
       R"({"ops":[)" + create_l3 + R"(,{"op":"set_properties","node":"$x","properties":{"p":[1,"a"]}}]})",
       "one kind"},
      {"nested list",
       R"({"ops":[)" + create_l3 + R"(,{"op":"set_properties","node":"$x","properties":{"p":[[1]]}}]})",
       "nest"},
      {"bad base64",
       R"({"ops":[)" + create_l3 +
           R"(,{"op":"set_properties","node":"$x","properties":{"p":{"$bytes":"!!"}}}]})",
       "base64"},
      {"integer too large",
       R"({"ops":[)" + create_l3 +
           R"(,{"op":"set_properties","node":"$x","properties":{"p":9223372036854775808}}]})",
       "9223372036854775808"},
      {"integer beyond 64 unsigned bits",
       R"({"ops":[)" + create_l3 +
           R"(,{"op":"set_properties","node":"$x","properties":{"p":18446744073709551616}}]})",
       "integer 18446744073709551616 does not fit"},
      {"integer of twenty digits",
       R"({"ops":[)" + create_l3 +
           R"(,{"op":"set_properties","node":"$x","properties":{"p":[1,99999999999999999999]}}]})",
       "integer 99999999999999999999 does not fit"},
      {"integer below int64",
       R"({"ops":[)" + create_l3 +
           R"(,{"op":"set_properties","node":"$x","properties":{"p":-9223372036854775809}}]})",
       "integer -9223372036854775809 does not fit"},
      {"integer beyond 64 bits in metadata",
       R"({"metadata":{"n":18446744073709551616},"ops":[)" + create_l3 + R"(]})", "18446744073709551616"},
      {"nested too deep", R"({"ops":[)" + create_l3 + R"(,{"op":"create_node","properties":{"p":)" +
                              std::string(600, '[') + std::string(600, ']') + R"(}}]})",
       "nested deeper than 512 levels"},
      {"no key constraint",
       R"({"ops":[)" + create_l3 + R"(,{"op":"delete_node","node":{"label":"Nobody","key":{"id":1}}}]})",
       "Nobody"},
  };
  for (const BadLine& bad : bad_lines) {
    SCOPED_TRACE(bad.name);
    TestDir dir;
    std::string db = (dir / "db").string();
    ASSERT_EQ(run_cli({"init", db}).exit_code, 0);
    CliResult result = run_cli({"run", db}, join_lines({
                                                R"({"ops":[{"op":"create_node","labels":["L1"]}]})",
                                                R"({"ops":[{"op":"create_node","labels":["L2"]}]})",
                                                bad.line,
                                                R"({"ops":[{"op":"create_node","labels":["L4"]}]})",
                                                R"({"ops":[{"op":"create_node","labels":["L5"]}]})",
                                            }));
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_EQ(result.err.rfind("txgraph: error: line 3: ", 0), 0u) << result.err;
    EXPECT_NE(result.err.find(bad.message), std::string::npos) << result.err;
    EXPECT_EQ(split_lines(result.out).size(), 2u) << result.out;

    CliResult exported = run_cli({"export", db});
    ASSERT_EQ(exported.exit_code, 0) << exported.err;
    std::vector<std::string> labels;
    for (const auto& [id, node] : parse_export(exported.out).nodes) labels.push_back(node["labels"][0]);
    EXPECT_EQ(labels, (std::vector<std::string>{"L1", "L2"}));
  }
}

// Nesting this deep once overflowed the stack in a recursive copy or print of the parsed line;
// it is refused, by its line number, before anything is built from it.
TEST_F(CliTest, LinesNestedTensOfThousandsDeepAreRefusedNotACrash) {
  const std::string arrays = std::string(100000, '[') + std::string(100000, ']');
  std::string objects;
  for (int i = 0; i < 70000; ++i) objects += R"({"a":)";
  // Appended, not "1" + std::string(…): GCC 12 at -O3 warns falsely inside that (-Wrestrict).
  objects += '1';
  objects.append(70000, '}');
  const std::vector<std::string> deep_lines = {
      arrays,
      objects,
      R"({"ops":)" + arrays + "}",
      R"({"ops":[{"op":"create_node","properties":{"p":)" + arrays + "}}]}",
      R"({"metadata":)" + objects + R"(,"ops":[]})",
  };
  for (const std::string& deep : deep_lines) {
    SCOPED_TRACE(deep.substr(0, 40));
    CliResult result = run({R"({"ops":[{"op":"create_node"}]})", "", deep});
    EXPECT_EQ(result.exit_code, 1) << result.err.substr(0, 300);
    EXPECT_EQ(result.err, "txgraph: error: line 3: JSON nested deeper than 512 levels\n");
    EXPECT_EQ(split_lines(result.out).size(), 1u);
  }
  // As deep as allowed, the line is read and refused by the grammar instead.
  CliResult at_limit = run({std::string(512, '[') + std::string(512, ']')});
  EXPECT_EQ(at_limit.exit_code, 1);
  EXPECT_NE(at_limit.err.find("must be a JSON object"), std::string::npos) << at_limit.err.substr(0, 300);
}

// Integers are int64: a JSON number without fraction or exponent that does not fit is an
// error, never a rounded double; one with a fraction or an exponent is a double as before.
TEST_F(CliTest, IntegersBeyondInt64AreRefusedNotRounded) {
  for (const std::string value : {"9223372036854775808", "18446744073709551615", "18446744073709551616",
                                  "99999999999999999999", "-9223372036854775809", "123456789012345678901234567890"}) {
    SCOPED_TRACE(value);
    CliResult result = run({R"({"ops":[{"op":"create_node","properties":{"p":)" + value + "}}]}"});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_EQ(result.err.rfind("txgraph: error: line 1: ", 0), 0u) << result.err;
    EXPECT_NE(result.err.find("integer " + value + " does not fit in 64 signed bits"), std::string::npos)
        << result.err;
  }
  EXPECT_TRUE(export_db().nodes.empty());
  run_ok({R"({"ops":[{"op":"create_node","properties":{"max":9223372036854775807,"min":-9223372036854775808,)"
          R"("big":18446744073709551616.0,"exp":1e20}}]})"});
  json props = export_db().nodes.begin()->second["properties"];
  EXPECT_EQ(props["max"], 9223372036854775807LL);
  EXPECT_EQ(props["min"], (-9223372036854775807LL - 1));
  EXPECT_TRUE(props["big"].is_number_float());
  EXPECT_TRUE(props["exp"].is_number_float());
}

TEST_F(CliTest, ErrorLineNumbersCountBlankLines) {
  CliResult result = run({"", R"({"ops":[]})", "", "nonsense"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err.rfind("txgraph: error: line 4: bad JSON", 0), 0u) << result.err;
}

TEST_F(CliTest, ConstraintViolationRollsBackTheWholeLine) {
  run_ok({R"({"create_key":{"label":"Person","properties":["id"]}})",
          R"({"ops":[{"op":"create_node","labels":["Person"],"properties":{"id":1}}]})"});

  // A duplicate key after a good create: the good create goes too.
  CliResult duplicate = run({R"({"ops":[{"op":"create_node","labels":["Person"],"properties":{"id":2}},)"
                             R"({"op":"create_node","labels":["Person"],"properties":{"id":1}}]})"});
  EXPECT_EQ(duplicate.exit_code, 1);
  EXPECT_EQ(duplicate.err.rfind("txgraph: error: line 1: ", 0), 0u) << duplicate.err;
  EXPECT_EQ(duplicate.out, "");

  // A missing key property is found at commit; the line goes just the same.
  CliResult missing = run({R"({"ops":[{"op":"create_node","labels":["Person"],"properties":{"id":3}},)"
                           R"({"op":"create_node","labels":["Person"],"properties":{"name":"no id"}}]})"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err.rfind("txgraph: error: line 1: ", 0), 0u) << missing.err;

  // A key that existing data breaks is refused.
  run_ok({R"({"ops":[{"op":"create_node","labels":["Pet"],"properties":{"name":"Rex"}},)"
          R"({"op":"create_node","labels":["Pet"],"properties":{"name":"Rex"}}]})"});
  CliResult key = run({R"({"create_key":{"label":"Pet","properties":["name"]}})"});
  EXPECT_EQ(key.exit_code, 1);
  EXPECT_EQ(key.err.rfind("txgraph: error: line 1: ", 0), 0u) << key.err;

  Exported exported = export_db();
  EXPECT_EQ(exported.nodes.size(), 3u);
  EXPECT_NE(exported.node_with("id", 1), nullptr);
  for (const auto& [id, node] : exported.nodes) {
    EXPECT_NE(node["properties"].value("id", 0), 2);
    EXPECT_NE(node["properties"].value("id", 0), 3);
  }
  // The Pet key was not created: a second Rex is still accepted.
  run_ok({R"({"ops":[{"op":"create_node","labels":["Pet"],"properties":{"name":"Rex"}}]})"});
}

TEST_F(CliTest, DeleteNodeNeedsDetachWhileItHasRelationships) {
  run_ok({R"({"create_key":{"label":"P","properties":["id"]}})",
          R"({"ops":[{"op":"create_node","as":"a","labels":["P"],"properties":{"id":1}},)"
          R"({"op":"create_node","as":"b","labels":["P"],"properties":{"id":2}},)"
          R"({"op":"create_relationship","type":"R","start":"$a","end":"$b"}]})"});

  CliResult refused = run({R"({"ops":[{"op":"delete_node","node":{"label":"P","key":{"id":1}}}]})"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("line 1: "), std::string::npos) << refused.err;
  Exported kept = export_db();
  EXPECT_EQ(kept.nodes.size(), 2u);
  EXPECT_EQ(kept.relationships.size(), 1u);

  run_ok({R"({"ops":[{"op":"delete_node","node":{"label":"P","key":{"id":1}},"detach":true}]})"});
  Exported after = export_db();
  EXPECT_EQ(after.nodes.size(), 1u);
  EXPECT_NE(after.node_with("id", 2), nullptr);
  EXPECT_TRUE(after.relationships.empty());

  // Without relationships a plain delete is fine.
  run_ok({R"({"ops":[{"op":"delete_node","node":{"label":"P","key":{"id":2}},"detach":false}]})"});
  EXPECT_TRUE(export_db().nodes.empty());
}

TEST_F(CliTest, ReferencesByKeyElementIdAndVariable) {
  run_ok({R"({"create_key":{"label":"Person","properties":["id"]}})",
          R"({"ops":[{"op":"create_node","labels":["Person"],"properties":{"id":1}},)"
          R"({"op":"create_node","labels":["Person"],"properties":{"id":2}}]})"});
  Exported before = export_db();
  std::string one = (*before.node_with("id", 1))["elementId"];
  std::string two = (*before.node_with("id", 2))["elementId"];

  run_ok(
      {R"({"ops":[{"op":"create_relationship","as":"r","type":"KNOWS","start":{"label":"Person","key":{"id":1}},)"
       R"("end":{"elementId":")" +
       two +
       R"("}},)"
       R"({"op":"set_properties","relationship":"$r","properties":{"via":"var"}}]})"});
  Exported after = export_db();
  ASSERT_EQ(after.relationships.size(), 1u);
  const json& rel = after.relationships.begin()->second;
  EXPECT_EQ(rel["start"], one);
  EXPECT_EQ(rel["end"], two);
  EXPECT_EQ(rel["properties"]["via"], "var");

  // References that name nothing fail with a message that says which.
  struct Case {
    std::string line, message;
  };
  const std::vector<Case> cases = {
      {R"({"ops":[{"op":"add_labels","node":{"label":"Person","key":{"id":9}},"labels":["X"]}]})",
       "no Person node"},
      {R"({"ops":[{"op":"delete_relationship","relationship":{"elementId":"r:999"}}]})", "r:999"},
      {R"({"ops":[{"op":"delete_relationship","relationship":{"elementId":")" + one + R"("}}]})", one},
      {R"({"ops":[{"op":"create_node","as":"n"},{"op":"delete_relationship","relationship":"$n"}]})",
       "names a node"},
      {R"({"ops":[{"op":"add_labels","node":"n:1","labels":["X"]}]})", "node reference"},
      {R"({"ops":[{"op":"create_node","as":"n"},{"op":"create_node","as":"n"}]})", "already used"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.line);
    CliResult result = run({c.line});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.err.find(c.message), std::string::npos) << result.err;
  }
  EXPECT_EQ(export_db().nodes.size(), 2u);
}

TEST_F(CliTest, RecordsUserAndMetadataWithoutComplaint) {
  // user and metadata go to the log (CDC reads them later); here they must simply be accepted.
  std::vector<std::uint64_t> ids = run_ok(
      {R"({"user":"alice","metadata":{"app":"crm","n":1,"tags":["a"]},"ops":[{"op":"create_node"}]})"});
  EXPECT_EQ(ids.size(), 1u);
  CliResult bad = run({R"({"user":"alice","metadata":{"nested":{"a":1}},"ops":[{"op":"create_node"}]})"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("metadata 'nested'"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace txgraph::testing
