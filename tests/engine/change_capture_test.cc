// What DIFF and FULL enrichment write into the log for each kind of change.
#include <gtest/gtest.h>

#include <map>

#include "test_dir.h"
#include "txgraph/txgraph.h"
#include "txlog/log_directory.h"
#include "txlog/segment_reader.h"
#include "txlog/tx_record.h"

namespace txgraph {
namespace {

using testing::TestDir;
using txlog::CaptureMode;
using txlog::Change;
using txlog::ChangeEntity;
using txlog::ChangeOperation;
using txlog::EntityState;

// Every transaction record in the log, by tx id.
std::map<std::uint64_t, txlog::TxRecord> read_log(const TestDir& dir) {
  std::map<std::uint64_t, txlog::TxRecord> out;
  txlog::Frame frame;
  for (const auto& seg : txlog::list_segments((dir / "txlog").string())) {
    txlog::SegmentReader reader(seg.path);
    while (reader.next(&frame) == txlog::SegmentReader::Next::kRecord) {
      if (frame.type != txlog::RecordType::kTransaction) continue;
      auto rec = txlog::decode_tx_record(frame.payload);
      out[rec.header.tx_id] = std::move(rec);
    }
  }
  return out;
}

std::unique_ptr<Database> open_with(const TestDir& dir, EnrichmentMode mode) {
  Options o;
  o.durability = Durability::kAsync;
  o.initial_settings.enrichment = mode;
  return Database::open(dir.path(), o);
}

class CaptureTest : public ::testing::TestWithParam<EnrichmentMode> {
 protected:
  bool full() const { return GetParam() == EnrichmentMode::kFull; }
};

TEST_P(CaptureTest, NodeCreateCarriesTheFullAfterStateAndKeys) {
  TestDir dir;
  auto db = open_with(dir, GetParam());
  std::uint64_t tx;
  {
    auto w = db->begin_write({"alice", "bob", {{"app", Value("crm")}}});
    w.create_key({EntityKind::kNode, "Person", {"id"}});
    w.create_node({"Person", "Admin"}, {{"id", Value(1)}, {"name", Value("Ann")}});
    tx = w.commit();
  }
  auto rec = read_log(dir).at(tx);
  EXPECT_EQ(rec.header.capture_mode, full() ? CaptureMode::kFull : CaptureMode::kDiff);
  EXPECT_EQ(rec.header.user, "alice");
  EXPECT_EQ(rec.header.authenticated_user, "bob");
  EXPECT_EQ(rec.header.metadata.at("app"), Value("crm"));
  EXPECT_LE(rec.header.start_time_us, rec.header.commit_time_us);
  ASSERT_TRUE(rec.enrichment);
  EXPECT_EQ(rec.enrichment->generation, 1u);
  ASSERT_EQ(rec.enrichment->changes.size(), 1u);
  const Change& c = rec.enrichment->changes[0];
  EXPECT_EQ(c.entity, ChangeEntity::kNode);
  EXPECT_EQ(c.operation, ChangeOperation::kCreate);
  EXPECT_EQ(c.labels, (std::vector<std::string>{"Admin", "Person"}));
  ASSERT_EQ(c.keys.size(), 1u);
  EXPECT_EQ(c.keys[0].label, "Person");
  EXPECT_EQ(c.keys[0].properties, (Properties{{"id", Value(1)}}));
  EXPECT_FALSE(c.before);
  ASSERT_TRUE(c.after);
  EXPECT_EQ(c.after->labels, c.labels);
  EXPECT_EQ(c.after->properties, (Properties{{"id", Value(1)}, {"name", Value("Ann")}}));
}

TEST_P(CaptureTest, NodeUpdateCarriesWhatChangedOrEverything) {
  TestDir dir;
  auto db = open_with(dir, GetParam());
  NodeId n;
  {
    auto w = db->begin_write();
    n = w.create_node({"Person"}, {{"name", Value("Ann")}, {"age", Value(30)}, {"city", Value("Oslo")}});
    w.commit();
  }
  std::uint64_t tx;
  {
    auto w = db->begin_write();
    w.set_node_properties(n, {{"age", Value(31)}, {"email", Value("ann@x")}});
    w.remove_node_properties(n, {"city"});
    w.add_labels(n, {"Admin"});
    tx = w.commit();
  }
  auto log = read_log(dir);
  const Change& c = log.at(tx).enrichment->changes.at(0);
  EXPECT_EQ(c.operation, ChangeOperation::kUpdate);
  EXPECT_EQ(c.labels, (std::vector<std::string>{"Admin", "Person"}));
  ASSERT_TRUE(c.before && c.after);
  if (full()) {
    EXPECT_EQ(c.before->labels, (std::vector<std::string>{"Person"}));
    EXPECT_EQ(c.before->properties,
              (Properties{{"name", Value("Ann")}, {"age", Value(30)}, {"city", Value("Oslo")}}));
    EXPECT_EQ(c.after->labels, (std::vector<std::string>{"Admin", "Person"}));
    EXPECT_EQ(c.after->properties,
              (Properties{{"name", Value("Ann")}, {"age", Value(31)}, {"email", Value("ann@x")}}));
  } else {
    // DIFF: the removed property is in before and absent from after; unchanged ones nowhere.
    EXPECT_TRUE(c.before->labels.empty());
    EXPECT_EQ(c.before->properties, (Properties{{"age", Value(30)}, {"city", Value("Oslo")}}));
    EXPECT_EQ(c.after->labels, (std::vector<std::string>{"Admin"}));
    EXPECT_EQ(c.after->properties, (Properties{{"age", Value(31)}, {"email", Value("ann@x")}}));
  }
}

TEST_P(CaptureTest, DeleteCarriesTheFullBeforeState) {
  TestDir dir;
  auto db = open_with(dir, GetParam());
  NodeId n;
  {
    auto w = db->begin_write();
    n = w.create_node({"Person"}, {{"name", Value("Ann")}});
    w.commit();
  }
  std::uint64_t tx;
  {
    auto w = db->begin_write();
    w.delete_node(n);
    tx = w.commit();
  }
  auto log = read_log(dir);
  const Change& c = log.at(tx).enrichment->changes.at(0);
  EXPECT_EQ(c.operation, ChangeOperation::kDelete);
  EXPECT_EQ(c.labels, (std::vector<std::string>{"Person"}));
  ASSERT_TRUE(c.before);
  EXPECT_FALSE(c.after);
  EXPECT_EQ(c.before->properties, (Properties{{"name", Value("Ann")}}));
}

TEST_P(CaptureTest, RelationshipChangesCarryTypeEndpointsAndKeys) {
  TestDir dir;
  auto db = open_with(dir, GetParam());
  NodeId a, b;
  RelationshipId r;
  std::uint64_t create_tx, update_tx, delete_tx;
  {
    auto w = db->begin_write();
    w.create_key({EntityKind::kNode, "Person", {"id"}});
    w.create_key({EntityKind::kRelationship, "KNOWS", {"ref"}});
    a = w.create_node({"Person"}, {{"id", Value(1)}});
    b = w.create_node({"Person", "Robot"}, {{"id", Value(2)}});
    r = w.create_relationship("KNOWS", a, b, {{"ref", Value("k1")}, {"since", Value(2020)}});
    create_tx = w.commit();
  }
  {
    auto w = db->begin_write();
    w.set_relationship_properties(r, {{"since", Value(2021)}, {"weight", Value(0.5)}});
    update_tx = w.commit();
  }
  {
    auto w = db->begin_write();
    w.delete_node(b, /*detach=*/true);
    delete_tx = w.commit();
  }
  auto log = read_log(dir);
  const auto& created = log.at(create_tx).enrichment->changes;
  ASSERT_EQ(created.size(), 3u);
  const Change& rc = created[2];
  EXPECT_EQ(rc.entity, ChangeEntity::kRelationship);
  EXPECT_EQ(rc.operation, ChangeOperation::kCreate);
  EXPECT_EQ(rc.type, "KNOWS");
  EXPECT_EQ(rc.start.id, a.value);
  EXPECT_EQ(rc.end.id, b.value);
  EXPECT_EQ(rc.end.labels, (std::vector<std::string>{"Person", "Robot"}));
  ASSERT_EQ(rc.end.keys.size(), 1u);
  EXPECT_EQ(rc.end.keys[0].properties, (Properties{{"id", Value(2)}}));
  ASSERT_EQ(rc.keys.size(), 1u);
  EXPECT_EQ(rc.keys[0].properties, (Properties{{"ref", Value("k1")}}));
  EXPECT_TRUE(rc.after->labels.empty());

  const Change& uc = log.at(update_tx).enrichment->changes.at(0);
  EXPECT_EQ(uc.operation, ChangeOperation::kUpdate);
  if (full()) {
    EXPECT_EQ(uc.before->properties, (Properties{{"ref", Value("k1")}, {"since", Value(2020)}}));
    EXPECT_EQ(uc.after->properties,
              (Properties{{"ref", Value("k1")}, {"since", Value(2021)}, {"weight", Value(0.5)}}));
  } else {
    EXPECT_EQ(uc.before->properties, (Properties{{"since", Value(2020)}}));
    EXPECT_EQ(uc.after->properties, (Properties{{"since", Value(2021)}, {"weight", Value(0.5)}}));
  }

  // A detach delete: the relationship's delete names its end node as it was, although the
  // same transaction deleted that node too.
  const auto& deleted = log.at(delete_tx).enrichment->changes;
  ASSERT_EQ(deleted.size(), 2u);
  EXPECT_EQ(deleted[0].entity, ChangeEntity::kRelationship);
  EXPECT_EQ(deleted[0].operation, ChangeOperation::kDelete);
  EXPECT_EQ(deleted[0].end.labels, (std::vector<std::string>{"Person", "Robot"}));
  EXPECT_EQ(deleted[1].entity, ChangeEntity::kNode);
  EXPECT_EQ(deleted[1].operation, ChangeOperation::kDelete);
}

TEST_P(CaptureTest, ChangesToOneEntityFoldIntoOne) {
  TestDir dir;
  auto db = open_with(dir, GetParam());
  NodeId kept;
  {
    auto w = db->begin_write();
    kept = w.create_node({"P"}, {{"v", Value(1)}});
    w.commit();
  }
  std::uint64_t tx;
  {
    auto w = db->begin_write();
    auto fresh = w.create_node({"P"}, {{"v", Value(1)}});
    w.set_node_properties(fresh, {{"v", Value(2)}});  // folds into the create
    auto ghost = w.create_node({"Ghost"}, {});
    w.delete_node(ghost);  // created and deleted here: no change at all
    w.set_node_properties(kept, {{"v", Value(5)}});
    w.set_node_properties(kept, {{"v", Value(7)}});  // before = at tx start, after = at commit
    tx = w.commit();
  }
  auto log = read_log(dir);
  const auto& changes = log.at(tx).enrichment->changes;
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].operation, ChangeOperation::kCreate);
  EXPECT_EQ(changes[0].after->properties, (Properties{{"v", Value(2)}}));
  EXPECT_EQ(changes[1].id, kept.value);
  EXPECT_EQ(changes[1].before->properties, (Properties{{"v", Value(1)}}));
  EXPECT_EQ(changes[1].after->properties, (Properties{{"v", Value(7)}}));
}

