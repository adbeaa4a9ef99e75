// retention_bench: a simulated week of writes under several retention policies, with a
// checkpoint (and so a pruning) every 15 simulated minutes. Samples the log's bytes on disk,
// the age of the oldest retained change and the retained transactions after every checkpoint,
// checks each policy's bound, and writes CSV, retention.json (every figure of the summary), a
// markdown summary and (with gnuplot) PNG plots.
//
//   retention_bench [--quick] [--out DIR]      (DIR default bench/results)
//
// Load: every simulated quarter hour, `per_quarter` transactions of one node with a 1 KiB
// note of random letters (DIFF enrichment, zstd 3), their commit times spread over the
// quarter. 4 MiB segments (256 KiB with --quick, which simulates one lighter day). The
// simulated clock drives commit times and the age policies.
//
// Bounds checked after every checkpoint (a transaction is never split, so a segment can pass
// the rotation size by one transaction; pruning works in whole segments):
//   N size                bytes <= N + rotation size + one transaction
//   N txs                 retained transactions >= N (nothing the policy keeps is gone)
//   N hours|days [SIZE]   every change younger than the age is retained, and with SIZE,
//                         bytes <= SIZE + rotation size + one transaction
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bench/bench_args.h"
#include "bench/bench_support.h"
#include "cdc/change_id.h"
#include "txgraph/txgraph.h"

