// Each change-data-capture error names Neo4j's status for the same failure (its status code
// and GQLSTATUS), in the message and through Error::neo4j_status(), so that an application
// ported from Neo4j keeps its error handling; every other error names none.
#include <gtest/gtest.h>

#include <string>

#include "cdc_test_support.h"
#include "test_dir.h"
#include "txgraph/txgraph.h"

namespace txgraph {
namespace {

TEST(Neo4jStatus, EachCdcErrorNamesNeo4jsCodeAndGqlStatus) {
  struct Expected {
    ErrorCode code;
    const char* neo4j;
    const char* gql;
  };
  const Expected expected[] = {
      {ErrorCode::kCdcInvalidId, "Neo.ClientError.ChangeDataCapture.InvalidIdentifier", "52N26"},
      {ErrorCode::kCdcMismatch, "Neo.ClientError.ChangeDataCapture.InvalidIdentifier", "52N27"},
      {ErrorCode::kCdcPruned, "Neo.ClientError.ChangeDataCapture.InvalidIdentifier", "52N28"},
      {ErrorCode::kCdcOldGeneration, "Neo.ClientError.ChangeDataCapture.InvalidIdentifier", "52N29"},
      {ErrorCode::kCdcFutureId, "Neo.ClientError.ChangeDataCapture.FutureIdentifier", "52N30"},
      {ErrorCode::kCdcWrongDatabase, "Neo.ClientError.ChangeDataCapture.InvalidIdentifier", "52N31"},
      {ErrorCode::kCdcDisabled, "Neo.ClientError.ChangeDataCapture.Disabled", "51N68"},
      {ErrorCode::kCdcInvalidSelector, "", "51N67"},
  };
  for (const auto& e : expected) {
    SCOPED_TRACE(std::string(error_code_name(e.code)));
    Error error(e.code, "the message");
    ASSERT_TRUE(error.neo4j_status());
    EXPECT_EQ(error.neo4j_status().code, e.neo4j);
    EXPECT_EQ(error.neo4j_status().gql_status, e.gql);
    std::string what = error.what();
    EXPECT_EQ(what.rfind("the message", 0), 0u) << what;
    EXPECT_NE(what.find(std::string("GQLSTATUS ") + e.gql), std::string::npos) << what;
    if (*e.neo4j) {
      EXPECT_NE(what.find(e.neo4j), std::string::npos) << what;
    }
  }
  for (ErrorCode code : {ErrorCode::kInvalidArgument, ErrorCode::kCorruption, ErrorCode::kConsumerGroupLost}) {
    Error error(code, "plain");
    EXPECT_FALSE(error.neo4j_status());
    EXPECT_STREQ(error.what(), "plain");
  }
}

TEST(Neo4jStatus, QueriesRefusedSayNeo4jsStatus) {
  testing::TestDir dir;
  auto db = Database::open(dir / "graph", testing::capture_options());
  ChangeStream stream(*db);
  {
    auto tx = db->begin_write();
    tx.create_node({"Person"}, {});
    tx.commit();
  }
  std::string after_it = stream.current();
  auto other = Database::open(dir / "other", testing::capture_options());
  ChangeStream other_stream(*other);
  try {
    other_stream.query(after_it, {}, [](const ChangeEvent&) { return true; });
    FAIL() << "a change id of another database was read";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kCdcWrongDatabase);
    EXPECT_EQ(e.neo4j_status().gql_status, "52N31");
  }
  try {
    stream.query("nonsense", {}, [](const ChangeEvent&) { return true; });
    FAIL() << "a malformed change id was read";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kCdcInvalidId);
    EXPECT_NE(std::string(e.what()).find("Neo.ClientError.ChangeDataCapture.InvalidIdentifier, GQLSTATUS 52N26"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace txgraph
