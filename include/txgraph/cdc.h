// txgraph/cdc.h — change data capture: reading the changes of an enriched log.
//
// With enrichment DIFF or FULL (Settings::enrichment), every committed transaction's log
// record carries one change per entity it changed. A ChangeStream reads them back in commit
// order, as Neo4j's db.cdc.earliest / db.cdc.current / db.cdc.query do, positioned by opaque
// change identifiers.
//
// Caveats, up front:
// - A change id is a position: query(from) returns the changes strictly after it. Keep the
//   QueryResult::position of each query as the next `from`: it moves past changes your
//   selectors skipped, so a quiet selector never makes you re-read the same log.
// - Change ids from before a switch of enrichment to OFF are refused for good
//   (kCdcOldGeneration), as are ids older than the oldest retained change (kCdcPruned):
//   retention (Settings::retention_policy) decides how long a consumer may stay away.
// - Only transactions whose commit is durable as Options::durability says are visible: with
//   kLog and kFull a change is served once its log record is synced; with kAsync once it is
//   written (a power cut may then take back a change a reader has seen).
// - Every call may throw txgraph::Error; the kCdc* codes (txgraph/error.h) say what was wrong
//   with a change id.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "txgraph/database.h"
#include "txgraph/import.h"
#include "txgraph/value.h"

namespace txgraph {

enum class ChangeOperation : char { kCreate = 'c', kUpdate = 'u', kDelete = 'd' };

// A key of an entity: the values of one key constraint's properties. `label` names the
// constraint's label for a node and is empty for a relationship.
struct ChangeKey {
  std::string label;
  Properties properties;
  friend bool operator==(const ChangeKey&, const ChangeKey&) = default;
};

// A relationship's start or end node as it was at commit (or just before its deletion).
struct ChangeNodeRef {
  std::string element_id;
  std::vector<std::string> labels;
  std::vector<ChangeKey> keys;
  friend bool operator==(const ChangeNodeRef&, const ChangeNodeRef&) = default;
};

// An entity's state before or after the transaction. In DIFF an update's states hold only what
// changed (removed labels and old values before, added labels and new values after; a removed
// property is in `before` and absent from `after`); in FULL they hold the whole entity.
// Creates and deletes carry the whole entity in both modes. Relationships have no labels.
struct ChangeState {
  std::vector<std::string> labels;
  Properties properties;
  friend bool operator==(const ChangeState&, const ChangeState&) = default;
};

struct ChangeMetadata {
  EnrichmentMode capture_mode = EnrichmentMode::kDiff;  // the mode the transaction was captured in
  std::string database_name;                            // the database folder's name
  std::string server_id;  // this database's own: the first 8 hex digits of its uuid, stable for its life
  std::string connection_type;    // TxInfo::connection_type; "embedded" when none was given
  std::string connection_client;  // empty when there is none (JSON null)
  std::string connection_server;
  std::string executing_user;
  std::string authenticated_user;
  std::int64_t tx_start_time_us = 0;   // microseconds since the Unix epoch
  std::int64_t tx_commit_time_us = 0;
  Properties tx_metadata;
  friend bool operator==(const ChangeMetadata&, const ChangeMetadata&) = default;
};

// One changed entity of one transaction: the C++ form of the JSON that change_event_json()
// writes and the tool prints (docs/cdc.md, "Events").
struct ChangeEvent {
  std::string id;  // the change id: query(id) continues after this change
  // A snapshot event (ChangeStream::snapshot_start): the entity as the snapshot read it, as a
  // create with the full state; tx_id is the transaction the store held then, seq 0, and the
  // users and metadata empty. The JSON says "snapshot": true at the top level.
  bool snapshot = false;
  std::uint64_t tx_id = 0;
  std::uint32_t seq = 0;  // order of the change inside its transaction, from 0
  ChangeMetadata metadata;

