// Walks the transaction records of a database's log for the change reader: from a starting
// transaction on, across segments, up to the last visible transaction, telling the end of
// the log from damage and from segments pruned under it, and passing by the records a tag
// filter rules out.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "cdc/log_index.h"
#include "txgraph/cdc.h"
#include "txgraph/error.h"
#include "txlog/segment_reader.h"
#include "txlog/tx_record.h"
#include "txlog/tx_record_view.h"

namespace txgraph::cdc {

// Walks the transaction records of the log from a starting transaction on, across segments,
// telling the end of the log from damage and from segments pruned under it.
class RecordWalker {
 public:
  // Reads the log of `index` (the folder `log_dir`, of the database named `database_name`,
  // whose raw uuid every segment must carry) up to transaction `visible_tx`.
  RecordWalker(LogIndex& index, std::string log_dir, std::string database_name, std::uint64_t visible_tx,
               std::string database_uuid)
      : index_(index),
        log_dir_(std::move(log_dir)),
        database_name_(std::move(database_name)),
        visible_tx_(visible_tx),
        database_uuid_(std::move(database_uuid)) {}

  // Positions the walker so that next() returns transaction `tx` first (records before it are
  // skipped without being decoded). Throws kCdcPruned when `tx` is no longer in the log.
  void seek(std::uint64_t tx) {
    segments_ = index_.segments();
    std::size_t at = segments_.size();
    for (std::size_t i = 0; i < segments_.size(); ++i) {
      if (!segments_[i].header_ok) continue;
      if (segments_[i].header.first_tx <= tx) at = i;
    }
    if (at == segments_.size()) {
      std::uint64_t oldest = 0;
      for (const auto& s : segments_)
        if (s.header_ok) {
          oldest = s.header.first_tx;
          break;
        }
      throw Error(ErrorCode::kCdcPruned,
                  fmt::format("transaction {} is no longer in the log of database {} (the oldest retained transaction "
                              "is {}); start again from the earliest change",
                              tx, database_name_, oldest));
    }
    open(segments_[at]);
    reader_->seek(index_.start_offset(segments_[at].path, number_, tx));
    skip_below_ = tx;
  }

  // The next transaction record up to the visible end and the fields it starts with, or false
  // at the end. With a tag filter, a record it rules out comes back with *skipped set, an
  // empty payload, and only start->tx_id known (tx ids are contiguous; the next record read
  // checks the count). Nothing is skipped before the first record after a seek is read.
  bool next(std::string_view* payload, txlog::TxRecordStart* start, bool* skipped = nullptr) {
    if (skipped) *skipped = false;
    for (;;) {
      auto r = reader_->next_view(&frame_);
      switch (r) {
        case txlog::SegmentReader::Next::kRecord:
          break;
        case txlog::SegmentReader::Next::kEnd:
        case txlog::SegmentReader::Next::kTornTail:
          if (!advance(r)) return false;
          continue;
        case txlog::SegmentReader::Next::kCorrupt:
          damaged(reader_->path(), reader_->problem_offset(), reader_->problem());
      }
      if (frame_.skipped) {
        std::uint64_t id = last_tx_ + 1;
        if (id > visible_tx_) {
          overran_ = true;
          return false;
        }
        last_tx_ = id;
        last_skipped_tx_ = id;
        last_skipped_at_ = {frame_.group_offset, frame_.offset};
        last_skipped_commit_known_ = false;
        *payload = {};
        *start = txlog::TxRecordStart{};
        start->tx_id = id;
        if (skipped) *skipped = true;
        return true;
      }
      // A switch of enrichment may start a new generation, whose first record ends a query:
      // from here on every record is read, and the one skipped last is placed in time now.
      if (frame_.type == txlog::RecordType::kEnrichmentChange) {
        settle_skipped();
        read_next_ = true;
        apply_filter();
        continue;
      }
      // An import's notice is reported with the transaction after it, which must be read.
      if (frame_.type == txlog::RecordType::kImportNotice) {
        notices_.push_back(txlog::public_import_notice(txlog::decode_import_notice(frame_.payload)));
        read_next_ = true;
        apply_filter();
        continue;
      }
      if (frame_.type != txlog::RecordType::kTransaction) continue;
      std::uint64_t id = txlog::peek_tx_id(frame_.payload);
      // Past the visible end a frame may still be cut off again: never go on from here (the
      // frame is consumed). The index learns restart points by its own walk of the segment.
      if (id > visible_tx_) {
        overran_ = true;
        return false;
      }
      if (id < skip_below_) continue;
      if (last_tx_ != 0 && id != last_tx_ + 1)
        damaged(
            reader_->path(), frame_.offset,
            fmt::format("transaction {} follows transaction {}: the transactions between are missing", id, last_tx_));
      *start = txlog::peek_tx_start(frame_.payload);
      last_tx_ = id;
      last_commit_us_ = start->commit_time_us;
      *payload = frame_.payload;
      read_next_ = false;
      apply_filter();
      return true;
    }
  }

