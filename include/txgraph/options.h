// txgraph/options.h — how a database is opened.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace txgraph {

// When commit() returns, and what each choice survives.
enum class Durability : std::uint8_t {
  // commit() returns once the log record is written to the operating system, before it is
  // synced; a background flusher syncs every `async_sync_interval`. A process crash (kill -9)
  // loses nothing; a power cut loses the transactions committed since the last sync.
  kAsync = 0,
  // Default. commit() returns after the log record is fdatasync'ed; concurrent committers share
  // one fdatasync (group commit). Survives kill -9. The store itself is written without syncs
  // (LMDB MDB_NOSYNC) and synced at checkpoints; see docs/durability.md, "Power loss".
  kLog = 1,
  // kLog plus LMDB syncing its data pages at each commit (MDB_NOMETASYNC): the store is never
  // left unreadable by a power cut, at roughly twice the syncs per commit.
  kFull = 2,
};

// What the log records about each transaction beyond what recovery needs (docs/log.md):
//   kOff  - only the redo operations; change data capture cannot read the transaction.
//   kDiff - per changed entity: element id, labels, keys, relationship type and endpoints,
//           and before/after values of only what changed.
//   kFull - the complete before and after state of every changed entity.
// Persistent: never renumber.
enum class EnrichmentMode : std::uint8_t { kOff = 0, kDiff = 1, kFull = 2 };

// Microseconds since the Unix epoch. Tests inject a clock to run simulated time.
using Clock = std::function<std::int64_t()>;

// Settings stored in the database: they survive reopen and can be changed while it is open
// (Database::set_setting, `txgraph set`).
struct Settings {
  // Enrichment of the log (see EnrichmentMode). Default kOff. Switch online with
  // Database::set_enrichment; every switch from kOff to kDiff/kFull starts a new enrichment
  // generation, and change positions from before it are no longer valid. More enrichment means
  // more log bytes per transaction and a little more work at commit.
  EnrichmentMode enrichment = EnrichmentMode::kOff;

  // A log segment is closed and a new one started once it passes this many bytes. Default
  // 64 MiB. A transaction is never split, so a segment may end larger by one transaction.
  // Smaller segments prune at a finer grain; each rotation costs two syncs.
  std::uint64_t rotation_size = 64ull << 20;

  // Checkpoint when this much time has passed since the last one... Default 15 minutes.
  // A checkpoint syncs the store, so recovery after a crash replays only the log after it;
  // a longer interval means fewer store syncs and a longer replay at open.
  std::chrono::milliseconds checkpoint_interval_time{15 * 60 * 1000};

  // ...or when this many transactions have committed since the last one, whichever comes
  // first. Default 100000. 0 turns the count trigger off.
  std::uint64_t checkpoint_interval_tx = 100000;

  // zstd level for log records, 1 (fastest) to 19; 0 writes records uncompressed. Default 3.
  // Records are compressed as one stream per segment, flushed at every record, so a small
  // transaction compresses against the ones before it; a restart point every 256 KiB bounds
  // how far back a reader starting mid-segment must decode (txlog/FORMAT.md).
  int log_compression_level = 3;

  // ...or when this many bytes of log have been written since the last one. Default 250 MiB.
  // 0 turns the volume trigger off. Bounds the replay at open by size as the others do by
  // time and count.
  std::uint64_t checkpoint_interval_volume = 250ull << 20;

  // Which log segments are kept after a checkpoint, in Neo4j's grammar: "keep_all",
  // "keep_none", "N files", "N size", "N txs", "N hours [SIZE]", "N days [SIZE]" (K/M/G
  // suffixes; "2G 1Day" is "1 days 2G"). Default "2 days". Pruning never removes the active
  // segment, a segment holding transactions after the last checkpoint, or the newest segment
  // with transactions; how far back change capture can read is bounded by this policy.
  std::string retention_policy = "2 days";
};

struct Options {
  // Create the database if `dir` holds none. Default true. With false, opening a folder with
  // no database is Error(kNotFound).
  bool create_if_missing = true;

  // Open to read only, for tools that inspect (`txgraph show`, `txgraph export`). Default
  // false. A database that was closed cleanly is then opened without writing any of its files:
  // the store is opened read-only, and there is no checkpoint at open or close, no log writer
  // and no background checkpointer; every call that would write (begin_write, checkpoint,
  // set_setting, set_enrichment, import) throws kInvalidArgument. A database that was not
  // closed cleanly (Database::needs_recovery) is recovered as any open recovers it, crash-safely,
  // and stays open for writing; so is one whose log holds what its store lacks. Never creates
  // a database (as create_if_missing = false).
  bool read_only = false;

  // See Durability. Default kLog. Can differ between opens of the same database.
  Durability durability = Durability::kLog;

