// cdc_bench: how fast change data capture reads the log back, what a selective query saves,
// and how soon a waiting reader hears of a commit.
//
// One DIFF database (log compression level 3, the default) is built with a seeded mixed
// workload: each transaction runs 1-4 operations, each one of 50% create a node (1.25% of them
// labelled Rare, the rest Person; 4 properties), 25% update 1-2 properties of a live node, 20%
// create a KNOWS relationship, 5% detach-delete a node. 1% of transactions run as user
// "auditor" with txMetadata {"app":"audit"}, the rest as "app" with {"app":"crm"}. The database
// is closed and reopened, so every scan reads the log files (through the page cache: the
// files were just written, this is not a cold-disk read).
//
// Measured, each on one core (query() runs on the calling thread):
// - a full scan, ChangeStream::query(earliest, {}) with a callback that counts: events/s, and
//   MB/s of log on disk decoded;
// - the same scan with ~1% selectors: the Rare label (matched per change) and executingUser /
//   txMetadata (matched on the transaction's header), and one that selects nothing; each
//   selector's count is checked against the full scan's events filtered by what it asks; and
//   the share of transactions each passed by unread, because their tags (the words of the
//   segment's vocabulary they hold) ruled it out ("nobody" is in no vocabulary);
// - for the breakdown, the same log read with the internal reader alone (frames, checksums,
//   zstd), with decode_tx_header on top (what a header-decided selector cost before it read
//   headers in place) and with TxRecordView::read on top (every record read in place, the
//   floor of a query that must look at every change; the rest is building events);
// - commit-to-wake latency: a thread parks in ChangeStream::wait, the main thread commits a
//   one-node transaction; from just before commit() is called, and from commit() returning,
//   to wait() returning. With kAsync (no sync in the way) and with kLog (the reader is woken
//   only once the record is synced, so "commit called" includes an fdatasync). The woken
//   thread then query()s the change, as a consumer would, and that time is shown too. The same
//   ping through a bare std::condition_variable, before and after, shows the machine's own
//   wake-up tail, so that a miss can be told from scheduler noise.
// Targets: full scan >= 1M events/s; a 1% selector >= 5x faster than the full scan; p99 wake
// latency < 1 ms. Scan figures are medians over the rounds (best shown too), after an
// unrecorded warm-up round; the rows are interleaved round by round so drift hits all alike.
//
// Usage: cdc_bench [--dir DIR] [--tx N] [--rounds R] [--samples N] [--quick] [--json FILE]
//                  [--no-klog]
//   --dir DIR     where the temp folder goes (default: the current directory); it is removed
//                 on every way out, DIR itself is left alone
//   --tx N        transactions in the database (default 200000); --quick is --tx 20000
//   --rounds R    scan rounds (default 5; --quick 3)
//   --samples N   wake latency samples per durability (default 2000; --quick 300)
//   --json FILE   also write the results as one JSON object to FILE
//   --no-klog     skip the kLog wake latency row
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "bench/bench_args.h"
#include "bench/bench_support.h"
#include "bench/mixed_workload.h"
#include "txgraph/cdc.h"
#include "txgraph/database.h"
#include "txlog/log_directory.h"
#include "txlog/segment_reader.h"
#include "txlog/tx_record.h"
#include "txlog/tx_record_view.h"

