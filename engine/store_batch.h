// Gathering write transactions into one store commit (durability kLog and kAsync,
// Options::store_batch).
//
// Why: a store (LMDB) commit writes every page its transaction dirtied, one write per page.
// A small transaction dirties about ten pages, and while power_loss_protection pins the
// checkpointed snapshot every one of them is a fresh page; that store commit is nearly all of
// a kAsync commit's cost, and with kLog it is done under the writer lock, where it keeps the
// next writers from reaching the group sync. The log already holds each transaction when it
// commits, so the store need not commit each one alone: a batch is one LMDB write transaction, each of our
// write transactions is a nested LMDB transaction inside it (so it can still abort alone),
// and the batch commits once for many of them. Pages the transactions of a batch share (the
// last leaf of the node table, the meta table) are written once.
//
// Threads: LMDB's writer lock must be released by the thread that took it, so one thread,
// the batch's own, begins and commits the batch transaction. Writers begin and end their
// nested transactions in their own threads, one at a time under the database's writer lock.
// LMDB asks that a transaction be used by one thread; here the batch transaction and its
// nested ones are handed between threads, never used by two at once, and every hand-over
// goes through this class's mutex, which orders the memory. In LMDB 0.9 (MDB_NOTLS) the only
// thread-bound state of a write transaction is that writer lock. The ThreadSanitizer suite
// (tools/dev test --tsan) runs these hand-overs.
//
// A crash loses nothing the log has: recovery replays the transactions after the store's
// last_applied_tx, and a batch writes that with its last transaction.
#pragma once

#include <lmdb.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "txgraph/error.h"

namespace txgraph::engine {

class StoreBatch {
 public:
  struct Limits {
    std::uint32_t max_transactions = 4096;  // the batch commits once it holds this many...
    std::uint64_t max_bytes = 8u << 20;    // ...or this many bytes of redo operations...
    std::chrono::microseconds max_age{50000};  // ...or its first has waited this long
  };

  StoreBatch(MDB_env* env, Limits limits);
  ~StoreBatch();  // stop()
  StoreBatch(const StoreBatch&) = delete;
  StoreBatch& operator=(const StoreBatch&) = delete;

  // For a writer holding the database's writer lock: a nested transaction of the open batch,
  // which is begun first if none is open. Throws the failure of an earlier batch commit.
  MDB_txn* begin_nested();
  // After mdb_txn_commit or mdb_txn_abort of that nested transaction (both free it).
  // `committed`: it is in the batch now, as transaction `tx` with `bytes` of operations.
  void end_nested(bool committed, std::uint64_t tx, std::uint64_t bytes);

  // Every transaction committed into a batch before the call is in the store when this
  // returns. Waits for the open nested transaction, if any, to end first. Throws the failure
  // of a batch commit.
  void flush();
  // For a caller holding the writer lock: flush(), and leave no batch transaction open, so
  // that the caller may begin a store write transaction of its own.
  void close();
  // Transactions are gathered that the store does not have yet.
  bool pending() const { return pending_.load(std::memory_order_acquire) != 0; }
  // Commits what is gathered and ends the thread. A failure is kept for failure().
  void stop();
  // The failure of a batch commit, if one failed: from then on the store lacks transactions
  // the log has, and only a reopen (which replays them) puts it right.
  std::optional<Error> failure() const;
  // Batches written to the store so far.
  std::uint64_t commits() const { return commits_.load(std::memory_order_relaxed); }

 private:
  void run();
  void commit_batch(std::unique_lock<std::mutex>& lock);
  void throw_if_failed() const;  // mutex_ held

  MDB_env* env_;
  Limits limits_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  MDB_txn* batch_ = nullptr;  // the open batch transaction, owned by thread_
  bool committing_ = false;   // batch_ is being committed, the mutex released meanwhile
  bool beginning_ = false;    // a batch transaction is being begun, likewise
  bool nested_open_ = false;
  bool batch_wanted_ = false;  // a writer waits for a batch transaction
  bool commit_wanted_ = false;
  bool stopping_ = false;
  int begin_error_ = 0;  // why the last batch transaction could not begin, for its waiter
  std::uint32_t count_ = 0;  // transactions in the open batch
  std::uint64_t bytes_ = 0;
  std::uint64_t first_tx_ = 0, last_tx_ = 0;
  std::chrono::steady_clock::time_point first_at_;
  std::uint64_t committed_seq_ = 0;  // transactions committed into batches so far
  std::uint64_t stored_seq_ = 0;     // ...of which the store has these
  std::atomic<std::uint32_t> pending_{0};
  std::atomic<std::uint64_t> commits_{0};
  std::optional<Error> failure_;
  std::thread thread_;
};

}  // namespace txgraph::engine
