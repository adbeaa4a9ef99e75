// The change reader: earliest, current, query and wait over the retained log segments.
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "cdc/change_event.h"
#include "cdc/change_id.h"
#include "cdc/log_index.h"
#include "cdc/log_tail.h"
#include "cdc/selector.h"
#include "txgraph/cdc.h"
#include "txlog/segment_reader.h"
#include "txlog/tx_record.h"
#include "txlog/tx_record_view.h"

namespace txgraph {

namespace {

using cdc::ChangePosition;
using cdc::IndexedSegment;


std::string uuid_raw_from_text(std::string_view text) {
  std::string raw;
  int nibble = -1;
  for (char c : text) {
    int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (v < 0) continue;  // the dashes
    if (nibble < 0) {
      nibble = v;
    } else {
      raw.push_back(static_cast<char>(nibble << 4 | v));
      nibble = -1;
    }
  }
  return raw;
}

// What the source says at the start of a call: everything up to visible_tx may be read.
struct Snapshot {
  std::string database_uuid;  // raw
  EnrichmentMode enrichment = EnrichmentMode::kOff;
  std::uint64_t generation = 0;
  std::uint64_t visible_tx = 0;
};

// Events name the database by its folder, as Neo4j names it by the database's name.
std::string database_name_of(const std::filesystem::path& dir) {
  auto path = std::filesystem::absolute(dir).lexically_normal();
  if (path.filename().empty()) path = path.parent_path();  // "graph/" names "graph"
  return path.filename().string();
}

[[noreturn]] void cdc_error(ErrorCode code, std::string message) { throw Error(code, std::move(message)); }

class RecordWalker;

}  // namespace

struct ChangeStream::Impl {
  const Database* database = nullptr;  // in-process; null for open_log()
  std::string log_dir;
  std::string database_name;
  mutable cdc::LogIndex index;
  mutable std::unique_ptr<cdc::LogTail> tail;  // open_log() only
  std::string uuid_raw;                        // in-process
  // The reader left at the end of the last query that read to the end of the log: a
  // follower's next query goes on from it instead of decoding again from a restart point.
  mutable std::mutex parked_mutex;
  mutable std::unique_ptr<RecordWalker> parked;

  Impl(std::string dir, std::string name) : log_dir(dir), database_name(std::move(name)), index(std::move(dir)) {}
  ~Impl();

  Snapshot snapshot() const {
    Snapshot s;
    if (database) {
      auto v = database->log_visibility();
      s.database_uuid = uuid_raw;
      s.enrichment = v.enrichment;
      s.generation = v.enrichment_generation;
      s.visible_tx = v.visible_tx;
    } else {
      auto t = tail->refresh();
      s.database_uuid = t.database_uuid;
      s.enrichment = t.enrichment;
      s.generation = t.enrichment_generation;
      s.visible_tx = t.last_tx;
    }
    return s;
  }

  Snapshot enabled_snapshot() const {
    Snapshot s = snapshot();
    if (s.enrichment == EnrichmentMode::kOff)
      cdc_error(ErrorCode::kCdcDisabled,
                fmt::format("change data capture is off for database {}: its enrichment mode is OFF (switch it on "
                            "with: txgraph set DIR enrichment diff)",
                            database_name));
    return s;
  }

  ChangePosition position(const Snapshot& s, std::uint64_t tx, std::int64_t seq, std::int64_t commit_us) const {
    ChangePosition p;
    p.database_uuid = s.database_uuid;
    p.generation = s.generation;
    p.tx_id = tx;
    p.seq = seq;
    p.commit_time_us = commit_us;
    return p;
  }

