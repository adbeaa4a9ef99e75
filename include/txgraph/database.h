// txgraph/database.h — opening a database, transactions, nodes and relationships.
//
// Caveats, up front:
// - One write transaction at a time per database: begin_write() blocks while another is open.
//   Keep write transactions short; commit() releases the writer before it waits for the sync,
//   so concurrent committers share one fdatasync (group commit).
// - A write transaction belongs to the thread that began it (an LMDB rule); a read
//   transaction may move between threads. Neither may be used by two threads at once.
// - Read transactions see a snapshot; a long-lived one keeps old pages alive and grows the
//   store file. Close them promptly.
// - Commits reach the store in batches (Options::store_batch): begin_read() first writes the
//   batch, so it may wait for another thread's open write transaction, and it throws in a
//   thread that has one open.
// - Every call may throw txgraph::Error (txgraph/error.h); the code says what kind of failure.
//   A mutation that throws changes nothing: the transaction stays usable.
// - A Database must outlive its transactions.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "txgraph/error.h"
#include "txgraph/import.h"
#include "txgraph/options.h"
#include "txgraph/value.h"

namespace txgraph {

// Ids are assigned in increasing order and never reused, not even after a delete, so an id a
// change consumer saw always means the same entity.
struct NodeId {
  std::uint64_t value = 0;
  friend auto operator<=>(const NodeId&, const NodeId&) = default;
};
struct RelationshipId {
  std::uint64_t value = 0;
  friend auto operator<=>(const RelationshipId&, const RelationshipId&) = default;
};

// Element ids as applications and CDC see them: "n:42" and "r:7".
std::string element_id(NodeId id);
std::string element_id(RelationshipId id);
// Return nullopt when `text` is not an element id of that kind.
std::optional<NodeId> parse_node_element_id(std::string_view text);
std::optional<RelationshipId> parse_relationship_element_id(std::string_view text);

struct Node {
  NodeId id;
  std::vector<std::string> labels;  // sorted
  Properties properties;
};

struct Relationship {
  RelationshipId id;
  std::string type;
  NodeId start;
  NodeId end;
  Properties properties;
};

enum class Direction : std::uint8_t { kOutgoing, kIncoming, kBoth };
enum class EntityKind : std::uint8_t { kNode = 1, kRelationship = 2 };

// A key: the entities with `label_or_type` must have every one of `properties`, and no two of
// them may have equal values for all of them.
struct KeyConstraint {
  EntityKind kind = EntityKind::kNode;
  std::string label_or_type;
  std::vector<std::string> properties;
  friend bool operator==(const KeyConstraint&, const KeyConstraint&) = default;
};

// Whether two constraints are the same key: kind, label or type, and properties in any order.
inline bool same_key(const KeyConstraint& a, const KeyConstraint& b) {
  if (a.kind != b.kind || a.label_or_type != b.label_or_type || a.properties.size() != b.properties.size())
    return false;
  return std::is_permutation(a.properties.begin(), a.properties.end(), b.properties.begin());
}

// Who runs a transaction and what the application says about it; both are written to the
// log with the transaction (and become CDC metadata once enrichment is on).
struct TxInfo {
  std::string user;                // executing user
  std::string authenticated_user;  // empty means the same as `user`
  Properties metadata;             // application metadata, e.g. {"app": "crm"}
  // How the writer reached the database, for change events' connectionType,
  // connectionClient and connectionServer (as Neo4j's "bolt", "192.168.65.1:46246",
  // "172.17.0.2:7687"). Empty type: "embedded", the application's own process, and no client
  // or server. A server embedding txgraph behind its own protocol names it and the addresses.
  // (Initialised, so that TxInfo{user, authenticated_user, metadata} stays warning-free.)
  std::string connection_type = {};
  std::string connection_client = {};
  std::string connection_server = {};
};

namespace detail {
struct TxnState;
}

// The read operations, shared by read and write transactions. A write transaction sees its own
// writes. Results are copies: they stay valid after the transaction ends.
class TransactionView {
 public:
  std::optional<Node> get_node(NodeId id) const;
  std::optional<Relationship> get_relationship(RelationshipId id) const;

  // Node ids carrying `label`, in id order (label index).
  std::vector<NodeId> nodes_with_label(std::string_view label) const;
  // A node's relationships in one direction (or both), of one type (or any, when `type` is
  // empty), ordered by direction, type and id (adjacency index).
  std::vector<RelationshipId> relationships_of(NodeId node, Direction direction,
                                               std::string_view type = {}) const;