  EntityKind kind = EntityKind::kNode;
  ChangeOperation operation = ChangeOperation::kCreate;
  std::string element_id;           // "n:42", "r:7"
  std::vector<std::string> labels;  // nodes: labels at commit (before the delete, for a delete)
  std::vector<ChangeKey> keys;      // key values, in the same state as `labels`
  std::string type;                 // relationships
  ChangeNodeRef start;              // relationships
  ChangeNodeRef end;                // relationships
  std::optional<ChangeState> before;  // absent for a create
  std::optional<ChangeState> after;   // absent for a delete
  // A schema event (beyond Neo4j): the key constraint a transaction created (operation
  // kCreate) or dropped (kDelete); the entity fields above are then empty. Only a selector
  // {"select":"s"} selects them, so a consumer that does not ask never sees one. Their seq
  // numbers follow the transaction's entity changes, in the order the transaction made them.
  std::optional<KeyConstraint> constraint;
  friend bool operator==(const ChangeEvent&, const ChangeEvent&) = default;
};

// Compact one-line JSON of an event, shaped as Neo4j's CDC events (docs/cdc.md, "Events").
// Temporal and spatial property values are written as Neo4j's Kafka connector writes them
// (ValueForm::kNeo4j) unless `values` asks for the typed objects that read back exactly.
std::string change_event_json(const ChangeEvent& event, ValueForm values = ValueForm::kNeo4j);
// Whether the kNeo4j form of `event` loses a value's type (it holds a temporal or spatial
// property value or key), so that only the typed form can be applied elsewhere exactly.
bool change_event_has_typed_values(const ChangeEvent& event);

// A node selector inside a relationship selector's `start` / `end`.
struct NodeMatch {
  std::optional<std::string> element_id;
  std::vector<std::string> labels;  // the node carries all of them
  Properties key;                   // one of the node's keys holds all of these values
  friend bool operator==(const NodeMatch&, const NodeMatch&) = default;
};

// Which changes a query returns. Fields are ANDed inside a selector; a list of selectors is
// ORed; an empty list selects every entity change (no schema event). Unset fields match anything.
struct ChangeSelector {
  // kAny selects nodes and relationships; schema events only kSchema (with `operation` and
  // the transaction's fields, executingUser, authenticatedUser, txMetadata).
  enum class Select : char { kAny = 'e', kNode = 'n', kRelationship = 'r', kSchema = 's' };
  Select select = Select::kAny;
  std::optional<ChangeOperation> operation;
  std::vector<std::string> changes_to;  // every one of these properties changed
  std::optional<std::string> executing_user;
  std::optional<std::string> authenticated_user;
  Properties tx_metadata;  // every entry equals the transaction's metadata entry
  // Nodes and relationships.
  std::optional<std::string> element_id;
  Properties key;  // one of the entity's keys holds all of these values
  // Nodes only: the node carries every one of these labels, before or after the change.
  std::vector<std::string> labels;
  // Relationships only.
  std::optional<std::string> type;
  std::optional<NodeMatch> start;
  std::optional<NodeMatch> end;
  // Beyond Neo4j, applied by the reader to the states of the events this selector selects:
  // keep only these properties (empty: all), then drop these. When several selectors select
  // one event, a property is kept if any of them keeps it.
  std::vector<std::string> include_properties;
  std::vector<std::string> exclude_properties;
  friend bool operator==(const ChangeSelector&, const ChangeSelector&) = default;
};

// Parses one selector from its JSON object, as Neo4j writes it:
//   {"select":"n","operation":"u","labels":["Person"],"key":{"id":1},"changesTo":["age"],
//    "executingUser":"alice","txMetadata":{"app":"crm"},"includeProperties":["age"]}
// Throws Error(kCdcInvalidSelector) naming the field for an unknown field, a wrong type, a
// field that does not apply to the `select` kind, or JSON that does not parse.
ChangeSelector parse_change_selector(std::string_view json);

// Where a query stopped, and what it delivered.
struct QueryResult {
  // The change id to pass as the next `from`: after the last change delivered, or, when the
  // query read to the end of the log, after the last transaction it read (even if the
  // selectors selected none of its changes).
  std::string position;
  std::uint64_t events = 0;        // changes delivered
  std::uint64_t transactions = 0;  // transaction records read
  // Of those, the ones passed by on their tags, unread: the tags showed that no selector
  // selects any of their changes (txlog/FORMAT.md, "Dictionaries, groups and tags"). Such a
  // record is decompressed only if a later record of its group must be read.
  std::uint64_t transactions_skipped = 0;
  // Bulk imports this query passed: data written straight into the store, of which the
  // stream has no change (see Database::import_csv). An import is reported by the query that
  // reads the first transaction committed after it, whatever the selectors, so each is
  // reported once along a chain of positions; until such a transaction exists it is reported
  // by none (DatabaseStatus::imports and `txgraph show` list every import at once).
  std::vector<ImportNotice> imports;
};

struct ChangeCounts {
  std::uint64_t creates = 0;
  std::uint64_t updates = 0;
  std::uint64_t deletes = 0;
};

// Entities a snapshot reads per store read transaction (ChangeStream::set_snapshot_chunk).
inline constexpr std::size_t kDefaultSnapshotChunk = 10000;

class ChangeStream {
 public:
  // Reads the changes of an open database. The stream must not outlive `database`.
  explicit ChangeStream(const Database& database);
  // Reads the log in `dir` without opening the database, for a database that another process
  // has open and is writing (the `txgraph cdc` verbs do this). Every transaction whose record
  // is complete in the log is visible; a record not yet synced may still be lost to a power
  // cut. Throws kNotFound when `dir` holds no log.
  static ChangeStream open_log(const std::filesystem::path& dir);

