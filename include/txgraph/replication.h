// txgraph/replication.h — a replica fed by CDC: applies the changes of a DIFF or FULL source
// to another database, transaction by transaction.
//
// What it guarantees:
// - The replica keeps the source's element ids: a node is n:42 in both, so repeated or
//   restarted runs never duplicate anything and ids seen in either mean the same entity.
// - Each source transaction becomes one replica transaction, applied whole or not at all,
//   carrying the source's users and metadata plus the source position it reaches
//   (metadata keys txgraph.replicatedFrom, txgraph.sourcePosition). The position is therefore
//   durable exactly when the changes are: a replicator killed at any point and restarted goes on
//   after the last transaction the replica committed, never applying one twice or skipping one.
// - Inside a transaction, nodes are created before the relationships that need them and
//   relationships are deleted before their nodes, whatever order the source made them in.
//
// - A new replica starts with a snapshot of the source (ChangeStream::snapshot_start): first
//   the source's key constraints, then every node and relationship, in transactions of a few
//   thousand entities that record the snapshot position they reach, then the stream. So a
//   replica made after the source's log was pruned, or after bulk imports, is whole.
// - Inside one source transaction, what updates take away (changed properties, removed
//   labels) goes before anything is set, and key constraints are checked for completeness at
//   commit: a transaction that swaps key values between two entities applies.
//
// Caveats, up front:
// - The replica is written by the replicator only: its position is read back from the newest
//   replicated transaction in its log, and ids it assigned itself would collide with the
//   source's (kInvalidArgument naming the id).
// - Key constraints travel as schema events (txgraph/cdc.h): created and dropped on the
//   replica in the same source transaction's replica transaction, dropped ones before the
//   entity changes and created ones after them. A key the replica already has (or lacks) is
//   left as it is.
// - Bulk imports bypass the source's log: an import made after the replica's snapshot cannot
//   reach it. ReplicationResult::imports lists the source's import notices after the replica's
//   position, and a change that refers to such an imported entity fails with kNotFound naming
//   it. Rebuild the replica from a new snapshot (`txgraph replicate --resnapshot`).
// - A replica whose position the source has pruned (or from before enrichment was switched
//   off) cannot go on: replicate() throws kCdcPruned (kCdcOldGeneration) saying to rebuild it
//   with `txgraph replicate SRC DST --resnapshot`, which starts a new replica from a snapshot.
// - Every call may throw txgraph::Error (what ChangeStream::query throws for the source, and
//   the replica's own errors); what was committed before the error stays committed.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "txgraph/cdc.h"
#include "txgraph/database.h"
#include "txgraph/import.h"

namespace txgraph {

struct ReplicationOptions {
  // How a new replica starts: with a snapshot of the source (the default: everything, imported
  // data and key constraints included), or, false, with the changes the source's log still
  // holds (source.earliest()), one replica transaction per source transaction from the first.
  bool snapshot = true;
  // Keep going: wait for new source transactions (woken by the commit, or by file change
  // notification for a source another process writes) until `stop` returns true.
  bool follow = false;
  std::function<bool()> stop;
  // How often a follower looks at `stop` while no change arrives.
  std::chrono::milliseconds stop_check{200};
  // Called after each replica commit with the source transaction it applied.
  std::function<void(std::uint64_t source_tx, std::uint64_t replica_tx)> on_applied;
  // Called once for each source import in ReplicationResult::imports, as soon as it is found:
  // at the start for those already in the log, and, when following, for each one a query
  // passes (QueryResult::imports).
  std::function<void(const ImportNotice&)> on_import;
};

struct ReplicationResult {
  std::uint64_t transactions = 0;  // source transactions applied by this call
  std::uint64_t changes = 0;
  std::string position;            // the source position the replica has reached (empty: none yet)
  std::vector<ImportNotice> imports;  // the source's imports after where this call started
};

// Applies every change of `source` after the replica's position. The source must have
// enrichment on; the first run starts with a snapshot of the source (above). Throws
// kInvalidArgument when `replica` holds data but no replication position, or was replicated
// from another database; kCdcPruned naming --resnapshot when its position was pruned.
ReplicationResult replicate(const ChangeStream& source, Database& replica, const ReplicationOptions& options = {});

// The source position the replica has applied up to, and the source's uuid; nullopt for a
// replica that has not applied anything yet.
struct ReplicaPosition {
  std::string source_uuid;
  std::string position;
  std::uint64_t source_tx = 0;
};
std::optional<ReplicaPosition> replica_position(const Database& replica);

}  // namespace txgraph
