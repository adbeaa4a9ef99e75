// Opening and closing a database, the commit path, checkpoints and settings.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstring>

#include <fmt/format.h>

#include "engine/database_impl.h"
#include "engine/change_capture.h"
#include "engine/graph_store.h"
#include "engine/import_notices.h"
#include "engine/recovery.h"
#include "engine/settings.h"
#include "txlog/byte_codec.h"
#include "txlog/file.h"
#include "txlog/log_directory.h"
#include "txlog/retention_policy.h"
#include "txlog/segment_format.h"
#include "txlog/tx_record.h"

namespace txgraph {

namespace {

constexpr std::uint64_t kStoreFormatVersion = 1;

std::int64_t system_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// An exclusive lock on DIR/LOCK, held while the database is open: the log has one writer.
int lock_directory(const std::filesystem::path& dir) {
  std::string path = (dir / "LOCK").string();
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, txlog::new_file_mode(dir.string()));
  if (fd < 0)
    throw Error(ErrorCode::kIo, fmt::format("cannot open lock file {}: {}", path, std::strerror(errno)));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    throw Error(ErrorCode::kLocked, fmt::format("the database in {} is open in another process", dir.string()));
  }
  return fd;
}

// A new store is made in DIR/store.new, with the database's identity and settings, synced,
// and only then renamed to DIR/store. LMDB writes a new file's meta pages without syncing
// them, so a power cut while a store is being made in place can leave a DIR/store that LMDB
// refuses; this way it leaves at most a store.new, which the next open removes and makes
// anew. Nothing could be acknowledged before the open that makes the store returns.
void create_store(const std::filesystem::path& dir, const Options& options) {
  auto fresh = dir / "store.new";
  std::error_code ec;
  std::filesystem::remove_all(fresh, ec);
  if (ec) throw Error(ErrorCode::kIo, fmt::format("cannot remove {}: {}", fresh.string(), ec.message()));
  txlog::make_folder(fresh.string(), txlog::new_folder_mode(dir.string()));
  {
    engine::LmdbEnv env(fresh.string(), options.map_size, false);
    const auto& t = env.tables();
    MDB_txn* txn = nullptr;
    engine::check_mdb(mdb_txn_begin(env.env(), nullptr, 0, &txn), "creating the database");
    try {
      engine::mdb_put_value(txn, t.meta, engine::kMetaUuid, txlog::new_uuid());
      engine::write_meta_u64(txn, t, engine::kMetaFormatVersion, kStoreFormatVersion);
      engine::mdb_put_value(txn, t.meta, engine::kMetaSettings, engine::encode_settings(options.initial_settings));
      // A database created with enrichment on starts in generation 1.
      engine::write_meta_u64(txn, t, engine::kMetaEnrichment,
                             static_cast<std::uint64_t>(options.initial_settings.enrichment));
      engine::write_meta_u64(txn, t, engine::kMetaEnrichmentGeneration,
                             options.initial_settings.enrichment == EnrichmentMode::kOff ? 0 : 1);
    } catch (...) {
      mdb_txn_abort(txn);
      throw;
    }
    engine::check_mdb_write(mdb_txn_commit(txn), "creating the database", env.env());
    env.sync();
  }
  txlog::sync_directory(fresh.string());
  // What an earlier attempt may have left in DIR/store holds no data.mdb (or this is no new
  // database): nothing of a database.
  std::filesystem::remove_all(dir / "store", ec);
  txlog::rename_file(fresh.string(), (dir / "store").string());
  // The store is on disk, under its name, before the log that names its database is created.
  txlog::sync_directory(dir.string());
}

}  // namespace

void Database::Impl::refuse_if_read_only(std::string_view what) const {
  if (read_only)
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("{}: the database in {} is open read-only (Options::read_only)", what, dir.string()));
}

std::int64_t Database::Impl::now_us() const { return options.clock ? options.clock() : system_now_us(); }

void Database::Impl::release_store() {
  if (batch) batch->stop();
  batch.reset();
  log.reset();
  if (snapshot) snapshot->release();
  env.reset();
}

