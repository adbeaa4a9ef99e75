// RocksDB in the peers benchmark: one Put per transaction (the row's JSON under a zero-padded
// key), the WAL kept (WAL_ttl_seconds) so that GetUpdatesSince can read the changes back.
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/transaction_log.h>
#include <rocksdb/write_batch.h>

#include <charconv>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "bench/bench_support.h"
#include "bench/peers/peers.h"

namespace txgraph::bench::peers {
namespace {

void check(const rocksdb::Status& s, const char* what) {
  if (!s.ok()) throw std::runtime_error(fmt::format("rocksdb {}: {}", what, s.ToString()));
}

rocksdb::Options rocksdb_options() {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.WAL_ttl_seconds = 3600;  // keep the WAL for GetUpdatesSince
  options.WAL_size_limit_MB = 1024;
  return options;
}

std::unique_ptr<rocksdb::DB> open(const fs::path& dir) {
  rocksdb::DB* raw = nullptr;
  check(rocksdb::DB::Open(rocksdb_options(), dir.string(), &raw), "open");
  return std::unique_ptr<rocksdb::DB>(raw);
}

// Calls `on_put` with the row id of every Put in a WAL batch.
struct PutIds : rocksdb::WriteBatch::Handler {
  std::function<void(std::int64_t)> on_put;
  std::uint64_t puts = 0;
  void Put(const rocksdb::Slice& key, const rocksdb::Slice&) override {
    ++puts;
    std::int64_t id = -1;
    if (on_put && key.size() > 2) std::from_chars(key.data() + 2, key.data() + key.size(), id);
    if (on_put) on_put(id);
  }
};

std::string label(bool durable) {
  return fmt::format("RocksDB, WAL {}, GetUpdatesSince", durable ? "synced" : "not synced");
}

std::uint64_t count_keys(rocksdb::DB& db) {
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions()));
  std::uint64_t keys = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++keys;
  check(it->status(), "iterate");
  return keys;
}

}  // namespace

CommitFigures rocksdb_commits(const fs::path& dir, bool durable, const CommitPlan& plan) {
  CommitFigures f;
  f.system = label(durable);
  f.short_name = fmt::format("RocksDB {}", durable ? "sync" : "no sync");
  f.durable = durable;
  f.writers = plan.writers;
  auto db = open(dir);
  rocksdb::WriteOptions write;
  write.sync = durable;
  WriterRun run = run_writers(plan, [&](int, std::int64_t id) {
    check(db->Put(write, row_key(id), row_json(id, "someone", note(id))), "put");
  });
  f.transactions = run.transactions;
  f.seconds = run.seconds;
  std::unique_ptr<rocksdb::TransactionLogIterator> it;
  auto start = Clock::now();
  check(db->GetUpdatesSince(0, &it), "GetUpdatesSince");
  PutIds count;
  for (; it->Valid(); it->Next()) it->GetBatch().writeBatchPtr->Iterate(&count);
  f.changes_read_per_s = count.puts / seconds_since(start);
  if (count.puts != f.transactions)
    throw std::runtime_error(fmt::format("{}: read {} of {} changes", f.system, count.puts, f.transactions));
  it.reset();
  db.reset();
  f.bytes_per_tx = static_cast<double>(folder_bytes(dir)) / f.transactions;
  std::uint64_t wal = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".log") wal += e.file_size();
  f.log_bytes_per_tx = static_cast<double>(wal) / f.transactions;
  return f;
}

LatencyFigures rocksdb_follow(const fs::path& dir, bool durable, const FollowPlan& plan) {
  auto db = open(dir);
  rocksdb::WriteOptions write;
  write.sync = durable;
  LatencyFigures f = measure_follow(
      plan, [&](std::int64_t id) { check(db->Put(write, row_key(id), row_json(id, "someone", note(id))), "put"); },
      [&](const std::function<void(std::int64_t)>& seen, std::atomic<bool>& ready, const std::atomic<bool>& stop) {
        rocksdb::SequenceNumber last = db->GetLatestSequenceNumber();
        PutIds ids;
        ids.on_put = seen;
        ready = true;
        while (!stop.load()) {
          if (db->GetLatestSequenceNumber() <= last) {
            std::this_thread::sleep_for(plan.poll);
            continue;
          }
          std::unique_ptr<rocksdb::TransactionLogIterator> it;
          check(db->GetUpdatesSince(last + 1, &it), "GetUpdatesSince");
          for (; it->Valid(); it->Next()) {
            auto batch = it->GetBatch();
            if (batch.sequence <= last) continue;  // the iterator starts at the batch holding last + 1
            batch.writeBatchPtr->Iterate(&ids);
            last = batch.sequence + batch.writeBatchPtr->Count() - 1;
          }
        }
      });
  db.reset();
  f.system = label(durable);
  f.short_name = fmt::format("RocksDB {}", durable ? "sync" : "no sync");
  f.consumer = fmt::format("polls GetLatestSequenceNumber, then GetUpdatesSince, {} µs apart when idle",
                           plan.poll.count());
  return f;
}

ImportFigures rocksdb_import(const fs::path& dir, const fs::path& csv, std::int64_t rows, const std::string& method) {
  ImportFigures f;
  f.system = "RocksDB";
  f.method = method;
  f.transactional_system = label(true);
  auto db = open(dir);
  auto start = Clock::now();
  if (method == "WriteBatch") {
    f.short_name = "RocksDB WriteBatch";
    f.method = "WriteBatch of 10 000 rows each, the last write synced";
    f.captured = true;  // the batches go through the WAL: GetUpdatesSince returns them
    rocksdb::WriteBatch batch;
    rocksdb::WriteOptions unsynced;
    for_each_csv_row(csv, [&](std::int64_t id, std::string_view name, std::string_view note_text) {
      batch.Put(row_key(id), row_json(id, std::string(name), std::string(note_text)));
      if (batch.Count() == 10000) {
        check(db->Write(unsynced, &batch), "write");
        batch.Clear();
      }
    });
    rocksdb::WriteOptions synced;
    synced.sync = true;
    check(db->Write(synced, &batch), "write");
  } else {
    f.short_name = "RocksDB SST ingest";
    f.method = "SstFileWriter (one sorted file), then IngestExternalFile";
    f.captured = false;  // an ingested file never passes the WAL
    rocksdb::SstFileWriter writer(rocksdb::EnvOptions(), rocksdb_options());
    const std::string file = (dir / "bulk.sst").string();
    check(writer.Open(file), "SstFileWriter::Open");
    for_each_csv_row(csv, [&](std::int64_t id, std::string_view name, std::string_view note_text) {
      check(writer.Put(row_key(id), row_json(id, std::string(name), std::string(note_text))), "SstFileWriter::Put");
    });
    check(writer.Finish(), "SstFileWriter::Finish");
    rocksdb::IngestExternalFileOptions ingest;
    ingest.move_files = true;
    check(db->IngestExternalFile({file}, ingest), "IngestExternalFile");
  }
  f.seconds = seconds_since(start);
  f.rows = count_keys(*db);
  db.reset();
  if (f.rows != static_cast<std::uint64_t>(rows))
    throw std::runtime_error(fmt::format("rocksdb import: {} of {} rows", f.rows, rows));
  f.bytes_per_row = static_cast<double>(folder_bytes(dir)) / f.rows;
  return f;
}

}  // namespace txgraph::bench::peers