  // Lookup through a key constraint. Throws Error(kNotFound) if no key constraint on `label`
  // (or `type`) has exactly the properties of `key`.
  std::optional<NodeId> find_node(std::string_view label, const Properties& key) const;
  std::optional<RelationshipId> find_relationship(std::string_view type,
                                                  const Properties& key) const;

  std::vector<KeyConstraint> key_constraints() const;
  std::uint64_t node_count() const;
  std::uint64_t relationship_count() const;

  // Every node (relationship) in id order; the callback returns false to stop.
  void for_each_node(const std::function<bool(const Node&)>& fn) const;
  void for_each_relationship(const std::function<bool(const Relationship&)>& fn) const;
  // The same from the first id at or after `from`: a reader that goes through the store in
  // chunks of ids (a snapshot, txgraph/cdc.h) takes one short read transaction per chunk.
  void for_each_node(NodeId from, const std::function<bool(const Node&)>& fn) const;
  void for_each_relationship(RelationshipId from, const std::function<bool(const Relationship&)>& fn) const;

  // The last transaction whose changes this view holds (0 for none): its store snapshot is the
  // database as of that commit (plus any bulk import finished by then, which has no tx id).
  // A write transaction sees what it began on.
  std::uint64_t last_applied_tx() const;

 protected:
  explicit TransactionView(std::unique_ptr<detail::TxnState> state);
  TransactionView(TransactionView&&) noexcept;
  TransactionView& operator=(TransactionView&&) noexcept;
  ~TransactionView();
  const detail::TxnState& state() const;
  std::unique_ptr<detail::TxnState> state_;
};

class ReadTransaction : public TransactionView {
 public:
  ReadTransaction(ReadTransaction&&) noexcept = default;
  ReadTransaction& operator=(ReadTransaction&&) noexcept = default;
  ~ReadTransaction();  // ends the snapshot

 private:
  friend class Database;
  friend class StoreReader;
  using TransactionView::TransactionView;
};

class WriteTransaction : public TransactionView {
 public:
  WriteTransaction(WriteTransaction&&) noexcept = default;
  WriteTransaction& operator=(WriteTransaction&&) noexcept = default;
  ~WriteTransaction();  // aborts if neither committed nor aborted

  NodeId create_node(const std::vector<std::string>& labels, const Properties& properties);
  // The same with a chosen id, for replicas that keep their source's ids (txgraph/replication.h).
  // The id must not have been handed out yet here: at or after every id this database assigned
  // (else kInvalidArgument); the ids between are then never assigned.
  NodeId create_node_with_id(NodeId id, const std::vector<std::string>& labels, const Properties& properties);
  // Throws kHasRelationships if the node has relationships and `detach` is false; with detach
  // its relationships are deleted first.
  void delete_node(NodeId id, bool detach = false);
  // Null values remove the property.
  void set_node_properties(NodeId id, const Properties& properties);
  void remove_node_properties(NodeId id, const std::vector<std::string>& keys);
  void add_labels(NodeId id, const std::vector<std::string>& labels);
  void remove_labels(NodeId id, const std::vector<std::string>& labels);

  RelationshipId create_relationship(std::string_view type, NodeId start, NodeId end,
                                     const Properties& properties);
  // The same with a chosen id, under the rule of create_node_with_id.
  RelationshipId create_relationship_with_id(RelationshipId id, std::string_view type, NodeId start, NodeId end,
                                             const Properties& properties);
  void delete_relationship(RelationshipId id);
  void set_relationship_properties(RelationshipId id, const Properties& properties);
  void remove_relationship_properties(RelationshipId id, const std::vector<std::string>& keys);

  // Adds a key constraint; existing data must already satisfy it (else kConstraintViolation).
  void create_key(const KeyConstraint& constraint);
  // Removes the key constraint of this kind on this label or type with these properties (in
  // any order), and its index; kNotFound when there is none. Both are recorded in the log and
  // reach change readers that ask for schema events (txgraph/cdc.h).
  void drop_key(const KeyConstraint& constraint);

  // Makes the transaction durable as the Options' durability says and returns its tx id.
  // A transaction that changed nothing writes no log record and returns 0.
  // Throws kConstraintViolation when an entity touched here lacks a key property; the
  // transaction is then rolled back. After a failed sync the database refuses further writes
  // (kWritesRefused) until reopened: nothing acknowledged is lost by reopening.
  std::uint64_t commit();
  void abort();

