#include "engine/read_only_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "engine/graph_store.h"
#include "engine/lmdb_env.h"
#include "engine/settings.h"
#include "txgraph/database.h"
#include "txgraph/error.h"

namespace txgraph {

namespace engine {

namespace {

// Whether a process holds the database's lock (Database::open takes it exclusively). The probe
// takes a shared lock and drops it at once; an open in another process that falls into those
// microseconds is refused as if the database were open.
bool open_in_another_process(const std::filesystem::path& dir) {
  std::string path = (dir / "LOCK").string();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;  // never opened by a version that locks, or removed: nobody holds it
  bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  if (!held) ::flock(fd, LOCK_UN);
  ::close(fd);
  return held;
}

}  // namespace

void check_store_readable(const std::filesystem::path& dir) {
  const auto store = dir / "store";
  std::error_code ec;
  if (!std::filesystem::exists(store / "data.mdb", ec))
    throw Error(ErrorCode::kNotFound,
                fmt::format("there is no database in {} ({} is missing)", dir.string(), (store / "data.mdb").string()));
  bool unclean = std::filesystem::exists(store / "OPEN", ec);
  bool snapshot_saved = std::filesystem::exists(store / "checkpoint.meta", ec);
  if (unclean && snapshot_saved && !open_in_another_process(dir))
    throw Error(ErrorCode::kNeedsRecovery,
                fmt::format("the database in {} was not closed cleanly: its store is read only after the next open "
                            "puts it back to its last checkpoint (any verb that opens it, e.g. txgraph show {})",
                            dir.string(), dir.string()));
}

ReadOnlyStore::ReadOnlyStore(const std::filesystem::path& dir) : dir_(dir) {
  const auto store = dir / "store";
  std::error_code ec;
  if (!std::filesystem::exists(store / "data.mdb", ec))
    throw Error(ErrorCode::kNotFound,
                fmt::format("there is no database in {} ({} is missing)", dir.string(), (store / "data.mdb").string()));
  // Held from here until the store is closed again: no process can open the database (and
  // write the store) meanwhile, so LMDB's reader table is not needed.
  lock_fd_ = ::open((dir / "LOCK").c_str(), O_RDONLY | O_CLOEXEC);
  bool alone = lock_fd_ >= 0 && ::flock(lock_fd_, LOCK_SH | LOCK_NB) == 0;
  if (!alone && lock_fd_ >= 0) {
    ::close(lock_fd_);
    lock_fd_ = -1;
  }
  bool open_elsewhere = !alone && open_in_another_process(dir);
  bool unclean = std::filesystem::exists(store / "OPEN", ec);
  bool snapshot_saved = std::filesystem::exists(store / "checkpoint.meta", ec);
  if (unclean && snapshot_saved && !open_elsewhere) {
    if (lock_fd_ >= 0) ::close(lock_fd_);
    throw Error(ErrorCode::kNeedsRecovery,
                fmt::format("the database in {} was not closed cleanly: its store is read only after the next open "
                            "puts it back to its last checkpoint (any verb that opens it, e.g. txgraph show {})",
                            dir.string(), dir.string()));
  }

  check_mdb(mdb_env_create(&env_), "creating a read-only store environment");
  try {
    check_mdb(mdb_env_set_maxdbs(env_, 16), "configuring the read-only store");
    check_mdb(mdb_env_set_maxreaders(env_, 512), "configuring the read-only store");
    // The address space only: LMDB maps no more of the file than there is.
    check_mdb(mdb_env_set_mapsize(env_, Options{}.map_size), "setting the read-only store's map size");
    check_mdb(mdb_env_open(env_, store.c_str(), MDB_RDONLY | MDB_NOTLS | (alone ? MDB_NOLOCK : 0), 0644),
              fmt::format("opening the store in {} read-only", store.string()));
    int rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn_);
    if (rc == MDB_MAP_RESIZED) {
      // The writer grew the map past ours: take the size it recorded, then begin again.
      check_mdb(mdb_env_set_mapsize(env_, 0), "adopting the store's map size");
      rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn_);
    }
    check_mdb(rc, fmt::format("reading the store in {}", store.string()));
    rc = mdb_dbi_open(txn_, "meta", 0, &meta_);
    if (rc == MDB_NOTFOUND)
      throw Error(ErrorCode::kCorruption, fmt::format("the store in {} has no meta table", store.string()));
    check_mdb(rc, fmt::format("opening the meta table of the store in {}", store.string()));
  } catch (...) {
    if (txn_) mdb_txn_abort(txn_);
    mdb_env_close(env_);
    if (lock_fd_ >= 0) ::close(lock_fd_);
    throw;
  }
}

ReadOnlyStore::~ReadOnlyStore() {
  mdb_txn_abort(txn_);
  mdb_env_close(env_);
  if (lock_fd_ >= 0) ::close(lock_fd_);  // and with it the shared lock
}

std::optional<std::string> ReadOnlyStore::meta(std::string_view key) const {
  auto value = mdb_get(txn_, meta_, key);
  if (!value) return std::nullopt;
  return std::string(*value);
}

}  // namespace engine

Settings Database::read_settings(const std::filesystem::path& dir) {
  engine::ReadOnlyStore store(dir);
  auto stored = store.meta(engine::kMetaSettings);
  Settings settings = stored ? engine::decode_settings(*stored) : Settings{};
  if (auto mode = store.meta(engine::kMetaEnrichment)) {
    if (mode->size() != 8 || engine::read_be64(*mode) > static_cast<std::uint64_t>(EnrichmentMode::kFull))
      throw Error(ErrorCode::kCorruption,
                  fmt::format("the store in {} holds a malformed enrichment mode", (dir / "store").string()));
    settings.enrichment = static_cast<EnrichmentMode>(engine::read_be64(*mode));
  }
  return settings;
}

bool Database::needs_recovery(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::exists(dir / "store" / "data.mdb", ec)) return false;
  return std::filesystem::exists(dir / "store" / "OPEN", ec) && !engine::open_in_another_process(dir);
}

std::uint64_t Database::read_last_applied_tx(const std::filesystem::path& dir) {
  engine::ReadOnlyStore store(dir);
  auto value = store.meta(engine::kMetaLastAppliedTx);
  if (!value) return 0;
  if (value->size() != 8)
    throw Error(ErrorCode::kCorruption,
                fmt::format("the store in {} holds a malformed last applied transaction", (dir / "store").string()));
  return engine::read_be64(*value);
}

}  // namespace txgraph
