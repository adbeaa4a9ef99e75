// Consumer groups (txgraph/consumer.h): named change readers whose positions are stored in
// DIR/consumers/ through txlog/consumer_records.h.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cdc/change_id.h"
#include "txgraph/consumer.h"
#include "txlog/consumer_records.h"
#include "txlog/file.h"
#include "txlog/log_directory.h"
#include "txlog/segment_reader.h"
#include "txlog/text_formats.h"

namespace txgraph {

namespace {

using txlog::ConsumerLock;
using txlog::ConsumerRecord;

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string groups_dir(const ChangeStream& stream) { return txlog::consumers_dir(stream.dir().string()); }

[[noreturn]] void no_group(const ChangeStream& stream, std::string_view name) {
  throw Error(ErrorCode::kNotFound, fmt::format("database {} has no consumer group \"{}\" (txgraph cdc group list "
                                                "shows the groups)",
                                                stream.dir().string(), name));
}

[[noreturn]] void group_lost(std::string_view name, std::string_view why) {
  throw Error(ErrorCode::kConsumerGroupLost,
              fmt::format("consumer group \"{}\" is lost: {}; reset it to go on (txgraph cdc group reset DIR {} "
                          "--start earliest)",
                          name, why, name));
}

// The oldest transaction a reader at `position` has still to read.
std::uint64_t needs_tx_of(const std::string& position) {
  auto p = cdc::decode_change_id(position);
  return p.after_all() ? p.tx_id + 1 : p.tx_id;
}

// Selectors as JSON text, checked, in the compact form the group file keeps.
std::string selectors_json(const std::vector<std::string>& selectors) {
  nlohmann::json array = nlohmann::json::array();
  for (const auto& text : selectors) {
    parse_change_selector(text);  // throws kCdcInvalidSelector naming the field
    array.push_back(nlohmann::json::parse(text));
  }
  return array.dump();
}

std::vector<std::string> selector_texts(const ConsumerRecord& record) {
  std::vector<std::string> out;
  nlohmann::json array;
  try {
    array = nlohmann::json::parse(record.selectors_json);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::kCorruption,
                fmt::format("consumer group \"{}\": its stored selectors do not parse: {}", record.name, e.what()));
  }
  if (!array.is_array())
    throw Error(ErrorCode::kCorruption, fmt::format("consumer group \"{}\": its stored selectors are not a list",
                                                    record.name));
  for (const auto& s : array) out.push_back(s.dump());
  return out;
}

std::vector<ChangeSelector> parsed_selectors(const ConsumerRecord& record) {
  std::vector<ChangeSelector> out;
  for (const auto& text : selector_texts(record)) out.push_back(parse_change_selector(text));
  return out;
}

std::string resolve_start(const ChangeStream& stream, const StartLocation& start) {
  switch (start.kind) {
    case StartLocation::Kind::kEarliest:
      return stream.earliest();
    case StartLocation::Kind::kLatest:
      return stream.current();
    case StartLocation::Kind::kSnapshot:
      return stream.snapshot_start();
    case StartLocation::Kind::kAtTime:
      // Saturates rather than overflows for times beyond any commit.
      return stream.position_at_time(start.time_ms > INT64_MAX / 1000 ? INT64_MAX : start.time_ms * 1000);
    case StartLocation::Kind::kChangeId: {
      // A query that reads (limit 1, nothing kept) checks the id against the log's own
      // transaction, commit time included; the id itself is the position.
      stream.query(start.change_id, {}, [](const ChangeEvent&) { return false; }, 1);
      return start.change_id;
    }
  }
  return stream.current();
}

// resolve_start() reads the log (a start at a time walks it), so it runs before the groups'
// lock is taken: pruning waits on that lock. Under the lock a cheap seek confirms the position
// is still in the log; if pruning took it meanwhile, the start is resolved again.
template <typename UnderLock>
void with_start_resolved(const ChangeStream& stream, const std::string& dir, const StartLocation& start,
                         UnderLock&& under_lock) {
  for (int attempt = 0;; ++attempt) {
    std::string position = resolve_start(stream, start);
    ConsumerLock lock(dir, true);
    try {
      stream.query(position, {}, [](const ChangeEvent&) { return false; }, 1);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kCdcPruned || attempt == 2) throw;
      continue;
    }
    under_lock(position);
    return;
  }
}

