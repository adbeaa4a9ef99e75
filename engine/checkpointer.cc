// Checkpoints and what follows them: when one is due, the checkpoint itself (store sync,
// pinned snapshot, checkpoint record), and pruning the log by the retention policy.
#include <algorithm>
#include <cstring>
#include <filesystem>

#include "engine/database_impl.h"
#include "txlog/consumer_records.h"
#include "txlog/retention_holds.h"
#include "txlog/log_directory.h"
#include "txlog/retention_policy.h"
#include "txlog/segment_format.h"
#include "txlog/tx_record.h"

namespace txgraph {

// Why freed pages and not the file's size: a checkpoint lets the next interval reuse what the
// previous one freed, so the file grows only when an interval rewrites more than the one
// before. A trigger on file growth therefore fires only after the reusable pages are used up
// *and* the file has grown by the threshold again, so every interval is longer than the last
// and the file grows by the threshold each time, without end. Counting what an interval
// frees keeps intervals the same size, and the file within about twice the threshold above
// the live data.
std::uint64_t Database::Impl::store_pages_freed_since_checkpoint() const {
  std::lock_guard lock(churn.mutex);
  if (churn.counted_to_txn == 0) return 0;  // nothing pinned yet: pages are reused at once
  MDB_txn* txn = nullptr;
  if (mdb_txn_begin(env->env(), nullptr, MDB_RDONLY, &txn) != 0) return churn.pages;
  MDB_cursor* cursor = nullptr;
  // dbi 0 is LMDB's free-page table; read-only transactions may walk it (mdb_stat does).
  if (mdb_cursor_open(txn, 0, &cursor) == 0) {
    std::size_t from = churn.counted_to_txn + 1;
    MDB_val key{sizeof from, &from};
    MDB_val data;
    for (int rc = mdb_cursor_get(cursor, &key, &data, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(cursor, &key, &data, MDB_NEXT)) {
      if (key.mv_size != sizeof(std::size_t) || data.mv_size < sizeof(std::size_t)) continue;
      std::size_t freeing_txn;
      std::memcpy(&freeing_txn, key.mv_data, sizeof freeing_txn);
      // The record is a count followed by that many page numbers.
      churn.pages += data.mv_size / sizeof(std::size_t) - 1;
      churn.counted_to_txn = freeing_txn;
    }
    mdb_cursor_close(cursor);
  }
  mdb_txn_abort(txn);
  return churn.pages;
}

void Database::Impl::reset_store_churn(std::uint64_t pinned_txn) {
  std::lock_guard lock(churn.mutex);
  churn.counted_to_txn = pinned_txn;
  churn.pages = 0;
}

std::uint64_t Database::Impl::store_growth_bytes() const {
  if (!options.power_loss_protection) return 0;  // pages are reused: the store does not grow
  return store_pages_freed_since_checkpoint() * store_page_size;
}

bool Database::Impl::store_growth_due() const { return store_growth_bytes() >= options.checkpoint_store_growth; }

void Database::Impl::checkpoint_for_store_growth() {
  try {
    std::lock_guard cp_lock(checkpoint_mutex);  // a checkpoint under way ends first
    if (store_growth_due()) checkpoint();
  } catch (const Error&) {
    // The transaction that got here is committed; a failed sync makes the log refuse the
    // next write, and the background checkpointer tries again.
  }
}

bool Database::Impl::checkpoint_due() const {
  Settings s;
  {
    std::lock_guard lock(settings_mutex);
    s = settings;
  }
  if (last_committed_tx.load() == last_checkpoint_tx.load()) return false;
  if (s.checkpoint_interval_tx != 0 && commits_since_checkpoint.load() >= s.checkpoint_interval_tx) return true;
  if (s.checkpoint_interval_volume != 0 && log->written() - log_written_at_checkpoint.load() >= s.checkpoint_interval_volume)
    return true;
  if (store_growth_due()) return true;
  return now_us() - last_checkpoint_time_us.load() >= s.checkpoint_interval_time.count() * 1000;
}

void Database::Impl::background_loop() {
  std::unique_lock lock(background_mutex);
  while (!stopping) {
    auto wait = options.durability == Durability::kAsync ? options.async_sync_interval : std::chrono::milliseconds(1000);
    background_cv.wait_for(lock, wait);
    if (stopping) break;
    lock.unlock();
    try {
      if (options.durability == Durability::kAsync) log->sync_to(log->written());
      if (checkpoint_due()) checkpoint();
    } catch (const Error&) {
      // A failed sync makes the log refuse writes; the next commit reports it to the caller.
    }
    lock.lock();
  }
}

std::uint64_t Database::Impl::checkpoint() {
  std::lock_guard cp_lock(checkpoint_mutex);  // recursive: checkpoint_for_store_growth holds it
  // Most of the store's dirty pages are written here, while writers go on; the sync under the
  // writer lock below then has little left to do.
  env->sync();
  txlog::LogWriter::Position pos;
  std::uint64_t tx;
  txlog::CheckpointRecord record;
  {
    // Writers wait while the rest syncs, so the synced state, the pinned snapshot and the
    // checkpoint record all name the same transaction.
    std::lock_guard writer(writer_mutex);
    tx = last_committed_tx.load();
    // The log first: the store may hold a transaction whose commit is still waiting for its
    // sync (or, with kAsync, was never synced). A snapshot pinned ahead of the durable log
    // would, after a power cut, be restored with transactions the log lost. A log that has
    // failed refuses here, before anything is pinned.
    log->sync_to(log->written());
    // Then the commits gathered in a store batch. A batch that fails to reach the
    // store stops the checkpoint here, before the log could be pruned of what the store
    // lacks; the log is synced already, so a close that stops here loses nothing either.
    if (batch) batch->close();
    // Crash before the sync completes: the previous checkpoint's snapshot is still pinned on
    // disk and the log holds everything after it. Crash after the pin but before the record:
    // recovery restores the new snapshot and replays the (shorter) rest of the log.
    env->sync();
    snapshot->pin(env->env());
    reset_store_churn(snapshot->pinned_txn_id());
    record = txlog::CheckpointRecord{tx, now_us()};
    std::string payload = txlog::encode_checkpoint(record);
    std::string_view parts[] = {payload};
    pos = log->append(txlog::RecordType::kCheckpoint, parts, tx + 1);
  }
  log->sync_to(pos);
  last_checkpoint_tx = tx;
  last_checkpoint_time_us = record.time_us;
  commits_since_checkpoint = 0;
  log_written_at_checkpoint = pos;
  // A crash from here on at worst leaves segments that the next checkpoint prunes.
  prune_log();
  return tx;
}

void Database::Impl::note_segment_write(std::uint64_t tx, std::int64_t commit_us) {
  std::uint64_t active = log->active_segment();
  std::lock_guard lock(segments_mutex);
  if (segments.empty() || segments.back().number != active) {
    txlog::SegmentSummary fresh;
    fresh.number = active;
    segments.push_back(fresh);
  }
  auto& summary = segments.back();
  if (tx != 0) {
    if (summary.first_tx == 0) summary.first_tx = tx;
    summary.last_tx = tx;
  }
  summary.last_commit_us = commit_us;
}

std::vector<txlog::SegmentSummary> Database::Impl::segment_summaries() {
  auto files = txlog::list_segments((dir / "txlog").string());
  std::lock_guard lock(segments_mutex);
  std::vector<txlog::SegmentSummary> out;
  for (const auto& f : files) {
    auto it = std::find_if(segments.begin(), segments.end(), [&](const auto& s) { return s.number == f.number; });
    txlog::SegmentSummary summary;
    if (it != segments.end()) summary = *it;
    summary.number = f.number;
    summary.bytes = f.bytes;
    if (it == segments.end()) summary.last_commit_us = now_us();  // holds no transaction yet
    out.push_back(summary);
  }
  return out;
}

void Database::Impl::prune_log() {
  txlog::RetentionPolicy policy;
  {
    std::lock_guard lock(settings_mutex);
    policy = txlog::RetentionPolicy::parse(settings.retention_policy);
  }
  std::string log_dir = (dir / "txlog").string();
  bool removed = false;
  try {
    // Held across planning and removal: no group commits, resets or is created in between,
    // so a hold is judged on the position it has while its segments go.
    std::string groups_dir = txlog::consumers_dir(dir.string());
    // Created if need be: a group being created right now must find the lock held.
    txlog::ConsumerLock groups_lock(groups_dir, true);
    auto summaries = segment_summaries();
    auto plan = txlog::plan_pruning(policy, summaries, last_checkpoint_tx.load(), now_us());
    std::vector<txlog::RetentionHold> holds;
    for (const auto& group : txlog::read_consumer_records(groups_dir))
      if (group.hold_bytes && group.lost.empty()) holds.push_back({group.name, group.needs_tx, *group.hold_bytes});
    for (const auto& lost : txlog::apply_retention_holds(plan, summaries, holds)) {
      // Marked before its segments go: a crash in between leaves a lost group whose log is
      // still there, never a holding group whose log is gone.
      if (auto group = txlog::read_consumer_record(groups_dir, lost.group)) {
        group->lost = lost.reason;
        txlog::write_consumer_record(groups_dir, *group);
      }
    }
    for (const auto& verdict : plan) {
      if (!verdict.prune) break;  // pruned segments are a prefix
      // Oldest first, so a crash part-way leaves a contiguous log.
      txlog::remove_file((std::filesystem::path(log_dir) / txlog::segment_file_name(verdict.number)).string());
      removed = true;
      std::lock_guard lock(segments_mutex);
      std::erase_if(segments, [&](const auto& s) { return s.number == verdict.number; });
      ++segments_pruned;
    }
    if (removed) txlog::sync_directory(log_dir);
    std::lock_guard lock(settings_mutex);
    last_prune_error.clear();
  } catch (const Error& e) {
    // The checkpoint itself stands; what was not pruned now is pruned at the next one.
    std::lock_guard lock(settings_mutex);
    last_prune_error = e.what();
  }
}


}  // namespace txgraph
