#include "engine/lmdb_env.h"

#include <fmt/format.h>

#include "txgraph/error.h"
#include "txlog/disk_space.h"
#include "txlog/file.h"

namespace txgraph::engine {

void check_mdb(int rc, std::string_view what) {
  if (rc == 0) return;
  switch (rc) {
    case MDB_MAP_FULL:
      throw Error(ErrorCode::kDiskFull,
                  fmt::format("{}: the store is full (its map size, Options::map_size, is reached); nothing "
                              "committed is lost: reopen with a larger map_size",
                              what));
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
      throw Error(ErrorCode::kCorruption, fmt::format("{}: the store file is damaged ({})", what, mdb_strerror(rc)));
    case ENOSPC:
      throw Error(ErrorCode::kDiskFull, fmt::format("{}: no space left on the device", what));
    default:
      throw Error(ErrorCode::kIo, fmt::format("{}: {}", what, mdb_strerror(rc)));
  }
}

void check_mdb_write(int rc, std::string_view what, MDB_env* env) {
  if (rc == ENOSPC || rc == EIO || rc == EFBIG) {
    const char* path = nullptr;
    std::string folder = mdb_env_get_path(env, &path) == 0 && path != nullptr ? path : "the store's folder";
    auto space = txlog::disk_space(folder);
    if (rc == ENOSPC || (space && txlog::nearly_full(*space)))
      throw Error(ErrorCode::kDiskFull,
                  fmt::format("{}: {} ({}); nothing committed is lost: free space there or move the database, "
                              "then open it again",
                              what, space ? txlog::disk_full_text(folder, space->free_bytes) : "disk full on " + folder,
                              mdb_strerror(rc)));
  }
  check_mdb(rc, what);
}

LmdbEnv::LmdbEnv(const std::string& dir, ReadOnly) : map_size_(0) {
  check_mdb(mdb_env_create(&env_), "creating a read-only store environment");
  try {
    check_mdb(mdb_env_set_maxdbs(env_, 16), "configuring the read-only store");
    check_mdb(mdb_env_set_maxreaders(env_, 512), "configuring the read-only store");
    // The size the writer recorded: LMDB maps no more of the file than there is.
    check_mdb(mdb_env_open(env_, dir.c_str(), MDB_RDONLY | MDB_NOTLS, txlog::new_file_mode(dir)),
              fmt::format("opening the store in {} read-only", dir));
    open_tables(dir, /*create=*/false);
  } catch (...) {
    mdb_env_close(env_);
    throw;
  }
}

LmdbEnv::LmdbEnv(const std::string& dir, std::uint64_t map_size, bool sync_data, bool read_only)
    : map_size_(map_size) {
  check_mdb(mdb_env_create(&env_), "creating the store environment");
  try {
    check_mdb(mdb_env_set_maxdbs(env_, 16), "configuring the store");
    check_mdb(mdb_env_set_mapsize(env_, map_size), "setting the store map size");
    check_mdb(mdb_env_set_maxreaders(env_, 512), "configuring the store");
    // NOTLS: read transactions are objects the application may move between threads.
    unsigned flags = MDB_NOTLS | (sync_data ? MDB_NOMETASYNC : MDB_NOSYNC);
    // Read-only: LMDB's reader table in lock.mdb guards a reader's pages against a writer, and
    // there is none while the caller holds DIR/LOCK; without it nothing in the folder changes.
    if (read_only) flags = MDB_NOTLS | MDB_RDONLY | MDB_NOLOCK;
    check_mdb(mdb_env_open(env_, dir.c_str(), flags, txlog::new_file_mode(dir)),
              fmt::format("opening the store in {}{}", dir, read_only ? " read-only" : ""));
    open_tables(dir, /*create=*/!read_only);
  } catch (...) {
    mdb_env_close(env_);
    throw;
  }
}

void LmdbEnv::open_tables(const std::string& dir, bool create) {
  MDB_txn* txn = nullptr;
  check_mdb(mdb_txn_begin(env_, nullptr, create ? 0 : MDB_RDONLY, &txn), "opening the store tables");
  auto open = [&](const char* name, MDB_dbi* dbi) {
    int rc = mdb_dbi_open(txn, name, create ? MDB_CREATE : 0, dbi);
    if (rc != 0) {
      mdb_txn_abort(txn);
      if (rc == MDB_NOTFOUND) throw Error(ErrorCode::kNotFound, fmt::format("the store in {} has no table {}", dir, name));
      check_mdb(rc, fmt::format("opening store table {}", name));
    }
  };
  open("meta", &tables_.meta);
  open("token_ids", &tables_.token_ids);
  open("token_names", &tables_.token_names);
  open("nodes", &tables_.nodes);
  open("relationships", &tables_.relationships);
  open("adjacency", &tables_.adjacency);
  open("label_index", &tables_.label_index);
  open("schema", &tables_.schema);
  open("key_index", &tables_.key_index);
  check_mdb(mdb_txn_commit(txn), "opening the store tables");
}

LmdbEnv::~LmdbEnv() { mdb_env_close(env_); }

void LmdbEnv::sync() { check_mdb_write(mdb_env_sync(env_, 1), "syncing the store", env_); }

std::optional<std::string_view> mdb_get(MDB_txn* txn, MDB_dbi dbi, std::string_view key) {
  MDB_val k = to_val(key);
  MDB_val v;
  int rc = ::mdb_get(txn, dbi, &k, &v);
  if (rc == MDB_NOTFOUND) return std::nullopt;
  check_mdb(rc, "reading the store");
  return from_val(v);
}

void mdb_put_value(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string_view value) {
  MDB_val k = to_val(key);
  MDB_val v = to_val(value);
  check_mdb(::mdb_put(txn, dbi, &k, &v, 0), "writing the store");
}

bool mdb_delete(MDB_txn* txn, MDB_dbi dbi, std::string_view key) {
  MDB_val k = to_val(key);
  int rc = ::mdb_del(txn, dbi, &k, nullptr);
  if (rc == MDB_NOTFOUND) return false;
  check_mdb(rc, "writing the store");
  return true;
}

Cursor::Cursor(MDB_txn* txn, MDB_dbi dbi) { check_mdb(mdb_cursor_open(txn, dbi, &cursor_), "opening a store cursor"); }
Cursor::~Cursor() { mdb_cursor_close(cursor_); }

bool Cursor::step(MDB_cursor_op op) {
  int rc = mdb_cursor_get(cursor_, &key_, &value_, op);
  if (rc == MDB_NOTFOUND) return false;
  check_mdb(rc, "reading the store");
  return true;
}

bool Cursor::seek(std::string_view key) {
  key_ = to_val(key);
  return step(MDB_SET_RANGE);
}
bool Cursor::first() { return step(MDB_FIRST); }
bool Cursor::next() { return step(MDB_NEXT); }

void append_be64(std::string& out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void append_be32(std::string& out, std::uint32_t v) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
std::uint64_t read_be64(std::string_view s) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(s[static_cast<std::size_t>(i)]);
  return v;
}
std::uint32_t read_be32(std::string_view s) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(s[static_cast<std::size_t>(i)]);
  return v;
}

}  // namespace txgraph::engine
