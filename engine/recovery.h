// Recovery at open: bring the store up to the end of the log.
#pragma once

#include <cstdint>
#include <functional>
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

// The steps of an open that writes, in order, each named after what it has just done. What a
// crash right after each leaves:
//   kSnapshotHeld        the store's snapshot is pinned and the store marked open: the next
//                        open rolls back to the saved snapshot (the same one) and starts over;
//   kBatchReplayed       a batch of replayed transactions is in the store, not synced: the
//                        same, since the saved snapshot's pages are pinned;
//   kTornTailCut         the torn tail is cut off the active segment, durably: it held no
//                        acknowledged record;
//   kEnrichmentCaughtUp  the store took the enrichment switch it missed from the log;
//   kCheckpointed        the open's checkpoint is synced and saved: the next open rolls back
//                        to it and replays nothing.
enum class RecoveryStep { kSnapshotHeld, kBatchReplayed, kTornTailCut, kEnrichmentCaughtUp, kCheckpointed };

// For tests: a hook called after each step (nullptr removes it), so that a test can stop the
// process there or make the open fail. Process-wide.
void set_recovery_hook(std::function<void(RecoveryStep)> hook);
void recovery_step(RecoveryStep step);

}  // namespace txgraph::engine
