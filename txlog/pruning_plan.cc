// Which segments a retention policy lets go after a checkpoint (plan_pruning in
// retention_policy.h).
#include <algorithm>
#include <chrono>
#include <limits>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "txgraph/error.h"
#include "txlog/retention_policy.h"
#include "txlog/text_formats.h"

namespace txgraph::txlog {

namespace {

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
  return a > std::numeric_limits<std::uint64_t>::max() - b ? std::numeric_limits<std::uint64_t>::max() : a + b;
}

// What the policy alone says of one segment, before the safety rules and the prefix rule.
struct PolicyVerdict {
  bool prunable = false;
  std::string reason;
};

// Walks from the newest segment to the oldest, because every cumulative limit is counted from
// the newest end of the log.
std::vector<PolicyVerdict> policy_verdicts(const RetentionPolicy& policy, const std::vector<SegmentSummary>& segments,
                                           std::int64_t now_us) {
  using Kind = RetentionPolicy::Kind;
  std::vector<PolicyVerdict> verdicts(segments.size());
  std::uint64_t bytes_so_far = 0;  // this segment and the newer ones
  std::uint64_t newer_txs = 0;     // the newer segments only
  std::uint64_t files_so_far = 0;  // this segment and the newer ones
  std::int64_t max_age_us = std::chrono::duration_cast<std::chrono::microseconds>(policy.max_age()).count();
  // Saturates rather than wrapping for a `now` near the start of the int64 range.
  std::int64_t cutoff_us = now_us < std::numeric_limits<std::int64_t>::min() + max_age_us
                               ? std::numeric_limits<std::int64_t>::min()
                               : now_us - max_age_us;

  for (std::size_t i = segments.size(); i-- > 0;) {
    const SegmentSummary& segment = segments[i];
    bytes_so_far = saturating_add(bytes_so_far, segment.bytes);
    ++files_so_far;
    PolicyVerdict& verdict = verdicts[i];
    switch (policy.kind()) {
      case Kind::kKeepAll:
        verdict = {false, "kept: keep_all keeps every segment"};
        break;
      case Kind::kKeepNone:
        verdict = {true, "pruned: keep_none keeps only what the safety rules require"};
        break;
      case Kind::kFiles:
        verdict.prunable = files_so_far > policy.file_count();
        verdict.reason = verdict.prunable
                             ? fmt::format("pruned: beyond the newest {}", policy.to_string())
                             : fmt::format("kept: one of the newest {}", policy.to_string());
        break;
      case Kind::kSize:
        verdict.prunable = bytes_so_far > policy.max_bytes();
        verdict.reason = verdict.prunable ? fmt::format("pruned: beyond {} ({} with the newer segments)",
                                                        policy.to_string(), readable_size(bytes_so_far))
                                          : fmt::format("kept: within {} ({} so far)", policy.to_string(),
                                                        readable_size(bytes_so_far));
        break;
      case Kind::kTxs:
        verdict.prunable = newer_txs >= policy.tx_count();
        verdict.reason = verdict.prunable
                             ? fmt::format("pruned: the newer segments already hold {} txs, at least {}",
                                           newer_txs, policy.tx_count())
                             : fmt::format("kept: needed for the newest {} (the newer segments hold {} txs)",
                                           policy.to_string(), newer_txs);
        break;
      case Kind::kMaxAge: {
        std::string age = hours_or_days_text(policy.max_age());
        std::string last_commit = iso8601_utc(segment.last_commit_us);
        bool too_old = segment.last_commit_us < cutoff_us;
        auto cap = policy.size_cap_bytes();
        bool too_big = cap && bytes_so_far > *cap;
        verdict.prunable = too_old || too_big;
        if (too_old) {
          verdict.reason = fmt::format("pruned: older than {} (last commit {})", age, last_commit);
        } else if (too_big) {
          verdict.reason = fmt::format("pruned: beyond the {} size cap ({} with the newer segments)",
                                       size_text(*cap), readable_size(bytes_so_far));
        } else {
          verdict.reason = fmt::format("kept: within {} (last commit {})", age, last_commit);
          if (cap)
            verdict.reason += fmt::format(" and the {} size cap ({} so far)", size_text(*cap),
                                          readable_size(bytes_so_far));
        }
        break;
      }
    }
    if (segment.last_tx != 0) newer_txs = saturating_add(newer_txs, segment.last_tx - segment.first_tx + 1);
  }
  return verdicts;
}

void check_summaries(const std::vector<SegmentSummary>& segments) {
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const SegmentSummary& segment = segments[i];
    if (i > 0 && segment.number <= segments[i - 1].number)
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("pruning plan: segment {} follows segment {}; segments must ascend by number",
                              segment.number, segments[i - 1].number));
    if ((segment.first_tx == 0) != (segment.last_tx == 0) || segment.first_tx > segment.last_tx)
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("pruning plan: segment {} claims transactions {} to {}", segment.number,
                              segment.first_tx, segment.last_tx));
  }
}

}  // namespace

std::vector<PruneVerdict> plan_pruning(const RetentionPolicy& policy, const std::vector<SegmentSummary>& segments,
                                       std::uint64_t last_checkpoint_tx, std::int64_t now_us) {
  check_summaries(segments);
  std::vector<PolicyVerdict> by_policy = policy_verdicts(policy, segments, now_us);

  std::size_t newest_with_transactions = segments.size();
  for (std::size_t i = segments.size(); i-- > 0;) {
    if (segments[i].last_tx != 0) {
      newest_with_transactions = i;
      break;
    }
  }

  std::vector<PruneVerdict> plan;
  plan.reserve(segments.size());
  bool an_older_segment_is_kept = false;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const SegmentSummary& segment = segments[i];
    PruneVerdict verdict{segment.number, false, {}};
    if (i + 1 == segments.size()) {
      verdict.reason = "kept: active segment";
    } else if (segment.last_tx > last_checkpoint_tx) {
      // The store has not synced these transactions yet: after a crash, recovery replays them
      // from this segment, their only durable copy.
      verdict.reason = fmt::format(
          "kept: holds transactions after the last checkpoint (up to tx {}, checkpoint at tx {})", segment.last_tx,
          last_checkpoint_tx);
    } else if (i == newest_with_transactions) {
      verdict.reason = "kept: newest segment with transactions";
    } else if (!by_policy[i].prunable) {
      verdict.reason = std::move(by_policy[i].reason);
    } else if (an_older_segment_is_kept) {
      // Pruning this one would leave a hole: readers and recovery expect consecutive segments.
      verdict.reason = "kept: an older segment is kept, and the log stays contiguous";
    } else {
      verdict.prune = true;
      verdict.reason = std::move(by_policy[i].reason);
    }
    if (!verdict.prune) an_older_segment_is_kept = true;
    plan.push_back(std::move(verdict));
  }
  return plan;
}

}  // namespace txgraph::txlog
