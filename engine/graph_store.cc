#include "engine/graph_store.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "engine/change_capture.h"
#include "txlog/value_codec.h"

namespace txgraph::engine {

using txlog::ByteReader;
using txlog::ByteWriter;

namespace {

// LMDB keys are at most 511 bytes; a key constraint's values must fit with room to spare.
constexpr std::size_t kMaxKeyBytes = 480;

std::string id_key(std::uint64_t id) {
  std::string k;
  append_be64(k, id);
  return k;
}
const Tables& tables_of(const TxnState& s) { return s.db->env->tables(); }

[[noreturn]] void node_not_found(std::uint64_t id) {
  throw Error(ErrorCode::kNotFound, fmt::format("node {} does not exist", element_id(NodeId{id})));
}
[[noreturn]] void relationship_not_found(std::uint64_t id) {
  throw Error(ErrorCode::kNotFound, fmt::format("relationship {} does not exist", element_id(RelationshipId{id})));
}

// The longest name a label, type or property key may have: a name is a token whose id key is a
// kind byte and the name (engine/tokens.cc), and LMDB keys hold at most 511 bytes.
constexpr std::size_t kMaxNameBytes = 510;

// Enough of a name to recognise it, without splitting a UTF-8 character.
std::string shortened_name(std::string_view name) {
  constexpr std::size_t kShown = 40;
  if (name.size() <= kShown) return std::string(name);
  std::size_t cut = kShown;
  while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;
  return fmt::format("{}...", name.substr(0, cut));
}

// Before anything is written, so that a bad name leaves the transaction usable; every name
// that becomes a token passes here first (LMDB would refuse a long one only half-way through
// the write, with MDB_BAD_VALSIZE and no name).
void check_name(std::string_view name, std::string_view what) {
  if (name.empty()) throw Error(ErrorCode::kInvalidArgument, fmt::format("{} must not be empty", what));
  if (name.size() > kMaxNameBytes)
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("{} of {} bytes is longer than the {} bytes a name may have: \"{}\"", what, name.size(),
                            kMaxNameBytes, shortened_name(name)));
}

// Properties are stored by token id; a write transaction creates missing tokens.
void encode_stored_properties(TxnState& s, ByteWriter& w, const Properties& props) {
  std::vector<std::pair<std::uint32_t, const Value*>> by_token;
  by_token.reserve(props.size());
  for (const auto& [key, value] : props) {
    if (value.is_null()) continue;
    by_token.emplace_back(s.tokens.get_or_create(s.txn, TokenKind::kPropertyKey, key), &value);
  }
  std::sort(by_token.begin(), by_token.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  w.varint(by_token.size());
  for (const auto& [token, value] : by_token) {
    w.varint(token);
    txlog::encode_value(w, *value);
  }
}

Properties decode_stored_properties(const TxnState& s, ByteReader& r) {
  Properties props;
  std::uint64_t n = r.count(2);
  for (std::uint64_t i = 0; i < n; ++i) {
    auto token = static_cast<std::uint32_t>(r.varint());
    std::string key = s.tokens.name(TokenKind::kPropertyKey, token);
    props.insert_or_assign(std::move(key), txlog::decode_value(r));
  }
  return props;
}

std::string encode_node(TxnState& s, const Node& node) {
  std::string out;
  ByteWriter w(out);
  std::vector<std::uint32_t> labels;
  labels.reserve(node.labels.size());
  for (const auto& l : node.labels) labels.push_back(s.tokens.get_or_create(s.txn, TokenKind::kLabel, l));
  std::sort(labels.begin(), labels.end());
  w.varint(labels.size());
  for (auto l : labels) w.varint(l);
  encode_stored_properties(s, w, node.properties);
  return out;
}

std::string encode_relationship(TxnState& s, const Relationship& rel) {
  std::string out;
  ByteWriter w(out);
  w.varint(s.tokens.get_or_create(s.txn, TokenKind::kType, rel.type));
  w.varint(rel.start.value);
  w.varint(rel.end.value);
  encode_stored_properties(s, w, rel.properties);
  return out;
}

std::string adjacency_key(std::uint64_t node, std::uint8_t direction, std::uint32_t type, std::uint64_t rel) {
  std::string k;
  append_be64(k, node);
  k.push_back(static_cast<char>(direction));
  append_be32(k, type);
  append_be64(k, rel);
  return k;
}

std::string label_key(std::uint32_t label, std::uint64_t node) {
  std::string k;
  append_be32(k, label);
  append_be64(k, node);
  return k;
}

bool has_label(const Node& node, std::string_view label) {
  return std::find(node.labels.begin(), node.labels.end(), label) != node.labels.end();
}

bool key_applies(const KeyDef& def, const Node& node) {
  return def.constraint.kind == EntityKind::kNode && has_label(node, def.constraint.label_or_type);
}
bool key_applies(const KeyDef& def, const Relationship& rel) {
  return def.constraint.kind == EntityKind::kRelationship && def.constraint.label_or_type == rel.type;
}

// The key index entries an entity needs: (key bytes, the constraint).
template <typename Entity>
std::vector<std::pair<std::string, const KeyDef*>> entity_keys(TxnState& s, const Entity* entity) {
  std::vector<std::pair<std::string, const KeyDef*>> out;
  if (!entity) return out;
  for (const auto& def : schema(s)) {
    if (!key_applies(def, *entity)) continue;
    if (auto bytes = key_bytes(def, entity->properties)) out.emplace_back(std::move(*bytes), &def);
  }
  return out;
}

bool contains_key(const std::vector<std::pair<std::string, const KeyDef*>>& keys, const std::string& k) {
  return std::any_of(keys.begin(), keys.end(), [&](const auto& p) { return p.first == k; });
}

template <typename Entity>
std::string describe(std::uint64_t id);
template <>
std::string describe<Node>(std::uint64_t id) {
  return "node " + element_id(NodeId{id});
}
template <>
std::string describe<Relationship>(std::uint64_t id) {
  return "relationship " + element_id(RelationshipId{id});
}

// Validates the key index changes from `before` to `after`, then returns them: first the keys
// to delete, then the keys to add. Throws kConstraintViolation before anything is written.
template <typename Entity>
std::pair<std::vector<std::string>, std::vector<std::string>> plan_key_changes(TxnState& s, std::uint64_t id,
                                                                                const Entity* before,
                                                                                const Entity* after) {
  auto old_keys = entity_keys(s, before);
  auto new_keys = entity_keys(s, after);
  std::vector<std::string> removed, added;
  for (const auto& [k, def] : old_keys) {
    if (!contains_key(new_keys, k)) removed.push_back(k);
  }
  for (const auto& [k, def] : new_keys) {
    if (contains_key(old_keys, k)) continue;
    if (auto holder = mdb_get(s.txn, tables_of(s).key_index, k); holder && read_be64(*holder) != id) {
      throw Error(ErrorCode::kConstraintViolation,
                  fmt::format("{} would have the key {} that {} already has", describe<Entity>(id),
                              describe_key(*def, after->properties), describe<Entity>(read_be64(*holder))));
    }
    added.push_back(k);
  }
  return {std::move(removed), std::move(added)};
}

void apply_key_changes(TxnState& s, std::uint64_t id, const std::vector<std::string>& removed,
                       const std::vector<std::string>& added) {
  for (const auto& k : removed) mdb_delete(s.txn, tables_of(s).key_index, k);
  for (const auto& k : added) mdb_put_value(s.txn, tables_of(s).key_index, k, id_key(id));
}

// Runs the writing part of a mutation; a failure there leaves the transaction half-written,
// so it can then only be aborted.
template <typename Fn>
void write_phase(TxnState& s, Fn&& fn) {
  try {
    fn();
  } catch (...) {
    s.failed = true;
    throw;
  }
}

void store_node(TxnState& s, std::uint64_t id, const Node* before, const Node* after) {
  // Named pair members rather than a structured binding, which clang before 16 cannot capture.
  auto key_changes = plan_key_changes(s, id, before, after);
  const auto& removed = key_changes.first;
  const auto& added = key_changes.second;
  note_before(s, before, id);
  write_phase(s, [&] {
    const auto& t = tables_of(s);
    std::string key = id_key(id);
    if (after) {
      mdb_put_value(s.txn, t.nodes, key, encode_node(s, *after));
    } else {
      mdb_delete(s.txn, t.nodes, key);
    }
    if (before) {
      for (const auto& l : before->labels) {
        if (after && has_label(*after, l)) continue;
        if (auto token = s.tokens.find(TokenKind::kLabel, l)) mdb_delete(s.txn, t.label_index, label_key(*token, id));
      }
    }
    if (after) {
      for (const auto& l : after->labels) {
        if (before && has_label(*before, l)) continue;
        mdb_put_value(s.txn, t.label_index, label_key(s.tokens.get_or_create(s.txn, TokenKind::kLabel, l), id), {});
      }
    }
    apply_key_changes(s, id, removed, added);
  });
  s.touched_nodes.push_back(id);
}

void store_relationship(TxnState& s, std::uint64_t id, const Relationship* before, const Relationship* after) {
  // Named pair members rather than a structured binding, which clang before 16 cannot capture.
  auto key_changes = plan_key_changes(s, id, before, after);
  const auto& removed = key_changes.first;
  const auto& added = key_changes.second;
  note_before(s, before, id);
  write_phase(s, [&] {
    const auto& t = tables_of(s);
    std::string key = id_key(id);
    if (after) {
      mdb_put_value(s.txn, t.relationships, key, encode_relationship(s, *after));
    } else {
      mdb_delete(s.txn, t.relationships, key);
    }
    // Type and endpoints never change, so adjacency changes only on create and delete.
    const Relationship* r = after ? after : before;
    if (!before || !after) {
      std::uint32_t type = s.tokens.get_or_create(s.txn, TokenKind::kType, r->type);
      std::string out_key = adjacency_key(r->start.value, 0, type, id);
      std::string in_key = adjacency_key(r->end.value, 1, type, id);
      if (after) {
        mdb_put_value(s.txn, t.adjacency, out_key, id_key(r->end.value));
        mdb_put_value(s.txn, t.adjacency, in_key, id_key(r->start.value));
      } else {
        mdb_delete(s.txn, t.adjacency, out_key);
        mdb_delete(s.txn, t.adjacency, in_key);
      }
    }
    apply_key_changes(s, id, removed, added);
  });
  s.touched_relationships.push_back(id);
}

Node require_node(TxnState& s, std::uint64_t id) {
  auto n = load_node(s, id);
  if (!n) node_not_found(id);
  return std::move(*n);
}

Relationship require_relationship(TxnState& s, std::uint64_t id) {
  auto r = load_relationship(s, id);
  if (!r) relationship_not_found(id);
  return std::move(*r);
}

void merge_properties(Properties& into, const Properties& changes) {
  for (const auto& [key, value] : changes) {
    check_name(key, "a property key");
    if (value.is_null()) {
      into.erase(key);
    } else {
      into.insert_or_assign(key, value);
    }
  }
}

std::string encode_key_def(const KeyConstraint& c) {
  std::string out;
  ByteWriter w(out);
  w.u8(static_cast<std::uint8_t>(c.kind));
  w.str(c.label_or_type);
  w.varint(c.properties.size());
  for (const auto& p : c.properties) w.str(p);
  return out;
}

KeyDef decode_key_def(std::uint32_t id, std::string_view bytes) {
  ByteReader r(bytes, "key constraint in the store");
  KeyDef def;
  def.id = id;
  auto kind = r.u8();
  if (kind != 1 && kind != 2) r.fail("bad entity kind");
  def.constraint.kind = static_cast<EntityKind>(kind);
  def.constraint.label_or_type = std::string(r.str());
  auto n = r.count(1);
  for (std::uint64_t i = 0; i < n; ++i) def.constraint.properties.emplace_back(r.str());
  return def;
}

}  // namespace

std::uint64_t read_meta_u64(MDB_txn* txn, const Tables& tables, std::string_view key, std::uint64_t fallback) {
  auto v = mdb_get(txn, tables.meta, key);
  if (!v) return fallback;
  if (v->size() != 8) throw Error(ErrorCode::kCorruption, fmt::format("the store's meta entry {} is malformed", key));
  return read_be64(*v);
}

void write_meta_u64(MDB_txn* txn, const Tables& tables, std::string_view key, std::uint64_t value) {
  mdb_put_value(txn, tables.meta, key, id_key(value));
}

std::optional<Node> load_node(TxnState& s, std::uint64_t id) {
  auto bytes = mdb_get(s.txn, tables_of(s).nodes, id_key(id));
  if (!bytes) return std::nullopt;
  ByteReader r(*bytes, "node record");
  Node node;
  node.id = NodeId{id};
  auto n = r.count(1);
  for (std::uint64_t i = 0; i < n; ++i)
    node.labels.push_back(s.tokens.name(TokenKind::kLabel, static_cast<std::uint32_t>(r.varint())));
  std::sort(node.labels.begin(), node.labels.end());
  node.properties = decode_stored_properties(s, r);
  return node;
}

std::optional<Relationship> load_relationship(TxnState& s, std::uint64_t id) {
  auto bytes = mdb_get(s.txn, tables_of(s).relationships, id_key(id));
  if (!bytes) return std::nullopt;
  ByteReader r(*bytes, "relationship record");
  Relationship rel;
  rel.id = RelationshipId{id};
  rel.type = s.tokens.name(TokenKind::kType, static_cast<std::uint32_t>(r.varint()));
  rel.start = NodeId{r.varint()};
  rel.end = NodeId{r.varint()};
  rel.properties = decode_stored_properties(s, r);
  return rel;
}

const std::vector<KeyDef>& schema(TxnState& s) {
  if (!s.schema) {
    std::vector<KeyDef> defs;
    Cursor c(s.txn, tables_of(s).schema);
    for (bool ok = c.first(); ok; ok = c.next()) defs.push_back(decode_key_def(read_be32(c.key()), c.value()));
    s.schema = std::move(defs);
  }
  return *s.schema;
}

bool has_relationships(TxnState& s, std::uint64_t node) {
  Cursor c(s.txn, tables_of(s).adjacency);
  std::string prefix = id_key(node);
  return c.seek(prefix) && c.key().substr(0, 8) == prefix;
}

std::optional<std::string> key_bytes(const KeyDef& def, const Properties& properties) {
  std::string out;
  append_be32(out, def.id);
  ByteWriter w(out);
  for (const auto& name : def.constraint.properties) {
    auto it = properties.find(name);
    if (it == properties.end() || it->second.is_null()) return std::nullopt;
    txlog::encode_value(w, it->second);
  }
  if (out.size() > kMaxKeyBytes)
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("the values of key {} take {} bytes; keys are limited to {} bytes",
                            describe_key(def, properties), out.size(), kMaxKeyBytes));
  return out;
}

