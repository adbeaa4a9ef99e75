// Temporal and spatial values through the tool: `run` reads the typed objects, `export` prints
// them back exactly, a key and a key selector may be a date or a point, and `cdc query` writes
// them as Neo4j's Kafka connector does unless --values typed asks for the typed objects.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_fixture.h"

namespace txgraph::testing {
namespace {

using nlohmann::json;

// One of each kind, the forms chosen to show what the printer normalises.
const json kTyped = json::parse(R"({
  "born": {"$date": "1987-06-05"},
  "ancient": {"$date": "-0044-03-15"},
  "far": {"$date": "+12345-01-01"},
  "wake": {"$localtime": "06:30:00.125"},
  "meet": {"$time": "12:00:00-05:30"},
  "seen": {"$localdatetime": "2024-01-31T23:59:59.999999999"},
  "at": {"$datetime": "2024-07-01T12:00:00+02:00[Europe/Berlin]"},
  "utc": {"$datetime": "2024-01-31T12:30:00Z"},
  "lasts": {"$duration": "P1Y2M3DT4H5M6.5S"},
  "back": {"$duration": "PT-0.5S"},
  "home": {"$point": {"srid": 4326, "x": 13.4, "y": 52.5}},
  "peak": {"$point": {"srid": 4979, "x": 86.925, "y": 27.988, "z": 8848.86}},
  "grid": {"$point": {"srid": 7203, "x": 1.0, "y": -2.5}},
  "days": [{"$date": "2024-01-01"}, {"$date": "2024-12-31"}],
  "stops": [{"$point": {"srid": 9157, "x": 1.0, "y": 2.0, "z": 3.0}}, {"$point": {"srid": 9157, "x": 4.0, "y": 5.0, "z": 6.0}}],
  "spans": [{"$duration": "P1D"}, {"$duration": "PT1H"}],
  "wakes": [{"$localtime": "06:30:00"}, {"$localtime": "07:00:00.5"}],
  "meets": [{"$time": "12:00:00Z"}, {"$time": "13:00:00+01:00"}],
  "seens": [{"$localdatetime": "2024-01-31T00:00:00"}, {"$localdatetime": "2024-02-01T00:00:00"}],
  "ats": [{"$datetime": "2024-01-31T12:30:00+01:00[Europe/Berlin]"}, {"$datetime": "2024-01-31T12:30:00-05:00"}],
  "homes": [{"$point": {"srid": 4326, "x": 13.4, "y": 52.5}}, {"$point": {"srid": 4326, "x": -0.1, "y": 51.5}}]
})");

std::string create_line(const std::string& label, const json& properties) {
  json op = {{"op", "create_node"}, {"labels", json::array({label})}, {"properties", properties}};
  return json{{"ops", json::array({op})}}.dump();
}

TEST_F(CliTest, TypedValuesRoundTripThroughRunExportAndRunAgain) {
  run_ok({create_line("Event", kTyped)});
  json exported = export_db().nodes.begin()->second["properties"];
  EXPECT_EQ(exported, kTyped) << exported.dump(2);

  // Into a fresh database from what export printed: the same values again.
  std::string other = (dir_ / "other").string();
  ASSERT_EQ(run_cli({"init", other}).exit_code, 0);
  CliResult again = run_cli({"run", other}, create_line("Event", exported) + "\n");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  Exported second = parse_export(run_cli({"export", other}).out);
  ASSERT_EQ(second.nodes.size(), 1u);
  EXPECT_EQ(second.nodes.begin()->second["properties"], kTyped);
}

TEST_F(CliTest, TypedValuesAreNormalisedAsNeo4jPrintsThem) {
  run_ok({create_line("T", json::parse(R"({
    "t": {"$localtime": "06:30"},
    "dt": {"$datetime": "2024-03-31T02:30[Europe/Berlin]"},
    "d": {"$duration": "P14M10DT3700S"},
    "w": {"$duration": "P2W"},
    "f": {"$duration": "P5M1.5D"},
    "m": {"$duration": "P0.75M"},
    "hw": {"$duration": "P2.5W"}
  })"))});
  json p = export_db().nodes.begin()->second["properties"];
  EXPECT_EQ(p["t"], json::parse(R"({"$localtime":"06:30:00"})"));
  // 02:30 does not exist that night in Berlin: the clock moves on by the hour it skips.
  EXPECT_EQ(p["dt"], json::parse(R"({"$datetime":"2024-03-31T03:30:00+02:00[Europe/Berlin]"})"));
  EXPECT_EQ(p["d"], json::parse(R"({"$duration":"P1Y2M10DT1H1M40S"})"));
  EXPECT_EQ(p["w"], json::parse(R"({"$duration":"P14D"})"));
  // Fractions go down to the next unit as Neo4j takes them (a month is 30.436875 days).
  EXPECT_EQ(p["f"], json::parse(R"({"$duration":"P5M1DT12H"})"));
  EXPECT_EQ(p["m"], json::parse(R"({"$duration":"P22DT19H51M49.5S"})"));
  EXPECT_EQ(p["hw"], json::parse(R"({"$duration":"P17DT12H"})"));
}

TEST_F(CliTest, BadTypedValuesAreRefusedWithTheLineAndTheProperty) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {R"({"$date":"2023-02-29"})", "no day 29"},
      {R"({"$date":2024})", "must be a string"},
      {R"({"$time":"12:00"})", "offset"},
      {R"({"$datetime":"2024-01-31T12:30:00+02:00[Europe/Berlin]"})", "Europe/Berlin"},
      {R"({"$datetime":"2024-01-31T12:30:00[Mars/Base]"})", "Mars/Base"},
      {R"({"$duration":"PT1H2"})", "unit"},
      {R"({"$point":{"srid":4326,"x":13.4,"y":95}})", "latitude"},
      {R"({"$point":{"srid":1234,"x":0,"y":0}})", "SRID"},
      {R"({"$point":{"srid":7203,"x":0,"y":0,"z":1}})", "no \"z\""},
      {R"({"$point":{"srid":9157,"x":0,"y":0}})", "\"z\""},
      {R"({"$when":"now"})", "$when"},
      {R"([{"$date":"2024-01-01"},{"$localdatetime":"2024-01-01T00:00"}])", "one kind"},
  };
  for (const auto& [value, fragment] : bad) {
    CliResult r = run({R"({"ops":[{"op":"create_node"}]})",
                       R"({"ops":[{"op":"create_node","properties":{"p":)" + value + "}}]}"});
    EXPECT_EQ(r.exit_code, 1) << value;
    EXPECT_NE(r.err.find("line 2"), std::string::npos) << value << ": " << r.err;
    EXPECT_NE(r.err.find("'p'"), std::string::npos) << value << ": " << r.err;
    EXPECT_NE(r.err.find(fragment), std::string::npos) << value << ": " << r.err;
  }
  // The good line before each bad one committed, nothing of the bad ones.
  EXPECT_EQ(export_db().nodes.size(), bad.size());
}

TEST_F(CliTest, AKeyMayBeADateOrAPoint) {
  run_ok({R"({"create_key":{"label":"Day","properties":["day"]}})",
          R"({"create_key":{"label":"Place","properties":["at"]}})",
          create_line("Day", json::parse(R"({"day":{"$date":"2024-01-31"}})")),
          create_line("Place", json::parse(R"({"at":{"$point":{"srid":4326,"x":13.4,"y":52.5}}})"))});
  // The same date again breaks the key; another date does not.
  CliResult twice = run({create_line("Day", json::parse(R"({"day":{"$date":"2024-01-31"}})"))});
  EXPECT_EQ(twice.exit_code, 1);
  EXPECT_NE(twice.err.find("2024-01-31"), std::string::npos) << twice.err;
  run_ok({create_line("Day", json::parse(R"({"day":{"$date":"2024-02-01"}})"))});
  // -0.0 is 0.0: one point, one key.
  run_ok({create_line("Place", json::parse(R"({"at":{"$point":{"srid":7203,"x":0.0,"y":1}}})"))});
  CliResult zero = run({create_line("Place", json::parse(R"({"at":{"$point":{"srid":7203,"x":-0.0,"y":1}}})"))});
  EXPECT_EQ(zero.exit_code, 1) << zero.out;

  // A relationship between nodes found by their date and point keys.
  run_ok({R"({"ops":[{"op":"create_relationship","type":"ON","start":{"label":"Place","key":{"at":)"
          R"({"$point":{"srid":4326,"x":13.4,"y":52.5}}}},"end":{"label":"Day","key":{"day":{"$date":"2024-01-31"}}}}]})"});
  Exported exported = export_db();
  ASSERT_EQ(exported.relationships.size(), 1u);
}

class CdcValuesTest : public CliTest {
 protected:
  void SetUp() override {
    CliResult init = run_cli({"init", db_, "--enrichment", "full"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
  }
};

TEST_F(CdcValuesTest, ChangeEventsWriteNeo4jFormsOrTypedObjects) {
  std::string from = run_cli({"cdc", "current", db_}).out;
  from.pop_back();
  run_ok({R"({"create_key":{"label":"Day","properties":["day"]}})",
          create_line("Day", json::parse(R"({"day":{"$date":"2024-01-31"},
            "at":{"$datetime":"2024-01-31T12:30:00+01:00[Europe/Berlin]"},
            "lasts":{"$duration":"PT1.5S"},
            "home":{"$point":{"srid":4326,"x":13.4,"y":52.5}},
            "peak":{"$point":{"srid":9157,"x":1,"y":2,"z":3}}})"))});

  CliResult neo4j = run_cli({"cdc", "query", db_, "--from", from});
  ASSERT_EQ(neo4j.exit_code, 0) << neo4j.err;
  json event = json::parse(split_lines(neo4j.out).at(0))["event"];
  json after = event["state"]["after"]["properties"];
  EXPECT_EQ(after["day"], "2024-01-31");
  EXPECT_EQ(after["at"], "2024-01-31T12:30:00+01:00[Europe/Berlin]");
  EXPECT_EQ(after["lasts"], json::parse(R"({"months":0,"days":0,"seconds":1,"nanoseconds":500000000})"));
  EXPECT_EQ(after["home"], json::parse(R"({"dimension":2,"srid":4326,"x":13.4,"y":52.5,"z":null})"));
  EXPECT_EQ(after["peak"], json::parse(R"({"dimension":3,"srid":9157,"x":1.0,"y":2.0,"z":3.0})"));
  EXPECT_EQ(event["keys"], json::parse(R"({"Day":[{"day":"2024-01-31"}]})"));

  CliResult typed = run_cli({"cdc", "query", db_, "--from", from, "--values", "typed"});
  ASSERT_EQ(typed.exit_code, 0) << typed.err;
  json typed_event = json::parse(split_lines(typed.out).at(0))["event"];
  EXPECT_EQ(typed_event["state"]["after"]["properties"]["day"], json::parse(R"({"$date":"2024-01-31"})"));
  EXPECT_EQ(typed_event["keys"], json::parse(R"({"Day":[{"day":{"$date":"2024-01-31"}}]})"));

  // A key selector on a date.
  CliResult selected = run_cli({"cdc", "query", db_, "--from", from, "--selector",
                                R"({"select":"n","key":{"day":{"$date":"2024-01-31"}}})"});
  ASSERT_EQ(selected.exit_code, 0) << selected.err;
  EXPECT_EQ(split_lines(selected.out).size(), 1u);
  CliResult other_day = run_cli({"cdc", "query", db_, "--from", from, "--selector",
                                 R"({"select":"n","key":{"day":{"$date":"2024-02-01"}}})"});
  ASSERT_EQ(other_day.exit_code, 0) << other_day.err;
  EXPECT_EQ(split_lines(other_day.out).size(), 0u);

  // And on a point: the same point selects, a point of another SRID does not.
  run_ok({R"({"create_key":{"label":"Place","properties":["at"]}})",
          create_line("Place", json::parse(R"({"at":{"$point":{"srid":4326,"x":13.4,"y":52.5}}})"))});
  auto places = [&](const std::string& point) {
    CliResult r = run_cli({"cdc", "query", db_, "--from", from, "--selector",
                           R"({"select":"n","key":{"at":{"$point":)" + point + "}}}"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return split_lines(r.out).size();
  };
  EXPECT_EQ(places(R"({"srid":4326,"x":13.4,"y":52.5})"), 1u);
  EXPECT_EQ(places(R"({"srid":7203,"x":13.4,"y":52.5})"), 0u);

  // A consumer group's poll writes them the same two ways.
  ASSERT_EQ(run_cli({"cdc", "group", "create", db_, "g", "--start", from}).exit_code, 0);
  CliResult polled = run_cli({"cdc", "group", "poll", db_, "g", "--values", "typed"});
  ASSERT_EQ(polled.exit_code, 0) << polled.err;
  json polled_event = json::parse(split_lines(polled.out).at(0))["event"];
  EXPECT_EQ(polled_event["state"]["after"]["properties"]["day"], json::parse(R"({"$date":"2024-01-31"})"));

  CliResult bad = run_cli({"cdc", "query", db_, "--from", from, "--values", "strings"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--values"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace txgraph::testing