TEST_P(CaptureTest, AKeyChangeCarriesTheNewKeyAndTheOldValue) {
  TestDir dir;
  auto db = open_with(dir, GetParam());
  NodeId n;
  {
    auto w = db->begin_write();
    w.create_key({EntityKind::kNode, "Person", {"id"}});
    n = w.create_node({"Person"}, {{"id", Value(1)}, {"name", Value("Ann")}});
    w.commit();
  }
  std::uint64_t tx;
  {
    auto w = db->begin_write();
    w.set_node_properties(n, {{"id", Value(2)}});
    tx = w.commit();
  }
  auto log = read_log(dir);
  const Change& c = log.at(tx).enrichment->changes.at(0);
  EXPECT_EQ(c.operation, ChangeOperation::kUpdate);
  ASSERT_EQ(c.keys.size(), 1u);
  EXPECT_EQ(c.keys[0].properties, (Properties{{"id", Value(2)}})) << "keys are those at commit";
  EXPECT_EQ(c.before->properties.at("id"), Value(1));
  EXPECT_EQ(c.after->properties.at("id"), Value(2));
  EXPECT_EQ(c.before->properties.count("name"), full() ? 1u : 0u);
}

TEST_P(CaptureTest, ChangedAndChangedBackIsNoChange) {
  TestDir dir;
  auto db = open_with(dir, GetParam());
  NodeId n;
  {
    auto w = db->begin_write();
    n = w.create_node({"P"}, {{"v", Value(1)}});
    w.commit();
  }
  auto w = db->begin_write();
  w.set_node_properties(n, {{"v", Value(2)}});
  w.set_node_properties(n, {{"v", Value(1)}});
  auto tx = w.commit();
  EXPECT_TRUE(read_log(dir).at(tx).enrichment->changes.empty());
}

