// Property values and property maps in their on-disk encoding (txlog/FORMAT.md, "Values"): every
// kind round-trips, equal values give equal bytes (the key index depends on it), the bytes are
// the documented ones, and damaged input is refused as corruption without reading past its end.
// Reading in place (skip_*, the cursors, PropertyMapDecoder) accepts and finds exactly what
// decoding does.
#include "txlog/value_codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "txlog_test_support.h"

namespace txgraph::txlog {
namespace {

using testing::error_code_of;
using testing::hex;

std::string encode(const Value& value) {
  std::string out;
  ByteWriter w(out);
  encode_value(w, value);
  return out;
}

std::string encode(const Properties& properties) {
  std::string out;
  ByteWriter w(out);
  encode_properties(w, properties);
  return out;
}

// Decodes from a heap buffer of exactly the input's size, so that a read past the end is a
// heap overflow the sanitizer build reports, not a read of some neighbouring byte.
class ExactBuffer {
 public:
  explicit ExactBuffer(std::string_view bytes) : size_(bytes.size()), data_(new char[bytes.size()]) {
    if (size_ > 0) std::memcpy(data_.get(), bytes.data(), size_);
  }
  std::string_view view() const { return {data_.get(), size_}; }

 private:
  std::size_t size_;
  std::unique_ptr<char[]> data_;
};

Value decode_whole_value(std::string_view bytes) {
  ExactBuffer buffer(bytes);
  ByteReader r(buffer.view(), "test value");
  Value v = decode_value(r);
  EXPECT_TRUE(r.done()) << r.remaining() << " bytes left after the value";
  return v;
}

Properties decode_whole_properties(std::string_view bytes) {
  ExactBuffer buffer(bytes);
  ByteReader r(buffer.view(), "test properties");
  Properties p = decode_properties(r);
  EXPECT_TRUE(r.done()) << r.remaining() << " bytes left after the properties";
  return p;
}

std::uint64_t bits_of(double d) {
  std::uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  return bits;
}

const std::string kEmbeddedNul("a\0b\0", 4);
const std::string kNonAscii = "Zoë, 東京, \xF0\x9F\x98\x80";  // 2-, 3- and 4-byte UTF-8 sequences

std::string all_byte_values() {
  std::string s;
  for (int i = 0; i < 256; ++i) s.push_back(static_cast<char>(i));
  return s;
}

// One value of every kind and shape the encoding has a branch for.
std::vector<Value> sample_values() {
  return {
      Value(),
      Value(true),
      Value(false),
      Value(0),
      Value(1),
      Value(-1),
      Value(63),
      Value(-64),
      Value(64),
      Value(std::int64_t{1} << 40),
      Value(std::numeric_limits<std::int64_t>::max()),
      Value(std::numeric_limits<std::int64_t>::min()),
      Value(0.0),
      Value(1.5),
      Value(-2.25),
      Value(std::numeric_limits<double>::max()),
      Value(std::numeric_limits<double>::lowest()),
      Value(std::numeric_limits<double>::denorm_min()),
      Value(std::numeric_limits<double>::infinity()),
      Value(-std::numeric_limits<double>::infinity()),
      Value(""),
      Value("crm"),
      Value(kNonAscii),
      Value(kEmbeddedNul),
      Value(std::string(300, 'x')),  // a length that needs a two-byte varint
      Value(Bytes{}),
      Value(Bytes{all_byte_values()}),
      Value(Value::List{}),
      Value(Value::List{true, false, true}),
      Value(Value::List{0, -1, std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()}),
      Value(Value::List{0.5, -0.25, std::numeric_limits<double>::infinity()}),
      Value(Value::List{"", kNonAscii, kEmbeddedNul}),
      Value(Value::List{Bytes{}, Bytes{kEmbeddedNul}}),
  };
}

Properties sample_properties() {
  return {
      {"", Value(1)},
      {"age", Value(31)},
      {"name", Value(kNonAscii)},
      {"nothing", Value()},
      {"photo", Value(Bytes{all_byte_values()})},
      {"scores", Value(Value::List{1.5, 2.5})},
      {"tags", Value(Value::List{"a", "b"})},
      {"weight", Value(-0.5)},
      {kNonAscii, Value(true)},
      {kEmbeddedNul, Value(Value::List{})},
  };
}

TEST(ValueCodecTest, EveryKindRoundTrips) {
  for (const Value& v : sample_values()) {
    std::string bytes = encode(v);
    SCOPED_TRACE(hex(bytes));
    Value back = decode_whole_value(bytes);
    EXPECT_EQ(back.kind(), v.kind());
    EXPECT_EQ(back, v);
  }
}

TEST(ValueCodecTest, IntegerExtremesRoundTripExactly) {
  for (std::int64_t i : {std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::min() + 1,
                         std::int64_t{-1}, std::int64_t{0}, std::int64_t{1},
                         std::numeric_limits<std::int64_t>::max() - 1, std::numeric_limits<std::int64_t>::max()}) {
    SCOPED_TRACE(i);
    Value back = decode_whole_value(encode(Value(i)));
    ASSERT_EQ(back.kind(), ValueKind::kInt);
    EXPECT_EQ(back.as_int(), i);
  }
}

TEST(ValueCodecTest, DoublesRoundTripBitForBit) {
  const double samples[] = {1.0,
                            -1.0,
                            0.1,
                            -2.25,
                            std::numeric_limits<double>::max(),
                            std::numeric_limits<double>::lowest(),
                            std::numeric_limits<double>::min(),
                            std::numeric_limits<double>::denorm_min(),
                            -std::numeric_limits<double>::denorm_min(),
                            std::numeric_limits<double>::infinity(),
                            -std::numeric_limits<double>::infinity()};
  for (double d : samples) {
    SCOPED_TRACE(d);
    Value back = decode_whole_value(encode(Value(d)));
    ASSERT_EQ(back.kind(), ValueKind::kDouble);
    EXPECT_EQ(bits_of(back.as_double()), bits_of(d));
  }
  Value nan = decode_whole_value(encode(Value(std::numeric_limits<double>::quiet_NaN())));
  ASSERT_EQ(nan.kind(), ValueKind::kDouble);
  EXPECT_TRUE(std::isnan(nan.as_double()));
}

// -0.0 and 0.0 are one value (Value's == says so, as Cypher does), so they must share one
// encoding, or a key {x: -0.0} would not collide with {x: 0.0} in the key index.
TEST(ValueCodecTest, NegativeZeroIsTheSameValueAsZero) {
  ASSERT_EQ(Value(-0.0), Value(0.0));
  EXPECT_EQ(encode(Value(-0.0)), encode(Value(0.0)));
  EXPECT_EQ(encode(Value(Value::List{-0.0, 1.0})), encode(Value(Value::List{0.0, 1.0})));
  Value back = decode_whole_value(encode(Value(-0.0)));
  ASSERT_EQ(back.kind(), ValueKind::kDouble);
  EXPECT_EQ(back, Value(-0.0));
  EXPECT_EQ(back.as_double(), 0.0);
}

TEST(ValueCodecTest, StringsKeepEveryByte) {
  for (const std::string& s : {std::string(), kNonAscii, kEmbeddedNul, all_byte_values(), std::string(100000, 'q')}) {
    Value back = decode_whole_value(encode(Value(s)));
    ASSERT_EQ(back.kind(), ValueKind::kString);
    EXPECT_EQ(back.as_string(), s);
    EXPECT_EQ(back.as_string().size(), s.size());
  }
}

TEST(ValueCodecTest, BytesStayBytesAndStringsStayStrings) {
  Value bytes(Bytes{"abc"});
  Value text("abc");
  EXPECT_NE(encode(bytes), encode(text));
  EXPECT_EQ(decode_whole_value(encode(bytes)).kind(), ValueKind::kBytes);
  EXPECT_EQ(decode_whole_value(encode(text)).kind(), ValueKind::kString);
  EXPECT_EQ(decode_whole_value(encode(Value(Value::List{Bytes{"x"}}))).as_list().front().kind(), ValueKind::kBytes);
}

TEST(ValueCodecTest, ListsOfEveryScalarKindRoundTrip) {
  const std::vector<Value::List> lists = {
      {true},
      {false, true, false},
      {std::int64_t{5}, std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()},
      {1.25, -std::numeric_limits<double>::infinity(), std::numeric_limits<double>::denorm_min()},
      {"", "two", kNonAscii, kEmbeddedNul},
      {Bytes{}, Bytes{all_byte_values()}},
  };
  for (const auto& items : lists) {
    Value v(items);
    Value back = decode_whole_value(encode(v));
    ASSERT_EQ(back.kind(), ValueKind::kList);
    ASSERT_EQ(back.as_list().size(), items.size());
    for (std::size_t i = 0; i < items.size(); ++i) {
      EXPECT_EQ(back.as_list()[i].kind(), items[i].kind());
      EXPECT_EQ(back.as_list()[i], items[i]);
    }
  }
}

TEST(ValueCodecTest, EmptyListIsAListNotNull) {
  Value back = decode_whole_value(encode(Value(Value::List{})));
  EXPECT_EQ(back.kind(), ValueKind::kList);
  EXPECT_TRUE(back.as_list().empty());
  EXPECT_NE(encode(Value(Value::List{})), encode(Value()));
}

TEST(ValueCodecTest, LongListRoundTrips) {
  Value::List items;
  for (int i = 0; i < 1000; ++i) items.emplace_back(std::int64_t{i} * 1000003 - 500000000);
  Value v(items);
  EXPECT_EQ(decode_whole_value(encode(v)), v);
}

TEST(ValueCodecTest, PropertyMapsRoundTrip) {
  Properties props = sample_properties();
  Properties back = decode_whole_properties(encode(props));
  EXPECT_EQ(back, props);
  for (const auto& [key, value] : props) EXPECT_EQ(back.at(key).kind(), value.kind()) << key;

  EXPECT_TRUE(decode_whole_properties(encode(Properties{})).empty());
}

// The encoding is pinned by txlog/FORMAT.md and by logs already on disk: a change here is a
// format change, not a refactoring.
TEST(ValueCodecTest, BytesAreTheDocumentedOnes) {
  EXPECT_EQ(hex(encode(Value())), "00");
  EXPECT_EQ(hex(encode(Value(false))), "01 00");
  EXPECT_EQ(hex(encode(Value(true))), "01 01");
  EXPECT_EQ(hex(encode(Value(1))), "02 02");
  EXPECT_EQ(hex(encode(Value(-1))), "02 01");
  EXPECT_EQ(hex(encode(Value(64))), "02 80 01");
  EXPECT_EQ(hex(encode(Value(std::numeric_limits<std::int64_t>::min()))), "02 ff ff ff ff ff ff ff ff ff 01");
  EXPECT_EQ(hex(encode(Value(1.0))), "03 00 00 00 00 00 00 f0 3f");
  EXPECT_EQ(hex(encode(Value("crm"))), "04 03 63 72 6d");
  EXPECT_EQ(hex(encode(Value(Bytes{"\x01"}))), "05 01 01");
  EXPECT_EQ(hex(encode(Value(Value::List{}))), "06 00 00");
  EXPECT_EQ(hex(encode(Value(Value::List{1, 2}))), "06 02 02 02 04");
  EXPECT_EQ(hex(encode(Value(Value::List{"a"}))), "06 04 01 01 61");
  // From the worked example: one entry, "id" = 1.
  EXPECT_EQ(hex(encode(Properties{{"id", Value(1)}})), "01 02 69 64 02 02");
}

TEST(ValueCodecTest, EqualValuesEncodeToEqualBytes) {
  // Built in different ways, equal by Value's ==, so they must give the same key bytes.
  EXPECT_EQ(encode(Value(7)), encode(Value(std::int64_t{7})));
  EXPECT_EQ(encode(Value("abc")), encode(Value(std::string("abc"))));
  EXPECT_EQ(encode(Value(Value::List{1, 2})), encode(Value(Value::List{std::int64_t{1}, std::int64_t{2}})));
  EXPECT_EQ(encode(Value(Bytes{"k"})), encode(Value(Bytes{std::string("k")})));
  // Encoding the same value twice, and re-encoding what was decoded, gives the same bytes.
  for (const Value& v : sample_values()) {
    std::string bytes = encode(v);
    EXPECT_EQ(encode(v), bytes);
    EXPECT_EQ(encode(decode_whole_value(bytes)), bytes);
  }
  // Maps: key order, not insertion order, decides.
  Properties forward;
  forward.emplace("a", 1);
  forward.emplace("b", "x");
  forward.emplace("c", 2.5);
  Properties backward;
  backward.emplace("c", 2.5);
  backward.emplace("b", "x");
  backward.emplace("a", 1);
  EXPECT_EQ(encode(forward), encode(backward));
  std::string props = encode(sample_properties());
  EXPECT_EQ(encode(decode_whole_properties(props)), props);
}

TEST(ValueCodecTest, DifferentValuesEncodeToDifferentBytes) {
  const std::vector<Value> values = {Value(),
                                     Value(false),
                                     Value(true),
                                     Value(0),
                                     Value(1),
                                     Value(-1),
                                     Value(1.0),
                                     Value(0.0),
                                     Value("1"),
                                     Value(""),
                                     Value(Bytes{"1"}),
                                     Value(Bytes{}),
                                     Value(Value::List{}),
                                     Value(Value::List{1}),
                                     Value(Value::List{1.0}),
                                     Value(Value::List{"1"}),
                                     Value(Value::List{Bytes{"1"}}),
                                     Value(Value::List{1, 1})};
  for (std::size_t i = 0; i < values.size(); ++i) {
    for (std::size_t j = i + 1; j < values.size(); ++j) {
      EXPECT_NE(encode(values[i]), encode(values[j])) << "values " << i << " and " << j;
    }
  }
}

TEST(ValueCodecTest, EveryTruncationOfAValueIsCorruption) {
  for (const Value& v : sample_values()) {
    std::string bytes = encode(v);
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      SCOPED_TRACE(::testing::Message() << hex(bytes) << " cut to " << n << " bytes");
      EXPECT_EQ(error_code_of([&] { decode_whole_value(bytes.substr(0, n)); }), ErrorCode::kCorruption);
    }
  }
}

TEST(ValueCodecTest, EveryTruncationOfAPropertyMapIsCorruption) {
  std::string bytes = encode(sample_properties());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    SCOPED_TRACE(n);
    EXPECT_EQ(error_code_of([&] { decode_whole_properties(bytes.substr(0, n)); }), ErrorCode::kCorruption);
  }
}

