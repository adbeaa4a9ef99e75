// `txgraph log ls|dump|verify|stats|retention`, run as a script runs it: on a small fixed log
// (exact output), on a log another thread writes meanwhile, and on damaged logs.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_fixture.h"
#include "txgraph/database.h"

namespace txgraph::testing {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr std::int64_t kStart = 1795000000000000;  // 2026-11-18T11:06:40Z

Options fixed_options() {
  Options options;
  // Called by the writer and the background thread alike: an atomic, as a clock must be.
  auto now = std::make_shared<std::atomic<std::int64_t>>(kStart);
  options.clock = [now] { return *now += 250000; };
  options.initial_settings.log_compression_level = 0;  // byte counts independent of the zstd version
  options.initial_settings.rotation_size = 4096;
  options.initial_settings.retention_policy = "keep_all";
  return options;
}

// The log of make_small_log(): a checkpoint at open, the switch to DIFF, two transactions, the
// checkpoint at close. Uncompressed, so the byte counts do not depend on the zstd version.
const char* const LS_EXPECTED =
    "SEG  FILE                  BYTES  RATIO  FIRST_TX  LAST_TX  FIRST_COMMIT              LAST_COMMIT               MODES  GEN  CKPTS  PRUNE\n"
    "1    0000000000000001.seg  381    0.98   1         2        2026-11-18T11:06:42.000Z  2026-11-18T11:06:42.500Z  DIFF   0    2      no\n";
const char* const DUMP_EXPECTED =
    R"({"type":"checkpoint","segment":1,"offset":72,"lastAppliedTx":0,"time":"2026-11-18T11:06:40.750Z"})" "\n"
    R"({"type":"enrichment_change","segment":1,"offset":97,"from":"OFF","to":"DIFF","generation":1,"nextTx":1,"time":"2026-11-18T11:06:41.500Z"})" "\n"
    R"({"type":"transaction","segment":1,"offset":126,"txId":1,"startTime":"2026-11-18T11:06:41.750Z","commitTime":"2026-11-18T11:06:42.000Z","captureMode":"DIFF","user":"alice","authenticatedUser":"alice","metadata":{"app":"crm"},"ops":[{"op":"create_node","id":1,"labels":["Person"],"properties":{"id":1}},{"op":"create_node","id":2,"labels":["Person"],"properties":{"id":2}},{"op":"create_relationship","id":1,"type":"KNOWS","start":1,"end":2,"properties":{}}],"enrichment":{"generation":1,"changes":[{"entity":"node","operation":"create","id":1,"labels":["Person"],"keys":[],"before":null,"after":{"labels":["Person"],"properties":{"id":1}}},{"entity":"node","operation":"create","id":2,"labels":["Person"],"keys":[],"before":null,"after":{"labels":["Person"],"properties":{"id":2}}},{"entity":"relationship","operation":"create","id":1,"type":"KNOWS","start":{"id":1,"labels":["Person"],"keys":[]},"end":{"id":2,"labels":["Person"],"keys":[]},"keys":[],"before":null,"after":{"labels":[],"properties":{}}}]}})" "\n"
    R"({"type":"transaction","segment":1,"offset":275,"txId":2,"startTime":"2026-11-18T11:06:42.250Z","commitTime":"2026-11-18T11:06:42.500Z","captureMode":"DIFF","user":"bob","authenticatedUser":"bob","metadata":{},"ops":[{"op":"set_node_properties","id":1,"properties":{"age":5}}],"enrichment":{"generation":1,"changes":[{"entity":"node","operation":"update","id":1,"labels":["Person"],"keys":[],"before":{"labels":[],"properties":{}},"after":{"labels":[],"properties":{"age":5}}}]}})" "\n"
    R"({"type":"checkpoint","segment":1,"offset":355,"lastAppliedTx":2,"time":"2026-11-18T11:06:42.750Z"})" "\n";

class LogCommandTest : public ::testing::Test {
 protected:
  // Two transactions in DIFF mode after an enrichment switch, a checkpoint, a close.
  void make_small_log() {
    auto db = Database::open(db_, fixed_options());
    db->set_enrichment(EnrichmentMode::kDiff);
    {
      auto tx = db->begin_write({"alice", "", {{"app", Value("crm")}}});
      NodeId a = tx.create_node({"Person"}, {{"id", Value(std::int64_t{1})}});
      NodeId b = tx.create_node({"Person"}, {{"id", Value(std::int64_t{2})}});
      tx.create_relationship("KNOWS", a, b, {});
      tx.commit();
    }
    {
      auto tx = db->begin_write({"bob", "", {}});
      tx.set_node_properties(NodeId{1}, {{"age", Value(std::int64_t{5})}});
      tx.commit();
    }
    db->close();
  }