  ChangePosition current_position(const Snapshot& s) const;
  ChangePosition earliest_position(const Snapshot& s) const;
  ChangePosition validate(std::string_view id, const Snapshot& s) const;
  QueryResult query(std::string_view from, const cdc::SelectorSet& selectors,
                    const std::function<bool(const ChangeEvent&)>& on_event, std::uint64_t limit) const;
  bool wait_after(std::uint64_t tx, std::chrono::steady_clock::time_point deadline) const;
};

namespace {

// Walks the transaction records of the log from a starting transaction on, across segments,
// telling the end of the log from damage and from segments pruned under it.
class RecordWalker {
 public:
  RecordWalker(const ChangeStream::Impl& stream, const Snapshot& snapshot)
      : stream_(stream), index_(stream.index), visible_tx_(snapshot.visible_tx), database_uuid_(snapshot.database_uuid) {}

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
      cdc_error(ErrorCode::kCdcPruned,
                fmt::format("transaction {} is no longer in the log of database {} (the oldest retained transaction "
                            "is {}); start again from the earliest change",
                            tx, stream_.database_name, oldest));
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
        damaged(reader_->path(), frame_.offset,
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
  void resume(const Snapshot& snapshot) {
    visible_tx_ = snapshot.visible_tx;
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
      throw Error(ErrorCode::kWrongDatabase,
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
      bool ours_listed = std::any_of(segments_.begin(), segments_.end(), [&](const auto& seg) { return seg.number == number_; });
      // Pruning removes the oldest segments first: if ours went too, so did the one after it.
      if (!ours_listed) pruned_under_us(number_ + 1);
      cdc_error(ErrorCode::kCorruption, fmt::format("log segment {} is missing from {}: segment {} follows segment {}",
                                                    number_ + 1, stream_.log_dir, next->number, number_));
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
    cdc_error(ErrorCode::kCdcPruned,
              fmt::format("log segment {} of database {} was pruned while this read needed it{}; start again from "
                          "the earliest change",
                          number, stream_.database_name,
                          last_tx_ == 0 ? "" : fmt::format(" (after transaction {})", last_tx_)));
  }

  [[noreturn]] static void damaged(const std::string& path, std::uint64_t offset, std::string_view what) {
    throw Error(ErrorCode::kCorruption, fmt::format("log segment {} is damaged at offset {}: {}", path, offset, what));
  }

  const ChangeStream::Impl& stream_;
  cdc::LogIndex& index_;
  std::uint64_t visible_tx_;
  std::string database_uuid_;
  std::vector<IndexedSegment> segments_;
  std::uint64_t number_ = 0;  // of the open segment
  std::unique_ptr<txlog::SegmentReader> reader_;
  txlog::FrameView frame_;  // its payload valid until the reader reads on
  std::uint64_t skip_below_ = 0;
  std::uint64_t last_tx_ = 0;
  std::int64_t last_commit_us_ = 0;
  bool overran_ = false;  // read a frame past the visible end
  std::vector<ImportNotice> notices_;  // read since the last take_notices_before()
  const txlog::TagFilter* filter_ = nullptr;
  // Read an enrichment switch (the next record may be of a new generation, which ends a
  // query) or an import notice (reported with the next record): read the next record.
  bool read_next_ = false;
  std::uint64_t last_skipped_tx_ = 0;
  std::pair<std::uint64_t, std::uint64_t> last_skipped_at_;  // its group's offset, its own
  std::int64_t last_skipped_commit_us_ = 0;
  bool last_skipped_commit_known_ = true;
  bool refreshed_ = false;       // the open segment was looked at again once at its end
  bool final_refresh_ = false;   // ... and once more after a newer segment was seen
};

}  // namespace

ChangeStream::Impl::~Impl() = default;

ChangePosition ChangeStream::Impl::current_position(const Snapshot& s) const {
  if (s.visible_tx == 0) return position(s, 0, ChangePosition::kAfterAll, 0);
  RecordWalker walker(*this, s);
  walker.seek(s.visible_tx);
  std::string_view payload;
  txlog::TxRecordStart begins;
  if (!walker.next(&payload, &begins))
    cdc_error(ErrorCode::kCorruption,
              fmt::format("the log of database {} ends before its last committed transaction {}", database_name,
                          s.visible_tx));
  return position(s, begins.tx_id, ChangePosition::kAfterAll, begins.commit_time_us);
}

ChangePosition ChangeStream::Impl::earliest_position(const Snapshot& s) const {
  // The first transaction captured in this generation: after the switch that started it, or
  // the first of the log when the database was created with enrichment on. Start in the last
  // segment created before the generation began (it may hold the switch).
  auto segments = index.segments();
  std::size_t start = 0;
  for (std::size_t i = 0; i < segments.size(); ++i)
    if (segments[i].header_ok && segments[i].header.enrichment_generation < s.generation) start = i;
  for (std::size_t i = start; i < segments.size(); ++i) {
    if (!segments[i].header_ok) continue;
    RecordWalker walker(*this, s);
    walker.seek(segments[i].header.first_tx);
    std::string_view payload;
    txlog::TxRecordStart begins;
    while (walker.next(&payload, &begins)) {
      auto record = txlog::decode_tx_record(payload);
      if (record.enrichment && record.enrichment->generation == s.generation)
        return position(s, begins.tx_id, ChangePosition::kBeforeFirst, record.header.commit_time_us);
    }
    break;  // the walker crossed into the later segments itself
  }
  return current_position(s);
}

ChangePosition ChangeStream::Impl::validate(std::string_view id, const Snapshot& s) const {
  ChangePosition p = cdc::decode_change_id(id);
  if (p.database_uuid != s.database_uuid)
    cdc_error(ErrorCode::kCdcWrongDatabase,
              fmt::format("change id \"{}\" belongs to database {}, not to database {} ({})", id,
                          txlog::uuid_to_text(p.database_uuid), database_name, txlog::uuid_to_text(s.database_uuid)));
  if (p.generation < s.generation)
    cdc_error(ErrorCode::kCdcOldGeneration,
              fmt::format("change id \"{}\" is from enrichment generation {}, but enrichment was switched off and on "
                          "since (generation {} now): the changes in between were never captured; start again "
                          "from the earliest or current change",
                          id, p.generation, s.generation));
  if (p.generation > s.generation)
    cdc_error(ErrorCode::kCdcFutureId, fmt::format("change id \"{}\" is from enrichment generation {}, which database "
                                                   "{} has not reached (it is in generation {})",
                                                   id, p.generation, database_name, s.generation));
  if (p.tx_id > s.visible_tx)
    cdc_error(ErrorCode::kCdcFutureId,
              fmt::format("change id \"{}\" is at transaction {}, but the last committed transaction is {}", id,
                          p.tx_id, s.visible_tx));
  return p;
}

QueryResult ChangeStream::Impl::query(std::string_view from, const cdc::SelectorSet& selectors,
                                      const std::function<bool(const ChangeEvent&)>& on_event,
                                      std::uint64_t limit) const {
  Snapshot s = enabled_snapshot();
  ChangePosition start = from.empty() ? current_position(s) : validate(from, s);
  QueryResult result;
  ChangePosition last = start;  // where the next query continues
  auto finish = [&] {
    result.position = cdc::encode_change_id(last);
    return result;
  };
  if (start.tx_id == 0 && s.visible_tx == 0) return finish();

  std::unique_ptr<RecordWalker> parked_walker;
  if (start.after_all() && start.tx_id != 0) {
    std::lock_guard lock(parked_mutex);
    if (parked && parked->last_tx() == start.tx_id && parked->last_commit_us() == start.commit_time_us)
      parked_walker = std::move(parked);
  }
  bool resumed = parked_walker != nullptr;
  std::unique_ptr<RecordWalker> walker_owner = resumed ? std::move(parked_walker) : std::make_unique<RecordWalker>(*this, s);
  RecordWalker& walker = *walker_owner;
  // The id's own transaction is read first, to check that it is the one the log holds under
  // that id, except for a position after all of a transaction that pruning took away while
  // everything after it is still there: a consumer that had caught up lost nothing. A parked
  // walker has read it already (and its commit time matched).
  bool verify = start.tx_id != 0 && !resumed;
  if (resumed) {
    walker.resume(s);
  } else {
    try {
      walker.seek(std::max<std::uint64_t>(start.tx_id, 1));
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kCdcPruned || !start.after_all() || start.tx_id == 0) throw;
      walker.seek(start.tx_id + 1);
      verify = false;
    }
  }
  // Records whose tags rule out every selector are passed by undecompressed.
  cdc::SelectorTagFilter tag_filter(selectors);
  walker.set_tag_filter(tag_filter.useful() ? &tag_filter : nullptr);
  auto park = [&] {
    walker.set_tag_filter(nullptr);  // this query's filter ends with it
    if (!walker.parkable() || !last.after_all() || last.tx_id != walker.last_tx()) return;
    std::lock_guard lock(parked_mutex);
    parked = std::move(walker_owner);
  };
  // Every position of this query has the database and generation of `start`: only the place
  // in the log moves (in place, so that no id's uuid is copied per change).
  auto move_to = [&](std::uint64_t tx_id, std::int64_t seq, std::int64_t commit_us) {
    last.tx_id = tx_id;
    last.seq = seq;
    last.commit_time_us = commit_us;
  };
  cdc::EventBuilder builder(position(s, 0, 0, 0), database_name);
  ChangeEvent event;
  txlog::TxRecordView record;
  std::optional<txlog::TxRecord> decoded;  // only for include/exclude projection
  std::string_view payload;
  txlog::TxRecordStart begins;  // what the record starts with
  std::vector<ImportNotice> imports;  // of the transaction read, reused: most have none
  bool first = true;
  bool skipped = false;
  bool skipped_last = false;  // the last transaction walked was skipped: the position is after it
  while (walker.next(&payload, &begins, &skipped)) {
    const std::uint64_t tx = begins.tx_id;
    if (first) {
      std::uint64_t expected = verify ? start.tx_id : std::max<std::uint64_t>(start.tx_id + 1, 1);
      if (tx != expected)
        cdc_error(ErrorCode::kCorruption, fmt::format("the log of database {} has no transaction {}: transaction {} "
                                                      "comes where it should be",
                                                      database_name, expected, tx));
      if (verify && begins.commit_time_us != start.commit_time_us)
        cdc_error(ErrorCode::kCdcMismatch,
                  fmt::format("change id \"{}\" says transaction {} committed at {} µs, but the log's transaction {} "
                              "committed at {} µs: the id is not from this log",
                              from, start.tx_id, start.commit_time_us, tx, begins.commit_time_us));
    }
    bool is_start_tx = first && verify;
    first = false;
    if (skipped) {  // none of its changes is selected (its tags say so)
      ++result.transactions;
      ++result.transactions_skipped;
      skipped_last = true;
      continue;
    }
    const bool after_skipped = skipped_last;
    skipped_last = false;
    // Imports just before this transaction: the query that reads it from its beginning is
    // the one that passes them, so each is reported once (the id's own transaction was read
    // from its beginning by an earlier query).
    walker.take_notices_before(tx, &imports);
    auto report_imports = [&] {
      if (is_start_tx) return;
      for (auto& n : imports) result.imports.push_back(std::move(n));
    };
    if (is_start_tx && start.after_all()) continue;
    ++result.transactions;
    // The header decides for selectors on users and metadata (it is read only for them), a
    // search of the bytes for those that name labels, types or properties: skip the rest unread.
    if (!is_start_tx && begins.capture_mode != txlog::CaptureMode::kOff && !selectors.may_select_transaction(payload)) {
      report_imports();
      move_to(tx, ChangePosition::kAfterAll, begins.commit_time_us);
      continue;
    }
    // Read in place: only the changes the selectors select are decoded, into the event.
    record.read(payload);
    if (!record.has_enrichment() || record.generation() != s.generation) {
      // Not captured in this generation: only the id's own transaction may be such (current()
      // taken just as the generation began); anything later means the stream ended here.
      if (is_start_tx && !start.before_first()) {
        cdc_error(ErrorCode::kCdcMismatch,
                  fmt::format("change id \"{}\" names change {} of transaction {}, which has no captured changes",
                              from, start.seq, tx));
      }
      if (is_start_tx) {
        move_to(tx, ChangePosition::kAfterAll, begins.commit_time_us);
        continue;
      }
      // The stream ends before this transaction, after the one skipped before it.
      if (after_skipped)
        move_to(walker.last_skipped_tx(), ChangePosition::kAfterAll, walker.last_skipped_commit_us());
      break;
    }
    report_imports();
    const auto& changes = record.changes();
    if (is_start_tx && start.seq >= static_cast<std::int64_t>(changes.size()))
      cdc_error(ErrorCode::kCdcMismatch, fmt::format("change id \"{}\" names change {} of transaction {}, which has {}",
                                                     from, start.seq, tx, changes.size()));
    bool may_select = selectors.may_select_transaction(record.header(), payload);
    decoded.reset();
    std::size_t seq = is_start_tx ? static_cast<std::size_t>(start.seq + 1) : 0;
    for (; may_select && seq < changes.size(); ++seq) {
      if (!selectors.selects(record, seq)) continue;
      builder.build(record, seq, event);
      if (selectors.filters_properties()) {
        if (!decoded) decoded = txlog::decode_tx_record(payload);
        selectors.project(decoded->header, decoded->enrichment->changes[seq], event);
      }
      ++result.events;
      move_to(tx, static_cast<std::int64_t>(seq), begins.commit_time_us);
      bool more = on_event(event);
      if (!more || result.events >= limit) {
        // Stopped inside the transaction: continue after this change. At its last change the
        // position after the whole transaction is the same place.
        if (seq + 1 == changes.size()) last.seq = ChangePosition::kAfterAll;
        park();
        return finish();
      }
    }
    move_to(tx, ChangePosition::kAfterAll, begins.commit_time_us);
  }
  if (skipped_last) move_to(walker.last_skipped_tx(), ChangePosition::kAfterAll, walker.last_skipped_commit_us());
  park();
  return finish();
}

bool ChangeStream::Impl::wait_after(std::uint64_t tx, std::chrono::steady_clock::time_point deadline) const {
  if (database) return database->wait_for_commit_after(tx, deadline);
  // Another process writes the log: sleep on inotify until the folder changes, then look.
  int fd = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (fd < 0) throw Error(ErrorCode::kIo, fmt::format("inotify_init1: {}", std::strerror(errno)));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  if (::inotify_add_watch(fd, log_dir.c_str(), IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE) < 0)
    throw Error(ErrorCode::kIo, fmt::format("watching {} for changes: {}", log_dir, std::strerror(errno)));
  for (;;) {
    // Looked at after the watch is in place, so no append between the two is missed.
    if (snapshot().visible_tx > tx) return true;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    int rc = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left.count() + 1, INT32_MAX)));
    if (rc < 0 && errno == EINTR) return snapshot().visible_tx > tx;  // a signal: let the caller look
    if (rc < 0) throw Error(ErrorCode::kIo, fmt::format("waiting for changes in {}: {}", log_dir, std::strerror(errno)));
    char events[4096];
    while (::read(fd, events, sizeof events) > 0) {
    }
  }
}

