// Change ids: they round-trip, are URL-safe, and a damaged or forged id is refused by name.
#include "cdc/change_id.h"

#include <gtest/gtest.h>

#include "txgraph/error.h"

namespace txgraph::cdc {
namespace {

ChangePosition sample(std::int64_t seq) {
  ChangePosition p;
  p.database_uuid = std::string("0123456789abcdef", 16);
  p.generation = 3;
  p.tx_id = 123456789;
  p.seq = seq;
  p.commit_time_us = 1'795'000'000'123'456;
  return p;
}

ErrorCode code_of(std::string_view id) {
  try {
    decode_change_id(id);
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::kInvalidArgument;  // not refused at all
}

TEST(ChangeId, RoundTripsEveryKindOfPosition) {
  for (std::int64_t seq : {ChangePosition::kBeforeFirst, std::int64_t{0}, std::int64_t{41}, ChangePosition::kAfterAll}) {
    auto id = encode_change_id(sample(seq));
    EXPECT_EQ(decode_change_id(id), sample(seq)) << id;
  }
}

TEST(ChangeId, IsUrlSafe) {
  for (int tx = 0; tx < 300; ++tx) {
    auto p = sample(tx % 5);
    p.tx_id = static_cast<std::uint64_t>(tx) * 7919;
    auto id = encode_change_id(p);
    EXPECT_EQ(id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), std::string::npos)
        << id;
  }
}

TEST(ChangeId, EveryFlippedCharacterIsRefused) {
  auto id = encode_change_id(sample(2));
  for (std::size_t i = 0; i < id.size(); ++i) {
    std::string damaged = id;
    damaged[i] = damaged[i] == 'A' ? 'B' : 'A';
    EXPECT_EQ(code_of(damaged), ErrorCode::kCdcInvalidId) << "position " << i;
  }
}

TEST(ChangeId, MalformedTextIsRefusedWithTheIdInTheMessage) {
  auto id = encode_change_id(sample(0));
  for (std::string bad : {std::string(""), std::string("not an id"), id.substr(0, id.size() - 3), id + "AA",
                          std::string("+/+/"), std::string(500, 'A')}) {
    EXPECT_EQ(code_of(bad), ErrorCode::kCdcInvalidId) << bad;
  }
  try {
    decode_change_id("bogus");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("\"bogus\""), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace txgraph::cdc