  // Many transactions over several segments.
  void make_big_log(int count) {
    auto db = Database::open(db_, fixed_options());
    for (int i = 0; i < count; ++i) {
      auto tx = db->begin_write({"alice", "", {}});
      tx.create_node({"Item"}, {{"n", Value(std::int64_t{i})}, {"pad", Value(std::string(200, 'p'))}});
      tx.commit();
    }
    db->close();
  }

  std::vector<fs::path> segment_files() {
    std::vector<fs::path> out;
    for (const auto& entry : fs::directory_iterator(fs::path(db_) / "txlog")) out.push_back(entry.path());
    std::sort(out.begin(), out.end());
    return out;
  }

  TestDir dir_;
  std::string db_ = (dir_ / "db").string();
};

TEST_F(LogCommandTest, LsPrintsOneRowPerSegment) {
  make_small_log();
  CliResult r = run_cli({"log", "ls", db_, "--policy", "keep_all"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out, LS_EXPECTED);
}

TEST_F(LogCommandTest, DumpJsonPrintsEveryRecordInOrder) {
  make_small_log();
  CliResult r = run_cli({"log", "dump", db_, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out, DUMP_EXPECTED);
}

TEST_F(LogCommandTest, DumpFiltersAndText) {
  make_small_log();
  CliResult r = run_cli({"log", "dump", db_, "--json", "--from-tx", "2", "--to-tx", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = split_lines(r.out);
  // Other records are placed by the transaction before them: the closing checkpoint follows tx 2.
  ASSERT_EQ(lines.size(), 2u) << r.out;
  EXPECT_EQ(json::parse(lines[0])["txId"], 2);
  EXPECT_EQ(json::parse(lines[1])["type"], "checkpoint");
  r = run_cli({"log", "dump", db_, "--json", "--since", "2030-01-01T00:00:00Z"});
  EXPECT_EQ(r.out, "");
  r = run_cli({"log", "dump", db_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << "colour when not on a terminal";
  CliResult colored = run_cli({"log", "dump", db_, "--color", "always"});
  ASSERT_EQ(colored.exit_code, 0) << colored.err;
  EXPECT_NE(colored.out.find("\x1b[1;36mtx 1"), std::string::npos) << colored.out;
  EXPECT_EQ(run_cli({"log", "dump", db_, "--color", "sometimes"}).exit_code, 2);
  EXPECT_NE(r.out.find("tx 1  2026-11-18T"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  create_relationship"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("change update n:1"), std::string::npos) << r.out;
  EXPECT_EQ(run_cli({"log", "dump", db_, "--since", "yesterday"}).exit_code, 2);
}

// The text form is read on a terminal: what a user wrote (user names, metadata, labels, types,
// property names and values) must neither start a line of its own nor reach the terminal as a
// control byte (C0, DEL, C1), whatever the record.
TEST_F(LogCommandTest, DumpTextKeepsEachRecordItsOwnAndNoControlByteReachesTheTerminal) {
  const std::string forged = "mallory\ntx 99  2026-01-01T00:00:00.000Z  OFF  user root\x1b[2J\x1b]0;owned\x07";
  {
    auto db = Database::open(db_, fixed_options());
    db->set_enrichment(EnrichmentMode::kFull);
    auto tx = db->begin_write({forged, "eve\r\x1b[31m", {{"note\n", Value("a\x1b[1mb\x7f\xc2\x9b" "2J\xe2\x80\xa8")}}});
    NodeId a = tx.create_node({"L\x1b[5m", "Plain"}, {{"k\x1b", Value("v\nw")}, {"bad", Value("\x9b" "31m")}});
    tx.create_relationship("T\x7f\xc2\x85", a, a, {{"p\xc2\x9f", Value(Value::List{Value("\x1b"), Value("\t")})}});
    tx.commit();
    db->close();
  }
  for (const char* color : {"never", "always"}) {
    SCOPED_TRACE(color);
    CliResult r = run_cli({"log", "dump", db_, "--color", color});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::string text = r.out;
    for (const char* ours : {"\x1b[1;36m", "\x1b[33m", "\x1b[0m"})
      for (std::size_t at; (at = text.find(ours)) != std::string::npos;) text.erase(at, std::strlen(ours));
    for (std::size_t i = 0; i < text.size(); ++i) {
      auto c = static_cast<unsigned char>(text[i]);
      EXPECT_TRUE(c == '\n' || (c >= 0x20 && c != 0x7f)) << "byte " << int(c) << " at " << i << " of\n" << text;
      if (c == 0xC2 && i + 1 < text.size()) {
        auto next = static_cast<unsigned char>(text[i + 1]);
        EXPECT_FALSE(next >= 0x80 && next <= 0x9f) << "C1 control at " << i << " of\n" << text;
      }
    }
    std::vector<std::string> lines = split_lines(text);
    EXPECT_EQ(std::count_if(lines.begin(), lines.end(), [](const std::string& l) { return l.starts_with("tx "); }), 1)
        << text;
    // One line per record that is not a transaction, and for the transaction its heading, its
    // start, its metadata, 2 ops, the generation and 2 changes.
    EXPECT_EQ(lines.size(), 3u + 8u) << text;
    // The user, quoted and escaped, is still there to read.
    EXPECT_NE(text.find(R"(user "mallory\ntx 99  2026-01-01T00:00:00.000Z  OFF  user root\u001b[2J\u001b]0;owned\u0007" (as "eve\r\u001b[31m")  [segment )"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find(R"({"note\n":"a\u001b[1mb\u007f\u009b2J)"), std::string::npos) << text;
    EXPECT_NE(text.find(R"("T\u007f\u0085")"), std::string::npos) << text;
  }
  // The JSON form keeps the name as it was written.
  CliResult json_form = run_cli({"log", "dump", db_, "--json"});
  ASSERT_EQ(json_form.exit_code, 0) << json_form.err;
  for (const std::string& line : split_lines(json_form.out)) {
    json record = json::parse(line);
    if (record["type"] == "transaction") {
      EXPECT_EQ(record["user"], forged);
    }
  }
}

// A value the dump cannot mean is a usage error naming the flag and the value, not a silent
// empty dump, a wrapped-around number or a time that timegm() would carry into the next month.
TEST_F(LogCommandTest, DumpRefusesFlagValuesItCannotMean) {
  make_small_log();
  struct Case {
    std::string flag, value;
  };
  for (const Case& c : std::vector<Case>{{"--segment", "0"},
                                         {"--segment", "-1"},
                                         {"--segment", "1.5"},
                                         {"--from-tx", "-1"},
                                         {"--to-tx", "-5"},
                                         {"--from-tx", "18446744073709551616"},
                                         {"--from-tx", "7x"},
                                         {"--since", "2026-13-45T99:99:99Z"},
                                         {"--since", "2026-11-18T24:00:00Z"},
                                         {"--since", "2026-11-18T23:60:00Z"},
                                         {"--until", "2026-02-30"},
                                         {"--until", "2026-11-18T11:06:40Zoops"},
                                         {"--since", "99999999999999999999"},
                                         {"--since", "yesterday"}}) {
    SCOPED_TRACE(c.flag + " " + c.value);
    CliResult r = run_cli({"log", "dump", db_, c.flag, c.value});
    EXPECT_EQ(r.exit_code, 2) << r.out;
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find(c.flag), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(c.value), std::string::npos) << r.err;
    EXPECT_LT(r.err.size(), 300u) << r.err;
  }
  // What it can mean still works: leap days, the last second of a day, plain microseconds.
  for (const Case& c : std::vector<Case>{{"--segment", "1"},
                                         {"--from-tx", "0"},
                                         {"--since", "2024-02-29T23:59:59.5Z"},
                                         {"--since", "2026-11-18"},
                                         {"--until", "1795000000000000"}}) {
    SCOPED_TRACE(c.flag + " " + c.value);
    CliResult r = run_cli({"log", "dump", db_, c.flag, c.value});
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
}

TEST_F(LogCommandTest, VerifyCleanStatsAndRetention) {
  make_big_log(60);
  CliResult r = run_cli({"log", "verify", db_});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("no damage"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("last applied tx 60, covered by the log"), std::string::npos) << r.out;

  r = run_cli({"log", "stats", db_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("transactions: 60"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("create_node                     60"), std::string::npos) << r.out;

  // Without --policy, the database's own, read from the store without opening the database.
  r = run_cli({"log", "retention", db_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("policy: keep_all (from the database's settings)"), std::string::npos) << r.out;
  r = run_cli({"log", "retention", db_, "--policy", "keep_all"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("0 of "), std::string::npos) << r.out;
  auto before = segment_files();
  r = run_cli({"log", "retention", db_, "--policy", "1 files"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("policy: 1 files (from --policy)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("pruned: "), std::string::npos) << r.out;
  EXPECT_EQ(segment_files(), before);  // a preview prunes nothing

  EXPECT_EQ(run_cli({"log", "verify"}).exit_code, 2);
  EXPECT_EQ(run_cli({"log", "retention", db_, "--policy", "soon"}).exit_code, 1);
}

TEST_F(LogCommandTest, RetentionWorksOnAnOpenDatabaseAndPrunesNothing) {
  make_big_log(5);
  auto db = Database::open(db_, fixed_options());
  auto before = segment_files();
  EXPECT_EQ(run_cli({"log", "retention", db_, "--policy", "keep_none"}).exit_code, 0);
  EXPECT_EQ(segment_files(), before);
  // The stored policy is read while this process has the database open.
  CliResult r = run_cli({"log", "retention", db_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("policy: keep_all (from the database's settings)"), std::string::npos) << r.out;
  r = run_cli({"log", "ls", db_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  for (const auto& row : split_lines(r.out)) EXPECT_TRUE(row.ends_with("PRUNE") || row.ends_with("no")) << row;
}

// Each row's last column.
std::vector<std::string> prune_column(const std::string& ls_out) {
  std::vector<std::string> out;
  auto rows = split_lines(ls_out);
  for (std::size_t i = 1; i < rows.size(); ++i) out.push_back(rows[i].substr(rows[i].find_last_of(' ') + 1));
  return out;
}

TEST_F(LogCommandTest, LsAndRetentionUseTheStoredPolicyAndWriteNoFile) {
  // The database lives three days in the past, so that its own checkpoints prune nothing under
  // a one-day policy while the tool, on today's clock, sees every segment as old enough.
  Options options = fixed_options();
  std::int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::system_clock::now().time_since_epoch() - std::chrono::hours(72))
                         .count();
  options.clock = [now]() mutable { return now += 1000; };
  {
    auto db = Database::open(db_, options);
    db->set_setting("retention_policy", "1 days");
    for (int i = 0; i < 40; ++i) {
      auto tx = db->begin_write({"alice", "", {}});
      tx.create_node({"Item"}, {{"pad", Value(std::string(200, 'p'))}});
      tx.commit();
    }
    db->close();
  }
  auto segments = segment_files();
  ASSERT_GE(segments.size(), 3u);
  fs::path data = fs::path(db_) / "store" / "data.mdb";
  std::string store_before = read_whole_file(data);

  CliResult r = run_cli({"log", "ls", db_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  auto prune = prune_column(r.out);
  ASSERT_EQ(prune.size(), segments.size()) << r.out;
  EXPECT_EQ(prune.front(), "yes") << r.out;
  EXPECT_EQ(prune.back(), "no") << r.out;  // the active segment is never pruned
  r = run_cli({"log", "retention", db_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("policy: 1 days (from the database's settings)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(fmt::format("{} of {} segments", segments.size() - 1, segments.size())), std::string::npos)
      << r.out;
  // --policy still overrides.
  r = run_cli({"log", "ls", db_, "--policy", "keep_all"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const auto& cell : prune_column(r.out)) EXPECT_EQ(cell, "no") << r.out;

  EXPECT_EQ(segment_files(), segments);
  EXPECT_EQ(read_whole_file(data), store_before);
}

TEST_F(LogCommandTest, AStoreNotClosedCleanlyIsNeitherReadNorPutBack) {
  make_big_log(5);
  fs::path store = fs::path(db_) / "store";
  ASSERT_TRUE(fs::exists(store / "checkpoint.meta"));
  // What a crash leaves: the open marker, with no process holding the database.
  std::ofstream(store / "OPEN") << "open\n";
  std::string store_before = read_whole_file(store / "data.mdb");

  CliResult r = run_cli({"log", "retention", db_});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.err.find("was not closed cleanly"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("pass --policy"), std::string::npos) << r.err;
  r = run_cli({"log", "ls", db_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const auto& cell : prune_column(r.out)) EXPECT_EQ(cell, "?") << r.out;
  EXPECT_NE(r.err.find("PRUNE is '?'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("not closed cleanly"), std::string::npos) << r.err;
  EXPECT_EQ(run_cli({"log", "retention", db_, "--policy", "keep_all"}).exit_code, 0);

  // Putting the saved meta page back is the next open's job, never a reader's.
  EXPECT_EQ(read_whole_file(store / "data.mdb"), store_before);
  EXPECT_TRUE(fs::exists(store / "OPEN"));
}

// A log cut short under a store that has applied more: the store's last applied transaction
// is not covered, which verify reports as damage (recovery would refuse such a store).
TEST_F(LogCommandTest, VerifyReportsAStoreAheadOfItsLog) {
  make_big_log(60);
  auto files = segment_files();
  ASSERT_FALSE(files.empty());
  // Cut the newest segment with transactions back to its header, and drop the ones after it
  // (the checkpoint at close may have rotated into a segment of its own): the transactions
  // are gone from the log.
  while (files.size() > 1 && fs::file_size(files.back()) < 72 + 200) {
    fs::remove(files.back());
    files.pop_back();
  }
  fs::resize_file(files.back(), 72);  // the segment header's size
  CliResult r = run_cli({"log", "verify", db_});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("the store has applied up to tx 60, but the log ends at tx"), std::string::npos) << r.out;
}

TEST_F(LogCommandTest, LsOfSegmentsWithoutTheirStoreSaysWhyPruneIsUnknown) {
  make_small_log();
  TestDir copy;
  for (const auto& file : segment_files()) fs::copy_file(file, copy / file.filename());
  CliResult r = run_cli({"log", "ls", copy.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("no database store beside the log"), std::string::npos) << r.err;
  for (const auto& cell : prune_column(r.out)) EXPECT_EQ(cell, "?") << r.out;
}

TEST_F(LogCommandTest, EveryVerbWorksWhileAnotherWriterAppends) {
  auto db = Database::open(db_, fixed_options());
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (std::int64_t i = 0; !stop; ++i) {
      auto tx = db->begin_write({"w", "", {}});
      tx.create_node({"Item"}, {{"n", Value(i)}, {"pad", Value(std::string(300, 'p'))}});
      tx.commit();
    }
  });
  for (int round = 0; round < 3; ++round) {
    CliResult v = run_cli({"log", "verify", db_});
    EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
    CliResult d = run_cli({"log", "dump", db_, "--json"});
    EXPECT_EQ(d.exit_code, 0) << d.err;
    std::uint64_t next = 1;
    for (const auto& line : split_lines(d.out)) {
      json record = json::parse(line);
      if (record["type"] != "transaction") continue;
      EXPECT_EQ(record["txId"], next);
      next = record["txId"].get<std::uint64_t>() + 1;
    }
    EXPECT_EQ(run_cli({"log", "ls", db_}).exit_code, 0);
    EXPECT_EQ(run_cli({"log", "stats", db_}).exit_code, 0);
  }
  stop = true;
  writer.join();
}

void commit_items(Database& db, int count) {
  for (int i = 0; i < count; ++i) {
    auto tx = db.begin_write({"w", "", {}});
    tx.create_node({"Item"}, {{"pad", Value(std::string(300, 'p'))}});
    tx.commit();
  }
}

TEST_F(LogCommandTest, DumpFollowShowsEveryTransactionInOrderAcrossRotationAndPruningUntilSigint) {
  auto db = Database::open(db_, fixed_options());
  commit_items(*db, 20);
  BackgroundCli follower({"log", "dump", db_, "--json", "--follow"});
  ASSERT_TRUE(follower.wait_for_output("\"txId\":20,")) << follower.out() << follower.err();
  // Written while it follows: many segment rotations (4K segments), then pruning of every
  // segment but the active one, which the follower has read by then, and more after it.
  std::thread writer([&] { commit_items(*db, 80); });
  writer.join();
  ASSERT_TRUE(follower.wait_for_output("\"txId\":100,")) << follower.err();
  db->set_setting("retention_policy", "1 files");
  std::size_t segments_left = segment_files().size();
  commit_items(*db, 60);
  db->checkpoint();
  ASSERT_TRUE(follower.wait_for_output("\"txId\":160,")) << follower.err();
  EXPECT_EQ(follower.stop(SIGINT), 0) << follower.err();

  std::uint64_t next = 1, last_segment = 0;
  for (const auto& line : split_lines(follower.out())) {
    json record = json::parse(line);
    if (record["type"] != "transaction") continue;
    ASSERT_EQ(record["txId"], next) << line;
    ++next;
    last_segment = record["segment"];
  }
  EXPECT_EQ(next, 161u);
  EXPECT_GT(last_segment, 10u);     // it followed through many rotations
  EXPECT_LE(segments_left, 2u);     // and segments were pruned under it
  EXPECT_EQ(follower.err().find("offset"), std::string::npos) << follower.err();  // no problem reported
  EXPECT_NE(follower.err().find("stopped; continue with --from-tx 161"), std::string::npos) << follower.err();
}

// A follower that lags (stopped) while the writer rotates through many segments and keep_none
// prunes them all, its own segment too: it says that pruning passed it and where it goes on,
// shows no false note of records taken back, and goes on with what is left.
TEST_F(LogCommandTest, DumpFollowPassedByPruningSaysSoAndGoesOn) {
  auto db = Database::open(db_, fixed_options());
  db->set_setting("retention_policy", "keep_none");
  commit_items(*db, 5);
  BackgroundCli follower({"log", "dump", db_, "--json", "--follow"});
  ASSERT_TRUE(follower.wait_for_output("\"txId\":5,")) << follower.out() << follower.err();
  follower.send(SIGSTOP);
  commit_items(*db, 80);
  db->checkpoint();
  std::vector<fs::path> left = segment_files();
  ASSERT_LE(left.size(), 2u);
  ASSERT_NE(left.front().filename(), "0000000000000001.seg") << "the follower's segment was pruned";
  follower.send(SIGCONT);
  ASSERT_TRUE(follower.wait_for_output("\"txId\":85,")) << follower.out() << follower.err();
  EXPECT_EQ(follower.stop(SIGINT), 0) << follower.err();
  std::string err = follower.err();
  EXPECT_NE(err.find("pruning passed this reader"), std::string::npos) << err;
  EXPECT_NE(err.find("going on with segment"), std::string::npos) << err;
  EXPECT_EQ(err.find("taken back"), std::string::npos) << err;
  EXPECT_EQ(err.find("no such file"), std::string::npos) << err;
  EXPECT_NE(err.find("stopped; continue with --from-tx 86"), std::string::npos) << err;
  std::uint64_t last = 0;
  for (const auto& line : split_lines(follower.out())) {
    json record = json::parse(line);
    if (record["type"] != "transaction") continue;
    EXPECT_GT(record["txId"].get<std::uint64_t>(), last) << line;
    last = record["txId"];
  }
  EXPECT_EQ(last, 85u);
}

TEST_F(LogCommandTest, DumpFollowTextWithFiltersStopsOnSigterm) {
  auto db = Database::open(db_, fixed_options());
  commit_items(*db, 3);
  BackgroundCli follower({"log", "dump", db_, "--follow", "--from-tx", "2", "--to-tx", "30"});
  ASSERT_TRUE(follower.wait_for_output("tx 3  ")) << follower.err();
  commit_items(*db, 40);
  ASSERT_TRUE(follower.wait_for_output("tx 30  ")) << follower.err();
  EXPECT_EQ(follower.stop(SIGTERM), 0) << follower.err();
  std::string out = follower.out();
  EXPECT_EQ(out.find("tx 1  "), std::string::npos) << out;
  EXPECT_EQ(out.find("tx 31  "), std::string::npos) << out;
  EXPECT_LT(out.find("tx 2  "), out.find("tx 29  "));
  EXPECT_NE(out.find("  create_node                    {\"id\":29,"), std::string::npos) << out;
}

TEST_F(LogCommandTest, DumpFollowWaitsForTheFirstSegmentOfANewLog) {
  fs::create_directories(fs::path(db_) / "txlog");
  BackgroundCli follower({"log", "dump", db_, "--json", "--follow"});
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto db = Database::open(db_, fixed_options());
  commit_items(*db, 2);
  ASSERT_TRUE(follower.wait_for_output("\"txId\":2,")) << follower.err();
  EXPECT_EQ(follower.stop(SIGINT), 0) << follower.err();
}

class LogDamageTest : public LogCommandTest {
 protected:
  void SetUp() override {
    make_big_log(60);
    files_ = segment_files();
    ASSERT_GE(files_.size(), 3u);
  }
  std::string bytes(const fs::path& path) { return read_whole_file(path); }
  void write(const fs::path& path, const std::string& data) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
  }
  // verify exits 1 and names `file` with `offset`; the other verbs still run.
  void expect_damage(const fs::path& file, std::uint64_t offset) {
    CliResult r = run_cli({"log", "verify", db_});
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find(fmt::format("{}: offset {}:", file.string(), offset)), std::string::npos) << r.out;
    for (const char* verb : {"ls", "dump", "stats"}) {
      CliResult other = run_cli({"log", verb, db_});
      EXPECT_EQ(other.exit_code, 0) << verb << ": " << other.err;
      EXPECT_NE(other.err.find(file.string()), std::string::npos) << verb << ": " << other.err;
    }
    // Records after the damaged segment are still dumped.
    CliResult dump = run_cli({"log", "dump", db_, "--json"});
    EXPECT_NE(dump.out.find("\"txId\":60"), std::string::npos);
  }
  std::vector<fs::path> files_;
};

TEST_F(LogDamageTest, TruncatedSegment) {
  auto data = bytes(files_[1]);
  write(files_[1], data.substr(0, data.size() - 5));
  CliResult r = run_cli({"log", "verify", db_});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find(files_[1].string()), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("torn tail in a segment that is not the last"), std::string::npos) << r.out;
}

TEST_F(LogDamageTest, FlippedBits) {
  auto data = bytes(files_[1]);
  data[100] ^= 0x04;
  write(files_[1], data);
  expect_damage(files_[1], 72);
}

TEST_F(LogDamageTest, ZeroFilledRegion) {
  auto data = bytes(files_[0]);
  std::fill(data.begin() + 72, data.begin() + 200, '\0');
  write(files_[0], data);
  expect_damage(files_[0], 72);
}

TEST_F(LogDamageTest, HeaderOfAnotherDatabase) {
  auto data = bytes(files_[1]);
  // A valid header from another database: change the UUID and recompute nothing but what
  // the reader checks, by taking a header written for a different UUID.
  TestDir other_dir;
  {
    auto db = Database::open(other_dir.path(), fixed_options());
  }
  auto foreign = bytes(other_dir.path() / "txlog" / "0000000000000001.seg");
  write(files_[1], foreign.substr(0, 72) + data.substr(72));
  expect_damage(files_[1], 0);
}

TEST_F(LogDamageTest, MissingSegmentInTheMiddle) {
  fs::remove(files_[1]);
  expect_damage(files_[2], 0);
}

TEST_F(LogDamageTest, FileThatIsNotASegment) {
  write(files_[1], std::string(300, 'z'));
  expect_damage(files_[1], 0);
}

}  // namespace
}  // namespace txgraph::testing