namespace {

using txgraph::bench::folder_bytes;
using txgraph::bench::settle_disk;
using txgraph::bench::TempDir;

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

constexpr std::uint64_t kSeed = 20261207;

constexpr double kEventsPerSecondTarget = 1e6;
constexpr double kSelectorSpeedupTarget = 5.0;
constexpr double kWakeP99TargetUs = 1000;
constexpr int kWakeWarmUp = 20;  // samples dropped at the start of each latency run
// Long enough for the waiter to be parked in the condition variable, not on its way to it.
constexpr auto kParkTime = std::chrono::milliseconds(2);

struct Config {
  fs::path parent_dir = ".";
  std::uint64_t tx_count = 200000;
  int rounds = 5;
  int samples = 2000;
  std::string json_file;
  bool run_klog = true;
};

// SIGINT/SIGTERM only set this flag; the loops turn it into an exception, so the database is
// closed and the temp folder removed as on any other way out.
volatile std::sig_atomic_t interrupted = 0;
extern "C" void on_signal(int) { interrupted = 1; }

void check_interrupted() {
  if (interrupted) throw std::runtime_error("interrupted");
}

Config parse_args(int argc, char** argv) {
  Config config;
  bool quick = false;
  CLI::App app{"Change reads: the CDC reader's full scan and its wake-up latency, per mode"};
  app.add_option("--dir", config.parent_dir, "Where the temporary databases go")->capture_default_str();
  app.add_option("--tx", config.tx_count, "Transactions written and read back")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100'000'000}))
      ->capture_default_str();
  app.add_option("--rounds", config.rounds, "Rounds of each measurement; the median is reported")
      ->check(CLI::Range(1, 99))
      ->capture_default_str();
  app.add_option("--samples", config.samples, "Wake-up latency samples")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  app.add_flag("--quick", quick, "Small sizes (20 000 transactions, 3 rounds, 300 samples) unless given");
  app.add_option("--json", config.json_file, "Write the results to this file as JSON");
  bool no_klog = false;
  app.add_flag("--no-klog", no_klog, "Skip the kLog (synced) configuration");
  txgraph::bench::parse_command_line(app, argc, argv);
  config.run_klog = !no_klog;
  if (quick) {
    if (app.count("--tx") == 0) config.tx_count = 20000;
    if (app.count("--rounds") == 0) config.rounds = 3;
    if (app.count("--samples") == 0) config.samples = 300;
  }
  return config;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  std::size_t mid = v.size() / 2;
  return v.size() % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

// Nearest-rank percentile, so that p99 is a latency some sample actually had.
double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
  return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
}

