// log_dump_bench: how fast `txgraph log dump --json` turns a large log into JSON lines, next
// to the floors under it (reading and decompressing the frames, reading every record in place,
// decoding every record) and to the CDC reader's full scan of the same log.
//
// Opt-in: not part of `tools/dev bench`, because the log it needs is large (1 GB by default)
// and takes minutes to write. It builds a DIFF database (log compression level 3, the default)
// with cdc_bench's seeded mixed workload (bench/mixed_workload.h) until the log folder reaches
// --size, closes it, and then, per round:
// - runs the `txgraph` tool's `log dump --json DIR` as a child process with its standard
//   output on a pipe that this program reads and counts: MB/s of log on disk read, and MB/s of
//   JSON written (wall time of the child, and its CPU time);
// - reads the same log with the segment reader alone (frames, checksums, zstd), with every
//   transaction read in place on top (TxRecordView::read, as the dump and the CDC reader read
//   them), and with decode_tx_record on top instead, in this process: the floors under the dump;
// - runs a CDC full scan of the log, ChangeStream::open_log(DIR).query(earliest, {}) with a
//   callback that counts, which builds every change event: the rate the dump is held to. It
//   reads the log without opening the database, so nothing is written to it.
// The files are in the page cache after the first round (the log was just written); this
// measures the tool, not the disk. Figures are medians over the rounds.
//
// Usage: log_dump_bench [--dir DIR] [--db DIR] [--size SIZE] [--rounds R] [--txgraph PATH]
//   --dir DIR      where the temp database goes (default: the current directory); removed on
//                  every way out
//   --db DIR       use (or, if it does not exist, build and keep) the database in DIR, so that
//                  runs before and after a change read the same log
//   --size SIZE    log bytes to write when building: 1G (default), 200M, ...
//   --rounds R     measurement rounds (default 3)
//   --txgraph PATH the tool to measure (default: the one built with this benchmark)
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bench/bench_args.h"
#include "bench/bench_support.h"
#include "bench/mixed_workload.h"
#include "txgraph/cdc.h"
#include "txgraph/database.h"
#include "txgraph/options.h"
#include "txlog/log_directory.h"
#include "txlog/segment_reader.h"
#include "txlog/tx_record.h"
#include "txlog/tx_record_view.h"

namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

constexpr std::uint64_t kSeed = 20261201;

struct Config {
  fs::path parent_dir = ".";
  fs::path db_dir;  // empty: a temp database
  std::uint64_t size = 1ull << 30;
  int rounds = 3;
  std::string txgraph;
};

volatile std::sig_atomic_t interrupted = 0;
extern "C" void on_signal(int) { interrupted = 1; }

