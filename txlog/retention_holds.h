// Consumer groups that hold the log from pruning (txgraph/consumer.h, "hold"), applied to a
// pruning plan. Pure, like plan_pruning: the caller reads the holds and acts on the result.
//
// A hold keeps every segment from the first one holding a transaction the group still needs
// to the end of the log, as long as those segments add up to at most the hold's byte cap. A
// hold that would need more than its cap to keep what the policy prunes is lost instead (like
// PostgreSQL's max_slot_wal_keep_size): the plan prunes as if the group did not exist, and
// the caller marks the group lost so its next poll says so, rather than the log growing
// without bound for a consumer that went away.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "txlog/retention_policy.h"

namespace txgraph::txlog {

struct RetentionHold {
  std::string group;
  std::uint64_t needs_tx = 0;   // the oldest transaction the group has still to read
  std::uint64_t max_bytes = 0;  // the cap on the log the hold may keep
};

struct LostHold {
  std::string group;
  std::string reason;
};

// Changes `plan` (from plan_pruning over the same `segments`) so that no segment a hold
// needs is pruned, naming the group in the verdict's reason, and returns the holds that lost.
// The pruned segments stay a prefix.
std::vector<LostHold> apply_retention_holds(std::vector<PruneVerdict>& plan,
                                            const std::vector<SegmentSummary>& segments,
                                            const std::vector<RetentionHold>& holds);

}  // namespace txgraph::txlog
