// The verbs other than `run`: init, show, export, checkpoint, demo; --help, bad usage and a
// DIR that holds no database.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_fixture.h"

namespace txgraph::testing {
namespace {

using nlohmann::json;

const std::vector<std::string> kVerbs = {"init", "run", "show", "export", "checkpoint", "demo"};

TEST(CliUsageTest, HelpOfTheToolAndOfEveryVerbExitsZero) {
  CliResult tool = run_cli({"--help"});
  EXPECT_EQ(tool.exit_code, 0);
  for (const std::string& verb : kVerbs) EXPECT_NE(tool.out.find(verb), std::string::npos) << verb;
  for (const std::string& verb : kVerbs) {
    SCOPED_TRACE(verb);
    CliResult help = run_cli({verb, "--help"});
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_NE(help.out.find("Usage: txgraph " + verb), std::string::npos) << help.out;
    EXPECT_EQ(help.err, "");
  }
}

TEST(CliUsageTest, BadUsageExitsTwoWithAMessage) {
  const std::vector<std::vector<std::string>> bad = {
      {},                                    // no verb
      {"frobnicate"},                        // unknown verb
      {"show"},                              // missing DIR
      {"show", "x", "--bogus"},              // unknown flag
      {"run", "x", "file", "extra"},         // too many positionals
      {"init", "x", "--enrichment", "max"},  // not a mode at all
      {"init", "x", "--rotation-size", "12Q"},
      {"init", "x", "--checkpoint-interval-time", "soon"},
      {"init", "x", "--checkpoint-interval-tx", "many"},
  };
  TestDir cwd;
  for (const auto& args : bad) {
    SCOPED_TRACE(::testing::PrintToString(args));
    CliResult result = run_cli(args, "", cwd.path());
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE(result.err, "");
    EXPECT_NE(result.err.find("--help"), std::string::npos) << result.err;
  }
  EXPECT_TRUE(std::filesystem::is_empty(cwd.path())) << "a usage error must not create anything";
}

// An empty DIR would mean the current folder to the file system: `txgraph init ''` made a
// database wherever it was run. Every verb refuses it, and the counts that must be positive
// say so without a range of 309 digits.
TEST(CliUsageTest, EmptyFolderNamesAndZeroCountsAreUsageErrors) {
  TestDir cwd;
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"init", ""},
           {"run", ""},
           {"show", ""},
           {"export", ""},
           {"checkpoint", ""},
           {"set", "", "enrichment", "diff"},
           {"import", "", "--nodes", "/dev/null"},
           {"cdc", "current", ""},
           {"cdc", "group", "list", ""},
           {"log", "dump", ""},
           {"log", "ls", ""},
           {"replicate", "", "replica"},
           {"replicate", "source", ""},
       }) {
    SCOPED_TRACE(::testing::PrintToString(args));
    CliResult r = run_cli(args, "", cwd.path());
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("empty"), std::string::npos) << r.err;
  }
  EXPECT_TRUE(std::filesystem::is_empty(cwd.path())) << "nothing may be made in the current folder";

  TestDir dir;
  std::string db = (dir / "db").string();
  ASSERT_EQ(run_cli({"init", db, "--enrichment", "diff"}).exit_code, 0);
  ASSERT_EQ(run_cli({"cdc", "group", "create", db, "g"}).exit_code, 0);
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"cdc", "query", db, "--limit", "0"},
           {"cdc", "query", db, "--limit", "-3"},
           {"cdc", "group", "poll", db, "g", "--limit", "0"},
       }) {
    SCOPED_TRACE(::testing::PrintToString(args));
    CliResult r = run_cli(args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("--limit"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(args.back()), std::string::npos) << r.err;
    EXPECT_LT(r.err.size(), 300u) << r.err;
  }
}