Config parse_args(int argc, char** argv) {
  Config config;
#ifdef TXGRAPH_CLI
  config.txgraph = TXGRAPH_CLI;
#endif
  std::string size = "1G";
  CLI::App app{"txgraph log dump: records per second, text and JSON, over a log of a given size"};
  app.add_option("--dir", config.parent_dir, "Where the temporary database goes")->capture_default_str();
  app.add_option("--db", config.db_dir, "Dump this database instead of writing a temporary one");
  app.add_option("--size", size, "Log size to write for the temporary database (64M, 1G)")
      ->check([](const std::string& text) {
        try {
          (void)txgraph::parse_size(text);
          return std::string();
        } catch (const std::exception& e) {
          return std::string(e.what());
        }
      })
      ->capture_default_str();
  app.add_option("--rounds", config.rounds, "Rounds per form; the median is reported")
      ->check(CLI::Range(1, 99))
      ->capture_default_str();
  app.add_option("--txgraph", config.txgraph, "The txgraph tool to run")->capture_default_str();
  txgraph::bench::parse_command_line(app, argc, argv);
  config.size = txgraph::parse_size(size);
  if (config.txgraph.empty()) {
    std::fprintf(stderr, "log_dump_bench: --txgraph PATH is needed: this build has no txgraph tool\n");
    std::exit(2);
  }
  return config;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  std::size_t mid = v.size() / 2;
  return v.size() % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

double seconds_since(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

std::uint64_t log_bytes(const fs::path& db) {
  std::uint64_t total = 0;
  for (const auto& segment : txgraph::txlog::list_segments((db / "txlog").string())) total += segment.bytes;
  return total;
}

void build_database(const fs::path& dir, std::uint64_t size) {
  txgraph::Options options;
  // The build is not what is measured: no sync in the way, store pages reused at once.
  options.durability = txgraph::Durability::kAsync;
  options.power_loss_protection = false;
  options.initial_settings.enrichment = txgraph::EnrichmentMode::kDiff;
  options.initial_settings.retention_policy = "keep_all";
  auto db = txgraph::Database::open(dir, options);
  txgraph::bench::MixedWorkload::create_keys(*db);
  txgraph::bench::MixedWorkload workload(kSeed);
  auto start = SteadyClock::now();
  for (;;) {
    if (workload.transactions % 8192 == 0) {
      if (interrupted) throw std::runtime_error("interrupted");
      std::uint64_t written = log_bytes(dir);
      if (written >= size) break;
      if (workload.transactions % (8192 * 64) == 0 && workload.transactions > 0)
        fmt::print(stderr, "building: {} transactions, {:.0f} MB of log, {:.0f} s\n", workload.transactions,
                   static_cast<double>(written) / 1e6, seconds_since(start));
    }
    workload.commit_one(*db);
  }
  db->close();
  fmt::print(stderr, "built: {} transactions in {:.0f} s\n", workload.transactions, seconds_since(start));
}

struct DumpRun {
  double seconds = 0;
  double cpu_seconds = 0;  // the child's user + system time
  std::uint64_t json_bytes = 0;
};

// Runs `txgraph log dump --json DIR` with its output on a pipe read here.
DumpRun run_dump(const std::string& txgraph, const fs::path& db) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) throw std::runtime_error(fmt::format("pipe: {}", std::strerror(errno)));
  std::string db_text = db.string();
  std::vector<char*> argv = {const_cast<char*>(txgraph.c_str()), const_cast<char*>("log"),
                             const_cast<char*>("dump"), const_cast<char*>("--json"), db_text.data(), nullptr};
  auto start = SteadyClock::now();
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(fmt::format("fork: {}", std::strerror(errno)));
  if (pid == 0) {
    ::dup2(pipe_fds[1], 1);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  DumpRun run;
  std::vector<char> buffer(1 << 20);
  for (;;) {
    ssize_t n = ::read(pipe_fds[0], buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    run.json_bytes += static_cast<std::uint64_t>(n);
  }
  ::close(pipe_fds[0]);
  int status = 0;
  rusage usage{};
  while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  run.seconds = seconds_since(start);
  run.cpu_seconds = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                    static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error(fmt::format("{} log dump --json {} failed (status {})", txgraph, db_text, status));
  return run;
}

volatile std::uint64_t decode_sink = 0;

enum class Decode { kNothing, kInPlace, kFull };

// The reader alone, or with every transaction read in place, or decoded into a TxRecord.
double read_floor(const fs::path& db, Decode decode) {
  auto start = SteadyClock::now();
  std::uint64_t sink = 0;
  txgraph::txlog::Frame frame;
  txgraph::txlog::TxRecordView view;
  for (const auto& segment : txgraph::txlog::list_segments((db / "txlog").string())) {
    txgraph::txlog::SegmentReader reader(segment.path);
    while (reader.next(&frame) == txgraph::txlog::SegmentReader::Next::kRecord) {
      sink += frame.payload.size();
      if (frame.type != txgraph::txlog::RecordType::kTransaction || decode == Decode::kNothing) continue;
      if (decode == Decode::kInPlace) {
        view.read(frame.payload);
        sink += view.operations().size() + view.changes().size();
      } else {
        sink += txgraph::txlog::decode_tx_record(frame.payload).ops.size();
      }
    }
  }
  decode_sink = sink;
  return seconds_since(start);
}

// The CDC reader's full scan: every change event of the log, built and counted.
double cdc_full_scan(const fs::path& db, std::uint64_t* events) {
  auto start = SteadyClock::now();
  auto stream = txgraph::ChangeStream::open_log(db);
  std::uint64_t count = 0;
  stream.query(stream.earliest(), {}, [&](const txgraph::ChangeEvent&) {
    ++count;
    return true;
  });
  *events = count;
  return seconds_since(start);
}

}  // namespace

int main(int argc, char** argv) {
  Config config = parse_args(argc, argv);
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  try {
    txgraph::bench::TempDir temp;
    fs::path db = config.db_dir;
    if (db.empty()) {
      temp.path = config.parent_dir / fmt::format("log_dump_bench.{}", ::getpid());
      db = temp.path / "db";
    }
    if (!fs::exists(db / "store" / "data.mdb")) build_database(db, config.size);
    txgraph::bench::settle_disk(db);
    double log_mb = static_cast<double>(log_bytes(db)) / 1e6;
    fmt::print("log_dump_bench: {:.1f} MB of log in {} segments\n", log_mb,
               txgraph::txlog::list_segments((db / "txlog").string()).size());
    std::vector<double> dump_s, dump_cpu, frames_s, view_s, decode_s, cdc_s;
    std::uint64_t json_bytes = 0, events = 0;
    for (int round = 0; round < config.rounds; ++round) {
      if (interrupted) throw std::runtime_error("interrupted");
      DumpRun run = run_dump(config.txgraph, db);
      dump_s.push_back(run.seconds);
      dump_cpu.push_back(run.cpu_seconds);
      json_bytes = run.json_bytes;
      frames_s.push_back(read_floor(db, Decode::kNothing));
      view_s.push_back(read_floor(db, Decode::kInPlace));
      decode_s.push_back(read_floor(db, Decode::kFull));
      cdc_s.push_back(cdc_full_scan(db, &events));
    }
    double json_mb = static_cast<double>(json_bytes) / 1e6;
    fmt::print("{:<42} {:>9} {:>12} {:>14}\n", "median of " + std::to_string(config.rounds) + " rounds", "seconds",
               "log MB/s", "JSON MB/s");
    fmt::print("{:<42} {:>9.2f} {:>12.1f} {:>14.1f}\n", "txgraph log dump --json (wall)", median(dump_s),
               log_mb / median(dump_s), json_mb / median(dump_s));
    fmt::print("{:<42} {:>9.2f} {:>12.1f} {:>14.1f}\n", "txgraph log dump --json (child CPU)", median(dump_cpu),
               log_mb / median(dump_cpu), json_mb / median(dump_cpu));
    fmt::print("{:<42} {:>9.2f} {:>12.1f}\n", "floor: frames read and decompressed", median(frames_s),
               log_mb / median(frames_s));
    fmt::print("{:<42} {:>9.2f} {:>12.1f}\n", "floor: + TxRecordView::read", median(view_s),
               log_mb / median(view_s));
    fmt::print("{:<42} {:>9.2f} {:>12.1f}\n", "floor: + decode_tx_record (instead)", median(decode_s),
               log_mb / median(decode_s));
    fmt::print("{:<42} {:>9.2f} {:>12.1f}\n", "CDC full scan (" + std::to_string(events) + " events)",
               median(cdc_s), log_mb / median(cdc_s));
    fmt::print("dump against the CDC full scan: {:.2f} x its time (wall), {:.2f} x (child CPU)\n",
               median(dump_s) / median(cdc_s), median(dump_cpu) / median(cdc_s));
    fmt::print("JSON written: {:.1f} MB ({:.2f} bytes of JSON per byte of log)\n", json_mb, json_mb / log_mb);
  } catch (const std::exception& e) {
    fmt::print(stderr, "log_dump_bench: {}\n", e.what());
    return 1;
  }
  return 0;
}
