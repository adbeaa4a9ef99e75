// txgraph/consumer.h — consumer groups: named readers of the change stream whose positions
// are stored durably, so a consumer that restarts, crashes or moves to another process goes
// on where its group left off.
//
// A group has selectors, a start location and a committed position. Consumer::poll() returns
// the next batch of selected changes after the position it has read to; commit() stores that
// position. A consumer that dies before committing gets the same changes again from the next
// consumer of its group (at-least-once), never a gap. Groups are independent of each other.
//
// Caveats, up front:
// - The state lives in DIR/consumers/, one file per group beside the store and the log; any
//   process may use it, while another has the database open or not (the `txgraph cdc group`
//   verbs do). One consumer per group at a time: a second Consumer of a group that has one
//   open, in any process, is refused with kLocked.
// - Automatic commit (the default) commits a batch's position when the next poll() begins
//   and at close(): by then the application has handled the batch. Destroying a Consumer
//   without close() (an exception from the handler unwinding, say) commits nothing, so the
//   batch is delivered again. Manual commit leaves it to ChangeBatch::commit() /
//   Consumer::commit().
// - A commit is durable when it returns (written to a new file, synced, renamed, the folder
//   synced): it survives kill -9 and power loss.
// - Retention prunes what it likes unless a group holds the log (ConsumerGroupOptions::
//   hold_bytes). A group whose changes were pruned, or whose hold passed its cap, or whose
//   position is from before enrichment was last switched on, is *lost*: poll() and commit()
//   throw kConsumerGroupLost saying why until the group is reset.
// - Every call may throw txgraph::Error.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "txgraph/cdc.h"
#include "txgraph/error.h"

namespace txgraph {

// Where a new (or reset) group starts reading.
struct StartLocation {
  enum class Kind : std::uint8_t {
    kEarliest,  // the oldest retained change
    kLatest,    // the changes committed after the group is created
    kAtTime,    // the first transaction committed at or after time_ms
    kChangeId,  // the changes after change_id
    // The whole graph first, then the changes after it (ChangeStream::snapshot_start): for a
    // consumer that joins after the log was pruned or data was bulk imported.
    kSnapshot,
  };
  Kind kind = Kind::kLatest;
  std::int64_t time_ms = 0;  // kAtTime: milliseconds since the Unix epoch
  std::string change_id;     // kChangeId