  // Records that `filter` rules out are skipped from the first record read on (null: none).
  // The filter must outlive its use; a parked walker is given the next query's.
  void set_tag_filter(const txlog::TagFilter* filter) {
    filter_ = filter;
    apply_filter();
  }

  // The commit time of the last record next() skipped, which it decompresses now if it has
  // not yet.
  std::uint64_t last_skipped_tx() const { return last_skipped_tx_; }
  std::int64_t last_skipped_commit_us() {
    settle_skipped();
    return last_skipped_commit_us_;
  }

  // The import notices read since the last call, of the imports committed between
  // transaction `tx` - 1 and `tx` (the transaction next() just returned), into *out; those
  // before were read on the way to a starting point and are dropped.
  void take_notices_before(std::uint64_t tx, std::vector<ImportNotice>* out) {
    out->clear();
    for (auto& n : notices_)
      if (n.after_tx + 1 == tx) out->push_back(std::move(n));
    notices_.clear();
  }

  // A walker that stopped at the end of what was visible can go on from there later.
  bool parkable() const { return !overran_ && last_tx_ != 0; }
  std::uint64_t last_tx() const { return last_tx_; }
  std::int64_t last_commit_us() {
    if (last_tx_ == last_skipped_tx_) return last_skipped_commit_us();
    return last_commit_us_;
  }
  void resume(std::uint64_t visible_tx) {
    visible_tx_ = visible_tx;
    refreshed_ = false;
    final_refresh_ = false;
  }

 private:
  void open(const IndexedSegment& seg) {
    number_ = seg.number;
    try {
      reader_ = std::make_unique<txlog::SegmentReader>(seg.path);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kNotFound) throw;
      pruned_under_us(seg.number);
    }
    if (reader_->header_status() != txlog::HeaderStatus::kOk)
      damaged(seg.path, 0, txlog::header_status_text(reader_->header_status()));
    if (reader_->header().database_uuid != database_uuid_)
      throw Error(
          ErrorCode::kWrongDatabase,
          fmt::format("log segment {} belongs to database {}, not to this database {}", seg.path,
                      txlog::uuid_to_text(reader_->header().database_uuid), txlog::uuid_to_text(database_uuid_)));
    refreshed_ = false;
    final_refresh_ = false;
    apply_filter();
  }

  void apply_filter() {
    if (reader_) reader_->set_tag_filter(filter_ && last_tx_ != 0 && !read_next_ ? filter_ : nullptr);
  }

  // Reads the last skipped record's commit time while its segment's reader still holds it.
  void settle_skipped() {
    if (last_skipped_tx_ == 0 || last_skipped_commit_known_) return;
    std::string_view payload;
    try {
      payload = reader_->decompress_skipped(last_skipped_at_.first, last_skipped_at_.second);
    } catch (const Error& e) {
      damaged(reader_->path(), reader_->valid_end(), e.what());
    }
    auto begins = txlog::peek_tx_start(payload);
    if (begins.tx_id != last_skipped_tx_)
      damaged(reader_->path(), reader_->valid_end(),
              fmt::format("transaction {} comes where transaction {} should be", begins.tx_id, last_skipped_tx_));
    last_skipped_commit_us_ = begins.commit_time_us;
    last_skipped_commit_known_ = true;
  }