ChangeStream::ChangeStream(const Database& database) {
  const auto& dir = database.dir();
  impl_ = std::make_unique<Impl>((dir / "txlog").string(), database_name_of(dir));
  impl_->database = &database;
  impl_->uuid_raw = uuid_raw_from_text(database.uuid());
}

ChangeStream::ChangeStream(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ChangeStream ChangeStream::open_log(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir / "txlog", ec))
    throw Error(ErrorCode::kNotFound, fmt::format("there is no database log in {} ({} is missing)", dir.string(),
                                                  (dir / "txlog").string()));
  auto impl = std::make_unique<Impl>((dir / "txlog").string(), database_name_of(dir));
  impl->tail = std::make_unique<cdc::LogTail>(impl->log_dir);
  impl->tail->refresh();  // a folder without a log is refused here
  return ChangeStream(std::move(impl));
}

ChangeStream::ChangeStream(ChangeStream&&) noexcept = default;
ChangeStream& ChangeStream::operator=(ChangeStream&&) noexcept = default;
ChangeStream::~ChangeStream() = default;

namespace {
// earliest() and current() take no id, so a prune that raced with their reading is not the
// caller's to handle: look again, once.
template <class Fn>
std::string retry_once_if_pruned(Fn&& fn) {
  try {
    return fn();
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kCdcPruned) throw;
  }
  return fn();
}
}  // namespace

