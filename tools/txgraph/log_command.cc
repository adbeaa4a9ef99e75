// txgraph log ls|dump|verify|stats|retention: the log files of a database, read directly and
// read-only, so every verb works while another process writes and on a damaged log (each
// problem is printed with its file and byte offset, and reading goes on with what is left).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "tools/txgraph/commands.h"
#include "tools/txgraph/interrupts.h"
#include "tools/txgraph/log_dump_format.h"
#include "txgraph/database.h"
#include "txgraph/error.h"
#include "txlog/consumer_records.h"
#include "txlog/folder_watch.h"
#include "txlog/log_directory.h"
#include "txlog/log_inspect.h"
#include "txlog/log_stats.h"
#include "txlog/retention_holds.h"
#include "txlog/retention_policy.h"
#include "txlog/text_formats.h"
#include "txlog/tx_record.h"
#include "txlog/tx_record_view.h"

namespace txgraph::cli {

using namespace txlog;

namespace {

// DIR is the database folder; its segments are in DIR/txlog. A txlog folder itself is taken
// too, so that a copy of the segments alone can be inspected.
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

// Columns padded to their widest cell, two spaces apart, no trailing blanks.
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

// "2026-11-18T11:06:40Z", "2026-11-18T11:06:40.250Z", "2026-11-18" (UTC), or microseconds.
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
  if (tm.tm_mday < 1 || tm.tm_mday > days)
    return refuse(fmt::format("month {} has no day {}", tm.tm_mon, tm.tm_mday));
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

// The retention policy for `ls` and `retention`: --policy when given, else the database's own,
// read from its store read-only (opening the database would checkpoint it, and a checkpoint
// prunes, which these verbs must never do). DIR may also be the database's txlog folder.
struct ChosenPolicy {
  std::optional<RetentionPolicy> policy;
  std::string source;       // "--policy", "the database's settings"
  std::string unavailable;  // why there is none, when there is none
};

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
    chosen.unavailable = e.code() == ErrorCode::kNotFound
                             ? fmt::format("no database store beside the log in {}, so no stored retention policy",
                                           dir.string())
                             : fmt::format("the stored retention policy cannot be read: {}", e.what());
  }
  return chosen;
}

// The filters of `log dump`. A record that is not a transaction is placed for --from-tx and
// --to-tx by the transaction before it. Transactions are judged by their tx id and commit
// time before they are read in full, so that skipping costs little.
struct DumpFilter {
  const LogDumpArgs& args;
  std::int64_t since_us = INT64_MIN;
  std::int64_t until_us = INT64_MAX;
  std::uint64_t last_tx = 0;  // the last transaction seen, shown or not

  bool wants_segment(std::uint64_t number) const { return args.segment == 0 || number == args.segment; }
  bool wants(std::uint64_t position, std::int64_t time_us) const {
    return position >= args.from_tx && position <= args.to_tx && time_us >= since_us && time_us <= until_us;
  }
};

// Output in large writes: one buffer, reused for every record, handed to the stream when full.
class BufferedOutput {
 public:
  static constexpr std::size_t kFlushAt = 1 << 20;
  explicit BufferedOutput(std::ostream& out) : out_(out), buffer_(kFlushAt + (64 << 10)) {}
  TextBuffer& buffer() { return buffer_; }
  void write_if_full() {
    if (buffer_.size() >= kFlushAt) write();
  }
  void flush() {
    write();
    out_.flush();
    if (!out_) throw std::runtime_error("writing the dump to standard output failed");
  }

 private:
  void write() {
    out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    buffer_.clear();
  }
  std::ostream& out_;
  TextBuffer buffer_;
};

// A pipe on standard output holds 64 KiB unless asked for more: each megabyte the dump writes
// then goes through in sixteen turns of writer and reader. A pipe as large as one write takes
// it in one (Linux; elsewhere, or for a file or a terminal, nothing changes).
void widen_output_pipe(std::size_t bytes) {
#ifdef F_SETPIPE_SZ
  struct stat st {};
  if (::fstat(STDOUT_FILENO, &st) == 0 && S_ISFIFO(st.st_mode))
    ::fcntl(STDOUT_FILENO, F_SETPIPE_SZ, static_cast<int>(bytes));  // may be refused: a smaller pipe still works
#else
  (void)bytes;
#endif
}