namespace {
template <typename Entity>
std::vector<txlog::KeyValues> collect_key_values(TxnState& s, const Entity& entity, bool with_label) {
  std::vector<txlog::KeyValues> out;
  for (const auto& def : schema(s)) {
    if (!key_applies(def, entity)) continue;
    txlog::KeyValues kv;
    if (with_label) kv.label = def.constraint.label_or_type;
    bool complete = true;
    for (const auto& name : def.constraint.properties) {
      auto it = entity.properties.find(name);
      if (it == entity.properties.end()) {
        complete = false;
        break;
      }
      kv.properties.emplace(name, it->second);
    }
    if (complete) out.push_back(std::move(kv));
  }
  return out;
}
}  // namespace

std::vector<txlog::KeyValues> key_values(TxnState& s, const Node& node) { return collect_key_values(s, node, true); }
std::vector<txlog::KeyValues> key_values(TxnState& s, const Relationship& relationship) {
  return collect_key_values(s, relationship, false);
}

std::string describe_key(const KeyDef& def, const Properties& properties) {
  std::string out = def.constraint.label_or_type + "(";
  bool first = true;
  for (const auto& name : def.constraint.properties) {
    if (!first) out += ", ";
    first = false;
    out += name + "=";
    auto it = properties.find(name);
    if (it == properties.end()) {
      out += "<missing>";
      continue;
    }
    out += value_text(it->second);
  }
  return out + ")";
}

