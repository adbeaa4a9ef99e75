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

std::vector<KeyValues> read_keys(ByteReader& in) {
  std::uint64_t n = in.count(2);
  std::vector<KeyValues> keys(static_cast<std::size_t>(n));
  for (auto& k : keys) {
    k.label = std::string(in.str());
    k.properties = decode_properties(in);
  }
  return keys;
}

void write_node_reference(ByteWriter& out, const NodeReference& ref) {
  out.varint(ref.id);
  write_names(out, ref.labels);
  write_keys(out, ref.keys);
}

NodeReference read_node_reference(ByteReader& in) {
  NodeReference ref;
  ref.id = in.varint();
  ref.labels = read_names(in);
  ref.keys = read_keys(in);
  return ref;
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

std::optional<EntityState> read_state_body(ByteReader& in) {
  EntityState s;
  s.labels = read_names(in);
  s.properties = decode_properties(in);
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
  for (std::uint64_t i = 0; i < n; ++i) {
    Change c;
    auto entity = in.u8();
    if (entity != 1 && entity != 2) in.fail("bad change entity");
    c.entity = static_cast<ChangeEntity>(entity);
    auto op = in.u8();
    if (op < 1 || op > 3) in.fail("bad change operation");
    c.operation = static_cast<ChangeOperation>(op);
    c.id = in.varint();
    if (c.entity == ChangeEntity::kNode) {
      c.labels = read_names(in);
    } else {
      c.type = std::string(in.str());
      c.start = read_node_reference(in);
      c.end = read_node_reference(in);
    }
    c.keys = read_keys(in);
    auto before = in.u8();
    if (before > kStatePresent) in.fail("bad before-state marker");
    if (before == kStatePresent) c.before = read_state_body(in);
    auto after = in.u8();
    if (after > kStateFromOperations) in.fail("bad after-state marker");
    if (after == kStatePresent) c.after = read_state_body(in);
    c.after_from_operations = after == kStateFromOperations;
    if (c.after_from_operations && c.operation != ChangeOperation::kCreate)
      in.fail("only a create takes its after-state from the operations");
    bool has_after = c.after.has_value() || c.after_from_operations;
    if ((c.operation == ChangeOperation::kCreate) != !c.before.has_value() ||
        (c.operation == ChangeOperation::kDelete) != !has_after)
      in.fail("change states do not match its operation");
    e.changes.push_back(std::move(c));
  }
  return e;
}

}  // namespace txgraph::txlog
