#include "engine/snapshot_pin.h"

#include <cstring>

#include <fmt/format.h>
#include <xxhash.h>

#include "engine/lmdb_env.h"
#include "txgraph/error.h"
#include "txlog/byte_codec.h"
#include "txlog/file.h"

namespace txgraph::engine {

namespace {

// LMDB's meta page (mdb.c, stable across 0.9.x on 64-bit): a 16-byte page header, then
// MDB_meta with mm_magic at byte 16 and mm_txnid at byte 144. Both are checked before use.
constexpr std::size_t kMetaMagicOffset = 16;
constexpr std::size_t kMetaTxnIdOffset = 144;
constexpr std::uint32_t kLmdbMagic = 0xBEEFC0DE;

constexpr char kSavedMagic[8] = {'T', 'X', 'G', 'M', 'E', 'T', 'A', '1'};

std::uint64_t load_u64(const char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
std::uint32_t load_u32(const char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace

std::uint64_t SnapshotPin::saved_txn_id(std::string* page, std::uint32_t* page_size) const {
  auto saved_path = store_dir_ / "checkpoint.meta";
  if (!std::filesystem::exists(saved_path)) return 0;
  std::string saved = txlog::read_small_file(saved_path.string());
  auto damaged = [&] {
    return Error(ErrorCode::kCorruption,
                 fmt::format("{} is damaged, so the store cannot be rolled back to its last checkpoint after an "
                             "unclean shutdown",
                             saved_path.string()));
  };
  if (saved.size() < 28 || std::memcmp(saved.data(), kSavedMagic, 8) != 0 ||
      XXH3_64bits(saved.data(), saved.size() - 8) != load_u64(saved.data() + saved.size() - 8))
    throw damaged();
  txlog::ByteReader r(std::string_view(saved).substr(0, saved.size() - 8), "saved checkpoint meta page");
  r.take(8);
  std::uint32_t size = r.u32();
  std::uint64_t txn_id = r.u64();
  if (r.remaining() != size) throw damaged();
  if (page) *page = std::string(r.take(size));
  if (page_size) *page_size = size;
  return txn_id;
}

std::uint64_t SnapshotPin::restore_if_unclean() {
  if (!std::filesystem::exists(store_dir_ / "OPEN")) return 0;
  std::string page;
  std::uint32_t page_size = 0;
  std::uint64_t txn_id = saved_txn_id(&page, &page_size);
  if (txn_id == 0) return 0;
  // Into both slots, each with its own page number, so LMDB sees exactly the checkpointed
  // snapshot whichever slot it reads. The snapshot's other pages are as synced: nothing could
  // reuse them while it was pinned, in the run that crashed and in every open since.
  txlog::File data((store_dir_ / "data.mdb").string(), txlog::File::Mode::kReadWrite);
  for (std::uint64_t slot = 0; slot < 2; ++slot) {
    std::string copy(page);
    std::memcpy(copy.data(), &slot, sizeof slot);
    data.write_at(slot * page_size, copy);
  }
  data.sync();
  return txn_id;
}

void SnapshotPin::hold_opened(MDB_env* env) {
  if (disabled_) return;
  MDB_txn* txn = nullptr;
  check_mdb(mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn), "pinning the store's snapshot at open");
  std::uint64_t saved = 0;
  try {
    saved = saved_txn_id();
  } catch (...) {
    mdb_txn_abort(txn);
    throw;
  }
  if (saved != 0 && saved == mdb_txn_id(txn)) {
    release();
    pinned_ = txn;
    return;
  }
  mdb_txn_abort(txn);
  // Nothing has written to the store since it was opened, but a process killed before it
  // may have left pages that only the page cache holds.
  check_mdb_write(mdb_env_sync(env, 1), "syncing the store at open", env);
  pin(env);
}

void SnapshotPin::mark_open() {
  std::string marker = (store_dir_ / "OPEN").string();
  if (std::filesystem::exists(marker)) return;
  txlog::write_file_atomically(marker, "the database is open; if this file remains, it was not closed cleanly\n");
}

void SnapshotPin::mark_clean() {
  txlog::remove_file((store_dir_ / "OPEN").string());
  txlog::sync_directory(store_dir_.string());
}

void SnapshotPin::disable() {
  disabled_ = true;
  auto saved = store_dir_ / "checkpoint.meta";
  if (!std::filesystem::exists(saved)) return;
  txlog::remove_file(saved.string());
  txlog::sync_directory(store_dir_.string());
}

void SnapshotPin::pin(MDB_env* env) {
  if (disabled_) return;
  MDB_txn* txn = nullptr;
  check_mdb(mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn), "pinning the checkpoint snapshot");
  try {
    std::uint64_t txn_id = mdb_txn_id(txn);
    MDB_stat stat;
    check_mdb(mdb_env_stat(env, &stat), "reading the store's page size");
    std::string page(stat.ms_psize, '\0');
    {
      txlog::File data((store_dir_ / "data.mdb").string(), txlog::File::Mode::kRead);
      if (data.read_at((txn_id & 1) * stat.ms_psize, page.data(), page.size()) != page.size())
        throw Error(ErrorCode::kCorruption, "the store file is shorter than its meta pages");
    }
    if (load_u32(page.data() + kMetaMagicOffset) != kLmdbMagic || load_u64(page.data() + kMetaTxnIdOffset) != txn_id)
      throw Error(ErrorCode::kCorruption,
                  fmt::format("the store's meta page does not describe snapshot {} (an LMDB layout this build does "
                              "not know?)",
                              txn_id));
    std::string saved(kSavedMagic, sizeof kSavedMagic);
    txlog::ByteWriter w(saved);
    w.u32(stat.ms_psize);
    w.u64(txn_id);
    w.raw(page);
    w.u64(XXH3_64bits(saved.data(), saved.size()));
    // Durable before the old pin goes: at every moment one saved snapshot is intact.
    txlog::write_file_atomically((store_dir_ / "checkpoint.meta").string(), saved);
  } catch (...) {
    mdb_txn_abort(txn);
    throw;
  }
  release();
  pinned_ = txn;
}

void SnapshotPin::release() {
  if (pinned_) mdb_txn_abort(pinned_);
  pinned_ = nullptr;
}

}  // namespace txgraph::engine