// How long one wait for file changes lasts before --follow looks at the stop flag again; a
// change (or a signal) wakes it at once.
constexpr std::chrono::milliseconds kFollowWait{1000};

// Thrown from the record visitor to end the scan when --follow is interrupted.
struct DumpInterrupted {};

}  // namespace

// What the next checkpoint would prune: the policy's plan, with the holds of the database's
// consumer groups applied as the checkpoint applies them (txlog/retention_holds.h). The group
// files are read, never locked or written. `lost` gets the groups the checkpoint would mark lost.
std::vector<PruneVerdict> next_checkpoint_plan(const std::filesystem::path& dir, const RetentionPolicy& policy,
                                               const std::vector<SegmentSummary>& summaries,
                                               std::uint64_t last_checkpoint_tx,
                                               std::vector<txgraph::txlog::ConsumerRecord>* groups = nullptr,
                                               std::vector<txgraph::txlog::LostHold>* lost = nullptr) {
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

void list_log_segments(const std::filesystem::path& dir, const std::string& policy_text, std::ostream& out,
                       std::ostream& err) {
  LogScan scan = scan_log(log_folder(dir));
  ChosenPolicy chosen = choose_policy(dir, policy_text);
  std::vector<PruneVerdict> plan;
  if (chosen.policy)
    plan = next_checkpoint_plan(dir, *chosen.policy, retention_summaries(scan), scan.last_checkpoint_tx());
  std::vector<std::vector<std::string>> rows = {{"SEG", "FILE", "BYTES", "RATIO", "FIRST_TX", "LAST_TX",
                                                 "FIRST_COMMIT", "LAST_COMMIT", "MODES", "GEN", "CKPTS", "PRUNE"}};
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
                    std::to_string(s.checkpoints.size()),
                    plan.empty() ? "?" : (plan[i].prune ? "yes" : "no")});
  }
  print_table(rows, out);
  out.flush();
  if (!chosen.policy) err << "txgraph: note: PRUNE is '?': " << chosen.unavailable << "; pass --policy POLICY\n";
  print_problems(scan, err);
}

void dump_log(const std::filesystem::path& dir, const LogDumpArgs& args, std::ostream& out, std::ostream& err) {
  DumpFilter filter{args};
  if (!args.since.empty()) filter.since_us = parse_time(args.since);
  if (!args.until.empty()) filter.until_us = parse_time(args.until);
  std::string folder = log_folder(dir);
  BufferedOutput output(out);
  // Created before the first read, so that nothing appended after it is missed.
  std::optional<FolderWatch> watch;
  if (args.follow) {
    stop_on_interrupt();
    watch.emplace(folder);
  }
  DumpRecord record;
  TxRecordView tx;  // read in place, its buffers reused from record to record
  DumpFormatter formatter;
  // Colour only for a person at a terminal, and never when NO_COLOR is set (no-color.org).
  bool color = args.color == "always" ||
               (args.color == "auto" && ::isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr);
  auto visit = [&](const SegmentScan& segment, const Frame& frame) {
    if (args.follow && interrupted()) throw DumpInterrupted{};
    bool is_tx = frame.type == RecordType::kTransaction;
    std::uint64_t position = is_tx ? peek_tx_id(frame.payload) : filter.last_tx;
    if (is_tx) filter.last_tx = position;
    if (!filter.wants_segment(segment.file.number)) return;
    if (is_tx) {
      if (!filter.wants(position, peek_commit_time(frame.payload))) return;
      tx.read(frame.payload);
      record.set_transaction(segment.file.number, frame, tx);
    } else {
      record.decode_other(segment.file.number, frame);
      if (!filter.wants(position, record.time_us)) return;
    }
    // Reading checked the whole record, so writing it does not fail; should it all the same,
    // no half-written record stays in the output.
    TextBuffer& buffer = output.buffer();
    const std::size_t record_start = buffer.size();
    try {
      if (args.json)
        formatter.append_json(buffer, record);
      else
        formatter.append_text(buffer, record, color);
    } catch (...) {
      buffer.truncate(record_start);
      throw;
    }
    output.write_if_full();
  };
  if (!args.follow) {
    LogScan scan = scan_log(folder, visit);
    output.flush();
    print_problems(scan, err);
    return;
  }
  FollowOptions follow;
  follow.wait = [&] {
    output.flush();  // what is there so far, before sleeping
    while (!interrupted())
      if (watch->wait(kFollowWait)) return true;
    return false;
  };
  follow.on_problem = [&](const LogProblem& problem) {
    output.flush();
    err << "txgraph: " << problem_text(problem) << '\n' << std::flush;
  };
  try {
    scan_log(folder, visit, follow);
  } catch (const DumpInterrupted&) {
  }
  output.flush();
  // Where to pick up again, for people and for scripts that restart the follower.
  err << fmt::format("txgraph: stopped; continue with --from-tx {}\n", filter.last_tx + 1);
}

