// Property values and error names: the public types every layer uses, kept with the log
// because the log, the lowest layer, encodes them.
#include <fmt/format.h>

#include "txgraph/error.h"
#include "txgraph/value.h"

namespace txgraph {

Value::Value(List items) {
  if (!items.empty()) {
    ValueKind kind = items.front().kind();
    if (kind == ValueKind::kNull || kind == ValueKind::kList)
      throw Error(ErrorCode::kInvalidArgument, "a list property may not hold nulls or lists");
    for (std::size_t i = 1; i < items.size(); ++i) {
      if (items[i].kind() != kind)
        throw Error(ErrorCode::kInvalidArgument,
                    fmt::format("a list property holds items of one kind; item {} differs from item 0", i));
    }
  }
  v_ = std::move(items);
}

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kConstraintViolation:
      return "constraint_violation";
    case ErrorCode::kHasRelationships:
      return "has_relationships";
    case ErrorCode::kCorruption:
      return "corruption";
    case ErrorCode::kIo:
      return "io";
    case ErrorCode::kDiskFull:
      return "disk_full";
    case ErrorCode::kTransactionClosed:
      return "transaction_closed";
    case ErrorCode::kWritesRefused:
      return "writes_refused";
    case ErrorCode::kWrongDatabase:
      return "wrong_database";
    case ErrorCode::kUnsupportedFormat:
      return "unsupported_format";
    case ErrorCode::kLocked:
      return "locked";
    case ErrorCode::kCdcInvalidId:
      return "cdc_invalid_id";
    case ErrorCode::kCdcWrongDatabase:
      return "cdc_wrong_database";
    case ErrorCode::kCdcPruned:
      return "cdc_pruned";
    case ErrorCode::kCdcOldGeneration:
      return "cdc_old_generation";
    case ErrorCode::kCdcFutureId:
      return "cdc_future_id";
    case ErrorCode::kCdcMismatch:
      return "cdc_mismatch";
    case ErrorCode::kCdcDisabled:
      return "cdc_disabled";
    case ErrorCode::kCdcInvalidSelector:
      return "cdc_invalid_selector";
    case ErrorCode::kConsumerGroupLost:
      return "consumer_group_lost";
    case ErrorCode::kNeedsRecovery:
      return "needs_recovery";
  }
  return "unknown";
}

}  // namespace txgraph
