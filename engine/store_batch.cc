#include "engine/store_batch.h"

#include <fmt/format.h>

#include "engine/lmdb_env.h"

namespace txgraph::engine {

StoreBatch::StoreBatch(MDB_env* env, Limits limits) : env_(env), limits_(limits) {
  thread_ = std::thread([this] { run(); });
}

StoreBatch::~StoreBatch() { stop(); }

void StoreBatch::throw_if_failed() const {
  if (failure_) throw *failure_;
}

std::optional<Error> StoreBatch::failure() const {
  std::lock_guard lock(mutex_);
  return failure_;
}

MDB_txn* StoreBatch::begin_nested() {
  std::unique_lock lock(mutex_);
  for (;;) {
    throw_if_failed();
    if (stopping_) throw Error(ErrorCode::kTransactionClosed, "the database is closing");
    if (begin_error_ != 0) {
      int rc = begin_error_;
      begin_error_ = 0;
      check_mdb(rc, "beginning a store transaction for a batch of commits");
    }
    // A batch due to commit takes no more transactions: writers coming back to back must not
    // hold it off for ever.
    if (batch_ && !committing_ && !commit_wanted_) break;
    if (!batch_ && !batch_wanted_ && !beginning_) {
      batch_wanted_ = true;
      cv_.notify_all();
    }
    cv_.wait(lock);
  }
  MDB_txn* nested = nullptr;
  check_mdb(mdb_txn_begin(env_, batch_, 0, &nested), "beginning a write transaction");
  nested_open_ = true;
  return nested;
}

void StoreBatch::end_nested(bool committed, std::uint64_t tx, std::uint64_t bytes) {
  std::lock_guard lock(mutex_);
  nested_open_ = false;
  bool wake = commit_wanted_;  // a flush, a stop or the age limit waits for this end
  if (!committed && count_ == 0) {
    // An empty batch is not kept open: it would hold LMDB's writer lock with nothing to write.
    commit_wanted_ = true;
    wake = true;
  }
  if (committed) {
    if (count_++ == 0) {
      first_tx_ = tx;
      first_at_ = std::chrono::steady_clock::now();
      wake = true;  // the batch thread starts the age clock
    }
    last_tx_ = tx;
    bytes_ += bytes;
    ++committed_seq_;
    pending_.store(count_, std::memory_order_release);
    if (count_ >= limits_.max_transactions || bytes_ >= limits_.max_bytes) {
      commit_wanted_ = true;
      wake = true;
    }
  }
  if (wake) cv_.notify_all();
}

void StoreBatch::flush() {
  std::unique_lock lock(mutex_);
  std::uint64_t target = committed_seq_;
  if (stored_seq_ < target && !failure_) {
    commit_wanted_ = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return stored_seq_ >= target || failure_.has_value(); });
  }
  throw_if_failed();
}

void StoreBatch::close() {
  std::unique_lock lock(mutex_);
  if (batch_ || committing_ || beginning_) {
    commit_wanted_ = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return !batch_ && !committing_ && !beginning_; });
  }
  throw_if_failed();
}

void StoreBatch::stop() {
  {
    std::lock_guard lock(mutex_);
    if (!thread_.joinable()) return;
    stopping_ = true;
    commit_wanted_ = true;  // an open nested transaction's end wakes the thread
    cv_.notify_all();
  }
  thread_.join();
}

void StoreBatch::commit_batch(std::unique_lock<std::mutex>& lock) {
  MDB_txn* txn = batch_;
  std::uint32_t count = count_;
  committing_ = true;
  lock.unlock();
  int rc = 0;
  if (count > 0)
    rc = mdb_txn_commit(txn);
  else
    mdb_txn_abort(txn);  // only aborted transactions were in it
  lock.lock();
  committing_ = false;
  batch_ = nullptr;
  commit_wanted_ = false;
  if (rc == 0) {
    stored_seq_ = committed_seq_;  // no transaction joins a batch while it commits
    if (count > 0) commits_.fetch_add(1, std::memory_order_relaxed);
  } else if (!failure_) {
    try {
      check_mdb_write(rc, fmt::format("writing transactions {} to {} to the store", first_tx_, last_tx_), env_);
    } catch (const Error& e) {
      failure_ = Error(e.code(), fmt::format("{}; they are in the log, and reopening the database replays them; "
                                             "until then it refuses reads and writes",
                                             e.what()));
    }
  }
  count_ = 0;
  bytes_ = 0;
  pending_.store(0, std::memory_order_release);
  cv_.notify_all();
}

void StoreBatch::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (batch_ && !nested_open_) {
      bool aged = count_ > 0 && std::chrono::steady_clock::now() - first_at_ >= limits_.max_age;
      if (commit_wanted_ || aged || stopping_) {
        commit_batch(lock);
        continue;
      }
    } else if (batch_ && count_ > 0 && std::chrono::steady_clock::now() - first_at_ >= limits_.max_age) {
      commit_wanted_ = true;  // the open nested transaction is the last of this batch
    }
    if (stopping_ && !batch_) return;
    if (batch_wanted_ && !batch_ && !stopping_) {
      batch_wanted_ = false;
      // Not under the mutex: the batch transaction holds LMDB's writer lock until it commits,
      // and the mutex is taken while it does; taking them in the other order too could deadlock.
      beginning_ = true;
      lock.unlock();
      MDB_txn* txn = nullptr;
      int rc = mdb_txn_begin(env_, nullptr, 0, &txn);
      lock.lock();
      beginning_ = false;
      if (rc == 0)
        batch_ = txn;
      else
        begin_error_ = rc;
      cv_.notify_all();
      continue;
    }
    if (batch_ && count_ > 0 && !commit_wanted_)
      cv_.wait_until(lock, first_at_ + limits_.max_age);
    else
      cv_.wait(lock);
  }
}

}  // namespace txgraph::engine
