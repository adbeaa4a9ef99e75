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

void replicate_database(const std::filesystem::path& source_dir, const std::filesystem::path& replica_dir,
                        bool follow, std::ostream& out, std::ostream& err) {
  auto source = ChangeStream::open_log(source_dir);
  std::unique_ptr<Database> replica;
  try {
    replica = open_existing(replica_dir);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kNotFound) throw;
    replica = Database::open(replica_dir);
    err << fmt::format("txgraph: created the replica database {}\n", replica_dir.string());
  }
  ReplicationOptions options;
  options.follow = follow;
  if (follow) {
    stop_on_interrupt();
    options.stop = [] { return interrupted(); };
  }
  options.on_import = [&](const ImportNotice& notice) {
    err << fmt::format("txgraph: warning: import {} into {} ({} nodes, {} relationships, after tx {}) bypassed its "
                       "log: that data is not in the replica\n",
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
  CLI::App* cmd = app.add_subcommand("replicate", "Apply the changes of one database to a replica, through CDC");
  cmd->add_option("SRC", *source, "Folder of the source database (enrichment diff or full)")->check(folder_name())->required();
  cmd->add_option("DST", *replica, "Folder of the replica (created when it holds no database)")->check(folder_name())->required();
  cmd->add_flag("--follow", *follow, "Keep applying new source transactions until interrupted (Ctrl-C)");
  cmd->footer(
      "Each source transaction becomes one replica transaction, with the same element ids, users\n"
      "and metadata, and the source position it reaches: a replicator stopped or killed at any\n"
      "point goes on where the replica left off, never applying a transaction twice. Write the\n"
      "replica only through this verb. Key constraints and bulk imports do not travel through\n"
      "CDC: imports in the source are reported on standard error.");
  return {cmd, [=] { replicate_database(*source, *replica, *follow, std::cout, std::cerr); }};
}

}  // namespace txgraph::cli
