// The inside of a Database and of its transactions, shared by the engine's files.
#pragma once

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "engine/lmdb_env.h"
#include "engine/snapshot_pin.h"
#include "engine/store_batch.h"
#include "engine/tokens.h"
#include "txgraph/database.h"
#include "txlog/log_writer.h"
#include "txlog/retention_policy.h"

namespace txgraph {

namespace engine {
// A key constraint as stored in the schema table.
struct KeyDef {
  std::uint32_t id = 0;
  KeyConstraint constraint;
};
}  // namespace engine

struct Database::Impl {
  std::filesystem::path dir;
  Options options;
  std::unique_ptr<engine::LmdbEnv> env;
  std::unique_ptr<engine::SnapshotPin> snapshot;  // released before env closes
  // With kLog and kAsync: write transactions are gathered into shared store commits
  // (store_batch.h). Stopped before env closes.
  std::unique_ptr<engine::StoreBatch> batch;
  engine::TokenCache tokens;
  std::string uuid_raw;   // 16 bytes
  std::string uuid_text;
  int lock_fd = -1;
  // Options::read_only on a cleanly closed database: no log writer, no checkpoints, no store
  // writes; nothing in the database's folder changes while it is open.
  bool read_only = false;
  // Throws kInvalidArgument naming `what` when the database is open read-only.
  void refuse_if_read_only(std::string_view what) const;

  mutable std::mutex settings_mutex;
  Settings settings;

  std::unique_ptr<txlog::LogWriter> log;
  // Held by the open write transaction: one writer at a time, like LMDB itself.
  std::mutex writer_mutex;
  std::atomic<std::thread::id> writer_thread{};  // the thread holding writer_mutex for a transaction
  std::atomic<std::uint64_t> last_committed_tx{0};
  std::atomic<std::uint64_t> unbatched_store_commits{0};  // transactions committed to the store alone
  // Change readers (txgraph/cdc.h) see transactions up to visible_tx: committed to the store
  // (or to its batch) and, with kLog and kFull, synced in the log, so a reader never sees a
  // change that a crash could take back. Waiters are woken by the commit that moves it.
  std::atomic<std::uint64_t> visible_tx{0};
  mutable std::mutex visible_mutex;
  mutable std::condition_variable visible_cv;
  mutable std::atomic<int> visible_waiters{0};
  void publish_visible(std::uint64_t tx);
  // Changed only under writer_mutex; read by transactions as they begin.
  std::atomic<EnrichmentMode> enrichment{EnrichmentMode::kOff};
  std::atomic<std::uint64_t> enrichment_generation{0};

  std::recursive_mutex checkpoint_mutex;  // one checkpoint at a time
  std::atomic<std::uint64_t> last_checkpoint_tx{0};
  std::atomic<std::int64_t> last_checkpoint_time_us{0};
  std::atomic<std::uint64_t> commits_since_checkpoint{0};
  std::atomic<std::uint64_t> log_written_at_checkpoint{0};  // LogWriter position then

  // What retention needs to know of each segment, kept up to date by the commit path.
  std::mutex segments_mutex;
  std::vector<txlog::SegmentSummary> segments;
  std::atomic<std::uint64_t> segments_pruned{0};
  std::string last_prune_error;  // guarded by settings_mutex
  void note_segment_write(std::uint64_t tx, std::int64_t commit_us);
  std::vector<txlog::SegmentSummary> segment_summaries();  // with file sizes from disk
  void prune_log();
  std::uint64_t store_page_size = 4096;
  // Store pages freed since the pinned snapshot (power_loss_protection). None of them can be
  // reused before the next checkpoint moves the pin, so they are what the store file grows
  // by. Counted incrementally from LMDB's free-page table, where each write transaction
  // leaves one record, keyed by its txn id, of the pages it freed.
  struct StoreChurn {
    std::mutex mutex;
    std::uint64_t counted_to_txn = 0;  // records up to this LMDB txn id are in `pages`
    std::uint64_t pages = 0;
  };
  mutable StoreChurn churn;
  std::uint64_t store_pages_freed_since_checkpoint() const;
  void reset_store_churn(std::uint64_t pinned_txn);
  // Bytes of store pages freed since the checkpoint (0 without power_loss_protection), and
  // whether they have reached Options::checkpoint_store_growth.
  std::uint64_t store_growth_bytes() const;
  bool store_growth_due() const;
  // For a committer that finds the store grown by twice the trigger, the checkpointer being
  // late: checkpoints if one is still due once any checkpoint under way has ended. Never
  // throws; the committer's transaction is already committed.
  void checkpoint_for_store_growth();

  // Background work: the kAsync flusher and the periodic checkpoint.
  std::thread background;
  std::mutex background_mutex;
  std::condition_variable background_cv;
  bool stopping = false;

  std::atomic<bool> closed{false};
  std::uint64_t replayed_at_open = 0;
  std::uint64_t torn_bytes_cut_at_open = 0;
  bool rolled_back_at_open = false;  // the store was put back to its last checkpoint

  std::int64_t now_us() const;
  void background_loop();
  bool checkpoint_due() const;
  std::uint64_t checkpoint();
  void shutdown();
  void release_store();
  // Writes the enrichment mode and generation into the store (recovery's catch-up).
  void store_enrichment(EnrichmentMode mode, std::uint64_t generation);
};

namespace detail {

struct TxnState {
  // `batched`: a write transaction that may join the database's store batch, if it has one
  // (Database::begin_write). Any other write first has the batch committed and closed.
  TxnState(Database::Impl& database, bool write, bool batched = false);
  ~TxnState();

  Database::Impl* db;
  MDB_txn* txn = nullptr;
  bool writable;
  bool nested = false;  // txn is nested in the store batch: its end is reported to it
  bool open = true;
  engine::TxnTokens tokens;
  std::optional<std::vector<engine::KeyDef>> schema;  // loaded on first use

  // Write transactions only.
  std::unique_lock<std::mutex> writer_lock;
  TxInfo info;
  std::int64_t start_time_us = 0;
  // Change capture (DIFF/FULL): the state of each touched entity before this transaction.
  txlog::CaptureMode capture_mode = txlog::CaptureMode::kOff;
  struct Touched {
    bool node;
    std::uint64_t id;
  };
  std::vector<Touched> capture_order;
  std::unordered_map<std::uint64_t, std::optional<Node>> nodes_before;
  std::unordered_map<std::uint64_t, std::optional<Relationship>> relationships_before;
  bool failed = false;       // a store write failed half-way: only abort is possible
  std::string ops;           // encoded redo operations
  std::uint64_t op_count = 0;
  std::vector<std::uint64_t> touched_nodes;  // checked for complete keys at commit
  std::vector<std::uint64_t> touched_relationships;
  std::uint64_t next_node_id = 0;
  std::uint64_t next_relationship_id = 0;
  std::int64_t node_delta = 0;
  std::int64_t relationship_delta = 0;

  void abort();
  void release_writer();
  // Commits `txn` on its own (not nested in a batch); throws for a failed commit, whose
  // transaction LMDB has already freed, so nothing aborts it again.
  void commit_store(std::string_view what);
};

}  // namespace detail
}  // namespace txgraph