void create_node(TxnState& s, std::uint64_t id, const std::vector<std::string>& labels, const Properties& properties) {
  Node node;
  node.id = NodeId{id};
  for (const auto& l : labels) check_name(l, "a label");
  node.labels = labels;
  std::sort(node.labels.begin(), node.labels.end());
  node.labels.erase(std::unique(node.labels.begin(), node.labels.end()), node.labels.end());
  merge_properties(node.properties, properties);
  if (load_node(s, id)) throw Error(ErrorCode::kCorruption, fmt::format("node id {} is already in use", id));
  store_node(s, id, nullptr, &node);
  s.node_delta++;
  if (id >= s.next_node_id) s.next_node_id = id + 1;
}

void create_fresh_node(TxnState& s, const Node& node) {
  for (const auto& l : node.labels) check_name(l, "a label");
  for (const auto& [key, value] : node.properties) check_name(key, "a property key");
  store_node(s, node.id.value, nullptr, &node);
  s.node_delta++;
  if (node.id.value >= s.next_node_id) s.next_node_id = node.id.value + 1;
}

void delete_node(TxnState& s, std::uint64_t id) {
  Node before = require_node(s, id);
  if (has_relationships(s, id))
    throw Error(ErrorCode::kHasRelationships,
                fmt::format("node {} still has relationships; delete them first or use a detach delete",
                            element_id(NodeId{id})));
  store_node(s, id, &before, nullptr);
  s.node_delta--;
}