 private:
  friend class Database;
  using TransactionView::TransactionView;
};

struct SegmentInfo {
  std::uint64_t number = 0;
  std::string file_name;
  std::uint64_t bytes = 0;
  std::uint64_t first_tx = 0;  // the first tx id this segment may hold
};

struct DatabaseStatus {
  std::string uuid;
  std::uint64_t last_committed_tx = 0;
  std::uint64_t last_checkpoint_tx = 0;       // 0: no checkpoint yet
  std::int64_t last_checkpoint_time_us = 0;   // microseconds since the epoch
  std::uint64_t node_count = 0;
  std::uint64_t relationship_count = 0;
  Settings settings;
  std::uint64_t enrichment_generation = 0;  // grows by one at every switch from OFF to DIFF/FULL
  std::vector<SegmentInfo> segments;
  std::uint64_t segments_pruned = 0;  // by retention since this Database was opened
  std::uint64_t log_syncs = 0;        // log fdatasyncs since open: commits / log_syncs is the group commit
  // Store (LMDB) commits of transactions since open. With kLog and kAsync several transactions
  // share one (Options::store_batch); counted before this status had the batch written.
  std::uint64_t store_commits = 0;
  // Why the store lacks transactions the log has: a store batch could not be written
  // (Options::store_batch). Empty when it has them all. The database then refuses reads and writes until it
  // is reopened; status() still works, with counts as the store has them.
  std::string store_error;
  std::string last_prune_error;       // why the last pruning stopped early; empty if it did not
  // What recovery did when this Database was opened.
  std::uint64_t replayed_at_open = 0;        // transactions replayed from the log into the store
  std::uint64_t torn_bytes_cut_at_open = 0;  // bytes of an incomplete last record cut off
  // After an unclean shutdown the store was put back to its last checkpoint (the pinned
  // snapshot, see Options::power_loss_protection) before the log was replayed.
  bool rolled_back_at_open = false;
  // Opened with Options::read_only on a cleanly closed database: nothing was or will be written.
  bool read_only = false;
  // Every bulk import, oldest first: data in the store that the log (and so CDC) never saw.
  std::vector<ImportNotice> imports;
};

class Database {
 public:
  // Opens (or creates) the database in `dir`: `dir/store` (LMDB) and `dir/txlog` (segments),
  // then recovers: replays every complete log record after the store's last applied
  // transaction and cuts an incomplete record off the end of the log.
  // Throws kCorruption naming segment and offset for damage before the log's tail,
  // kWrongDatabase for a segment of another database, kLocked if another process has it open,
  // kNotFound if `dir` holds no database and options.create_if_missing is false.
  static std::unique_ptr<Database> open(const std::filesystem::path& dir,
                                        const Options& options = {});

  // The persistent settings of the database in `dir`, read without opening it: no recovery,
  // no checkpoint, no pruning, nothing written to the store (LMDB read-only; it only takes a
  // slot in LMDB's reader table). Works while another process has the database open and is
  // writing. The enrichment mode is the one the store last recorded.
  // Throws kNotFound if `dir` holds no store; kNeedsRecovery if the database was not closed
  // cleanly and no process has it open (with power-loss protection only the next open may
  // read the store: it first puts it back to its last checkpoint); kCorruption, kIo.
  // Not for a database this process has open (an LMDB rule): use status() there.
  static Settings read_settings(const std::filesystem::path& dir);
  // The last transaction the store in `dir` has applied (0 for none), read the same way and
  // with the same errors: what recovery replays after, so the log must hold everything after it.
  static std::uint64_t read_last_applied_tx(const std::filesystem::path& dir);
  // Whether the database in `dir` was not closed cleanly, so that the next open recovers it
  // (and so writes to it, even with Options::read_only): it was left open by a process that
  // died, and no process has it open now. Reads only; false for a folder with no database.
  static bool needs_recovery(const std::filesystem::path& dir);

  // Closes with a final checkpoint. Errors are swallowed here; call close() to see them.
  ~Database();
  void close();

  // Blocks while another thread has a write transaction open. Throws kInvalidArgument if this
  // thread already has one (it would wait for itself).
  WriteTransaction begin_write(TxInfo info = {});
  // Sees every transaction committed before the call. With kLog and kAsync this may first
  // write the store batch (Options::store_batch), waiting for an open write transaction of
  // another thread to end; it throws kInvalidArgument if this thread has one open, and the
  // failure of a batch that could not be written.
  ReadTransaction begin_read() const;

