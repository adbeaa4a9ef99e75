// Selectors (cdc/selector.h) and their JSON (parse_change_selector) against a fixed set of
// change records: each table row is a selector list and the exact set of changes it selects,
// matched against the decoded records and against the same records read in place (as the
// change reader matches them, before it decodes anything), creates also written by reference
// to their operations.
#include "cdc/selector.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cdc/json_values.h"
#include "txlog/tx_record_view.h"

namespace txgraph::cdc {
namespace {

using LogOperation = txlog::ChangeOperation;

struct Fixture {
  txlog::TxHeader header;
  txlog::Change change;
};

// Indices into fixtures().
enum : int { kNodeCreate, kNodeUpdate, kNodeDelete, kRelCreate, kRelUpdate, kRelDelete, kFixtureCount };

txlog::TxHeader alice_crm() {
  txlog::TxHeader header;
  header.tx_id = 10;
  header.user = "alice";
  header.authenticated_user = "alice";
  header.metadata = {{"app", "crm"}};
  return header;
}

// The authenticated user differs from the executing one, so that the two fields are told apart.
txlog::TxHeader bob_etl() {
  txlog::TxHeader header;
  header.tx_id = 11;
  header.user = "bob";
  header.authenticated_user = "carol";
  header.metadata = {{"app", "etl"}, {"batch", 7}};
  return header;
}

txlog::NodeReference ann() { return {1, {"Person"}, {{"Person", {{"id", 1}}}}}; }
txlog::NodeReference bo() { return {2, {"Person", "Staff"}, {{"Person", {{"id", 2}}}}}; }
txlog::NodeReference acme() { return {3, {"Company"}, {{"Company", {{"name", "Acme"}}}}}; }

txlog::Change node_change(LogOperation operation, const txlog::NodeReference& node) {
  txlog::Change change;
  change.entity = txlog::ChangeEntity::kNode;
  change.operation = operation;
  change.id = node.id;
  change.labels = node.labels;
  change.keys = node.keys;
  return change;
}

txlog::Change relationship_change(LogOperation operation, std::uint64_t id, std::string type,
                                  const txlog::NodeReference& start, const txlog::NodeReference& end,
                                  std::int64_t rid) {
  txlog::Change change;
  change.entity = txlog::ChangeEntity::kRelationship;
  change.operation = operation;
  change.id = id;
  change.type = std::move(type);
  change.start = start;
  change.end = end;
  change.keys = {{"", {{"rid", rid}}}};
  return change;
}

std::vector<Fixture> make_fixtures() {
  std::vector<Fixture> f(kFixtureCount);
  f[kNodeCreate] = {alice_crm(), node_change(LogOperation::kCreate, ann())};
  f[kNodeCreate].change.after = txlog::EntityState{{"Person"}, {{"id", 1}, {"name", "Ann"}}};

  // DIFF: Admin removed and Staff added; age changed and nick removed.
  f[kNodeUpdate] = {bob_etl(), node_change(LogOperation::kUpdate, bo())};
  f[kNodeUpdate].change.before = txlog::EntityState{{"Admin"}, {{"age", 30}, {"nick", "Bo"}}};
  f[kNodeUpdate].change.after = txlog::EntityState{{"Staff"}, {{"age", 31}}};

  f[kNodeDelete] = {alice_crm(), node_change(LogOperation::kDelete, acme())};
  f[kNodeDelete].change.before = txlog::EntityState{{"Company"}, {{"name", "Acme"}}};

  f[kRelCreate] = {alice_crm(), relationship_change(LogOperation::kCreate, 1, "KNOWS", ann(), bo(), 10)};
  f[kRelCreate].change.after = txlog::EntityState{{}, {{"rid", 10}, {"since", 2020}}};

  // FULL: weight is in both states with the same value, so it did not change.
  f[kRelUpdate] = {bob_etl(), relationship_change(LogOperation::kUpdate, 2, "WORKS_AT", bo(), acme(), 20)};
  f[kRelUpdate].change.before = txlog::EntityState{{}, {{"rid", 20}, {"since", 2019}, {"weight", 1.0}}};
  f[kRelUpdate].change.after = txlog::EntityState{{}, {{"rid", 20}, {"since", 2021}, {"weight", 1.0}}};

  f[kRelDelete] = {bob_etl(), relationship_change(LogOperation::kDelete, 3, "KNOWS", bo(), ann(), 30)};
  f[kRelDelete].change.before = txlog::EntityState{{}, {{"rid", 30}, {"since", 2000}, {"weight", 0.5}}};
  return f;
}

const std::vector<Fixture>& fixtures() {
  static const std::vector<Fixture> all = make_fixtures();
  return all;
}

// Parses a JSON array of selectors one by one, so that every row goes through the parser.
std::vector<ChangeSelector> parse_list(const std::string& list) {
  std::vector<ChangeSelector> selectors;
  for (const json::Json& item : json::Json::parse(list)) selectors.push_back(parse_change_selector(item.dump()));
  return selectors;
}

std::set<int> selected_by(const SelectorSet& set) {
  std::set<int> selected;
  for (int i = 0; i < kFixtureCount; ++i) {
    const Fixture& f = fixtures()[static_cast<std::size_t>(i)];
    if (!set.selects(f.header, f.change)) continue;
    selected.insert(i);
    // The reader skips a whole transaction on may_select_transaction(): it must never hide a
    // change that selects() would take.
    EXPECT_TRUE(set.may_select_transaction(f.header)) << "fixture " << i;
  }
  return selected;
}

struct SelectRow {
  const char* selectors;
  std::set<int> selected;
};

const std::set<int> kAll{kNodeCreate, kNodeUpdate, kNodeDelete, kRelCreate, kRelUpdate, kRelDelete};

const SelectRow kSelectRows[] = {
    // The empty list, and selectors with no condition.
    {R"([])", kAll},
    {R"([{}])", kAll},
    {R"([{"select":"e"}])", kAll},
    {R"([{"select":"n"}])", {kNodeCreate, kNodeUpdate, kNodeDelete}},
    {R"([{"select":"r"}])", {kRelCreate, kRelUpdate, kRelDelete}},
    // operation
    {R"([{"operation":"c"}])", {kNodeCreate, kRelCreate}},
    {R"([{"operation":"u"}])", {kNodeUpdate, kRelUpdate}},
    {R"([{"operation":"d"}])", {kNodeDelete, kRelDelete}},
    // changesTo: a create changes what it sets, a delete what it had, a removal counts, an
    // equal value in both states does not.
    {R"([{"changesTo":["name"]}])", {kNodeCreate, kNodeDelete}},
    {R"([{"changesTo":["nick"]}])", {kNodeUpdate}},
    {R"([{"changesTo":["age","nick"]}])", {kNodeUpdate}},
    {R"([{"changesTo":["age","name"]}])", {}},
    {R"([{"changesTo":["since"]}])", {kRelCreate, kRelUpdate, kRelDelete}},
    {R"([{"changesTo":["rid"]}])", {kRelCreate, kRelDelete}},
    {R"([{"changesTo":["weight"]}])", {kRelDelete}},
    {R"([{"select":"r","changesTo":["nowhere"]}])", {}},
    // executingUser, authenticatedUser
    {R"([{"executingUser":"alice"}])", {kNodeCreate, kNodeDelete, kRelCreate}},
    {R"([{"executingUser":"bob"}])", {kNodeUpdate, kRelUpdate, kRelDelete}},
    {R"([{"executingUser":"carol"}])", {}},
    {R"([{"authenticatedUser":"carol"}])", {kNodeUpdate, kRelUpdate, kRelDelete}},
    {R"([{"authenticatedUser":"alice"}])", {kNodeCreate, kNodeDelete, kRelCreate}},
    {R"([{"authenticatedUser":"bob"}])", {}},
    // txMetadata: every entry must match
    {R"([{"txMetadata":{"app":"crm"}}])", {kNodeCreate, kNodeDelete, kRelCreate}},
    {R"([{"txMetadata":{"batch":7}}])", {kNodeUpdate, kRelUpdate, kRelDelete}},
    {R"([{"txMetadata":{"app":"etl","batch":7}}])", {kNodeUpdate, kRelUpdate, kRelDelete}},
    {R"([{"txMetadata":{"app":"etl","batch":8}}])", {}},
    {R"([{"txMetadata":{"app":"crm","batch":7}}])", {}},
    // elementId, per kind and under "e" (where "n:1" and "r:1" must not be confused)
    {R"([{"select":"n","elementId":"n:2"}])", {kNodeUpdate}},
    {R"([{"select":"r","elementId":"r:1"}])", {kRelCreate}},
    {R"([{"elementId":"n:1"}])", {kNodeCreate}},
    {R"([{"elementId":"r:1"}])", {kRelCreate}},
    {R"([{"select":"e","elementId":"r:3"}])", {kRelDelete}},
    {R"([{"select":"n","elementId":"n:9"}])", {}},
    // key, for nodes and relationships
    {R"([{"select":"n","key":{"id":1}}])", {kNodeCreate}},
    {R"([{"key":{"name":"Acme"}}])", {kNodeDelete}},
    {R"([{"select":"r","key":{"rid":20}}])", {kRelUpdate}},
    {R"([{"key":{"rid":30}}])", {kRelDelete}},
    {R"([{"select":"n","key":{"id":1,"name":"Ann"}}])", {}},
    {R"([{"select":"n","key":{"id":"1"}}])", {}},
    // labels: at commit, or only in a state (Admin was removed by the update)
    {R"([{"select":"n","labels":["Person"]}])", {kNodeCreate, kNodeUpdate}},
    {R"([{"select":"n","labels":["Admin"]}])", {kNodeUpdate}},
    {R"([{"select":"n","labels":["Person","Admin"]}])", {kNodeUpdate}},
    {R"([{"select":"n","labels":["Company"]}])", {kNodeDelete}},
    {R"([{"select":"n","labels":["Person","Company"]}])", {}},
    {R"([{"labels":["Person"]}])", {kNodeCreate, kNodeUpdate}},
    // type
    {R"([{"select":"r","type":"KNOWS"}])", {kRelCreate, kRelDelete}},
    {R"([{"select":"r","type":"WORKS_AT"}])", {kRelUpdate}},
    {R"([{"type":"KNOWS"}])", {kRelCreate, kRelDelete}},
    // start / end: elementId, labels, key
    {R"([{"select":"r","start":{"elementId":"n:2"}}])", {kRelUpdate, kRelDelete}},
    {R"([{"select":"r","start":{"labels":["Staff"]}}])", {kRelUpdate, kRelDelete}},
    {R"([{"select":"r","start":{"labels":["Person"]}}])", {kRelCreate, kRelUpdate, kRelDelete}},
    {R"([{"select":"r","start":{"key":{"id":1}}}])", {kRelCreate}},
    {R"([{"select":"r","start":{"elementId":"n:1","labels":["Person"],"key":{"id":1}}}])", {kRelCreate}},
    {R"([{"select":"r","start":{"elementId":"n:1","labels":["Staff"]}}])", {}},
    {R"([{"select":"r","end":{"elementId":"n:1"}}])", {kRelDelete}},
    {R"([{"select":"r","end":{"labels":["Company"]}}])", {kRelUpdate}},
    {R"([{"select":"r","end":{"key":{"name":"Acme"}}}])", {kRelUpdate}},
    {R"([{"select":"r","start":{"elementId":"n:2"},"end":{"elementId":"n:1"}}])", {kRelDelete}},
    {R"([{"end":{"elementId":"n:2"}}])", {kRelCreate}},
    // AND inside a selector
    {R"([{"select":"r","type":"KNOWS","operation":"d"}])", {kRelDelete}},
    {R"([{"executingUser":"alice","operation":"c"}])", {kNodeCreate, kRelCreate}},
    {R"([{"select":"n","executingUser":"bob"}])", {kNodeUpdate}},
    {R"([{"select":"n","labels":["Person"],"changesTo":["age"]}])", {kNodeUpdate}},
    {R"([{"select":"n","operation":"c","key":{"id":2}}])", {}},
    // OR across selectors
    {R"([{"select":"n","operation":"c"},{"select":"r","operation":"d"}])", {kNodeCreate, kRelDelete}},
    {R"([{"elementId":"n:3"},{"elementId":"r:2"}])", {kNodeDelete, kRelUpdate}},
    {R"([{"labels":["Admin"]},{"type":"KNOWS"}])", {kNodeUpdate, kRelCreate, kRelDelete}},
    {R"([{"operation":"c"},{"select":"n"}])", {kNodeCreate, kNodeUpdate, kNodeDelete, kRelCreate}},
    {R"([{"executingUser":"carol"},{"elementId":"r:1"}])", {kRelCreate}},
};

TEST(SelectorTest, SelectsExactlyTheChangesOfEachRow) {
  for (const SelectRow& row : kSelectRows) {
    SCOPED_TRACE(row.selectors);
    SelectorSet set(parse_list(row.selectors));
    EXPECT_EQ(selected_by(set), row.selected);
  }
}

// A fixture as the log writes it: a DIFF record of its transaction holding its one change. A
// create by reference has no after-state in the change but a create operation that gives it,
// as the commit path writes creates.
std::string record_of(const Fixture& fixture, bool create_by_reference) {
  txlog::TxHeader header = fixture.header;
  header.capture_mode = txlog::CaptureMode::kDiff;
  txlog::Change change = fixture.change;
  std::string ops;
  txlog::ByteWriter op_writer(ops);
  if (create_by_reference) {
    header.op_count = 1;
    if (change.entity == txlog::ChangeEntity::kNode)
      txlog::encode_create_node(op_writer, change.id, change.after->labels, change.after->properties);
    else
      txlog::encode_create_relationship(op_writer, change.id, change.type, change.start.id, change.end.id,
                                        change.after->properties);
    change.after_from_operations = true;
  }
  std::string payload;
  txlog::encode_tx_header(payload, header);
  txlog::ByteWriter w(payload);
  w.raw(ops);
  txlog::encode_enrichment(w, txlog::Enrichment{1, {change}});
  return payload;
}

TEST(SelectorTest, RecordsReadInPlaceSelectExactlyWhatDecodedRecordsSelect) {
  for (const SelectRow& row : kSelectRows) {
    SCOPED_TRACE(row.selectors);
    SelectorSet set(parse_list(row.selectors));
    for (int i = 0; i < kFixtureCount; ++i) {
      const Fixture& fixture = fixtures()[static_cast<std::size_t>(i)];
      for (bool by_reference : {false, true}) {
        if (by_reference && fixture.change.operation != LogOperation::kCreate) continue;
        SCOPED_TRACE(::testing::Message() << "fixture " << i << (by_reference ? ", create by reference" : ""));
        std::string payload = record_of(fixture, by_reference);
        bool want = row.selected.count(i) > 0;
        txlog::TxRecord decoded = txlog::decode_tx_record(payload);
        EXPECT_EQ(set.selects(decoded.header, decoded.enrichment->changes[0]), want);
        txlog::TxRecordView view;
        view.read(payload);
        EXPECT_EQ(set.selects(view, 0), want);
        // The reader passes a record by on this alone: it must never hide a selected change.
        if (want) {
          EXPECT_TRUE(set.may_select_transaction(txlog::read_tx_header_view(payload), payload));
        }
        // From the bytes alone (the header read only for selectors on users or metadata):
        // the same answer.
        EXPECT_EQ(set.may_select_transaction(payload),
                  set.may_select_transaction(txlog::read_tx_header_view(payload), payload));
      }
    }
  }
}

// A created entity's operations in one transaction can add and take away labels and
// properties: what they leave at commit is what a selector sees.
TEST(SelectorTest, CreatesByReferenceMatchWhatTheirOperationsLeave) {
  txlog::TxHeader header = alice_crm();
  header.capture_mode = txlog::CaptureMode::kDiff;
  header.op_count = 6;
  std::string payload;
  txlog::encode_tx_header(payload, header);
  txlog::ByteWriter w(payload);
  txlog::encode_create_node(w, 7, {"Temp", "Person"}, {{"id", 7}, {"draft", true}, {"nil", Value()}});
  txlog::encode_names(w, txlog::OpCode::kRemoveLabels, 7, {"Temp"});
  txlog::encode_names(w, txlog::OpCode::kAddLabels, 7, {"Admin"});
  txlog::encode_set_properties(w, txlog::OpCode::kSetNodeProperties, 7, {{"age", 40}, {"id", Value()}});
  txlog::encode_names(w, txlog::OpCode::kRemoveNodeProperties, 7, {"draft"});
  txlog::encode_set_properties(w, txlog::OpCode::kSetNodeProperties, 8, {{"other", 1}});  // another node
  txlog::Change change = node_change(LogOperation::kCreate, {7, {}, {}});
  change.after_from_operations = true;
  txlog::encode_enrichment(w, txlog::Enrichment{1, {change}});

  txlog::TxRecord decoded = txlog::decode_tx_record(payload);
  ASSERT_EQ(decoded.enrichment->changes[0].after->properties, (Properties{{"age", 40}}));
  txlog::TxRecordView view;
  view.read(payload);
  const std::pair<const char*, bool> rows[] = {
      {R"([{"labels":["Person"]}])", true},   {R"([{"labels":["Admin","Person"]}])", true},
      {R"([{"labels":["Temp"]}])", false},    {R"([{"changesTo":["age"]}])", true},
      {R"([{"changesTo":["id"]}])", false},   {R"([{"changesTo":["draft"]}])", false},
      {R"([{"changesTo":["nil"]}])", false},  {R"([{"changesTo":["other"]}])", false},
      {R"([{"elementId":"n:7","operation":"c"}])", true},
  };
  for (const auto& [selectors, want] : rows) {
    SCOPED_TRACE(selectors);
    SelectorSet set(parse_list(selectors));
    EXPECT_EQ(set.selects(decoded.header, decoded.enrichment->changes[0]), want);
    EXPECT_EQ(set.selects(view, 0), want);
  }
}

TEST(SelectorTest, RecordsWithoutTheNamesASelectorNeedsArePassedBy) {
  std::string payload = record_of(fixtures()[kNodeUpdate], false);
  txlog::TxHeaderView header = txlog::read_tx_header_view(payload);
  auto passes = [&](const char* selectors) {
    return SelectorSet(parse_list(selectors)).may_select_transaction(header, payload);
  };
  EXPECT_TRUE(passes(R"([{"labels":["Staff"]}])"));
  EXPECT_FALSE(passes(R"([{"labels":["Rare"]}])"));
  EXPECT_FALSE(passes(R"([{"select":"r","type":"LIKES"}])"));
  EXPECT_FALSE(passes(R"([{"changesTo":["height"]}])"));
  EXPECT_FALSE(passes(R"([{"key":{"sku":1}}])"));
  EXPECT_FALSE(passes(R"([{"select":"r","start":{"labels":["Rare"]}}])"));
  // Any selector of a list may pass it; one without names always does.
  EXPECT_TRUE(passes(R"([{"labels":["Rare"]},{"labels":["Admin"]}])"));
  EXPECT_TRUE(passes(R"([{"labels":["Rare"]},{"operation":"c"}])"));
  EXPECT_FALSE(passes(R"([{"labels":["Staff"],"executingUser":"alice"}])"));
  // From the bytes alone, reading the header only where a selector asks about it.
  auto passes_unread = [&](const char* selectors) {
    return SelectorSet(parse_list(selectors)).may_select_transaction(payload);
  };
  const char* const lists[] = {
      R"([{"labels":["Staff"]}])",
      R"([{"labels":["Rare"]}])",
      R"([{"labels":["Staff"],"executingUser":"alice"}])",
      R"([{"executingUser":"bob"}])",
      R"([{"labels":["Rare"]},{"authenticatedUser":"bob"}])",
      R"([{"txMetadata":{"app":"x"}}])",
  };
  for (const char* selectors : lists) EXPECT_EQ(passes_unread(selectors), passes(selectors)) << selectors;
}

TEST(SelectorTest, MaySelectTransactionDecidesOnUserAndMetadataOnly) {
  const txlog::TxHeader alice = alice_crm();
  const txlog::TxHeader bob = bob_etl();
  struct Row {
    const char* selectors;
    bool alice;
    bool bob;
  };
  const Row rows[] = {
      {R"([])", true, true},
      {R"([{"select":"r","elementId":"r:99"}])", true, true},  // decided per change, not here
      {R"([{"executingUser":"alice"}])", true, false},
      {R"([{"authenticatedUser":"carol"}])", false, true},
      {R"([{"authenticatedUser":"bob"}])", false, false},
      {R"([{"txMetadata":{"app":"etl"}}])", false, true},
      {R"([{"executingUser":"alice","txMetadata":{"app":"etl"}}])", false, false},
      {R"([{"executingUser":"alice"},{"select":"r"}])", true, true},
      {R"([{"executingUser":"alice"},{"txMetadata":{"batch":7}}])", true, true},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.selectors);
    SelectorSet set(parse_list(row.selectors));
    EXPECT_EQ(set.may_select_transaction(alice), row.alice);
    EXPECT_EQ(set.may_select_transaction(bob), row.bob);
  }
}

// The event the reader would build from a fixture: only its states matter to project().
ChangeEvent event_of(const Fixture& fixture) {
  auto state = [](const std::optional<txlog::EntityState>& s) -> std::optional<ChangeState> {
    if (!s) return std::nullopt;
    return ChangeState{s->labels, s->properties};
  };
  ChangeEvent event;
  event.before = state(fixture.change.before);
  event.after = state(fixture.change.after);
  return event;
}

ChangeEvent projected(const char* selectors, int fixture_index) {
  const Fixture& fixture = fixtures()[static_cast<std::size_t>(fixture_index)];
  SelectorSet set(parse_list(selectors));
  ChangeEvent event = event_of(fixture);
  set.project(fixture.header, fixture.change, event);
  return event;
}

TEST(SelectorTest, ProjectKeepsOnlyIncludedProperties) {
  ChangeEvent event = projected(R"([{"select":"n","includeProperties":["age","missing"]}])", kNodeUpdate);
  ASSERT_TRUE(event.before && event.after);
  EXPECT_EQ(event.before->properties, (Properties{{"age", 30}}));
  EXPECT_EQ(event.after->properties, (Properties{{"age", 31}}));
  // Labels are not properties: projection leaves them.
  EXPECT_EQ(event.before->labels, std::vector<std::string>{"Admin"});
  EXPECT_EQ(event.after->labels, std::vector<std::string>{"Staff"});
}

TEST(SelectorTest, ProjectDropsExcludedProperties) {
  ChangeEvent create = projected(R"([{"excludeProperties":["name"]}])", kNodeCreate);
  EXPECT_FALSE(create.before);
  ASSERT_TRUE(create.after);
  EXPECT_EQ(create.after->properties, (Properties{{"id", 1}}));

  ChangeEvent removed = projected(R"([{"select":"r","excludeProperties":["rid","weight"]}])", kRelDelete);
  ASSERT_TRUE(removed.before);
  EXPECT_FALSE(removed.after);
  EXPECT_EQ(removed.before->properties, (Properties{{"since", 2000}}));
}

TEST(SelectorTest, ProjectKeepsWhatAnySelectingSelectorKeeps) {
  ChangeEvent two = projected(
      R"([{"select":"n","includeProperties":["age"]},{"operation":"u","includeProperties":["nick"]}])", kNodeUpdate);
  EXPECT_EQ(two.before->properties, (Properties{{"age", 30}, {"nick", "Bo"}}));
  EXPECT_EQ(two.after->properties, (Properties{{"age", 31}}));

  // One selector drops nick, the other keeps only nick: between them, everything stays.
  ChangeEvent complementary =
      projected(R"([{"excludeProperties":["nick"]},{"includeProperties":["nick"]}])", kNodeUpdate);
  EXPECT_EQ(complementary.before->properties, (Properties{{"age", 30}, {"nick", "Bo"}}));

  // A selector that does not select the change has no say in its properties.
  ChangeEvent other = projected(
      R"([{"select":"r","includeProperties":["nick"]},{"select":"n","includeProperties":["age"]}])", kNodeUpdate);
  EXPECT_EQ(other.before->properties, (Properties{{"age", 30}}));

  // A selecting selector without a filter keeps everything.
  ChangeEvent unfiltered = projected(R"([{"includeProperties":["age"]},{"executingUser":"bob"}])", kNodeUpdate);
  EXPECT_EQ(unfiltered.before->properties, (Properties{{"age", 30}, {"nick", "Bo"}}));
}

TEST(SelectorTest, ProjectWithoutFiltersLeavesTheEvent) {
  for (const char* selectors : {R"([])", R"([{"select":"n"}])"}) {
    ChangeEvent event = projected(selectors, kNodeUpdate);
    EXPECT_EQ(event, event_of(fixtures()[kNodeUpdate])) << selectors;
  }
}

TEST(SelectorTest, ProjectWithMoreSelectorsThanFitInAWord) {
  std::vector<ChangeSelector> selectors(70);
  for (auto& selector : selectors) {
    selector.select = ChangeSelector::Select::kRelationship;
    selector.include_properties = {"nick"};
  }
  selectors.back().select = ChangeSelector::Select::kNode;
  selectors.back().include_properties = {"age"};
  SelectorSet set(std::move(selectors));
  const Fixture& fixture = fixtures()[kNodeUpdate];
  ChangeEvent event = event_of(fixture);
  set.project(fixture.header, fixture.change, event);
  EXPECT_EQ(event.before->properties, (Properties{{"age", 30}}));
}

// The error from parsing the list and building the set, or nullopt if both accept it.
std::optional<Error> refusal(const std::string& selectors) {
  try {
    std::vector<ChangeSelector> parsed;
    for (const json::Json& item : json::Json::parse(selectors))
      parsed.push_back(parse_change_selector(item.is_string() ? item.get<std::string>() : item.dump()));
    SelectorSet set(std::move(parsed));
  } catch (const Error& e) {
    return e;
  }
  return std::nullopt;
}

struct BadRow {
  const char* selectors;  // a JSON array; a string item is passed to the parser as it is
  const char* named;      // what the message must contain
};

const BadRow kBadRows[] = {
    {R"(["{\"select\":"])", "not valid JSON"},
    {R"(["[{\"select\":\"n\"}]"])", "must be a JSON object"},
    {R"(["\"n\""])", "must be a JSON object"},
    {R"([{"selects":"n"}])", "\"selects\""},
    {R"([{"select":"x"}])", R"(selector field "select": must be "e", "n", "r" or "s", not "x")"},
    {R"([{"select":1}])", "\"select\""},
    {R"([{"operation":"x"}])", R"(selector field "operation": must be "c", "u" or "d", not "x")"},
    {R"([{"operation":["c"]}])", "\"operation\""},
    {R"([{"changesTo":"age"}])", "\"changesTo\""},
    {R"([{"changesTo":[1]}])", "\"changesTo\""},
    {R"([{},{"changesTo":[""]}])", "selector 1: changesTo"},
    {R"([{"executingUser":1}])", "\"executingUser\""},
    {R"([{"authenticatedUser":null}])", "\"authenticatedUser\""},
    {R"([{"txMetadata":["app"]}])", "\"txMetadata\""},
    {R"([{"txMetadata":{"app":{"nested":1}}}])", "selector field \"txMetadata\": entry 'app'"},
    {R"([{"elementId":42}])", "\"elementId\""},
    {R"([{"elementId":"x:1"}])", R"(elementId "x:1" is neither)"},
    {R"([{"select":"n","elementId":"r:1"}])", R"(elementId "r:1" is not a node element id)"},
    {R"([{"select":"r","elementId":"n:1"}])", R"(elementId "n:1" is not a relationship element id)"},
    {R"([{"key":[1]}])", "\"key\""},
    {R"([{"key":{"id":[[1]]}}])", "selector field \"key\": property 'id'"},
    {R"([{"labels":"Person"}])", "\"labels\""},
    {R"([{"labels":["Person",""]}])", "labels holds an empty name"},
    {R"([{"select":"r","labels":["Person"]}])", "\"labels\""},
    {R"([{"select":"r","labels":[]}])", "\"labels\""},
    {R"([{"type":["KNOWS"]}])", "\"type\""},
    {R"([{"select":"n","type":"KNOWS"}])", "\"type\""},
    {R"([{"labels":["Person"],"type":"KNOWS"}])", "type applies to relationships only, but labels"},
    {R"([{"elementId":"r:1","labels":["Person"]}])", "labels applies to nodes only, but elementId"},
    {R"([{"start":"n:1"}])", "\"start\""},
    {R"([{"select":"n","start":{}}])", "\"start\""},
    {R"([{"select":"n","end":{"elementId":"n:1"}}])", "\"end\""},
    {R"([{"start":{"id":1}}])", "\"start.id\""},
    {R"([{"start":{"elementId":"r:1"}}])", R"(start.elementId "r:1")"},
    {R"([{"end":{"labels":[""]}}])", "end.labels"},
    {R"([{"end":{"key":{"id":{}}}}])", "\"end.key\""},
    {R"([{"includeProperties":"age"}])", "\"includeProperties\""},
    {R"([{"includeProperties":[""]}])", "includeProperties"},
    {R"([{"excludeProperties":[true]}])", "\"excludeProperties\""},
    {R"([{"includeProperties":["age"],"excludeProperties":["age"]}])",
     R"("age" is in both includeProperties and excludeProperties)"},
};

TEST(SelectorTest, RefusesBadSelectorsNamingTheField) {
  for (const BadRow& row : kBadRows) {
    SCOPED_TRACE(row.selectors);
    std::optional<Error> error = refusal(row.selectors);
    ASSERT_TRUE(error) << "accepted";
    EXPECT_EQ(error->code(), ErrorCode::kCdcInvalidSelector);
    EXPECT_NE(std::string(error->what()).find(row.named), std::string::npos) << error->what();
  }
}

// Selectors built in C++ skip the parser: the set itself refuses fields of the other kind,
// naming the selector's position in the list.
TEST(SelectorTest, SetRefusesFieldsOfTheOtherKindNamingTheSelector) {
  auto message = [](ChangeSelector bad) -> std::string {
    try {
      SelectorSet set({ChangeSelector{}, std::move(bad)});
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kCdcInvalidSelector);
      return e.what();
    }
    return "(accepted)";
  };
  ChangeSelector labels_on_relationships;
  labels_on_relationships.select = ChangeSelector::Select::kRelationship;
  labels_on_relationships.labels = {"Person"};
  EXPECT_EQ(message(labels_on_relationships), R"(selector 1: labels applies to nodes only, not to select "r" [GQLSTATUS 51N67])");