std::string ChangeStream::earliest() const {
  return retry_once_if_pruned([&] {
    Snapshot s = impl_->enabled_snapshot();
    return cdc::encode_change_id(impl_->earliest_position(s));
  });
}

std::string ChangeStream::current() const {
  return retry_once_if_pruned([&] {
    Snapshot s = impl_->enabled_snapshot();
    return cdc::encode_change_id(impl_->current_position(s));
  });
}

QueryResult ChangeStream::query(std::string_view from, const std::vector<ChangeSelector>& selectors,
                                const std::function<bool(const ChangeEvent&)>& on_event, std::uint64_t limit) const {
  cdc::SelectorSet set(selectors);
  if (limit == 0) {
    // Nothing to read, but the id is checked all the same.
    Snapshot s = impl_->enabled_snapshot();
    QueryResult r;
    r.position = cdc::encode_change_id(from.empty() ? impl_->current_position(s) : impl_->validate(from, s));
    return r;
  }
  return impl_->query(from, set, on_event, limit);
}

std::vector<ChangeEvent> ChangeStream::query(std::string_view from, const std::vector<ChangeSelector>& selectors,
                                             std::uint64_t limit) const {
  std::vector<ChangeEvent> events;
  query(from, selectors, [&](const ChangeEvent& e) {
    events.push_back(e);
    return true;
  }, limit);
  return events;
}

