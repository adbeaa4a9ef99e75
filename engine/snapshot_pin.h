// The pinned checkpoint snapshot: what makes running LMDB with MDB_NOSYNC safe against power
// loss (docs/durability.md, "Power loss").
//
// Without syncs, a power cut leaves the store file holding its last synced state plus an
// arbitrary subset of later page writes, and either meta page may point at pages that never
// reached the disk. So at each checkpoint, with the store synced, we
//   1. open a read transaction on the synced snapshot and keep it until the next checkpoint:
//      LMDB never reuses a page that a reader can still see, so the snapshot's pages stay
//      exactly as synced;
//   2. save a copy of that snapshot's meta page beside the store (written, synced, renamed).
// After an unclean shutdown (the open marker is still there) the saved meta page goes back
// into both meta slots before LMDB opens: the store is then exactly the checkpointed
// snapshot, and recovery replays the log after it.
#pragma once

#include <lmdb.h>

#include <cstdint>
#include <filesystem>

namespace txgraph::engine {

class SnapshotPin {
 public:
  explicit SnapshotPin(std::filesystem::path store_dir) : store_dir_(std::move(store_dir)) {}
  ~SnapshotPin() { release(); }

  // Before LMDB opens the store: if the store was not closed cleanly and a snapshot was saved,
  // writes the saved meta page into both meta slots. Returns the restored snapshot's LMDB txn
  // id, or 0 if nothing was restored. Throws kCorruption if the saved copy is damaged.
  std::uint64_t restore_if_unclean();

  // Right after LMDB opened the store, before the open writes to it: pins the snapshot it
  // opened on, the one the saved meta page describes (after a rollback, or a clean close), so
  // that the replay and every other store commit before the open's own checkpoint leave its
  // pages alone. A crash at any point of the open then finds the saved snapshot intact and
  // rolls back to it again. If nothing saved describes this snapshot (a new store, a run
  // without the protection before), it is saved first, as pin() does.
  void hold_opened(MDB_env* env);

  // Turns the protection off for this run: the saved snapshot is removed (durably) before any
  // commit could reuse its pages, so a later unclean open cannot roll back to a stale one.
  void disable();

  // Marks the store as open: until mark_clean(), a crash counts as an unclean shutdown.
  void mark_open();
  // After the final checkpoint at close.
  void mark_clean();

  // With the store just synced and no writer active: pins the current snapshot, saves its
  // meta page, then lets go of the previous pin.
  void pin(MDB_env* env);
  void release();
  // LMDB's txn id of the pinned snapshot; 0 when nothing is pinned.
  std::uint64_t pinned_txn_id() const { return pinned_ ? mdb_txn_id(pinned_) : 0; }

 private:
  // The LMDB txn id the saved meta page describes; 0 if there is none. Throws kCorruption if
  // the copy is damaged.
  std::uint64_t saved_txn_id(std::string* page = nullptr, std::uint32_t* page_size = nullptr) const;

  std::filesystem::path store_dir_;
  MDB_txn* pinned_ = nullptr;
  bool disabled_ = false;
};

}  // namespace txgraph::engine
