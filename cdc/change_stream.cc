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
#include "cdc/change_stream_impl.h"
#include "cdc/log_index.h"
#include "cdc/log_tail.h"
#include "cdc/record_walker.h"
#include "cdc/selector.h"
#include "txgraph/cdc.h"
#include "txlog/segment_reader.h"
#include "txlog/tx_record.h"
#include "txlog/tx_record_view.h"

namespace txgraph {

namespace {

using cdc::ChangePosition;
using cdc::LogView;
using cdc::IndexedSegment;
using cdc::RecordWalker;


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

// Events name the database by its folder, as Neo4j names it by the database's name.
std::string database_name_of(const std::filesystem::path& dir) {
  auto path = std::filesystem::absolute(dir).lexically_normal();
  if (path.filename().empty()) path = path.parent_path();  // "graph/" names "graph"
  return path.filename().string();
}

using cdc::cdc_error;

}  // namespace

ChangeStream::Impl::~Impl() = default;

ChangePosition ChangeStream::Impl::current_position(const LogView& s) const {
  if (s.visible_tx == 0) return position(s, 0, ChangePosition::kAfterAll, 0);
  RecordWalker walker = this->walker(s);
  walker.seek(s.visible_tx);
  std::string_view payload;
  txlog::TxRecordStart begins;
  if (!walker.next(&payload, &begins))
    cdc_error(ErrorCode::kCorruption,
              fmt::format("the log of database {} ends before its last committed transaction {}", database_name,
                          s.visible_tx));
  return position(s, begins.tx_id, ChangePosition::kAfterAll, begins.commit_time_us);
}

ChangePosition ChangeStream::Impl::earliest_position(const LogView& s) const {
  // The first transaction captured in this generation: after the switch that started it, or
  // the first of the log when the database was created with enrichment on. Start in the last
  // segment created before the generation began (it may hold the switch).
  auto segments = index.segments();
  std::size_t start = 0;
  for (std::size_t i = 0; i < segments.size(); ++i)
    if (segments[i].header_ok && segments[i].header.enrichment_generation < s.generation) start = i;
  for (std::size_t i = start; i < segments.size(); ++i) {
    if (!segments[i].header_ok) continue;
    RecordWalker walker = this->walker(s);
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

ChangePosition ChangeStream::Impl::validate(std::string_view id, const LogView& s) const {
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
                                      std::uint64_t limit, std::uint64_t until_tx) const {
  LogView s = enabled_log_view();
  s.visible_tx = std::min(s.visible_tx, until_tx);
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
  std::unique_ptr<RecordWalker> walker_owner =
      resumed ? std::move(parked_walker) : std::make_unique<RecordWalker>(this->walker(s));
  RecordWalker& walker = *walker_owner;
  // The id's own transaction is read first, to check that it is the one the log holds under
  // that id, except for a position after all of a transaction that pruning took away while
  // everything after it is still there: a consumer that had caught up lost nothing. A parked
  // walker has read it already (and its commit time matched).
  bool verify = start.tx_id != 0 && !resumed;
  if (resumed) {
    walker.resume(s.visible_tx);
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
    // Schema events are numbered after the entity changes, so that adding them changed no
    // entity change's id; they are counted only where they can matter.
    std::size_t schema_changes = 0;
    if (is_start_tx || selectors.selects_schema())
      for (const auto& op : record.operations()) schema_changes += txlog::is_schema_operation(op.code);
    const std::size_t all_changes = changes.size() + schema_changes;
    if (is_start_tx && start.seq >= static_cast<std::int64_t>(all_changes))
      cdc_error(ErrorCode::kCdcMismatch, fmt::format("change id \"{}\" names change {} of transaction {}, which has {}",
                                                     from, start.seq, tx, all_changes));
    bool may_select = selectors.may_select_transaction(record.header(), payload);
    decoded.reset();
    const std::size_t first_seq = is_start_tx ? static_cast<std::size_t>(start.seq + 1) : 0;
    // Delivers the event built for change `seq`; false when the query stops here.
    auto deliver = [&](std::size_t seq) {
      ++result.events;
      move_to(tx, static_cast<std::int64_t>(seq), begins.commit_time_us);
      bool more = on_event(event);
      if (more && result.events < limit) return true;
      // Stopped inside the transaction: continue after this change. At its last change the
      // position after the whole transaction is the same place.
      if (seq + 1 == all_changes) last.seq = ChangePosition::kAfterAll;
      park();
      return false;
    };
    for (std::size_t seq = first_seq; may_select && seq < changes.size(); ++seq) {
      if (!selectors.selects(record, seq)) continue;
      builder.build(record, seq, event);
      if (selectors.filters_properties()) {
        if (!decoded) decoded = txlog::decode_tx_record(payload);
        selectors.project(decoded->header, decoded->enrichment->changes[seq], event);
      }
      if (!deliver(seq)) return finish();
    }
    if (may_select && selectors.selects_schema()) {
      std::size_t seq = changes.size();
      for (const auto& op : record.operations()) {
        if (!txlog::is_schema_operation(op.code)) continue;
        const std::size_t this_seq = seq++;
        if (this_seq < first_seq || !selectors.selects_schema_change(record.header(), op.code)) continue;
        builder.build_schema(record, op, this_seq, event);
        if (!deliver(this_seq)) return finish();
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
    if (log_view().visible_tx > tx) return true;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    int rc = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left.count() + 1, INT32_MAX)));
    if (rc < 0 && errno == EINTR) return log_view().visible_tx > tx;  // a signal: let the caller look
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
    LogView s = impl_->enabled_log_view();
    return cdc::encode_change_id(impl_->earliest_position(s));
  });
}

std::string ChangeStream::snapshot_start() const {
  return retry_once_if_pruned([&] {
    LogView s = impl_->enabled_log_view();
    ChangePosition p = impl_->current_position(s);
    p.snapshot_phase = cdc::SnapshotPhase::kKeys;
    p.snapshot_next_id = 0;
    return cdc::encode_change_id(p);
  });
}

void ChangeStream::set_snapshot_chunk(std::size_t entities) { impl_->snapshot_chunk = std::max<std::size_t>(entities, 1); }

std::string ChangeStream::current() const {
  return retry_once_if_pruned([&] {
    LogView s = impl_->enabled_log_view();
    return cdc::encode_change_id(impl_->current_position(s));
  });
}

QueryResult ChangeStream::query(std::string_view from, const std::vector<ChangeSelector>& selectors,
                                const std::function<bool(const ChangeEvent&)>& on_event, std::uint64_t limit) const {
  cdc::SelectorSet set(selectors);
  if (limit == 0) {
    // Nothing to read, but the id is checked all the same.
    LogView s = impl_->enabled_log_view();
    QueryResult r;
    r.position = cdc::encode_change_id(from.empty() ? impl_->current_position(s) : impl_->validate(from, s));
    return r;
  }
  if (!from.empty()) {
    LogView s = impl_->enabled_log_view();
    ChangePosition p = impl_->validate(from, s);
    if (p.in_snapshot()) return impl_->snapshot_query(p, set, on_event, limit);
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
  LogView s = impl_->enabled_log_view();
  ChangePosition p = from.empty() ? impl_->current_position(s) : impl_->validate(from, s);
  // Before a transaction's first change, or inside it, or inside a snapshot: there is more to
  // read now.
  if (p.in_snapshot() || (!p.after_all() && p.tx_id != 0)) return true;
  return impl_->wait_after(p.tx_id, deadline);
}

std::string ChangeStream::position_at_time(std::int64_t time_us) const {
  return retry_once_if_pruned([&] {
    LogView s = impl_->enabled_log_view();
    ChangePosition earliest = impl_->earliest_position(s);
    if (earliest.after_all()) return cdc::encode_change_id(earliest);  // nothing captured yet
    RecordWalker walker = impl_->walker(s);
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