// Holds a group for one consumer: an flock on DIR/consumers/NAME.lock, taken without waiting.
class GroupInUse {
 public:
  GroupInUse(const std::string& dir, std::string_view name) {
    std::string path = fmt::format("{}/{}.lock", dir, name);
    for (;;) {
      fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, txlog::new_file_mode(dir));
      if (fd_ < 0) throw Error(ErrorCode::kIo, fmt::format("cannot open {}: {}", path, std::strerror(errno)));
      if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        int err = errno;
        ::close(fd_);
        fd_ = -1;
        if (err == EWOULDBLOCK)
          throw Error(ErrorCode::kLocked, fmt::format("consumer group \"{}\" has a consumer open already (one "
                                                      "consumer per group at a time)",
                                                      name));
        throw Error(ErrorCode::kIo, fmt::format("cannot lock {}: {}", path, std::strerror(err)));
      }
      // A delete removes the lock file while it holds it: a lock taken on the removed file
      // guards nothing, so take it again on the file the name now means.
      struct stat held {}, named {};
      if (::fstat(fd_, &held) == 0 && ::stat(path.c_str(), &named) == 0 && held.st_ino == named.st_ino &&
          held.st_dev == named.st_dev)
        return;
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~GroupInUse() {
    if (fd_ >= 0) ::close(fd_);
  }
  GroupInUse(const GroupInUse&) = delete;
  GroupInUse& operator=(const GroupInUse&) = delete;

 private:
  int fd_ = -1;
};

ConsumerGroupInfo info_of(const ConsumerRecord& record) {
  ConsumerGroupInfo info;
  info.name = record.name;
  info.selectors = selector_texts(record);
  info.start = record.start;
  info.position = record.position;
  info.position_tx = cdc::decode_change_id(record.position).tx_id;
  info.auto_commit = record.auto_commit;
  info.hold_bytes = record.hold_bytes;
  info.lost = record.lost;
  info.created_us = record.created_us;
  info.committed_us = record.committed_us;
  return info;
}

// Bytes of the segments holding transactions at or after `needs_tx` (whole segments).
std::uint64_t bytes_from(const ChangeStream& stream, std::uint64_t needs_tx) {
  if (cdc::decode_change_id(stream.current()).tx_id < needs_tx) return 0;  // caught up
  auto segments = txlog::list_segments((stream.dir() / "txlog").string());
  std::uint64_t bytes = 0;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    bool needed = i + 1 == segments.size();
    if (!needed) {
      try {
        txlog::SegmentReader next(segments[i + 1].path);
        needed = next.header_status() != txlog::HeaderStatus::kOk || next.header().first_tx > needs_tx;
      } catch (const Error&) {
        needed = true;  // pruned or being created under us: count it, an upper bound
      }
    }
    if (needed) bytes += segments[i].bytes;
  }
  return bytes;
}

void fill_lag(const ChangeStream& stream, ConsumerGroupInfo& info, const ConsumerRecord& record) {
  if (!record.lost.empty()) return;
  // Inside a snapshot the lag would be a read of the rest of the store: not counted.
  if (cdc::decode_change_id(record.position).in_snapshot()) return;
  std::uint64_t changes = 0;
  try {
    stream.query(record.position, parsed_selectors(record), [&](const ChangeEvent&) {
      ++changes;
      return true;
    });
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kCdcPruned && e.code() != ErrorCode::kCdcOldGeneration) throw;
    info.lost = e.what();  // not stored here: the group's next poll marks it
    return;
  }
  info.lag_changes = changes;
  info.lag_bytes = bytes_from(stream, record.needs_tx);
}

// Stores a new position for a group, under the groups' lock; a group lost or deleted in the
// meantime is refused.
ConsumerRecord store_position(const ChangeStream& stream, std::string_view name, const std::string& position) {
  // The changes up to the position are durable before the position is: a power cut may take
  // back what a kAsync reader saw, never leave the group ahead of the log.
  stream.make_durable();
  std::string dir = groups_dir(stream);
  ConsumerLock lock(dir, true);
  auto record = txlog::read_consumer_record(dir, name);
  if (!record) no_group(stream, name);
  if (!record->lost.empty()) group_lost(name, record->lost);
  record->position = position;
  record->needs_tx = needs_tx_of(position);
  record->committed_us = now_us();
  txlog::write_consumer_record(dir, *record);
  return *record;
}

void mark_lost(const ChangeStream& stream, std::string_view name, const std::string& why) {
  std::string dir = groups_dir(stream);
  ConsumerLock lock(dir, true);
  auto record = txlog::read_consumer_record(dir, name);
  if (!record || !record->lost.empty()) return;
  record->lost = why;
  txlog::write_consumer_record(dir, *record);
}

