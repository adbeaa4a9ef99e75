// Bulk import of Neo4j's temporal, spatial and char columns (engine/typed_cells.h): every new
// type, alone and as a list, reads back exactly equal to the value parse_*() or Point{...}
// builds; the header's {timezone:...} and {crs:...} options give cells that name no zone or CRS
// theirs; relationship files carry them too; a bad cell or a bad option is refused with
// file:line:column and the column's name, leaving the database as it was; and a key on a date
// property holds across an import.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "test_dir.h"
#include "txgraph/txgraph.h"

namespace txgraph {
namespace {

using testing::TestDir;

constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

Options fast_options() {
  Options o;
  o.durability = Durability::kAsync;
  return o;
}

// Exact equality of one property, printed as text when it fails.
::testing::AssertionResult has(const Properties& properties, const std::string& key, const Value& want) {
  auto it = properties.find(key);
  if (it == properties.end()) return ::testing::AssertionFailure() << "no property " << key;
  if (it->second == want) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << key << " is " << value_text(it->second) << ", not " << value_text(want);
}

Properties node_properties(Database& db, std::uint64_t id) {
  auto node = db.begin_read().get_node(NodeId{id});
  EXPECT_TRUE(node) << "no node " << id;
  return node ? node->properties : Properties{};
}

Properties relationship_properties(Database& db, std::uint64_t id) {
  auto rel = db.begin_read().get_relationship(RelationshipId{id});
  EXPECT_TRUE(rel) << "no relationship " << id;
  return rel ? rel->properties : Properties{};
}

// The message of an import that must be refused with `code`.
std::string refusal(Database& db, const ImportOptions& o, ErrorCode code = ErrorCode::kInvalidArgument) {
  try {
    db.import_csv(o);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "the import was accepted";
  return {};
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(TypedImport, EveryTypeAloneAndAsAListReadsBackExactly) {
  TestDir dir;
  auto db = Database::open(dir.path(), fast_options());
  ImportOptions o;
  o.node_files = {dir.write(
      "nodes.csv",
      "id:ID,born:date,wake:localtime,meet:time,seen:localdatetime,at:datetime,for:duration,home:point,"
      "initial:char,days:date[],spots:point[],:LABEL\n"
      "1,1990-05-17,07:30,12:00+02:00,2024-01-31T12:30:00.5,2024-01-31T12:30:00+01:00[Europe/Berlin],"
      "P1Y2M3DT4H5M6.5S,\"{latitude: 52.5, longitude: 13.4}\",x,1970-01-01;2024-02-29,"
      "\"{srid:4326, x:13.4, y:52.5};{longitude: -0.1, latitude: 51.5}\",Place\n"
      "2,-0044-03-15,23:59:59.999999999,08:15,2024-02-29T00:00,2024-06-01T00:00,PT0S,"
      "\"{x: 1, y: 2, crs: 'cartesian'}\",\xc3\xa9,2024-01-01,\"{x:1,y:2,z:3}\",Place\n"
      "3,,,,,,,\"{x:1,y:2,z:3}\",,,,Place\n")};
  auto notice = db->import_csv(o);
  EXPECT_EQ(notice.nodes, 3u);

  Properties first = node_properties(*db, 1);
  EXPECT_TRUE(has(first, "id", Value("1")));
  EXPECT_TRUE(has(first, "born", Value(parse_date("1990-05-17"))));
  EXPECT_TRUE(has(first, "wake", Value(parse_local_time("07:30"))));
  EXPECT_TRUE(has(first, "wake", Value(LocalTime{(7 * 3600 + 30 * 60) * kNanosPerSecond})));
  EXPECT_TRUE(has(first, "meet", Value(parse_time("12:00+02:00"))));
  EXPECT_TRUE(has(first, "meet", Value(Time{12 * 3600 * kNanosPerSecond, 7200})));
  EXPECT_TRUE(has(first, "seen", Value(parse_local_datetime("2024-01-31T12:30:00.5"))));
  EXPECT_TRUE(has(first, "at", Value(parse_datetime("2024-01-31T12:30:00+01:00[Europe/Berlin]"))));
  EXPECT_TRUE(has(first, "for", Value(parse_iso_duration("P1Y2M3DT4H5M6.5S"))));
  EXPECT_TRUE(has(first, "for", Value(Duration{14, 3, 4 * 3600 + 5 * 60 + 6, 500'000'000})));
  EXPECT_TRUE(has(first, "home", Value(Point{kSridWgs84, 13.4, 52.5, 0})));
  EXPECT_TRUE(has(first, "initial", Value("x")));
  EXPECT_TRUE(has(first, "days", Value(Value::List{Value(Date{0}), Value(parse_date("2024-02-29"))})));
  EXPECT_TRUE(has(first, "spots",
                  Value(Value::List{Value(Point{kSridWgs84, 13.4, 52.5, 0}),
                                    Value(Point{kSridWgs84, -0.1, 51.5, 0})})));

  Properties second = node_properties(*db, 2);
  EXPECT_TRUE(has(second, "born", Value(parse_date("-0044-03-15"))));
  EXPECT_TRUE(has(second, "wake", Value(LocalTime{24 * 3600 * kNanosPerSecond - 1})));
  // A time without an offset, in a column without a timezone option, is at UTC.
  EXPECT_TRUE(has(second, "meet", Value(Time{(8 * 3600 + 15 * 60) * kNanosPerSecond, 0})));
  EXPECT_TRUE(has(second, "seen", Value(parse_local_datetime("2024-02-29T00:00"))));
  // So is a datetime.
  EXPECT_TRUE(has(second, "at", Value(DateTime{1717200000, 0, 0, ""})));
  EXPECT_TRUE(has(second, "at", Value(parse_datetime("2024-06-01T00:00:00Z"))));
  EXPECT_TRUE(has(second, "for", Value(Duration{0, 0, 0, 0})));
  EXPECT_TRUE(has(second, "home", Value(Point{kSridCartesian, 1, 2, 0})));
  EXPECT_TRUE(has(second, "initial", Value(std::string("\xc3\xa9"))));  // one character, two bytes
  EXPECT_TRUE(has(second, "days", Value(Value::List{Value(parse_date("2024-01-01"))})));
  EXPECT_TRUE(has(second, "spots", Value(Value::List{Value(Point{kSridCartesian3D, 1, 2, 3})})));

  // Empty cells are no value.
  Properties third = node_properties(*db, 3);
  EXPECT_EQ(third.size(), 2u);
  EXPECT_TRUE(has(third, "home", Value(Point{kSridCartesian3D, 1, 2, 3})));
}

TEST(TypedImport, HeaderOptionsGiveTheZoneAndTheCrsOfCellsThatNameNone) {
  TestDir dir;
  auto db = Database::open(dir.path(), fast_options());
  ImportOptions o;
  o.node_files = {dir.write("nodes.csv",
                             "id:ID,at:datetime{timezone:Europe/Berlin},t:time{timezone:+01:00},p:point{crs:WGS-84}\n"
                             "1,2024-01-15T10:00,12:00,\"{x:13.4, y:52.5}\"\n"
                             "2,2024-07-01T10:00,12:00Z,\"{x: 1, y: 2, crs: cartesian}\"\n"
                             "3,2024-01-15T10:00+05:00,12:00-03:30,\"{longitude: 13.4, latitude: 52.5}\"\n")};
  db->import_csv(o);
  const std::int64_t noon = 12 * 3600 * kNanosPerSecond;

  // Berlin's offset in winter and in summer, and the zone's name.
  Properties winter = node_properties(*db, 1);
  EXPECT_TRUE(has(winter, "at", Value(DateTime{1705309200, 0, 3600, "Europe/Berlin"})));
  EXPECT_TRUE(has(winter, "at", Value(parse_datetime("2024-01-15T10:00:00+01:00[Europe/Berlin]"))));
  EXPECT_TRUE(has(winter, "t", Value(Time{noon, 3600})));
  EXPECT_TRUE(has(winter, "p", Value(Point{kSridWgs84, 13.4, 52.5, 0})));  // x/y in a WGS-84 column

  Properties summer = node_properties(*db, 2);
  EXPECT_TRUE(has(summer, "at", Value(DateTime{1719820800, 0, 7200, "Europe/Berlin"})));
  EXPECT_TRUE(has(summer, "t", Value(Time{noon, 0})));                   // its own offset
  EXPECT_TRUE(has(summer, "p", Value(Point{kSridCartesian, 1, 2, 0})));  // its own CRS

  // A cell's own offset is kept, without the column's zone.
  Properties own = node_properties(*db, 3);
  EXPECT_TRUE(has(own, "at", Value(DateTime{1705294800, 0, 5 * 3600, ""})));
  EXPECT_TRUE(has(own, "at", Value(parse_datetime("2024-01-15T10:00+05:00"))));
  EXPECT_TRUE(has(own, "t", Value(Time{noon, -(3 * 3600 + 30 * 60)})));
  EXPECT_TRUE(has(own, "p", Value(Point{kSridWgs84, 13.4, 52.5, 0})));
}

// Across Berlin's clock changes: a skipped local time moves forward by the gap, a repeated one
// takes the earlier offset unless the cell gives the later (temporal.h).
TEST(TypedImport, RelationshipFilesCarryDatetimes) {
  TestDir dir;
  auto db = Database::open(dir.path(), fast_options());
  ImportOptions o;
  o.node_files = {dir.write("nodes.csv", "id:ID\n1\n2\n")};
  o.relationship_files = {dir.write("rels.csv",
                                     ":START_ID,:END_ID,:TYPE,since:datetime{timezone:Europe/Berlin},seen:datetime[]\n"
                                     "1,2,KNOWS,2020-03-29T02:30,2024-01-01T00:00Z;2024-01-01T00:00[Asia/Tokyo]\n"
                                     "2,1,KNOWS,2020-10-25T02:30,\n"
                                     "1,1,KNOWS,2020-10-25T02:30+01:00[Europe/Berlin],\n")};
  auto notice = db->import_csv(o);
  EXPECT_EQ(notice.relationships, 3u);
  {
    auto read = db->begin_read();
    auto rel = read.get_relationship(RelationshipId{1});
    ASSERT_TRUE(rel);
    EXPECT_EQ(rel->type, "KNOWS");
    EXPECT_EQ(rel->start, NodeId{1});
    EXPECT_EQ(rel->end, NodeId{2});
  }
  Properties gap = relationship_properties(*db, 1);
  EXPECT_TRUE(has(gap, "since", Value(DateTime{1585445400, 0, 7200, "Europe/Berlin"})));
  auto since = gap.find("since");
  if (since != gap.end()) {
    EXPECT_EQ(to_string(since->second.as_datetime()), "2020-03-29T03:30:00+02:00[Europe/Berlin]");
  }
  EXPECT_TRUE(has(gap, "seen",
                  Value(Value::List{Value(parse_datetime("2024-01-01T00:00Z")),
                                    Value(parse_datetime("2024-01-01T00:00+09:00[Asia/Tokyo]"))})));
  Properties earlier = relationship_properties(*db, 2);
  EXPECT_TRUE(has(earlier, "since", Value(DateTime{1603585800, 0, 7200, "Europe/Berlin"})));
  EXPECT_EQ(earlier.count("seen"), 0u);
  Properties later = relationship_properties(*db, 3);
  EXPECT_TRUE(has(later, "since", Value(DateTime{1603589400, 0, 3600, "Europe/Berlin"})));
}

struct BadCell {
  std::string column;  // the header's field
  std::string good;    // a cell of the row before
  std::string bad;
};

TEST(TypedImport, BadCellsAreNamedAndLeaveTheDatabaseAsItWas) {
  const std::vector<BadCell> cases = {
      {"born:date", "2024-02-29", "2023-02-30"},
      {"wake:localtime", "23:59", "25:00"},
      {"home:point", "\"{latitude: 52.5, longitude: 13.4}\"", "\"{latitude: 95, longitude: 0}\""},
      {"home:point", "\"{x: 1, y: 2}\"", "\"{x: 1, y: 2, w: 3}\""},
      {"home:point", "\"{x: 1, y: 2}\"", "\"{x: 1, y: 2, latitude: 3}\""},
      {"initial:char", "a", "ab"},
      {"arrival:datetime", "2024-01-01T00:00[Europe/Berlin]", "2024-01-01T00:00[Mars/Base]"},
      {"span:duration", "P1D", "P1DT"},
      {"span:duration", "P1D", "PT1H2"},
      {"days:date[]", "2024-01-01;2024-01-02", "2024-01-01;2023-02-30"},
  };
  TestDir dir;
  auto db = Database::open(dir.path(), fast_options());
  {
    auto tx = db->begin_write();
    tx.create_node({"Keep"}, {{"born", Value(parse_date("2000-01-01"))}});
    tx.commit();
  }
  for (const auto& c : cases) {
    SCOPED_TRACE(c.column + " " + c.bad);
    ImportOptions o;
    // The bad cell is on line 3, at column 5.
    std::string text = "id:ID,name," + c.column + "\n1,a," + c.good + "\n2,b," + c.bad + "\n";
    o.node_files = {dir.write("nodes.csv", text)};
    std::string why = refusal(*db, o);
    EXPECT_TRUE(contains(why, "nodes.csv:3:5")) << why;
    EXPECT_TRUE(contains(why, c.column.substr(0, c.column.find(':')))) << why;
    auto status = db->status();
    EXPECT_EQ(status.node_count, 1u);
    EXPECT_TRUE(status.imports.empty());
  }
  // Ids continue as if none of them had run.
  ImportOptions o;
  o.node_files = {dir.write("good.csv", "id:ID,born:date\n1,2024-02-29\n")};
  EXPECT_EQ(db->import_csv(o).first_node_id, 2u);
  EXPECT_TRUE(has(node_properties(*db, 2), "born", Value(parse_date("2024-02-29"))));
}

TEST(TypedImport, BadHeaderOptionsAreNamed) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"arrival:datetime{timezone:Nowhere/City}", "arrival"},
      {"spot:point{crs:mars}", "spot"},
      {"day:date{timezone:UTC}", "day"},
  };
  TestDir dir;
  auto db = Database::open(dir.path(), fast_options());
  for (const auto& [column, name] : cases) {
    SCOPED_TRACE(column);
    ImportOptions o;
    o.node_files = {dir.write("nodes.csv", "id:ID," + column + "\n1,\n")};
    std::string why = refusal(*db, o);
    EXPECT_TRUE(contains(why, "nodes.csv:1:7")) << why;
    EXPECT_TRUE(contains(why, name)) << why;
    EXPECT_EQ(db->begin_read().node_count(), 0u);
  }
}

TEST(TypedImport, AKeyOnADateHoldsAcrossAnImport) {
  TestDir dir;
  auto db = Database::open(dir.path(), fast_options());
  {
    auto tx = db->begin_write();
    tx.create_key({EntityKind::kNode, "Person", {"born"}});
    tx.create_node({"Person"}, {{"born", Value(parse_date("1990-05-17"))}});
    tx.commit();
  }
  ImportOptions o;
  // The date of the node already there.
  o.node_files = {dir.write("nodes.csv", "id:ID,born:date,:LABEL\n1,2000-01-01,Person\n2,1990-05-17,Person\n")};
  std::string why = refusal(*db, o, ErrorCode::kConstraintViolation);
  EXPECT_TRUE(contains(why, "nodes.csv:3")) << why;
  EXPECT_EQ(db->begin_read().node_count(), 1u);
  // Two rows of the import with one date.
  o.node_files = {dir.write("twice.csv", "id:ID,born:date,:LABEL\n1,2000-01-01,Person\n2,2000-01-01,Person\n")};
  why = refusal(*db, o, ErrorCode::kConstraintViolation);
  EXPECT_TRUE(contains(why, "twice.csv:3")) << why;
  EXPECT_EQ(db->begin_read().node_count(), 1u);
  // Another date goes in, and the key finds each node by its date.
  o.node_files = {dir.write("fine.csv", "id:ID,born:date,:LABEL\n1,2000-01-01,Person\n")};
  EXPECT_EQ(db->import_csv(o).nodes, 1u);
  auto read = db->begin_read();
  EXPECT_EQ(read.node_count(), 2u);
  EXPECT_EQ(read.find_node("Person", {{"born", Value(parse_date("1990-05-17"))}}), NodeId{1});
  EXPECT_EQ(read.find_node("Person", {{"born", Value(parse_date("2000-01-01"))}}), NodeId{2});
}

}  // namespace
}  // namespace txgraph
