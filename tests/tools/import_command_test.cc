// `txgraph import`: a script imports CSV, sees the summary, the notice in `show`, and nothing
// of it in `cdc query`.
#include <fstream>

#include <nlohmann/json.hpp>

#include "cli_fixture.h"

namespace txgraph::testing {
namespace {

class ImportCommandTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(run_cli({"init", db_, "--enrichment", "diff"}).exit_code, 0); }

  std::string file(const std::string& name, const std::string& text) {
    auto path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  TestDir dir_;
  std::string db_ = (dir_ / "db").string();
};

TEST_F(ImportCommandTest, ImportsAndCaptureSeesNothingOfIt) {
  std::string before = split_lines(run_cli({"cdc", "current", db_}).out).at(0);
  auto nodes = file("people.csv", "id:ID(P),name,:LABEL\n1,Ann,Person\n2,Bob,Person\n");
  auto rels = file("knows.csv", ":START_ID(P),:END_ID(P),:TYPE\n1,2,KNOWS\n");
  CliResult r = run_cli({"import", db_, "--nodes", nodes, "--relationships", rels});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("imported 2 nodes and 1 relationships"), std::string::npos) << r.out;
  EXPECT_EQ(r.err, "");  // no progress line when standard error is not a terminal
  Exported exported = parse_export(run_cli({"export", db_}).out);
  EXPECT_EQ(exported.nodes.size(), 2u);
  EXPECT_EQ(exported.relationships.size(), 1u);
  EXPECT_EQ(run_cli({"cdc", "query", db_, "--from", before}).out, "");
  auto show = nlohmann::json::parse(run_cli({"show", db_, "--json"}).out);
  ASSERT_EQ(show["imports"].size(), 1u);
  EXPECT_EQ(show["imports"][0]["nodes"], 2);
  EXPECT_EQ(show["imports"][0]["relationships"], 1);
}

TEST_F(ImportCommandTest, TabsAndAnotherListDelimiter) {
  auto nodes = file("people.tsv", "id:ID\tname\t:LABEL\n1\tAnn\tPerson|Admin\n");
  CliResult r = run_cli({"import", db_, "--nodes", nodes, "--delimiter", "TAB", "--array-delimiter", "|", "--id-type",
                         "integer"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Exported exported = parse_export(run_cli({"export", db_}).out);
  const auto* ann = exported.node_with("name", "Ann");
  ASSERT_NE(ann, nullptr);
  EXPECT_EQ((*ann)["labels"], nlohmann::json::parse(R"(["Admin","Person"])"));
  EXPECT_EQ((*ann)["properties"]["id"], 1);
  CliResult wide = run_cli({"import", db_, "--nodes", nodes, "--delimiter", "ab"});
  EXPECT_EQ(wide.exit_code, 1);
  EXPECT_NE(wide.err.find("--delimiter takes one character"), std::string::npos) << wide.err;
}

TEST_F(ImportCommandTest, BadInputNamesFileLineAndColumnAndChangesNothing) {
  auto nodes = file("bad.csv", "id:ID,age:int\n1,12\n2,twelve\n");
  CliResult r = run_cli({"import", db_, "--nodes", nodes});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("bad.csv:3:3"), std::string::npos) << r.err;
  EXPECT_TRUE(parse_export(run_cli({"export", db_}).out).nodes.empty());
  CliResult none = run_cli({"import", db_});
  EXPECT_EQ(none.exit_code, 2) << none.err;
  CliResult missing = run_cli({"import", db_, "--nodes", (dir_ / "missing.csv").string()});
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
}

// `run` refuses NaN and infinities and export could only print them as null, so import refuses
// them too, in plain columns and in lists, naming file, line and column.
TEST_F(ImportCommandTest, NotANumberAndInfinitiesAreRefusedInDoubleColumns) {
  for (const std::string value : {"NaN", "nan", "-nan", "inf", "-Infinity", "INF", "1;nan"}) {
    SCOPED_TRACE(value);
    bool list = value.find(';') != std::string::npos;
    auto nodes = file("doubles.csv", std::string("id:ID,x,ratio:") + (list ? "double[]" : "double") +
                                         "\n1,a,0.5\n2,b," + value + "\n");
    CliResult r = run_cli({"import", db_, "--nodes", nodes});
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.err.find("doubles.csv:3:5: column ratio: \"" + value.substr(list ? 2 : 0) + "\""), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("finite"), std::string::npos) << r.err;
  }
  EXPECT_TRUE(parse_export(run_cli({"export", db_}).out).nodes.empty());
  auto good = file("good.csv", "id:ID,ratio:float,list:double[]\n1,-0.5,1e300;2\n");
  CliResult r = run_cli({"import", db_, "--nodes", good});
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace
}  // namespace txgraph::testing
