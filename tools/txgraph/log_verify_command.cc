// txgraph log verify DIR: checks every frame, header and tx id of the log, and that the log
// covers the store's last applied transaction; exits 1 when it finds damage.
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "tools/txgraph/commands.h"
#include "tools/txgraph/log_command_support.h"
#include "txgraph/database.h"
#include "txgraph/error.h"
#include "txlog/log_directory.h"
#include "txlog/log_inspect.h"
#include "txlog/tx_record.h"

namespace txgraph::cli {

using namespace txlog;

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
      out << fmt::format(
          "{}: the store has applied up to tx {}, but the log ends at tx {}: the log lacks "
          "transactions the store holds\n",
          where, *applied, last);
      ++damage;
    } else if (first > *applied + 1) {
      out << fmt::format(
          "{}: the store has applied up to tx {}, but the log starts at tx {}: transactions {} "
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

Verb add_log_verify_verb(CLI::App& log) {
  auto dir = std::make_shared<std::string>();
  CLI::App* verify = log.add_subcommand("verify", "Check every frame, header and tx id; exit 1 if damaged");
  verify->add_option("DIR", *dir, "Folder of the database (or its txlog folder)")->check(folder_name())->required();
  verify->footer(
      "Checks every frame's checksum and decoding, the segment headers (same database UUID,\n"
      "number equal to the file name, contiguous numbering), tx id continuity across segments,\n"
      "and that checkpoints point inside the log. Prints one line per problem, 'FILE: offset N:\n"
      "what', then a summary. A torn last record in the last segment (a writer mid-append, or a\n"
      "crash) is a 'note:', not damage. Exit status: 0 clean, 1 damaged, 2 bad usage.");
  return {verify, [=] {
            if (!verify_log(*dir, std::cout)) {
              std::cout.flush();
              throw std::runtime_error(fmt::format("the log in {} is damaged", *dir));
            }
          }};
}

}  // namespace txgraph::cli