bool ChangeStream::wait(std::string_view from, std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  Snapshot s = impl_->enabled_snapshot();
  ChangePosition p = from.empty() ? impl_->current_position(s) : impl_->validate(from, s);
  // Before a transaction's first change, or inside it: its changes are there to read now.
  if (!p.after_all() && p.tx_id != 0) return true;
  return impl_->wait_after(p.tx_id, deadline);
}

std::string ChangeStream::position_at_time(std::int64_t time_us) const {
  return retry_once_if_pruned([&] {
    Snapshot s = impl_->enabled_snapshot();
    ChangePosition earliest = impl_->earliest_position(s);
    if (earliest.after_all()) return cdc::encode_change_id(earliest);  // nothing captured yet
    RecordWalker walker(*impl_, s);
    walker.seek(earliest.tx_id);
    std::string_view payload;
    txlog::TxRecordStart begins;
    while (walker.next(&payload, &begins)) {
      if (begins.commit_time_us >= time_us)
        return cdc::encode_change_id(
            impl_->position(s, begins.tx_id, ChangePosition::kBeforeFirst, begins.commit_time_us));
    }
    return cdc::encode_change_id(impl_->current_position(s));
  });
}

void ChangeStream::make_durable() const {
  if (impl_->database) impl_->database->sync_log();
}

std::filesystem::path ChangeStream::dir() const { return std::filesystem::path(impl_->log_dir).parent_path(); }

}  // namespace txgraph
