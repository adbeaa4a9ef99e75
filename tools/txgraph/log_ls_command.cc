// txgraph log ls DIR [--policy POLICY]: one row per segment file, with whether the next
// checkpoint would prune it.

#include <filesystem>
#include <iostream>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "tools/txgraph/commands.h"
#include "tools/txgraph/log_command_support.h"
#include "txlog/log_inspect.h"
#include "txlog/text_formats.h"

namespace txgraph::cli {

using namespace txlog;

void list_log_segments(const std::filesystem::path& dir, const std::string& policy_text, std::ostream& out,
                       std::ostream& err) {
  LogScan scan = scan_log(log_folder(dir));
  ChosenPolicy chosen = choose_policy(dir, policy_text);
  std::vector<PruneVerdict> plan;
  if (chosen.policy)
    plan = next_checkpoint_plan(dir, *chosen.policy, retention_summaries(scan), scan.last_checkpoint_tx());
  std::vector<std::vector<std::string>> rows = {{"SEG", "FILE", "BYTES", "RATIO", "FIRST_TX", "LAST_TX", "FIRST_COMMIT",
                                                 "LAST_COMMIT", "MODES", "GEN", "CKPTS", "PRUNE"}};
  for (std::size_t i = 0; i < scan.segments.size(); ++i) {
    const SegmentScan& s = scan.segments[i];
    bool header_ok = s.header_status == HeaderStatus::kOk;
    bool has_tx = s.transactions > 0;
    rows.push_back({std::to_string(s.file.number), std::filesystem::path(s.file.path).filename().string(),
                    std::to_string(s.file.bytes), ratio_text(s.raw_bytes, s.stored_bytes),
                    has_tx ? std::to_string(s.first_tx) : "-", has_tx ? std::to_string(s.last_tx) : "-",
                    time_or_dash(has_tx, s.first_commit_us), time_or_dash(has_tx, s.last_commit_us),
                    capture_modes_text(s.capture_modes),
                    header_ok ? std::to_string(s.header.enrichment_generation) : "?",
                    std::to_string(s.checkpoints.size()), plan.empty() ? "?" : (plan[i].prune ? "yes" : "no")});
  }
  print_table(rows, out);
  out.flush();
  if (!chosen.policy) err << "txgraph: note: PRUNE is '?': " << chosen.unavailable << "; pass --policy POLICY\n";
  print_problems(scan, err);
}

Verb add_log_ls_verb(CLI::App& log) {
  auto dir = std::make_shared<std::string>();
  auto policy = std::make_shared<std::string>();
  CLI::App* ls = log.add_subcommand("ls", "One row per segment file");
  ls->add_option("DIR", *dir, "Folder of the database (or its txlog folder)")->check(folder_name())->required();
  ls->add_option("--policy", *policy,
                 "Retention policy for the PRUNE column (default: the database's own, read from its store "
                 "read-only)");
  ls->footer(
      "Columns: SEG segment number; FILE; BYTES on disk; RATIO raw record bytes / stored bytes\n"
      "(1.00 uncompressed); FIRST_TX, LAST_TX and FIRST_COMMIT, LAST_COMMIT of the transactions\n"
      "in it (UTC); MODES capture modes seen (OFF, DIFF, FULL); GEN enrichment generation from\n"
      "the header; CKPTS checkpoint records in it; PRUNE whether the policy (--policy, or the\n"
      "database's own) would prune it at the next checkpoint (see 'txgraph log retention' for\n"
      "why). '-' means none, '?' unknown (a note on standard error says why).");
  return {ls, [=] { list_log_segments(*dir, *policy, std::cout, std::cerr); }};
}

}  // namespace txgraph::cli
