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
  std::string retention = "keep_all";
  std::string rotation_size;
  std::string checkpoint_interval_time;
  std::uint64_t checkpoint_interval_tx = Settings{}.checkpoint_interval_tx;
};

// A CLI11 check that runs one of the library's parsers, so a bad value is a usage error
// carrying the library's own message.
CLI::Validator parses_as(void (*parse)(std::string_view), const char* name) {
  return CLI::Validator(
      [parse](std::string& text) -> std::string {
        try {
          parse(text);
          return {};
        } catch (const Error& e) {
          return e.what();
        }
      },
      "", name);
}

// Enrichment and retention are part of the command-line contract but not of this version:
// refuse every value but the one this version implements rather than accept and ignore it.
CLI::Validator only_supported(const char* supported, const char* why) {
  return CLI::Validator(
      [supported, why](std::string& text) -> std::string {
        if (text == supported) return {};
        return fmt::format("'{}' is not supported yet: {}", text, why);
      },
      "", "SUPPORTED");
}

Settings settings_of(const InitArgs& args) {
  Settings settings;
  // What the two checks above allow, set explicitly: the library's own defaults may differ.
  settings.enrichment = EnrichmentMode::kOff;
  settings.retention_policy = "keep_all";
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
  cmd->add_option("DIR", args->dir, "Folder for the new database")->required();
  cmd->add_option("--enrichment", args->enrichment,
                  "What the log records for CDC: off, diff or full (only off for now)")
      ->check(CLI::IsMember({"off", "diff", "full"}))
      ->check(only_supported("off",
                             "txgraph init creates databases with enrichment off for now; "
                             "diff and full come with the CDC verbs"))
      ->capture_default_str();
  cmd->add_option("--retention", args->retention,
                  "Which log segments to keep after a checkpoint (only keep_all for now)")
      ->check(only_supported("keep_all",
                             "txgraph init creates databases that keep every log segment "
                             "(keep_all) for now; other policies come in a later version"))
      ->capture_default_str();
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
      ->capture_default_str();
  return {cmd, [args] { init_database(args->dir, settings_of(*args), std::cout); }};
}

}  // namespace txgraph::cli
