#include "engine/recovery.h"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "engine/graph_store.h"
#include "txlog/log_directory.h"
#include "txlog/segment_reader.h"
#include "txlog/tx_record.h"

namespace txgraph::engine {

namespace {

using txlog::SegmentReader;

// Replayed transactions are applied in batches, one LMDB transaction each, so a long replay
// does not pay a store commit per transaction. A crash mid-replay loses nothing: the log
// still holds every record after the store's last_applied_tx.
constexpr std::uint64_t kReplayBatch = 1000;

// A read-only open (Options::read_only) writes nothing: what recovery would write sends the
// open back to a read-write one (Database::open).
void stop_if_read_only(const Database::Impl& db, std::string_view what) {
  if (db.read_only)
    throw Error(ErrorCode::kNeedsRecovery, fmt::format("the database in {} needs recovery: {}", db.dir.string(), what));
}

class Replayer {
 public:
  explicit Replayer(Database::Impl& db) : db_(db) {}
  ~Replayer() { state_.reset(); }

  void apply(const txlog::TxRecord& record) {
    if (db_.read_only)
      stop_if_read_only(db_, fmt::format("its log holds transaction {}, which its store lacks", record.header.tx_id));
    if (!state_) {
      state_ = std::make_unique<detail::TxnState>(db_, true);
      const auto& t = db_.env->tables();
      state_->next_node_id = read_meta_u64(state_->txn, t, kMetaNextNodeId, 1);
      state_->next_relationship_id = read_meta_u64(state_->txn, t, kMetaNextRelationshipId, 1);
    }
    for (const auto& op : record.ops) apply_redo(*state_, op);
    last_tx_ = record.header.tx_id;
    if (++pending_ >= kReplayBatch) flush();
  }

  void flush() {
    if (!state_) return;
    auto& s = *state_;
    const auto& t = db_.env->tables();
    write_meta_u64(s.txn, t, kMetaLastAppliedTx, last_tx_);
    write_meta_u64(s.txn, t, kMetaNextNodeId, s.next_node_id);
    write_meta_u64(s.txn, t, kMetaNextRelationshipId, s.next_relationship_id);
    auto adjust = [&](std::string_view key, std::int64_t delta) {
      auto v = static_cast<std::int64_t>(read_meta_u64(s.txn, t, key)) + delta;
      write_meta_u64(s.txn, t, key, static_cast<std::uint64_t>(v));
    };
    adjust(kMetaNodeCount, s.node_delta);
    adjust(kMetaRelationshipCount, s.relationship_delta);
    s.commit_store("committing replayed transactions");
    recovery_step(RecoveryStep::kBatchReplayed);
    s.tokens.publish();
    state_.reset();
    pending_ = 0;
  }

