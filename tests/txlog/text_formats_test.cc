// The one grammar each for sizes, durations and UTC times (txlog/text_formats.h), read by the
// settings, the tool's flags, consumer groups' start locations and `log dump --since`.
#include "txlog/text_formats.h"

#include <gtest/gtest.h>

#include <string>

#include "txgraph/error.h"

namespace txgraph::txlog {
namespace {

std::string refusal(std::string_view text) {
  try {
    parse_utc_time(text);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    return e.what();
  }
  return "accepted";
}

TEST(TextFormats, UtcTimesInEveryFormTheyAreWritten) {
  constexpr std::int64_t kMidnight = 1'795'219'200'000'000;  // 2026-11-21T00:00:00Z
  EXPECT_EQ(parse_utc_time("2026-11-21"), kMidnight);
  EXPECT_EQ(parse_utc_time("2026-11-21T10:00:00Z"), kMidnight + 36'000'000'000);
  EXPECT_EQ(parse_utc_time("2026-11-21T10:00:00.250Z"), kMidnight + 36'000'250'000);
  EXPECT_EQ(parse_utc_time("2026-11-21T10:00:00.000001Z"), kMidnight + 36'000'000'001);
  EXPECT_EQ(parse_utc_time("2026-11-21T10:00:00+00:00"), kMidnight + 36'000'000'000);
  EXPECT_EQ(parse_utc_time("2024-02-29"), 1'709'164'800'000'000);
  // What iso8601_utc prints reads back.
  EXPECT_EQ(parse_utc_time(iso8601_utc(kMidnight + 123'000)), kMidnight + 123'000);
}

TEST(TextFormats, UtcTimesRefusedSayWhy) {
  EXPECT_NE(refusal("2026-13-01").find("there is no month 13"), std::string::npos);
  EXPECT_NE(refusal("2026-02-29").find("month 2 has no day 29"), std::string::npos);
  EXPECT_NE(refusal("2026-11-18T24:00:00Z").find("no time of day 24:00:00"), std::string::npos);
  EXPECT_NE(refusal("2026-11-18T10:00:00").find("add Z for UTC"), std::string::npos);
  EXPECT_NE(refusal("2026-11-18T10:00:00+01:00").find("only UTC"), std::string::npos);
  EXPECT_NE(refusal("2026-11-18T10:00:00.1234567Z").find("six digits"), std::string::npos);
  EXPECT_NE(refusal("2026-11-18T10:00:00.Z").find("no digits after"), std::string::npos);
  EXPECT_NE(refusal("yesterday").find("no date YYYY-MM-DD"), std::string::npos);
  EXPECT_NE(refusal("").find("no date"), std::string::npos);
  EXPECT_NE(refusal("2026-11-18T10:00").find("THH:MM:SS"), std::string::npos);
}

TEST(TextFormats, SizesAndDurationsReadBackWhatIsPrinted) {
  for (std::uint64_t bytes : {std::uint64_t{1}, std::uint64_t{4096}, std::uint64_t{64} << 20, std::uint64_t{3} << 30})
    EXPECT_EQ(parse_size(size_text(bytes)), bytes);
  for (auto d : {std::chrono::milliseconds(500), std::chrono::milliseconds(15 * 60'000),
                 std::chrono::milliseconds(86'400'000), std::chrono::milliseconds(1500)})
    EXPECT_EQ(parse_duration(duration_text(d)), d);
  EXPECT_EQ(parse_size("1KiB"), 1024u);
  EXPECT_THROW(parse_size("17179869184G"), Error);  // past 2^64 bytes
  EXPECT_THROW(parse_duration("5 weeks"), Error);
}

}  // namespace
}  // namespace txgraph::txlog
