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

namespace {

// The number written in text[at, at + n), or -1 if any of those is not a digit.
int digits_at(std::string_view text, std::size_t at, std::size_t n) {
  if (at + n > text.size()) return -1;
  int value = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

bool is_leap_year(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

}  // namespace

// Every field is checked against its range: timegm() would carry a month 13 or a minute 99
// into the next year or hour without a word.
std::int64_t parse_time(std::string_view text) {
  auto refuse = [&](std::string_view why) -> std::int64_t {
    throw std::invalid_argument(
        fmt::format("'{}' is not a time: {}; write 2026-11-18T11:06:40Z (UTC) or microseconds since 1970", text, why));
  };
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos) {
    std::int64_t micros = 0;
    auto [stop, ec] = std::from_chars(text.data(), text.data() + text.size(), micros);
    if (ec != std::errc()) return refuse("too large");
    return micros;
  }
  std::tm tm{};
  tm.tm_year = digits_at(text, 0, 4);
  tm.tm_mon = digits_at(text, 5, 2);
  tm.tm_mday = digits_at(text, 8, 2);
  if (tm.tm_year < 0 || tm.tm_mon < 0 || tm.tm_mday < 0 || text[4] != '-' || text[7] != '-')
    return refuse("no date YYYY-MM-DD");
  if (tm.tm_mon < 1 || tm.tm_mon > 12) return refuse(fmt::format("there is no month {}", tm.tm_mon));
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int days = kDays[tm.tm_mon - 1] + (tm.tm_mon == 2 && is_leap_year(tm.tm_year) ? 1 : 0);
  if (tm.tm_mday < 1 || tm.tm_mday > days) return refuse(fmt::format("month {} has no day {}", tm.tm_mon, tm.tm_mday));
  std::int64_t micros = 0;
  std::string_view rest = text.substr(10);
  if (!rest.empty()) {
    tm.tm_hour = digits_at(rest, 1, 2);
    tm.tm_min = digits_at(rest, 4, 2);
    tm.tm_sec = digits_at(rest, 7, 2);
    if (rest[0] != 'T' || tm.tm_hour < 0 || tm.tm_min < 0 || tm.tm_sec < 0 || rest[3] != ':' || rest[6] != ':')
      return refuse("no time of day THH:MM:SS after the date");
    if (tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 59)
      return refuse(fmt::format("there is no time of day {:02}:{:02}:{:02}", tm.tm_hour, tm.tm_min, tm.tm_sec));
    rest.remove_prefix(9);
    if (rest.starts_with('.')) {
      std::size_t n = 1;
      for (std::int64_t scale = 100000; n < rest.size() && rest[n] >= '0' && rest[n] <= '9'; ++n, scale /= 10)
        micros += (rest[n] - '0') * scale;
      if (n == 1) return refuse("no digits after the seconds' point");
      rest.remove_prefix(n);
    }
    if (rest != "Z" && !rest.empty()) return refuse(fmt::format("'{}' after the time", rest));
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<std::int64_t>(timegm(&tm)) * 1000000 + micros;
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
