// `txgraph log dump` writes each transaction straight from its bytes, read in place. Scripts
// compare its output byte for byte, so it must stay what the dump printed when it decoded every
// record in full: the reference here decodes each record (decode_tx_record and the other
// records' decoders) and builds it as a JSON tree with the JSON library, field by field as the
// first dump did; the text form is derived from that tree. Both are compared with the
// formatter's output for every record of a log that holds every record type, every operation,
// every kind of value, OFF, DIFF and FULL transactions and creates given by reference, and for
// records that another writer could have written (maps out of key order, repeated keys).
#include "tools/txgraph/log_dump_format.h"

#include <cmath>
#include <fstream>
#include <limits>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "cdc/json_values.h"
#include "cli_runner.h"
#include "txlog/change_builders.h"
#include "txgraph/database.h"
#include "txlog/log_inspect.h"
#include "txlog/text_formats.h"
#include "txlog/value_codec.h"

namespace txgraph::testing {
namespace {

using json::Json;
using json::json_from_properties;
using json::json_line;
using namespace txlog;

// ---- The reference: the decoded record as a JSON tree ------------------------------------

Json names_json(const std::vector<std::string>& names) {
  Json out = Json::array();
  for (const auto& name : names) out.push_back(name);
  return out;
}

Json keys_json(const std::vector<KeyValues>& keys) {
  Json out = Json::array();
  for (const auto& key : keys) out.push_back(Json{{"label", key.label}, {"properties", json_from_properties(key.properties)}});
  return out;
}

Json op_json(const RedoOp& op) {
  Json out{{"op", op_code_name(op.code)}};
  bool creates_key = op.code == OpCode::kCreateKey;
  if (!creates_key) out["id"] = op.id;
  if (op.code == OpCode::kCreateRelationship) {
    out["type"] = op.type;
    out["start"] = op.start;
    out["end"] = op.end;
  }
  if (creates_key) {
    out["kind"] = op.key_kind == 2 ? "relationship" : "node";
    out["labelOrType"] = op.type;
    out["properties"] = names_json(op.names);
  }
  if (op.code == OpCode::kCreateNode || op.code == OpCode::kAddLabels || op.code == OpCode::kRemoveLabels)
    out["labels"] = names_json(op.names);
  if (op.code == OpCode::kRemoveNodeProperties || op.code == OpCode::kRemoveRelationshipProperties)
    out["keys"] = names_json(op.names);
  if (op.code == OpCode::kCreateNode || op.code == OpCode::kCreateRelationship ||
      op.code == OpCode::kSetNodeProperties || op.code == OpCode::kSetRelationshipProperties)
    out["properties"] = json_from_properties(op.properties);
  return out;
}

Json state_json(const std::optional<EntityState>& state) {
  if (!state) return nullptr;
  return Json{{"labels", names_json(state->labels)}, {"properties", json_from_properties(state->properties)}};
}

Json node_json(const NodeReference& node) {
  return Json{{"id", node.id}, {"labels", names_json(node.labels)}, {"keys", keys_json(node.keys)}};
}

Json change_json(const Change& change) {
  static const char* const kOperations[] = {"?", "create", "update", "delete"};
  Json out{{"entity", change.entity == ChangeEntity::kNode ? "node" : "relationship"},
           {"operation", kOperations[static_cast<unsigned>(change.operation)]},
           {"id", change.id}};
  if (change.entity == ChangeEntity::kNode) {
    out["labels"] = names_json(change.labels);
  } else {
    out["type"] = change.type;
    out["start"] = node_json(change.start);
    out["end"] = node_json(change.end);
  }
  out["keys"] = keys_json(change.keys);
  out["before"] = state_json(change.before);
  out["after"] = state_json(change.after);
  return out;
}

Json reference_json(std::uint64_t segment, const Frame& frame) {
  Json out{{"type", record_type_name(frame.type)}, {"segment", segment}, {"offset", frame.offset}};
  if (frame.type == RecordType::kTransaction) {
    TxRecord tx = decode_tx_record(frame.payload);
    out["txId"] = tx.header.tx_id;
    out["startTime"] = iso8601_utc(tx.header.start_time_us);
    out["commitTime"] = iso8601_utc(tx.header.commit_time_us);
    out["captureMode"] = capture_mode_name(tx.header.capture_mode);
    out["user"] = tx.header.user;
    out["authenticatedUser"] = tx.header.authenticated_user;
    out["metadata"] = json_from_properties(tx.header.metadata);
    out["ops"] = Json::array();
    for (const auto& op : tx.ops) out["ops"].push_back(op_json(op));
    if (tx.enrichment) {
      Json changes = Json::array();
      for (const auto& change : tx.enrichment->changes) changes.push_back(change_json(change));
      out["enrichment"] = Json{{"generation", tx.enrichment->generation}, {"changes", std::move(changes)}};
    }
  } else if (frame.type == RecordType::kCheckpoint) {
    CheckpointRecord r = decode_checkpoint(frame.payload);
    out["lastAppliedTx"] = r.last_applied_tx;
    out["time"] = iso8601_utc(r.time_us);
  } else if (frame.type == RecordType::kEnrichmentChange) {
    EnrichmentChangeRecord r = decode_enrichment_change(frame.payload);
    out["from"] = capture_mode_name(r.from);
    out["to"] = capture_mode_name(r.to);
    out["generation"] = r.generation;
    out["nextTx"] = r.next_tx;
    out["time"] = iso8601_utc(r.time_us);
  } else {
    ImportNoticeRecord r = decode_import_notice(frame.payload);
    out["importNumber"] = r.import_number;
    out["time"] = iso8601_utc(r.time_us);
    out["afterTx"] = r.after_tx;
    out["nodes"] = r.nodes;
    out["relationships"] = r.relationships;
    out["firstNodeId"] = r.first_node_id;
    out["firstRelationshipId"] = r.first_relationship_id;
    out["files"] = names_json(r.files);
  }
  return out;
}

// The text form from the tree: a field line is its label padded to 30, then the JSON of the
// fields the label does not already say.
// A user as the heading shows it: a plain word bare, anything else quoted.
std::string shown_user(const std::string& user) {
  for (char c : user)
    if (c <= ' ' || c >= 0x7F || c == '"' || c == '\\') return json_line(Json(user));
  return user;
}

// DEL and C1 controls escaped as JSON escapes, as the text form writes them for a terminal.
std::string without_terminal_controls(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0u;
    if (c == 0x7F) {
      out += "\\u007f";
    } else if (c == 0xC2 && next >= 0x80 && next <= 0x9F) {
      out += fmt::format("\\u{:04x}", next);
      ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string reference_text_unescaped(const Json& record);

std::string reference_text(const Json& record) { return without_terminal_controls(reference_text_unescaped(record)); }

std::string reference_text_unescaped(const Json& record) {
  auto line = [](const std::string& label, const std::string& rest) { return fmt::format("  {:<30} {}\n", label, rest); };
  std::string where = fmt::format("[segment {} offset {}]", record["segment"].get<std::uint64_t>(),
                                  record["offset"].get<std::uint64_t>());
  if (record["type"] != "transaction") {
    Json rest = record;
    for (const char* key : {"type", "segment", "offset"}) rest.erase(key);
    return fmt::format("{}  {}  {}\n", record["type"].get<std::string>(), json_line(rest), where);
  }
  std::string user = record["user"], authenticated = record["authenticatedUser"];
  std::string out = fmt::format("tx {}  {}  {}  user {}", record["txId"].get<std::uint64_t>(),
                                record["commitTime"].get<std::string>(), record["captureMode"].get<std::string>(),
                                shown_user(user));
  if (authenticated != user && !authenticated.empty()) out += " (as " + shown_user(authenticated) + ")";
  out += "  " + where + "\n";
  out += line("started", record["startTime"]);
  if (!record["metadata"].empty()) out += line("metadata", json_line(record["metadata"]));
  for (const auto& op : record["ops"]) {
    Json rest = op;
    rest.erase("op");
    out += line(op["op"], json_line(rest));
  }
  if (!record.contains("enrichment")) return out;
  out += line("enrichment generation", std::to_string(record["enrichment"]["generation"].get<std::uint64_t>()));
  for (const auto& change : record["enrichment"]["changes"]) {
    Json rest = change;
    for (const char* key : {"entity", "operation", "id"}) rest.erase(key);
    out += line(fmt::format("change {} {}{}", change["operation"].get<std::string>(),
                            change["entity"] == "node" ? "n:" : "r:", change["id"].get<std::uint64_t>()),
                json_line(rest));
  }
  return out;
}

// ---- The formatter, as the tool drives it ------------------------------------------------

struct Written {
  std::string json, text, colored_text;
};

class Dumper {
 public:
  Written write(std::uint64_t segment, const Frame& frame) {
    if (frame.type == RecordType::kTransaction) {
      view_.read(frame.payload);
      record_.set_transaction(segment, frame, view_);
    } else {
      record_.decode_other(segment, frame);
    }
    Written out;
    for (auto [form, text] : {std::pair{0, &out.json}, std::pair{1, &out.text}, std::pair{2, &out.colored_text}}) {
      buffer_.clear();
      if (form == 0)
        formatter_.append_json(buffer_, record_);
      else
        formatter_.append_text(buffer_, record_, form == 2);
      *text = buffer_.view();
    }
    return out;
  }

 private:
  TxRecordView view_;
  cli::DumpRecord record_;
  cli::DumpFormatter formatter_;
  cli::TextBuffer buffer_;
};

std::string without_colors(std::string text) {
  for (const char* code : {"\x1b[1;36m", "\x1b[33m", "\x1b[0m"})
    for (std::size_t at; (at = text.find(code)) != std::string::npos;) text.erase(at, std::string_view(code).size());
  return text;
}

// ---- A log with everything in it ---------------------------------------------------------

Properties every_kind_of_value() {
  return {{"null", Value()},  // a set: removes; a create: stays out of the state
          {"yes", Value(true)},
          {"no", Value(false)},
          {"int", Value(std::int64_t{-42})},
          {"int_min", Value(std::numeric_limits<std::int64_t>::min())},
          {"int_max", Value(std::numeric_limits<std::int64_t>::max())},
          {"half", Value(0.5)},
          {"third", Value(1.0 / 3)},
          {"huge", Value(1e300)},
          {"tiny", Value(5e-324)},
          {"minus_zero", Value(-0.0)},
          {"nan", Value(std::nan(""))},
          {"inf", Value(INFINITY)},
          {"minus_inf", Value(-INFINITY)},
          {"empty", Value(std::string())},
          {"escapes", Value(std::string("quote \" backslash \\ slash / \x01\x1f\t\n\r\b\f \x7f"))},
          {"unicode", Value(std::string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"))},
          {"broken", Value(std::string("bad \xff and cut \xe2\x82"))},
          {"bytes", Value(Bytes{std::string("\0\xff\x10 ok", 6)})},
          {"no_bytes", Value(Bytes{})},
          {"bools", Value(Value::List{Value(true), Value(false)})},
          {"ints", Value(Value::List{Value(std::int64_t{1}), Value(std::int64_t{-2})})},
          {"doubles", Value(Value::List{Value(1.5), Value(std::nan("")), Value(1e-7)})},
          {"strings", Value(Value::List{Value(std::string("a")), Value(std::string("\"b\"\n"))})},
          {"byte_list", Value(Value::List{Value(Bytes{"xy"}), Value(Bytes{})})},
          {"empty_list", Value(Value::List{})},
          {"key \xe2\x82\xac \"quoted\"", Value(std::int64_t{1})},
          {"\xff key", Value(std::int64_t{2})}};
}

class LogDumpFormatTest : public ::testing::Test {
 protected:
  Options fixed_options() {
    Options options;
    auto now = std::make_shared<std::int64_t>(1795000000000000);
    options.clock = [now] { return *now += 250000; };
    options.initial_settings.log_compression_level = 0;  // small segments: several of them
    options.initial_settings.rotation_size = 4096;
    options.initial_settings.retention_policy = "keep_all";
    return options;
  }

  void write_varied_log() {
    auto db = Database::open(db_, fixed_options());
    Properties values = every_kind_of_value();
    Properties stored = values;
    stored.erase("null");
    {  // OFF: no enrichment.
      auto tx = db->begin_write({"alice", "", {}});
      tx.create_key({EntityKind::kNode, "Person", {"id"}});
      tx.create_key({EntityKind::kRelationship, "KNOWS", {"rid"}});
      tx.commit();
    }
    {
      auto tx = db->begin_write({"alice", "root", values});
      NodeId a = tx.create_node({"Person"}, {{"id", Value(std::int64_t{1})}});
      tx.set_node_properties(a, values);
      tx.commit();
    }
    for (EnrichmentMode mode : {EnrichmentMode::kDiff, EnrichmentMode::kFull}) {
      db->set_enrichment(mode);
      std::int64_t base = mode == EnrichmentMode::kDiff ? 100 : 200;
      NodeId a, b;
      RelationshipId r;
      {  // Creates given by reference, with operations on them in the same transaction.
        auto tx = db->begin_write({"bob", "", {{"app", Value("crm")}, {"n", Value(std::int64_t{3})}}});
        Properties first = stored;
        first["id"] = Value(base + 1);
        a = tx.create_node({"Person", "Temp", "Admin"}, first);
        tx.set_node_properties(a, {{"half", Value()}, {"later", Value(std::int64_t{7})}});
        tx.remove_node_properties(a, {"third", "absent"});
        tx.add_labels(a, {"Added", "Admin"});
        tx.remove_labels(a, {"Temp"});
        b = tx.create_node({"Person"}, {{"id", Value(base + 2)}, {"name", Value("b")}});
        Properties rel = stored;
        rel["rid"] = Value(base + 3);
        r = tx.create_relationship("KNOWS", a, b, rel);
        tx.set_relationship_properties(r, {{"ints", Value()}, {"w", Value(0.25)}});
        tx.remove_relationship_properties(r, {"yes"});
        tx.commit();
      }
      {  // Updates and deletes of what exists: before and after states.
        auto tx = db->begin_write({"carol", "carol", {}});
        tx.set_node_properties(b, values);
        tx.remove_node_properties(a, {"no", "tiny"});
        tx.add_labels(b, {"Extra"});
        tx.remove_labels(a, {"Admin"});
        tx.set_relationship_properties(r, {{"bools", Value()}, {"name", Value("r")}});
        tx.remove_relationship_properties(r, {"huge"});
        tx.commit();
      }
      {  // More operations than the view groups by entity above (16).
        // Users whose names the text form must quote and escape.
        auto tx = db->begin_write({"dave smith\n\x1b[31m", "d\"q\x7f\xc2\x9b", {{"k\x85", Value("\xc2\x85\x7f")}}});
        std::vector<NodeId> nodes;
        for (std::int64_t i = 0; i < 12; ++i)
          nodes.push_back(tx.create_node({i % 2 ? "Person" : "Other"}, {{"id", Value(base + 10 + i)}, {"i", Value(i)}}));
        for (std::size_t i = 0; i < nodes.size(); i += 3) {
          tx.set_node_properties(nodes[i], {{"i", Value()}, {"j", Value(std::int64_t{9})}});
          tx.add_labels(nodes[i], {"Third"});
        }
        tx.create_relationship("KNOWS", nodes[1], nodes[3], {{"rid", Value(base + 30)}});
        tx.delete_relationship(r);
        tx.delete_node(a, /*detach=*/true);
        tx.commit();
      }
    }
    db->set_enrichment(EnrichmentMode::kOff);
    {
      auto tx = db->begin_write({"érin", "", {}});
      tx.create_node({"Person"}, {{"id", Value(std::int64_t{999})}});
      tx.commit();
    }
    db->set_enrichment(EnrichmentMode::kDiff);  // a new generation
    std::filesystem::path csv = dir_ / "people.csv";
    std::ofstream(csv) << "id:ID,name\nx1,Xavier\nx2,Yvonne\n";
    ImportOptions import;
    import.node_files = {csv};
    db->import_csv(import);
    db->checkpoint();
    db->close();
  }

  TestDir dir_;
  std::string db_ = (dir_ / "db").string();
};

TEST_F(LogDumpFormatTest, EveryRecordIsWrittenAsTheDecodedRecordWritesIt) {
  write_varied_log();
  Dumper dumper;
  std::string all_json, all_text;
  std::set<std::string> seen;  // what the log held, so that the test cannot lose its coverage
  LogScan scan = scan_log((std::filesystem::path(db_) / "txlog").string(), [&](const SegmentScan& segment,
                                                                               const Frame& frame) {
    Json reference = reference_json(segment.file.number, frame);
    Written written = dumper.write(segment.file.number, frame);
    std::string expected_json = json_line(reference) + "\n";
    std::string expected_text = reference_text(reference);
    ASSERT_EQ(written.json, expected_json);
    ASSERT_EQ(written.text, expected_text);
    EXPECT_EQ(without_colors(written.colored_text), expected_text);
    EXPECT_NE(written.colored_text, expected_text);
    all_json += written.json;
    all_text += written.text;
    seen.insert(reference["type"]);
    if (reference["type"] != "transaction") return;
    seen.insert(reference["captureMode"]);
    for (const auto& op : reference["ops"]) seen.insert(op["op"]);
    if (!reference.contains("enrichment")) return;
    for (const auto& change : reference["enrichment"]["changes"])
      seen.insert(fmt::format("{} {}", change["entity"].get<std::string>(), change["operation"].get<std::string>()));
  });
  EXPECT_FALSE(scan.damaged());
  EXPECT_GT(scan.segments.size(), 1u);
  for (const char* wanted : {"checkpoint", "enrichment_change", "import_notice", "transaction", "OFF", "DIFF", "FULL",
                             "node create", "node update", "node delete", "relationship create",
                             "relationship update", "relationship delete"})
    EXPECT_TRUE(seen.count(wanted)) << wanted;
  for (unsigned code = 1; code <= static_cast<unsigned>(OpCode::kCreateKey); ++code)
    EXPECT_TRUE(seen.count(std::string(op_code_name(static_cast<OpCode>(code))))) << code;
  // And the tool prints just that.
  CliResult dumped = run_cli({"log", "dump", db_, "--json"});
  ASSERT_EQ(dumped.exit_code, 0) << dumped.err;
  EXPECT_EQ(dumped.out, all_json);
  dumped = run_cli({"log", "dump", db_});
  ASSERT_EQ(dumped.exit_code, 0) << dumped.err;
  EXPECT_EQ(dumped.out, all_text);
}

// ---- Records another writer could have written -------------------------------------------

void put_value(ByteWriter& out, const Value& value) { encode_value(out, value); }

// Properties as given, in this order, repeats included.
void put_properties(ByteWriter& out, const std::vector<std::pair<std::string, Value>>& entries) {
  out.varint(entries.size());
  for (const auto& [key, value] : entries) {
    out.str(key);
    put_value(out, value);
  }
}

TEST(LogDumpFormatOrderTest, MapsOutOfKeyOrderOrWithRepeatedKeysAreWrittenAsDecoded) {
  const std::vector<std::pair<std::string, Value>> unordered = {
      {"b", Value(std::int64_t{1})}, {"a", Value("x")}, {"b", Value(std::int64_t{2})}, {"c", Value()}};
  const std::vector<std::pair<std::string, Value>> repeated_then_null = {
      {"k", Value(std::int64_t{1})}, {"k", Value()}, {"m", Value()}, {"m", Value(0.5)}};
  for (bool overlong_empty_metadata : {false, true}) {
    std::string payload;
    ByteWriter w(payload);
    w.varint(9);
    w.i64(1795000000000000);
    w.i64(1795000000250000);
    w.u8(static_cast<std::uint8_t>(CaptureMode::kFull));
    w.str("writer");
    w.str("");
    if (overlong_empty_metadata)
      w.raw(std::string("\x80\x00", 2));  // a count of 0 in two bytes
    else
      put_properties(w, unordered);
    w.varint(3);  // operations
    w.u8(static_cast<std::uint8_t>(OpCode::kCreateNode));
    w.varint(4);
    write_names(w, {"L"});
    put_properties(w, repeated_then_null);
    w.u8(static_cast<std::uint8_t>(OpCode::kSetNodeProperties));
    w.varint(4);
    put_properties(w, unordered);
    w.u8(static_cast<std::uint8_t>(OpCode::kSetNodeProperties));
    w.varint(5);
    // An empty list whose item kind says int: it decodes as the empty list.
    w.varint(1);
    w.str("list");
    w.raw(std::string("\x06\x02\x00", 3));
    // The enrichment: a create by reference of node 4, an update of node 5.
    Enrichment enrichment;
    enrichment.generation = 1;
    enrichment.changes = {
        txlog::testing::node_created_by_operations(4),
        txlog::testing::node_updated(5, EntityState{}, EntityState{{"L"}, {{"list", Value(Value::List{})}}})};
    encode_enrichment(w, enrichment);

    Frame frame;
    frame.type = RecordType::kTransaction;
    frame.offset = 72;
    frame.payload = payload;
    Json reference = reference_json(1, frame);
    Written written = Dumper().write(1, frame);
    EXPECT_EQ(written.json, json_line(reference) + "\n");
    EXPECT_EQ(written.text, reference_text(reference));
    if (!overlong_empty_metadata) {
      EXPECT_NE(written.json.find(R"("metadata":{"a":"x","b":2,"c":null})"), std::string::npos) << written.json;
      EXPECT_NE(written.json.find(R"("after":{"labels":["L"],"properties":{"a":"x","b":2,"m":0.5}})"),
                std::string::npos)
          << written.json;
    }
  }
}

}  // namespace
}  // namespace txgraph::testing
