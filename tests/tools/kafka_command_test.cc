// `txgraph kafka mock-cluster|publish|replicate` as scripts drive them: the mock cluster's
// first line names its brokers and Ctrl-C ends it; publish and replicate through it give a
// replica whose export equals the source's; bad settings are refused.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "cli_fixture.h"

namespace txgraph::testing {
namespace {

// `txgraph kafka mock-cluster` in the background, its standard output in a file.
class MockClusterProcess {
 public:
  explicit MockClusterProcess(const std::filesystem::path& out) : out_(out) {
    pid_ = ::fork();
    if (pid_ == 0) {
      int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(fd, 1);
      ::execl(TXGRAPH_CLI, TXGRAPH_CLI, "kafka", "mock-cluster", "--brokers", "3", "--partitions", "6", "--topic",
              "changes", static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  ~MockClusterProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  // The brokers from the first line, once it is there.
  std::string bootstrap() {
    for (int i = 0; i < 200; ++i) {
      std::string text = read_whole_file(out_);
      auto end = text.find('\n');
      if (end != std::string::npos) {
        EXPECT_EQ(text.rfind("bootstrap: ", 0), 0u) << text;
        return text.substr(std::string("bootstrap: ").size(), end - std::string("bootstrap: ").size());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "the mock cluster printed no first line";
    return "";
  }
  // SIGINT, then the exit status.
  int interrupt() {
    ::kill(pid_, SIGINT);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  std::filesystem::path out_;
  pid_t pid_ = -1;
};

TEST(KafkaCommandTest, PublishAndReplicateThroughTheMockClusterGiveAnEqualReplica) {
  TestDir dir;
  std::string source = (dir / "source").string(), replica = (dir / "replica").string();
  ASSERT_EQ(run_cli({"init", source, "--enrichment", "diff"}).exit_code, 0);
  std::string lines = R"({"ops":[{"op":"create_node","as":"a","labels":["Person"],"properties":{"id":1}},)"
                      R"({"op":"create_node","as":"b","labels":["Person"],"properties":{"id":2}},)"
                      R"({"op":"create_relationship","type":"KNOWS","start":"$a","end":"$b","properties":{}}]})"
                      "\n"
                      R"({"ops":[{"op":"set_properties","node":{"elementId":"n:1"},"properties":{"age":31}}]})"
                      "\n";
  ASSERT_EQ(run_cli({"run", source}, lines).exit_code, 0);
  MockClusterProcess cluster(dir / "mock.out");
  std::string brokers = cluster.bootstrap();
  ASSERT_FALSE(brokers.empty());
  CliResult published = run_cli({"kafka", "publish", source, "--brokers", brokers, "--topic", "changes"});
  ASSERT_EQ(published.exit_code, 0) << published.err;
  EXPECT_NE(published.out.find("published 4 messages (2 transactions"), std::string::npos) << published.out;
  CliResult again = run_cli({"kafka", "publish", source, "--brokers", brokers, "--topic", "changes"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("published 0 messages"), std::string::npos) << again.out;
  CliResult replicated = run_cli({"kafka", "replicate", replica, "--brokers", brokers, "--topic", "changes"});
  ASSERT_EQ(replicated.exit_code, 0) << replicated.err;
  EXPECT_NE(replicated.out.find("replicated 2 transactions (4 changes)"), std::string::npos) << replicated.out;
  EXPECT_EQ(run_cli({"export", replica}).out, run_cli({"export", source}).out);
  EXPECT_EQ(cluster.interrupt(), 0);
}

// A date in Neo4j's form is a string: `kafka replicate` refuses such a topic, naming the
// option that makes one it can read; published with --values typed, the replica gets the date.
TEST(KafkaCommandTest, TemporalValuesReplicateWhenPublishedTyped) {
  TestDir dir;
  std::string source = (dir / "source").string();
  ASSERT_EQ(run_cli({"init", source, "--enrichment", "diff"}).exit_code, 0);
  ASSERT_EQ(run_cli({"run", source},
                    R"({"ops":[{"op":"create_node","properties":{"day":{"$date":"2024-01-31"}}}]})"
                    "\n")
                .exit_code,
            0);
  MockClusterProcess neo4j_form(dir / "neo4j.out");
  std::string brokers = neo4j_form.bootstrap();
  ASSERT_EQ(run_cli({"kafka", "publish", source, "--brokers", brokers, "--topic", "changes"}).exit_code, 0);
  CliResult refused = run_cli({"kafka", "replicate", (dir / "refused").string(), "--brokers", brokers, "--topic", "changes"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("--values typed"), std::string::npos) << refused.err;

  MockClusterProcess typed(dir / "typed.out");
  brokers = typed.bootstrap();
  CliResult published = run_cli(
      {"kafka", "publish", source, "--brokers", brokers, "--topic", "changes", "--values", "typed", "--group", "typed"});
  ASSERT_EQ(published.exit_code, 0) << published.err;
  std::string replica = (dir / "replica").string();
  CliResult replicated = run_cli({"kafka", "replicate", replica, "--brokers", brokers, "--topic", "changes"});
  ASSERT_EQ(replicated.exit_code, 0) << replicated.err;
  EXPECT_EQ(run_cli({"export", replica}).out, run_cli({"export", source}).out);
  EXPECT_NE(run_cli({"export", replica}).out.find(R"({"$date":"2024-01-31"})"), std::string::npos);
  EXPECT_EQ(neo4j_form.interrupt(), 0);
  EXPECT_EQ(typed.interrupt(), 0);
}

TEST(KafkaCommandTest, BadSettingsAreRefused) {
  TestDir dir;
  std::string source = (dir / "source").string();
  ASSERT_EQ(run_cli({"init", source, "--enrichment", "diff"}).exit_code, 0);
  CliResult setting = run_cli(
      {"kafka", "publish", source, "--brokers", "127.0.0.1:1", "--topic", "t", "--config", "no.such.setting=1"});
  EXPECT_EQ(setting.exit_code, 1);
  EXPECT_NE(setting.err.find("no.such.setting=1"), std::string::npos) << setting.err;
  CliResult help = run_cli({"kafka", "mock-cluster", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("keep everything in memory"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("For trying the kafka verbs and for tests only"), std::string::npos) << help.out;
}

}  // namespace
}  // namespace txgraph::testing
