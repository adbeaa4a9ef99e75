// `txgraph cdc earliest|current|query`, as scripts drive it, including --follow of a database
// that another process writes, stopped by SIGINT.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_fixture.h"

namespace txgraph::testing {
namespace {

using nlohmann::json;

class CdcCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CliResult init = run_cli({"init", db_, "--enrichment", "diff"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
  }

  void run_ok(const std::vector<std::string>& lines) {
    CliResult r = run_cli({"run", db_}, join_lines(lines));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  std::string position(const char* which) {
    CliResult r = run_cli({"cdc", which, db_});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto lines = split_lines(r.out);
    EXPECT_EQ(lines.size(), 1u);
    return lines.empty() ? "" : lines[0];
  }

  std::vector<json> query(const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"cdc", "query", db_};
    args.insert(args.end(), extra.begin(), extra.end());
    CliResult r = run_cli(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<json> events;
    for (const auto& line : split_lines(r.out)) events.push_back(json::parse(line));
    return events;
  }

  TestDir dir_;
  std::string db_ = (dir_ / "db").string();
};

const std::string kPeople =
    R"({"user":"alice","metadata":{"app":"crm"},"ops":[{"op":"create_node","as":"a","labels":["Person"],"properties":{"id":1}},)"
    R"({"op":"create_node","as":"b","labels":["Person"],"properties":{"id":2}},)"
    R"({"op":"create_relationship","type":"KNOWS","start":"$a","end":"$b","properties":{}}]})";

TEST_F(CdcCommandTest, KeyLinesReachASchemaSelectorOnly) {
  std::string earliest = position("earliest");
  run_ok({R"({"create_key":{"label":"Person","properties":["id"]}})", kPeople,
          R"({"drop_key":{"label":"Person","properties":["id"]}})",
          R"({"ops":[{"op":"create_node","labels":["Person"],"properties":{"id":1}}]})"});
  EXPECT_EQ(query({"--from", earliest}).size(), 4u);  // the entity changes only
  auto schema = query({"--from", earliest, "--selector", R"({"select":"s"})"});
  ASSERT_EQ(schema.size(), 2u);
  EXPECT_EQ(schema[0]["event"], json::parse(R"({"eventType":"s","operation":"c",
      "constraint":{"kind":"key","label":"Person","properties":["id"]}})"));
  EXPECT_EQ(schema[1]["event"]["operation"], "d");
  EXPECT_EQ(schema[1]["metadata"]["connectionType"], "cli");
  // A drop of a key that is not there fails its line, naming the key.
  CliResult missing = run_cli({"run", db_}, R"({"drop_key":{"type":"PAID","properties":["ref"]}})");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("line 1: there is no relationship key on PAID(ref) to drop"), std::string::npos)
      << missing.err;
  CliResult bad = run_cli({"run", db_}, R"({"drop_key":{"label":"Person"}})");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("properties"), std::string::npos) << bad.err;
  // `show` lists the keys there are.
  run_ok({R"({"create_key":{"type":"PAID","properties":["ref","day"]}})"});
  CliResult shown = run_cli({"show", db_, "--json"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_EQ(json::parse(shown.out)["keys"], json::parse(R"([{"type":"PAID","properties":["ref","day"]}])"));
  EXPECT_NE(run_cli({"show", db_}).out.find("\n  relationship key PAID(ref, day)\n"), std::string::npos);
}

TEST_F(CdcCommandTest, QueryFromEarliestPrintsEveryChangeAsJsonLines) {
  std::string earliest = position("earliest");
  run_ok({kPeople, R"({"user":"bob","ops":[{"op":"set_properties","node":{"elementId":"n:1"},"properties":{"age":5}}]})"});
  auto events = query({"--from", earliest});
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0]["event"]["elementId"], "n:1");
  EXPECT_EQ(events[2]["event"]["eventType"], "r");
  EXPECT_EQ(events[2]["event"]["type"], "KNOWS");
  EXPECT_EQ(events[3]["event"]["operation"], "u");
  EXPECT_EQ(events[3]["metadata"]["executingUser"], "bob");
  EXPECT_EQ(events[3]["event"]["state"]["after"]["properties"]["age"], 5);
  // Each event's id continues after it.
  auto rest = query({"--from", events[1]["id"].get<std::string>()});
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[0], events[2]);
  // Without --from: only what comes after the current position, i.e. nothing now.
  EXPECT_TRUE(query({}).empty());
  EXPECT_TRUE(query({"--from", position("current")}).empty());
}

