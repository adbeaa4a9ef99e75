// Bulk import: CSV rows written straight into the store in one transaction, bypassing the log.
//
// What survives a crash at each step:
//   1. Rows are written into one store transaction, together with the import's notice in the
//      store's list of imports and a "notice pending" mark. A crash before its commit: nothing
//      of the import exists.
//   2. The store commits, then a checkpoint syncs it and pins it. A crash before the checkpoint
//      completes: the next open rolls the store back to the previous checkpoint (or never had
//      the unsynced pages): the import is gone, and it was never acknowledged.
//   3. The notice is appended to the log and synced, and the pending mark cleared. A crash
//      before that: the next open finds the mark and appends the notice then, so the log
//      always tells of every import the store holds.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <unordered_map>

#include "engine/csv_reader.h"
#include "engine/database_impl.h"
#include "engine/graph_store.h"
#include "engine/import_notices.h"
#include "engine/typed_cells.h"
#include "txlog/tx_record.h"

namespace txgraph {

namespace {

using engine::CsvField;
using engine::CsvReader;

enum class ColumnKind { kProperty, kId, kStartId, kEndId, kLabel, kType, kIgnore };
enum class ScalarType { kString, kInt, kDouble, kBool, kTyped };

struct Column {
  ColumnKind kind = ColumnKind::kProperty;
  std::string name;   // property name; for an ID column, the property it is also stored as
  std::string space;  // id space of ID / START_ID / END_ID
  ScalarType type = ScalarType::kString;
  engine::TypedColumn typed = engine::TypedColumn::kChar;  // with kTyped
  engine::TypedColumnOptions options;
  bool list = false;
};

[[noreturn]] void bad_input(const std::string& file, std::uint64_t line, std::uint64_t column, std::string_view why) {
  throw Error(ErrorCode::kInvalidArgument, fmt::format("{}:{}:{}: {}", file, line, column, why));
}

// "name:type", ":ID(Space)", "id:ID", ":START_ID(Space)", ":LABEL", ":TYPE", ":IGNORE".
Column parse_column(const CsvField& field, const std::string& file, bool nodes) {
  Column c;
  std::string_view text = field.text;
  auto colon = text.find(':');
  c.name = std::string(text.substr(0, colon));
  if (colon == std::string_view::npos) {
    if (c.name.empty()) bad_input(file, field.line, field.column, "an empty column name in the header");
    return c;
  }
  std::string_view spec = text.substr(colon + 1);
  std::string_view space;
  if (auto open = spec.find('('); open != std::string_view::npos) {
    if (spec.back() != ')') bad_input(file, field.line, field.column, fmt::format("\"{}\": an id space is written (Space)", text));
    space = spec.substr(open + 1, spec.size() - open - 2);
    spec = spec.substr(0, open);
  }
  std::string type = engine::ascii_lower(spec);
  auto only_for = [&](bool ok, std::string_view what) {
    if (!ok)
      bad_input(file, field.line, field.column,
                fmt::format("\"{}\": {} belongs in a {} file", text, what, nodes ? "relationships" : "nodes"));
  };
  if (type == "id") {
    only_for(nodes, ":ID");
    c.kind = ColumnKind::kId;
  } else if (type == "start_id" || type == "end_id") {
    only_for(!nodes, type == "start_id" ? ":START_ID" : ":END_ID");
    c.kind = type == "start_id" ? ColumnKind::kStartId : ColumnKind::kEndId;
  } else if (type == "label") {
    only_for(nodes, ":LABEL");
    c.kind = ColumnKind::kLabel;
  } else if (type == "type") {
    only_for(!nodes, ":TYPE");
    c.kind = ColumnKind::kType;
  } else if (type == "ignore") {
    c.kind = ColumnKind::kIgnore;
  } else {
    if (c.name.empty()) bad_input(file, field.line, field.column, fmt::format("\"{}\": a property column needs a name", text));
    if (!space.empty()) bad_input(file, field.line, field.column, fmt::format("\"{}\": only id columns take a (Space)", text));
    std::string_view options;
    if (auto brace = type.find('{'); brace != std::string::npos) {
      options = spec.substr(brace);
      type.resize(brace);
    }
    if (type.size() > 2 && type.ends_with("[]")) {
      c.list = true;
      type.resize(type.size() - 2);
    }
    if (engine::typed_column(type, &c.typed)) {
      c.type = ScalarType::kTyped;
      try {
        if (!options.empty()) engine::parse_typed_column_options(c.typed, options, &c.options);
      } catch (const std::invalid_argument& e) {
        bad_input(file, field.line, field.column, fmt::format("\"{}\": {}", text, e.what()));
      }
    } else if (!options.empty()) {
      bad_input(file, field.line, field.column,
                fmt::format("\"{}\": only datetime, time and point columns take {{options}}", text));
    } else if (type == "string") {
      c.type = ScalarType::kString;
    } else if (type == "int" || type == "long" || type == "short" || type == "byte") {
      c.type = ScalarType::kInt;
    } else if (type == "float" || type == "double") {
      c.type = ScalarType::kDouble;
    } else if (type == "boolean") {
      c.type = ScalarType::kBool;
    } else {
      bad_input(file, field.line, field.column,
                fmt::format("\"{}\": unknown type \"{}\" (int, long, short, byte, float, double, boolean, string, "
                            "char, date, localtime, time, localdatetime, datetime, duration, point, each also as "
                            "a list with [], or ID, START_ID, END_ID, LABEL, TYPE, IGNORE)",
                            text, spec));
    }
    return c;
  }
  c.space = std::string(space);
  return c;
}

class ValueParser {
 public:
  ValueParser(const std::string& file, char array_delimiter) : file_(file), array_delimiter_(array_delimiter) {}

