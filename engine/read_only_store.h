// Reading a database's store without opening the database, for tools that must never change a
// file (`txgraph log`): no recovery, no checkpoint, no pruning, nothing written to the store's
// data file or its meta pages.
//
// The store is opened as an LMDB environment with MDB_RDONLY. While another process has the
// database open, LMDB takes a slot in its reader table (lock.mdb, shared memory that every
// LMDB process of the store writes), so that the writer cannot reuse the pages being read.
// While none has, the reader holds a shared lock on DIR/LOCK instead, which keeps a writer
// from opening it meanwhile, and opens the store without LMDB's lock file (MDB_NOLOCK):
// then no file of the database changes at all. A Database::open in another process that
// falls into those milliseconds is refused as if the database were open.
//
// The power-loss protection (snapshot_pin.h) decides when the latest snapshot may be read:
// - the database is closed cleanly (no OPEN marker): the store was synced at close;
// - another process has it open (it holds DIR/LOCK): LMDB's latest snapshot is what that
//   process committed, consistent through the page cache;
// - it was not closed cleanly and a checkpoint snapshot is saved: after a power cut the latest
//   meta page may point at pages that never reached the disk, and only the next open puts the
//   saved meta page back. Reading it here would mean restoring it, which a reader must never
//   do: Error(kNeedsRecovery).
// - it was not closed cleanly without a saved snapshot (power_loss_protection off): the next
//   open reads the latest snapshot as it is, and so does this.
#pragma once

#include <lmdb.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace txgraph::engine {

// Throws what the ReadOnlyStore constructor throws before it opens LMDB: kNotFound when `dir`
// holds no store, kNeedsRecovery when only the next open may read it (see above).
void check_store_readable(const std::filesystem::path& dir);

class ReadOnlyStore {
 public:
  // Throws kNotFound when `dir` holds no store, kNeedsRecovery as above, kIo or kCorruption
  // when LMDB cannot read it. Must not be used on a store this process has open as a Database
  // (LMDB allows one environment per store file per process).
  explicit ReadOnlyStore(const std::filesystem::path& dir);
  ~ReadOnlyStore();
  ReadOnlyStore(const ReadOnlyStore&) = delete;
  ReadOnlyStore& operator=(const ReadOnlyStore&) = delete;

  // A copy of the value of `key` in the meta table, nullopt when absent.
  std::optional<std::string> meta(std::string_view key) const;

 private:
  std::filesystem::path dir_;
  MDB_env* env_ = nullptr;
  MDB_txn* txn_ = nullptr;
  MDB_dbi meta_ = 0;
  int lock_fd_ = -1;  // DIR/LOCK, shared-locked while no other process has the database open
};

}  // namespace txgraph::engine
