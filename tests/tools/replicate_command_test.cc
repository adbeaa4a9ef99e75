// `txgraph replicate SRC DST [--follow]` in the spirit of a live CDC test: the source is written
// by other processes while the replicator follows it; the replicator is stopped by SIGINT, or
// killed mid-stream and restarted; each time source and replica must export the same graph.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli_fixture.h"

namespace txgraph::testing {
namespace {

class ReplicateCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CliResult init = run_cli({"init", source_, "--enrichment", "diff", "--rotation-size", "16K"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
  }

  pid_t spawn(std::vector<std::string> args, const std::string& input_file = "") {
    std::string cli = TXGRAPH_CLI;
    args.insert(args.begin(), cli);
    std::string out = (io_ / "out").string();
    pid_t pid = ::fork();
    if (pid == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      ::dup2(out_fd, 1);
      ::dup2(out_fd, 2);
      if (!input_file.empty()) {
        int in_fd = ::open(input_file.c_str(), O_RDONLY);
        ::dup2(in_fd, 0);
      }
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    return pid;
  }

  static int wait_for(pid_t pid) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  void run_ok(const std::vector<std::string>& lines) {
    CliResult r = run_cli({"run", source_}, join_lines(lines));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  std::string exported(const std::string& db) {
    CliResult r = run_cli({"export", db});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }

  TestDir dir_;
  TestDir io_;
  std::string source_ = (dir_ / "source").string();
  std::string replica_ = (dir_ / "replica").string();
};

std::string person(int id, const std::string& as = "p") {
  return R"({"op":"create_node","as":")" + as + R"(","labels":["Person"],"properties":{"id":)" + std::to_string(id) +
         "}}";
}

TEST_F(ReplicateCommandTest, FollowsLiveWritesAndStopsOnSigint) {
  run_ok({R"({"create_key":{"label":"Person","properties":["id"]}})"});
  pid_t follower = spawn({"replicate", source_, replica_, "--follow"});
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  for (int i = 1; i <= 10; ++i) {
    run_ok({R"({"user":"writer","ops":[)" + person(i, "a") + "," + person(i + 100) +
            R"(,{"op":"create_relationship","type":"KNOWS","start":{"label":"Person","key":{"id":)" +
            std::to_string(i) + R"(}},"end":"$p","properties":{"n":)" + std::to_string(i) + "}}]}"});
  }
  run_ok({R"({"ops":[{"op":"set_properties","node":{"label":"Person","key":{"id":3}},"properties":{"age":40}},)"
          R"({"op":"add_labels","node":{"label":"Person","key":{"id":3}},"labels":["Admin"]},)"
          R"({"op":"delete_node","node":{"label":"Person","key":{"id":4}},"detach":true}]})"});
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ::kill(follower, SIGINT);
  EXPECT_EQ(wait_for(follower), 0) << read_whole_file(io_ / "out");
  // Whatever the follower had not reached by the signal, a plain run applies now.
  CliResult catch_up = run_cli({"replicate", source_, replica_});
  ASSERT_EQ(catch_up.exit_code, 0) << catch_up.err;
  std::string source_graph = exported(source_);
  EXPECT_FALSE(source_graph.empty());
  EXPECT_EQ(exported(replica_), source_graph);
}

TEST_F(ReplicateCommandTest, AReplicatorKilledMidStreamGoesOnWithoutDuplicatesOrGaps) {
  std::string script = (io_ / "script").string();
  {
    std::ofstream out(script);
    for (int i = 1; i <= 1000; ++i) {
      out << R"({"ops":[)" << person(i) << R"(,{"op":"set_properties","node":"$p","properties":{"v":)" << i
          << "}}]}\n";
      if (i % 3 == 0)
        out << R"({"ops":[{"op":"delete_node","node":{"elementId":"n:)" << i - 1 << R"("}}]})" << "\n";
    }
  }
  pid_t follower = spawn({"replicate", source_, replica_, "--follow"});
  pid_t writer = spawn({"run", source_, script}, script);
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  int writer_status = 0;
  EXPECT_EQ(::waitpid(writer, &writer_status, WNOHANG), 0) << "the writer ended before the kill: not mid-stream";
  ::kill(follower, SIGKILL);
  EXPECT_EQ(wait_for(follower), 128 + SIGKILL);
  ASSERT_EQ(wait_for(writer), 0) << read_whole_file(io_ / "out");
  CliResult restarted = run_cli({"replicate", source_, replica_});
  ASSERT_EQ(restarted.exit_code, 0) << restarted.err;
  EXPECT_EQ(restarted.out.find("replicated 0 transactions"), std::string::npos)
      << "the restarted replicator had nothing left to do: the kill was not mid-stream";
  EXPECT_EQ(exported(replica_), exported(source_));
  CliResult again = run_cli({"replicate", source_, replica_});
  EXPECT_NE(again.out.find("replicated 0 transactions"), std::string::npos) << again.out;
}

TEST_F(ReplicateCommandTest, ImportsBeforeTheSnapshotArriveAndLaterOnesAreReported) {
  std::string csv = (io_ / "people.csv").string();
  std::ofstream(csv) << "id:ID,:LABEL\n1,Person\n";
  ASSERT_EQ(run_cli({"import", source_, "--nodes", csv, "--no-progress"}).exit_code, 0);
  CliResult r = run_cli({"replicate", source_, replica_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("bypassed its log"), std::string::npos) << "the snapshot holds it: " << r.err;
  EXPECT_EQ(exported(replica_), exported(source_));
  std::string later = (io_ / "later.csv").string();
  std::ofstream(later) << "id:ID,:LABEL\n1,Item\n";
  ASSERT_EQ(run_cli({"import", source_, "--nodes", later, "--no-progress"}).exit_code, 0);
  run_ok({R"({"ops":[{"op":"create_node","labels":["N"],"properties":{}}]})"});
  r = run_cli({"replicate", source_, replica_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("bypassed its log"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace txgraph::testing