bool parse_digits(std::string_view text, std::int64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

StartLocation parse_start_location(std::string_view text) {
  if (text == "earliest") return StartLocation::earliest();
  if (text == "latest") return StartLocation::latest();
  if (text == "snapshot") return StartLocation::snapshot();
  std::int64_t ms = 0;
  if (!text.empty() && text.front() != '-' && parse_digits(text, ms)) return StartLocation::at_time(ms);
  // A date first ("2026-11-21…"): read as a time, and if it is not one, say why.
  if (text.size() >= 5 && text[4] == '-' && text.find_first_not_of("0123456789") == 4)
    return StartLocation::at_time(txlog::parse_utc_time(text) / 1000);
  try {
    cdc::decode_change_id(text);
    return StartLocation::after(std::string(text));
  } catch (const Error&) {
  }
  throw Error(ErrorCode::kInvalidArgument,
              fmt::format("\"{}\" is not a start location: use earliest, latest, snapshot, a UTC time "
                          "(2026-11-21T10:00:00Z, 2026-11-21T10:00:00.250Z or 2026-11-21), milliseconds since the epoch, or a "
                          "change id",
                          text));
}

std::string start_location_text(const StartLocation& start) {
  switch (start.kind) {
    case StartLocation::Kind::kEarliest:
      return "earliest";
    case StartLocation::Kind::kLatest:
      return "latest";
    case StartLocation::Kind::kSnapshot:
      return "snapshot";
    case StartLocation::Kind::kAtTime:
      return std::to_string(start.time_ms);
    case StartLocation::Kind::kChangeId:
      return start.change_id;
  }
  return "latest";
}

ConsumerGroupInfo create_consumer_group(const ChangeStream& stream, std::string_view name,
                                        const ConsumerGroupOptions& options) {
  txlog::check_consumer_name(name);
  if (options.hold_bytes && *options.hold_bytes == 0)
    throw Error(ErrorCode::kInvalidArgument, fmt::format("consumer group \"{}\": a hold of 0 bytes holds nothing; "
                                                         "give a size (1G) or no hold",
                                                         name));
  ConsumerRecord record;
  record.name = std::string(name);
  record.selectors_json = selectors_json(options.selectors);
  record.start = start_location_text(options.start);
  record.auto_commit = options.auto_commit;
  record.hold_bytes = options.hold_bytes;
  std::string dir = groups_dir(stream);
  auto exists = [&] {
    if (txlog::read_consumer_record(dir, name))
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("consumer group \"{}\" exists already (reset it, or delete it first)", name));
  };
  exists();
  // Written under the lock, so that pruning cannot take the start position away before the
  // group holds it.
  with_start_resolved(stream, dir, options.start, [&](const std::string& position) {
    exists();
    record.position = position;
    record.needs_tx = needs_tx_of(record.position);
    record.created_us = record.committed_us = now_us();
    stream.make_durable();  // as store_position() does
    txlog::write_consumer_record(dir, record);
  });
  return info_of(record);
}

std::vector<ConsumerGroupInfo> list_consumer_groups(const ChangeStream& stream, bool lag) {
  std::vector<ConsumerGroupInfo> out;
  for (const auto& record : txlog::read_consumer_records(groups_dir(stream))) {
    out.push_back(info_of(record));
    if (lag) fill_lag(stream, out.back(), record);
  }
  return out;
}

ConsumerGroupInfo consumer_group(const ChangeStream& stream, std::string_view name) {
  txlog::check_consumer_name(name);
  auto record = txlog::read_consumer_record(groups_dir(stream), name);
  if (!record) no_group(stream, name);
  ConsumerGroupInfo info = info_of(*record);
  fill_lag(stream, info, *record);
  return info;
}

ConsumerGroupInfo reset_consumer_group(const ChangeStream& stream, std::string_view name, const StartLocation& start) {
  txlog::check_consumer_name(name);
  std::string dir = groups_dir(stream);
  if (!txlog::read_consumer_record(dir, name)) no_group(stream, name);
  GroupInUse in_use(dir, name);
  std::optional<txlog::ConsumerRecord> record;
  with_start_resolved(stream, dir, start, [&](const std::string& position) {
    record = txlog::read_consumer_record(dir, name);
    if (!record) no_group(stream, name);
    record->position = position;
    record->needs_tx = needs_tx_of(record->position);
    record->start = start_location_text(start);
    record->lost.clear();
    record->committed_us = now_us();
    stream.make_durable();  // as store_position() does
    txlog::write_consumer_record(dir, *record);
  });
  return info_of(*record);
}

bool delete_consumer_group(const ChangeStream& stream, std::string_view name) {
  txlog::check_consumer_name(name);
  std::string dir = groups_dir(stream);
  if (!txlog::read_consumer_record(dir, name)) return false;
  GroupInUse in_use(dir, name);
  ConsumerLock lock(dir, true);
  bool removed = txlog::remove_consumer_record(dir, name);
  ::unlink(fmt::format("{}/{}.lock", dir, name).c_str());  // only ever a lock: nothing to lose
  return removed;
}