TEST(CliUsageTest, VerbsOnAFolderWithoutADatabaseFailNamingIt) {
  TestDir dir;
  std::string missing = (dir / "no-such-db").string();
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"show", missing},
                                             {"show", missing, "--json"},
                                             {"export", missing},
                                             {"checkpoint", missing},
                                             {"run", missing}}) {
    SCOPED_TRACE(args[0]);
    CliResult result = run_cli(args, R"({"ops":[{"op":"create_node"}]})");
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_EQ(result.err.rfind("txgraph: error: ", 0), 0u) << result.err;
    EXPECT_NE(result.err.find("no database in " + missing), std::string::npos) << result.err;
    EXPECT_EQ(result.out, "");
    EXPECT_FALSE(std::filesystem::exists(missing)) << "a mistyped DIR must not become a database";
  }
}

TEST(CliInitTest, RefusesAFolderThatHoldsADatabase) {
  TestDir dir;
  std::string db = (dir / "db").string();
  CliResult first = run_cli({"init", db});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_TRUE(std::filesystem::exists(dir / "db" / "store"));
  CliResult again = run_cli({"init", db});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("already holds a database"), std::string::npos) << again.err;
}

TEST(CliInitTest, RefusesBadSettingsAsUsageErrorsAndCreatesNothing) {
  TestDir dir;
  std::string db = (dir / "db").string();
  for (const std::vector<std::string>& flag :
       std::vector<std::vector<std::string>>{{"--enrichment", "partial"},
                                             {"--retention", "10 bananas"},
                                             {"--retention", "0 files"},
                                             {"--log-compression-level", "42"},
                                             {"--checkpoint-interval-volume", "lots"}}) {
    SCOPED_TRACE(flag[0] + " " + flag[1]);
    CliResult result = run_cli({"init", db, flag[0], flag[1]});
    EXPECT_EQ(result.exit_code, 2) << result.err;
    EXPECT_FALSE(std::filesystem::exists(dir / "db"));
  }
  // The retention message carries the grammar.
  CliResult bad = run_cli({"init", db, "--retention", "10 bananas"});
  EXPECT_NE(bad.err.find("N files"), std::string::npos) << bad.err;
}

TEST(CliSetTest, ChangesSettingsAndEnrichmentGenerations) {
  TestDir dir;
  std::string db = (dir / "db").string();
  ASSERT_EQ(run_cli({"init", db}).exit_code, 0);
  CliResult on = run_cli({"set", db, "enrichment", "diff"});
  ASSERT_EQ(on.exit_code, 0) << on.err;
  EXPECT_EQ(on.out, "enrichment OFF -> DIFF (generation 1)\n");
  EXPECT_EQ(run_cli({"set", db, "enrichment", "full"}).out, "enrichment DIFF -> FULL (generation 1)\n");
  ASSERT_EQ(run_cli({"set", db, "enrichment", "off"}).exit_code, 0);
  EXPECT_EQ(run_cli({"set", db, "enrichment", "diff"}).out, "enrichment OFF -> DIFF (generation 2)\n");
  CliResult retention = run_cli({"set", db, "retention", "2G 1Day"});
  EXPECT_EQ(retention.out, "retention_policy set to 1 days 2G\n");
  ASSERT_EQ(run_cli({"set", db, "rotation-size", "1M"}).exit_code, 0);
  ASSERT_EQ(run_cli({"set", db, "log_compression_level", "0"}).exit_code, 0);
  json settings = json::parse(run_cli({"show", db, "--json"}).out);
  EXPECT_EQ(settings["settings"]["enrichment"], "DIFF");
  EXPECT_EQ(settings["enrichmentGeneration"], 2);
  EXPECT_EQ(settings["settings"]["retentionPolicy"], "1 days 2G");
  EXPECT_EQ(settings["settings"]["rotationSize"], 1 << 20);
  EXPECT_EQ(settings["settings"]["logCompressionLevel"], 0);

  for (const std::vector<std::string>& bad : std::vector<std::vector<std::string>>{
           {"enrichment", "partial"}, {"retention", "forever"}, {"no_such_key", "1"}, {"rotation-size", "big"}}) {
    SCOPED_TRACE(bad[0]);
    CliResult result = run_cli({"set", db, bad[0], bad[1]});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.err.find(bad[1] == "1" ? bad[0] : bad[1]), std::string::npos) << result.err;
  }
  EXPECT_EQ(run_cli({"set", db, "enrichment"}).exit_code, 2) << "a missing VALUE is a usage error";
}

