// What a selective query returns, against a full scan: on a real log, in DIFF and FULL, the
// reader matches selectors against records read in place and decodes only what they select.
// The result must be exactly the full scan's events that the selectors select when matched
// against the decoded records, event for event and field for field.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cdc/selector.h"
#include "cdc_test_support.h"
#include "test_dir.h"
#include "txgraph/txgraph.h"
#include "txlog/log_directory.h"
#include "txlog/segment_reader.h"
#include "txlog/tx_record.h"

namespace txgraph {
namespace {

using testing::TestDir;

// Creates with labels and properties changed again in the same transaction, updates of
// labels and properties, relationships with keys on both ends, deletes and a detach delete,
// by two users with different metadata.
void run_workload(Database& db) {
  TxInfo alice{"alice", "", {{"app", Value("crm")}}};
  TxInfo bob{"bob", "carol", {{"app", Value("etl")}, {"batch", Value(7)}}};
  {
    auto tx = db.begin_write(alice);
    tx.create_key({EntityKind::kNode, "Person", {"id"}});
    tx.create_key({EntityKind::kRelationship, "KNOWS", {"kid"}});
    tx.commit();
  }
  NodeId ann, bo, cy, temp;
  RelationshipId knows, likes;
  {
    auto tx = db.begin_write(alice);
    ann = tx.create_node({"Person"}, {{"id", Value(1)}, {"name", Value("Ann")}, {"age", Value(30)}});
    bo = tx.create_node({"Person", "Staff"}, {{"id", Value(2)}, {"name", Value("Bo")}, {"score", Value(1.5)}});
    // Changed again before commit: the change shows what is left.
    tx.add_labels(bo, {"Admin"});
    tx.remove_labels(bo, {"Staff"});
    tx.set_node_properties(bo, {{"score", Value(2.5)}, {"nick", Value("B")}});
    tx.remove_node_properties(bo, {"name"});
    knows = tx.create_relationship("KNOWS", ann, bo, {{"kid", Value(100)}, {"since", Value(2020)}});
    tx.commit();
  }
  {
    auto tx = db.begin_write(bob);
    cy = tx.create_node({"Company"}, {{"name", Value("Acme")}});
    likes = tx.create_relationship("LIKES", bo, cy, {{"stars", Value(5)}});
    tx.set_node_properties(ann, {{"age", Value(31)}, {"email", Value("ann@example.com")}});
    tx.remove_node_properties(ann, {"name"});
    tx.add_labels(ann, {"Admin"});
    tx.commit();
  }
  {
    auto tx = db.begin_write(alice);
    tx.remove_labels(ann, {"Admin"});
    tx.set_relationship_properties(knows, {{"weight", Value(0.5)}});
    tx.remove_relationship_properties(knows, {"since"});
    tx.set_relationship_properties(likes, {{"stars", Value(4)}});
    temp = tx.create_node({"Temp"}, {{"tags", Value(Value::List{"x", "y"})}});
    tx.commit();
  }
  for (int i = 0; i < 20; ++i) {
    // Many operations in one transaction: the reader groups them by entity.
    auto tx = db.begin_write(i % 2 ? bob : alice);
    for (int k = 0; k < 10; ++k) {
      auto n = tx.create_node({k % 3 ? "Person" : "Rare"}, {{"id", Value(1000 + i * 10 + k)}, {"k", Value(k)}});
      if (k % 4 == 0) tx.set_node_properties(n, {{"k", Value(-k)}});
      if (k % 5 == 0) tx.create_relationship("KNOWS", n, ann, {{"kid", Value(2000 + i * 10 + k)}});
    }
    tx.commit();
  }
  {
    auto tx = db.begin_write(bob);
    tx.delete_node(temp);
    tx.delete_relationship(likes);
    tx.delete_node(bo, /*detach=*/true);
    tx.commit();
  }
}

// The selectors of the selector table that this workload makes interesting, and more.
const char* const kSelectorLists[] = {
    R"([{"select":"n"}])",
    R"([{"select":"r"}])",
    R"([{"operation":"c"}])",
    R"([{"operation":"u"}])",
    R"([{"operation":"d"}])",
    R"([{"changesTo":["name"]}])",
    R"([{"changesTo":["score"]}])",
    R"([{"changesTo":["k"]}])",
    R"([{"changesTo":["age","email"]}])",
    R"([{"changesTo":["since"]}])",
    R"([{"executingUser":"bob"}])",
    R"([{"authenticatedUser":"carol"}])",
    R"([{"txMetadata":{"app":"crm"}}])",
    R"([{"txMetadata":{"batch":7}}])",
    R"([{"elementId":"n:1"}])",
    R"([{"select":"r","elementId":"r:1"}])",
    R"([{"select":"n","key":{"id":2}}])",
    R"([{"key":{"kid":100}}])",
    R"([{"select":"n","labels":["Person"]}])",
    R"([{"select":"n","labels":["Admin"]}])",
    R"([{"select":"n","labels":["Staff"]}])",
    R"([{"select":"n","labels":["Rare"]}])",
    R"([{"labels":["Temp"]}])",
    R"([{"select":"r","type":"KNOWS"}])",
    R"([{"select":"r","type":"LIKES","operation":"u"}])",
    R"([{"select":"r","start":{"labels":["Rare"]}}])",
    R"([{"select":"r","end":{"key":{"id":1}}}])",
    R"([{"select":"r","start":{"elementId":"n:2"}}])",
    R"([{"select":"n","labels":["Person"],"changesTo":["age"]}])",
    R"([{"labels":["Rare"]},{"type":"LIKES"}])",
    R"([{"executingUser":"alice","operation":"c"},{"select":"r","operation":"d"}])",
    R"([{"select":"n","labels":["Nowhere"]}])",
};

std::vector<ChangeSelector> parse_list(const std::string& list) {
  std::vector<ChangeSelector> selectors;
  for (const auto& item : nlohmann::json::parse(list)) selectors.push_back(parse_change_selector(item.dump()));
  return selectors;
}

using Place = std::pair<std::uint64_t, std::uint32_t>;  // tx id, seq

// What the selectors select, matched against every transaction record decoded in full.
std::vector<Place> selected_in_decoded_log(const std::filesystem::path& log_dir, const cdc::SelectorSet& set) {
  std::vector<Place> out;
  txlog::Frame frame;
  for (const auto& segment : txlog::list_segments(log_dir.string())) {
    txlog::SegmentReader reader(segment.path);
    while (reader.next(&frame) == txlog::SegmentReader::Next::kRecord) {
      if (frame.type != txlog::RecordType::kTransaction) continue;
      auto record = txlog::decode_tx_record(frame.payload);
      if (!record.enrichment) continue;
      for (std::size_t seq = 0; seq < record.enrichment->changes.size(); ++seq)
        if (set.selects(record.header, record.enrichment->changes[seq]))
          out.emplace_back(record.header.tx_id, static_cast<std::uint32_t>(seq));
    }
  }
  return out;
}

class SelectedEvents : public ::testing::TestWithParam<EnrichmentMode> {};

TEST_P(SelectedEvents, AreTheFullScansEventsThatTheSelectorsSelect) {
  TestDir dir;
  auto db = Database::open(dir / "graph", testing::capture_options(GetParam()));
  ChangeStream stream(*db);
  std::string from = stream.earliest();
  run_workload(*db);

  std::map<Place, ChangeEvent> full;
  for (auto& event : stream.query(from)) full.emplace(Place{event.tx_id, event.seq}, std::move(event));
  ASSERT_GT(full.size(), 200u);

  std::vector<std::string> selecting_nothing;
  for (const char* list : kSelectorLists) {
    SCOPED_TRACE(list);
    auto selectors = parse_list(list);
    auto want = selected_in_decoded_log(dir / "graph" / "txlog", cdc::SelectorSet(selectors));
    std::vector<Place> got;
    for (const auto& event : stream.query(from, selectors)) {
      got.emplace_back(event.tx_id, event.seq);
      auto same = full.find(got.back());
      ASSERT_NE(same, full.end());
      EXPECT_EQ(event, same->second) << change_event_json(event);
    }
    EXPECT_EQ(got, want);
    if (want.empty()) selecting_nothing.push_back(list);
  }
  // The workload gives every list something to select, but the last, and Staff: a label added
  // and taken away again in the transaction that created the node is in no change.
  EXPECT_EQ(selecting_nothing,
            (std::vector<std::string>{R"([{"select":"n","labels":["Staff"]}])", kSelectorLists[std::size(kSelectorLists) - 1]}));
}

// Enough captured records for the writer to train a compression dictionary, which tags the
// records after it, with the labels, types, users and metadata of run_workload.
void run_filler(Database& db, int count, int first) {
  TxInfo alice{"alice", "", {{"app", Value("crm")}}};
  TxInfo bob{"bob", "carol", {{"app", Value("etl")}, {"batch", Value(7)}}};
  for (int i = first; i < first + count; ++i) {
    auto tx = db.begin_write(i % 7 == 0 ? bob : alice);
    const char* label = i % 50 == 0 ? "Rare" : i % 11 == 0 ? "Admin" : "Person";
    auto a = tx.create_node({label}, {{"id", Value(100000 + i)}, {"name", Value(testing::noise(12, i))}});
    if (i % 3 == 0) {
      auto b = tx.create_node({"Person"}, {{"id", Value(200000 + i)}});
      if (i % 9 == 0)
        tx.create_relationship("LIKES", a, b, {{"stars", Value(i % 5)}});
      else
        tx.create_relationship("KNOWS", a, b, {{"kid", Value(300000 + i)}});
    }
    tx.commit();
  }
}

// The same, on a log whose records carry tags: the reader passes by, undecompressed, the
// records whose tags show that no selector can select any of their changes. What it returns,
// where it leaves the next query and how many transactions it says it read do not change, also
// when a query is continued in small steps (a walker parked and resumed between them).
TEST_P(SelectedEvents, AreTheSameWhenTheReaderPassesTaggedRecordsBy) {
  TestDir dir;
  auto db = Database::open(dir / "graph", testing::capture_options(GetParam()));
  ChangeStream stream(*db);
  std::string from = stream.earliest();
  run_filler(*db, 4000, 0);
  run_workload(*db);
  run_filler(*db, 300, 5000);
  const auto log_dir = dir / "graph" / "txlog";

  std::uint64_t tagged = 0, records = 0;
  txlog::Frame frame;
  for (const auto& segment : txlog::list_segments(log_dir.string())) {
    txlog::SegmentReader reader(segment.path);
    while (reader.next(&frame) == txlog::SegmentReader::Next::kRecord)
      if (frame.type == txlog::RecordType::kTransaction) {
        ++records;
        tagged += (frame.flags & txlog::kFrameFlagTags) != 0;
      }
  }
  ASSERT_GT(tagged, records / 4) << "the writer trained no dictionary: the test tests nothing";

  std::map<Place, ChangeEvent> full;
  QueryResult whole = stream.query(from, {}, [&](const ChangeEvent& event) {
    full.emplace(Place{event.tx_id, event.seq}, event);
    return true;
  });

  std::uint64_t skipped_in_all = 0, skipped_by_queries = 0;
  for (const char* list : kSelectorLists) {
    SCOPED_TRACE(list);
    auto selectors = parse_list(list);
    cdc::SelectorSet set(selectors);
    auto want = selected_in_decoded_log(log_dir, set);

    // What the reader itself passes by for this list.
    cdc::SelectorTagFilter filter(set);
    txlog::FrameView view;
    for (const auto& segment : txlog::list_segments(log_dir.string())) {
      txlog::SegmentReader reader(segment.path);
      reader.set_tag_filter(filter.useful() ? &filter : nullptr);
      while (reader.next_view(&view) == txlog::SegmentReader::Next::kRecord) skipped_in_all += view.skipped;
    }

    std::vector<Place> got;
    QueryResult result = stream.query(from, selectors, [&](const ChangeEvent& event) {
      got.emplace_back(event.tx_id, event.seq);
      auto same = full.find(got.back());
      EXPECT_TRUE(same != full.end() && event == same->second) << change_event_json(event);
      return true;
    });
    EXPECT_EQ(got, want);
    EXPECT_EQ(result.position, whole.position);
    EXPECT_EQ(result.transactions, whole.transactions);
    skipped_by_queries += result.transactions_skipped;

    // In steps of at most 7 changes, each query going on from where the last one left off.
    std::vector<Place> stepped;
    std::string at = from;
    for (int steps = 0; steps < 10000; ++steps) {
      QueryResult step = stream.query(at, selectors, [&](const ChangeEvent& event) {
        stepped.emplace_back(event.tx_id, event.seq);
        return true;
      }, 7);
      at = step.position;
      if (step.events < 7) break;
    }
    EXPECT_EQ(stepped, want);
    EXPECT_EQ(at, whole.position);
  }
  EXPECT_GT(skipped_in_all, records) << "no list let the reader pass a record by";
  EXPECT_GT(skipped_by_queries, records) << "no query passed a record by";
}

INSTANTIATE_TEST_SUITE_P(Modes, SelectedEvents, ::testing::Values(EnrichmentMode::kDiff, EnrichmentMode::kFull),
                         [](const auto& info) { return info.param == EnrichmentMode::kDiff ? "Diff" : "Full"; });

}  // namespace
}  // namespace txgraph
