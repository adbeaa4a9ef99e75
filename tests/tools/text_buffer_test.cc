// The dump's output buffer: what is written stays, in order, across every growth.
#include "tools/txgraph/text_buffer.h"

#include <string>

#include <gtest/gtest.h>

namespace txgraph::testing {
namespace {

TEST(TextBufferTest, KeepsWhatWasWrittenAcrossGrowth) {
  cli::TextBuffer buffer;
  EXPECT_TRUE(buffer.empty());
  std::string expected;
  for (int i = 0; i < 5000; ++i) {
    std::string piece = std::to_string(i) + (i % 3 == 0 ? std::string(i % 700, 'x') : std::string());
    if (i % 2 == 0) {
      buffer += piece;
    } else {
      char* at = buffer.room(piece.size() + 1);
      piece.copy(at, piece.size());
      buffer.commit(at + piece.size());  // the byte of room left over is not kept
    }
    buffer += ',';
    expected += piece + ',';
  }
  EXPECT_EQ(buffer.size(), expected.size());
  EXPECT_EQ(buffer.view(), expected);
  buffer.truncate(3);
  EXPECT_EQ(buffer.view(), expected.substr(0, 3));
  buffer.clear();
  EXPECT_TRUE(buffer.empty());
  buffer += "again";
  EXPECT_EQ(buffer.view(), "again");
}

}  // namespace
}  // namespace txgraph::testing
