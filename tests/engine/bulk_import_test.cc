// Bulk import: CSV in Neo4j's admin-import format, straight into the store, all or nothing,
// invisible to change data capture but told of by a notice in the log.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <memory>

#include "test_dir.h"
#include "txgraph/txgraph.h"
#include "txlog/file.h"
#include "txlog/log_directory.h"
#include "txlog/segment_reader.h"
#include "txlog/tx_record.h"

namespace txgraph {
namespace {

using testing::TestDir;

Options diff_options() {
  Options o;
  o.durability = Durability::kAsync;
  o.initial_settings.enrichment = EnrichmentMode::kDiff;
  return o;
}

const char* kNodes =
    "id:ID(Person),name,age:int,score:double,active:boolean,tags:string[],:LABEL\n"
    "1,Ann,30,1.5,true,a;b,Person\n"
    "2,\"Bob, \"\"Jr.\"\"\",,,false,,Person;Admin\n"
    "3,\"two\nlines\",41,-2,TRUE,x,Person\n";
const char* kRelationships =
    ":START_ID(Person),:END_ID(Person),:TYPE,since:int\n"
    "1,2,KNOWS,2020\n"
    "2,3,LIKES,\n";

std::vector<txlog::ImportNoticeRecord> notices_in_log(const TestDir& dir) {
  std::vector<txlog::ImportNoticeRecord> out;
  for (const auto& seg : txlog::list_segments((dir / "txlog").string())) {
    txlog::SegmentReader reader(seg.path);
    txlog::Frame frame;
    while (reader.next(&frame) == txlog::SegmentReader::Next::kRecord)
      if (frame.type == txlog::RecordType::kImportNotice) out.push_back(txlog::decode_import_notice(frame.payload));
  }
  return out;
}

TEST(BulkImport, NodesAndRelationshipsAreReadableThroughTheApi) {
  TestDir dir;
  auto db = Database::open(dir.path(), diff_options());
  {
    auto tx = db->begin_write();
    tx.create_node({"Existing"}, {});
    tx.commit();
  }
  ImportOptions o;
  o.node_files = {dir.write("nodes.csv", kNodes)};
  o.relationship_files = {dir.write("rels.csv", kRelationships)};
  auto notice = db->import_csv(o);
  EXPECT_EQ(notice.nodes, 3u);
  EXPECT_EQ(notice.relationships, 2u);
  EXPECT_EQ(notice.first_node_id, 2u);  // after the existing node
  EXPECT_EQ(notice.import_number, 1u);

  auto read = db->begin_read();
  EXPECT_EQ(read.node_count(), 4u);
  EXPECT_EQ(read.relationship_count(), 2u);
  auto ann = read.get_node(NodeId{2});
  ASSERT_TRUE(ann);
  EXPECT_EQ(ann->labels, (std::vector<std::string>{"Person"}));
  EXPECT_EQ(ann->properties.at("id"), Value("1"));
  EXPECT_EQ(ann->properties.at("age"), Value(30));
  EXPECT_EQ(ann->properties.at("score"), Value(1.5));
  EXPECT_EQ(ann->properties.at("active"), Value(true));
  EXPECT_EQ(ann->properties.at("tags"), Value(Value::List{"a", "b"}));
  auto bob = read.get_node(NodeId{3});
  EXPECT_EQ(bob->labels, (std::vector<std::string>{"Admin", "Person"}));
  EXPECT_EQ(bob->properties.at("name"), Value("Bob, \"Jr.\""));
  EXPECT_EQ(bob->properties.count("age"), 0u);  // empty field: no value
  EXPECT_EQ(read.get_node(NodeId{4})->properties.at("name"), Value("two\nlines"));
  EXPECT_EQ(read.get_node(NodeId{4})->properties.at("score"), Value(-2.0));
  auto knows = read.relationships_of(NodeId{2}, Direction::kOutgoing, "KNOWS");
  ASSERT_EQ(knows.size(), 1u);
  auto rel = read.get_relationship(knows[0]);
  EXPECT_EQ(rel->end, NodeId{3});
  EXPECT_EQ(rel->properties.at("since"), Value(2020));
  EXPECT_EQ(read.nodes_with_label("Admin"), (std::vector<NodeId>{NodeId{3}}));
}

TEST(BulkImport, ChangeCaptureDoesNotSeeTheImportButSeesWhatFollows) {
  TestDir dir;
  auto db = Database::open(dir.path(), diff_options());
  ChangeStream stream(*db);
  auto before = stream.current();
  ImportOptions o;
  o.node_files = {dir.write("nodes.csv", kNodes)};
  o.relationship_files = {dir.write("rels.csv", kRelationships)};
  db->import_csv(o);
  EXPECT_TRUE(stream.query(before).empty());
  {
    auto tx = db->begin_write();
    tx.set_node_properties(NodeId{1}, {{"age", Value(31)}});
    tx.commit();
  }
  auto events = stream.query(before);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].element_id, "n:1");
  EXPECT_EQ(events[0].operation, ChangeOperation::kUpdate);
}