  Value scalar(const Column& c, std::string_view text, const CsvField& at) const {
    switch (c.type) {
      case ScalarType::kString:
        return Value(std::string(text));
      case ScalarType::kInt: {
        std::int64_t v = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec != std::errc() || end != text.data() + text.size())
          bad_input(file_, at.line, at.column, fmt::format("column {}: \"{}\" is not an integer", c.name, text));
        return Value(v);
      }
      case ScalarType::kDouble: {
        double v = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec != std::errc() || end != text.data() + text.size())
          bad_input(file_, at.line, at.column, fmt::format("column {}: \"{}\" is not a number", c.name, text));
        // from_chars reads "nan" and "inf" too; `run` refuses them and JSON cannot carry them
        // (export and change events would print null).
        if (!std::isfinite(v))
          bad_input(file_, at.line, at.column,
                    fmt::format("column {}: \"{}\" is not a finite number", c.name, text));
        return Value(v);
      }
      case ScalarType::kBool: {
        std::string l = engine::ascii_lower(text);
        if (l == "true") return Value(true);
        if (l == "false") return Value(false);
        bad_input(file_, at.line, at.column, fmt::format("column {}: \"{}\" is not true or false", c.name, text));
      }
      case ScalarType::kTyped:
        try {
          return engine::typed_cell(c.typed, text, c.options);
        } catch (const std::invalid_argument& e) {
          bad_input(file_, at.line, at.column, fmt::format("column {}: {}", c.name, e.what()));
        }
    }
    return Value();
  }

  // Nullopt for an unquoted empty field: no value.
  std::optional<Value> value(const Column& c, const CsvField& f) const {
    if (f.text.empty() && !f.quoted) return std::nullopt;
    if (!c.list) return scalar(c, f.text, f);
    Value::List items;
    std::string_view rest = f.text;
    for (;;) {
      auto cut = rest.find(array_delimiter_);
      items.push_back(scalar(c, rest.substr(0, cut), f));
      if (cut == std::string_view::npos) break;
      rest.remove_prefix(cut + 1);
    }
    try {
      return Value(std::move(items));
    } catch (const Error& e) {  // points of different SRIDs
      bad_input(file_, f.line, f.column, fmt::format("column {}: {}", c.name, e.what()));
    }
  }

 private:
  const std::string& file_;
  char array_delimiter_;
};