INSTANTIATE_TEST_SUITE_P(Modes, CaptureTest, ::testing::Values(EnrichmentMode::kDiff, EnrichmentMode::kFull),
                         [](const auto& info) { return std::string(enrichment_mode_name(info.param)); });

TEST(Enrichment, SwitchingOnlineAndGenerations) {
  TestDir dir;
  auto commit_one = [](Database& db) {
    auto w = db.begin_write();
    w.create_node({"N"}, {});
    return w.commit();
  };
  std::uint64_t off_tx, diff_tx, full_tx, off_again_tx, diff_again_tx;
  {
    auto db = open_with(dir, EnrichmentMode::kOff);
    EXPECT_EQ(db->status().enrichment_generation, 0u);
    off_tx = commit_one(*db);
    db->set_enrichment(EnrichmentMode::kDiff);
    EXPECT_EQ(db->status().enrichment_generation, 1u);
    diff_tx = commit_one(*db);
    db->set_setting("enrichment", "FULL");
    EXPECT_EQ(db->status().enrichment_generation, 1u) << "DIFF -> FULL keeps the generation";
    full_tx = commit_one(*db);
  }
  {
    auto db = open_with(dir, EnrichmentMode::kOff);  // initial settings do not apply to an existing database
    EXPECT_EQ(db->status().settings.enrichment, EnrichmentMode::kFull);
    db->set_enrichment(EnrichmentMode::kOff);
    off_again_tx = commit_one(*db);
    db->set_enrichment(EnrichmentMode::kDiff);
    EXPECT_EQ(db->status().enrichment_generation, 2u) << "OFF -> DIFF starts a new generation";
    diff_again_tx = commit_one(*db);
    EXPECT_THROW(db->set_setting("enrichment", "partial"), Error);
  }
  auto log = read_log(dir);
  EXPECT_EQ(log.at(off_tx).header.capture_mode, CaptureMode::kOff);
  EXPECT_FALSE(log.at(off_tx).enrichment);
  EXPECT_EQ(log.at(diff_tx).header.capture_mode, CaptureMode::kDiff);
  EXPECT_EQ(log.at(diff_tx).enrichment->generation, 1u);
  EXPECT_EQ(log.at(full_tx).header.capture_mode, CaptureMode::kFull);
  EXPECT_EQ(log.at(full_tx).enrichment->generation, 1u);
  EXPECT_EQ(log.at(off_again_tx).header.capture_mode, CaptureMode::kOff);
  EXPECT_EQ(log.at(diff_again_tx).enrichment->generation, 2u);

  // The switches are in the log too, in order.
  std::vector<txlog::EnrichmentChangeRecord> switches;
  txlog::Frame frame;
  for (const auto& seg : txlog::list_segments((dir / "txlog").string())) {
    txlog::SegmentReader reader(seg.path);
    while (reader.next(&frame) == txlog::SegmentReader::Next::kRecord) {
      if (frame.type == txlog::RecordType::kEnrichmentChange)
        switches.push_back(txlog::decode_enrichment_change(frame.payload));
    }
  }
  ASSERT_EQ(switches.size(), 4u);
  EXPECT_EQ(switches[0].to, CaptureMode::kDiff);
  EXPECT_EQ(switches[0].next_tx, diff_tx);
  EXPECT_EQ(switches[3].generation, 2u);
}

TEST(Enrichment, AnUnnamedAuthenticatedUserIsTheExecutingUser) {
  TestDir dir;
  auto db = open_with(dir, EnrichmentMode::kOff);
  auto w = db->begin_write({"carol", "", {{"app", Value("crm")}}});
  w.create_node({"N"}, {});
  auto tx = w.commit();
  auto log = read_log(dir);
  EXPECT_EQ(log.at(tx).header.user, "carol");
  EXPECT_EQ(log.at(tx).header.authenticated_user, "carol");
  EXPECT_EQ(log.at(tx).header.metadata.at("app"), Value("crm"));
}

TEST(Enrichment, OffCapturesNothing) {
  TestDir dir;
  auto db = open_with(dir, EnrichmentMode::kOff);
  auto w = db->begin_write();
  w.create_node({"N"}, {{"x", Value(1)}});
  auto tx = w.commit();
  EXPECT_FALSE(read_log(dir).at(tx).enrichment);
}

}  // namespace
}  // namespace txgraph
