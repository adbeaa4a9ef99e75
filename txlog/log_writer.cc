#include "txlog/log_writer.h"

#include <sys/uio.h>

#include <filesystem>
#include <vector>

#include <fmt/format.h>

#include "txgraph/error.h"
#include "txlog/tx_record.h"

namespace txgraph::txlog {

LogWriter::LogWriter(LogWriterOptions options, std::uint64_t active_number, std::uint64_t active_end,
                     std::uint64_t next_number, std::uint64_t next_tx)
    : options_(std::move(options)), compressor_(options_.compression_level) {
  frame_header_.resize(kFrameHeaderSize);
  if (active_number != 0) {
    active_ = std::make_shared<File>(
        (std::filesystem::path(options_.dir) / segment_file_name(active_number)).string(), File::Mode::kReadWrite);
    active_number_ = active_number;
    active_size_ = active_end;
    // A crash leaves the zeros an earlier writer preallocated after the records: they are
    // this writer's to write over, and to cut off when the segment closes.
    preallocated_end_ = std::max(active_end, active_->size());
    // What a crashed writer left may be in the page cache only: it is made durable before
    // anything is written after it, or the open's checkpoint could pin a store holding
    // transactions whose records a power cut then takes from the log. The first frame after
    // it says so in its sync mark, so that damage before it is never taken for an unsynced
    // tail.
    active_->sync();
    written_offset_ = active_end;
    synced_offset_ = active_end;
    marked_synced_offset_ = 0;
    // A segment of an older format version goes on in that version: no dictionary and no
    // tags go into it (the next segment has them).
    std::string head(kSegmentHeaderSize, '\0');
    SegmentHeader header;
    if (active_->read_at(0, head.data(), head.size()) == head.size() &&
        decode_segment_header(head, &header) == HeaderStatus::kOk)
      segment_version_ = header.format_version;
  } else {
    create_segment(next_number, next_tx);
  }
}

LogWriter::~LogWriter() = default;

void LogWriter::refuse() const {
  throw Error(ErrorCode::kWritesRefused,
              fmt::format("the log refuses writes after an earlier failure ({}); reopen the database", failure_));
}

void LogWriter::create_segment(std::uint64_t number, std::uint64_t first_tx) {
  std::string path = (std::filesystem::path(options_.dir) / segment_file_name(number)).string();
  SegmentHeader header;
  header.database_uuid = options_.database_uuid;
  header.segment_number = number;
  header.first_tx = first_tx;
  header.enrichment_generation = options_.enrichment_generation;
  header.created_us = options_.now_us ? options_.now_us() : 0;
  auto file = std::make_shared<File>(path, File::Mode::kCreateExclusive);
  try {
    // The header is synced and the folder entry made durable before any record goes in: a
    // crash in between leaves a segment with a header and no records, or a torn header in
    // the last segment, which recovery removes.
    file->write_at(0, encode_segment_header(header));
    file->sync();
    sync_directory(options_.dir);
  } catch (...) {
    try {
      remove_file(path);
    } catch (...) {
    }
    throw;
  }
  compressor_.request_restart();  // every segment can be read without the ones before it
  // Nor without its own dictionary, which is trained from the segment's own records (so that
  // pruning a segment takes with it every byte of its records): until there are enough of
  // them, the stream runs on without one.
  compressor_.set_dictionary(nullptr, 0);
  dictionary_.reset();
  segment_has_dictionary_ = false;
  trainer_.clear();
  segment_version_ = kSegmentFormatVersion;
  std::lock_guard lock(mutex_);
  active_ = std::move(file);
  active_number_ = number;
  active_size_ = kSegmentHeaderSize;
  preallocated_end_ = 0;
  // Everything before this segment was synced by rotate(); a fresh segment holds nothing.
  synced_ = written_;
  written_offset_ = marked_synced_offset_ = kSegmentHeaderSize;
  synced_offset_ = kSegmentHeaderSize;
}

void LogWriter::rotate(std::uint64_t next_tx) {
  // Sync the old segment completely first, so that only the active segment ever holds
  // unsynced records and sync_to() needs to sync one file. A failed sync is final here as in
  // sync_to(): a retry could succeed after the kernel dropped the pages, and the new segment
  // would then count the old one's records as synced.
  try {
    // A closed segment ends at its last record: readers take zeros (or a torn tail) after
    // the records of a segment that is not the last for damage. The sync makes the cut size
    // durable with the records.
    if (preallocated_end_ > active_size_) active_->truncate(active_size_);
    preallocated_end_ = 0;
    active_->sync();
  } catch (const Error& e) {
    std::lock_guard lock(mutex_);
    failure_ = e.what();
    synced_cv_.notify_all();
    throw;
  }
  create_segment(active_number_ + 1, next_tx);
}

void LogWriter::preallocate() {
  // Ahead by one to two chunks, and never by more than a quarter of the rotation size, so
  // small segments stay small.
  std::uint64_t chunk = std::min<std::uint64_t>(kPreallocateChunk, options_.rotation_size / 4);
  if (!options_.preallocate || chunk < 4096 || active_size_ + chunk <= preallocated_end_) return;
  static const std::string zeros(kPreallocateChunk, '\0');
  std::uint64_t from = std::max(preallocated_end_, active_size_);
  std::uint64_t to = active_size_ + 2 * chunk;
  try {
    while (from < to) {
      std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(to - from, zeros.size()));
      active_->write_at(from, std::string_view(zeros.data(), n));
      from += n;
    }
  } catch (const Error&) {
    // Zeros are only a speed-up: a full disk refuses them first, before any record. Whatever
    // part of them reached the file reads as the end of the log, as it should.
  }
  preallocated_end_ = std::max(preallocated_end_, from);
}

