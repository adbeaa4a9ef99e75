// A thin layer over LMDB: the environment with txgraph's named tables, and error mapping.
// Nothing outside engine/ includes LMDB.
#pragma once

#include <lmdb.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace txgraph::engine {

// Throws txgraph::Error for a non-zero LMDB return code: MDB_MAP_FULL is kDiskFull (naming
// Options::map_size), MDB_CORRUPTED and MDB_PAGE_NOTFOUND are kCorruption, others kIo.
void check_mdb(int rc, std::string_view what);
// The same for a call that writes the store of `env` (a commit, a sync). A write that failed
// for want of room (ENOSPC; EIO or EFBIG, as LMDB reports a short write, on a file system
// that is nearly full: txlog/disk_space.h) is kDiskFull saying "disk full", the bytes free
// and the store's folder, and what to do; nothing committed before it is lost.
void check_mdb_write(int rc, std::string_view what, MDB_env* env);

// The tables of the store (LMDB named databases); the key and value layouts are in
// graph_store.h.
struct Tables {
  MDB_dbi meta = 0;
  MDB_dbi token_ids = 0;    // kind + name -> token id
  MDB_dbi token_names = 0;  // kind + token id -> name
  MDB_dbi nodes = 0;
  MDB_dbi relationships = 0;
  MDB_dbi adjacency = 0;
  MDB_dbi label_index = 0;
  MDB_dbi schema = 0;
  MDB_dbi key_index = 0;
};

class LmdbEnv {
 public:
  // Opens (creating) the environment in `dir`. `sync_data` false means MDB_NOSYNC (synced only
  // by sync()); true means MDB_NOMETASYNC (data pages synced at each commit). `read_only` opens
  // an existing store without writing any file, LMDB's lock file included (MDB_RDONLY,
  // MDB_NOLOCK): only for a caller that holds the database's lock (DIR/LOCK), so that no
  // process can write the store meanwhile; write transactions then fail.
  LmdbEnv(const std::string& dir, std::uint64_t map_size, bool sync_data, bool read_only = false);
  // Opens an existing environment read-only (MDB_RDONLY), for a reader that must never write
  // the store while another process may be writing it (StoreReader). Throws kNotFound for a
  // store without txgraph's tables.
  struct ReadOnly {};
  LmdbEnv(const std::string& dir, ReadOnly);
  ~LmdbEnv();
  LmdbEnv(const LmdbEnv&) = delete;
  LmdbEnv& operator=(const LmdbEnv&) = delete;

  MDB_env* env() const { return env_; }
  const Tables& tables() const { return tables_; }
  std::uint64_t map_size() const { return map_size_; }
  // Forces everything committed so far to disk.
  void sync();

 private:
  // Opens txgraph's tables in `dir`'s environment, creating missing ones when `create`;
  // without it a missing table is kNotFound naming it.
  void open_tables(const std::string& dir, bool create);

  MDB_env* env_ = nullptr;
  Tables tables_;
  std::uint64_t map_size_;
};

// Small helpers over one transaction.
inline MDB_val to_val(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }
inline std::string_view from_val(const MDB_val& v) { return {static_cast<const char*>(v.mv_data), v.mv_size}; }

std::optional<std::string_view> mdb_get(MDB_txn* txn, MDB_dbi dbi, std::string_view key);
void mdb_put_value(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string_view value);
// Returns false if the key was not there.
bool mdb_delete(MDB_txn* txn, MDB_dbi dbi, std::string_view key);

// A cursor that closes itself.
class Cursor {
 public:
  Cursor(MDB_txn* txn, MDB_dbi dbi);
  ~Cursor();
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  // Positions at the first key >= `key`; false at the end.
  bool seek(std::string_view key);
  bool first();
  bool next();
  std::string_view key() const { return from_val(key_); }
  std::string_view value() const { return from_val(value_); }

 private:
  bool step(MDB_cursor_op op);
  MDB_cursor* cursor_ = nullptr;
  MDB_val key_{};
  MDB_val value_{};
};

// Big-endian encodings keep LMDB's byte order equal to numeric order.
void append_be64(std::string& out, std::uint64_t v);
void append_be32(std::string& out, std::uint32_t v);
std::uint64_t read_be64(std::string_view s);
std::uint32_t read_be32(std::string_view s);

}  // namespace txgraph::engine
