// txgraph log dump DIR [filters] [--json] [--follow]: every record in order, for people or as
// JSON lines; with --follow, what the writer appends after, until SIGINT or SIGTERM.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
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
#include "tools/txgraph/log_command_support.h"
#include "tools/txgraph/log_dump_format.h"
#include "txlog/folder_watch.h"
#include "txlog/log_inspect.h"
#include "txlog/tx_record.h"
#include "txlog/tx_record_view.h"

namespace txgraph::cli {

using namespace txlog;

namespace {

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
  bool color =
      args.color == "always" || (args.color == "auto" && ::isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr);
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

Verb add_log_dump_verb(CLI::App& log) {
  auto dir = std::make_shared<std::string>();
  auto dump_args = std::make_shared<LogDumpArgs>();
  CLI::App* dump = log.add_subcommand("dump", "Every record in order, for people or as JSON lines");
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
  return {dump, [=] {
            widen_output_pipe(BufferedOutput::kFlushAt);
            dump_log(*dir, *dump_args, std::cout, std::cerr);
          }};
}

}  // namespace txgraph::cli
