// Selective queries on a log whose records carry tags (txlog/compression_dictionary.h): the
// reader passes by, undecompressed, the records no selector can want. Around what it passes
// by, a query must still end where an unselective one ends (at an enrichment switch, at the
// end of the log), report every import, cross segments, and keep up with a writer.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "cdc_test_support.h"
#include "test_dir.h"
#include "txgraph/txgraph.h"
#include "txlog/log_directory.h"
#include "txlog/segment_reader.h"

namespace txgraph {
namespace {

using testing::TestDir;

const std::vector<ChangeSelector> kRare = {parse_change_selector(R"({"select":"n","labels":["Rare"]})")};

// Captured records enough for the writer to train its dictionary (256 KiB and more); one
// node in 50 is Rare, so "Rare" is a vocabulary word.
void fill(Database& db, int count, int& next, std::size_t noise = 16) {
  for (int end = next + count; next < end; ++next) {
    auto tx = db.begin_write(TxInfo{"app", "", {{"app", Value("crm")}}});
    tx.create_node({next % 50 == 0 ? "Rare" : "Person"},
                   {{"id", Value(next)}, {"name", Value(testing::noise(noise, static_cast<std::uint64_t>(next)))}});
    tx.commit();
  }
}

// Plain Person nodes: records a Rare selector passes by.
void plain(Database& db, int count, int& next) {
  for (int end = next + count; next < end; ++next) {
    auto tx = db.begin_write();
    tx.create_node({"Person"}, {{"id", Value(next)}});
    tx.commit();
  }
}

std::uint64_t tagged_records(const std::filesystem::path& log_dir) {
  std::uint64_t tagged = 0;
  txlog::Frame frame;
  for (const auto& segment : txlog::list_segments(log_dir.string())) {
    txlog::SegmentReader reader(segment.path);
    while (reader.next(&frame) == txlog::SegmentReader::Next::kRecord)
      tagged += (frame.flags & txlog::kFrameFlagTags) != 0;
  }
  return tagged;
}

// A database in `dir`, its change stream and earliest position, and `filled` captured records
// (4000 are enough for the writer to train its dictionary).
struct Tagged {
  Tagged(const TestDir& dir, const Options& options = testing::capture_options(), int filled = 4000)
      : db(Database::open(dir / "graph", options)), stream(*db), from(stream.earliest()) {
    fill(*db, filled, next);
  }
  std::unique_ptr<Database> db;
  ChangeStream stream;
  std::string from;
  int next = 0;
};

struct Read {
  QueryResult result;
  std::vector<std::pair<std::uint64_t, std::uint32_t>> places;
};

Read read(const ChangeStream& stream, const std::string& from, const std::vector<ChangeSelector>& selectors) {
  Read r;
  r.result = stream.query(from, selectors, [&](const ChangeEvent& e) {
    r.places.emplace_back(e.tx_id, e.seq);
    return true;
  });
  return r;
}

// The full scan's Rare node changes.
std::vector<std::pair<std::uint64_t, std::uint32_t>> rare_in(const Read& full, const ChangeStream& stream,
                                                           const std::string& from) {
  std::vector<std::pair<std::uint64_t, std::uint32_t>> out;
  for (const auto& e : stream.query(from)) {
    bool rare = e.kind == EntityKind::kNode && std::find(e.labels.begin(), e.labels.end(), "Rare") != e.labels.end();
    if (rare) out.emplace_back(e.tx_id, e.seq);
  }
  EXPECT_FALSE(full.places.empty());
  return out;
}

// A Rare query from `from` returns the full scan's Rare changes, reads as many transactions,
// ends where the full scan ends, and passes most of the transactions by. Returns the full scan.
Read expect_rare_as_in_full_scan(const ChangeStream& stream, const std::string& from) {
  Read full = read(stream, from, {});
  Read rare = read(stream, from, kRare);
  EXPECT_EQ(rare.places, rare_in(full, stream, from));
  EXPECT_EQ(rare.result.position, full.result.position);
  EXPECT_EQ(rare.result.transactions, full.result.transactions);
  EXPECT_GT(rare.result.transactions_skipped, rare.result.transactions / 2);
  EXPECT_EQ(full.result.transactions_skipped, 0u);
  return full;
}

// After OFF and on again the stream starts anew, with the writer's dictionary and tags going
// on in the new generation; the old generation's ids are refused, selective or not.
TEST(TaggedReads, AfterAnEnrichmentSwitchTheNewGenerationReadsTheSame) {
  for (bool transactions_while_off : {true, false}) {
    SCOPED_TRACE(transactions_while_off ? "transactions while OFF" : "switched straight back");
    TestDir dir;
    auto db = Database::open(dir / "graph", testing::capture_options());
    ChangeStream stream(*db);
    int next = 0;
    fill(*db, 4000, next);
    std::string old_position = stream.current();
    db->set_enrichment(EnrichmentMode::kOff);
    if (transactions_while_off) plain(*db, 5, next);
    db->set_enrichment(EnrichmentMode::kDiff);
    std::string from = stream.earliest();
    fill(*db, 300, next);
    plain(*db, 100, next);
    ASSERT_GT(tagged_records(dir / "graph" / "txlog"), 1000u);

    expect_rare_as_in_full_scan(stream, from);
    EXPECT_EQ(testing::error_of([&] { stream.query(old_position, kRare); }), ErrorCode::kCdcOldGeneration);
  }
}

TEST(TaggedReads, AnImportBetweenPassedByRecordsIsReported) {
  TestDir dir;
  Tagged log(dir);
  auto& [db, stream, from, next] = log;
  plain(*db, 100, next);
  std::string csv = (dir / "people.csv").string();
  std::ofstream(csv) << "id:ID,name,:LABEL\nx1,Ann,Person\nx2,Bob,Person\n";
  ImportOptions import;
  import.node_files = {csv};
  db->import_csv(import);
  plain(*db, 100, next);

  Read full = read(stream, from, {});
  Read rare = read(stream, from, kRare);
  ASSERT_EQ(full.result.imports.size(), 1u);
  ASSERT_EQ(rare.result.imports.size(), 1u);
  EXPECT_GT(rare.result.transactions_skipped, 1000u);
  EXPECT_EQ(rare.result.imports[0].after_tx, full.result.imports[0].after_tx);
  EXPECT_EQ(rare.result.position, full.result.position);
  EXPECT_EQ(rare.places, rare_in(full, stream, from));
}

TEST(TaggedReads, ASelectiveQueryCrossesSegmentsThatEachHaveTheirDictionary) {
  TestDir dir;
  auto options = testing::capture_options();
  options.initial_settings.rotation_size = 1u << 20;
  options.initial_settings.retention_policy = "keep_all";
  auto db = Database::open(dir / "graph", options);
  ChangeStream stream(*db);
  std::string from = stream.earliest();
  int next = 0;
  fill(*db, 26000, next, 120);
  plain(*db, 300, next);  // the log ends in records the selector passes by
  ASSERT_GE(txlog::list_segments((dir / "graph" / "txlog").string()).size(), 3u);

  Read full = expect_rare_as_in_full_scan(stream, from);
  // From a position in the middle of each segment.
  for (std::size_t at = 1000; at < full.places.size(); at += 3777) {
    std::string middle = stream.query(from, {}, [](const ChangeEvent&) { return true; }, at).position;
    Read rest_full = read(stream, middle, {});
    Read rest_rare = read(stream, middle, kRare);
    EXPECT_EQ(rest_rare.result.position, rest_full.result.position) << "from change " << at;
    EXPECT_EQ(rest_rare.places, rare_in(rest_full, stream, middle)) << "from change " << at;
  }
}

TEST(TaggedReads, AFollowerWithASelectorGetsEveryChangeItSelectsWhileAWriterCommits) {
  TestDir dir;
  Tagged log(dir);
  auto& [db, stream, from, next] = log;
  std::atomic<bool> done{false};
  Database& database = *db;  // a lambda cannot capture a structured binding before clang 16
  std::thread writer([&] {
    int mine = 1000000;
    fill(database, 6000, mine);
    done = true;
  });
  std::vector<std::pair<std::uint64_t, std::uint32_t>> followed;
  std::string at = from;
  std::string failure;
  std::uint64_t skipped = 0;
  try {
    for (;;) {
      bool last = done.load();
      QueryResult r = stream.query(at, kRare, [&](const ChangeEvent& e) {
        followed.emplace_back(e.tx_id, e.seq);
        return true;
      });
      at = r.position;
      skipped += r.transactions_skipped;
      if (last) break;
    }
  } catch (const std::exception& e) {
    failure = e.what();
  }
  writer.join();
  ASSERT_EQ(failure, "");
  at = stream.query(at, kRare, [&](const ChangeEvent& e) {
    followed.emplace_back(e.tx_id, e.seq);
    return true;
  }).position;
  Read full = read(stream, from, {});
  EXPECT_EQ(followed, rare_in(full, stream, from));
  EXPECT_EQ(at, full.result.position);
  EXPECT_GT(skipped, 1000u);
}

}  // namespace
}  // namespace txgraph