struct Header {
  std::vector<Column> columns;
  int id = -1, start = -1, end = -1, type = -1;
};

Header read_header(CsvReader& reader, std::vector<CsvField>& fields, bool nodes) {
  if (!reader.next(&fields)) bad_input(reader.path(), 1, 1, "the file is empty: a header row is needed");
  Header h;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    Column c = parse_column(fields[i], reader.path(), nodes);
    int* slot = c.kind == ColumnKind::kId        ? &h.id
                : c.kind == ColumnKind::kStartId ? &h.start
                : c.kind == ColumnKind::kEndId   ? &h.end
                : c.kind == ColumnKind::kType    ? &h.type
                                                 : nullptr;
    if (slot && *slot >= 0)
      bad_input(reader.path(), fields[i].line, fields[i].column, fmt::format("\"{}\" appears twice in the header", fields[i].text));
    if (slot) *slot = static_cast<int>(i);
    h.columns.push_back(std::move(c));
  }
  if (!nodes && (h.start < 0 || h.end < 0))
    bad_input(reader.path(), 1, 1, "a relationships file needs :START_ID and :END_ID columns");
  return h;
}

// Ids of the files in one id space, to the element ids given to their nodes. Ids written as
// canonical decimal numbers (most files) are kept as integers: much cheaper to hash and store.
class IdSpace {
 public:
  // False when the id is already taken.
  bool add(std::string_view id, std::uint64_t node) {
    if (auto n = canonical_number(id)) return numbers_.emplace(*n, node).second;
    return texts_.emplace(std::string(id), node).second;
  }
  std::optional<std::uint64_t> find(std::string_view id) const {
    if (auto n = canonical_number(id)) {
      auto it = numbers_.find(*n);
      if (it != numbers_.end()) return it->second;
      return std::nullopt;
    }
    auto it = texts_.find(std::string(id));
    if (it != texts_.end()) return it->second;
    return std::nullopt;
  }

 private:
  // "0", "42", not "042", "+1" or "": those stay text, so "042" and "42" remain two ids.
  static std::optional<std::uint64_t> canonical_number(std::string_view id) {
    if (id.empty() || id.size() > 19 || (id.size() > 1 && id[0] == '0')) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : id) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return v;
  }
  std::unordered_map<std::uint64_t, std::uint64_t> numbers_;
  std::unordered_map<std::string, std::uint64_t> texts_;
};
using IdMap = std::unordered_map<std::string, IdSpace>;

class Importer {
 public:
  Importer(detail::TxnState& s, const ImportOptions& options) : s_(s), options_(options) {
    for (const auto& f : options.node_files) total_bytes_ += file_size(f);
    for (const auto& f : options.relationship_files) total_bytes_ += file_size(f);
  }

  void import_nodes(const std::string& path) {
    CsvReader reader(path, options_.delimiter);
    std::vector<CsvField> fields;
    Header h = read_header(reader, fields, true);
    ValueParser values(path, options_.array_delimiter);
    auto& ids = id_map_[h.id >= 0 ? h.columns[static_cast<std::size_t>(h.id)].space : std::string()];
    Node node;
    while (reader.next(&fields)) {
      check_width(reader, fields, h);
      node.id = NodeId{s_.next_node_id};
      node.labels.clear();
      node.properties.clear();
      for (std::size_t i = 0; i < fields.size(); ++i) {
        const Column& c = h.columns[i];
        const CsvField& f = fields[i];
        switch (c.kind) {
          case ColumnKind::kLabel:
            split_labels(f.text, node.labels, reader.path(), f);
            break;
          case ColumnKind::kId: {
            if (f.text.empty()) bad_input(path, f.line, f.column, "a missing id");
            if (!ids.add(f.text, node.id.value))
              bad_input(path, f.line, f.column,
                        fmt::format("duplicate id \"{}\"{}", f.text, c.space.empty() ? "" : " in id space " + c.space));
            if (!c.name.empty()) node.properties.insert_or_assign(c.name, id_value(f, path, c));
            break;
          }
          case ColumnKind::kProperty:
            if (auto v = values.value(c, f)) node.properties.insert_or_assign(c.name, std::move(*v));
            break;
          default:
            break;
        }
      }
      std::sort(node.labels.begin(), node.labels.end());
      node.labels.erase(std::unique(node.labels.begin(), node.labels.end()), node.labels.end());
      at_row(path, fields.front().line, [&] {
        engine::create_fresh_node(s_, node);
        engine::check_key_complete(s_, node);
      });
      ++nodes_;
      progress(reader);
    }
  }

