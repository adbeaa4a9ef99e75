// How long log segments are kept: the retention policy (Neo4j's
// `db.tx_log.rotation.retention_policy` grammar) and the pruning plan it yields for a list of
// segments. Pure: nothing here touches a file; the caller lists the segments, asks for a plan,
// and deletes what the plan marks (oldest first, so a crash midway leaves a contiguous log).
//
// Grammar (case-insensitive; surrounding whitespace is ignored, words are separated by any run
// of spaces or tabs):
//
//   keep_all | true          keep every segment
//   keep_none | false        keep only what the safety rules below require
//   N files                  the newest N segment files, the active one included
//   N size                   the newest segments whose sizes add up to at most N bytes
//   N txs | N entries        the newest segments that together hold at least N transactions
//   N hours [SIZE]           segments whose last commit is less than N hours old; with SIZE,
//   N days [SIZE]            also at most SIZE bytes in total (either limit prunes)
//   SIZE N hours | SIZE N days   the same as `N hours SIZE` / `N days SIZE` (Neo4j's
//                            documented compact form: `2G 1Day` is `1 days 2G`)
//
// Numbers are whole and greater than zero: no sign, no decimal point, no zero. A number may end
// in K, M or G (either case). For a byte size (N of `N size`, and SIZE) these are binary:
// K = 1024, M = 1024^2, G = 1024^3. For every count (files, txs/entries, hours, days) they are
// decimal: K = 1000, M = 10^6, G = 10^9, so `200K txs` is 200000 transactions. (Neo4j's parser
// uses 1024 for counts too, while its documentation reads `100k txs` as 100 000; we follow the
// documentation.) Units may be singular (`1 day`, `1 hour`, `1 file`, `1 tx`, `1 entry`) whatever
// N is, and an age may be written with its unit attached (`1Day`, `36hours`). In the compact
// form the leading SIZE must carry its K, M or G, so that a slip like `1 2 days` is refused
// rather than read as a one-byte cap.
//
// Safety rules every plan obeys, whatever the policy:
//  - only a prefix of the oldest segments is pruned, so the log stays contiguous;
//  - the active (last) segment is never pruned;
//  - a segment holding a transaction after the last checkpoint is never pruned (recovery
//    replays it);
//  - the newest segment that holds a transaction is kept, so the log always shows where
//    the transaction ids stand.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace txgraph::txlog {

// A parsed, valid retention policy. Two policies are equal when they prune alike: `24 hours`
// equals `1 days`, `1024K size` equals `1M size`, `N entries` equals `N txs`.
class RetentionPolicy {
 public:
  enum class Kind : std::uint8_t {
    kKeepAll,   // nothing is pruned
    kKeepNone,  // everything the safety rules allow is pruned
    kFiles,     // file_count()
    kSize,      // max_bytes()
    kTxs,       // tx_count()
    kMaxAge,    // max_age(), and size_cap_bytes() when set
  };

  // keep_all.
  RetentionPolicy() = default;

  // Parses the grammar at the top of this file. Throws Error(kInvalidArgument) for anything
  // else, including zero amounts and numbers too large to represent; the message quotes `text`,
  // says what is wrong with it, and shows the whole grammar with examples.
  static RetentionPolicy parse(std::string_view text);

  // The grammar with examples, as the parse error shows it: for help texts and documentation.
  static std::string_view grammar();

  // Builders for code that does not start from text. Each throws Error(kInvalidArgument) when an
  // amount is zero or (for ages) too large to count in microseconds.
  static RetentionPolicy keep_all();
  static RetentionPolicy keep_none();
  static RetentionPolicy files(std::uint64_t file_count);
  static RetentionPolicy size(std::uint64_t max_bytes);
  static RetentionPolicy txs(std::uint64_t tx_count);
  static RetentionPolicy hours(std::uint64_t hours, std::optional<std::uint64_t> size_cap_bytes = std::nullopt);
  static RetentionPolicy days(std::uint64_t days, std::optional<std::uint64_t> size_cap_bytes = std::nullopt);

  // The canonical text, which parse() turns back into an equal policy: `keep_all`,
  // `keep_none`, `3 files`, `100M size`, `200000 txs`, `36 hours`, `1 days 2G`. Counts are
  // plain decimals; byte sizes use the largest of G, M, K that divides them exactly; an age is
  // in days when it is a whole number of days, else in hours; units are always plural.
  std::string to_string() const;

  Kind kind() const { return kind_; }
  // Each accessor is zero (or empty) unless kind() is the one named beside it.
  std::uint64_t file_count() const { return file_count_; }  // kFiles
  std::uint64_t max_bytes() const { return max_bytes_; }    // kSize
  std::uint64_t tx_count() const { return tx_count_; }      // kTxs
  std::chrono::milliseconds max_age() const { return max_age_; }  // kMaxAge; a whole number of hours
  std::optional<std::uint64_t> size_cap_bytes() const { return size_cap_bytes_; }  // kMaxAge

  bool operator==(const RetentionPolicy&) const = default;

 private:
  static RetentionPolicy max_age_policy(std::uint64_t hours, std::optional<std::uint64_t> size_cap_bytes);

  Kind kind_ = Kind::kKeepAll;
  std::uint64_t file_count_ = 0;
  std::uint64_t max_bytes_ = 0;
  std::uint64_t tx_count_ = 0;
  std::chrono::milliseconds max_age_{0};
  std::optional<std::uint64_t> size_cap_bytes_;
};

// What the plan needs to know of one segment file.
struct SegmentSummary {
  std::uint64_t number = 0;
  std::uint64_t bytes = 0;          // file size
  std::uint64_t first_tx = 0;       // first tx id in it, 0 if it holds no transaction
  std::uint64_t last_tx = 0;        // last tx id in it, 0 if none
  std::int64_t last_commit_us = 0;  // commit time of its last transaction (or its creation time if it has none)
};

struct PruneVerdict {
  std::uint64_t number = 0;
  bool prune = false;
  std::string reason;  // "pruned: …" or "kept: …", for logs and `txgraph log ls`
};

// Decides which segments `policy` lets go, given the last checkpoint and the current time.
// `segments` is in ascending segment-number order and its last entry is the active segment;
// a segment holds the transactions first_tx..last_tx (its transaction count is
// last_tx - first_tx + 1).
//
// Returns one verdict per segment, in the same (oldest first) order. The pruned ones are always
// a prefix of the list and obey the safety rules at the top of this file. Cumulative limits
// (files, size, txs, the size cap) are counted from the newest segment, the active one
// included; a segment is pruned by them once it and the newer segments pass the limit (for
// txs: once the newer segments alone hold at least N transactions). An age limit prunes a
// segment whose last_commit_us is before now_us - max_age; since only a prefix is pruned, a
// segment stamped later than a newer one (the clock went back) holds pruning back until its
// own time is past, unless a size cap prunes it first. Every reason is the true one: when the
// safety rules keep a segment, the reason names that rule before the policy's.
//
// Throws Error(kInvalidArgument) when the segment numbers do not strictly ascend or a summary
// is inconsistent (exactly one of first_tx/last_tx zero, or first_tx > last_tx). Returns an
// empty plan for an empty list.
std::vector<PruneVerdict> plan_pruning(const RetentionPolicy& policy, const std::vector<SegmentSummary>& segments,
                                       std::uint64_t last_checkpoint_tx, std::int64_t now_us);

}  // namespace txgraph::txlog
