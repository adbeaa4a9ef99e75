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
// Caveats, up front:
// - The replica is written by the replicator only: its position is read back from the newest
//   replicated transaction in its log, and ids it assigned itself would collide with the
//   source's (kInvalidArgument naming the id).
// - Key constraints are not part of the change stream: create them on the replica yourself.
//   They are checked change by change there, so a source transaction that swaps key values
//   between two entities cannot be applied: the replicator stops at it with
//   kConstraintViolation naming the key.
// - Bulk imports bypass the source's log, so their data cannot reach the replica through CDC.
//   ReplicationResult::imports lists the source's import notices after the replica's
//   position, and a change that refers to an imported node fails with kNotFound naming it.
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
// enrichment on; the first run starts from source.earliest(), so a replica made after the
// source's log was pruned starts with what is retained (a fresh copy of the rest is the
// application's to make). Throws kInvalidArgument when `replica` holds data but no
// replication position, or was replicated from another database.
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
