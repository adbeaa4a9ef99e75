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

void write_state(ByteWriter& out, const std::optional<EntityState>& state) {
  out.u8(state ? 1 : 0);
  if (!state) return;
  write_names(out, state->labels);
  encode_properties(out, state->properties);
}

std::optional<EntityState> read_state(ByteReader& in) {
  auto present = in.u8();
  if (present > 1) in.fail("bad state marker");
  if (!present) return std::nullopt;
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
    if (c.entity == ChangeEntity::kNode) {
      write_names(out, c.labels);
    } else {
      out.str(c.type);
      write_node_reference(out, c.start);
      write_node_reference(out, c.end);
    }
    write_keys(out, c.keys);
    write_state(out, c.before);
    write_state(out, c.after);
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
    c.before = read_state(in);
    c.after = read_state(in);
    if ((c.operation == ChangeOperation::kCreate) != !c.before.has_value() ||
        (c.operation == ChangeOperation::kDelete) != !c.after.has_value())
      in.fail("change states do not match its operation");
    e.changes.push_back(std::move(c));
  }
  return e;
}

}  // namespace txgraph::txlog