bool verify_log(const std::filesystem::path& dir, std::ostream& out) {
  // A progress line for a person watching a large log on a terminal; scripts get none.
  bool show_progress = ::isatty(STDERR_FILENO);
  std::uint64_t total = 0;
  if (show_progress)
    for (const auto& f : list_segments(log_folder(dir))) total += f.bytes;
  std::uint64_t done_before = 0, current = 0, current_bytes = 0;
  auto last_print = std::chrono::steady_clock::now();
  // The store's last applied transaction must be covered: recovery replays the log after it,
  // so the log must reach it and hold every transaction after it. Read before the log: a live
  // writer appends to the log before its store commit, so the log read after can only be ahead.
  std::optional<std::uint64_t> applied;
  std::string store_note;
  std::error_code ec;
  bool has_store = std::filesystem::is_directory(dir / "store", ec);
  if (has_store) {
    try {
      applied = Database::read_last_applied_tx(dir);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kNeedsRecovery) throw;
      store_note = fmt::format("note: {} (the store's last applied tx is checked once the database has been opened)\n",
                               e.what());
    }
  }
  // Decoding every record in full finds payloads that pass their checksum yet do not parse.
  LogScan scan = scan_log(log_folder(dir), [&](const SegmentScan& segment, const Frame& frame) {
    if (frame.type == RecordType::kTransaction) decode_tx_record(frame.payload);
    if (!show_progress || total == 0) return;
    if (segment.file.number != current) {
      done_before += current_bytes;
      current = segment.file.number;
      current_bytes = segment.file.bytes;
    }
    auto now = std::chrono::steady_clock::now();
    if (now - last_print < std::chrono::milliseconds(200)) return;
    last_print = now;
    std::cerr << fmt::format("\rverifying: segment {}, {:.0f}%   ", current,
                             100.0 * static_cast<double>(done_before + frame.offset) / static_cast<double>(total))
              << std::flush;
  });
  if (show_progress) std::cerr << "\r" << std::string(40, ' ') << "\r" << std::flush;
  std::uint64_t records = 0, damage = 0;
  for (const auto& s : scan.segments) records += s.records;
  for (const auto& problem : scan.problems) {
    out << problem_text(problem) << '\n';
    if (problem.severity == LogProblem::Severity::kDamage) ++damage;
  }
  if (applied) {
    std::uint64_t first = 0, last = 0;
    for (const auto& s : scan.segments) {
      if (s.transactions == 0) continue;
      if (first == 0) first = s.first_tx;
      last = s.last_tx;
    }
    std::string where = (dir / "store").string();
    if (*applied > last) {
      out << fmt::format("{}: the store has applied up to tx {}, but the log ends at tx {}: the log lacks "
                         "transactions the store holds\n",
                         where, *applied, last);
      ++damage;
    } else if (first > *applied + 1) {
      out << fmt::format("{}: the store has applied up to tx {}, but the log starts at tx {}: transactions {} "
                         "to {}, which recovery would replay, are gone\n",
                         where, *applied, first, *applied + 1, first - 1);
      ++damage;
    } else {
      out << fmt::format("{}: last applied tx {}, covered by the log\n", where, *applied);
    }
  }
  out << store_note;
  out << fmt::format("{}: {} segments, {} records, {}\n", scan.dir, scan.segments.size(), records,
                     damage == 0 ? std::string("no damage") : fmt::format("{} problems", damage));
  return damage == 0;
}