// An import is reported once along a chain of positions: by the query that reads the first
// transaction after it from its beginning, whatever the selectors select.
TEST(BulkImport, TheQueryThatPassesAnImportReportsItOnce) {
  TestDir dir;
  auto db = Database::open(dir.path(), diff_options());
  ChangeStream stream(*db);
  create_consumer_group(stream, "follower", ConsumerGroupOptions{});
  auto before = stream.current();
  auto import_one = [&](const std::string& name) {
    ImportOptions o;
    o.node_files = {dir.write(name, "id:ID,name\n" + name + ",x\n")};
    return db->import_csv(o);
  };
  auto create = [&](int nodes) {
    auto tx = db->begin_write();
    for (int i = 0; i < nodes; ++i) tx.create_node({"N"}, {});
    tx.commit();
  };
  auto query = [&](const std::string& from, std::vector<ChangeSelector> selectors = {}, std::uint64_t limit = 100) {
    return stream.query(from, selectors, [](const ChangeEvent&) { return true; }, limit);
  };
  import_one("a.csv");
  // No transaction after it yet: nothing has passed it.
  QueryResult nothing_yet = query(before);
  EXPECT_TRUE(nothing_yet.imports.empty());
  EXPECT_EQ(nothing_yet.position, before);
  create(1);
  QueryResult first = query(before);
  ASSERT_EQ(first.imports.size(), 1u);
  EXPECT_EQ(first.imports[0].import_number, 1u);
  EXPECT_EQ(first.imports[0].nodes, 1u);
  EXPECT_EQ(first.events, 1u);
  EXPECT_TRUE(query(first.position).imports.empty());
  EXPECT_EQ(query(before).imports.size(), 1u) << "the same position passes the same import";

  // Two imports in a row, passed by a query whose selector selects none of the changes.
  import_one("b.csv");
  import_one("c.csv");
  create(2);
  ChangeSelector none;
  none.select = ChangeSelector::Select::kRelationship;
  QueryResult unselected = query(first.position, {none});
  EXPECT_EQ(unselected.events, 0u);
  ASSERT_EQ(unselected.imports.size(), 2u);
  EXPECT_EQ(unselected.imports[0].import_number, 2u);
  EXPECT_EQ(unselected.imports[1].import_number, 3u);

  // A position inside the transaction after an import is past the import.
  import_one("d.csv");
  create(2);
  QueryResult half = query(unselected.position, {}, 1);
  ASSERT_EQ(half.imports.size(), 1u);
  EXPECT_EQ(half.imports[0].import_number, 4u);
  QueryResult rest = query(half.position);
  EXPECT_EQ(rest.events, 1u);
  EXPECT_TRUE(rest.imports.empty());

  // A consumer group's poll carries them too.
  Consumer follower(stream, "follower");
  std::vector<std::uint64_t> seen;
  for (int i = 0; i < 10; ++i) {
    auto batch = follower.poll(2);
    for (const auto& n : batch.imports) seen.push_back(n.import_number);
    if (batch.empty() && batch.imports.empty()) break;
  }
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{1, 2, 3, 4}));
}