  ChangeStream(ChangeStream&&) noexcept;
  ChangeStream& operator=(ChangeStream&&) noexcept;
  ~ChangeStream();

  // The position just before the oldest retained change of the current enrichment
  // generation: query(earliest()) returns every change still in the log. Throws
  // kCdcDisabled when enrichment is OFF.
  std::string earliest() const;
  // The position just after the last committed (visible) transaction. Throws kCdcDisabled
  // when enrichment is OFF.
  std::string current() const;

  // Calls `on_event` for every change strictly after `from` (empty: current()) that the
  // selectors select, in commit order and by seq inside a transaction, until the log's end,
  // `limit` events, or `on_event` returning false. The event is valid during the call.
  // Reading seeks to `from` through the segments' first tx ids and a per-segment index of
  // compression restart points; it never scans from the first segment.
  // Throws, never returning a silent gap: kCdcInvalidId (malformed or damaged id),
  // kCdcWrongDatabase, kCdcPruned (the id, or changes after it, are no longer in the log),
  // kCdcOldGeneration (enrichment was switched off since), kCdcFutureId (a transaction not
  // committed yet), kCdcMismatch (the id's tx id and commit time do not match the log),
  // kCdcDisabled, kCdcInvalidSelector, kCorruption (a damaged segment, named with offset).
  // A query that reaches a switch of enrichment to OFF stops there.
  QueryResult query(std::string_view from, const std::vector<ChangeSelector>& selectors,
                    const std::function<bool(const ChangeEvent&)>& on_event,
                    std::uint64_t limit = UINT64_MAX) const;
  // The same, collected.
  std::vector<ChangeEvent> query(std::string_view from, const std::vector<ChangeSelector>& selectors = {},
                                 std::uint64_t limit = UINT64_MAX) const;

  // Snapshots: the whole graph, then the stream.
  //
  // snapshot_start() is a position from which query() delivers first the key constraints (as
  // schema events, to a selector {"select":"s"} only), then every selected node,
  // then every selected relationship, each as a create event with the full state, labels,
  // keys (and start/end for relationships) and ChangeEvent::snapshot set, in id order; then
  // the changes committed after the snapshot, in commit order, as any query delivers them.
  // A consumer that applies everything from snapshot_start() on holds exactly the source
  // graph as of its position: no entity missing or twice, no change lost or applied twice,
  // whatever writers commit meanwhile. Every event's id is a position like any other: query()
  // from it continues the snapshot after that event (in this or another process), then the
  // stream; a consumer group may be created at it (StartLocation::snapshot()).
  //
  // How it stays right without a long read. The store is read in chunks of ids, one short
  // read transaction each (set_snapshot_chunk); ids only grow and are never reused. A
  // position inside the snapshot is (phase, next id, log position L): every entity of the
  // phase's kind with an id below `next` (and, in the relationship phase, every node) is
  // "covered", and the consumer holds the source as of L restricted to the covered entities.
  // One step reads a chunk in a read transaction that holds the store as of transaction T >= L
  // (ReadTransaction::last_applied_tx), then delivers, DBLog-style, (1) the log's changes in
  // (L, T] of covered entities only — afterwards the consumer holds the source as of T for
  // them — and (2) the chunk's entities as of T, and moves to L = T with `next` past the
  // chunk. A change in (L, T] to an entity of the chunk or after it is not delivered: the chunk
  // (or a later one, read at a later T) holds its result. A chunk that reaches the end of its
  // table covers every id above too: an entity created after T has a larger id than every one
  // in the store at T, so the log delivers it. A new entity never lands in a covered range, so
  // nothing is delivered twice; relationships come after all nodes, so a relationship is
  // delivered only after both its nodes. When the relationships' last chunk is done, L is an
  // ordinary stream position and the stream goes on from it. The key constraints come first,
  // as of L, counted in a fixed order (a position there is "the first n delivered"); a resumed
  // keys phase reads them at T and takes back the schema changes of (L, T]. From then on every
  // constraint is covered, so the entity phases' catch-up delivers every schema change.
  //
  // Caveats:
  // - A snapshot reads the whole store (every chunk a read transaction of its own, so the
  //   store file grows by no more than what writers churn during one chunk) and reads the log
  //   from its start position to its end (the catch-up of each chunk). The log must keep that
  //   span: a snapshot that takes longer than retention keeps it fails with kCdcPruned; start
  //   again.
  // - Snapshot events carry no users, metadata or commit of their own, so selectors on
  //   executingUser, authenticatedUser or txMetadata select none of them.
  // - With a selector, the consumer holds the selected part of the graph only as far as the
  //   selected events tell it (a node that loses a selected label later, say).
  // - Bulk-imported data is in the store, so a snapshot delivers it (the stream never does);
  //   an import that finishes after the snapshot passed the end of a table is not in it (its
  //   notice is reported as usual).
  // - From another process (open_log()), the store is read with a StoreReader: it may lag
  //   the log by a store batch; a chunk then waits for the store to catch up with L.
  // Throws kCdcDisabled when enrichment is OFF.
  std::string snapshot_start() const;
  // Entities per chunk (default kDefaultSnapshotChunk, at least 1): larger chunks read faster
  // and hold each read transaction longer.
  void set_snapshot_chunk(std::size_t entities);

