// txgraph checkpoint: sync the store and record a checkpoint in the log, now.
#include <iostream>
#include <memory>
#include <ostream>
#include <string>

#include "tools/txgraph/commands.h"

namespace txgraph::cli {

std::uint64_t checkpoint_database(const std::filesystem::path& dir, std::ostream& out) {
  auto db = open_existing(dir);
  std::uint64_t tx = db->checkpoint();
  out << tx << '\n' << std::flush;
  db->close();
  return tx;
}

Verb add_checkpoint_verb(CLI::App& app) {
  auto dir = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("checkpoint", "Checkpoint now and print the checkpointed tx id");
  cmd->footer(
      "A checkpoint syncs the store to disk and records that in the log, so that recovery after\n"
      "a crash replays only the log after it. The database also checkpoints on its own (see the\n"
      "checkpoint_interval settings) and when it closes.");
  cmd->add_option("DIR", *dir, "Folder of the database")->check(folder_name())->required();
  return {cmd, [dir] { checkpoint_database(*dir, std::cout); }};
}

}  // namespace txgraph::cli
