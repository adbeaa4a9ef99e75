// txgraph set: change a stored setting of a database.
#include <algorithm>
#include <iostream>
#include <memory>
#include <ostream>
#include <string>

#include <fmt/format.h>

#include "tools/txgraph/commands.h"

namespace txgraph::cli {

namespace {

struct SetArgs {
  std::string dir;
  std::string key;
  std::string value;
};

// "rotation-size" and "rotation_size" name the same setting; "retention" is short for
// "retention_policy", as in `init --retention`.
std::string setting_name(std::string key) {
  std::replace(key.begin(), key.end(), '-', '_');
  if (key == "retention") key = "retention_policy";
  return key;
}

}  // namespace

void set_setting(const std::filesystem::path& dir, const std::string& key, const std::string& value,
                 std::ostream& out) {
  auto db = open_existing(dir);
  std::string name = setting_name(key);
  auto before = db->status();
  db->set_setting(name, value);
  auto after = db->status();
  if (name == "enrichment") {
    out << fmt::format("enrichment {} -> {} (generation {})\n", enrichment_mode_name(before.settings.enrichment),
                       enrichment_mode_name(after.settings.enrichment), after.enrichment_generation);
  } else {
    out << fmt::format("{} set to {}\n", name, name == "retention_policy" ? after.settings.retention_policy : value);
  }
  out << std::flush;
  db->close();
}

Verb add_set_verb(CLI::App& app) {
  auto args = std::make_shared<SetArgs>();
  CLI::App* cmd = app.add_subcommand("set", "Change a stored setting of the database in DIR");
  cmd->footer(
      "KEYs (a dash or an underscore, either will do):\n"
      "  enrichment                  off | diff | full; from the next transaction on. Every switch\n"
      "                              from off starts a new enrichment generation.\n"
      "  retention                   keep_all | keep_none | \"N files\" | \"N size\" | \"N txs\" |\n"
      "                              \"N hours [SIZE]\" | \"N days [SIZE]\", e.g. \"2 days 2G\"\n"
      "  rotation-size               e.g. 64M\n"
      "  checkpoint-interval-time    e.g. 15m, 30s, 2h\n"
      "  checkpoint-interval-tx      e.g. 100000; 0 turns it off\n"
      "  checkpoint-interval-volume  e.g. 250M; 0 turns it off\n"
      "  log-compression-level       0 (off) to 19\n"
      "The change is stored in the database and kept across opens; `txgraph show` lists them.");
  cmd->add_option("DIR", args->dir, "Folder of the database")->check(folder_name())->required();
  cmd->add_option("KEY", args->key, "The setting to change")->required();
  cmd->add_option("VALUE", args->value, "Its new value")->required();
  return {cmd, [args] { set_setting(args->dir, args->key, args->value, std::cout); }};
}

}  // namespace txgraph::cli
