// The CSV reader: RFC 4180 quoting, positions for messages, and what it refuses.
#include "engine/csv_reader.h"

#include <gtest/gtest.h>

#include <fstream>

#include "test_dir.h"
#include "txgraph/error.h"

namespace txgraph::engine {
namespace {

using testing::TestDir;

std::vector<std::vector<std::string>> read_all(const std::string& text, std::vector<std::vector<CsvField>>* raw = nullptr) {
  TestDir dir;
  auto path = (dir / "f.csv").string();
  std::ofstream(path, std::ios::binary) << text;
  CsvReader reader(path);
  std::vector<std::vector<std::string>> out;
  std::vector<CsvField> fields;
  while (reader.next(&fields)) {
    out.emplace_back();
    for (const auto& f : fields) out.back().push_back(f.text);
    if (raw) raw->push_back(fields);
  }
  return out;
}

using Rows = std::vector<std::vector<std::string>>;

TEST(CsvReader, QuotedFieldsHoldDelimitersNewlinesAndQuotes) {
  EXPECT_EQ(read_all("a,\"b,c\",\"say \"\"hi\"\"\"\n\"x\ny\",z\n"),
            (Rows{{"a", "b,c", "say \"hi\""}, {"x\ny", "z"}}));
}

TEST(CsvReader, EmptyFieldsCrlfAndBlankLines) {
  EXPECT_EQ(read_all("a,,b,\r\n\r\n\nc\r\n"), (Rows{{"a", "", "b", ""}, {"c"}}));
  EXPECT_EQ(read_all("last,line"), (Rows{{"last", "line"}}));
}

TEST(CsvReader, TellsQuotedEmptyFromNoValueAndKeepsPositions) {
  std::vector<std::vector<CsvField>> raw;
  read_all("h1,h2\n\"\",x\n", &raw);
  ASSERT_EQ(raw.size(), 2u);
  EXPECT_TRUE(raw[1][0].quoted);
  EXPECT_FALSE(raw[1][1].quoted);
  EXPECT_EQ(raw[1][1].line, 2u);
  EXPECT_EQ(raw[1][1].column, 4u);
}

TEST(CsvReader, RefusesBrokenQuotesNamingFileLineAndColumn) {
  for (auto [text, where] : {std::pair{"a,\"open\nmore\n", ":1:3:"}, std::pair{"a,\"b\"c\n", ":1:6:"}}) {
    try {
      read_all(text);
      ADD_FAILURE() << "accepted " << text;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      EXPECT_NE(std::string(e.what()).find(std::string("f.csv") + where), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace txgraph::engine
