// The tool's JSON <-> property value conversions and base64, linked in directly.
#include "cdc/json_values.h"

#include <limits>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "cdc/base64.h"

namespace txgraph::json {
namespace {

Value from(const char* text) { return value_from_json(Json::parse(text), "property 'p'"); }

std::string refusal(const char* text) {
  try {
    from(text);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(JsonValuesTest, ScalarsMapToTheirKinds) {
  EXPECT_TRUE(from("null").is_null());
  EXPECT_EQ(from("true"), Value(true));
  EXPECT_EQ(from("-7"), Value(std::int64_t{-7}));
  EXPECT_EQ(from("9223372036854775807"), Value(std::numeric_limits<std::int64_t>::max()));
  EXPECT_EQ(from("-9223372036854775808"), Value(std::numeric_limits<std::int64_t>::min()));
  EXPECT_EQ(from("2.0").kind(), ValueKind::kDouble);
  EXPECT_EQ(from("\"s\""), Value("s"));
  EXPECT_EQ(from(R"({"$bytes":"AP8="})"), Value(Bytes{std::string("\x00\xff", 2)}));
}

TEST(JsonValuesTest, ListsHoldOneKind) {
  EXPECT_EQ(from("[1,2]"), Value(Value::List{Value(1), Value(2)}));
  EXPECT_EQ(from("[]"), Value(Value::List{}));
  // Integers beside floats become doubles: JSON writers print 2.0 as 2.
  EXPECT_EQ(from("[2,0.5]"), Value(Value::List{Value(2.0), Value(0.5)}));
  EXPECT_EQ(from(R"([{"$bytes":"AQ=="}])"), Value(Value::List{Value(Bytes{"\x01"})}));
}

TEST(JsonValuesTest, RefusesWhatTheStoreCannotHoldNamingTheProperty) {
  EXPECT_NE(refusal(R"({"a":1})").find("property 'p': an object"), std::string::npos);
  EXPECT_NE(refusal(R"([1,"a"])").find("one kind"), std::string::npos);
  EXPECT_NE(refusal(R"([[1]])").find("nest"), std::string::npos);
  EXPECT_NE(refusal(R"([1,null])").find("null"), std::string::npos);
  EXPECT_NE(refusal("9223372036854775808").find("64 signed bits"), std::string::npos);
  EXPECT_NE(refusal(R"({"$bytes":"abc"})").find("base64"), std::string::npos);
  EXPECT_NE(refusal(R"({"$bytes":1})").find("base64"), std::string::npos);
  EXPECT_NE(refusal(R"({"$bytes":"AQ==","x":1})").find("an object"), std::string::npos);
}

TEST(JsonValuesTest, PropertiesRoundTrip) {
  Json json = Json::parse(R"({"b":{"$bytes":"AAEC"},"d":1.5,"i":3,"l":["x"],"s":"t","t":false})");
  Properties properties = properties_from_json(json, "property");
  EXPECT_EQ(properties.size(), 6u);
  EXPECT_EQ(json_from_properties(properties), json);
  EXPECT_EQ(json_line(json_from_value(Value(2.0))), "2.0");
  EXPECT_THROW(properties_from_json(Json::parse("[1]"), "property"), std::invalid_argument);
}

TEST(JsonValuesTest, TypedValuesReadBackExactly) {
  const char* typed[] = {
      R"({"$date":"2024-01-31"})",
      R"({"$localtime":"12:30:00.5"})",
      R"({"$time":"12:30:00+01:00"})",
      R"({"$localdatetime":"2024-01-31T12:30:00"})",
      R"({"$datetime":"2024-01-31T12:30:00+01:00[Europe/Berlin]"})",
      R"({"$datetime":"2024-01-31T12:30:00.000000001Z"})",
      R"({"$duration":"P1M2DT3.5S"})",
      R"({"$point":{"srid":4326,"x":13.4,"y":52.5}})",
      R"({"$point":{"srid":9157,"x":1.0,"y":2.0,"z":3.0}})",
      R"([{"$date":"2024-01-31"},{"$date":"2024-02-01"}])",
  };
  for (const char* text : typed) {
    Value v = from(text);
    EXPECT_EQ(json_from_value(v), Json::parse(text)) << text;
    EXPECT_EQ(value_from_json(json_from_value(v), "p"), v) << text;
  }
  EXPECT_EQ(from(R"({"$date":"2024-01-31"})"), Value(Date{19753}));
  EXPECT_EQ(from(R"({"$duration":"P1M2DT3.5S"})"), Value(Duration{1, 2, 3, 500'000'000}));
  EXPECT_EQ(from(R"({"$point":{"srid":7203,"x":1,"y":2}})"), Value(Point{kSridCartesian, 1, 2, 0}));
}

TEST(JsonValuesTest, Neo4jFormIsWhatItsKafkaConnectorWrites) {
  auto neo4j = [](const char* text) { return json_from_value(from(text), ValueForm::kNeo4j); };
  EXPECT_EQ(neo4j(R"({"$date":"2024-01-31"})"), "2024-01-31");
  EXPECT_EQ(neo4j(R"({"$localtime":"12:30"})"), "12:30:00");
  EXPECT_EQ(neo4j(R"({"$time":"12:30:00+00:00"})"), "12:30:00Z");
  EXPECT_EQ(neo4j(R"({"$datetime":"2024-07-01T12:00[Europe/Berlin]"})"), "2024-07-01T12:00:00+02:00[Europe/Berlin]");
  EXPECT_EQ(neo4j(R"({"$duration":"-PT0.5S"})"),
            Json::parse(R"({"months":0,"days":0,"seconds":-1,"nanoseconds":500000000})"));
  EXPECT_EQ(neo4j(R"({"$point":{"srid":4326,"x":13.4,"y":52.5}})"),
            Json::parse(R"({"dimension":2,"srid":4326,"x":13.4,"y":52.5,"z":null})"));
  EXPECT_EQ(neo4j(R"([{"$date":"2024-01-31"}])"), Json::parse(R"(["2024-01-31"])"));
  EXPECT_TRUE(loses_type(from(R"([{"$date":"2024-01-31"}])"), ValueForm::kNeo4j));
  EXPECT_FALSE(loses_type(from(R"([{"$date":"2024-01-31"}])"), ValueForm::kTyped));
  EXPECT_FALSE(loses_type(from(R"(["2024-01-31"])"), ValueForm::kNeo4j));
  // Every other kind is written the same in both forms.
  Json plain = Json::parse(R"({"b":{"$bytes":"AAEC"},"d":1.5,"i":3,"l":["x"],"s":"t"})");
  EXPECT_EQ(json_from_properties(properties_from_json(plain, "property"), ValueForm::kNeo4j), plain);
}

TEST(JsonValuesTest, RefusesBadTypedValuesNamingTheProperty) {
  EXPECT_NE(refusal(R"({"$date":"2024-02-30"})").find("property 'p': '2024-02-30' is not a date"), std::string::npos)
      << refusal(R"({"$date":"2024-02-30"})");
  EXPECT_NE(refusal(R"({"$date":20240131})").find("must be a string"), std::string::npos);
  EXPECT_NE(refusal(R"({"$instant":"x"})").find("unknown typed value \"$instant\""), std::string::npos);
  EXPECT_NE(refusal(R"({"$point":[1,2]})").find("must be an object"), std::string::npos);
  EXPECT_NE(refusal(R"({"$point":{"srid":4326,"x":1}})").find("\"y\""), std::string::npos);
  EXPECT_NE(refusal(R"({"$point":{"srid":4326,"x":1,"y":2,"w":3}})").find("no field \"w\""), std::string::npos);
  EXPECT_NE(refusal(R"({"$point":{"srid":4326,"x":200,"y":2}})").find("longitude"), std::string::npos);
  EXPECT_NE(refusal(R"({"$date":"2024-01-31","$time":"12:00Z"})").find("an object"), std::string::npos);
}

TEST(Base64Test, EncodesAndDecodesEveryTailLength) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (std::size_t n = 0; n < all.size(); n += 37) {
    std::string bytes = all.substr(0, n);
    EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes);
  }
}

TEST(Base64Test, RefusesMalformedText) {
  for (const char* bad : {"Zg", "Zg=", "Z===", "====", "Zm9v!A==", "Zh==", "Zm9=", "Zm=v", "Zm9v\n"})
    EXPECT_EQ(base64_decode(bad), std::nullopt) << bad;
}

}  // namespace
}  // namespace txgraph::json