void set_node_properties(TxnState& s, std::uint64_t id, const Properties& properties) {
  Node before = require_node(s, id);
  Node after = before;
  merge_properties(after.properties, properties);
  store_node(s, id, &before, &after);
}

void remove_node_properties(TxnState& s, std::uint64_t id, const std::vector<std::string>& keys) {
  Node before = require_node(s, id);
  Node after = before;
  for (const auto& k : keys) after.properties.erase(k);
  store_node(s, id, &before, &after);
}

void add_labels(TxnState& s, std::uint64_t id, const std::vector<std::string>& labels) {
  Node before = require_node(s, id);
  Node after = before;
  for (const auto& l : labels) {
    check_name(l, "a label");
    if (!has_label(after, l)) after.labels.push_back(l);
  }
  std::sort(after.labels.begin(), after.labels.end());
  store_node(s, id, &before, &after);
}

void remove_labels(TxnState& s, std::uint64_t id, const std::vector<std::string>& labels) {
  Node before = require_node(s, id);
  Node after = before;
  std::erase_if(after.labels, [&](const std::string& l) {
    return std::find(labels.begin(), labels.end(), l) != labels.end();
  });
  store_node(s, id, &before, &after);
}

void create_relationship(TxnState& s, std::uint64_t id, std::string_view type, std::uint64_t start,
                         std::uint64_t end, const Properties& properties) {
  check_name(type, "a relationship type");
  if (!load_node(s, start)) node_not_found(start);
  if (!load_node(s, end)) node_not_found(end);
  if (load_relationship(s, id))
    throw Error(ErrorCode::kCorruption, fmt::format("relationship id {} is already in use", id));
  Relationship rel;
  rel.id = RelationshipId{id};
  rel.type = std::string(type);
  rel.start = NodeId{start};
  rel.end = NodeId{end};
  merge_properties(rel.properties, properties);
  store_relationship(s, id, nullptr, &rel);
  s.relationship_delta++;
  if (id >= s.next_relationship_id) s.next_relationship_id = id + 1;
}

