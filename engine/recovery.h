// Recovery at open: bring the store up to the end of the log.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/database_impl.h"
#include "txlog/retention_policy.h"
#include "txlog/tx_record.h"

namespace txgraph::engine {

struct RecoveryResult {
  std::uint64_t last_tx = 0;             // the last transaction in the store (= in the log)
  std::uint64_t active_segment = 0;      // 0: the log holds no segment yet
  std::uint64_t active_end = 0;          // where the active segment's valid data ends
  std::uint64_t replayed = 0;            // transactions replayed into the store
  std::uint64_t torn_bytes_cut = 0;      // bytes of an incomplete last record cut off
  std::uint64_t last_checkpoint_tx = 0;
  std::int64_t last_checkpoint_time_us = 0;
  // The last enrichment switch in the log: the log is written before the store, so after a
  // crash it may know of a switch the store does not.
  std::optional<txlog::EnrichmentChangeRecord> last_enrichment_change;
  // The highest import number of the import notices in the log (0: none).
  std::uint64_t last_import_notice = 0;
  // What retention needs to know of each segment, oldest first.
  std::vector<txlog::SegmentSummary> segments;
};

// Reads every segment in order, checking headers (database uuid, numbering) and tx id
// continuity; replays the transactions after the store's last applied one; cuts a torn tail
// off the last segment (and removes a last segment whose header was never completed).
// Throws kCorruption naming segment and offset for damage anywhere else, kWrongDatabase for a
// segment of another database.
RecoveryResult recover(Database::Impl& db);

}  // namespace txgraph::engine
