// The helpers of the `txgraph log` verbs (log_command_support.h).
#include "tools/txgraph/log_command_support.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <ctime>
#include <ostream>
#include <stdexcept>

#include <fmt/format.h>

#include "txgraph/database.h"
#include "txgraph/error.h"
#include "txlog/log_directory.h"
#include "txlog/text_formats.h"

namespace txgraph::cli {

using namespace txlog;

std::string log_folder(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir / "txlog", ec)) return (dir / "txlog").string();
  if (std::filesystem::is_directory(dir, ec) && !list_segments(dir.string()).empty()) return dir.string();
  throw Error(ErrorCode::kNotFound, fmt::format("{} holds no log: neither a database folder with a txlog "
                                                "folder nor a folder of segment files",
                                                dir.string()));
}

void print_problems(const LogScan& scan, std::ostream& err) {
  for (const auto& problem : scan.problems) err << "txgraph: " << problem_text(problem) << '\n';
}

std::string or_dash(std::uint64_t value) { return value == 0 ? "-" : std::to_string(value); }
std::string time_or_dash(bool present, std::int64_t us) { return present ? iso8601_utc(us) : "-"; }

void print_table(const std::vector<std::vector<std::string>>& rows, std::ostream& out) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (widths.size() <= i) widths.push_back(0);
      widths[i] = std::max(widths[i], row[i].size());
    }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - row[i].size() + 2, ' ');
    }
    out << line << '\n';
  }
}

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The grammar of every time txgraph reads (txlog/text_formats.h), or microseconds since 1970;
// a bad one is a usage error (exit 2) naming the value and what is wrong with it.
std::int64_t parse_time(std::string_view text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos) {
    std::int64_t micros = 0;
    auto [stop, ec] = std::from_chars(text.data(), text.data() + text.size(), micros);
    if (ec != std::errc())
      throw std::invalid_argument(fmt::format("'{}' is not a time: too large for microseconds since 1970", text));
    return micros;
  }
  try {
    return txlog::parse_utc_time(text);
  } catch (const Error& e) {
    throw std::invalid_argument(fmt::format("{}, or microseconds since 1970", e.what()));
  }
}

ChosenPolicy choose_policy(const std::filesystem::path& dir, const std::string& policy_text) {
  ChosenPolicy chosen;
  if (!policy_text.empty()) {
    chosen.policy = RetentionPolicy::parse(policy_text);
    chosen.source = "--policy";
    return chosen;
  }
  std::error_code ec;
  std::filesystem::path database = dir;
  if (!std::filesystem::exists(dir / "store", ec) && std::filesystem::exists(dir.parent_path() / "store", ec))
    database = dir.parent_path();
  try {
    Settings settings = Database::read_settings(database);
    chosen.policy = RetentionPolicy::parse(settings.retention_policy);
    chosen.source = "the database's settings";
  } catch (const Error& e) {
    chosen.unavailable =
        e.code() == ErrorCode::kNotFound
            ? fmt::format("no database store beside the log in {}, so no stored retention policy", dir.string())
            : fmt::format("the stored retention policy cannot be read: {}", e.what());
  }
  return chosen;
}
std::vector<PruneVerdict> next_checkpoint_plan(const std::filesystem::path& dir, const RetentionPolicy& policy,
                                               const std::vector<SegmentSummary>& summaries,
                                               std::uint64_t last_checkpoint_tx, std::vector<ConsumerRecord>* groups,
                                               std::vector<LostHold>* lost) {
  auto plan = plan_pruning(policy, summaries, last_checkpoint_tx, now_us());
  auto records = txgraph::txlog::read_consumer_records(txgraph::txlog::consumers_dir(dir.string()));
  std::vector<txgraph::txlog::RetentionHold> holds;
  for (const auto& g : records)
    if (g.hold_bytes && g.lost.empty()) holds.push_back({g.name, g.needs_tx, *g.hold_bytes});
  auto lost_now = txgraph::txlog::apply_retention_holds(plan, summaries, holds);
  if (groups) *groups = std::move(records);
  if (lost) *lost = std::move(lost_now);
  return plan;
}
}  // namespace txgraph::cli