void create_fresh_relationship(TxnState& s, const Relationship& relationship) {
  check_name(relationship.type, "a relationship type");
  for (const auto& [key, value] : relationship.properties) check_name(key, "a property key");
  store_relationship(s, relationship.id.value, nullptr, &relationship);
  s.relationship_delta++;
  if (relationship.id.value >= s.next_relationship_id) s.next_relationship_id = relationship.id.value + 1;
}

void delete_relationship(TxnState& s, std::uint64_t id) {
  Relationship before = require_relationship(s, id);
  store_relationship(s, id, &before, nullptr);
  s.relationship_delta--;
}

void set_relationship_properties(TxnState& s, std::uint64_t id, const Properties& properties) {
  Relationship before = require_relationship(s, id);
  Relationship after = before;
  merge_properties(after.properties, properties);
  store_relationship(s, id, &before, &after);
}

void remove_relationship_properties(TxnState& s, std::uint64_t id, const std::vector<std::string>& keys) {
  Relationship before = require_relationship(s, id);
  Relationship after = before;
  for (const auto& k : keys) after.properties.erase(k);
  store_relationship(s, id, &before, &after);
}

void create_key(TxnState& s, const KeyConstraint& constraint) {
  check_name(constraint.label_or_type, constraint.kind == EntityKind::kNode ? "a key's label" : "a key's type");
  if (constraint.properties.empty())
    throw Error(ErrorCode::kInvalidArgument, "a key constraint needs at least one property");
  std::set<std::string> seen;
  for (const auto& p : constraint.properties) {
    check_name(p, "a key property");
    if (!seen.insert(p).second)
      throw Error(ErrorCode::kInvalidArgument, fmt::format("key property {} is listed twice", p));
  }
  std::uint32_t next_id = 1;
  for (const auto& def : schema(s)) {
    next_id = std::max(next_id, def.id + 1);
    if (same_key(def.constraint, constraint))
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("a key on {} with these properties already exists", constraint.label_or_type));
  }
  KeyDef def{next_id, constraint};
  // Existing data must satisfy the key before it is created.
  std::vector<std::pair<std::string, std::uint64_t>> entries;
  auto add_entry = [&](std::uint64_t id, const Properties& props, const std::string& who) {
    auto bytes = key_bytes(def, props);
    if (!bytes)
      throw Error(ErrorCode::kConstraintViolation,
                  fmt::format("cannot create key {}: {} lacks a key property", describe_key(def, props), who));
    for (const auto& [k, other] : entries) {
      if (k == *bytes)
        throw Error(ErrorCode::kConstraintViolation,
                    fmt::format("cannot create key {}: {} and {} have equal keys", describe_key(def, props), who,
                                other));
    }
    entries.emplace_back(std::move(*bytes), id);
  };
  const auto& t = tables_of(s);
  if (constraint.kind == EntityKind::kNode) {
    if (auto label = s.tokens.find(TokenKind::kLabel, constraint.label_or_type)) {
      Cursor c(s.txn, t.label_index);
      std::string prefix;
      append_be32(prefix, *label);
      for (bool ok = c.seek(prefix); ok && c.key().substr(0, 4) == prefix; ok = c.next()) {
        std::uint64_t id = read_be64(c.key().substr(4));
        auto node = load_node(s, id);
        add_entry(id, node->properties, describe<Node>(id));
      }
    }
  } else {
    Cursor c(s.txn, t.relationships);
    for (bool ok = c.first(); ok; ok = c.next()) {
      std::uint64_t id = read_be64(c.key());
      auto rel = load_relationship(s, id);
      if (rel->type == constraint.label_or_type) add_entry(id, rel->properties, describe<Relationship>(id));
    }
  }
  write_phase(s, [&] {
    std::string key;
    append_be32(key, def.id);
    mdb_put_value(s.txn, t.schema, key, encode_key_def(constraint));
    for (const auto& [k, id] : entries) mdb_put_value(s.txn, t.key_index, k, id_key(id));
  });
  s.schema->push_back(std::move(def));
}

