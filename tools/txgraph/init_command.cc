// txgraph init: create a database with its initial settings.
#include <iostream>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "tools/txgraph/commands.h"

namespace txgraph::cli {

namespace {

struct InitArgs {
  std::string dir;
  std::string enrichment = "off";
  std::string retention;
  std::string rotation_size;
  std::string checkpoint_interval_time;
  std::uint64_t checkpoint_interval_tx = Settings{}.checkpoint_interval_tx;
  std::string checkpoint_interval_volume;
  int log_compression_level = Settings{}.log_compression_level;
};

Settings settings_of(const InitArgs& args) {
  Settings settings;
  settings.enrichment = parse_enrichment_mode(args.enrichment);
  if (!args.retention.empty()) settings.retention_policy = normalize_retention_policy(args.retention);
  if (!args.checkpoint_interval_volume.empty())
    settings.checkpoint_interval_volume = parse_size(args.checkpoint_interval_volume);
  settings.log_compression_level = args.log_compression_level;
  if (!args.rotation_size.empty()) settings.rotation_size = parse_size(args.rotation_size);
  if (!args.checkpoint_interval_time.empty())
    settings.checkpoint_interval_time = parse_duration(args.checkpoint_interval_time);
  settings.checkpoint_interval_tx = args.checkpoint_interval_tx;
  return settings;
}

}  // namespace

void init_database(const std::filesystem::path& dir, const Settings& settings, std::ostream& out) {
  std::error_code ec;
  if (std::filesystem::exists(dir / "store", ec))
    throw std::runtime_error(
        fmt::format("{} already holds a database ({} exists)", dir.string(), (dir / "store").string()));
  Options options;
  options.initial_settings = settings;
  auto db = Database::open(dir, options);
  out << fmt::format("created database {} in {}\n", db->uuid(), dir.string()) << std::flush;
  db->close();
}

Verb add_init_verb(CLI::App& app) {
  auto args = std::make_shared<InitArgs>();
  CLI::App* cmd = app.add_subcommand("init", "Create a new database in DIR");
  cmd->footer(
      "DIR is created if it does not exist; a DIR that already holds a database is refused.\n"
      "The settings given here are stored in the database and kept across opens.");
  cmd->add_option("DIR", args->dir, "Folder for the new database")->check(folder_name())->required();
  cmd->add_option("--enrichment", args->enrichment,
                  "What the log records beyond recovery's needs: off, diff (what changed) or full "
                  "(whole before and after states)")
      ->check(CLI::IsMember({"off", "diff", "full"}))
      ->capture_default_str();
  cmd->add_option("--retention", args->retention,
                  "Which log segments to keep after a checkpoint, e.g. keep_all, \"3 files\", \"100M size\", "
                  "\"200K txs\", \"2 days 2G\" (default \"2 days\")")
      ->type_name("POLICY")
      ->check(parses_as([](std::string_view text) { (void)normalize_retention_policy(text); }, "POLICY"));
  cmd->add_option("--rotation-size", args->rotation_size,
                  "Start a new log segment once one passes SIZE, e.g. 64M (default 64M)")
      ->type_name("SIZE")
      ->check(parses_as([](std::string_view text) { (void)parse_size(text); }, "SIZE"));
  cmd->add_option("--checkpoint-interval-time", args->checkpoint_interval_time,
                  "Checkpoint at least this often, e.g. 15m, 30s, 2h (default 15m)")
      ->type_name("DURATION")
      ->check(parses_as([](std::string_view text) { (void)parse_duration(text); }, "DURATION"));
  cmd->add_option("--checkpoint-interval-tx", args->checkpoint_interval_tx,
                  "...or after N transactions, whichever comes first; 0 turns the count off")
      ->type_name("N")
      ->check(whole_number(0))
      ->capture_default_str();
  cmd->add_option("--checkpoint-interval-volume", args->checkpoint_interval_volume,
                  "...or after SIZE of log, e.g. 250M (default 250M); 0 turns it off")
      ->type_name("SIZE")
      ->check(parses_as([](std::string_view text) { (void)parse_size(text); }, "SIZE"));
  cmd->add_option("--log-compression-level", args->log_compression_level,
                  "zstd level for log records, 1 to 19; 0 stores them uncompressed")
      ->check(CLI::Range(0, 19))
      ->capture_default_str();
  return {cmd, [args] { init_database(args->dir, settings_of(*args), std::cout); }};
}

}  // namespace txgraph::cli