TEST(ValueCodecTest, GarbageIsRefusedAsCorruption) {
  const std::vector<std::string> garbage = {
      std::string("\x0e", 1),                              // unknown kind
      std::string("\x07", 1),                              // a date without its days
      std::string("\xff", 1),                              // unknown kind
      std::string("\x01\x02", 2),                          // bool that is neither 0 nor 1
      std::string("\x06\x06\x00", 3),                      // list of lists
      std::string("\x06\x00\x01", 3),                      // list of one null
      std::string("\x06\x0e\x00", 3),                      // list of an unknown kind
      std::string("\x08\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 10),  // a local time past midnight
      std::string("\x0d\xd2\x09", 3) + std::string(16, '\0'),  // a point of SRID 1234
      std::string("\x06\x01\x02\x01\x02", 5),              // list of bools, second one bad
      std::string("\x02") + std::string(11, '\x80'),       // varint longer than ten bytes
      std::string("\x04\xff\xff\xff\xff\x0f", 6) + "abc",  // string longer than the input
      std::string("\x05\x80\x80\x80\x80\x80\x01", 7),      // bytes longer than the input
      std::string("\x06\x02\xff\xff\xff\xff\xff\x01", 8),  // list count far past the end
      std::string("\x06\x01\x03\x01\x01", 5),              // list count one past the end
  };
  for (const auto& bytes : garbage) {
    SCOPED_TRACE(hex(bytes));
    EXPECT_EQ(error_code_of([&] { decode_whole_value(bytes); }), ErrorCode::kCorruption);
  }
  // A property count the input cannot hold is refused before anything is reserved.
  EXPECT_EQ(error_code_of([&] { decode_whole_properties(std::string("\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 9)); }),
            ErrorCode::kCorruption);
  EXPECT_EQ(error_code_of([&] { decode_whole_properties(std::string("\x02\x01\x61\x00", 4)); }),
            ErrorCode::kCorruption);
}

// Whatever the bytes, decoding either gives a value or throws Error(kCorruption): never another
// exception (bad_alloc, length_error, Value's own kInvalidArgument) and, under the sanitizers,
// never a read outside the input.
TEST(ValueCodecTest, RandomAndMutatedInputNeverEscapesAsAnythingButCorruption) {
  auto check = [](std::string_view bytes) {
    for (int what = 0; what < 2; ++what) {
      try {
        if (what == 0) {
          ExactBuffer buffer(bytes);
          ByteReader r(buffer.view(), "fuzz");
          Value v = decode_value(r);
          // Whatever decoded is a proper value: its encoding decodes to the same encoding
          // (bytes, not ==, so that NaN compares too).
          std::string again = encode(v);
          EXPECT_EQ(encode(decode_whole_value(again)), again);
        } else {
          ExactBuffer buffer(bytes);
          ByteReader r(buffer.view(), "fuzz");
          decode_properties(r);
        }
      } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::kCorruption) << e.what();
      } catch (const std::exception& e) {
        ADD_FAILURE() << "non-txgraph exception " << e.what() << " for " << hex(bytes);
      }
    }
  };

  std::mt19937 rng(20261122);
  for (int i = 0; i < 20000; ++i) {
    std::string bytes(rng() % 24, '\0');
    // Bias the first byte toward valid kinds so the search gets past the tag check.
    for (auto& c : bytes) c = static_cast<char>(rng() % 4 == 0 ? rng() % 8 : rng() & 0xff);
    check(bytes);
  }
  std::vector<std::string> valid;
  for (const Value& v : sample_values()) valid.push_back(encode(v));
  valid.push_back(encode(sample_properties()));
  for (const auto& bytes : valid) {
    for (std::size_t i = 0; i < bytes.size() && i < 64; ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        std::string damaged = bytes;
        damaged[i] = static_cast<char>(damaged[i] ^ (1 << bit));
        check(damaged);
      }
    }
  }
}

// What the in-place readers make of `bytes`, against the decoders: the same accepted or
// refused, the same bytes consumed, the same entries.
void expect_in_place_agrees(std::string_view bytes) {
  ExactBuffer buffer(bytes);
  for (int what = 0; what < 2; ++what) {
    std::optional<std::size_t> decoded_to, skipped_to;
    Properties decoded;
    try {
      ByteReader r(buffer.view(), "decode");
      if (what == 0)
        decode_value(r);
      else
        decoded = decode_properties(r);
      decoded_to = r.position();
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kCorruption);
    }
    std::string_view skipped;
    try {
      ByteReader r(buffer.view(), "skip");
      if (what == 0)
        skip_value(r);
      else
        skipped = skip_properties(r);
      skipped_to = r.position();
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kCorruption);
    }
    ASSERT_EQ(decoded_to, skipped_to) << (what == 0 ? "value " : "properties ") << hex(bytes);
    if (what == 0 || !skipped_to) continue;
    // One map refilled call after call, as a change reader refills its event: whatever it
    // held before, it ends holding what decoding gives.
    static PropertyMapDecoder maps;
    static Properties into{{"stale", Value(1)}};
    maps.decode(skipped, into);
    EXPECT_EQ(into, decoded) << hex(bytes);
    std::size_t entries = 0;
    PropertyCursor cursor(skipped);
    while (cursor.next()) {
      ++entries;
      ASSERT_TRUE(decoded.count(std::string(cursor.key())));
      // The value of the last entry with the key, as decoding keeps it; and equal to itself,
      // however it is encoded.
      std::string_view last = find_encoded_property(skipped, cursor.key());
      const Value& kept = decoded.at(std::string(cursor.key()));
      EXPECT_EQ(encode(decode_whole_value(last)), encode(kept));
      EXPECT_EQ(encoded_values_equal(last, encode(kept)), kept == kept) << hex(last);
    }
    EXPECT_GE(entries, decoded.size());
  }
}