void LogWriter::trim_preallocated() {
  if (preallocated_end_ <= active_size_) return;  // nothing written past the records
  try {
    active_->truncate(active_size_);
    active_->sync();
    preallocated_end_ = 0;
  } catch (const Error&) {
    // The zeros stay, which a reader takes for the end of the log as well.
  }
}

bool LogWriter::dictionaries_enabled() const {
  return compressor_.enabled() && options_.rotation_size >= kMinRotationSizeForDictionary && segment_version_ >= 2;
}

void LogWriter::provide_dictionary() {
  if (!dictionaries_enabled()) {
    // Turned off (compression, or small segments): the stream goes on without it, and
    // takes it up again, written anew, if it is turned back on.
    if (compressor_.dictionary()) compressor_.set_dictionary(nullptr, 0);
    segment_has_dictionary_ = false;
    return;
  }
  if (!dictionary_ && trainer_.ready()) dictionary_ = trainer_.train();
  if (!dictionary_ || segment_has_dictionary_) return;
  std::string payload = encode_dictionary_record(*dictionary_);
  std::string_view part(payload);
  FrameHeader fh;
  fh.type = static_cast<std::uint8_t>(RecordType::kCompressionDictionary);
  fh.length = static_cast<std::uint32_t>(payload.size());
  std::uint64_t offset = active_size_;
  write_frame(fh, std::span(&part, 1));
  compressor_.set_dictionary(dictionary_, offset);
  segment_has_dictionary_ = true;
}

void LogWriter::write_frame(const FrameHeader& header, std::span<const std::string_view> payload_parts) {
  FrameHeader fh = header;
  encode_frame_header(fh, frame_header_.data());
  fh.checksum = frame_checksum(frame_header_.data(), payload_parts);
  encode_frame_header(fh, frame_header_.data());

  std::vector<struct iovec> iov;
  iov.reserve(payload_parts.size() + 1);
  iov.push_back({frame_header_.data(), kFrameHeaderSize});
  for (auto part : payload_parts) iov.push_back({const_cast<char*>(part.data()), part.size()});
  try {
    active_->write_at(active_size_, iov.data(), static_cast<int>(iov.size()));
  } catch (const Error&) {
    compressor_.request_restart();  // the stream must not refer to a record no reader sees
    // Cut off whatever part of the frame reached the file, so a later append does not land
    // after garbage. If even that fails, refuse: the tail is now unknown.
    try {
      active_->truncate(active_size_);
      preallocated_end_ = 0;
    } catch (const Error& e) {
      std::lock_guard lock(mutex_);
      failure_ = e.what();
    }
    throw;
  }
  active_size_ += kFrameHeaderSize + fh.length;
  preallocate();
  std::lock_guard lock(mutex_);
  last_frame_bytes_ = kFrameHeaderSize + fh.length;
  written_ += kFrameHeaderSize + fh.length;
  written_offset_ = active_size_;
}