double seconds_since(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

// CPU time of the calling thread: next to wall time it shows whether a scan was slow by itself
// or because a neighbour held the core.
double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// ---- The database -----------------------------------------------------------------------

struct BuildStats {
  std::uint64_t transactions = 0;
  std::uint64_t operations = 0;
  std::uint64_t rare_nodes = 0;
  std::uint64_t audit_transactions = 0;
  double seconds = 0;
};

txgraph::Options build_options() {
  txgraph::Options options;
  // The build is not what is measured: no sync in the way, and store pages reused at once.
  options.durability = txgraph::Durability::kAsync;
  options.power_loss_protection = false;
  options.initial_settings.enrichment = txgraph::EnrichmentMode::kDiff;
  options.initial_settings.log_compression_level = 3;
  // Every change must still be there for the scans to count.
  options.initial_settings.retention_policy = "keep_all";
  return options;
}

BuildStats build_database(const fs::path& dir, std::uint64_t tx_count) {
  auto db = txgraph::Database::open(dir, build_options());
  txgraph::bench::MixedWorkload::create_keys(*db);
  txgraph::bench::MixedWorkload workload(kSeed);
  auto start = SteadyClock::now();
  for (std::uint64_t t = 0; t < tx_count; ++t) {
    if (t % 4096 == 0) check_interrupted();
    workload.commit_one(*db);
  }
  BuildStats stats{workload.transactions, workload.operations, workload.rare_nodes, workload.audit_transactions,
                   seconds_since(start)};
  db->close();
  return stats;
}

// ---- Scans ----------------------------------------------------------------------------

// One row of the scan table: a way of reading the whole log, timed once per round.
struct Scan {
  Scan(std::string name, std::function<std::uint64_t()> run, bool selector = false,
       std::function<bool(const txgraph::ChangeEvent&)> wanted = {})
      : name(std::move(name)), run(std::move(run)), selector(selector), wanted(std::move(wanted)) {}
  std::string name;
  std::function<std::uint64_t()> run;  // returns the events it delivered (or what it read)
  bool selector;                       // a ChangeStream query with a ~1% selector: has a target
  // For a selector: what it asks, as a filter of the full scan's events, written apart from
  // the reader's own matching; the query must deliver exactly as many events.
  std::function<bool(const txgraph::ChangeEvent&)> wanted;
  std::uint64_t delivered = 0;
  // For a ChangeStream query: of the transactions it read, those it passed by on their tags
  // (QueryResult::transactions_skipped), in the last run.
  std::shared_ptr<std::uint64_t> skipped = std::make_shared<std::uint64_t>(0);
  std::shared_ptr<std::uint64_t> transactions = std::make_shared<std::uint64_t>(0);
  std::vector<double> seconds, cpu_seconds;
  double time() const { return median(seconds); }
  double best() const { return *std::min_element(seconds.begin(), seconds.end()); }
  double cpu() const { return median(cpu_seconds); }
};

enum class Decode { kNothing, kHeader, kRecordView };

// What the decoding found lands here, so that the optimizer cannot drop the decoding.
volatile std::uint64_t decode_sink = 0;

// The internal reader's floors: every frame of every segment read, checksummed and
// decompressed, then nothing more, or the transaction header decoded (all that a user or
// txMetadata selector needs to pass a transaction by), or the whole record read in place as
// ChangeStream::query reads it before it builds any event. Returns the transaction records seen.
std::uint64_t read_frames(const fs::path& log_dir, Decode decode, std::uint64_t* payload_bytes) {
  std::uint64_t records = 0, bytes = 0, sink = 0;
  txgraph::txlog::Frame frame;
  txgraph::txlog::TxRecordView view;
  for (const auto& segment : txgraph::txlog::list_segments(log_dir.string())) {
    txgraph::txlog::SegmentReader reader(segment.path);
    for (;;) {
      auto r = reader.next(&frame);
      if (r == txgraph::txlog::SegmentReader::Next::kEnd) break;
      if (r != txgraph::txlog::SegmentReader::Next::kRecord)
        throw std::runtime_error(fmt::format("{}: {}", segment.path, reader.problem()));
      bytes += frame.payload.size();
      if (frame.type != txgraph::txlog::RecordType::kTransaction) continue;
      ++records;
      if (decode == Decode::kHeader) {
        sink += txgraph::txlog::decode_tx_header(frame.payload).metadata.size();
      } else if (decode == Decode::kRecordView) {
        view.read(frame.payload);
        sink += view.changes().size();
      }
    }
  }
  if (payload_bytes) *payload_bytes = bytes;
  decode_sink = sink;
  return records;
}

// ---- Wake latency -------------------------------------------------------------------------

// When each sample's signal was sent and seen: the signaller's clock just before it signals
// (commit() called) and once it is back (commit() returned), the waiter's when it wakes and
// once it has read what woke it.
struct Samples {
  explicit Samples(int n) : called(n), returned(n), woke(n), read(n) {}
  std::vector<SteadyClock::time_point> called, returned, woke, read;
};

// Runs `total` samples of one signal and one wake. The waiter thread runs wait_one(i), which
// calls parked() right before it blocks; the calling thread then gives it kParkTime to be
// asleep and runs signal_one(i). On an error here, unblock() must release the waiter.
Samples ping(int total, const std::function<void(int, const std::function<void()>&, Samples&)>& wait_one,
             const std::function<void(int, Samples&)>& signal_one, const std::function<void()>& unblock) {
  Samples samples(total);
  std::atomic<int> ready{0};  // the sample the waiter is about to wait for, plus one
  std::atomic<bool> waiter_failed{false};
  std::exception_ptr waiter_error;
  std::thread waiter([&] {
    try {
      for (int i = 0; i < total; ++i) {
        auto parked = [&] { ready.store(i + 1, std::memory_order_release); };
        wait_one(i, parked, samples);
      }
    } catch (...) {
      waiter_error = std::current_exception();
      waiter_failed = true;
    }
  });
  try {
    for (int i = 0; i < total; ++i) {
      while (ready.load(std::memory_order_acquire) < i + 1 && !waiter_failed) {
        check_interrupted();
        std::this_thread::sleep_for(std::chrono::microseconds(20));
      }
      if (waiter_failed) break;
      std::this_thread::sleep_for(kParkTime);
      signal_one(i, samples);
    }
  } catch (...) {
    unblock();
    waiter.join();
    throw;
  }
  waiter.join();
  if (waiter_error) std::rethrow_exception(waiter_error);
  return samples;
}

struct Latency {
  enum Kind { kBaseline, kAsync, kLog } kind;
  std::string name;
  std::vector<double> from_call_us, from_return_us;  // to the waiter waking
  std::vector<double> read_us;                       // from waking to having read the change

  Latency(Kind kind, std::string name, const Samples& s) : kind(kind), name(std::move(name)) {
    auto us = [](SteadyClock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); };
    for (std::size_t i = kWakeWarmUp; i < s.called.size(); ++i) {
      from_call_us.push_back(us(s.woke[i] - s.called[i]));
      // Negative when the waiter ran before commit() got back to its caller: the engine wakes
      // readers before commit() returns.
      from_return_us.push_back(us(s.woke[i] - s.returned[i]));
      read_us.push_back(us(s.read[i] - s.woke[i]));
    }
  }
};