  void import_relationships(const std::string& path) {
    CsvReader reader(path, options_.delimiter);
    std::vector<CsvField> fields;
    Header h = read_header(reader, fields, false);
    ValueParser values(path, options_.array_delimiter);
    const Column& start_col = h.columns[static_cast<std::size_t>(h.start)];
    const Column& end_col = h.columns[static_cast<std::size_t>(h.end)];
    Relationship rel;
    while (reader.next(&fields)) {
      check_width(reader, fields, h);
      rel.id = RelationshipId{s_.next_relationship_id};
      rel.properties.clear();
      rel.type.clear();
      for (std::size_t i = 0; i < fields.size(); ++i) {
        const Column& c = h.columns[i];
        const CsvField& f = fields[i];
        if (c.kind == ColumnKind::kProperty) {
          if (auto v = values.value(c, f)) rel.properties.insert_or_assign(c.name, std::move(*v));
        } else if (c.kind == ColumnKind::kType) {
          rel.type = f.text;
        }
      }
      const CsvField& start = fields[static_cast<std::size_t>(h.start)];
      const CsvField& end = fields[static_cast<std::size_t>(h.end)];
      rel.start = NodeId{lookup(start_col, start, path)};
      rel.end = NodeId{lookup(end_col, end, path)};
      if (rel.type.empty()) {
        std::uint64_t column = h.type >= 0 ? fields[static_cast<std::size_t>(h.type)].column : 1;
        bad_input(path, start.line, column, "a relationship without a type (a :TYPE column is needed)");
      }
      at_row(path, start.line, [&] {
        engine::create_fresh_relationship(s_, rel);
        engine::check_key_complete(s_, rel);
      });
      ++relationships_;
      progress(reader);
    }
  }

  std::uint64_t nodes() const { return nodes_; }
  std::uint64_t relationships() const { return relationships_; }
  // Progress counts whole files once they are read.
  void file_done(std::uint64_t bytes) { done_bytes_ += bytes; }
  void final_progress() {
    if (options_.on_progress) options_.on_progress(ImportProgress{rows_, total_bytes_, total_bytes_});
  }

 private:
  static std::uint64_t file_size(const std::filesystem::path& p) {
    std::error_code ec;
    auto n = std::filesystem::file_size(p, ec);
    return ec ? 0 : n;
  }

  void check_width(const CsvReader& reader, const std::vector<CsvField>& fields, const Header& h) {
    if (fields.size() != h.columns.size())
      bad_input(reader.path(), fields.front().line, fields.back().column,
                fmt::format("{} fields where the header names {}", fields.size(), h.columns.size()));
  }

  void split_labels(std::string_view text, std::vector<std::string>& labels, const std::string& path, const CsvField& f) {
    while (!text.empty()) {
      auto cut = text.find(options_.array_delimiter);
      auto label = text.substr(0, cut);
      if (label.empty()) bad_input(path, f.line, f.column, fmt::format("an empty label in \"{}\"", f.text));
      labels.emplace_back(label);
      if (cut == std::string_view::npos) break;
      text.remove_prefix(cut + 1);
    }
  }

  Value id_value(const CsvField& f, const std::string& path, const Column& c) const {
    if (options_.id_type == ImportOptions::IdType::kString) return Value(f.text);
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(f.text.data(), f.text.data() + f.text.size(), v);
    if (ec != std::errc() || end != f.text.data() + f.text.size())
      bad_input(path, f.line, f.column, fmt::format("column {}: id \"{}\" is not an integer (--id-type integer)", c.name, f.text));
    return Value(v);
  }

