#include "txlog/enrichment.h"

#include "txlog/value_codec.h"

namespace txgraph::txlog {

namespace {

void write_keys(ByteWriter& out, const std::vector<KeyValues>& keys) {
  out.varint(keys.size());
  for (const auto& k : keys) {
    out.str(k.label);
    encode_properties(out, k.properties);
  }
}

void write_node_reference(ByteWriter& out, const NodeReference& ref) {
  out.varint(ref.id);
  write_names(out, ref.labels);
  write_keys(out, ref.keys);
}

// State markers. Persistent format: never renumber.
constexpr std::uint8_t kStateAbsent = 0;
constexpr std::uint8_t kStatePresent = 1;
constexpr std::uint8_t kStateFromOperations = 2;  // creates only: the record's operations give it

void write_state(ByteWriter& out, const std::optional<EntityState>& state) {
  out.u8(state ? kStatePresent : kStateAbsent);
  if (!state) return;
  write_names(out, state->labels);
  encode_properties(out, state->properties);
}

// ---- Reading in place, and decoding what was read ---------------------------------------

std::string_view skip_keys(ByteReader& in) {
  std::size_t start = in.position();
  std::uint64_t n = in.count(2);
  for (std::uint64_t i = 0; i < n; ++i) {
    in.str();
    skip_properties(in);
  }
  return in.consumed_since(start);
}

void read_node_reference(ByteReader& in, NodeReferenceView& ref) {
  ref.id = in.varint();
  ref.labels = skip_names(in);
  ref.keys = skip_keys(in);
}

void read_state(ByteReader& in, bool present, StateView& state) {
  state.present = present;
  state.labels = present ? skip_names(in) : std::string_view();
  state.properties = present ? skip_properties(in) : std::string_view();
}

}  // namespace

// Every field is assigned: views are reused from record to record.
void read_change(ByteReader& in, ChangeView& c) {
  auto entity = in.u8();
  if (entity != 1 && entity != 2) in.fail("bad change entity");
  c.entity = static_cast<ChangeEntity>(entity);
  auto op = in.u8();
  if (op < 1 || op > 3) in.fail("bad change operation");
  c.operation = static_cast<ChangeOperation>(op);
  c.id = in.varint();
  if (c.entity == ChangeEntity::kNode) {
    c.labels = skip_names(in);
    c.type = {};
    c.start = {};
    c.end = {};
  } else {
    c.labels = {};
    c.type = in.str();
    read_node_reference(in, c.start);
    read_node_reference(in, c.end);
  }
  c.keys = skip_keys(in);
  auto before = in.u8();
  if (before > kStatePresent) in.fail("bad before-state marker");
  read_state(in, before == kStatePresent, c.before);
  auto after = in.u8();
  if (after > kStateFromOperations) in.fail("bad after-state marker");
  read_state(in, after == kStatePresent, c.after);
  c.after_from_operations = after == kStateFromOperations;
  if (c.after_from_operations && c.operation != ChangeOperation::kCreate)
    in.fail("only a create takes its after-state from the operations");
  bool has_after = c.after.present || c.after_from_operations;
  if ((c.operation == ChangeOperation::kCreate) != !c.before.present ||
      (c.operation == ChangeOperation::kDelete) != !has_after)
    in.fail("change states do not match its operation");
}


namespace {

Properties properties_of(std::string_view properties) {
  ByteReader in(properties, "properties");
  return decode_properties(in);
}

std::vector<KeyValues> keys_of(std::string_view keys) {
  ByteReader in(keys, "keys");
  std::vector<KeyValues> out(static_cast<std::size_t>(in.varint()));
  for (auto& k : out) {
    k.label = std::string(in.str());
    k.properties = decode_properties(in);
  }
  return out;
}

NodeReference node_reference_of(const NodeReferenceView& view) {
  NodeReference ref;
  ref.id = view.id;
  decode_names_into(view.labels, ref.labels);
  ref.keys = keys_of(view.keys);
  return ref;
}

std::optional<EntityState> state_of(const StateView& view) {
  if (!view.present) return std::nullopt;
  EntityState s;
  decode_names_into(view.labels, s.labels);
  s.properties = properties_of(view.properties);
  return s;
}

}  // namespace

void encode_enrichment(ByteWriter& out, const Enrichment& e) {
  out.varint(e.generation);
  out.varint(e.changes.size());
  for (const auto& c : e.changes) {
    out.u8(static_cast<std::uint8_t>(c.entity));
    out.u8(static_cast<std::uint8_t>(c.operation));
    out.varint(c.id);
    bool from_ops = c.after_from_operations && c.operation == ChangeOperation::kCreate;
    if (c.entity == ChangeEntity::kNode) {
      write_names(out, from_ops ? std::vector<std::string>{} : c.labels);
    } else {
      out.str(c.type);
      write_node_reference(out, c.start);
      write_node_reference(out, c.end);
    }
    write_keys(out, c.keys);
    write_state(out, c.before);
    if (from_ops) {
      out.u8(kStateFromOperations);
    } else {
      write_state(out, c.after);
    }
  }
}

Enrichment decode_enrichment(ByteReader& in) {
  Enrichment e;
  e.generation = in.varint();
  std::uint64_t n = in.count(5);
  e.changes.reserve(static_cast<std::size_t>(n));
  ChangeView view;
  for (std::uint64_t i = 0; i < n; ++i) {
    read_change(in, view);
    Change c;
    c.entity = view.entity;
    c.operation = view.operation;
    c.id = view.id;
    decode_names_into(view.labels, c.labels);
    if (c.entity == ChangeEntity::kRelationship) {
      c.type = std::string(view.type);
      c.start = node_reference_of(view.start);
      c.end = node_reference_of(view.end);
    }
    c.keys = keys_of(view.keys);
    c.before = state_of(view.before);
    c.after = state_of(view.after);
    c.after_from_operations = view.after_from_operations;
    e.changes.push_back(std::move(c));
  }
  return e;
}

}  // namespace txgraph::txlog