TEST_F(CdcCommandTest, SelectorsAndLimit) {
  std::string earliest = position("earliest");
  run_ok({kPeople});
  auto relationships = query({"--from", earliest, "--selector", R"({"select":"r"})"});
  ASSERT_EQ(relationships.size(), 1u);
  EXPECT_EQ(relationships[0]["event"]["type"], "KNOWS");
  auto either = query({"--from", earliest, "--selector", R"({"select":"r"})", "--selector",
                       R"({"select":"n","elementId":"n:2"})"});
  EXPECT_EQ(either.size(), 2u);
  EXPECT_EQ(query({"--from", earliest, "--limit", "2"}).size(), 2u);
}

TEST_F(CdcCommandTest, BadInputIsRefusedByName) {
  run_ok({kPeople});
  CliResult bad_selector = run_cli({"cdc", "query", db_, "--selector", R"({"operation":"x"})"});
  EXPECT_EQ(bad_selector.exit_code, 1);
  EXPECT_NE(bad_selector.err.find("operation"), std::string::npos) << bad_selector.err;
  // As deep as one argument can hold: once a stack overflow in printing the parsed selector.
  for (const std::string& deep : {R"({"select":)" + std::string(64000, '[') + std::string(64000, ']') + "}",
                                  R"({"key":{"id":)" + std::string(64000, '[') + std::string(64000, ']') + "}}"}) {
    CliResult too_deep = run_cli({"cdc", "query", db_, "--selector", deep});
    EXPECT_EQ(too_deep.exit_code, 1);
    EXPECT_NE(too_deep.err.find("selector: JSON nested deeper than 512 levels"), std::string::npos)
        << too_deep.err.substr(0, 300);
  }
  // A value that is itself in brackets reaches txgraph whole: once the command-line parser read
  // it as its own list, splitting at commas and recursing into the nesting until the stack ran
  // out. An array is not a selector, and says so.
  CliResult bracketed = run_cli({"cdc", "query", db_, "--selector", std::string(64000, '[') + std::string(64000, ']')});
  EXPECT_EQ(bracketed.exit_code, 1);
  EXPECT_NE(bracketed.err.find("selector: JSON nested deeper than 512 levels"), std::string::npos)
      << bracketed.err.substr(0, 300);
  CliResult array = run_cli({"cdc", "query", db_, "--selector", R"([{"select":"n"},{"select":"r"}])"});
  EXPECT_EQ(array.exit_code, 1);
  EXPECT_NE(array.err.find("selector"), std::string::npos) << array.err;
  CliResult bad_id = run_cli({"cdc", "query", db_, "--from", "nonsense"});
  EXPECT_EQ(bad_id.exit_code, 1);
  EXPECT_NE(bad_id.err.find("\"nonsense\""), std::string::npos) << bad_id.err;
  CliResult missing = run_cli({"cdc", "current", (dir_ / "missing").string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("missing"), std::string::npos) << missing.err;
  CliResult no_verb = run_cli({"cdc"});
  EXPECT_EQ(no_verb.exit_code, 2);
}

TEST_F(CdcCommandTest, OffDatabaseSaysHowToSwitchCaptureOn) {
  std::string off = (dir_ / "off").string();
  ASSERT_EQ(run_cli({"init", off}).exit_code, 0);
  CliResult r = run_cli({"cdc", "current", off});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("enrichment"), std::string::npos) << r.err;
}