  // Syncs the store and records a checkpoint in the log; returns the checkpointed tx id.
  std::uint64_t checkpoint();

  // Returns once every transaction committed so far is durable in the log: with kAsync it
  // syncs the log (one fdatasync, shared with any sync under way); with kLog and kFull they
  // already are. Throws kIo if the sync fails (the database then refuses writes).
  void sync_log() const;

  // Bulk import (txgraph/import.h): writes the CSV files' nodes and relationships straight
  // into the store in one transaction, checkpoints, and appends an import notice to the log.
  // Throws kInvalidArgument "FILE:LINE:COLUMN: ..." for bad input (unknown type, missing or
  // duplicate id, a relationship to an unknown id, a broken quote), kConstraintViolation
  // naming the file and line for a key the rows break, kNotFound for a missing file; the
  // database is then unchanged.
  ImportNotice import_csv(const ImportOptions& options);

  // Changes a persistent setting by name, with the value as text: "enrichment" ("off",
  // "diff", "full"), "rotation_size" ("64M"), "checkpoint_interval_time" ("15m", "30s", "2h"),
  // "checkpoint_interval_tx" ("100000"). Throws kInvalidArgument naming the key or the value
  // when either is wrong.
  void set_setting(std::string_view key, std::string_view value);

  // Switches enrichment for every transaction that begins after this returns (it waits for an
  // open write transaction to end). The switch is written to the log and synced before it
  // returns, and survives reopen. From kOff to kDiff or kFull it starts a new generation.
  void set_enrichment(EnrichmentMode mode);

  DatabaseStatus status() const;
  const std::string& uuid() const;

  // For change readers (txgraph/cdc.h, which applications use instead): the last transaction
  // a reader may see (committed, and durable as Options::durability says), with the
  // enrichment mode and generation in force.
  struct LogVisibility {
    std::uint64_t visible_tx = 0;
    EnrichmentMode enrichment = EnrichmentMode::kOff;
    std::uint64_t enrichment_generation = 0;
  };
  LogVisibility log_visibility() const;
  // Blocks until a transaction after `tx` is visible or `deadline` passes, woken by the commit
  // itself; returns whether one is. Throws kTransactionClosed once the database is closed.
  bool wait_for_commit_after(std::uint64_t tx, std::chrono::steady_clock::time_point deadline) const;

  const std::filesystem::path& dir() const;

  struct Impl;

 private:
  explicit Database(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Read transactions on the store of a database that this process has not opened, without
// opening it: no recovery, no checkpoint, nothing written to the store (LMDB read-only; it
// takes a slot in LMDB's reader table per open read transaction). For readers in another
// process than the writer's, such as `txgraph cdc query --snapshot`.
//
// Caveats: the store may lag the writer's log by a store batch (Options::store_batch);
// ReadTransaction::last_applied_tx() says how far each read transaction reaches. Every read
// transaction holds the pages it sees until it ends, as any read transaction does: keep them
// short. Not for a database this process has open (an LMDB rule): use Database::begin_read.
class StoreReader {
 public:
  // Throws kNotFound if `dir` holds no store; kNeedsRecovery if the database was not closed
  // cleanly and no process has it open (see Database::read_settings); kCorruption, kIo.
  static std::unique_ptr<StoreReader> open(const std::filesystem::path& dir);
  ~StoreReader();
  StoreReader(const StoreReader&) = delete;
  StoreReader& operator=(const StoreReader&) = delete;

  // A read transaction on the store's latest committed snapshot. The reader must outlive it.
  ReadTransaction begin_read() const;

 private:
  StoreReader();
  std::unique_ptr<Database::Impl> impl_;
};

// "off", "diff", "full" (any case). Throws kInvalidArgument.
EnrichmentMode parse_enrichment_mode(std::string_view text);
std::string_view enrichment_mode_name(EnrichmentMode mode);  // "OFF", "DIFF", "FULL"

// Checks a retention policy string (the grammar of Settings::retention_policy) and returns
// its canonical form ("2G 1Day" -> "1 days 2G"). Throws kInvalidArgument with the grammar.
std::string normalize_retention_policy(std::string_view text);

// Parses "64M", "1G", "4096" (K/M/G are powers of 1024). Throws kInvalidArgument.
std::uint64_t parse_size(std::string_view text);
// Parses "15m", "30s", "2h", "1d", "500ms". Throws kInvalidArgument.
std::chrono::milliseconds parse_duration(std::string_view text);

}  // namespace txgraph
