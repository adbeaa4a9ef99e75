// The tool's streaming JSON writer must print exactly what the JSON library prints for the
// same value, since `log dump --json` switched from one to the other and scripts compare
// output byte for byte.
#include "tools/txgraph/json_text.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "cdc/json_values.h"
#include "txlog/text_formats.h"

namespace txgraph::testing {
namespace {

std::string streamed(const Value& value) {
  std::string out;
  cli::append_json_value(out, value);
  return out;
}

std::string library(const Value& value) { return json::json_line(json::json_from_value(value)); }

TEST(JsonTextTest, StringsAreEscapedAndRepairedAsTheLibraryDoes) {
  std::vector<std::string> strings = {"", "plain", "quote \" and \\ backslash", "slash / stays", "\x7f",
                                      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",  // é € and an emoji
                                      "\x80", "a\xc0\x80z", "\xed\xa0\x80", "cut \xe2\x82", "\xf4\x90\x80\x80",
                                      "\xe0\x9f\xbf", "\xf0\x8f\xbf\xbf", "ok\xff", "\xc3", "\xc3\xa9\xc3"};
  for (int c = 0; c < 0x20; ++c) strings.push_back(std::string("<") + static_cast<char>(c) + ">");
  for (const auto& text : strings) EXPECT_EQ(streamed(Value(text)), library(Value(text))) << text;
}

TEST(JsonTextTest, NumbersBytesAndListsAsTheLibraryPrintsThem) {
  std::vector<double> doubles = {0.0,  -0.0,   0.5,    1.0,     -2.0,   0.1,   1.0 / 3,  1e100, 1e-5, 1e-4,
                                 1e15, 1e16,   1e17,   1234.5e10, 5e-324, std::numeric_limits<double>::max(),
                                 std::nan(""), INFINITY, -INFINITY, 123456789.125};
  for (double d : doubles) EXPECT_EQ(streamed(Value(d)), library(Value(d))) << d;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    std::uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    ASSERT_EQ(streamed(Value(d)), library(Value(d))) << bits;
  }
  for (std::int64_t n : {std::int64_t{0}, std::int64_t{-1}, std::numeric_limits<std::int64_t>::min(),
                         std::numeric_limits<std::int64_t>::max()})
    EXPECT_EQ(streamed(Value(n)), library(Value(n)));
  EXPECT_EQ(streamed(Value()), library(Value()));
  EXPECT_EQ(streamed(Value(true)), library(Value(true)));
  EXPECT_EQ(streamed(Value(Bytes{std::string("\0\xff\x10", 3)})), library(Value(Bytes{std::string("\0\xff\x10", 3)})));
  Value list(Value::List{Value(1.5), Value(-0.0)});
  EXPECT_EQ(streamed(list), library(list));
  Properties properties = {{"a\"b", Value("x")}, {"\xe2\x82", Value(std::int64_t{1})}, {"z", Value(Value::List{})}};
  std::string out;
  cli::append_json_properties(out, properties);
  EXPECT_EQ(out, json::json_line(json::json_from_properties(properties)));
}

TEST(JsonTextTest, TimesMatchIso8601Utc) {
  std::vector<std::int64_t> times = {0,
                                     999,
                                     1795000000000000,       // 2026-11-18
                                     951782400000000,        // 2000-02-29
                                     4107542400000000,       // 2100-03-01
                                     68169600000000,         // 1972-02-29
                                     253402300799999999,     // 9999-12-31T23:59:59.999
                                     253402300800000000,     // year 10000: the slow path
                                     -1,                     // before the epoch: the slow path
                                     -86400000001};
  std::mt19937_64 rng(11);
  for (int i = 0; i < 20000; ++i) times.push_back(static_cast<std::int64_t>(rng() % 253402300800000000ULL));
  for (std::int64_t t : times) {
    std::string out;
    cli::append_iso8601_utc(out, t);
    ASSERT_EQ(out, txlog::iso8601_utc(t)) << t;
  }
}

}  // namespace
}  // namespace txgraph::testing