namespace {

using namespace txgraph;

constexpr std::int64_t kHourUs = 3600ll * 1'000'000;
std::uint64_t kRotation = 4ull << 20;  // 256 KiB with --quick
constexpr std::size_t kNoteBytes = 1024;

struct Policy {
  std::string text;
  std::string slug;           // for file names
  std::uint64_t max_bytes = 0;  // 0: no byte bound
  std::uint64_t min_txs = 0;
  std::int64_t min_age_us = 0;  // every change younger than this is retained
};

struct Sample {
  double hours = 0;
  std::uint64_t bytes = 0;
  double oldest_age_hours = 0;
  std::uint64_t retained_txs = 0;
};

struct Outcome {
  Policy policy;
  std::vector<Sample> samples;
  std::uint64_t max_bytes = 0;
  std::uint64_t violations = 0;
  std::string first_violation;
  double seconds = 0;
};

Outcome simulate(const Policy& policy, const std::filesystem::path& dir, int days, int per_quarter) {
  std::atomic<std::int64_t> now{1'795'000'000'000'000};
  Options o;
  o.durability = Durability::kAsync;
  o.power_loss_protection = false;
  o.clock = [&now] { return now.load(); };
  o.initial_settings.enrichment = EnrichmentMode::kDiff;
  o.initial_settings.rotation_size = kRotation;
  o.initial_settings.retention_policy = policy.text;
  o.initial_settings.checkpoint_interval_tx = 0;
  o.initial_settings.checkpoint_interval_volume = 0;
  o.initial_settings.checkpoint_interval_time = std::chrono::hours(24 * 365);  // we checkpoint
  auto db = Database::open(dir, o);
  ChangeStream stream(*db);
  const std::int64_t start = now.load();
  const std::int64_t quarter = kHourUs / 4;
  std::uint64_t seed = 42;
  std::string note(kNoteBytes, ' ');
  Outcome out;
  out.policy = policy;
  auto wall = std::chrono::steady_clock::now();
  std::uint64_t max_tx_bytes = kNoteBytes + 256;
  for (int q = 0; q < days * 24 * 4; ++q) {
    for (int i = 0; i < per_quarter; ++i) {
      for (auto& c : note) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        c = static_cast<char>('a' + (seed >> 33) % 26);
      }
      now = start + q * quarter + (quarter * i) / per_quarter;
      auto tx = db->begin_write();
      tx.create_node({"Event"}, {{"q", Value(q)}, {"note", Value(note)}});
      tx.commit();
    }
    now = start + (q + 1) * quarter;
    db->checkpoint();

    Sample s;
    s.hours = static_cast<double>(now - start) / kHourUs;
    auto status = db->status();
    for (const auto& seg : status.segments) s.bytes += seg.bytes;
    auto oldest = cdc::decode_change_id(stream.earliest());
    // earliest() is just before the oldest retained change: its commit time is that change's.
    s.oldest_age_hours = static_cast<double>(now - oldest.commit_time_us) / kHourUs;
    s.retained_txs = status.last_committed_tx - oldest.tx_id + 1;
    out.max_bytes = std::max(out.max_bytes, s.bytes);

    auto violate = [&](std::string what) {
      if (out.violations++ == 0) out.first_violation = fmt::format("at {:.2f} h: {}", s.hours, what);
    };
    if (policy.max_bytes && s.bytes > policy.max_bytes + kRotation + max_tx_bytes)
      violate(fmt::format("{} bytes on disk, over the bound {} + one segment", s.bytes, policy.max_bytes));
    std::uint64_t written = status.last_committed_tx;
    if (policy.min_txs && s.retained_txs < std::min(policy.min_txs, written))
      violate(fmt::format("{} transactions retained, fewer than {}", s.retained_txs, policy.min_txs));
    if (policy.min_age_us && now - oldest.commit_time_us < std::min(policy.min_age_us, now - start) &&
        (!policy.max_bytes || s.bytes + kRotation < policy.max_bytes))
      violate(fmt::format("the oldest retained change is {:.2f} h old, younger than the policy keeps",
                          s.oldest_age_hours));
    out.samples.push_back(s);
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall).count();
  db->close();
  return out;
}

void write_csv(const Outcome& o, const std::filesystem::path& file) {
  std::string text = "hours,log_bytes,oldest_age_hours,retained_txs\n";
  for (const auto& s : o.samples)
    text += fmt::format("{:.2f},{},{:.3f},{}\n", s.hours, s.bytes, s.oldest_age_hours, s.retained_txs);
  bench::write_results(file.string(), text);
}

std::string mib(std::uint64_t bytes) { return fmt::format("{:.1f} MiB", bytes / 1048576.0); }

void plot(const std::vector<Outcome>& outcomes, const std::filesystem::path& out_dir) {
  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0) {
    std::printf("gnuplot is not installed: CSV and summary written, no plots\n");
    return;
  }
  // File names in the script are relative to the results folder, where gnuplot runs.
  auto script_for = [&](const std::string& png, const std::string& title, const std::string& ylabel, int column,
                        double scale) {
    std::string s = fmt::format(
        "set terminal pngcairo size 900,480 font 'sans,11'\nset output '{}'\nset title '{}'\n"
        "set xlabel 'simulated hours'\nset ylabel '{}'\nset key outside right\nset grid\nset datafile separator ','\n"
        "plot ",
        png, title, ylabel);
    for (std::size_t i = 0; i < outcomes.size(); ++i)
      s += fmt::format("{}'{}' using 1:(${}/{}) every ::1 with lines lw 2 title '{}'", i ? ", " : "",
                       fmt::format("retention-{}.csv", outcomes[i].policy.slug), column, scale,
                       outcomes[i].policy.text);
    return s + "\n";
  };
  std::string script = script_for("retention-bytes.png", "Log bytes on disk after each checkpoint", "MiB", 2,
                                  1048576.0) +
                       script_for("retention-oldest.png", "Age of the oldest retained change", "hours", 3, 1.0);
  auto script_file = out_dir / "retention.gnuplot";
  bench::write_results(script_file.string(), script);
  if (std::system(fmt::format("cd '{}' && gnuplot retention.gnuplot", out_dir.string()).c_str()) != 0)
    std::printf("gnuplot failed on %s\n", script_file.c_str());
  else
    std::printf("plots: %s, %s\n", (out_dir / "retention-bytes.png").c_str(), (out_dir / "retention-oldest.png").c_str());
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  std::filesystem::path out_dir = "bench/results";
  CLI::App app{"Retention: simulated days of commits under each policy; exits 1 when a policy's bound is passed"};
  app.add_flag("--quick", quick, "One lighter day (else seven)");
  app.add_option("--out", out_dir, "Folder for the results")->capture_default_str();
  bench::parse_command_line(app, argc, argv);
  try {
    int days = quick ? 1 : 7;
    int per_quarter = quick ? 40 : 400;
    if (quick) kRotation = 256ull << 10;
    std::vector<Policy> policies = {
        {"100M size", "100M-size", 100ull << 20, 0, 0},
        {"1 hours", "1-hours", 0, 0, kHourUs},
        {"2 days 2G", "2-days-2G", 2ull << 30, 0, 48 * kHourUs},
        {"200K txs", "200K-txs", 0, 200000, 0},
    };
    if (quick) {  // a day of lighter load: bounds that the day reaches
      policies[0] = {"1M size", "1M-size", 1ull << 20, 0, 0};
      policies[2] = {"6 hours 2M", "6-hours-2M", 2ull << 20, 0, 6 * kHourUs};
      policies[3] = {"2K txs", "2K-txs", 0, 2000, 0};
    }
    std::filesystem::create_directories(out_dir);
    bench::TempDir tmp{std::filesystem::temp_directory_path() / fmt::format("txgraph-retention-bench-{}", ::getpid())};
    std::vector<Outcome> outcomes;
    for (const auto& p : policies) {
      outcomes.push_back(simulate(p, tmp.path / p.slug, days, per_quarter));
      write_csv(outcomes.back(), out_dir / fmt::format("retention-{}.csv", p.slug));
      std::error_code ec;
      std::filesystem::remove_all(tmp.path / p.slug, ec);
    }
    std::string md = fmt::format(
        "# Retention over a simulated {}\n\n{} transactions per simulated quarter hour (one node with a {} B "
        "note of random letters, DIFF, zstd 3), {:g} MiB segments, a checkpoint every 15 simulated minutes; "
        "`build-release/bench/retention_bench{}`.\n\n"
        "| policy | bound checked | largest log on disk | final log | oldest change at the end | violations | "
        "wall time |\n|---|---|---|---|---|---|---|\n",
        days == 7 ? "week" : "day", per_quarter, kNoteBytes, kRotation / 1048576.0, quick ? " --quick" : "");
    bool ok = true;
    for (const auto& o : outcomes) {
      std::string bound;
      if (o.policy.max_bytes) bound = fmt::format("bytes ≤ {} + one segment", mib(o.policy.max_bytes));
      if (o.policy.min_txs) bound = fmt::format("≥ {} txs retained", o.policy.min_txs);
      if (o.policy.min_age_us)
        bound += fmt::format("{}changes < {:.0f} h old retained", bound.empty() ? "" : "; ",
                             static_cast<double>(o.policy.min_age_us) / kHourUs);
      md += fmt::format("| `{}` | {} | {} | {} | {:.1f} h | {} | {:.1f} s |\n", o.policy.text, bound, mib(o.max_bytes),
                        mib(o.samples.back().bytes), o.samples.back().oldest_age_hours,
                        o.violations ? fmt::format("{} ({})", o.violations, o.first_violation) : "0", o.seconds);
      std::printf("%-14s max %s, final %s, oldest change %.1f h, %llu violations%s%s\n", o.policy.text.c_str(),
                  mib(o.max_bytes).c_str(), mib(o.samples.back().bytes).c_str(), o.samples.back().oldest_age_hours,
                  static_cast<unsigned long long>(o.violations), o.violations ? ": " : "",
                  o.first_violation.c_str());
      ok = ok && o.violations == 0;
    }
    md += "\n![log bytes](retention-bytes.png)\n\n![oldest retained change](retention-oldest.png)\n";
    std::string json = fmt::format(
        "{{\"benchmark\":\"retention\",\"quick\":{},\"days\":{},\"transactions_per_quarter\":{},"
        "\"note_bytes\":{},\"rotation_size\":{},\"policies\":[",
        quick, days, per_quarter, kNoteBytes, kRotation);
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
      const Outcome& o = outcomes[i];
      json += fmt::format(
          "{}{{\"policy\":\"{}\",\"csv\":\"retention-{}.csv\",\"max_bytes_bound\":{},\"min_txs_bound\":{},"
          "\"min_age_hours_bound\":{:.3f},\"largest_log_bytes\":{},\"final_log_bytes\":{},"
          "\"oldest_change_age_hours\":{:.3f},\"retained_txs\":{},\"samples\":{},\"violations\":{},"
          "\"seconds\":{:.3f}}}",
          i ? "," : "", o.policy.text, o.policy.slug, o.policy.max_bytes, o.policy.min_txs,
          static_cast<double>(o.policy.min_age_us) / kHourUs, o.max_bytes, o.samples.back().bytes,
          o.samples.back().oldest_age_hours, o.samples.back().retained_txs, o.samples.size(), o.violations,
          o.seconds);
    }
    bench::write_results((out_dir / "retention.json").string(), json + "]}\n");
    bench::write_results((out_dir / "retention.md").string(), md);
    plot(outcomes, out_dir);
    std::printf("summary: %s\n", (out_dir / "retention.md").c_str());
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "retention_bench: %s\n", e.what());
    return 1;
  }
}