void print_log_stats(const std::filesystem::path& dir, std::ostream& out, std::ostream& err) {
  LogStats stats;
  LogScan scan = scan_log(log_folder(dir), [&](const SegmentScan&, const Frame& frame) { add_to_stats(stats, frame); });
  std::uint64_t disk = 0;
  for (const auto& s : scan.segments) disk += s.file.bytes;
  ByteCount total = stats.total();
  out << fmt::format("segments: {}, {} on disk\n", scan.segments.size(), readable_size(disk));
  out << fmt::format("records: {}, {} raw, {} stored, compression ratio {}\n", total.records, total.raw_bytes,
                     total.stored_bytes, ratio_text(total.raw_bytes, total.stored_bytes));
  std::vector<std::vector<std::string>> rows = {{"RECORD_TYPE", "RECORDS", "RAW_BYTES", "STORED_BYTES", "RATIO"}};
  for (unsigned t = 1; t < stats.by_record_type.size(); ++t) {
    const ByteCount& c = stats.by_record_type[t];
    rows.push_back({std::string(record_type_name(static_cast<RecordType>(t))), std::to_string(c.records),
                    std::to_string(c.raw_bytes), std::to_string(c.stored_bytes), ratio_text(c.raw_bytes, c.stored_bytes)});
  }
  for (unsigned m = 0; m < stats.by_capture_mode.size(); ++m) {
    const ByteCount& c = stats.by_capture_mode[m];
    rows.push_back({fmt::format("transaction {}", capture_mode_name(static_cast<CaptureMode>(m))),
                    std::to_string(c.records), std::to_string(c.raw_bytes), std::to_string(c.stored_bytes),
                    ratio_text(c.raw_bytes, c.stored_bytes)});
  }
  out << '\n';
  print_table(rows, out);
  rows = {{"OPERATION", "COUNT"}};
  for (unsigned code = 1; code < stats.ops_by_code.size(); ++code)
    rows.push_back({std::string(op_code_name(static_cast<OpCode>(code))), std::to_string(stats.ops_by_code[code])});
  out << '\n';
  print_table(rows, out);
  rows = {{"CHANGES", "CREATE", "UPDATE", "DELETE"}};
  for (unsigned entity = 1; entity < 3; ++entity)
    rows.push_back({entity == 1 ? "node" : "relationship", std::to_string(stats.changes[entity][1]),
                    std::to_string(stats.changes[entity][2]), std::to_string(stats.changes[entity][3])});
  out << '\n';
  print_table(rows, out);
  out << '\n';
  out << fmt::format("transactions: {}", stats.transactions);
  if (stats.transactions > 0)
    out << fmt::format(", {} to {}, {:.2f} tx/s\naverage transaction: {} bytes\nlargest transaction: tx {}, {} bytes, "
                       "{} operations",
                       iso8601_utc(stats.first_commit_us), iso8601_utc(stats.last_commit_us), stats.tx_per_second(),
                       stats.tx_raw_bytes / stats.transactions, stats.largest_tx_id, stats.largest_tx_raw_bytes,
                       stats.largest_tx_ops);
  out << '\n';
  out.flush();
  print_problems(scan, err);
}

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
      out << fmt::format("consumer group {}: would be marked lost at the next checkpoint: {}\n", g.name,
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

Verb add_log_verb(CLI::App& app) {
  auto dir = std::make_shared<std::string>();
  auto policy = std::make_shared<std::string>();
  auto dump_args = std::make_shared<LogDumpArgs>();
  CLI::App* cmd = app.add_subcommand("log", "Inspect the transaction log: ls, dump, verify, stats, retention");
  cmd->require_subcommand(1);
  cmd->footer(
      "Every verb reads the segment files (DIR/txlog/*.seg) read-only: it works while another\n"
      "process writes, and on a damaged log it names each problem by file and byte offset and\n"
      "goes on with what it can read. Problems go to standard error (verify: standard output).\n"
      "ls and retention read the database's retention policy from its store, also read-only,\n"
      "without opening the database.");

  CLI::App* ls = cmd->add_subcommand("ls", "One row per segment file");
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

  CLI::App* dump = cmd->add_subcommand("dump", "Every record in order, for people or as JSON lines");
  dump->add_option("DIR", *dir, "Folder of the database (or its txlog folder)")->check(folder_name())->required();
  dump->add_option("--from-tx", dump_args->from_tx, "First transaction to show")->check(whole_number(0));
  dump->add_option("--to-tx", dump_args->to_tx, "Last transaction to show")->check(whole_number(0));
  auto time_check = parses_as([](std::string_view text) { (void)parse_time(text); }, "TIME");
  dump->add_option("--since", dump_args->since, "Only records at or after this UTC time (2026-11-18T11:06:40Z)")
      ->check(time_check);
  dump->add_option("--until", dump_args->until, "Only records at or before this UTC time")->check(time_check);
  dump->add_option("--segment", dump_args->segment, "Only this segment number")->check(whole_number(1));
  dump->add_flag("--json", dump_args->json, "One JSON object per line");
  dump->add_option("--color", dump_args->color, "Colour the text form's headings: auto (on a terminal), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  dump->add_flag("--follow", dump_args->follow,
                 "After the records there are, keep printing new ones as the writer appends them (into new "
                 "segments too; woken by file change notification) until SIGINT or SIGTERM, then exit 0");
  dump->footer(
      "Records: transaction (tx id, start and commit time, capture mode, user, metadata, its\n"
      "operations, and in DIFF/FULL its enrichment changes), checkpoint (lastAppliedTx),\n"
      "enrichment_change (from, to, generation, nextTx), import_notice. Each names its segment\n"
      "and byte offset. Text: one block per transaction, an operation or change per line.\n"
      "--from-tx/--to-tx place other records by the transaction before them. With --follow the\n"
      "filters apply to new records too; problems are printed as they are found, and on Ctrl-C\n"
      "the tool prints the --from-tx to continue from on standard error.");

  CLI::App* verify = cmd->add_subcommand("verify", "Check every frame, header and tx id; exit 1 if damaged");
  verify->add_option("DIR", *dir, "Folder of the database (or its txlog folder)")->check(folder_name())->required();
  verify->footer(
      "Checks every frame's checksum and decoding, the segment headers (same database UUID,\n"
      "number equal to the file name, contiguous numbering), tx id continuity across segments,\n"
      "and that checkpoints point inside the log. Prints one line per problem, 'FILE: offset N:\n"
      "what', then a summary. A torn last record in the last segment (a writer mid-append, or a\n"
      "crash) is a 'note:', not damage. Exit status: 0 clean, 1 damaged, 2 bad usage.");

  CLI::App* stats = cmd->add_subcommand("stats", "Counts and bytes by record type, capture mode, operation");
  stats->add_option("DIR", *dir, "Folder of the database (or its txlog folder)")->check(folder_name())->required();
  stats->footer(
      "Prints records and bytes (raw = uncompressed payload, stored = on disk, without frame\n"
      "headers) per record type and per capture mode, operations per type, enrichment changes\n"
      "on nodes and relationships per operation, transactions per second between the first\n"
      "and last retained commit, and the average and largest transaction.");

  CLI::App* retention = cmd->add_subcommand("retention", "Which segments the next checkpoint would prune, and why");
  retention->add_option("DIR", *dir, "Folder of the database")->check(folder_name())->required();
  retention->add_option("--policy", *policy,
                        "Policy to try instead of the database's own (which is read from the store read-only, "
                        "without opening the database: opening checkpoints, and a checkpoint prunes)");
  retention->footer(
      "Prunes nothing. Columns: SEG, FILE, BYTES, LAST_TX, LAST_COMMIT (of its last transaction,\n"
      "or its creation), PRUNE yes/no and WHY (the policy's or a safety rule's reason). The last\n"
      "checkpoint comes from the log. Without --policy, a database that was not closed cleanly\n"
      "and is not open elsewhere has no readable policy until its next open (which recovers).");

  return {cmd, [=] {
            if (ls->parsed()) list_log_segments(*dir, *policy, std::cout, std::cerr);
            if (dump->parsed()) {
              widen_output_pipe(BufferedOutput::kFlushAt);
              dump_log(*dir, *dump_args, std::cout, std::cerr);
            }
            if (stats->parsed()) print_log_stats(*dir, std::cout, std::cerr);
            if (retention->parsed()) preview_retention(*dir, *policy, std::cout, std::cerr);
            if (verify->parsed() && !verify_log(*dir, std::cout)) {
              std::cout.flush();
              throw std::runtime_error(fmt::format("the log in {} is damaged", *dir));
            }
          }};
}

}  // namespace txgraph::cli