// The waiter does what a consumer does: wait() from its position, then query() from there for
// the change that woke it, and keep the query's position. The commit is a one-node transaction.
Latency measure_wake(Latency::Kind kind, const fs::path& dir, int samples) {
  txgraph::Options options = build_options();
  options.durability = kind == Latency::kLog ? txgraph::Durability::kLog : txgraph::Durability::kAsync;
  auto db = txgraph::Database::open(dir, options);
  txgraph::ChangeStream stream(*db);
  std::string position = stream.current();
  const txgraph::TxInfo app{"app", "", {{"app", "crm"}}};
  auto wait_one = [&](int i, const std::function<void()>& parked, Samples& s) {
    auto slot = static_cast<std::size_t>(i);
    parked();
    if (!stream.wait(position, std::chrono::seconds(10)))
      throw std::runtime_error(fmt::format("sample {}: wait() timed out or the database closed", i));
    s.woke[slot] = SteadyClock::now();
    std::uint64_t got = 0;
    auto result = stream.query(position, {}, [&](const txgraph::ChangeEvent&) {
      ++got;
      return true;
    });
    s.read[slot] = SteadyClock::now();
    if (got == 0) throw std::runtime_error(fmt::format("sample {}: woken, but query() found no change", i));
    position = result.position;
  };
  auto signal_one = [&](int i, Samples& s) {
    auto slot = static_cast<std::size_t>(i);
    auto tx = db->begin_write(app);
    tx.create_node({"Ping"}, {{"n", static_cast<std::int64_t>(i)}});
    s.called[slot] = SteadyClock::now();
    tx.commit();
    s.returned[slot] = SteadyClock::now();
  };
  // wait() returns false at once when the database is closed.
  Samples s = ping(samples + kWakeWarmUp, wait_one, signal_one, [&] { db->close(); });
  db->close();
  return Latency(kind, kind == Latency::kLog ? "kLog" : "kAsync", s);
}