 private:
  Database::Impl& db_;
  std::unique_ptr<detail::TxnState> state_;
  std::uint64_t pending_ = 0;
  std::uint64_t last_tx_ = 0;
};

[[noreturn]] void damaged(const std::string& path, std::uint64_t offset, std::string_view what) {
  throw Error(ErrorCode::kCorruption,
              fmt::format("log segment {} is damaged at offset {}: {}. The records after it cannot be trusted; "
                          "run `txgraph log verify` for details",
                          path, offset, what));
}

std::function<void(RecoveryStep)>& recovery_hook() {
  static std::function<void(RecoveryStep)> hook;
  return hook;
}

}  // namespace

void set_recovery_hook(std::function<void(RecoveryStep)> hook) { recovery_hook() = std::move(hook); }

void recovery_step(RecoveryStep step) {
  if (auto& hook = recovery_hook()) hook(step);
}

RecoveryResult recover(Database::Impl& db) {
  RecoveryResult result;
  std::uint64_t last_applied = 0;
  {
    detail::TxnState read(db, false);
    last_applied = read_meta_u64(read.txn, db.env->tables(), kMetaLastAppliedTx);
  }
  result.last_tx = last_applied;

  std::string log_dir = (db.dir / "txlog").string();
  auto segments = txlog::list_segments(log_dir);
  Replayer replayer(db);
  std::uint64_t expected_tx = 0;  // the tx id the next record must carry; 0: not known yet
  txlog::Frame frame;

  for (std::size_t i = 0; i < segments.size(); ++i) {
    const auto& seg = segments[i];
    bool last_segment = i + 1 == segments.size();
    SegmentReader reader(seg.path);
    if (reader.header_status() != txlog::HeaderStatus::kOk) {
      // A crash while a new segment was being created leaves a last segment whose header was
      // never completed; it holds no record, so removing it loses nothing.
      bool torn_header = reader.header_status() == txlog::HeaderStatus::kTooShort ||
                         (reader.header_status() == txlog::HeaderStatus::kBadChecksum &&
                          reader.file_size() <= txlog::kSegmentHeaderSize);
      if (last_segment && torn_header) {
        stop_if_read_only(db, fmt::format("log segment {} has an incomplete header", seg.path));
        txlog::remove_file(seg.path);
        txlog::sync_directory(log_dir);
        continue;
      }
      if (reader.header_status() == txlog::HeaderStatus::kUnsupportedVersion)
        throw Error(ErrorCode::kUnsupportedFormat,
                    fmt::format("log segment {} has a format this build cannot read", seg.path));
      damaged(seg.path, 0, txlog::header_status_text(reader.header_status()));
    }
    const auto& header = reader.header();
    if (header.database_uuid != db.uuid_raw)
      throw Error(ErrorCode::kWrongDatabase,
                  fmt::format("log segment {} belongs to database {}, not to this database {}; move it out of {}",
                              seg.path, txlog::uuid_to_text(header.database_uuid), db.uuid_text, log_dir));
    if (header.segment_number != seg.number)
      damaged(seg.path, 0, fmt::format("the header says segment {}", header.segment_number));
    if (result.active_segment != 0 && seg.number != result.active_segment + 1)
      throw Error(ErrorCode::kCorruption, fmt::format("log segment {} is missing: segment {} follows segment {} in {}",
                                                      result.active_segment + 1, seg.number, result.active_segment,
                                                      log_dir));
    if (expected_tx == 0) expected_tx = header.first_tx;
    result.active_segment = seg.number;
    txlog::SegmentSummary summary;
    summary.number = seg.number;
    summary.last_commit_us = header.created_us;

    for (;;) {
      auto next = reader.next(&frame);
      if (next == SegmentReader::Next::kEnd) {
        // Zeros after the last record: the writer's preallocated space, which it overwrites
        // as it goes on. A closed segment was cut back to its last record.
        if (reader.tail_is_zeros() && !last_segment)
          damaged(seg.path, reader.valid_end(), "zeros after the last record in a segment that is not the last");
        break;
      }
      if (next == SegmentReader::Next::kTornTail) {
        if (!last_segment) damaged(seg.path, reader.valid_end(), "the segment ends in the middle of a record");
        // The writer died mid-append: that record was never acknowledged. Cut it off.
        stop_if_read_only(db, fmt::format("log segment {} ends in an incomplete record", seg.path));
        result.torn_bytes_cut = reader.file_size() - reader.valid_end();
        txlog::File file(seg.path, txlog::File::Mode::kReadWrite);
        file.truncate(reader.valid_end());
        file.sync();
        recovery_step(RecoveryStep::kTornTailCut);
        break;
      }
      if (next == SegmentReader::Next::kCorrupt) damaged(seg.path, reader.problem_offset(), reader.problem());
      if (frame.type == txlog::RecordType::kTransaction) {
        std::uint64_t tx = txlog::peek_tx_id(frame.payload);
        if (tx != expected_tx)
          damaged(seg.path, frame.offset,
                  fmt::format("transaction {} where transaction {} should follow", tx, expected_tx));
        expected_tx = tx + 1;
        if (tx > last_applied) {
          if (tx != result.last_tx + 1)
            throw Error(ErrorCode::kCorruption,
                        fmt::format("the log starts at transaction {} but the store holds transactions only up to "
                                    "{}: log segments are missing from {}",
                                    tx, result.last_tx, log_dir));
          replayer.apply(txlog::decode_tx_record(frame.payload, /*with_enrichment=*/false));
          ++result.replayed;
        }
        if (tx > result.last_tx) result.last_tx = tx;
        if (summary.first_tx == 0) summary.first_tx = tx;
        summary.last_tx = tx;
        summary.last_commit_us = txlog::peek_commit_time(frame.payload);
      } else if (frame.type == txlog::RecordType::kEnrichmentChange) {
        result.last_enrichment_change = txlog::decode_enrichment_change(frame.payload);
      } else if (frame.type == txlog::RecordType::kImportNotice) {
        result.last_import_notice =
            std::max(result.last_import_notice, txlog::decode_import_notice(frame.payload).import_number);
      } else if (frame.type == txlog::RecordType::kCheckpoint) {
        auto cp = txlog::decode_checkpoint(frame.payload);
        result.last_checkpoint_tx = cp.last_applied_tx;
        result.last_checkpoint_time_us = cp.time_us;
      }
    }
    result.active_end = reader.valid_end();
    if (last_segment) {
      if (reader.file_size() < result.active_end) result.active_end = reader.file_size();
    }
    summary.bytes = result.active_end;
    result.segments.push_back(summary);
  }
  replayer.flush();
  if (expected_tx != 0 && expected_tx - 1 < last_applied)
    throw Error(ErrorCode::kCorruption,
                fmt::format("the store holds transactions up to {} but the log ends at {}: the end of the log in {} "
                            "is lost",
                            last_applied, expected_tx - 1, log_dir));
  return result;
}

}  // namespace txgraph::engine
