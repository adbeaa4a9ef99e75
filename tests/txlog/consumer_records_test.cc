// Group files of consumer groups, and the holds they put on a pruning plan.
#include <gtest/gtest.h>

#include <fstream>

#include "test_dir.h"
#include "txgraph/error.h"
#include "txlog/consumer_records.h"
#include "txlog/retention_holds.h"
#include "txlog_test_support.h"

namespace txgraph::txlog {
namespace {

using txgraph::testing::TestDir;

ConsumerRecord sample() {
  ConsumerRecord r;
  r.name = "orders-v2";
  r.start = "earliest";
  r.position = "AQID_-x";
  r.needs_tx = 42;
  r.auto_commit = false;
  r.hold_bytes = 1ull << 30;
  r.lost = "line one\nline two";
  r.selectors_json = R"([{"select":"n","labels":["Order"]}])";
  r.created_us = 1795000000000000;
  r.committed_us = 1795000000500000;
  return r;
}

TEST(ConsumerRecords, RoundTripAndListInNameOrder) {
  TestDir dir;
  std::string groups = consumers_dir(dir.path().string());
  ConsumerLock lock(groups, true);
  ConsumerRecord a = sample();
  ConsumerRecord b = sample();
  b.name = "audit";
  b.hold_bytes.reset();
  b.lost.clear();
  write_consumer_record(groups, a);
  write_consumer_record(groups, b);
  auto all = read_consumer_records(groups);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "audit");
  EXPECT_FALSE(all[0].hold_bytes.has_value());
  EXPECT_EQ(all[1].needs_tx, 42u);
  EXPECT_EQ(all[1].hold_bytes, 1ull << 30);
  EXPECT_EQ(all[1].lost, "line one line two");  // one line per value
  EXPECT_EQ(all[1].selectors_json, a.selectors_json);
  EXPECT_FALSE(all[1].auto_commit);
  EXPECT_TRUE(remove_consumer_record(groups, "audit"));
  EXPECT_FALSE(remove_consumer_record(groups, "audit"));
  EXPECT_FALSE(read_consumer_record(groups, "audit").has_value());
}

TEST(ConsumerRecords, ADamagedFileIsReportedByName) {
  TestDir dir;
  std::string groups = consumers_dir(dir.path().string());
  ConsumerLock lock(groups, true);
  write_consumer_record(groups, sample());
  std::string path = groups + "/orders-v2.group";
  std::string text = read_small_file(path);
  text[text.find("needs_tx 42") + 9] = '7';
  std::ofstream(path, std::ios::trunc) << text;
  try {
    read_consumer_records(groups);
    FAIL() << "a damaged group file was read";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kCorruption);
    EXPECT_NE(std::string(e.what()).find("orders-v2.group"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("checksum"), std::string::npos) << e.what();
  }
  EXPECT_THROW(decode_consumer_record("txgraph-consumer-group 1\nname x\n", "f"), Error);
}

TEST(ConsumerRecords, NamesAreChecked) {
  for (std::string bad : {std::string(), std::string(".hidden"), std::string("a/b"), std::string("with space"), std::string(65, 'x')})
    EXPECT_THROW(check_consumer_name(bad), Error) << bad;
  EXPECT_NO_THROW(check_consumer_name("orders_v2.main-1"));
}

std::vector<SegmentSummary> five_segments() {
  // Segments 1..5 of 1000 bytes, ten transactions each; 5 is active.
  std::vector<SegmentSummary> s;
  for (std::uint64_t n = 1; n <= 5; ++n) s.push_back({n, 1000, (n - 1) * 10 + 1, n * 10, 0});
  return s;
}

TEST(RetentionHolds, AHoldKeepsWhatItNeedsAndNamesTheGroup) {
  auto segments = five_segments();
  auto plan = plan_pruning(RetentionPolicy::keep_none(), segments, 50, 0);
  ASSERT_TRUE(plan[0].prune && plan[1].prune && plan[2].prune && plan[3].prune);
  auto lost = apply_retention_holds(plan, segments, {{"slow", 25, 10000}, {"fast", 45, 10000}});
  EXPECT_TRUE(lost.empty());
  EXPECT_TRUE(plan[0].prune);
  EXPECT_TRUE(plan[1].prune);
  EXPECT_FALSE(plan[2].prune);  // holds tx 21..30: slow needs 25
  EXPECT_NE(plan[2].reason.find("slow"), std::string::npos) << plan[2].reason;
  EXPECT_FALSE(plan[3].prune);
}

TEST(RetentionHolds, AHoldPastItsCapIsLostAndHoldsNothing) {
  auto segments = five_segments();
  auto plan = plan_pruning(RetentionPolicy::keep_none(), segments, 50, 0);
  auto lost = apply_retention_holds(plan, segments, {{"capped", 5, 4000}});  // needs 5000 bytes
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_EQ(lost[0].group, "capped");
  EXPECT_NE(lost[0].reason.find("hold cap"), std::string::npos) << lost[0].reason;
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(plan[i].prune) << i;
}

TEST(RetentionHolds, AHoldThePolicyAlreadyHonoursIsNeitherLostNorBinding) {
  auto segments = five_segments();
  auto plan = plan_pruning(RetentionPolicy::files(3), segments, 50, 0);
  auto before = plan;
  auto lost = apply_retention_holds(plan, segments, {{"recent", 35, 100}});  // needs only kept segments
  EXPECT_TRUE(lost.empty());
  for (std::size_t i = 0; i < plan.size(); ++i) EXPECT_EQ(plan[i].prune, before[i].prune) << i;
}

}  // namespace
}  // namespace txgraph::txlog