LogWriter::Position LogWriter::append(RecordType type, std::span<const std::string_view> payload_parts,
                                      std::uint64_t next_tx) {
  {
    std::lock_guard lock(mutex_);
    if (!failure_.empty()) refuse();
  }
  std::size_t length = 0;
  for (auto part : payload_parts) length += part.size();
  if (length > kMaxRecordSize)
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("a log record of {} bytes is larger than the limit of {} bytes", length, kMaxRecordSize));
  if (active_size_ >= options_.rotation_size) rotate(next_tx);

  // Captured changes are what change readers select among: those records train the
  // dictionary and carry tags.
  bool captured = false;
  if (type == RecordType::kTransaction && dictionaries_enabled()) {
    joined_.clear();
    for (auto part : payload_parts) joined_ += part;
    try {
      captured = peek_tx_start(joined_).capture_mode != CaptureMode::kOff;
    } catch (const Error&) {
      captured = false;  // not ours to judge here: readers report a bad record
    }
  }
  provide_dictionary();

  FrameHeader fh;
  fh.type = static_cast<std::uint8_t>(type);
  fh.flags = compressor_.compress(payload_parts, length, active_size_, &compressed_);
  std::string_view stored_view(compressed_);
  if (fh.flags != 0) {
    payload_parts = std::span(&stored_view, 1);
    length = compressed_.size();
    if (captured && compressor_.dictionary()) {
      fh.tags = compressor_.dictionary()->tags_of(joined_);
      fh.flags |= kFrameFlagTags;
    }
  }
  // The sync mark, when a sync has completed since the last one (format version 3).
  std::uint64_t synced_offset = std::min(synced_offset_.load(), active_size_);
  bool mark = segment_version_ >= 3 && synced_offset != marked_synced_offset_;
  if (mark) {
    sync_mark_.clear();
    ByteWriter(sync_mark_).varint(active_size_ - synced_offset);
    marked_parts_.assign(1, sync_mark_);
    marked_parts_.insert(marked_parts_.end(), payload_parts.begin(), payload_parts.end());
    payload_parts = marked_parts_;
    length += sync_mark_.size();
    fh.flags |= kFrameFlagSyncMark;
  }
  fh.length = static_cast<std::uint32_t>(length);
  write_frame(fh, payload_parts);
  if (mark) marked_synced_offset_ = synced_offset;
  // Sampled once written: a record cut off again (undo_append) is taken out of the samples.
  last_sampled_ = captured && !dictionary_;
  if (last_sampled_) trainer_.add(joined_);
  std::lock_guard lock(mutex_);
  return written_;
}

void LogWriter::undo_append(Position end) {
  std::lock_guard lock(mutex_);
  if (end != written_ || last_frame_bytes_ == 0) return;  // not the last append: nothing to undo
  // Positions never move back (a concurrent sync may already count these bytes as synced);
  // only the file offset does, so the next frame overwrites this one and gets new positions.
  compressor_.request_restart();
  if (last_sampled_) trainer_.drop_last();
  last_sampled_ = false;
  try {
    active_->truncate(active_size_ - last_frame_bytes_);
    preallocated_end_ = 0;  // the zeros after the frame went with it
    // A concurrent group sync (or kFull's sync before the store commit) may already have made
    // the frame durable: the cut must be durable too, or a power cut brings the failed
    // transaction back at recovery.
    active_->sync();
    active_size_ -= last_frame_bytes_;
    written_offset_ = active_size_;
    synced_offset_ = active_size_;
  } catch (const Error& e) {
    failure_ = e.what();
  }
  last_frame_bytes_ = 0;
}

void LogWriter::sync_to(Position position) {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (!failure_.empty()) refuse();
    if (synced_ >= position) return;
    if (syncing_) {
      synced_cv_.wait(lock);
      continue;
    }
    // Become the leader: sync everything written so far, on behalf of every waiter.
    syncing_ = true;
    std::shared_ptr<File> file = active_;
    Position target = written_;
    std::uint64_t target_offset = written_offset_;
    lock.unlock();
    std::string error;
    try {
      file->sync();
    } catch (const Error& e) {
      error = e.what();
    }
    lock.lock();
    syncing_ = false;
    ++sync_count_;
    if (!error.empty()) {
      failure_ = error;
      synced_cv_.notify_all();
      throw Error(ErrorCode::kIo, fmt::format("the log could not be synced ({}); the transaction is not durable "
                                              "and the database refuses writes until reopened",
                                              error));
    }
    if (target > synced_) synced_ = target;
    // A rotation in between synced the old segment whole and started the new one synced.
    if (file == active_ && target_offset > synced_offset_.load()) synced_offset_ = target_offset;
    synced_cv_.notify_all();
  }
}

std::uint64_t LogWriter::sync_count() const {
  std::lock_guard lock(mutex_);
  return sync_count_;
}

LogWriter::Position LogWriter::written() const {
  std::lock_guard lock(mutex_);
  return written_;
}

void LogWriter::set_rotation_size(std::uint64_t bytes) { options_.rotation_size = bytes; }

void LogWriter::set_compression_level(int level) { compressor_.set_level(level); }

void LogWriter::set_enrichment_generation(std::uint64_t generation) { options_.enrichment_generation = generation; }

std::uint64_t LogWriter::active_segment() const {
  std::lock_guard lock(mutex_);
  return active_number_;
}

}  // namespace txgraph::txlog
