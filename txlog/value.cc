// Property values and error names: the public types every layer uses, kept with the log
// because the log, the lowest layer, encodes them.
#include <fmt/format.h>

#include "txgraph/error.h"
#include "txgraph/value.h"

namespace txgraph {

Value::Value(Date v) : v_(v) { check_value(v); }
Value::Value(LocalTime v) : v_(v) { check_value(v); }
Value::Value(Time v) : v_(v) { check_value(v); }
Value::Value(LocalDateTime v) : v_(v) { check_value(v); }
Value::Value(DateTime v) : v_(std::move(v)) { check_value(std::get<DateTime>(v_)); }
Value Value::stored(DateTime v) {
  check_fields(v);
  Value out;
  out.v_ = std::move(v);
  return out;
}
Value::Value(Duration v) : v_(v) { check_value(v); }
Value::Value(Point v) : v_(v) {
  check_value(v);
  // -0.0 == 0.0: one value, so one encoding (the key index compares bytes).
  Point& p = std::get<Point>(v_);
  for (double* c : {&p.x, &p.y, &p.z})
    if (*c == 0) *c = 0;
}

std::string_view value_kind_name(ValueKind kind) {
  switch (kind) {
    case ValueKind::kNull:
      return "null";
    case ValueKind::kBool:
      return "bool";
    case ValueKind::kInt:
      return "int";
    case ValueKind::kDouble:
      return "double";
    case ValueKind::kString:
      return "string";
    case ValueKind::kBytes:
      return "bytes";
    case ValueKind::kList:
      return "list";
    case ValueKind::kDate:
      return "date";
    case ValueKind::kLocalTime:
      return "localtime";
    case ValueKind::kTime:
      return "time";
    case ValueKind::kLocalDateTime:
      return "localdatetime";
    case ValueKind::kDateTime:
      return "datetime";
    case ValueKind::kDuration:
      return "duration";
    case ValueKind::kPoint:
      return "point";
  }
  return "unknown";
}

std::string value_text(const Value& v) {
  switch (v.kind()) {
    case ValueKind::kNull:
      return "null";
    case ValueKind::kBool:
      return v.as_bool() ? "true" : "false";
    case ValueKind::kInt:
      return std::to_string(v.as_int());
    case ValueKind::kDouble:
      return fmt::format("{}", v.as_double());
    case ValueKind::kString:
      return "\"" + v.as_string() + "\"";
    case ValueKind::kBytes:
      return fmt::format("<{} bytes>", v.as_bytes().data.size());
    case ValueKind::kList:
      return fmt::format("<list of {}>", v.as_list().size());
    case ValueKind::kDate:
      return to_string(v.as_date());
    case ValueKind::kLocalTime:
      return to_string(v.as_local_time());
    case ValueKind::kTime:
      return to_string(v.as_time());
    case ValueKind::kLocalDateTime:
      return to_string(v.as_local_datetime());
    case ValueKind::kDateTime:
      return to_string(v.as_datetime());
    case ValueKind::kDuration:
      return to_string(v.as_duration());
    case ValueKind::kPoint: {
      const Point& p = v.as_point();
      if (is_3d_srid(p.srid)) return fmt::format("point({}: {}, {}, {})", p.srid, p.x, p.y, p.z);
      return fmt::format("point({}: {}, {})", p.srid, p.x, p.y);
    }
  }
  return "?";
}

Value::Value(List items) {
  if (!items.empty()) {
    ValueKind kind = items.front().kind();
    if (kind == ValueKind::kNull || kind == ValueKind::kList)
      throw Error(ErrorCode::kInvalidArgument, "a list property may not hold nulls or lists");
    for (std::size_t i = 1; i < items.size(); ++i) {
      // As in Neo4j, the points of one list share their coordinate reference system.
      if (kind == ValueKind::kPoint && items[i].kind() == kind &&
          items[i].as_point().srid != items.front().as_point().srid)
        throw Error(ErrorCode::kInvalidArgument,
                    fmt::format("a list of points holds points of one SRID; item {} has SRID {}, item 0 SRID {}", i,
                                items[i].as_point().srid, items.front().as_point().srid));
      if (items[i].kind() != kind)
        throw Error(ErrorCode::kInvalidArgument,
                    fmt::format("a list property holds items of one kind; item {} is a {}, item 0 a {}", i,
                                value_kind_name(items[i].kind()), value_kind_name(kind)));
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