  ChangeSelector end_on_nodes;
  end_on_nodes.select = ChangeSelector::Select::kNode;
  end_on_nodes.end = NodeMatch{};
  EXPECT_EQ(message(end_on_nodes), R"(selector 1: end applies to relationships only, not to select "n" [GQLSTATUS 51N67])");

  ChangeSelector bad_id;
  bad_id.select = ChangeSelector::Select::kNode;
  bad_id.element_id = "x:1";
  EXPECT_EQ(message(bad_id), R"(selector 1: elementId "x:1" is not a node element id [GQLSTATUS 51N67])");
}

TEST(SelectorJsonTest, ReadsEveryFieldUnderItsNeo4jName) {
  ChangeSelector got = parse_change_selector(R"({
      "select":"r","operation":"u","changesTo":["since","weight"],"executingUser":"alice",
      "authenticatedUser":"carol","txMetadata":{"app":"crm","batch":7},"elementId":"r:4",
      "key":{"rid":20},"type":"KNOWS",
      "start":{"elementId":"n:1","labels":["Person"],"key":{"id":1}},
      "end":{"labels":["Company"]},
      "includeProperties":["since"],"excludeProperties":["weight"]})");
  ChangeSelector want;
  want.select = ChangeSelector::Select::kRelationship;
  want.operation = ChangeOperation::kUpdate;
  want.changes_to = {"since", "weight"};
  want.executing_user = "alice";
  want.authenticated_user = "carol";
  want.tx_metadata = {{"app", "crm"}, {"batch", 7}};
  want.element_id = "r:4";
  want.key = {{"rid", 20}};
  want.type = "KNOWS";
  want.start = NodeMatch{"n:1", {"Person"}, {{"id", 1}}};
  want.end = NodeMatch{std::nullopt, {"Company"}, {}};
  want.include_properties = {"since"};
  want.exclude_properties = {"weight"};
  EXPECT_EQ(got, want);

  ChangeSelector nodes = parse_change_selector(R"({"select":"n","labels":["Person"],"key":{"id":1}})");
  EXPECT_EQ(nodes.select, ChangeSelector::Select::kNode);
  EXPECT_EQ(nodes.labels, std::vector<std::string>{"Person"});
  EXPECT_EQ(nodes.key, (Properties{{"id", 1}}));
  EXPECT_EQ(parse_change_selector("{}"), ChangeSelector{});
}

TEST(SelectorJsonTest, UnknownFieldMessageListsTheKnownOnes) {
  try {
    parse_change_selector(R"({"label":["Person"]})");
    FAIL() << "accepted";
  } catch (const Error& e) {
    std::string message = e.what();
    EXPECT_NE(message.find(R"(selector field "label": unknown field)"), std::string::npos) << message;
    EXPECT_NE(message.find(R"("labels")"), std::string::npos) << message;
    EXPECT_NE(message.find(R"("excludeProperties")"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace txgraph::cdc
