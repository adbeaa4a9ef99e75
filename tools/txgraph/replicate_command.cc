// txgraph replicate SRC DST [--follow]: applies the changes of SRC's log to DST
// (txgraph/replication.h). SRC is read straight from its log, so another process may have it
// open and be writing; DST is opened (created if it has no database yet) and written.
#include <iostream>
#include <memory>
#include <ostream>
#include <string>

#include <fmt/format.h>

#include "tools/txgraph/commands.h"
#include "tools/txgraph/interrupts.h"
#include "txgraph/replication.h"

namespace txgraph::cli {

namespace {

// --resnapshot: the replica is made again from nothing. Only a folder that holds a replica (or
// nothing) is removed: never a database that was not made by replicate.
void remove_replica(const std::filesystem::path& replica_dir, std::ostream& err) {
  std::error_code ec;
  if (!std::filesystem::exists(replica_dir, ec)) return;
  std::unique_ptr<Database> replica;
  try {
    replica = open_existing(replica_dir);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kNotFound) throw;
    return;
  }
  auto status = replica->status();
  bool empty = status.node_count == 0 && status.relationship_count == 0;
  if (!replica_position(*replica) && !empty)
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("--resnapshot rebuilds a replica, but {} holds data and is no replica: not removed",
                            replica_dir.string()));
  replica->close();
  replica.reset();
  std::filesystem::remove_all(replica_dir);
  err << fmt::format("txgraph: removed the replica {} to rebuild it from a snapshot of the source\n",
                     replica_dir.string());
}

}  // namespace

void replicate_database(const std::filesystem::path& source_dir, const std::filesystem::path& replica_dir,
                        bool follow, bool resnapshot, std::ostream& out, std::ostream& err) {
  auto source = ChangeStream::open_log(source_dir);
  if (resnapshot) {
    source.snapshot_start();  // the source must be readable before the replica goes
    remove_replica(replica_dir, err);
  }
  auto replica = open_or_create_replica(replica_dir, err);
  ReplicationOptions options;
  options.follow = follow;
  if (follow) {
    stop_on_interrupt();
    options.stop = [] { return interrupted(); };
  }
  options.on_import = [&](const ImportNotice& notice) {
    err << fmt::format("txgraph: warning: import {} into {} ({} nodes, {} relationships, after tx {}) bypassed its "
                       "log after the replica's snapshot: that data is not in the replica (rebuild it with "
                       "--resnapshot)\n",
                       notice.import_number, source_dir.string(), notice.nodes, notice.relationships,
                       notice.after_tx);
    err.flush();
  };
  auto result = replicate(source, *replica, options);
  out << fmt::format("replicated {} transactions ({} changes) from {} to {}\n", result.transactions, result.changes,
                     source_dir.string(), replica_dir.string());
  if (!result.position.empty()) out << fmt::format("position {}\n", result.position);
  replica->close();
}

Verb add_replicate_verb(CLI::App& app) {
  auto source = std::make_shared<std::string>();
  auto replica = std::make_shared<std::string>();
  auto follow = std::make_shared<bool>(false);
  auto resnapshot = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("replicate", "Apply the changes of one database to a replica, through CDC");
  cmd->add_option("SRC", *source, "Folder of the source database (enrichment diff or full)")->check(folder_name())->required();
  cmd->add_option("DST", *replica, "Folder of the replica (created when it holds no database)")->check(folder_name())->required();
  cmd->add_flag("--follow", *follow, "Keep applying new source transactions until interrupted (Ctrl-C)");
  cmd->add_flag("--resnapshot", *resnapshot,
                "Rebuild the replica from a new snapshot of the source (for a replica whose position the "
                "source has pruned): DST is removed first, if it is a replica");
  cmd->footer(
      "Each source transaction becomes one replica transaction, with the same element ids, users\n"
      "and metadata, and the source position it reaches: a replicator stopped or killed at any\n"
      "point goes on where the replica left off, never applying a transaction twice. Write the\n"
      "replica only through this verb. A new replica starts with a snapshot of the source: its key\n"
      "constraints, every node and relationship (bulk-imported ones too), then the changes after.\n"
      "Imports made after that are reported on standard error; --resnapshot rebuilds the replica.");
  return {cmd, [=] { replicate_database(*source, *replica, *follow, *resnapshot, std::cout, std::cerr); }};
}

}  // namespace txgraph::cli