TEST(CliInitTest, StoresTheSettingsItIsGiven) {
  TestDir dir;
  std::string db = (dir / "db").string();
  CliResult init = run_cli({"init", db, "--rotation-size", "1M", "--checkpoint-interval-time", "30s",
                            "--checkpoint-interval-tx", "10", "--enrichment", "full", "--retention", "3 files",
                            "--checkpoint-interval-volume", "8M", "--log-compression-level", "5"});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  CliResult show = run_cli({"show", db, "--json"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  json settings = json::parse(show.out)["settings"];
  EXPECT_EQ(settings["rotationSize"], 1 << 20);
  EXPECT_EQ(settings["checkpointIntervalTimeMs"], 30000);
  EXPECT_EQ(settings["checkpointIntervalTx"], 10);
  EXPECT_EQ(settings["enrichment"], "FULL");
  EXPECT_EQ(settings["retentionPolicy"], "3 files");
  EXPECT_EQ(settings["checkpointIntervalVolume"], 8 << 20);
  EXPECT_EQ(settings["logCompressionLevel"], 5);
  EXPECT_EQ(json::parse(show.out)["enrichmentGeneration"], 1);

  CliResult text = run_cli({"show", db});
  EXPECT_NE(text.out.find("rotation_size               1M\n"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("checkpoint_interval_time    30s\n"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("retention_policy            3 files\n"), std::string::npos) << text.out;
}

TEST_F(CliTest, ShowJsonIsOneObjectWithCountsAndSegments) {
  std::vector<std::uint64_t> ids = run_ok({
      R"({"ops":[{"op":"create_node","as":"a"},{"op":"create_node","as":"b"},{"op":"create_node"},)"
      R"({"op":"create_relationship","type":"R","start":"$a","end":"$b"}]})",
  });
  ASSERT_EQ(ids.size(), 1u);
  CliResult show = run_cli({"show", db_, "--json"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  ASSERT_EQ(split_lines(show.out).size(), 1u) << show.out;
  json status = json::parse(show.out);
  EXPECT_EQ(status["counts"]["nodes"], 3);
  EXPECT_EQ(status["counts"]["relationships"], 1);
  EXPECT_EQ(status["lastCommittedTx"], ids[0]);
  EXPECT_EQ(status["dir"], db_);
  EXPECT_EQ(status["uuid"].get<std::string>().size(), 36u);
  ASSERT_FALSE(status["segments"].empty());
  for (const json& segment : status["segments"]) {
    EXPECT_TRUE(segment["number"].is_number_unsigned());
    EXPECT_FALSE(segment["file"].get<std::string>().empty());
    EXPECT_GT(segment["bytes"].get<std::uint64_t>(), 0u);
    EXPECT_TRUE(segment["firstTx"].is_number_unsigned());
  }
  // The database checkpoints when it closes, so a checkpoint exists by now; its time is
  // ISO-8601 UTC with milliseconds.
  ASSERT_TRUE(status["lastCheckpoint"].is_object()) << show.out;
  std::string time = status["lastCheckpoint"]["time"];
  ASSERT_EQ(time.size(), 24u) << time;
  EXPECT_EQ(time[10], 'T');
  EXPECT_EQ(time[19], '.');
  EXPECT_EQ(time.back(), 'Z');

  CliResult text = run_cli({"show", db_});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("uuid              " + status["uuid"].get<std::string>()), std::string::npos);
  EXPECT_NE(text.out.find("nodes             3"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("relationships     1"), std::string::npos) << text.out;
}

TEST_F(CliTest, CheckpointPrintsTheCheckpointedTxId) {
  std::vector<std::uint64_t> ids =
      run_ok({R"({"ops":[{"op":"create_node"}]})", R"({"ops":[{"op":"create_node"}]})"});
  ASSERT_EQ(ids.size(), 2u);
  CliResult checkpoint = run_cli({"checkpoint", db_});
  ASSERT_EQ(checkpoint.exit_code, 0) << checkpoint.err;
  ASSERT_EQ(split_lines(checkpoint.out).size(), 1u);
  EXPECT_EQ(std::stoull(checkpoint.out), ids[1]);
  json status = json::parse(run_cli({"show", db_, "--json"}).out);
  EXPECT_EQ(status["lastCheckpoint"]["txId"], ids[1]);
}

TEST_F(CliTest, ExportOfAnEmptyDatabasePrintsNothing) {
  CliResult exported = run_cli({"export", db_});
  EXPECT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_EQ(exported.out, "");
}

TEST(CliDemoTest, WalksThroughAFolderItNames) {
  TestDir cwd;
  CliResult demo = run_cli({"demo"}, "", cwd.path());
  ASSERT_EQ(demo.exit_code, 0) << demo.err;
  std::vector<std::filesystem::path> made;
  for (const auto& entry : std::filesystem::directory_iterator(cwd.path())) made.push_back(entry.path());
  ASSERT_EQ(made.size(), 1u);
  std::string name = made[0].filename().string();
  EXPECT_EQ(name.rfind("txgraph-demo-", 0), 0u) << name;
  EXPECT_NE(demo.out.find(name), std::string::npos);
  for (const char* verb :
       {"txgraph init", "txgraph run", "txgraph cdc earliest", "txgraph cdc query", "txgraph set", "txgraph show",
        "txgraph export", "txgraph checkpoint", "txgraph import", "--follow", "txgraph replicate",
        "txgraph cdc group create", "txgraph cdc group commit"})
    EXPECT_NE(demo.out.find(verb), std::string::npos) << verb;
  // It shows change events in DIFF, then the same kind of update in FULL.
  EXPECT_NE(demo.out.find(R"("captureMode":"DIFF")"), std::string::npos);
  EXPECT_NE(demo.out.find(R"("captureMode":"FULL")"), std::string::npos);
  // The stale cursor is refused, and the import is listed.
  EXPECT_NE(demo.out.find("switched off and on since"), std::string::npos);
  EXPECT_NE(demo.out.find("import 1 at"), std::string::npos);
  // The query that reads the first transaction after the import says it passed it.
  EXPECT_NE(demo.out.find("note: bulk import 1 after transaction"), std::string::npos);
  // The replica's second run applies nothing; the uncommitted group poll is delivered again.
  EXPECT_NE(demo.out.find("replicated 0 transactions"), std::string::npos);
  EXPECT_NE(demo.out.find("(the same two changes: nothing was committed)"), std::string::npos);
  // The replica that fell behind the pruning is refused, then rebuilt from a snapshot.
  EXPECT_NE(demo.out.find("txgraph replicate SRC DST --resnapshot"), std::string::npos);
  EXPECT_NE(demo.out.find("removed the replica"), std::string::npos);
  EXPECT_NE(demo.out.find("of the source and of the replica are identical"), std::string::npos);
  EXPECT_NE(demo.out.find("\n  node key Person(id)\n"), std::string::npos);  // the replica's key, by `show`
  // The Kafka-fed replica starts from a snapshot, the key with it.
  EXPECT_NE(demo.out.find("--start snapshot"), std::string::npos);
  EXPECT_NE(demo.out.find("the key came with the snapshot:"), std::string::npos);

  // What the demo left behind is a database the verbs read.
  Exported exported = parse_export(run_cli({"export", made[0].string()}).out);
  EXPECT_EQ(exported.nodes.size(), 6u);  // Ann, Cid, Gus and the three imported people
  EXPECT_NE(exported.node_with("name", "Ann"), nullptr);
  EXPECT_NE(exported.node_with("name", "Dana"), nullptr);
  EXPECT_EQ(exported.node_with("name", "Bob"), nullptr);
}

TEST(CliDemoTest, UsesTheFolderItIsGivenAndRefusesADatabase) {
  TestDir dir;
  std::string db = (dir / "demo").string();
  CliResult demo = run_cli({"demo", db});
  ASSERT_EQ(demo.exit_code, 0) << demo.err;
  EXPECT_TRUE(std::filesystem::exists(dir / "demo" / "store"));
  CliResult again = run_cli({"demo", db});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("already holds a database"), std::string::npos) << again.err;
}

}  // namespace
}  // namespace txgraph::testing