  // With kAsync: how often the background flusher syncs the log. Default 50 ms. A power cut
  // loses at most about this much committed work.
  std::chrono::milliseconds async_sync_interval{50};

  // With kLog and kAsync: how many transactions may share one store (LMDB) commit. Default
  // 4096; 1 commits the store at every transaction, as kFull always does. The log makes each
  // transaction durable (kLog) or crash-safe (kAsync) by itself, so the store need not commit
  // each one alone; small transactions change mostly the same pages, so sharing a commit
  // writes them once. Larger batches are faster, since writers wait while a batch commits. A
  // batch reaches the store when it holds this many transactions, 8 MiB of changes, or has
  // waited async_sync_interval, whenever a read transaction begins, and before any other
  // store write (a checkpoint, a setting, an import, an enrichment switch).
  // The trade-offs:
  //  - Database::begin_read waits for the batch to reach the store, and for the write
  //    transaction open at that moment, if any, to end.
  //  - A thread that has a write transaction open cannot begin a read transaction
  //    (Error kInvalidArgument); read through the write transaction instead.
  //  - Never wait, with a write transaction open, for another thread that begins a read
  //    transaction (a listener's callback that reads, say): it waits for you.
  //  - Another process reading the store file directly (the `txgraph log` verbs read its
  //    last applied transaction) sees a commit once its batch is written: about
  //    async_sync_interval later, or once the write transaction open then ends. Change
  //    capture is not delayed: it reads the log.
  //  - A crash or a power cut loses nothing more than with 1: the log holds every committed
  //    transaction and the next open replays those the store lacks. If writing a batch fails
  //    (a full disk), the database refuses reads and writes with that error until it is
  //    reopened, which replays the batch from the log.
  // What batches gain is measured in bench/results (docs/durability.md, "Store batches").
  std::uint32_t store_batch = 4096;

  // Write zeros up to 128 KiB ahead of the end of the active log segment (default true), so
  // that the fdatasync of a commit overwrites space the file already has and need not persist
  // a new file size (on ext4 that skips a journal commit per sync). The cost: the active
  // segment file is up to 128 KiB larger than its records until a clean close or a rotation
  // cuts it back. A crash leaves the zeros, which readers take for the end of the log and
  // recovery cuts off. On a copy-on-write file system (btrfs, ZFS) an overwrite is not in
  // place and this gains nothing: turn it off.
  bool log_preallocate = true;

  // Who may read a database this open creates. Default false: its folders are 0700 and its
  // files 0600, the owner's alone, whatever the umask (like a PostgreSQL data directory).
  // True: 0750 and 0640, so that the folder's group may read it (a backup, `txgraph log` or
  // `txgraph cdc` run by another user of that group). An existing database keeps what its
  // folders give: every file or folder made later gets the group's read access only if the
  // folder it is made in has it.
  bool group_access = false;

  // Persistent settings for a database this open creates; an existing database keeps the
  // ones stored in it (change them with Database::set_setting).
  Settings initial_settings;

  // Keep the store readable after a power cut (default true): each checkpoint pins the synced
  // snapshot until the next one and saves its meta page, and an unclean open rolls the store
  // back to it before replaying the log (docs/durability.md, "Power loss"). The cost: the store
  // cannot reuse pages between checkpoints, so every store commit writes new pages that the
  // next checkpoint must sync, and the store file carries up to about twice
  // checkpoint_store_growth of them beyond its live data. With false, pages are reused at once
  // and small commits are faster; kill -9 still loses nothing, but a power cut or kernel crash
  // can leave the store unreadable (durability kFull avoids that without a pin).
  bool power_loss_protection = true;

  // Checkpoint also when the transactions since the last one have freed this many bytes of
  // store pages (power_loss_protection only). Default 64 MiB. Between checkpoints the store
  // cannot reuse the pages of the checkpointed snapshot (that is what keeps it readable after
  // a power cut), so it grows by what transactions rewrite; after the
  // checkpoint the next interval reuses them. The file so stays within about twice this above
  // its live data, at the cost of a checkpoint per this much rewritten data. A commit that
  // finds twice this freed (the checkpointer late, as with fast kAsync commits) takes the
  // checkpoint itself before it returns.
  std::uint64_t checkpoint_store_growth = 64ull << 20;

  // Upper bound on the store file (LMDB map size). Default 64 GiB of address space; the file
  // grows only as data is written. A full map is Error(kDiskFull) naming this option; nothing
  // committed is lost, reopen with a larger value.
  std::uint64_t map_size = 64ull << 30;

  // Time source for commit times and checkpoint intervals, in microseconds since the epoch.
  // Default: the system clock. Called from the committing threads and the background thread
  // at once: it must be safe to call concurrently.
  Clock clock;
};

}  // namespace txgraph