TEST(BulkImport, TheLogAndTheStatusTellOfEveryImportOnce) {
  TestDir dir;
  {
    auto db = Database::open(dir.path(), diff_options());
    ImportOptions o;
    o.node_files = {dir.write("nodes.csv", kNodes)};
    db->import_csv(o);
    auto status = db->status();
    ASSERT_EQ(status.imports.size(), 1u);
    EXPECT_EQ(status.imports[0].nodes, 3u);
    EXPECT_EQ(status.imports[0].files, (std::vector<std::string>{(dir / "nodes.csv").string()}));
  }
  // Reopening does not write the notice again.
  auto db = Database::open(dir.path(), diff_options());
  auto notices = notices_in_log(dir);
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_EQ(notices[0].nodes, 3u);
  EXPECT_EQ(notices[0].relationships, 0u);
  EXPECT_EQ(notices[0].first_node_id, 1u);
  EXPECT_EQ(db->status().imports.size(), 1u);
  EXPECT_EQ(db->begin_read().node_count(), 3u);  // and the data survived the close
}

TEST(BulkImport, KeyConstraintsAreEnforced) {
  TestDir dir;
  auto db = Database::open(dir.path(), diff_options());
  {
    auto tx = db->begin_write();
    tx.create_key({EntityKind::kNode, "Person", {"id"}});
    tx.create_node({"Person"}, {{"id", Value("2")}});
    tx.commit();
  }
  ImportOptions o;
  o.node_files = {dir.write("nodes.csv", kNodes)};
  try {
    db->import_csv(o);
    FAIL() << "a duplicate key was imported";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kConstraintViolation);
    EXPECT_NE(std::string(e.what()).find("nodes.csv:3"), std::string::npos) << e.what();
  }
  auto read = db->begin_read();
  EXPECT_EQ(read.node_count(), 1u);
  EXPECT_EQ(read.find_node("Person", {{"id", Value("2")}}), NodeId{1});
}

struct BadInput {
  const char* name;
  std::string nodes;
  std::string relationships;
  std::string where;  // file:line:column the message must name
};

