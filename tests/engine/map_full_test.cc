// A store whose LMDB map is full: the commit that does not fit fails with kDiskFull saying how
// to go on, nothing committed before is lost, and reopening with a larger map_size goes on.
#include <gtest/gtest.h>

#include <string>

#include "test_dir.h"
#include "txgraph/txgraph.h"

namespace txgraph {
namespace {

using testing::TestDir;

Options with_map(std::uint64_t bytes) {
  Options o;
  o.map_size = bytes;
  o.initial_settings.enrichment = EnrichmentMode::kDiff;
  return o;
}

TEST(MapFull, AFullStoreRefusesTheCommitLosesNothingAndGrowsOnReopen) {
  TestDir dir;
  int committed = 0;
  std::string message;
  {
    auto db = Database::open(dir.path(), with_map(2ull << 20));
    for (int i = 0; i < 100000 && message.empty(); ++i) {
      try {
        auto tx = db->begin_write();
        tx.create_node({"N"}, {{"i", Value(i)}, {"pad", Value(std::string(2000, 'x'))}});
        tx.commit();
        ++committed;
      } catch (const Error& e) {
        ASSERT_EQ(e.code(), ErrorCode::kDiskFull) << e.what();
        message = e.what();
      }
    }
    ASSERT_FALSE(message.empty()) << "a 2 MiB map never filled";
    EXPECT_NE(message.find("map_size"), std::string::npos) << message;
    EXPECT_GT(committed, 10);
    try {
      db->close();
    } catch (const Error&) {
      // The closing checkpoint may not fit either; what is committed is in the log.
    }
  }
  auto db = Database::open(dir.path(), with_map(64ull << 20));
  {
    auto read = db->begin_read();
    EXPECT_EQ(read.node_count(), static_cast<std::uint64_t>(committed)) << "committed transactions lost";
    for (int i = 0; i < committed; i += committed / 5 + 1) {
      bool found = false;
      read.for_each_node([&](const Node& n) {
        found = found || n.properties.at("i").as_int() == i;
        return !found;
      });
      EXPECT_TRUE(found) << "node " << i;
    }
  }
  auto tx = db->begin_write();
  tx.create_node({"N"}, {{"i", Value(-1)}});
  EXPECT_GT(tx.commit(), 0u) << "no write after growing the map";
}

}  // namespace
}  // namespace txgraph
