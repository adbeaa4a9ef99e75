// Consumer groups' holds on pruning (retention_holds.h).
#include "txlog/retention_holds.h"

#include <fmt/format.h>

#include "txlog/text_formats.h"

namespace txgraph::txlog {

std::vector<LostHold> apply_retention_holds(std::vector<PruneVerdict>& plan,
                                            const std::vector<SegmentSummary>& segments,
                                            const std::vector<RetentionHold>& holds) {
  std::vector<LostHold> lost;
  std::size_t pruned = 0;
  while (pruned < plan.size() && plan[pruned].prune) ++pruned;
  std::size_t keep_from = pruned;  // the new end of the pruned prefix
  const RetentionHold* binding = nullptr;
  for (const auto& hold : holds) {
    std::size_t first_needed = segments.size();
    for (std::size_t i = 0; i < segments.size(); ++i)
      if (segments[i].last_tx != 0 && segments[i].last_tx >= hold.needs_tx) {
        first_needed = i;
        break;
      }
    if (first_needed >= pruned) continue;  // the plan leaves it everything it needs
    std::uint64_t held = 0;
    for (std::size_t i = first_needed; i < segments.size(); ++i) held += segments[i].bytes;
    if (held > hold.max_bytes) {
      lost.push_back({hold.group, fmt::format("it still needed transaction {} onward, {} of log, past its hold cap "
                                              "of {}, so the retention policy pruned it",
                                              hold.needs_tx, readable_size(held), size_text(hold.max_bytes))});
      continue;
    }
    if (first_needed < keep_from) {
      keep_from = first_needed;
      binding = &hold;
    }
  }
  for (std::size_t i = keep_from; i < pruned; ++i) {
    plan[i].prune = false;
    plan[i].reason = fmt::format("kept: consumer group {} still needs it (from tx {}, within its {} hold)",
                                 binding->group, binding->needs_tx, size_text(binding->max_bytes));
  }
  return lost;
}

}  // namespace txgraph::txlog