// The same ping with a bare std::condition_variable and no txgraph: what this machine's
// scheduler gives any thread woken after kParkTime asleep. A txgraph tail no worse than this
// one is the machine's, not the engine's.
Latency measure_bare_wake(const std::string& name, int samples) {
  std::mutex mutex;
  std::condition_variable cv;
  int signalled = 0;
  auto wait_one = [&](int i, const std::function<void()>& parked, Samples& s) {
    std::unique_lock lock(mutex);
    parked();
    cv.wait(lock, [&] { return signalled > i; });
    s.woke[static_cast<std::size_t>(i)] = s.read[static_cast<std::size_t>(i)] = SteadyClock::now();
  };
  auto signal_one = [&](int i, Samples& s) {
    s.called[static_cast<std::size_t>(i)] = SteadyClock::now();
    {
      std::lock_guard lock(mutex);
      signalled = i + 1;
    }
    cv.notify_all();
    s.returned[static_cast<std::size_t>(i)] = SteadyClock::now();
  };
  auto unblock = [&] {
    {
      std::lock_guard lock(mutex);
      signalled = INT32_MAX;
    }
    cv.notify_all();
  };
  return Latency(Latency::kBaseline, name, ping(samples + kWakeWarmUp, wait_one, signal_one, unblock));
}

// ---- Verdicts -----------------------------------------------------------------------------