TEST(ValueCodecTest, ReadingInPlaceAcceptsExactlyWhatDecodingAccepts) {
  std::mt19937 rng(20261201);
  for (int i = 0; i < 20000; ++i) {
    std::string bytes(rng() % 24, '\0');
    for (auto& c : bytes) c = static_cast<char>(rng() % 4 == 0 ? rng() % 8 : rng() & 0xff);
    expect_in_place_agrees(bytes);
  }
  std::vector<std::string> valid;
  for (const Value& v : sample_values()) valid.push_back(encode(v));
  valid.push_back(encode(sample_properties()));
  for (const auto& bytes : valid) {
    expect_in_place_agrees(bytes);
    for (std::size_t n = 0; n < bytes.size(); ++n) expect_in_place_agrees(bytes.substr(0, n));
    for (std::size_t i = 0; i < bytes.size() && i < 64; ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        std::string damaged = bytes;
        damaged[i] = static_cast<char>(damaged[i] ^ (1 << bit));
        expect_in_place_agrees(damaged);
      }
    }
  }
}

// Property bytes with the entries as given, in their order and repeats, which encode_properties
// (from a map) cannot write.
std::string encode_entries(std::initializer_list<std::pair<const char*, int>> entries) {
  std::string bytes;
  ByteWriter w(bytes);
  w.varint(entries.size());
  for (auto [key, value] : entries) {
    w.str(key);
    encode_value(w, Value(value));
  }
  return bytes;
}