  static StartLocation earliest() { return {Kind::kEarliest, 0, {}}; }
  static StartLocation latest() { return {Kind::kLatest, 0, {}}; }
  static StartLocation at_time(std::int64_t ms) { return {Kind::kAtTime, ms, {}}; }
  static StartLocation after(std::string id) { return {Kind::kChangeId, 0, std::move(id)}; }
  static StartLocation snapshot() { return {Kind::kSnapshot, 0, {}}; }
};

// "earliest", "latest", "snapshot", a time ("2026-11-21T10:00:00Z", "2026-11-21T10:00:00.250Z", or
// milliseconds since the epoch), or a change id. Throws kInvalidArgument showing the forms.
StartLocation parse_start_location(std::string_view text);
// The text form parse_start_location() reads back.
std::string start_location_text(const StartLocation& start);

struct ConsumerGroupOptions {
  std::vector<std::string> selectors;  // JSON objects, as parse_change_selector() reads them
  StartLocation start = StartLocation::latest();
  bool auto_commit = true;
  // Keep the log the group still needs from being pruned, up to this many bytes of log (the
  // needed segments' sizes added up); past that the group is lost. nullopt: no hold, and the
  // retention policy alone decides how long the group may stay away.
  std::optional<std::uint64_t> hold_bytes;
};

struct ConsumerGroupInfo {
  std::string name;
  std::vector<std::string> selectors;
  std::string start;     // start_location_text() of how it was created or last reset
  std::string position;  // the committed change id
  std::uint64_t position_tx = 0;  // the transaction of that position
  bool auto_commit = true;
  std::optional<std::uint64_t> hold_bytes;
  std::string lost;  // why the group is lost; empty when it is not
  std::int64_t created_us = 0;
  std::int64_t committed_us = 0;
  // Filled by list_consumer_groups(stream, true) and consumer_group(): how far behind
  // current() the committed position is, in selected changes, and in bytes of the log segments
  // that hold them (whole segments, so an upper bound). lag_changes stays empty while the
  // group is inside a snapshot (counting would read the rest of the store).
  std::optional<std::uint64_t> lag_changes;
  std::optional<std::uint64_t> lag_bytes;
};

// Creates a group at its start location. Throws kInvalidArgument for a bad name or a group
// that exists already, kCdcInvalidSelector for a bad selector, and what
// ChangeStream::earliest/current/query throw for the start location.
ConsumerGroupInfo create_consumer_group(const ChangeStream& stream, std::string_view name,
                                        const ConsumerGroupOptions& options);
// Every group in name order; with `lag`, lag_changes and lag_bytes are counted (a read of the
// log from each group's position).
std::vector<ConsumerGroupInfo> list_consumer_groups(const ChangeStream& stream, bool lag = false);
// One group, with its lag. Throws kNotFound.
ConsumerGroupInfo consumer_group(const ChangeStream& stream, std::string_view name);
// Moves a group to a new start location and clears its lost mark: the changes after it are
// delivered (again). Throws kNotFound, kLocked while a consumer of the group is open.
ConsumerGroupInfo reset_consumer_group(const ChangeStream& stream, std::string_view name, const StartLocation& start);
// Deletes a group; returns false if there was none. Throws kLocked while a consumer is open.
bool delete_consumer_group(const ChangeStream& stream, std::string_view name);

class Consumer;

// The changes one poll() returned.
class ChangeBatch {
 public:
  std::vector<ChangeEvent> events;
  ChangeCounts counts;
  std::string position;  // the position after this batch: commit() stores it
  // Bulk imports between the previous position and this one (QueryResult::imports): their
  // data is in the store but not in the stream.
  std::vector<ImportNotice> imports;

  // Commits this batch's position for the group (manual commit). Committing an older batch
  // after a newer one moves the stored position back: the next consumer of the group gets the
  // changes between again (this one reads on from where it is).
  // Throws kTransactionClosed if its consumer was closed, kConsumerGroupLost.
  void commit() const;
  bool empty() const { return events.empty(); }

 private:
  friend class Consumer;
  std::weak_ptr<void> consumer_;
};

class Consumer {
 public:
  // Opens a consumer of an existing group. The stream must outlive the consumer. Throws
  // kNotFound for a group that does not exist, kLocked when the group has a consumer open
  // (in this or another process), kConsumerGroupLost for a lost group.
  Consumer(const ChangeStream& stream, std::string_view group);
  ~Consumer();  // releases the group; commits nothing (call close() for that)
  Consumer(Consumer&&) noexcept;
  Consumer& operator=(Consumer&&) noexcept;

  // The next selected changes after what this consumer has read, at most `limit`; waits up to
  // `wait` for one when there is none yet (woken by the commit, without polling). With
  // automatic commit, first commits the position of the batch returned before. Throws
  // kConsumerGroupLost (the position was pruned, or enrichment switched off since), and what
  // ChangeStream::query throws.
  ChangeBatch poll(std::size_t limit, std::chrono::milliseconds wait = std::chrono::milliseconds{0});
  // Commits the position after the last batch polled.
  void commit();
  // Commits `position`, a change id of this database (checked as query() checks it), and
  // reads on from there: for a consumer that keeps its own record of what it handled.
  void commit(std::string_view position);
  // Commits (with automatic commit) and releases the group. Idempotent.
  void close();
  bool auto_commit() const;

  const std::string& group() const;
  const std::string& position() const;  // after the last batch polled
  const std::string& committed() const;  // what the group has stored

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace txgraph
