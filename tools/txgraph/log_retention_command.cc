// txgraph log retention DIR [--policy POLICY]: which segments the next checkpoint would prune,
// and why; prunes nothing.

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "tools/txgraph/commands.h"
#include "tools/txgraph/log_command_support.h"
#include "txlog/consumer_records.h"
#include "txlog/log_inspect.h"
#include "txlog/retention_holds.h"
#include "txlog/retention_policy.h"
#include "txlog/text_formats.h"

namespace txgraph::cli {

using namespace txlog;

void preview_retention(const std::filesystem::path& dir, const std::string& policy_text, std::ostream& out,
                       std::ostream& err) {
  LogScan scan = scan_log(log_folder(dir));
  ChosenPolicy chosen = choose_policy(dir, policy_text);
  if (!chosen.policy) throw std::runtime_error(chosen.unavailable + "; pass --policy POLICY to preview one");
  std::uint64_t last_checkpoint = scan.last_checkpoint_tx();
  std::string checkpoint_source = "the log's last checkpoint record";
  std::vector<txgraph::txlog::ConsumerRecord> groups;
  std::vector<txgraph::txlog::LostHold> lost;
  auto plan = next_checkpoint_plan(dir, *chosen.policy, retention_summaries(scan), last_checkpoint, &groups, &lost);
  out << fmt::format("policy: {} (from {})\nlast checkpoint: tx {} (from {})\n", chosen.policy->to_string(),
                     chosen.source, last_checkpoint, checkpoint_source);
  for (const auto& g : groups) {
    bool losing = std::any_of(lost.begin(), lost.end(), [&](const auto& l) { return l.group == g.name; });
    if (!g.lost.empty())
      out << fmt::format("consumer group {}: lost already ({}); holds nothing\n", g.name, g.lost);
    else if (losing)
      out << fmt::format(
          "consumer group {}: would be marked lost at the next checkpoint: {}\n", g.name,
          std::find_if(lost.begin(), lost.end(), [&](const auto& l) { return l.group == g.name; })->reason);
    else if (g.hold_bytes)
      out << fmt::format("consumer group {}: holds the log from tx {} on, up to {}\n", g.name, g.needs_tx,
                         size_text(*g.hold_bytes));
    else
      out << fmt::format("consumer group {}: needs tx {} on, holds nothing\n", g.name, g.needs_tx);
  }
  std::vector<std::vector<std::string>> rows = {{"SEG", "FILE", "BYTES", "LAST_TX", "LAST_COMMIT", "PRUNE", "WHY"}};
  std::uint64_t pruned = 0, pruned_bytes = 0;
  auto summaries = retention_summaries(scan);
  for (std::size_t i = 0; i < plan.size(); ++i) {
    const SegmentScan& s = scan.segments[i];
    if (plan[i].prune) ++pruned, pruned_bytes += s.file.bytes;
    rows.push_back({std::to_string(s.file.number), std::filesystem::path(s.file.path).filename().string(),
                    std::to_string(s.file.bytes), or_dash(s.last_tx), iso8601_utc(summaries[i].last_commit_us),
                    plan[i].prune ? "yes" : "no", plan[i].reason});
  }
  print_table(rows, out);
  out << fmt::format("{} of {} segments ({}) would be pruned at the next checkpoint; nothing was pruned now\n", pruned,
                     plan.size(), readable_size(pruned_bytes));
  out.flush();
  print_problems(scan, err);
}

Verb add_log_retention_verb(CLI::App& log) {
  auto dir = std::make_shared<std::string>();
  auto policy = std::make_shared<std::string>();
  CLI::App* retention = log.add_subcommand("retention", "Which segments the next checkpoint would prune, and why");
  retention->add_option("DIR", *dir, "Folder of the database")->check(folder_name())->required();
  retention->add_option("--policy", *policy,
                        "Policy to try instead of the database's own (which is read from the store read-only, "
                        "without opening the database: opening checkpoints, and a checkpoint prunes)");
  retention->footer(
      "Prunes nothing. Columns: SEG, FILE, BYTES, LAST_TX, LAST_COMMIT (of its last transaction,\n"
      "or its creation), PRUNE yes/no and WHY (the policy's or a safety rule's reason). The last\n"
      "checkpoint comes from the log. Without --policy, a database that was not closed cleanly\n"
      "and is not open elsewhere has no readable policy until its next open (which recovers).");
  return {retention, [=] { preview_retention(*dir, *policy, std::cout, std::cerr); }};
}

}  // namespace txgraph::cli
