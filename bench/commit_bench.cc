// commit_bench: commit throughput of txgraph against the raw sync rate of the same disk.
//
// A durable commit costs at least one fdatasync, so durable commits/s only mean something next
// to the disk's own fdatasync rate, measured in the same run on the same folder. The ratio
// "4-thread durable commits/s / fdatasync/s" is the group-commit factor: above 1 only if
// concurrent committers really share syncs. kAsync shows the cost of the commit path without
// any sync in the way. Rows marked "unbatched" commit the store at every transaction
// (Options::store_batch = 1), to show what the default store batches gain.
//
// Usage: commit_bench [--dir DIR] [--seconds N] [--quick] [--json FILE] [--no-full]
//   --dir DIR     where the temp folder goes (default: the current directory); it is removed
//                 at the end, DIR itself is left alone
//   --seconds N   duration of each commit measurement (default 3); the raw fdatasync
//                 loop runs 2 s, before and after the durable runs
//   --quick       0.5 s per measurement, for a smoke test
//   --json FILE   also write the results as one JSON object to FILE
//   --no-full     skip the optional kFull measurement
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "bench/bench_args.h"
#include "bench/bench_support.h"
#include "txgraph/database.h"

namespace {

using txgraph::bench::folder_bytes;
using txgraph::bench::settle_disk;
using txgraph::bench::TempDir;

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

constexpr double kGroupCommitTarget = 2.0;      // 4-thread durable commits per fdatasync
constexpr double kAsyncCommitsTarget = 100000;  // kAsync commits/s, 1 thread

struct Config {
  fs::path parent_dir = ".";
  double seconds = 3.0;
  double fdatasync_seconds = 2.0;
  std::string json_file;
  bool run_full = true;
};

struct Measurement {
  std::string name;
  std::uint64_t count = 0;  // commits, or fdatasyncs for the raw disk loop
  double seconds = 0;
  std::uint64_t growth_bytes = 0;  // how much the folder (database, or raw file) grew meanwhile
  std::uint64_t log_syncs = 0;     // log fdatasyncs during the measurement (commits share them)
  double per_second() const { return seconds > 0 ? static_cast<double>(count) / seconds : 0; }
};


double seconds_since(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

Config parse_args(int argc, char** argv) {
  Config config;
  bool quick = false, no_full = false;
  CLI::App app{"Commit rates: one-node transactions per second per durability, beside the disk's own fdatasync rate"};
  app.add_option("--dir", config.parent_dir, "Where the temporary databases go")->capture_default_str();
  app.add_option("--seconds", config.seconds, "Seconds each configuration runs")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_flag("--quick", quick, "Half a second per configuration (and for the disk) unless --seconds is given");
  app.add_option("--json", config.json_file, "Write the results to this file as JSON");
  app.add_flag("--no-full", no_full, "Skip the kFull durability configurations");
  txgraph::bench::parse_command_line(app, argc, argv);
  config.run_full = !no_full;
  if (quick) {
    if (app.count("--seconds") == 0) config.seconds = 0.5;
    config.fdatasync_seconds = 0.5;
  }
  return config;
}

// The disk's limit for one-at-a-time durable commits: append a log-record-sized write,
// fdatasync, repeat. Appending makes fdatasync persist the growing file size too, as it does
// for a log that is not preallocated; the targets are set against this rate.
// With `overwrite`, the records go over zeros written and synced first, as in the log's
// preallocated space (Options::log_preallocate): such a sync persists no new size, and on
// ext4 runs faster. Shown for information, as the cheaper baseline.
Measurement measure_fdatasync(const fs::path& path, double duration, bool overwrite = false) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error(fmt::format("cannot create {}: {}", path.string(), std::strerror(errno)));
  const std::string record(150, 'x');  // a small record; this benchmark's log records are ~90 B
  constexpr off_t kOverwriteRegion = 16 << 20;
  if (overwrite) {
    const std::string zeros(1 << 20, '\0');
    for (off_t at = 0; at < kOverwriteRegion; at += static_cast<off_t>(zeros.size()))
      if (::pwrite(fd, zeros.data(), zeros.size(), at) != static_cast<ssize_t>(zeros.size())) {
        int err = errno;
        ::close(fd);
        throw std::runtime_error(fmt::format("write on {}: {}", path.string(), std::strerror(err)));
      }
    if (::fdatasync(fd) != 0) {
      int err = errno;
      ::close(fd);
      throw std::runtime_error(fmt::format("fdatasync on {}: {}", path.string(), std::strerror(err)));
    }
  }
  Measurement m;
  off_t offset = 0;
  auto start = SteadyClock::now();
  while (seconds_since(start) < duration) {
    if (::pwrite(fd, record.data(), record.size(), offset) != static_cast<ssize_t>(record.size()) ||
        ::fdatasync(fd) != 0) {
      int err = errno;
      ::close(fd);
      throw std::runtime_error(fmt::format("write/fdatasync on {}: {}", path.string(), std::strerror(err)));
    }
    offset += static_cast<off_t>(record.size());
    if (overwrite && offset + static_cast<off_t>(record.size()) > kOverwriteRegion) offset = 0;
    ++m.count;
  }
  m.seconds = seconds_since(start);
  m.growth_bytes = m.count * record.size();
  ::close(fd);
  return m;
}

// The transaction under test: one node, one label, three properties. Each thread writes its
// own id range so that the work is the same whatever the thread count.
void commit_one(txgraph::Database& db, std::int64_t id) {
  auto tx = db.begin_write();
  tx.create_node({"Person"}, {{"id", id}, {"name", fmt::format("person-{}", id)}, {"score", 0.5 * id}});
  tx.commit();
}

// Opens a fresh database, lets `threads` writers commit for `duration`, and counts the
// commits that returned. Open and close (which checkpoints) are outside the timed part.
Measurement measure_commits(const std::string& name, const fs::path& dir, txgraph::Durability durability, int threads,
                            double duration, bool power_loss_protection, bool preallocate, std::uint32_t store_batch) {
  txgraph::Options options;
  options.durability = durability;
  options.store_batch = store_batch;
  options.power_loss_protection = power_loss_protection;
  options.log_preallocate = preallocate;
  auto db = txgraph::Database::open(dir, options);
  // Disk bytes per commit show the write amplification behind the commit rate.
  std::uint64_t bytes_at_start = folder_bytes(dir);
  std::uint64_t syncs_at_start = db->status().log_syncs;

  std::vector<std::uint64_t> commits(static_cast<std::size_t>(threads), 0);
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(threads));
  std::atomic<bool> go{false};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      auto slot = static_cast<std::size_t>(t);
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      auto deadline = SteadyClock::now() + std::chrono::duration<double>(duration);
      try {
        std::int64_t id = static_cast<std::int64_t>(t) << 40;
        while (SteadyClock::now() < deadline) {
          commit_one(*db, ++id);
          ++commits[slot];
        }
      } catch (...) {
        errors[slot] = std::current_exception();
      }
    });
  }
  auto start = SteadyClock::now();
  go.store(true, std::memory_order_release);
  for (auto& w : workers) w.join();
  // Elapsed until the last writer finished, so a commit still in flight at the deadline is
  // counted with the time it took.
  Measurement m{name, 0, seconds_since(start)};
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  for (auto c : commits) m.count += c;
  std::uint64_t bytes_at_end = folder_bytes(dir);
  m.growth_bytes = bytes_at_end > bytes_at_start ? bytes_at_end - bytes_at_start : 0;
  m.log_syncs = db->status().log_syncs - syncs_at_start;
  db->close();
  return m;
}

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
  TempDir temp;
  try {
    std::string pattern = (config.parent_dir / "commit_bench.XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr)
      throw std::runtime_error(
          fmt::format("cannot create a temp folder in {}: {}", config.parent_dir.string(), std::strerror(errno)));
    temp.path = fs::absolute(pattern).lexically_normal();
    fmt::print("commit_bench in {} ({:.1f} s per commit measurement)\n", temp.path.string(), config.seconds);
    std::fflush(stdout);

    using txgraph::Durability;
    std::vector<Measurement> results;
    // The disk's sync rate is measured before and after the durable runs: on a shared or
    // virtual disk it drifts, and a ratio against a rate that changed meanwhile means little.
    auto sync_rate_now = [&](const std::string& name) {
      results.push_back(measure_fdatasync(temp.path / "fdatasync.bin", config.fdatasync_seconds));
      results.back().name = name;
      fs::remove(temp.path / "fdatasync.bin");
      settle_disk(temp.path);
      return results.back().per_second();
    };
    auto run = [&](const std::string& name, const std::string& folder, Durability d, int threads,
                   bool protect = true, bool preallocate = true, std::uint32_t batch = txgraph::Options{}.store_batch) {
      results.push_back(
          measure_commits(name, temp.path / folder, d, threads, config.seconds, protect, preallocate, batch));
      fs::remove_all(temp.path / folder);  // frees the space before the next measurement
      settle_disk(temp.path);
      return results.back().per_second();
    };
    double sync_rate_before = sync_rate_now("fdatasync 150 B append, before");
    double durable_1 = run("kLog, 1 thread", "log_1", Durability::kLog, 1);
    double durable_4 = run("kLog, 4 threads", "log_4", Durability::kLog, 4);
    double durable_4_unprotected =
        run("kLog, 4 threads, no pin", "log_4_nopin", Durability::kLog, 4, /*protect=*/false);
    // The same with the log file growing at every append (Options::log_preallocate off), to
    // show what syncing into preallocated zeros gains on this disk.
    double durable_1_appending =
        run("kLog, 1 thread, appending", "log_1_append", Durability::kLog, 1, true, /*preallocate=*/false);
    double durable_4_appending =
        run("kLog, 4 threads, appending", "log_4_append", Durability::kLog, 4, true, /*preallocate=*/false);
    // And with a store commit per transaction (Options::store_batch = 1), to show what
    // sharing store commits gains.
    double durable_1_unbatched = run("kLog, 1 thread, unbatched", "log_1_unbatched", Durability::kLog, 1, true, true, 1);
    double durable_4_unbatched = run("kLog, 4 threads, unbatched", "log_4_unbatched", Durability::kLog, 4, true, true, 1);
    double sync_rate_after = sync_rate_now("fdatasync 150 B append, after");
    results.push_back(measure_fdatasync(temp.path / "fdatasync.bin", config.fdatasync_seconds, /*overwrite=*/true));
    results.back().name = "fdatasync 150 B overwrite";
    fs::remove(temp.path / "fdatasync.bin");
    settle_disk(temp.path);
    double overwrite_rate = results.back().per_second();
    double async_1 = run("kAsync, 1 thread", "async_1", Durability::kAsync, 1);
    // The pinned checkpoint snapshot (power-loss protection) makes every commit write new
    // store pages; without it LMDB reuses pages at once. Both are shown, side by side.
    double async_unprotected =
        run("kAsync, 1 thread, no pin", "async_nopin", Durability::kAsync, 1, /*protect=*/false);
    double async_unbatched = run("kAsync, 1 thread, unbatched", "async_unbatched", Durability::kAsync, 1, true, true, 1);
    if (config.run_full) run("kFull, 1 thread", "full_1", Durability::kFull, 1);

    fmt::print("\n{:<32} {:>10} {:>8} {:>12} {:>10} {:>12}\n", "measurement", "count", "seconds", "per second",
               "disk B/op", "commits/sync");
    for (const auto& m : results) {
      std::string per_sync = m.log_syncs ? fmt::format("{:.2f}", static_cast<double>(m.count) / m.log_syncs) : "-";
      fmt::print("{:<32} {:>10} {:>8.2f} {:>12.0f} {:>10.0f} {:>12}\n", m.name, m.count, m.seconds, m.per_second(),
                 m.count ? static_cast<double>(m.growth_bytes) / static_cast<double>(m.count) : 0.0, per_sync);
    }

    double sync_rate = (sync_rate_before + sync_rate_after) / 2;
    double drift = sync_rate > 0 ? std::abs(sync_rate_before - sync_rate_after) / sync_rate : 0;
    bool disk_steady = drift <= 0.25;
    double single_factor = sync_rate > 0 ? durable_1 / sync_rate : 0;
    double group_factor = sync_rate > 0 ? durable_4 / sync_rate : 0;
    bool group_ok = group_factor >= kGroupCommitTarget;
    bool async_ok = async_1 >= kAsyncCommitsTarget;
    fmt::print("\nfdatasync rate, mean of both:     {:8.0f}   drift {:.0f}%{}\n", sync_rate, drift * 100,
               disk_steady ? "" : "  UNSTEADY DISK: the ratios below are unreliable, rerun");
    fmt::print("kLog 1 thread / fdatasync rate:   {:8.2f}   (one sync per commit; above 1 when the preallocated log syncs faster than appends)\n", single_factor);
    fmt::print("kLog 4 threads / fdatasync rate:  {:8.2f}   target >= {:.0f}  {}{}\n", group_factor, kGroupCommitTarget,
               group_ok ? "PASS" : "MISS", disk_steady ? "" : " (unreliable)");
    double group_factor_unprotected = sync_rate > 0 ? durable_4_unprotected / sync_rate : 0;
    fmt::print("  without power-loss protection:  {:8.2f}   target >= {:.0f}  {}{}\n", group_factor_unprotected,
               kGroupCommitTarget, group_factor_unprotected >= kGroupCommitTarget ? "PASS" : "MISS",
               disk_steady ? "" : " (unreliable)");
    if (overwrite_rate > 0)
      fmt::print("  against overwrite fdatasyncs:   {:8.2f}   (info: 1 thread {:.2f}; the log syncs overwrites of its "
                 "preallocated space)\n",
                 durable_4 / overwrite_rate, durable_1 / overwrite_rate);
    if (durable_1_appending > 0 && durable_4_appending > 0)
      fmt::print("preallocated / appending log:     {:8.2f}   1 thread; {:.2f} with 4 threads\n",
                 durable_1 / durable_1_appending, durable_4 / durable_4_appending);
    if (durable_1_unbatched > 0 && durable_4_unbatched > 0 && async_unbatched > 0)
      fmt::print("store batches / unbatched:        {:8.2f}   kLog 1 thread; {:.2f} kLog 4 threads; {:.2f} kAsync\n",
                 durable_1 / durable_1_unbatched, durable_4 / durable_4_unbatched, async_1 / async_unbatched);
    // Sharing counted directly, whatever the disk's rate did meanwhile.
    for (const auto& m : results) {
      if (m.name.rfind("kLog, 4 threads", 0) == 0 && m.log_syncs > 0)
        fmt::print("{:<32}  {:8.2f}   commits per log fdatasync (1 = no sharing)\n", m.name + ":",
                   static_cast<double>(m.count) / static_cast<double>(m.log_syncs));
    }
    fmt::print("kAsync commits/s, 1 thread:       {:8.0f}   target >= {:.0f}  {}\n", async_1, kAsyncCommitsTarget,
               async_ok ? "PASS" : "MISS");
    fmt::print("  without power-loss protection:  {:8.0f}   target >= {:.0f}  {}\n", async_unprotected,
               kAsyncCommitsTarget, async_unprotected >= kAsyncCommitsTarget ? "PASS" : "MISS");

    if (!config.json_file.empty()) {
      // No folder in the JSON: results are kept and compared, and a path says nothing of the run.
      std::string json = fmt::format("{{\"seconds_per_measurement\":{},\"measurements\":[", config.seconds);
      for (std::size_t i = 0; i < results.size(); ++i)
        json += fmt::format(
            "{}{{\"name\":\"{}\",\"count\":{},\"seconds\":{:.3f},\"per_second\":{:.1f},\"growth_bytes\":{},"
            "\"log_syncs\":{}}}",
            i ? "," : "", json_escape(results[i].name), results[i].count, results[i].seconds, results[i].per_second(),
            results[i].growth_bytes, results[i].log_syncs);
      json += fmt::format(
          "],\"fdatasync_per_second\":{:.1f},\"fdatasync_drift\":{:.3f},\"single_thread_factor\":{:.3f},"
          "\"group_commit_factor\":{:.3f},"
          "\"group_commit_target\":{},\"group_commit_pass\":{},\"async_commits_per_second\":{:.1f},"
          "\"async_target\":{},\"async_pass\":{},\"async_unprotected_commits_per_second\":{:.1f},"
          "\"group_commit_factor_unprotected\":{:.3f},\"preallocation_gain_1\":{:.3f},"
          "\"preallocation_gain_4\":{:.3f},\"batch_gain_log_1\":{:.3f},\"batch_gain_log_4\":{:.3f},"
          "\"batch_gain_async\":{:.3f},\"fdatasync_overwrite_per_second\":{:.1f},"
          "\"group_commit_factor_overwrite\":{:.3f}}}\n",
          sync_rate, drift, single_factor, group_factor, kGroupCommitTarget, group_ok, async_1, kAsyncCommitsTarget,
          async_ok, async_unprotected, group_factor_unprotected,
          durable_1_appending > 0 ? durable_1 / durable_1_appending : 0.0,
          durable_4_appending > 0 ? durable_4 / durable_4_appending : 0.0,
          durable_1_unbatched > 0 ? durable_1 / durable_1_unbatched : 0.0,
          durable_4_unbatched > 0 ? durable_4 / durable_4_unbatched : 0.0,
          async_unbatched > 0 ? async_1 / async_unbatched : 0.0, overwrite_rate,
          overwrite_rate > 0 ? durable_4 / overwrite_rate : 0.0);
      txgraph::bench::write_results(config.json_file, json);
    }
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "commit_bench: {}\n", e.what());
    return 1;
  }
}
