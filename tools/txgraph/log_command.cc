// txgraph log ls|dump|verify|stats|retention: the log files of a database, read directly and
// read-only, so every verb works while another process writes and on a damaged log (each
// problem is printed with its file and byte offset, and reading goes on with what is left).
// Each verb is in its own file (log_<verb>_command.cc); this one declares the `log` subcommand.
#include <vector>

#include <CLI/CLI.hpp>

#include "tools/txgraph/commands.h"
#include "tools/txgraph/log_command_support.h"

namespace txgraph::cli {

Verb add_log_verb(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("log", "Inspect the transaction log: ls, dump, verify, stats, retention");
  cmd->require_subcommand(1);
  cmd->footer(
      "Every verb reads the segment files (DIR/txlog/*.seg) read-only: it works while another\n"
      "process writes, and on a damaged log it names each problem by file and byte offset and\n"
      "goes on with what it can read. Problems go to standard error (verify: standard output).\n"
      "ls and retention read the database's retention policy from its store, also read-only,\n"
      "without opening the database.");

  // The order of the subcommands is the order --help lists them in.
  std::vector<Verb> verbs = {add_log_ls_verb(*cmd), add_log_dump_verb(*cmd), add_log_verify_verb(*cmd),
                             add_log_stats_verb(*cmd), add_log_retention_verb(*cmd)};
  return {cmd, [verbs] {
            for (const Verb& verb : verbs)
              if (verb.command->parsed()) verb.run();
          }};
}

}  // namespace txgraph::cli
