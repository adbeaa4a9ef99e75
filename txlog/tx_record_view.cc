#include "txlog/tx_record_view.h"

#include <algorithm>

#include <fmt/format.h>

#include "txlog/value_codec.h"

namespace txgraph::txlog {

namespace {

constexpr const char* kWhat = "transaction record";

std::uint64_t entity_key(bool node, std::uint64_t id) { return id << 1 | (node ? 0 : 1); }

}  // namespace

TxHeaderView read_tx_header_view(std::string_view payload) {
  ByteReader in(payload, kWhat);
  TxHeaderView h;
  read_tx_header(in, h);
  return h;
}

void TxRecordView::read(std::string_view payload) {
  ByteReader in(payload, kWhat);
  read_tx_header(in, header_);
  operations_.resize(static_cast<std::size_t>(header_.op_count));
  for (auto& op : operations_) read_operation(in, op);
  has_enrichment_ = header_.capture_mode != CaptureMode::kOff;
  generation_ = 0;
  changes_.clear();
  grouped_ = false;
  if (has_enrichment_) {
    generation_ = in.varint();
    std::uint64_t n = in.count(5);
    changes_.resize(static_cast<std::size_t>(n));
    for (auto& change : changes_) read_change(in, change);
  }
  // In decode_tx_record's order, so that a damaged record is refused with its message.
  check_creates_have_operations(in);
  if (!in.done()) in.fail("trailing bytes after the record");
}

void TxRecordView::check_creates_have_operations(const ByteReader& in) {
  for (std::size_t i = 0; i < changes_.size(); ++i) {
    if (!changes_[i].after_from_operations) continue;
    OpCode create =
        changes_[i].entity == ChangeEntity::kNode ? OpCode::kCreateNode : OpCode::kCreateRelationship;
    auto mine = operations_on(i);
    if (std::none_of(mine.begin(), mine.end(), [&](std::uint32_t op) { return operations_[op].code == create; }))
      in.fail(fmt::format("a create of entity {} whose record has no create operation", changes_[i].id));
  }
}

std::span<const std::uint32_t> TxRecordView::operations_on(std::size_t index) {
  const ChangeView& change = changes_[index];
  bool node = change.entity == ChangeEntity::kNode;
  found_.clear();
  // Most transactions are small: a pass over their few operations costs less than a grouping.
  constexpr std::size_t kGroupAbove = 16;
  if (operations_.size() <= kGroupAbove) {
    for (std::size_t i = 0; i < operations_.size(); ++i) {
      const OperationView& op = operations_[i];
      if (!is_schema_operation(op.code) && op.id == change.id && is_node_operation(op.code) == node)
        found_.push_back(static_cast<std::uint32_t>(i));
    }
    return found_;
  }
  if (!grouped_) {
    by_entity_.clear();
    for (std::size_t i = 0; i < operations_.size(); ++i) {
      const OperationView& op = operations_[i];
      if (!is_schema_operation(op.code))
        by_entity_.emplace_back(entity_key(is_node_operation(op.code), op.id), static_cast<std::uint32_t>(i));
    }
    // Pairs sort by index within one entity: record order.
    std::sort(by_entity_.begin(), by_entity_.end());
    grouped_ = true;
  }
  std::uint64_t key = entity_key(node, change.id);
  auto first = std::lower_bound(by_entity_.begin(), by_entity_.end(), std::pair<std::uint64_t, std::uint32_t>(key, 0));
  for (auto it = first; it != by_entity_.end() && it->first == key; ++it) found_.push_back(it->second);
  return found_;
}

}  // namespace txgraph::txlog