  // The current segment ended (or ends in a record still being written): go on to the next,
  // or report the end of what may be read now.
  bool advance(txlog::SegmentReader::Next how) {
    if (last_tx_ >= visible_tx_ && last_tx_ != 0) return false;  // everything visible was read
    const IndexedSegment* next = successor();
    if (!next && last_tx_ < visible_tx_) {
      segments_ = index_.segments();  // the writer may have rotated since the listing
      next = successor();
    }
    if (!next) {
      if (last_tx_ >= visible_tx_) return false;
      // Visible records are complete in the file, which may have grown since it was opened.
      if (!refreshed_) {
        refreshed_ = true;
        if (grew()) return true;
      }
      return false;  // nothing more yet: the next query goes on from here
    }
    // A newer segment exists, so this one is finished on disk (the writer completes and syncs
    // a segment before it creates the next): read what was appended since it was opened.
    if (!final_refresh_) {
      final_refresh_ = true;
      if (grew()) return true;
    }
    if (how == txlog::SegmentReader::Next::kTornTail)
      damaged(reader_->path(), reader_->problem_offset(),
              fmt::format("{} in a segment that is not the last", reader_->problem()));
    // A closed segment was cut back to its last record: zeros after it are not preallocation.
    if (reader_->tail_is_zeros())
      damaged(reader_->path(), reader_->valid_end(), "zeros after the last record in a segment that is not the last");
    // A segment being created has no complete header yet: nothing of it is visible. It may
    // have been complete for long when the listing is an old one (a parked walker's), and the
    // records to read are in it: look again.
    if (!next->header_ok && next == &segments_.back()) {
      segments_ = index_.segments();
      next = successor();
      if (!next || (!next->header_ok && next == &segments_.back())) return false;
    }
    settle_skipped();  // while this segment's reader still has the record
    if (next->number != number_ + 1) {
      bool ours_listed =
          std::any_of(segments_.begin(), segments_.end(), [&](const auto& seg) { return seg.number == number_; });
      // Pruning removes the oldest segments first: if ours went too, so did the one after it.
      if (!ours_listed) pruned_under_us(number_ + 1);
      throw Error(ErrorCode::kCorruption,
                  fmt::format("log segment {} is missing from {}: segment {} follows segment {}", number_ + 1, log_dir_,
                              next->number, number_));
    }
    open(*next);
    return true;
  }

  const IndexedSegment* successor() const {
    for (const auto& seg : segments_)
      if (seg.number > number_) return &seg;
    return nullptr;
  }

  // Whether the open segment may hold more now: it grew, or the reader stopped short of its
  // end (at zeros the writer preallocated, which records may have overwritten since).
  bool grew() {
    std::uint64_t before = reader_->file_size();
    reader_->refresh();
    return reader_->file_size() != before || reader_->valid_end() < reader_->file_size();
  }

  [[noreturn]] void pruned_under_us(std::uint64_t number) {
    throw Error(
        ErrorCode::kCdcPruned,
        fmt::format("log segment {} of database {} was pruned while this read needed it{}; start again from "
                    "the earliest change",
                    number, database_name_, last_tx_ == 0 ? "" : fmt::format(" (after transaction {})", last_tx_)));
  }

  [[noreturn]] static void damaged(const std::string& path, std::uint64_t offset, std::string_view what) {
    throw Error(ErrorCode::kCorruption, fmt::format("log segment {} is damaged at offset {}: {}", path, offset, what));
  }

  LogIndex& index_;
  std::string log_dir_;
  std::string database_name_;
  std::uint64_t visible_tx_;
  std::string database_uuid_;
  std::vector<IndexedSegment> segments_;
  std::uint64_t number_ = 0;  // of the open segment
  std::unique_ptr<txlog::SegmentReader> reader_;
  txlog::FrameView frame_;  // its payload valid until the reader reads on
  std::uint64_t skip_below_ = 0;
  std::uint64_t last_tx_ = 0;
  std::int64_t last_commit_us_ = 0;
  bool overran_ = false;               // read a frame past the visible end
  std::vector<ImportNotice> notices_;  // read since the last take_notices_before()
  const txlog::TagFilter* filter_ = nullptr;
  // Read an enrichment switch (the next record may be of a new generation, which ends a
  // query) or an import notice (reported with the next record): read the next record.
  bool read_next_ = false;
  std::uint64_t last_skipped_tx_ = 0;
  std::pair<std::uint64_t, std::uint64_t> last_skipped_at_;  // its group's offset, its own
  std::int64_t last_skipped_commit_us_ = 0;
  bool last_skipped_commit_known_ = true;
  bool refreshed_ = false;      // the open segment was looked at again once at its end
  bool final_refresh_ = false;  // ... and once more after a newer segment was seen
};

}  // namespace txgraph::cdc