namespace {
template <class Entity>
void check_entity_keys(TxnState& s, const Entity& entity, const std::string& who) {
  for (const auto& def : schema(s)) {
    if (key_applies(def, entity) && !key_bytes(def, entity.properties))
      throw Error(ErrorCode::kConstraintViolation,
                  fmt::format("{} lacks a property of its key {}", who, describe_key(def, entity.properties)));
  }
}
}  // namespace

void check_key_complete(TxnState& s, const Node& node) {
  if (!schema(s).empty()) check_entity_keys(s, node, describe<Node>(node.id.value));
}

void check_key_complete(TxnState& s, const Relationship& relationship) {
  if (!schema(s).empty()) check_entity_keys(s, relationship, describe<Relationship>(relationship.id.value));
}

void check_keys_complete(TxnState& s) {
  if (schema(s).empty()) return;
  for (auto id : s.touched_nodes) {
    if (auto n = load_node(s, id)) check_entity_keys(s, *n, describe<Node>(id));
  }
  for (auto id : s.touched_relationships) {
    if (auto r = load_relationship(s, id)) check_entity_keys(s, *r, describe<Relationship>(id));
  }
}

void apply_redo(TxnState& s, const txlog::RedoOp& op) {
  using txlog::OpCode;
  switch (op.code) {
    case OpCode::kCreateNode:
      create_node(s, op.id, op.names, op.properties);
      break;
    case OpCode::kDeleteNode:
      delete_node(s, op.id);
      break;
    case OpCode::kSetNodeProperties:
      set_node_properties(s, op.id, op.properties);
      break;
    case OpCode::kRemoveNodeProperties:
      remove_node_properties(s, op.id, op.names);
      break;
    case OpCode::kAddLabels:
      add_labels(s, op.id, op.names);
      break;
    case OpCode::kRemoveLabels:
      remove_labels(s, op.id, op.names);
      break;
    case OpCode::kCreateRelationship:
      create_relationship(s, op.id, op.type, op.start, op.end, op.properties);
      break;
    case OpCode::kDeleteRelationship:
      delete_relationship(s, op.id);
      break;
    case OpCode::kSetRelationshipProperties:
      set_relationship_properties(s, op.id, op.properties);
      break;
    case OpCode::kRemoveRelationshipProperties:
      remove_relationship_properties(s, op.id, op.names);
      break;
    case OpCode::kCreateKey:
      create_key(s, KeyConstraint{static_cast<EntityKind>(op.key_kind), op.type, op.names});
      break;
    case OpCode::kDropKey:
      drop_key(s, KeyConstraint{static_cast<EntityKind>(op.key_kind), op.type, op.names});
      break;
  }
}

}  // namespace txgraph::engine
