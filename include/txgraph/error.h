// txgraph/error.h — the one error type of the public API.
//
// Every failure a caller can see is a txgraph::Error carrying a stable ErrorCode and a message
// that names the thing at fault (the segment and offset, the element id, the option value).
// Codes are part of the API: their numbers are never reused or renumbered.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace txgraph {

enum class ErrorCode : std::uint16_t {
  kInvalidArgument = 1,      // a bad value from the caller: option, name, property value
  kNotFound = 2,             // a node, relationship or database that does not exist
  kConstraintViolation = 3,  // a key constraint would be broken; the operation changed nothing
  kHasRelationships = 4,     // non-detach delete of a node that still has relationships
  kCorruption = 5,           // damaged bytes on disk; the message names file and offset
  kIo = 6,                   // the operating system refused an I/O call (errno in the message)
  kDiskFull = 7,             // ENOSPC or LMDB's map is full; nothing committed was lost
  kTransactionClosed = 8,    // the transaction was already committed, aborted or failed
  kWritesRefused = 9,        // a durability step failed earlier; reopen the database
  kWrongDatabase = 10,       // a log or store that belongs to another database
  kUnsupportedFormat = 11,   // a file written by a newer or unknown format version
  kLocked = 12,              // another process has the database open for writing
  // Change data capture (txgraph/cdc.h); Neo4j's CDC refuses the same things.
  kCdcInvalidId = 13,        // a change id that is malformed, damaged or forged
  kCdcWrongDatabase = 14,    // a change id of another database
  kCdcPruned = 15,           // a change id older than the oldest retained change
  kCdcOldGeneration = 16,    // a change id from before enrichment was last switched on
  kCdcFutureId = 17,         // a change id of a transaction not committed (yet)
  kCdcMismatch = 18,         // a change id whose tx id and commit time do not match the log
  kCdcDisabled = 19,         // enrichment is OFF: there are no changes to read
  kCdcInvalidSelector = 20,  // a selector with a bad field; the message names it
  kConsumerGroupLost = 21,   // a consumer group whose changes were pruned; reset it
  kNeedsRecovery = 22,       // not closed cleanly: only an open (which recovers) may read it
};

// A short stable name for the code ("constraint_violation"), for tools and JSON output.
std::string_view error_code_name(ErrorCode code);

// What Neo4j reports for the same failure, for the change-data-capture errors it has too, so
// that an application ported from Neo4j keeps its error handling: its status code
// ("Neo.ClientError.ChangeDataCapture.InvalidIdentifier"; empty where Neo4j names none) and
// its GQLSTATUS ("52N26"). Both empty for every other code.
struct Neo4jStatus {
  std::string_view code;
  std::string_view gql_status;
  explicit operator bool() const { return !gql_status.empty(); }
};
Neo4jStatus neo4j_status(ErrorCode code);

// The message an Error of `code` carries: `message`, then Neo4j's status where there is one
// (" [Neo.ClientError.ChangeDataCapture.FutureIdentifier, GQLSTATUS 52N30]").
std::string error_message(ErrorCode code, const std::string& message);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(error_message(code, message)), code_(code) {}
  ErrorCode code() const { return code_; }
  Neo4jStatus neo4j_status() const { return txgraph::neo4j_status(code_); }

 private:
  ErrorCode code_;
};

}  // namespace txgraph