TEST_F(CdcCommandTest, FollowPrintsNewChangesAndStopsCleanlyOnSigint) {
  TestDir io;
  auto out_path = io / "out";
  auto err_path = io / "err";
  std::string cli = TXGRAPH_CLI;
  // From a position taken first, so the test does not depend on how fast the follower starts.
  std::string from = position("current");
  pid_t pid = ::fork();
  if (pid == 0) {
    int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    ::execl(cli.c_str(), cli.c_str(), "cdc", "query", db_.c_str(), "--from", from.c_str(), "--follow",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ASSERT_GT(pid, 0);
  // Let the follower be waiting on file changes when the commit comes (it catches up anyway).
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  run_ok({kPeople});
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (split_lines(read_whole_file(out_path)).size() < 3 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ::kill(pid, SIGINT);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << "the follower died of a signal instead of stopping";
  EXPECT_EQ(WEXITSTATUS(status), 0);
  auto lines = split_lines(read_whole_file(out_path));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(json::parse(lines[2])["event"]["type"], "KNOWS");
  // It says where to continue, and continuing from there finds nothing new.
  std::string err = read_whole_file(err_path);
  auto at = err.find("--from ");
  ASSERT_NE(at, std::string::npos) << err;
  std::string resume = err.substr(at + 7);
  resume.erase(resume.find_last_not_of("\n") + 1);
  EXPECT_TRUE(query({"--from", resume}).empty());
}

// A follower that lags (stopped) while the writer rotates through many 4K segments and
// keep_none prunes them: it stops with the C++ reader's kCdcPruned and its message, says that
// pruning passed it and where to start again, and never calls the pruned file damage.
TEST_F(CdcCommandTest, FollowPassedByPruningSaysSoWithTheCdcPrunedError) {
  std::string db = (dir_ / "pruned").string();
  CliResult init = run_cli({"init", db, "--enrichment", "diff", "--retention", "keep_none", "--rotation-size", "4K"});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  auto line = [](int i) {
    std::string pad(300, 'a');  // letters that do not compress, so that the 4K segments fill
    std::uint64_t seed = static_cast<std::uint64_t>(i) * 7919 + 1;
    for (char& c : pad) c = static_cast<char>('a' + (seed = seed * 6364136223846793005ull + 1) % 26);
    return R"({"ops":[{"op":"create_node","labels":["N"],"properties":{"i":)" + std::to_string(i) + R"(,"pad":")" +
           pad + R"("}}]})";
  };
  ASSERT_EQ(run_cli({"run", db}, line(1) + "\n").exit_code, 0);
  CliResult from = run_cli({"cdc", "current", db});
  ASSERT_EQ(from.exit_code, 0) << from.err;
  BackgroundCli follower({"cdc", "query", db, "--from", split_lines(from.out).at(0), "--follow"});
  ASSERT_EQ(run_cli({"run", db}, line(2) + "\n").exit_code, 0);
  ASSERT_TRUE(follower.wait_for_output("\"txId\":2,")) << follower.err();
  follower.send(SIGSTOP);
  std::vector<std::string> lines;
  for (int i = 3; i < 60; ++i) lines.push_back(line(i));
  CliResult written = run_cli({"run", db}, join_lines(lines));  // its close checkpoints, which prunes
  ASSERT_EQ(written.exit_code, 0) << written.err;
  ASSERT_FALSE(std::filesystem::exists(std::filesystem::path(db) / "txlog" / "0000000000000001.seg"))
      << "the follower's segment was pruned";
  follower.send(SIGCONT);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (follower.err().find("error") == std::string::npos && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(follower.stop(SIGINT), 1) << follower.err();
  std::string err = follower.err();
  EXPECT_NE(err.find("pruning passed this follower (cdc_pruned)"), std::string::npos) << err;
  EXPECT_NE(err.find("start again from the earliest change"), std::string::npos) << err;
  EXPECT_NE(err.find("continue with --from "), std::string::npos) << err;
  EXPECT_EQ(err.find("no such file"), std::string::npos) << err;
  EXPECT_EQ(err.find("damaged"), std::string::npos) << err;
}

}  // namespace
}  // namespace txgraph::testing