void Database::Impl::shutdown() {
  {
    std::lock_guard lock(background_mutex);
    stopping = true;
  }
  background_cv.notify_all();
  if (background.joinable()) background.join();
}

Database::Database(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::unique_ptr<Database> Database::open(const std::filesystem::path& dir, const Options& options) {
  engine::validate_settings(options.initial_settings);
  std::error_code ec;
  bool exists = std::filesystem::exists(dir / "store" / "data.mdb", ec);
  // exists() says false both for a file that is not there and for one it could not look for (a
  // folder it may not enter): only the first is no database.
  if (ec)
    throw Error(ErrorCode::kIo, fmt::format("cannot look for a database in {}: {}: {}", dir.string(),
                                            (dir / "store" / "data.mdb").string(), ec.message()));
  if (!exists && (!options.create_if_missing || options.read_only))
    throw Error(ErrorCode::kNotFound, fmt::format("there is no database in {}", dir.string()));
  if (!exists && std::filesystem::exists(dir / "txlog", ec) && !txlog::list_segments((dir / "txlog").string()).empty())
    throw Error(ErrorCode::kNotFound,
                fmt::format("{} holds log segments but no store ({} is missing); refusing to create a new database "
                            "over another database's log",
                            dir.string(), (dir / "store" / "data.mdb").string()));
  if (!exists) {
    // A new database is its owner's alone, or its group may read it too (Options::group_access);
    // every file and folder made in it later follows its folder (txlog::new_file_mode).
    unsigned mode = options.group_access ? 0750 : 0700;
    if (!dir.parent_path().empty()) std::filesystem::create_directories(dir.parent_path(), ec);
    if (ec) throw Error(ErrorCode::kIo, fmt::format("cannot create {}: {}", dir.parent_path().string(), ec.message()));
    if (!txlog::make_folder(dir.string(), mode) && ::chmod(dir.c_str(), mode) != 0)
      throw Error(ErrorCode::kIo, fmt::format("cannot set the mode of {}: {}", dir.string(), std::strerror(errno)));
  }
  txlog::make_folder((dir / "txlog").string(), txlog::new_folder_mode(dir.string()));

  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->options = options;
  impl->lock_fd = lock_directory(dir);
  // Read-only only when the last process that had the database open closed it cleanly (the
  // lock is held: no process has it open now): then the store holds everything the log does,
  // and nothing needs writing. Otherwise this open recovers, as any open does.
  impl->read_only = options.read_only && !std::filesystem::exists(dir / "store" / "OPEN", ec);
  try {
    if (!exists) create_store(dir, options);
    impl->snapshot = std::make_unique<engine::SnapshotPin>(dir / "store");
    if (exists && !impl->read_only) impl->rolled_back_at_open = impl->snapshot->restore_if_unclean() != 0;
    // Before anything is written: from here on the store may reuse the saved snapshot's pages.
    if (!options.power_loss_protection && !impl->read_only) impl->snapshot->disable();
    impl->env = std::make_unique<engine::LmdbEnv>((dir / "store").string(), options.map_size,
                                                  options.durability == Durability::kFull, impl->read_only);
    const auto& t = impl->env->tables();
    {
      // Identity and settings, which create_store() wrote.
      detail::TxnState s(*impl, false);
      auto uuid = engine::mdb_get(s.txn, t.meta, engine::kMetaUuid);
      if (!uuid)
        throw Error(ErrorCode::kCorruption,
                    fmt::format("the store in {} has no database identity", (dir / "store").string()));
      impl->uuid_raw = std::string(*uuid);
      auto version = engine::read_meta_u64(s.txn, t, engine::kMetaFormatVersion);
      if (version != kStoreFormatVersion)
        throw Error(ErrorCode::kUnsupportedFormat,
                    fmt::format("the store in {} has format version {}; this build reads version {}", dir.string(),
                                version, kStoreFormatVersion));
      auto stored = engine::mdb_get(s.txn, t.meta, engine::kMetaSettings);
      impl->settings = stored ? engine::decode_settings(*stored) : Settings{};
    }
    {
      detail::TxnState read(*impl, false);
      auto mode = engine::read_meta_u64(read.txn, t, engine::kMetaEnrichment);
      if (mode > static_cast<std::uint64_t>(EnrichmentMode::kFull))
        throw Error(ErrorCode::kCorruption, fmt::format("the store in {} names an unknown enrichment mode {}",
                                                        dir.string(), mode));
      impl->enrichment = static_cast<EnrichmentMode>(mode);
      impl->enrichment_generation = engine::read_meta_u64(read.txn, t, engine::kMetaEnrichmentGeneration);
      impl->tokens.load(read.txn, t);
    }
    // From here on the open writes to the store (the replay, recovery's catch-up, the
    // checkpoint): first the snapshot it opened on is pinned, and the store marked open, so
    // that a crash anywhere in the open, however often, rolls back to that snapshot again.
    if (!impl->read_only) {
      impl->snapshot->hold_opened(impl->env->env());
      impl->snapshot->mark_open();
      engine::recovery_step(engine::RecoveryStep::kSnapshotHeld);
    }
    impl->uuid_text = txlog::uuid_to_text(impl->uuid_raw);
    {
      MDB_stat stat;
      engine::check_mdb(mdb_env_stat(impl->env->env(), &stat), "reading the store's page size");
      impl->store_page_size = stat.ms_psize;
    }

    auto recovered = engine::recover(*impl);
    if (auto change = recovered.last_enrichment_change;
        change && (change->to != impl->enrichment.load() ||
                   change->generation != impl->enrichment_generation.load())) {
      if (impl->read_only)
        throw Error(ErrorCode::kNeedsRecovery, fmt::format("the store in {} lacks the log's last enrichment switch",
                                                           dir.string()));
      impl->store_enrichment(change->to, change->generation);
      engine::recovery_step(engine::RecoveryStep::kEnrichmentCaughtUp);
    }
    impl->last_committed_tx = recovered.last_tx;
    impl->visible_tx = recovered.last_tx;
    impl->replayed_at_open = recovered.replayed;
    impl->torn_bytes_cut_at_open = recovered.torn_bytes_cut;
    impl->last_checkpoint_tx = recovered.last_checkpoint_tx;
    impl->segments = std::move(recovered.segments);
    impl->last_checkpoint_time_us = recovered.last_checkpoint_time_us != 0 ? recovered.last_checkpoint_time_us : impl->now_us();

    if (impl->read_only) {
      // Nothing to write, so no log writer, checkpoint or checkpointer; only a cleanly closed
      // store gets here, and it owes the log no import notice.
      engine::append_pending_import_notice(*impl, recovered.last_import_notice);
      return std::unique_ptr<Database>(new Database(std::move(impl)));
    }
    txlog::LogWriterOptions log_options;
    log_options.dir = (dir / "txlog").string();
    log_options.database_uuid = impl->uuid_raw;
    log_options.rotation_size = impl->settings.rotation_size;
    log_options.enrichment_generation = impl->enrichment_generation.load();
    log_options.compression_level = impl->settings.log_compression_level;
    log_options.preallocate = impl->options.log_preallocate;
    Impl* raw = impl.get();
    log_options.now_us = [raw] { return raw->now_us(); };
    std::uint64_t next_number = 1;
    if (auto segs = txlog::list_segments(log_options.dir); !segs.empty()) next_number = segs.back().number + 1;
    impl->log = std::make_unique<txlog::LogWriter>(std::move(log_options), recovered.active_segment,
                                                   recovered.active_end, next_number, recovered.last_tx + 1);
    // Every open checkpoints: replayed transactions become durable in the store, and a
    // snapshot is pinned and saved before the first commit of this run.
    impl->checkpoint();
    engine::recovery_step(engine::RecoveryStep::kCheckpointed);
    // An import committed just before a crash may still owe the log its notice.
    engine::append_pending_import_notice(*impl, recovered.last_import_notice);
    // kFull syncs the store at every commit: it has no batches.
    if (options.durability != Durability::kFull && options.store_batch > 1) {
      engine::StoreBatch::Limits limits;
      limits.max_transactions = options.store_batch;
      limits.max_age = std::chrono::duration_cast<std::chrono::microseconds>(options.async_sync_interval);
      impl->batch = std::make_unique<engine::StoreBatch>(impl->env->env(), limits);
    }
    impl->background = std::thread([raw] { raw->background_loop(); });
  } catch (const Error& e) {
    impl->release_store();
    ::close(impl->lock_fd);
    // A read-only open found something to recover after all: open to recover, as any open does.
    if (impl->read_only && e.code() == ErrorCode::kNeedsRecovery) {
      Options recovering = options;
      recovering.read_only = false;
      recovering.create_if_missing = false;
      return open(dir, recovering);
    }
    throw;
  } catch (...) {
    impl->release_store();
    ::close(impl->lock_fd);
    throw;
  }
  return std::unique_ptr<Database>(new Database(std::move(impl)));
}

Database::~Database() {
  try {
    close();
  } catch (const Error&) {
    // Documented: errors at close are swallowed here. Nothing committed is lost: the log
    // holds every acknowledged transaction and recovery replays it at the next open.
  }
}

void Database::close() {
  if (!impl_ || impl_->closed.exchange(true)) return;
  {
    // Change readers waiting for a commit give up now.
    std::lock_guard lock(impl_->visible_mutex);
  }
  impl_->visible_cv.notify_all();
  impl_->shutdown();
  if (impl_->read_only) {
    // Nothing was written: nothing to checkpoint or sync, and the store was never marked open.
    impl_->release_store();
    ::close(impl_->lock_fd);
    return;
  }
  std::string error;
  try {
    // Always: store commits that bypass the log (settings, the enrichment mode) must be in the
    // synced, pinned snapshot before the store is marked clean.
    impl_->checkpoint();
    impl_->log->sync_to(impl_->log->written());
    impl_->log->trim_preallocated();
    // Only now is the shutdown clean: the next open need not roll back to the snapshot.
    impl_->snapshot->mark_clean();
  } catch (const Error& e) {
    error = e.what();
  }
  impl_->release_store();
  ::close(impl_->lock_fd);
  if (!error.empty())
    throw Error(ErrorCode::kIo, fmt::format("closing {}: {} (every acknowledged transaction is in the log and "
                                            "will be replayed at the next open)",
                                            impl_->dir.string(), error));
}

WriteTransaction Database::begin_write(TxInfo info) {
  if (impl_->closed) throw Error(ErrorCode::kTransactionClosed, "the database is closed");
  auto state = std::make_unique<detail::TxnState>(*impl_, true, /*batched=*/true);
  const auto& t = impl_->env->tables();
  state->info = std::move(info);
  state->start_time_us = impl_->now_us();
  state->capture_mode = impl_->enrichment.load();
  state->next_node_id = engine::read_meta_u64(state->txn, t, engine::kMetaNextNodeId, 1);
  state->next_relationship_id = engine::read_meta_u64(state->txn, t, engine::kMetaNextRelationshipId, 1);
  return WriteTransaction(std::move(state));
}

ReadTransaction Database::begin_read() const {
  if (impl_->closed) throw Error(ErrorCode::kTransactionClosed, "the database is closed");
  if (auto* batch = impl_->batch.get()) {
    // The store must hold every transaction committed before this call.
    if (impl_->writer_thread.load() == std::this_thread::get_id())
      throw Error(ErrorCode::kInvalidArgument,
                  "this thread has a write transaction open, and the commits before it may still be gathered "
                  "in a store batch (Options::store_batch), which a read transaction could not see: read "
                  "through the write transaction, or commit it first");
    if (batch->pending()) batch->flush();
    if (auto failure = batch->failure()) throw *failure;
  }
  return ReadTransaction(std::make_unique<detail::TxnState>(*impl_, false));
}

std::uint64_t WriteTransaction::commit() {
  if (!state_ || !state_->open)
    throw Error(ErrorCode::kTransactionClosed, "the transaction is already committed or aborted");
  auto& s = *state_;
  auto& db = *s.db;
  if (s.failed) {
    s.abort();
    throw Error(ErrorCode::kTransactionClosed, "the transaction failed half-way and was rolled back");
  }
  txlog::LogWriter::Position position = 0;
  std::uint64_t tx = 0;
  try {
    engine::check_keys_complete(s);
    if (s.op_count == 0) {
      // Nothing changed: no log record, no tx id.
      s.abort();
      return 0;
    }
    tx = db.last_committed_tx.load() + 1;
    const auto& t = db.env->tables();
    engine::write_meta_u64(s.txn, t, engine::kMetaLastAppliedTx, tx);
    engine::write_meta_u64(s.txn, t, engine::kMetaNextNodeId, s.next_node_id);
    engine::write_meta_u64(s.txn, t, engine::kMetaNextRelationshipId, s.next_relationship_id);
    if (s.node_delta != 0) {
      auto v = static_cast<std::int64_t>(engine::read_meta_u64(s.txn, t, engine::kMetaNodeCount)) + s.node_delta;
      engine::write_meta_u64(s.txn, t, engine::kMetaNodeCount, static_cast<std::uint64_t>(v));
    }
    if (s.relationship_delta != 0) {
      auto v = static_cast<std::int64_t>(engine::read_meta_u64(s.txn, t, engine::kMetaRelationshipCount)) +
               s.relationship_delta;
      engine::write_meta_u64(s.txn, t, engine::kMetaRelationshipCount, static_cast<std::uint64_t>(v));
    }

    txlog::TxHeader header;
    header.tx_id = tx;
    header.start_time_us = s.start_time_us;
    header.commit_time_us = db.now_us();
    header.capture_mode = s.capture_mode;
    // The transaction is ending: its info moves into the header instead of being copied.
    header.user = std::move(s.info.user);
    header.authenticated_user =
        s.info.authenticated_user.empty() ? header.user : std::move(s.info.authenticated_user);
    header.metadata = std::move(s.info.metadata);
    // "embedded" is what no connection type means, and costs the record nothing.
    if (s.info.connection_type != "embedded") header.connection_type = std::move(s.info.connection_type);
    header.connection_client = std::move(s.info.connection_client);
    header.connection_server = std::move(s.info.connection_server);
    header.op_count = s.op_count;
    std::string header_bytes;
    txlog::encode_tx_header(header_bytes, header);
    std::string enrichment_bytes;
    if (s.capture_mode != txlog::CaptureMode::kOff) {
      txlog::ByteWriter w(enrichment_bytes);
      txlog::encode_enrichment(w, engine::build_enrichment(s, db.enrichment_generation.load()));
    }
    std::string_view parts[] = {header_bytes, s.ops, enrichment_bytes};

    // 1. The record goes to the log (the OS has it: it survives kill -9 from here on).
    position = db.log->append(txlog::RecordType::kTransaction, parts, tx);
    db.note_segment_write(tx, header.commit_time_us);
    // With kFull the store syncs its data at commit, so the log must be durable first: the
    // store may never hold a transaction the log lost.
    if (db.options.durability == Durability::kFull) db.log->sync_to(position);
  } catch (...) {
    s.abort();
    throw;
  }
  // 2. The store commits, with last_applied_tx = tx in the same store transaction. If it
  // fails, the record is cut off the log again so that recovery cannot replay it.
  // With store batches (kLog, kAsync) the store transaction is nested in a batch, and this
  // commits it into the batch.
  int rc = mdb_txn_commit(s.txn);
  s.txn = nullptr;
  bool nested = s.nested;
  if (nested) {
    s.nested = false;
    db.batch->end_nested(rc == 0, tx, s.ops.size());
  }
  if (rc != 0) {
    db.log->undo_append(position);
    s.abort();
    engine::check_mdb_write(rc, fmt::format("committing transaction {}", tx), db.env->env());
  }
  if (!nested) db.unbatched_store_commits.fetch_add(1, std::memory_order_relaxed);
  s.tokens.publish();
  db.last_committed_tx = tx;
  s.open = false;
  s.release_writer();
  // 3. Outside the writer lock: wait for the sync, shared with every concurrent committer.
  if (db.options.durability == Durability::kLog) db.log->sync_to(position);
  // 4. Change readers may see it now: with kLog and kFull it is durable, with kAsync written.
  db.publish_visible(tx);
  auto since = ++db.commits_since_checkpoint;
  std::uint64_t every;
  {
    std::lock_guard lock(db.settings_mutex);
    every = db.settings.checkpoint_interval_tx;
  }
  // Wake the checkpointer when a trigger fires; it checks every second anyway. A committer
  // that outruns it (the store grown by twice the trigger: with kAsync, commits are faster
  // than a checkpoint's syncs) checkpoints itself, so the store file stays bounded.
  bool wake = every != 0 && since == every;
  if (since % 16 == 0) {
    std::uint64_t grown = db.store_growth_bytes();
    if (grown >= 2 * db.options.checkpoint_store_growth)
      db.checkpoint_for_store_growth();
    else if (grown >= db.options.checkpoint_store_growth)
      wake = true;
  }
  if (wake) db.background_cv.notify_all();
  return tx;
}

void Database::Impl::publish_visible(std::uint64_t tx) {
  // Commits can finish their syncs out of order; the position only moves forward, and every
  // transaction before `tx` is synced too (the log is synced in order).
  std::uint64_t seen = visible_tx.load();
  while (seen < tx && !visible_tx.compare_exchange_weak(seen, tx)) {
  }
  if (visible_waiters.load() == 0) return;
  // Taking the mutex orders this notify after a waiter's check of visible_tx.
  { std::lock_guard lock(visible_mutex); }
  visible_cv.notify_all();
}

Database::LogVisibility Database::log_visibility() const {
  // Mode and generation first: a switch that lands between the reads can only make the
  // reader stop at the switch record, never read a record of the new mode as the old one.
  LogVisibility v;
  v.enrichment = impl_->enrichment.load();
  v.enrichment_generation = impl_->enrichment_generation.load();
  v.visible_tx = impl_->visible_tx.load();
  return v;
}

bool Database::wait_for_commit_after(std::uint64_t tx, std::chrono::steady_clock::time_point deadline) const {
  auto& db = *impl_;
  if (db.visible_tx.load() > tx) return true;
  std::unique_lock lock(db.visible_mutex);
  ++db.visible_waiters;
  db.visible_cv.wait_until(lock, deadline, [&] { return db.visible_tx.load() > tx || db.closed.load(); });
  --db.visible_waiters;
  if (db.visible_tx.load() > tx) return true;
  // A waiter that went on waiting on a closed database would never be woken again.
  if (db.closed.load()) throw Error(ErrorCode::kTransactionClosed, "the database was closed while waiting for a commit");
  return false;
}

std::uint64_t Database::checkpoint() {
  if (impl_->closed) throw Error(ErrorCode::kTransactionClosed, "the database is closed");
  impl_->refuse_if_read_only("checkpoint");
  if (impl_->writer_thread.load() == std::this_thread::get_id())
    throw Error(ErrorCode::kInvalidArgument, "checkpoint() waits for the writer; commit or abort this thread's "
                                             "write transaction first");
  return impl_->checkpoint();
}

void Database::sync_log() const {
  if (impl_->closed) throw Error(ErrorCode::kTransactionClosed, "the database is closed");
  if (impl_->log && impl_->options.durability == Durability::kAsync) impl_->log->sync_to(impl_->log->written());
}

void Database::Impl::store_enrichment(EnrichmentMode mode, std::uint64_t generation) {
  detail::TxnState s(*this, true);
  const auto& t = env->tables();
  engine::write_meta_u64(s.txn, t, engine::kMetaEnrichment, static_cast<std::uint64_t>(mode));
  engine::write_meta_u64(s.txn, t, engine::kMetaEnrichmentGeneration, generation);
  s.commit_store("storing the enrichment mode");
  // The generation first: readers take the mode first (log_visibility), so they never see
  // the new mode with the old generation.
  enrichment_generation = generation;
  enrichment = mode;
}

void Database::set_enrichment(EnrichmentMode mode) {
  if (impl_->closed) throw Error(ErrorCode::kTransactionClosed, "the database is closed");
  auto& db = *impl_;
  detail::TxnState s(db, true);  // waits for the open write transaction, if any
  EnrichmentMode from = db.enrichment.load();
  if (from == mode) return;
  std::uint64_t generation = db.enrichment_generation.load() + (from == EnrichmentMode::kOff ? 1 : 0);
  txlog::EnrichmentChangeRecord record{from, mode, generation, db.last_committed_tx.load() + 1, db.now_us()};
  std::string payload = txlog::encode_enrichment_change(record);
  std::string_view parts[] = {payload};
  const auto& t = db.env->tables();
  engine::write_meta_u64(s.txn, t, engine::kMetaEnrichment, static_cast<std::uint64_t>(mode));
  engine::write_meta_u64(s.txn, t, engine::kMetaEnrichmentGeneration, generation);
  // Log first, then the store, as for a transaction: after a crash between the two, recovery
  // takes the switch from the log.
  auto position = db.log->append(txlog::RecordType::kEnrichmentChange, parts, record.next_tx);
  int rc = mdb_txn_commit(s.txn);
  s.txn = nullptr;
  if (rc != 0) {
    db.log->undo_append(position);
    engine::check_mdb_write(rc, "storing the enrichment mode", db.env->env());
  }
  db.enrichment_generation = generation;  // before the mode: see store_enrichment
  db.enrichment = mode;
  db.log->set_enrichment_generation(generation);
  s.release_writer();
  db.log->sync_to(position);
}

DatabaseStatus Database::status() const {
  DatabaseStatus st;
  st.uuid = impl_->uuid_text;
  st.last_committed_tx = impl_->last_committed_tx.load();
  st.last_checkpoint_tx = impl_->last_checkpoint_tx.load();
  st.last_checkpoint_time_us = impl_->last_checkpoint_time_us.load();
  st.replayed_at_open = impl_->replayed_at_open;
  st.torn_bytes_cut_at_open = impl_->torn_bytes_cut_at_open;
  st.rolled_back_at_open = impl_->rolled_back_at_open;
  {
    std::lock_guard lock(impl_->settings_mutex);
    st.settings = impl_->settings;
  }
  st.settings.enrichment = impl_->enrichment.load();
  st.segments_pruned = impl_->segments_pruned.load();
  st.log_syncs = impl_->log ? impl_->log->sync_count() : 0;
  st.read_only = impl_->read_only;
  st.store_commits = impl_->unbatched_store_commits.load() + (impl_->batch ? impl_->batch->commits() : 0);
  {
    std::lock_guard lock(impl_->settings_mutex);
    st.last_prune_error = impl_->last_prune_error;
  }
  st.enrichment_generation = impl_->enrichment_generation.load();
  if (auto* batch = impl_->batch.get()) {
    // The counts include the commits gathered in a store batch when they can: not from the
    // writer's own thread (it would wait for itself), nor after a batch failed, which is
    // reported instead, so that a database in that state can still be looked at.
    if (impl_->writer_thread.load() != std::this_thread::get_id() && batch->pending()) {
      try {
        batch->flush();
      } catch (const Error&) {
      }
    }
    if (auto failure = batch->failure()) st.store_error = failure->what();
  }
  {
    ReadTransaction read(std::make_unique<detail::TxnState>(*impl_, false));
    st.node_count = read.node_count();
    st.relationship_count = read.relationship_count();
  }
  {
    detail::TxnState read(*impl_, false);
    st.imports = engine::load_imports(read);
  }
  for (const auto& seg : txlog::list_segments((impl_->dir / "txlog").string())) {
    SegmentInfo info;
    info.number = seg.number;
    info.file_name = std::filesystem::path(seg.path).filename().string();
    info.bytes = seg.bytes;
    try {
      std::string head(txlog::kSegmentHeaderSize, '\0');
      txlog::File f(seg.path, txlog::File::Mode::kRead);
      head.resize(f.read_at(0, head.data(), head.size()));
      txlog::SegmentHeader h;
      if (txlog::decode_segment_header(head, &h) == txlog::HeaderStatus::kOk) info.first_tx = h.first_tx;
    } catch (const Error&) {
    }
    st.segments.push_back(std::move(info));
  }
  return st;
}

const std::string& Database::uuid() const { return impl_->uuid_text; }
const std::filesystem::path& Database::dir() const { return impl_->dir; }

}  // namespace txgraph