struct Consumer::Impl {
  const ChangeStream* stream;
  std::string name;
  std::unique_ptr<GroupInUse> in_use;
  bool auto_commit = true;
  std::vector<ChangeSelector> selectors;
  std::string position;   // after the last batch polled
  std::string committed;  // stored in the group file
  bool open = true;

  void check_open() const {
    if (!open)
      throw Error(ErrorCode::kTransactionClosed, fmt::format("the consumer of group \"{}\" is closed", name));
  }

  void commit(const std::string& to) {
    check_open();
    store_position(*stream, name, to);
    committed = to;
  }

  QueryResult read(std::vector<ChangeEvent>& events, std::size_t limit) {
    try {
      return stream->query(position, selectors, [&](const ChangeEvent& e) {
        events.push_back(e);
        return true;
      }, limit);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kCdcPruned && e.code() != ErrorCode::kCdcOldGeneration) throw;
      mark_lost(*stream, name, e.what());
      group_lost(name, e.what());
    }
  }
};

Consumer::Consumer(const ChangeStream& stream, std::string_view group) : impl_(std::make_shared<Impl>()) {
  txlog::check_consumer_name(group);
  std::string dir = groups_dir(stream);
  if (!txlog::read_consumer_record(dir, group)) no_group(stream, group);
  impl_->stream = &stream;
  impl_->name = std::string(group);
  impl_->in_use = std::make_unique<GroupInUse>(dir, group);
  auto record = txlog::read_consumer_record(dir, group);  // again, now that no one resets it
  if (!record) no_group(stream, group);
  if (!record->lost.empty()) group_lost(group, record->lost);
  impl_->auto_commit = record->auto_commit;
  impl_->selectors = parsed_selectors(*record);
  impl_->position = impl_->committed = record->position;
}

// Releases the group without committing: a consumer destroyed by an exception from the
// application's handler must not commit the batch the handler did not finish. close() commits.
Consumer::~Consumer() {
  if (!impl_) return;
  impl_->open = false;
  impl_->in_use.reset();
}

Consumer::Consumer(Consumer&&) noexcept = default;
Consumer& Consumer::operator=(Consumer&&) noexcept = default;

ChangeBatch Consumer::poll(std::size_t limit, std::chrono::milliseconds wait) {
  Impl& c = *impl_;
  c.check_open();
  if (limit == 0)
    throw Error(ErrorCode::kInvalidArgument, fmt::format("consumer group \"{}\": poll needs a limit of at least 1", c.name));
  if (c.auto_commit && c.position != c.committed) c.commit(c.position);
  // The pruner marks a group lost in its file; look before reading.
  auto record = txlog::read_consumer_record(groups_dir(*c.stream), c.name);
  if (!record) no_group(*c.stream, c.name);
  if (!record->lost.empty()) group_lost(c.name, record->lost);

  ChangeBatch batch;
  batch.consumer_ = impl_;
  auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    QueryResult result = c.read(batch.events, limit);
    c.position = result.position;
    for (auto& n : result.imports) batch.imports.push_back(std::move(n));
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (!batch.events.empty() || !batch.imports.empty() || left.count() <= 0) break;
    if (!c.stream->wait(c.position, left)) break;
  }
  batch.position = c.position;
  for (const auto& e : batch.events) {
    switch (e.operation) {
      case ChangeOperation::kCreate:
        ++batch.counts.creates;
        break;
      case ChangeOperation::kUpdate:
        ++batch.counts.updates;
        break;
      case ChangeOperation::kDelete:
        ++batch.counts.deletes;
        break;
    }
  }
  return batch;
}

void Consumer::commit() {
  impl_->check_open();
  if (impl_->position != impl_->committed) impl_->commit(impl_->position);
}

void Consumer::commit(std::string_view position) {
  impl_->check_open();
  std::string checked = resolve_start(*impl_->stream, StartLocation::after(std::string(position)));
  impl_->commit(checked);
  impl_->position = checked;
}

void Consumer::close() {
  if (!impl_ || !impl_->open) return;
  struct Release {
    Impl& c;
    ~Release() {
      c.open = false;
      c.in_use.reset();
    }
  } release{*impl_};
  if (impl_->auto_commit && impl_->position != impl_->committed) impl_->commit(impl_->position);
}

const std::string& Consumer::group() const { return impl_->name; }
const std::string& Consumer::position() const { return impl_->position; }
const std::string& Consumer::committed() const { return impl_->committed; }
bool Consumer::auto_commit() const { return impl_->auto_commit; }

void ChangeBatch::commit() const {
  auto consumer = std::static_pointer_cast<Consumer::Impl>(consumer_.lock());
  if (!consumer || !consumer->open)
    throw Error(ErrorCode::kTransactionClosed, "this batch's consumer is closed: open a consumer of the group and "
                                               "poll again");
  consumer->commit(position);
}

}  // namespace txgraph
