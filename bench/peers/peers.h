// What peers_bench measures on every system, and the one workload they all run.
//
// The workload row i: a node labelled Person with three properties, id i, name "someone" and
// a 64-byte note derived from i. Every system commits the same rows (ids 0, 1, 2, ... in the
// order writers take them), captures the change, and reads it back.
//
// Each system (txgraph_peer.cc, sqlite_peer.cc, rocksdb_peer.cc) offers three measurements:
//   commits  W writers commit one row per transaction until a count or a time budget runs out;
//   follow   one writer commits paced rows while a consumer thread follows the change feed;
//   import   the rows of one CSV file loaded through the system's bulk path.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace txgraph::bench::peers {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t);
std::int64_t now_ns();

// The row's 64-byte note, its whole JSON (what SQLite's trigger and RocksDB's value hold) and
// RocksDB's key (zero-padded, so that keys sort in id order).
std::string note(std::int64_t id);
std::string row_json(std::int64_t id, const std::string& name, const std::string& note_text);
std::string row_key(std::int64_t id);

// The import input: a header `id:ID,name,note,:LABEL` and one line per row.
void write_import_csv(const fs::path& file, std::int64_t rows);
// Reads that file back with a plain split on commas (the rows have no quoting); the peers'
// loaders go through this, so every system parses the same text.
void for_each_csv_row(const fs::path& file,
                      const std::function<void(std::int64_t id, std::string_view name, std::string_view note)>& row);

// --- commits ------------------------------------------------------------------------------

struct CommitPlan {
  int writers = 1;
  std::int64_t max_transactions = 0;
  double max_seconds = 0;  // the run stops at whichever of the two comes first
};

struct CommitFigures {
  std::string system;  // full label
  std::string short_name;  // for plots
  bool durable = true;
  int writers = 1;
  std::uint64_t transactions = 0;
  double seconds = 0;
  double bytes_per_tx = 0;      // every file of the store
  double log_bytes_per_tx = 0;  // the change log alone (txgraph's segments, SQLite's change
                                // table pages, RocksDB's WAL files)
  double changes_read_per_s = 0;  // 0: the system captures no changes in this setting
  std::uint64_t log_syncs = 0;    // txgraph only: log fdatasyncs during the run
  double commits_per_s() const { return seconds > 0 ? transactions / seconds : 0; }
};

// Runs `plan.writers` threads; each takes the next id and calls commit(writer, id) until the
// plan's count or time runs out. Returns the transactions committed and the seconds taken.
struct WriterRun {
  std::uint64_t transactions = 0;
  double seconds = 0;
};
WriterRun run_writers(const CommitPlan& plan, const std::function<void(int writer, std::int64_t id)>& commit);

// --- commit to consumer -------------------------------------------------------------------

struct FollowPlan {
  int samples = 0;
  int warm_up = 0;  // first samples dropped
  std::chrono::microseconds pace{2000};  // the writer's pause after each commit
  std::chrono::microseconds poll{1000};  // the polling consumers' pause when nothing was new
};

struct LatencyFigures {
  std::string system;
  std::string short_name;
  std::string consumer;  // how the consumer learns of new changes
  int samples = 0;
  double p50_us = 0, p99_us = 0, max_us = 0;
  int seen_before_return = 0;  // samples the consumer saw before commit() returned
};

// The harness every system's follow measurement runs in. `consume` runs on its own thread
// until `stop`, calling seen(id) for each row it reads from the change feed, and sets `ready`
// once it is positioned; `commit(id)` commits row id on the writer's thread. Latency is from
// commit() returning to the consumer's seen(id), per row.
LatencyFigures measure_follow(
    const FollowPlan& plan, const std::function<void(std::int64_t id)>& commit,
    const std::function<void(const std::function<void(std::int64_t)>& seen, std::atomic<bool>& ready,
                             const std::atomic<bool>& stop)>& consume);

// --- bulk import --------------------------------------------------------------------------

struct ImportFigures {
  std::string system;
  std::string short_name;
  std::string method;
  bool captured = false;  // whether the change feed sees the imported rows
  std::string transactional_system;  // the commit row (1 writer) to compare with
  std::uint64_t rows = 0;
  double seconds = 0;
  double bytes_per_row = 0;
  double rows_per_s() const { return seconds > 0 ? rows / seconds : 0; }
};

// --- the systems --------------------------------------------------------------------------

// txgraph: mode "OFF" | "DIFF" | "FULL"; durable is Durability::kLog, else kAsync.
CommitFigures txgraph_commits(const fs::path& dir, const std::string& mode, bool durable, const CommitPlan& plan);
LatencyFigures txgraph_follow(const fs::path& dir, bool durable, const FollowPlan& plan);
ImportFigures txgraph_import(const fs::path& dir, const fs::path& csv, std::int64_t rows);

// SQLite in WAL mode, synchronous FULL (durable) or NORMAL. With `app_mutex` the writers
// take one application mutex around each transaction instead of waiting in SQLite's busy
// handler.
CommitFigures sqlite_commits(const fs::path& dir, bool durable, bool app_mutex, const CommitPlan& plan);
LatencyFigures sqlite_follow(const fs::path& dir, bool durable, const FollowPlan& plan);
ImportFigures sqlite_import(const fs::path& dir, const fs::path& csv, std::int64_t rows, bool with_trigger);

// RocksDB with its WAL kept for GetUpdatesSince; durable is WriteOptions::sync.
CommitFigures rocksdb_commits(const fs::path& dir, bool durable, const CommitPlan& plan);
LatencyFigures rocksdb_follow(const fs::path& dir, bool durable, const FollowPlan& plan);
// method "WriteBatch" (10 000 rows a batch, the last one synced) or "SstFileWriter"
// (one sorted file, then IngestExternalFile).
ImportFigures rocksdb_import(const fs::path& dir, const fs::path& csv, std::int64_t rows, const std::string& method);

// --- the machine --------------------------------------------------------------------------

struct Limits {
  double fdatasync_per_s = 0;  // 150-byte appends, each followed by fdatasync
  double fdatasync_4_threads_per_s = 0;  // the same loop on 4 threads, each on a file of its own
  double write_mb_per_s = 0;   // sequential 1 MiB writes, then fsync
  double zstd_mb_per_s = 0;    // level 3, one core, on text shaped like the rows
  double xxh3_mb_per_s = 0;    // one core
};
Limits measure_limits(const fs::path& dir, bool quick);
// The fdatasync loop alone on `threads` threads (syncs/s of them all), for a rate next to
// each round of commits (a shared disk drifts).
double measure_fdatasync_rate(const fs::path& dir, double seconds, int threads);

// Nearest-rank percentile of `sorted` (ascending): a value some sample had.
double percentile(const std::vector<double>& sorted, double q);

}  // namespace txgraph::bench::peers
