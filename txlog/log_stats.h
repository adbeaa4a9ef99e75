// What a log holds, counted: records and bytes per record type and capture mode, operations
// per type, enrichment changes per entity kind, transaction sizes and rate (`txgraph log stats`).
#pragma once

#include <array>
#include <cstdint>

#include "txlog/segment_reader.h"

namespace txgraph::txlog {

struct ByteCount {
  std::uint64_t records = 0;
  std::uint64_t raw_bytes = 0;     // uncompressed payloads
  std::uint64_t stored_bytes = 0;  // as on disk (without frame headers)
};

struct LogStats {
  std::array<ByteCount, 5> by_record_type{};   // index: RecordType (0 unused)
  std::array<ByteCount, 3> by_capture_mode{};  // transactions only; index: CaptureMode
  std::array<std::uint64_t, 12> ops_by_code{}; // index: OpCode (0 unused)
  // Enrichment changes: [entity 1 node, 2 relationship][operation 1 create, 2 update, 3 delete].
  std::array<std::array<std::uint64_t, 4>, 3> changes{};
  std::uint64_t transactions = 0;
  std::uint64_t tx_raw_bytes = 0;
  std::uint64_t largest_tx_id = 0;
  std::uint64_t largest_tx_raw_bytes = 0;
  std::uint64_t largest_tx_ops = 0;
  std::int64_t first_commit_us = 0, last_commit_us = 0;

  // Transactions per second between the first and the last commit; 0 with fewer than two.
  double tx_per_second() const;
  ByteCount total() const;
};

// Adds one record. Throws Error(kCorruption) when its payload does not decode.
void add_to_stats(LogStats& stats, const Frame& frame);

}  // namespace txgraph::txlog