  std::uint64_t lookup(const Column& c, const CsvField& f, const std::string& path) const {
    if (f.text.empty()) bad_input(path, f.line, f.column, "a missing node id");
    auto space = id_map_.find(c.space);
    if (space != id_map_.end()) {
      if (auto node = space->second.find(f.text)) return *node;
    }
    bad_input(path, f.line, f.column,
              fmt::format("no node with id \"{}\"{} in the node files of this import", f.text,
                          c.space.empty() ? "" : " in id space " + c.space));
  }

  // Store errors (a duplicate key, a key property missing) name the file and line of the row.
  template <class Fn>
  void at_row(const std::string& path, std::uint64_t line, Fn&& fn) {
    try {
      fn();
    } catch (const Error& e) {
      throw Error(e.code(), fmt::format("{}:{}: {}", path, line, e.what()));
    }
  }

  void progress(const CsvReader& reader) {
    ++rows_;
    if (!options_.on_progress || rows_ % 65536 != 0) return;
    options_.on_progress(ImportProgress{rows_, done_bytes_ + reader.bytes_read(), total_bytes_});
  }

  detail::TxnState& s_;
  const ImportOptions& options_;
  IdMap id_map_;
  std::uint64_t nodes_ = 0;
  std::uint64_t relationships_ = 0;
  std::uint64_t rows_ = 0;
  std::uint64_t done_bytes_ = 0;
  std::uint64_t total_bytes_ = 0;
};

}  // namespace

ImportNotice Database::import_csv(const ImportOptions& options) {
  if (impl_->closed) throw Error(ErrorCode::kTransactionClosed, "the database is closed");
  if (options.node_files.empty() && options.relationship_files.empty())
    throw Error(ErrorCode::kInvalidArgument, "an import needs at least one nodes file");
  auto& db = *impl_;
  txlog::ImportNoticeRecord notice;
  {
    detail::TxnState s(db, true);  // waits for the open write transaction, if any
    const auto& t = db.env->tables();
    s.next_node_id = engine::read_meta_u64(s.txn, t, engine::kMetaNextNodeId, 1);
    s.next_relationship_id = engine::read_meta_u64(s.txn, t, engine::kMetaNextRelationshipId, 1);
    notice.first_node_id = s.next_node_id;
    notice.first_relationship_id = s.next_relationship_id;
    Importer importer(s, options);
    for (const auto& f : options.node_files) {
      importer.import_nodes(f.string());
      importer.file_done(std::filesystem::file_size(f));
      notice.files.push_back(f.string());
    }
    for (const auto& f : options.relationship_files) {
      importer.import_relationships(f.string());
      importer.file_done(std::filesystem::file_size(f));
      notice.files.push_back(f.string());
    }
    importer.final_progress();
    notice.nodes = importer.nodes();
    notice.relationships = importer.relationships();
    notice.after_tx = db.last_committed_tx.load();
    notice.time_us = db.now_us();
    notice.import_number = engine::next_import_number(s);
    engine::write_meta_u64(s.txn, t, engine::kMetaNextNodeId, s.next_node_id);
    engine::write_meta_u64(s.txn, t, engine::kMetaNextRelationshipId, s.next_relationship_id);
    auto add = [&](std::string_view key, std::int64_t delta) {
      auto v = static_cast<std::int64_t>(engine::read_meta_u64(s.txn, t, key)) + delta;
      engine::write_meta_u64(s.txn, t, key, static_cast<std::uint64_t>(v));
    };
    add(engine::kMetaNodeCount, s.node_delta);
    add(engine::kMetaRelationshipCount, s.relationship_delta);
    // 1. The rows, the notice and its pending mark, in one store transaction.
    engine::record_import(s, notice);
    s.commit_store("committing the import");
    s.tokens.publish();
  }
  // 2. Durable before it is acknowledged: the log cannot replay it.
  db.checkpoint();
  // 3. The log tells of it.
  engine::append_pending_import_notice(db);
  return txlog::public_import_notice(std::move(notice));
}

}  // namespace txgraph