struct Verdict {
  std::string name;
  double value;
  double limit;
  bool at_most;
  std::string unit;
  bool pass() const { return at_most ? value < limit : value >= limit; }
};

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Config config = parse_args(argc, argv);
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  TempDir temp;
  try {
    std::string pattern = (config.parent_dir / "cdc_bench.XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr)
      throw std::runtime_error(
          fmt::format("cannot create a temp folder in {}: {}", config.parent_dir.string(), std::strerror(errno)));
    temp.path = fs::absolute(pattern).lexically_normal();
    const fs::path dir = temp.path / "db";
    const fs::path log_dir = dir / "txlog";
    fmt::print("cdc_bench in {}: {} tx, DIFF, zstd 3, {} scan rounds, {} wake samples\n", temp.path.string(),
               config.tx_count, config.rounds, config.samples);
    std::fflush(stdout);

    BuildStats built = build_database(dir, config.tx_count);
    settle_disk(temp.path);
    const std::uint64_t log_bytes = folder_bytes(log_dir);
    fmt::print(
        "built in {:.1f} s ({:.0f} commits/s, kAsync, no power-loss protection): {} operations, {} Rare nodes, "
        "{} auditor transactions, {:.1f} MB of log in {} segment(s)\n",
        built.seconds, static_cast<double>(built.transactions) / built.seconds, built.operations, built.rare_nodes,
        built.audit_transactions, static_cast<double>(log_bytes) / 1e6,
        txgraph::txlog::list_segments(log_dir.string()).size());
    std::fflush(stdout);

    // Reopened: the scans read the log files as a consumer that comes later would, from the
    // page cache since they were just written.
    auto db = txgraph::Database::open(dir, build_options());
    txgraph::ChangeStream stream(*db);
    const std::string earliest = stream.earliest();

    auto query_scan = [&](const std::vector<txgraph::ChangeSelector>& selectors, Scan& scan) {
      scan.run = [&stream, &earliest, selectors, skipped = scan.skipped, transactions = scan.transactions] {
        std::uint64_t events = 0;
        auto result = stream.query(earliest, selectors, [&](const txgraph::ChangeEvent&) {
          ++events;
          return true;
        });
        *skipped = result.transactions_skipped;
        *transactions = result.transactions;
        return events;
      };
      return scan;
    };
    auto selector_scan = [&](const std::string& json, std::function<bool(const txgraph::ChangeEvent&)> wanted) {
      Scan scan{json, {}, true, std::move(wanted)};
      return query_scan({txgraph::parse_change_selector(json)}, scan);
    };
    auto has = [](const std::vector<std::string>& labels, const std::string& label) {
      return std::find(labels.begin(), labels.end(), label) != labels.end();
    };
    auto state_has = [&](const std::optional<txgraph::ChangeState>& state, const std::string& label) {
      return state && has(state->labels, label);
    };
    std::uint64_t payload_bytes = 0;
    std::vector<Scan> scans;
    {
      Scan scan{"full scan, no selector", {}};
      scans.push_back(query_scan({}, scan));
    }
    scans.push_back(selector_scan(R"({"select":"n","labels":["Rare"]})", [&](const txgraph::ChangeEvent& e) {
      return e.kind == txgraph::EntityKind::kNode &&
             (has(e.labels, "Rare") || state_has(e.before, "Rare") || state_has(e.after, "Rare"));
    }));
    scans.push_back(selector_scan(R"({"executingUser":"auditor"})",
                                  [](const txgraph::ChangeEvent& e) { return e.metadata.executing_user == "auditor"; }));
    scans.push_back(selector_scan(R"({"txMetadata":{"app":"audit"}})", [](const txgraph::ChangeEvent& e) {
      auto app = e.metadata.tx_metadata.find("app");
      return app != e.metadata.tx_metadata.end() && app->second == txgraph::Value("audit");
    }));
    // Selects nothing: what every query pays before it builds any event.
    scans.push_back(selector_scan(R"({"executingUser":"nobody"})",
                                  [](const txgraph::ChangeEvent& e) { return e.metadata.executing_user == "nobody"; }));
    scans.back().selector = false;
    scans.push_back(
        {"internal: frames read + zstd only", [&] { return read_frames(log_dir, Decode::kNothing, &payload_bytes); }});
    scans.push_back(
        {"internal: frames + decode_tx_header", [&] { return read_frames(log_dir, Decode::kHeader, nullptr); }});
    scans.push_back(
        {"internal: frames + TxRecordView::read", [&] { return read_frames(log_dir, Decode::kRecordView, nullptr); }});

    // Warm-up round, unrecorded: heap growth, the stream's restart-point index, the page cache.
    for (auto& s : scans) s.delivered = s.run();
    // Honest selectors: each delivers as many events as the full scan holds that it asks for.
    std::vector<std::uint64_t> wanted(scans.size(), 0);
    stream.query(earliest, {}, [&](const txgraph::ChangeEvent& e) {
      for (std::size_t k = 0; k < scans.size(); ++k) wanted[k] += scans[k].wanted && scans[k].wanted(e);
      return true;
    });
    for (std::size_t k = 0; k < scans.size(); ++k)
      if (scans[k].wanted && wanted[k] != scans[k].delivered)
        throw std::runtime_error(fmt::format("{}: the query delivered {} events, the full scan holds {} it selects",
                                             scans[k].name, scans[k].delivered, wanted[k]));
    for (int round = 0; round < config.rounds; ++round) {
      std::vector<std::size_t> order;
      for (std::size_t k = 0; k < scans.size(); ++k)
        order.push_back((k + static_cast<std::size_t>(round)) % scans.size());
      if (round % 2 == 1) std::reverse(order.begin(), order.end());
      for (std::size_t index : order) {
        check_interrupted();
        Scan& s = scans[index];
        double cpu_start = thread_cpu_seconds();
        auto start = SteadyClock::now();
        std::uint64_t n = s.run();
        s.seconds.push_back(seconds_since(start));
        s.cpu_seconds.push_back(thread_cpu_seconds() - cpu_start);
        if (n != s.delivered)
          throw std::runtime_error(fmt::format("{}: {} in round {}, {} in warm-up", s.name, n, round + 1, s.delivered));
      }
      fmt::print("  scan round {} of {} done\n", round + 1, config.rounds);
      std::fflush(stdout);
    }
    db->close();

    const Scan& full = scans[0];
    const std::uint64_t changes = full.delivered;
    const double tx_records = static_cast<double>(scans[5].delivered);
    fmt::print(
        "\nScan of the whole log: {} changes in {:.0f} transactions ({:.2f} per tx), {:.1f} MB on disk, "
        "{:.1f} MB decompressed; one core, median of {} rounds\n",
        changes, tx_records, static_cast<double>(changes) / tx_records, static_cast<double>(log_bytes) / 1e6,
        static_cast<double>(payload_bytes) / 1e6, config.rounds);
    fmt::print("{:<44} {:>9} {:>7} {:>9} {:>9} {:>8} {:>12} {:>8} {:>8}\n", "scan", "delivered", "share", "median s",
               "best s", "CPU s", "changes/s", "MB/s", "vs full");
    for (const auto& s : scans) {
      bool counts_changes = s.name.rfind("internal", 0) != 0;
      fmt::print("{:<44} {:>9} {:>7} {:>9.4f} {:>9.4f} {:>8.4f} {:>12.0f} {:>8.1f} {:>7.2f}x\n", s.name,
                 counts_changes ? fmt::format("{}", s.delivered) : "-",
                 counts_changes
                     ? fmt::format("{:.2f}%", 100.0 * static_cast<double>(s.delivered) / static_cast<double>(changes))
                     : "-",
                 s.time(), s.best(), s.cpu(), static_cast<double>(changes) / s.time(),
                 static_cast<double>(log_bytes) / 1e6 / s.time(), full.time() / s.time());
    }
    fmt::print("Transactions passed by on their tags, unread (decompressed only for a later record of their group):");
    for (const auto& s : scans)
      if (*s.transactions > 0 && s.name.rfind("full", 0) != 0)
        fmt::print(" {} {:.1f}%;", s.name, 100.0 * static_cast<double>(*s.skipped) / static_cast<double>(*s.transactions));
    fmt::print("\n");
    const double frames = scans[5].time(), decoded = scans[7].time();
    fmt::print(
        "Where the full scan's time goes (medians): frames + zstd {:.0f}%, reading records in place {:.0f}%, the rest "
        "(events built, selectors, callback) {:.0f}%\n",
        100 * frames / full.time(), 100 * (decoded - frames) / full.time(),
        100 * (full.time() - decoded) / full.time());

    // The bare baseline before and after, as commit_bench measures the disk: the machine's
    // scheduling noise drifts, and one reading could miss what the txgraph rows ran into.
    std::vector<Latency> latencies;
    latencies.push_back(measure_bare_wake("bare cv, before", config.samples));
    latencies.push_back(measure_wake(Latency::kAsync, dir, config.samples));
    if (config.run_klog) latencies.push_back(measure_wake(Latency::kLog, dir, config.samples));
    latencies.push_back(measure_bare_wake("bare cv, after", config.samples));
    fmt::print(
        "\nCommit-to-wake latency, in-process ChangeStream::wait, {} samples each, the waiter parked {} ms before "
        "each commit (us)\n",
        config.samples, kParkTime.count());
    fmt::print(
        "  call: from just before commit() is called, return: from commit() returning, to wait() returning;\n"
        "  >1ms: samples over 1 ms from call; read: the query() after the wake that reads the change;\n"
        "  bare cv: a std::condition_variable notify instead of a commit, no txgraph (the machine's own floor)\n");
    fmt::print("{:<16} {:>9} {:>9} {:>9}   {:>9} {:>9} {:>9}   {:>5} {:>9}\n", "", "call p50", "call p99", "call max",
               "ret p50", "ret p99", "ret max", ">1ms", "read p50");
    for (const auto& l : latencies) {
      auto over = std::count_if(l.from_call_us.begin(), l.from_call_us.end(), [](double v) { return v > 1000; });
      fmt::print("{:<16} {:>9.1f} {:>9.1f} {:>9.1f}   {:>9.1f} {:>9.1f} {:>9.1f}   {:>5} {:>9}\n", l.name,
                 percentile(l.from_call_us, 0.5), percentile(l.from_call_us, 0.99),
                 *std::max_element(l.from_call_us.begin(), l.from_call_us.end()), percentile(l.from_return_us, 0.5),
                 percentile(l.from_return_us, 0.99),
                 *std::max_element(l.from_return_us.begin(), l.from_return_us.end()), over,
                 l.kind == Latency::kBaseline ? "-" : fmt::format("{:.1f}", percentile(l.read_us, 0.5)));
    }

    std::vector<Verdict> verdicts;
    verdicts.push_back(
        {"full scan events/s", static_cast<double>(changes) / full.time(), kEventsPerSecondTarget, false, ""});
    for (const auto& s : scans)
      if (s.selector)
        verdicts.push_back({s.name + " speed-up", full.time() / s.time(), kSelectorSpeedupTarget, false, "x"});
    for (const auto& l : latencies) {
      if (l.kind == Latency::kBaseline) continue;
      // With kLog, "commit() called" includes the record's fdatasync, which the target is not about.
      if (l.kind == Latency::kAsync)
        verdicts.push_back({l.name + " p99 wake from commit() called", percentile(l.from_call_us, 0.99),
                            kWakeP99TargetUs, true, " us"});
      verdicts.push_back({l.name + " p99 wake from commit() returned", percentile(l.from_return_us, 0.99),
                          kWakeP99TargetUs, true, " us"});
    }
    fmt::print("\nTargets:\n");
    for (const auto& v : verdicts)
      fmt::print("  {:<56} {:>12}{:<3}  target {} {:.0f}{}  {}\n", v.name,
                 v.value >= 1000 ? fmt::format("{:.0f}", v.value) : fmt::format("{:.2f}", v.value), v.unit,
                 v.at_most ? "<" : ">=", v.limit, v.unit, v.pass() ? "PASS" : "MISS");
    auto met = std::count_if(verdicts.begin(), verdicts.end(), [](const Verdict& v) { return v.pass(); });
    fmt::print("\n{} of {} targets met\n", met, verdicts.size());

    if (!config.json_file.empty()) {
      std::vector<std::string> scan_items, latency_items, verdict_items;
      for (const auto& s : scans)
        scan_items.push_back(fmt::format(
            R"({{"name":"{}","delivered":{},"seconds":[{:.5f}],"median_seconds":{:.5f},"median_cpu_seconds":{:.5f},)"
            R"("changes_per_second":{:.1f},"transactions":{},"transactions_skipped":{}}})",
            json_escape(s.name), s.delivered, fmt::join(s.seconds, ","), s.time(), s.cpu(),
            static_cast<double>(changes) / s.time(), *s.transactions, *s.skipped));
      for (const auto& l : latencies)
        latency_items.push_back(
            fmt::format(R"({{"name":"{}","samples":{},"from_call_p50_us":{:.2f},"from_call_p99_us":{:.2f},)"
                        R"("from_return_p50_us":{:.2f},"from_return_p99_us":{:.2f},"read_p50_us":{:.2f}}})",
                        json_escape(l.name), l.from_call_us.size(), percentile(l.from_call_us, 0.5),
                        percentile(l.from_call_us, 0.99), percentile(l.from_return_us, 0.5),
                        percentile(l.from_return_us, 0.99), percentile(l.read_us, 0.5)));
      for (const auto& v : verdicts)
        verdict_items.push_back(fmt::format(R"({{"name":"{}","value":{:.4f},"limit":{},"at_most":{},"pass":{}}})",
                                            json_escape(v.name), v.value, v.limit, v.at_most, v.pass()));
      txgraph::bench::write_results(
          config.json_file, fmt::format(R"({{"tx":{},"seed":{},"changes":{},"log_bytes":{},"rounds":{},"scans":[{}],)"
                                        R"("wake":[{}],"targets":[{}],"targets_met":{}}})"
                                        "\n",
                                        config.tx_count, kSeed, changes, log_bytes, config.rounds,
                                        fmt::join(scan_items, ","), fmt::join(latency_items, ","),
                                        fmt::join(verdict_items, ","), met == static_cast<long>(verdicts.size())));
    }
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "cdc_bench: {}\n", e.what());
    return interrupted ? 130 : 1;
  }
}
