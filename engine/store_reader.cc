// Read transactions on the store of a database this process has not opened
// (txgraph/database.h, StoreReader): a Database::Impl with only a read-only environment and
// the token names, and none of the writer's parts (no log, no lock, no batch, no background).
#include <fmt/format.h>

#include "engine/database_impl.h"
#include "engine/graph_store.h"
#include "engine/read_only_store.h"
#include "txgraph/database.h"

namespace txgraph {

StoreReader::StoreReader() = default;
StoreReader::~StoreReader() = default;

std::unique_ptr<StoreReader> StoreReader::open(const std::filesystem::path& dir) {
  engine::check_store_readable(dir);
  std::unique_ptr<StoreReader> reader(new StoreReader());
  reader->impl_ = std::make_unique<Database::Impl>();
  auto& impl = *reader->impl_;
  impl.dir = dir;
  impl.closed = false;
  impl.env = std::make_unique<engine::LmdbEnv>((dir / "store").string(), engine::LmdbEnv::ReadOnly{});
  detail::TxnState read(impl, false);
  auto uuid = engine::mdb_get(read.txn, impl.env->tables().meta, engine::kMetaUuid);
  if (!uuid)
    throw Error(ErrorCode::kCorruption, fmt::format("the store in {} has no database identity", (dir / "store").string()));
  impl.uuid_raw = std::string(*uuid);
  impl.tokens.load(read.txn, impl.env->tables());
  return reader;
}

ReadTransaction StoreReader::begin_read() const {
  auto state = std::make_unique<detail::TxnState>(*impl_, false);
  // The writer in another process may have named new labels, types or property keys since:
  // the names are read again with each transaction (they only ever grow).
  impl_->tokens.load(state->txn, impl_->env->tables());
  return ReadTransaction(std::move(state));
}

}  // namespace txgraph
