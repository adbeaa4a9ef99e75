// tools/txgraph/log_command_support.h — what the `txgraph log` verbs share: finding the log
// folder, printing problems and tables, the retention policy a verb previews, and the time
// grammar of --since/--until. Each verb is in a file of its own (log_*_command.cc); the `log`
// subcommand that holds them is declared in log_command.cc.
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "tools/txgraph/commands.h"
#include "txlog/consumer_records.h"
#include "txlog/log_inspect.h"
#include "txlog/retention_holds.h"
#include "txlog/retention_policy.h"

namespace txgraph::cli {

// Each adds its subcommand under `log` (the `txgraph log` subcommand).
Verb add_log_ls_verb(CLI::App& log);
Verb add_log_dump_verb(CLI::App& log);
Verb add_log_verify_verb(CLI::App& log);
Verb add_log_stats_verb(CLI::App& log);
Verb add_log_retention_verb(CLI::App& log);

// DIR is the database folder; its segments are in DIR/txlog. A txlog folder itself is taken
// too, so that a copy of the segments alone can be inspected. Neither: Error(kNotFound).
std::string log_folder(const std::filesystem::path& dir);

// One "txgraph: " line on `err` per problem the scan found.
void print_problems(const txlog::LogScan& scan, std::ostream& err);

std::string or_dash(std::uint64_t value);
std::string time_or_dash(bool present, std::int64_t us);

// Columns padded to their widest cell, two spaces apart, no trailing blanks.
void print_table(const std::vector<std::vector<std::string>>& rows, std::ostream& out);

std::int64_t now_us();

// "2026-11-18T11:06:40Z", "2026-11-18T11:06:40.250Z", "2026-11-18" (UTC), or microseconds;
// anything else throws std::invalid_argument saying what is wrong with it.
std::int64_t parse_time(std::string_view text);

// The retention policy for `ls` and `retention`: --policy when given, else the database's own,
// read from its store read-only (opening the database would checkpoint it, and a checkpoint
// prunes, which these verbs must never do). DIR may also be the database's txlog folder.
struct ChosenPolicy {
  std::optional<txlog::RetentionPolicy> policy;
  std::string source;       // "--policy", "the database's settings"
  std::string unavailable;  // why there is none, when there is none
};
ChosenPolicy choose_policy(const std::filesystem::path& dir, const std::string& policy_text);

// What the next checkpoint would prune: the policy's plan, with the holds of the database's
// consumer groups applied as the checkpoint applies them (txlog/retention_holds.h). The group
// files are read, never locked or written. `lost` gets the groups the checkpoint would mark lost.
std::vector<txlog::PruneVerdict> next_checkpoint_plan(const std::filesystem::path& dir,
                                                      const txlog::RetentionPolicy& policy,
                                                      const std::vector<txlog::SegmentSummary>& summaries,
                                                      std::uint64_t last_checkpoint_tx,
                                                      std::vector<txlog::ConsumerRecord>* groups = nullptr,
                                                      std::vector<txlog::LostHold>* lost = nullptr);

}  // namespace txgraph::cli
