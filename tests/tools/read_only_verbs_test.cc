// The verbs that only read (show, export, cdc, log) change no file of a database that was
// closed cleanly; on one that was not, they say so, recover it, then read.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cli_fixture.h"
#include "txgraph/database.h"

namespace txgraph::testing {
namespace {

// Every file and folder under `dir`: its size, modification time and (for a file) content.
std::map<std::string, std::string> fingerprint(const std::filesystem::path& dir) {
  std::map<std::string, std::string> out;
  auto look = [&](const std::filesystem::path& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return;
    std::string print = std::to_string(st.st_mode) + " " + std::to_string(st.st_size) + " " +
                        std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
    if (S_ISREG(st.st_mode)) print += " " + std::to_string(std::hash<std::string>{}(read_whole_file(path)));
    out[std::filesystem::relative(path, dir).string()] = print;
  };
  look(dir);
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) look(entry.path());
  return out;
}

class ReadOnlyVerbsTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    ASSERT_EQ(run_cli({"set", db_, "enrichment", "diff"}).exit_code, 0);
    run_ok({R"({"ops":[{"op":"create_node","as":"a","labels":["P"],"properties":{"id":1}},)"
            R"({"op":"create_node","as":"b"},{"op":"create_relationship","type":"R","start":"$a","end":"$b"}]})",
            R"({"ops":[{"op":"create_node","labels":["P"],"properties":{"id":2}}]})"});
  }
};

TEST_F(ReadOnlyVerbsTest, ReadingACleanlyClosedDatabaseChangesNoFile) {
  auto before = fingerprint(db_);
  ASSERT_TRUE(before.count("store/data.mdb")) << "the fingerprint sees the store";
  ASSERT_FALSE(before.count("store/OPEN")) << "the database was closed cleanly";
  const std::vector<std::vector<std::string>> verbs = {
      {"show", db_},          {"show", db_, "--json"}, {"export", db_},      {"cdc", "earliest", db_},
      {"cdc", "current", db_}, {"log", "ls", db_},     {"log", "dump", db_}, {"log", "verify", db_},
      {"log", "stats", db_},   {"log", "retention", db_}};
  for (const auto& args : verbs) {
    // A coarse file system clock could hide a write that lands in the same tick.
    ::usleep(20000);
    CliResult r = run_cli(args);
    EXPECT_EQ(r.exit_code, 0) << args[0] << ": " << r.err;
    EXPECT_EQ(r.err, "") << args[0];
    EXPECT_EQ(fingerprint(db_), before) << "txgraph " << args[0] << (args.size() > 2 ? " " + args[1] : "")
                                        << " changed a file of the database";
  }
  CliResult earliest = run_cli({"cdc", "earliest", db_});
  ASSERT_EQ(earliest.exit_code, 0) << earliest.err;
  CliResult query = run_cli({"cdc", "query", db_, "--from", split_lines(earliest.out).at(0)});
  EXPECT_EQ(query.exit_code, 0) << query.err;
  EXPECT_EQ(split_lines(query.out).size(), 4u) << query.out;  // three nodes and a relationship
  EXPECT_EQ(fingerprint(db_), before) << "txgraph cdc query changed a file of the database";
  // What was read is the database's content all the same.
  Exported graph = export_db();
  EXPECT_EQ(graph.nodes.size(), 3u);
  EXPECT_EQ(graph.relationships.size(), 1u);
}

TEST_F(ReadOnlyVerbsTest, ADatabaseNotClosedCleanlyIsRecoveredWithANoteThenRead) {
  // A process that commits and dies without closing: its last commit is in the log only.
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    Options options;
    options.store_batch = 4096;  // the store commit of the transaction stays in the batch
    auto db = Database::open(db_, options);
    auto tx = db->begin_write();
    tx.create_node({"Q"}, {{"id", Value(std::int64_t{7})}});
    tx.commit();
    ::_exit(0);  // no close: no checkpoint, the OPEN marker stays
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ASSERT_TRUE(Database::needs_recovery(db_));

  CliResult show = run_cli({"show", db_, "--json"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.err.find("was not closed cleanly; recovering it"), std::string::npos) << show.err;
  EXPECT_NE(show.err.find(db_), std::string::npos) << show.err;
  EXPECT_EQ(split_lines(show.err).size(), 1u) << show.err;
  EXPECT_EQ(nlohmann::json::parse(show.out)["counts"]["nodes"], 4) << show.out;

  // Recovered and closed cleanly: from now on reading writes nothing, and says nothing.
  EXPECT_FALSE(Database::needs_recovery(db_));
  auto before = fingerprint(db_);
  CliResult again = run_cli({"export", db_});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.err, "");
  EXPECT_EQ(parse_export(again.out).nodes.size(), 4u);
  EXPECT_EQ(fingerprint(db_), before);
}

TEST(ReadOnlyOpenTest, RefusesEveryWriteNamingTheDatabase) {
  TestDir dir;
  auto path = dir / "db";
  { Database::open(path)->close(); }
  Options options;
  options.read_only = true;
  auto db = Database::open(path, options);
  EXPECT_TRUE(db->status().read_only);
  auto refused = [&](const std::function<void()>& write) {
    try {
      write();
      ADD_FAILURE() << "a write on a read-only database was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << e.what();
      EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("read-only"), std::string::npos) << e.what();
    }
  };
  refused([&] { db->begin_write(); });
  refused([&] { db->checkpoint(); });
  refused([&] { db->set_setting("retention", "keep_none"); });
  refused([&] { db->set_enrichment(EnrichmentMode::kFull); });
  db->close();
  // A read-only open never creates a database.
  Options create = options;
  create.create_if_missing = true;
  EXPECT_THROW(Database::open(dir / "none", create), Error);
  EXPECT_FALSE(std::filesystem::exists(dir / "none" / "store"));
}

}  // namespace
}  // namespace txgraph::testing