TEST(ValueCodecTest, RepeatedKeysKeepTheirLastValueInPlaceAsWhenDecoded) {
  std::string bytes = encode_entries({{"a", 1}, {"b", 2}, {"a", 3}});
  EXPECT_EQ(find_encoded_property(bytes, "a"), encode(Value(3)));
  EXPECT_EQ(find_encoded_property(bytes, "missing"), "");
  Properties into;
  PropertyMapDecoder maps;
  maps.decode(bytes, into);
  EXPECT_EQ(into, decode_whole_properties(bytes));
  EXPECT_EQ(into, (Properties{{"a", Value(3)}, {"b", Value(2)}}));
}

TEST(ValueCodecTest, ARefilledMapHoldsExactlyTheDecodedEntries) {
  PropertyMapDecoder maps;
  Properties map{{"a", Value(1)}, {"c", Value(3)}, {"e", Value(5)}};
  const Properties shapes[] = {
      {{"b", Value(2)}, {"c", Value("x")}, {"d", Value(4)}},
      {{"b", Value(20)}, {"c", Value("y")}, {"d", Value(40)}},  // the same keys again
      {},
      {{"z", Value(Value::List{Value(1.5)})}},
      {{"a", Value(true)}, {"b", Value()}, {"y", Value(Bytes{"q"})}, {"z", Value(0)}},
  };
  for (const Properties& shape : shapes) {
    maps.decode(encode(shape), map);
    EXPECT_EQ(map, shape);
  }
  // Keys out of order (not what txgraph writes): still every key with its last value.
  maps.decode(encode_entries({{"c", 1}, {"a", 2}, {"c", 3}}), map);
  EXPECT_EQ(map, (Properties{{"a", Value(2)}, {"c", Value(3)}}));
}