TEST(BulkImport, BadInputIsNamedAndLeavesTheDatabaseAsItWas) {
  const std::vector<BadInput> cases = {
      {"unknown type", "id:ID,age:integer\n1,3\n", "", "nodes.csv:1:7"},
      {"not an integer", "id:ID,age:int\n1,3\n2,x\n", "", "nodes.csv:3:3"},
      {"not a boolean", "id:ID,ok:boolean\n1,yes\n", "", "nodes.csv:2:3"},
      {"missing id", "id:ID,name\n1,a\n,b\n", "", "nodes.csv:3:1"},
      {"duplicate id", "id:ID,name\n1,a\n1,b\n", "", "nodes.csv:3:1"},
      {"unknown relationship end", "id:ID\n1\n2\n", ":START_ID,:END_ID,:TYPE\n1,2,R\n1,7,R\n", "rels.csv:3:3"},
      {"missing type", "id:ID\n1\n", ":START_ID,:END_ID,:TYPE\n1,1,\n", "rels.csv:2:"},
      {"broken quote", "id:ID,name\n1,\"open\n2,b\n", "", "nodes.csv:2:3"},
      {"text after a quote", "id:ID,name\n1,\"a\"b\n", "", "nodes.csv:2:6"},
      {"too many fields", "id:ID,name\n1,a,b\n", "", "nodes.csv:2:"},
      {"relationship columns in a nodes file", ":START_ID,name\n1,a\n", "", "nodes.csv:1:1"},
      {"empty file", "", "", "nodes.csv:1:1"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    TestDir dir;
    auto db = Database::open(dir.path(), diff_options());
    {
      auto tx = db->begin_write();
      tx.create_node({"Keep"}, {{"k", Value(1)}});
      tx.commit();
    }
    ImportOptions o;
    o.node_files = {dir.write("nodes.csv", c.nodes)};
    if (!c.relationships.empty()) o.relationship_files = {dir.write("rels.csv", c.relationships)};
    try {
      db->import_csv(o);
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      EXPECT_NE(std::string(e.what()).find(c.where), std::string::npos) << e.what();
    }
    auto status = db->status();
    EXPECT_EQ(status.node_count, 1u);
    EXPECT_EQ(status.relationship_count, 0u);
    EXPECT_TRUE(status.imports.empty());
    EXPECT_TRUE(notices_in_log(dir).empty());
    // Ids continue as if the import never ran, and the database takes writes.
    auto tx = db->begin_write();
    EXPECT_EQ(tx.create_node({"After"}, {}), NodeId{2});
    tx.commit();
  }
}

// The process dies after the checkpoint that makes the import durable, at the write of its
// notice to the log (or after it, before the store clears its mark): the next open has the
// import and appends the notice, once.
TEST(BulkImport, ACrashBeforeTheNoticeIsWrittenLeavesTheNextOpenToWriteIt) {
  for (int crash_at_write : {2, 3}) {
    SCOPED_TRACE(crash_at_write);
    TestDir dir;
    auto nodes = dir.write("nodes.csv", kNodes);
    pid_t pid = ::fork();
    if (pid == 0) {
      auto db = Database::open(dir.path(), diff_options());
      ImportOptions o;
      o.node_files = {nodes};
      // Writes to the log during the import: 1 the checkpoint record, 2 the notice. A crash at
      // "write 3" means after the notice reached the file (the import returns, then the child
      // dies before anything else is synced).
      auto writes = std::make_shared<int>(0);
      txlog::set_fault_hook([writes, crash_at_write](txlog::IoOp op, const std::string& path, std::size_t*) {
        if (op == txlog::IoOp::kWrite && path.ends_with(".seg") && ++*writes == crash_at_write) ::_exit(0);
        return 0;
      });
      db->import_csv(o);
      ::_exit(crash_at_write == 3 ? 0 : 3);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the child must die at the notice";
    auto db = Database::open(dir.path(), diff_options());
    EXPECT_EQ(db->begin_read().node_count(), 3u);
    EXPECT_EQ(db->status().imports.size(), 1u);
    auto notices = notices_in_log(dir);
    ASSERT_EQ(notices.size(), 1u);
    EXPECT_EQ(notices[0].nodes, 3u);
    db.reset();
    // And a second open does not add another.
    auto again = Database::open(dir.path(), diff_options());
    EXPECT_EQ(notices_in_log(dir).size(), 1u);
  }
}

TEST(BulkImport, DelimitersIntegerIdsAndProgressAreAsAsked) {
  TestDir dir;
  auto db = Database::open(dir.path(), diff_options());
  ImportOptions o;
  o.node_files = {dir.write("nodes.tsv", "id:ID\ttags:string[]\t:LABEL\n7\ta|b\tPerson|Admin\n8\tc\tPerson\n")};
  o.relationship_files = {dir.write("rels.tsv", ":START_ID\t:END_ID\t:TYPE\n7\t8\tKNOWS\n")};
  o.delimiter = '\t';
  o.array_delimiter = '|';
  o.id_type = ImportOptions::IdType::kInteger;
  std::vector<ImportProgress> progress;
  o.on_progress = [&](const ImportProgress& p) { progress.push_back(p); };
  db->import_csv(o);
  auto read = db->begin_read();
  auto first = read.get_node(NodeId{1});
  ASSERT_TRUE(first);
  EXPECT_EQ(first->properties.at("id"), Value(7));  // an integer, not the text "7"
  EXPECT_EQ(first->properties.at("tags"), Value(Value::List{"a", "b"}));
  EXPECT_EQ(first->labels, (std::vector<std::string>{"Admin", "Person"}));
  EXPECT_EQ(read.relationships_of(NodeId{1}, Direction::kOutgoing, "KNOWS").size(), 1u);
  // At least the closing report, which says every row and byte was read.
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back().rows, 3u);
  EXPECT_EQ(progress.back().bytes_read, progress.back().total_bytes);
  EXPECT_GT(progress.back().total_bytes, 0u);
}

TEST(BulkImport, IntegerIdsRefuseText) {
  TestDir dir;
  auto db = Database::open(dir.path(), diff_options());
  ImportOptions o;
  o.node_files = {dir.write("nodes.csv", "id:ID\n1\nx2\n")};
  o.id_type = ImportOptions::IdType::kInteger;
  try {
    db->import_csv(o);
    FAIL() << "a text id was stored as an integer";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("nodes.csv:3:1"), std::string::npos) << e.what();
  }
  EXPECT_EQ(db->begin_read().node_count(), 0u);
}

TEST(BulkImport, AMissingFileIsNotFound) {
  TestDir dir;
  auto db = Database::open(dir.path(), diff_options());
  ImportOptions o;
  o.node_files = {dir / "nowhere.csv"};
  try {
    db->import_csv(o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_NE(std::string(e.what()).find("nowhere.csv"), std::string::npos);
  }
}

}  // namespace
}  // namespace txgraph
