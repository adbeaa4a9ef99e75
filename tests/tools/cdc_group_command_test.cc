// `txgraph cdc group ...` as scripts drive it: create, poll (automatic and manual commit),
// commit, list, reset, delete, and the errors a user can cause.
#include <fstream>

#include <nlohmann/json.hpp>

#include "cli_fixture.h"

namespace txgraph::testing {
namespace {

using nlohmann::json;

class CdcGroupCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CliResult init = run_cli({"init", db_, "--enrichment", "diff"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
  }

  void add_person(int id) {
    CliResult r = run_cli({"run", db_}, join_lines({fmt_person(id)}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static std::string fmt_person(int id) {
    return R"({"ops":[{"op":"create_node","labels":["Person"],"properties":{"id":)" + std::to_string(id) + "}}]}";
  }

  CliResult group(std::vector<std::string> args) {
    args.insert(args.begin(), {"cdc", "group"});
    return run_cli(args);
  }

  std::vector<int> poll_ids(const std::string& name, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"poll", db_, name};
    args.insert(args.end(), extra.begin(), extra.end());
    CliResult r = group(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<int> ids;
    for (const auto& line : split_lines(r.out))
      ids.push_back(json::parse(line)["event"]["state"]["after"]["properties"]["id"].get<int>());
    last_err_ = r.err;
    return ids;
  }

  TestDir dir_;
  std::string db_ = (dir_ / "db").string();
  std::string last_err_;
};

TEST_F(CdcGroupCommandTest, PollCommitsWhatItPrinted) {
  add_person(1);
  ASSERT_EQ(group({"create", db_, "all", "--start", "earliest"}).exit_code, 0);
  add_person(2);
  add_person(3);
  EXPECT_EQ(poll_ids("all", {"--limit", "2"}), (std::vector<int>{1, 2}));
  EXPECT_EQ(poll_ids("all"), (std::vector<int>{3}));
  EXPECT_EQ(poll_ids("all"), (std::vector<int>{}));
}

TEST_F(CdcGroupCommandTest, ManualCommitRedeliversUntilCommitted) {
  ASSERT_EQ(group({"create", db_, "m", "--start", "earliest", "--manual-commit", "--selector",
                   R"({"select":"n","labels":["Person"]})"})
                .exit_code,
            0);
  add_person(1);
  add_person(2);
  EXPECT_EQ(poll_ids("m", {"--limit", "1"}), (std::vector<int>{1}));
  EXPECT_EQ(poll_ids("m", {"--limit", "1"}), (std::vector<int>{1})) << "an uncommitted change was not redelivered";
  auto at = last_err_.find("commit with: ");
  ASSERT_NE(at, std::string::npos) << last_err_;
  std::string position = last_err_.substr(last_err_.rfind(' ') + 1);
  position.erase(position.find_last_not_of("\n") + 1);
  CliResult commit = group({"commit", db_, "m", position});
  ASSERT_EQ(commit.exit_code, 0) << commit.err;
  EXPECT_EQ(poll_ids("m"), (std::vector<int>{2}));
}

TEST_F(CdcGroupCommandTest, PollWaitsForACommitAndTellsOfImports) {
  ASSERT_EQ(group({"create", db_, "w"}).exit_code, 0);
  // Waits up to a minute, but returns with the first commit.
  BackgroundCli waiting({"cdc", "group", "poll", db_, "w", "--wait", "60s"});
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto started = std::chrono::steady_clock::now();
  add_person(1);
  EXPECT_EQ(waiting.wait(), 0) << waiting.err();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30)) << "it waited for its timeout";
  ASSERT_EQ(split_lines(waiting.out()).size(), 1u) << waiting.out();

  // An import between polls is told of on standard error by the poll that passes it.
  auto csv = dir_ / "people.csv";
  std::ofstream(csv) << "id:ID,name\nx,Xi\n";
  ASSERT_EQ(run_cli({"import", db_, "--nodes", csv.string()}).exit_code, 0);
  add_person(2);
  EXPECT_EQ(poll_ids("w"), (std::vector<int>{2}));
  EXPECT_NE(last_err_.find("note: bulk import 1 after transaction"), std::string::npos) << last_err_;
  EXPECT_EQ(poll_ids("w"), (std::vector<int>{}));
  EXPECT_EQ(last_err_.find("bulk import"), std::string::npos) << "told twice: " << last_err_;
}

TEST_F(CdcGroupCommandTest, FollowPrintsUntilSigintAndCommitsWhatItPrinted) {
  ASSERT_EQ(group({"create", db_, "f"}).exit_code, 0);
  BackgroundCli follower({"cdc", "group", "poll", db_, "f", "--follow"});
  add_person(1);
  add_person(2);
  ASSERT_TRUE(follower.wait_for_output("\"id\":2")) << follower.out() << follower.err();
  EXPECT_EQ(follower.stop(SIGINT), 0) << follower.err();
  EXPECT_EQ(split_lines(follower.out()).size(), 2u) << follower.out();
  add_person(3);
  EXPECT_EQ(poll_ids("f"), (std::vector<int>{3})) << "what the follower printed was not committed";
}

TEST_F(CdcGroupCommandTest, ListResetDelete) {
  add_person(1);
  ASSERT_EQ(group({"create", db_, "a", "--hold", "1G"}).exit_code, 0);
  add_person(2);
  CliResult list = group({"list", db_, "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  auto rows = split_lines(list.out);
  ASSERT_EQ(rows.size(), 1u);
  json row = json::parse(rows[0]);
  EXPECT_EQ(row["name"], "a");
  EXPECT_EQ(row["lagChanges"], 1);
  EXPECT_EQ(row["holdBytes"], 1024 * 1024 * 1024);
  EXPECT_EQ(row["commit"], "auto");
  EXPECT_NE(group({"list", db_}).out.find("hold 1G"), std::string::npos);
  CliResult show = run_cli({"show", db_, "--json"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  json shown = json::parse(show.out)["consumerGroups"];
  ASSERT_EQ(shown.size(), 1u);
  EXPECT_EQ(shown[0]["name"], "a");
  EXPECT_EQ(shown[0]["holdBytes"], 1024 * 1024 * 1024);
  EXPECT_NE(run_cli({"show", db_}).out.find("a: holds the log from tx"), std::string::npos);

  EXPECT_EQ(poll_ids("a"), (std::vector<int>{2}));
  ASSERT_EQ(group({"reset", db_, "a"}).exit_code, 0);  // to earliest
  EXPECT_EQ(poll_ids("a"), (std::vector<int>{1, 2}));
  ASSERT_EQ(group({"delete", db_, "a"}).exit_code, 0);
  EXPECT_EQ(group({"list", db_}).out, "no consumer groups\n");
}

// `log retention` and `log ls` apply the groups' holds as the next checkpoint would.
TEST_F(CdcGroupCommandTest, LogRetentionSaysWhichGroupHoldsWhat) {
  std::string db = (dir_ / "small").string();
  ASSERT_EQ(run_cli({"init", db, "--enrichment", "diff", "--rotation-size", "4K", "--retention", "keep_none",
                     "--log-compression-level", "0"})
                .exit_code,
            0);
  ASSERT_EQ(group({"create", db, "holder", "--start", "earliest", "--hold", "1G"}).exit_code, 0);
  ASSERT_EQ(group({"create", db, "tiny", "--start", "earliest", "--hold", "1K"}).exit_code, 0);
  std::vector<std::string> lines;
  for (int i = 0; i < 40; ++i)
    lines.push_back(R"({"ops":[{"op":"create_node","labels":["N"],"properties":{"pad":")" + std::string(300, 'x') +
                    R"("}}]})");
  ASSERT_EQ(run_cli({"run", db}, join_lines(lines)).exit_code, 0);
  CliResult r = run_cli({"log", "retention", db});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("consumer group holder: holds the log from tx 1 on, up to 1G"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("kept: consumer group holder still needs it"), std::string::npos) << r.out;
  // The run's closing checkpoint has marked it already.
  EXPECT_NE(r.out.find("consumer group tiny: lost already (it still needed transaction 1 onward"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("0 of "), std::string::npos) << "the holder keeps every segment: " << r.out;
}

TEST_F(CdcGroupCommandTest, BadInputIsRefusedByName) {
  ASSERT_EQ(group({"create", db_, "g"}).exit_code, 0);
  auto refused = [&](std::vector<std::string> args, const std::string& says) {
    CliResult r = group(args);
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.err.find(says), std::string::npos) << r.err;
  };
  refused({"create", db_, "g"}, "exists already");
  refused({"create", db_, "bad/name"}, "is not a consumer group name");
  refused({"create", db_, "h", "--start", "soon"}, "is not a start location");
  refused({"create", db_, "h", "--selector", R"({"select":"n","colour":1})"}, "colour");
  refused({"create", db_, "h", "--hold", "lots"}, "lots");
  // As deep as one argument can hold: once a stack overflow in printing the parsed selector.
  refused({"create", db_, "h", "--selector", R"({"select":)" + std::string(64000, '[') + std::string(64000, ']') + "}"},
          "selector: JSON nested deeper than 512 levels");
  refused({"create", db_, "h", "--selector", std::string(64000, '[') + std::string(64000, ']')},
          "selector: JSON nested deeper than 512 levels");
  refused({"create", db_, "h", "--selector", R"({"key":{"id":18446744073709551616}})"},
          "integer 18446744073709551616 does not fit");
  refused({"poll", db_, "nope"}, "no consumer group \"nope\"");
  refused({"commit", db_, "g", "not-an-id"}, "not-an-id");
  refused({"delete", db_, "nope"}, "no consumer group \"nope\"");
}

}  // namespace
}  // namespace txgraph::testing
