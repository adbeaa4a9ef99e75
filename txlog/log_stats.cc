#include "txlog/log_stats.h"

#include "txlog/tx_record.h"

namespace txgraph::txlog {

namespace {
void count(ByteCount& c, const Frame& frame) {
  ++c.records;
  c.raw_bytes += frame.payload.size();
  c.stored_bytes += frame.stored_size;
}
}  // namespace

double LogStats::tx_per_second() const {
  if (transactions < 2 || last_commit_us <= first_commit_us) return 0;
  return static_cast<double>(transactions - 1) / (static_cast<double>(last_commit_us - first_commit_us) / 1e6);
}

ByteCount LogStats::total() const {
  ByteCount sum;
  for (const auto& c : by_record_type) {
    sum.records += c.records;
    sum.raw_bytes += c.raw_bytes;
    sum.stored_bytes += c.stored_bytes;
  }
  return sum;
}

void add_to_stats(LogStats& stats, const Frame& frame) {
  auto type = static_cast<std::size_t>(frame.type);
  if (type < stats.by_record_type.size()) count(stats.by_record_type[type], frame);
  if (frame.type != RecordType::kTransaction) return;
  TxRecord tx = decode_tx_record(frame.payload);
  auto mode = static_cast<std::size_t>(tx.header.capture_mode);
  if (mode < stats.by_capture_mode.size()) count(stats.by_capture_mode[mode], frame);
  for (const RedoOp& op : tx.ops) {
    auto code = static_cast<std::size_t>(op.code);
    if (code < stats.ops_by_code.size()) ++stats.ops_by_code[code];
  }
  if (tx.enrichment)
    for (const Change& change : tx.enrichment->changes) {
      auto entity = static_cast<std::size_t>(change.entity);
      auto operation = static_cast<std::size_t>(change.operation);
      if (entity < 3 && operation < 4) ++stats.changes[entity][operation];
    }
  if (stats.transactions == 0) stats.first_commit_us = tx.header.commit_time_us;
  stats.last_commit_us = tx.header.commit_time_us;
  ++stats.transactions;
  stats.tx_raw_bytes += frame.payload.size();
  if (frame.payload.size() > stats.largest_tx_raw_bytes) {
    stats.largest_tx_raw_bytes = frame.payload.size();
    stats.largest_tx_id = tx.header.tx_id;
    stats.largest_tx_ops = tx.ops.size();
  }
}

}  // namespace txgraph::txlog