  // Blocks until a transaction after `from` is visible or `timeout` passes; returns whether
  // one is. In-process streams are woken by the commit itself, without polling; an open_log()
  // stream waits on file change notification (inotify). Validates `from` as query() does.
  // From a position inside a snapshot it returns true at once: the rest is there to read.
  bool wait(std::string_view from, std::chrono::milliseconds timeout) const;

  // The position just before the first transaction of the current generation committed at or
  // after `time_us` (microseconds since the Unix epoch): query() from it returns that
  // transaction's changes first. current() when none committed since; earliest() when the
  // oldest retained change is already later. Reads the log from the earliest change on.
  std::string position_at_time(std::int64_t time_us) const;

  // The database folder this stream reads (where its consumer groups live too).
  std::filesystem::path dir() const;

  // Returns once every change this stream can show is durable in the log. For a database
  // open in this process with kAsync durability, whose readers see commits before their
  // sync, that is Database::sync_log(); otherwise there is nothing to wait for (kLog and kFull
  // show only synced commits; a log read with open_log() is its writer's to sync). Consumer
  // groups call it before they store a position, so that a power cut cannot leave a group's
  // position ahead of the log.
  void make_durable() const;

  struct Impl;

 private:
  explicit ChangeStream(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Delivers selected changes to a callback in batches, from a thread of its own: a batch closes
// at `max_batch` changes or `max_delay` after its first change, whichever comes first.
struct ChangeListenerOptions {
  std::string from;  // empty: current() when the listener starts
  std::vector<ChangeSelector> selectors;
  std::size_t max_batch = 100;
  std::chrono::milliseconds max_delay{100};
};

class ChangeListener {
 public:
  // `counts` are of the changes in this batch. The position is the id to resume from after
  // the batch (keep it to restart a listener where this one stopped).
  using Callback = std::function<void(const std::vector<ChangeEvent>& batch, const ChangeCounts& counts,
                                      const std::string& position)>;
  // Starts the thread, from options.from or, when that is empty, from current() taken here
  // (so it throws as current() does). The stream must outlive the listener. An error while
  // reading (the position pruned, enrichment switched off, the database closed) stops the
  // listener after delivering what it had read; error() then says why.
  ChangeListener(const ChangeStream& stream, ChangeListenerOptions options, Callback callback);
  ~ChangeListener();  // stop()
  ChangeListener(const ChangeListener&) = delete;
  ChangeListener& operator=(const ChangeListener&) = delete;

  // Delivers what is pending, then stops the thread and returns.
  void stop();
  bool running() const;
  std::optional<Error> error() const;
  ChangeCounts totals() const;  // every change delivered so far

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace txgraph