TEST(ValueCodecTest, EncodedValuesAreEqualAsTheValuesAre) {
  std::vector<Value> values = sample_values();
  values.push_back(Value(std::nan("")));
  values.push_back(Value(Value::List{Value(1.0), Value(std::nan(""))}));
  for (const Value& a : values)
    for (const Value& b : values)
      EXPECT_EQ(encoded_values_equal(encode(a), encode(b)), a == b) << hex(encode(a)) << " " << hex(encode(b));
  EXPECT_EQ(encoded_value(Value("x")), encode(Value("x")));
  // Bytes the writer would not choose, for values it encodes otherwise: an overlong varint, an
  // empty list that names an item kind.
  EXPECT_TRUE(encoded_values_equal(std::string("\x02\x82\x00", 3), encode(Value(1))));
  EXPECT_TRUE(encoded_values_equal(std::string("\x06\x02\x00", 3), encode(Value(Value::List{}))));
  EXPECT_FALSE(encoded_values_equal(std::string("\x06\x02\x00", 3), encode(Value(Value::List{Value(1)}))));
  EXPECT_FALSE(encoded_values_equal("", encode(Value())));
  EXPECT_TRUE(encoded_values_equal("", ""));
}

TEST(ValueCodecTest, MergeSetsAndRemovesAsASetPropertiesOperation) {
  PropertyMapDecoder maps;
  Properties state{{"a", Value(1)}, {"b", Value(2)}};
  maps.merge(encode(Properties{{"a", Value(10)}, {"b", Value()}, {"c", Value("new")}}), state);
  EXPECT_EQ(state, (Properties{{"a", Value(10)}, {"c", Value("new")}}));
  maps.erase(state, "c");
  maps.erase(state, "absent");
  EXPECT_EQ(state, (Properties{{"a", Value(10)}}));
  // The nodes taken out serve the next map.
  Properties next;
  maps.decode(encode(sample_properties()), next);
  EXPECT_EQ(next, sample_properties());
  maps.clear(next);
  EXPECT_TRUE(next.empty());
}

TEST(ValueCodecTest, NamesDecodeIntoReusedVectors) {
  std::string bytes;
  ByteWriter w(bytes);
  write_names(w, {"Person", "Admin"});
  std::vector<std::string> names{"old", "older", "oldest"};
  decode_names_into(bytes, names);
  EXPECT_EQ(names, (std::vector<std::string>{"Person", "Admin"}));
  EXPECT_TRUE(names_contain(bytes, "Admin"));
  EXPECT_FALSE(names_contain(bytes, "Adm"));
  decode_names_into("", names);
  EXPECT_TRUE(names.empty());
}

}  // namespace
}  // namespace txgraph::txlog
