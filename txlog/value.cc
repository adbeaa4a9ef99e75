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

Neo4jStatus neo4j_status(ErrorCode code) {
  constexpr std::string_view kInvalidIdentifier = "Neo.ClientError.ChangeDataCapture.InvalidIdentifier";
  switch (code) {
    case ErrorCode::kCdcInvalidId:  // "not a valid change identifier"
      return {kInvalidIdentifier, "52N26"};
    case ErrorCode::kCdcMismatch:  // "the commit timestamp ... does not match the one in the log"
      return {kInvalidIdentifier, "52N27"};
    case ErrorCode::kCdcPruned:  // "transaction ID does not exist" (any more)
      return {kInvalidIdentifier, "52N28"};
    case ErrorCode::kCdcOldGeneration:  // "a transaction before any enrichment records exist"
      return {kInvalidIdentifier, "52N29"};
    case ErrorCode::kCdcWrongDatabase:  // "does not belong to this database"
      return {kInvalidIdentifier, "52N31"};
    case ErrorCode::kCdcFutureId:
      return {"Neo.ClientError.ChangeDataCapture.FutureIdentifier", "52N30"};
    case ErrorCode::kCdcDisabled:
      return {"Neo.ClientError.ChangeDataCapture.Disabled", "51N68"};
    case ErrorCode::kCdcInvalidSelector:  // Neo4j names a GQLSTATUS only
      return {"", "51N67"};
    default:
      return {};
  }
}

std::string error_message(ErrorCode code, const std::string& message) {
  Neo4jStatus status = neo4j_status(code);
  if (!status) return message;
  if (status.code.empty()) return fmt::format("{} [GQLSTATUS {}]", message, status.gql_status);
  return fmt::format("{} [{}, GQLSTATUS {}]", message, status.code, status.gql_status);
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
