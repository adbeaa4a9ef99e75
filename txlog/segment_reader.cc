#include "txlog/segment_reader.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "txgraph/error.h"
#include "txlog/compression_dictionary.h"

namespace txgraph::txlog {

namespace {
constexpr std::size_t kReadChunk = 256 * 1024;
}

SegmentReader::SegmentReader(const std::string& path) : file_(path, File::Mode::kRead) {
  file_size_ = file_.size();
  if (!load(0, kSegmentHeaderSize)) {
    header_status_ = HeaderStatus::kTooShort;
  } else {
    header_status_ = decode_segment_header(std::string_view(buffer_).substr(0, kSegmentHeaderSize), &header_);
  }
  offset_ = kSegmentHeaderSize;
  decompressor_.set_dictionary_source([this](std::uint64_t offset) { return dictionary_at(offset); });
}

std::shared_ptr<const CompressionDictionary> SegmentReader::dictionary_at(std::uint64_t offset) {
  auto found = dictionaries_.find(offset);
  if (found != dictionaries_.end()) return found->second;
  auto dictionary = read_dictionary_frame(file_, offset);
  dictionaries_.emplace(offset, dictionary);
  return dictionary;
}

void SegmentReader::seek(std::uint64_t offset) {
  offset_ = std::max<std::uint64_t>(offset, kSegmentHeaderSize);
  decompressor_.reset();
  group_dictionary_.reset();
  behind_.clear();
}

void SegmentReader::catch_up() {
  for (const Behind& b : behind_) {
    std::uint64_t at = b.offset + kFrameHeaderSize;
    std::string_view stored;
    if (at >= buffer_offset_ && at + b.length <= buffer_offset_ + buffer_.size()) {
      stored = std::string_view(buffer_.data() + (at - buffer_offset_), b.length);
    } else {
      behind_payload_.resize(b.length);
      if (file_.read_at(at, behind_payload_.data(), b.length) != b.length)
        throw Error(ErrorCode::kCorruption, "a log record read before is no longer in the file");
      stored = behind_payload_;
    }
    decompressor_.decompress(b.flags, stored, b.offset);
  }
  behind_.clear();
}

std::string_view SegmentReader::decompress_skipped(std::uint64_t group_offset, std::uint64_t offset) {
  if (group_offset < kSegmentHeaderSize || group_offset > offset)
    throw Error(ErrorCode::kInvalidArgument, fmt::format("no skipped record at offset {}", offset));
  // Decoded apart from the reader's own stream, which may be in another group by now: from
  // the skipped record's restart point on, the frames are contiguous.
  if (!side_decompressor_) {
    side_decompressor_ = std::make_unique<StreamDecompressor>();
    side_decompressor_->set_dictionary_source([this](std::uint64_t offset) { return dictionary_at(offset); });
  }
  side_decompressor_->reset();
  for (std::uint64_t at = group_offset;;) {
    char head[kFrameHeaderSize];
    if (file_.read_at(at, head, sizeof head) != sizeof head)
      throw Error(ErrorCode::kCorruption, fmt::format("the log record at offset {} is no longer in the file", at));
    FrameHeader fh = decode_frame_header(head);
    if (fh.length > kMaxRecordSize)
      throw Error(ErrorCode::kCorruption, fmt::format("the log record at offset {} is no longer in the file", at));
    side_payload_.resize(fh.length);
    if (file_.read_at(at + kFrameHeaderSize, side_payload_.data(), fh.length) != fh.length)
      throw Error(ErrorCode::kCorruption, fmt::format("the log record at offset {} is no longer in the file", at));
    std::string_view payload = side_decompressor_->decompress(fh.flags, side_payload_, at);
    if (at == offset) return payload;
    at += kFrameHeaderSize + fh.length;
    if (at > offset) throw Error(ErrorCode::kCorruption, fmt::format("no log record starts at offset {}", offset));
  }
}

std::string SegmentReader::read_now(std::uint64_t offset, std::size_t n) const {
  std::string bytes(n, '\0');
  bytes.resize(file_.read_at(offset, bytes.data(), n));
  return bytes;
}

void SegmentReader::refresh() {
  std::uint64_t size = file_.size();
  // At the end of the file nothing can have changed if its size did not. Short of it, the
  // reader stopped at zeros the writer preallocated, where records may have been written since.
  if (size == file_size_ && offset_ >= size) return;
  file_size_ = size;
  // The buffered tail may hold a cut-short copy of what is complete now.
  buffer_.clear();
  buffer_offset_ = 0;
  // A segment being created may have been read before its header was written.
  if (header_status_ == HeaderStatus::kTooShort && load(0, kSegmentHeaderSize))
    header_status_ = decode_segment_header(std::string_view(buffer_).substr(0, kSegmentHeaderSize), &header_);
  offset_ = std::max<std::uint64_t>(offset_, kSegmentHeaderSize);
}

bool SegmentReader::load(std::uint64_t offset, std::size_t n) {
  if (offset + n > file_size_) return false;
  if (offset >= buffer_offset_ && offset + n <= buffer_offset_ + buffer_.size()) return true;
  std::size_t want = std::max(n, kReadChunk);
  want = static_cast<std::size_t>(std::min<std::uint64_t>(want, file_size_ - offset));
  buffer_.resize(want);
  std::size_t got = file_.read_at(offset, buffer_.data(), want);
  buffer_.resize(got);
  buffer_offset_ = offset;
  return got >= n;
}

std::uint64_t SegmentReader::data_end(std::uint64_t floor) {
  for (std::uint64_t end = file_size_; end > floor;) {
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(kReadChunk, end - floor));
    if (!load(end - n, n)) return end;
    std::string_view chunk(buffer_.data() + (end - n - buffer_offset_), n);
    std::size_t last = chunk.find_last_not_of('\0');
    if (last != std::string_view::npos) return end - n + last + 1;
    end -= n;
  }
  return floor;
}

std::optional<std::uint64_t> SegmentReader::next_complete_frame(std::uint64_t from, std::uint64_t* budget) {
  for (std::uint64_t pos = from; pos + kFrameHeaderSize <= file_size_; ++pos) {
    if (!load(pos, kFrameHeaderSize)) return std::nullopt;
    FrameHeader fh = decode_frame_header(buffer_.data() + (pos - buffer_offset_));
    if (!is_known_record_type(fh.type) || (fh.flags & ~kKnownFrameFlags) != 0) continue;
    if (!(fh.flags & kFrameFlagTags) && fh.tags != 0) continue;
    if (fh.length > file_size_ - pos - kFrameHeaderSize) continue;
    if (fh.length > *budget) {
      *budget = 0;
      return std::nullopt;
    }
    *budget -= fh.length;
    if (!load(pos, kFrameHeaderSize + fh.length)) return std::nullopt;
    const char* head = buffer_.data() + (pos - buffer_offset_);
    std::string_view payload(head + kFrameHeaderSize, fh.length);
    if (frame_checksum(head, std::span(&payload, 1)) == fh.checksum) return pos;
  }
  return std::nullopt;
}

// Bounded work: candidates that pass the header checks are rare in real data, but a crafted
// payload could offer one at every byte, each with a long checksum to compute.
std::uint64_t SegmentReader::scan_budget(std::uint64_t from) const {
  return 2 * (file_size_ - std::min(from, file_size_)) + kReadChunk;
}

bool SegmentReader::complete_frame_from(std::uint64_t from) {
  std::uint64_t budget = scan_budget(from);
  return next_complete_frame(from, &budget).has_value();
}

bool SegmentReader::synced_past(std::uint64_t hole) {
  std::uint64_t budget = scan_budget(hole);
  for (std::uint64_t pos = hole + 1;;) {
    auto found = next_complete_frame(pos, &budget);
    if (!found) return budget == 0;  // looked too long: take it for damage, never cut
    load(*found, kFrameHeaderSize);
    FrameHeader fh = decode_frame_header(buffer_.data() + (*found - buffer_offset_));
    load(*found, kFrameHeaderSize + fh.length);
    std::string_view stored(buffer_.data() + (*found - buffer_offset_) + kFrameHeaderSize, fh.length);
    std::uint64_t unsynced_before = 0;
    try {
      strip_sync_mark(fh.flags, stored, &unsynced_before);
    } catch (const Error&) {
      return true;  // checksummed, yet no mark can be read from it
    }
    // A frame without a mark was written when the last mark still held, which is either
    // before the hole or on a frame after it that this loop sees.
    bool marked = fh.flags & kFrameFlagSyncMark;
    if (marked && unsynced_before <= *found && *found - unsynced_before > hole) return true;
    pos = *found + kFrameHeaderSize + fh.length;
  }
}

SegmentReader::Next SegmentReader::damaged(std::string why, std::uint64_t frame_end) {
  problem_ = std::move(why);
  // A crash mid-append leaves the last frame cut short, or, when a power cut loses unsynced
  // pages, zeros from somewhere inside the frame to the end of the file. Data after the frame
  // was written after it, so the frame was not the last one: damage, unless it is all unsynced.
  if (data_end(offset_) <= frame_end) return Next::kTornTail;
  return unsynced_hole_or_damage();
}

SegmentReader::Next SegmentReader::unsynced_hole_or_damage() {
  // A power cut while a sync is in flight keeps a random subset of the pages written since
  // the last completed one: a record's header may be lost (zeros) and its end, or later
  // records, kept. None of them was acknowledged. Only a frame written after a sync that
  // reached past the bad frame proves that the bad frame was durable, and so damaged.
  if (header_.format_version >= 3 && !synced_past(offset_)) {
    problem_ = fmt::format("{}; no sync reached it, so it and all after it are the unsynced end of the log, "
                           "which a power cut kept only in part",
                           problem_);
    return Next::kTornTail;
  }
  return Next::kCorrupt;
}

SegmentReader::Next SegmentReader::zero_tail() {
  problem_.clear();
  zero_tail_ = true;
  return Next::kEnd;
}

SegmentReader::Next SegmentReader::next(Frame* out) {
  FrameView view;
  Next r = next_view(&view);
  if (r != Next::kRecord) return r;
  out->type = view.type;
  out->flags = view.flags;
  out->offset = view.offset;
  out->stored_size = view.stored_size;
  out->payload.assign(view.payload);
  return r;
}

SegmentReader::Next SegmentReader::next_view(FrameView* out) {
  for (;;) {
    Next r = next_frame(out);
    if (r != Next::kRecord || out->type != RecordType::kCompressionDictionary) return r;
  }
}

SegmentReader::Next SegmentReader::next_frame(FrameView* out) {
  if (header_status_ != HeaderStatus::kOk) {
    problem_ = std::string(header_status_text(header_status_));
    offset_ = 0;
    return Next::kCorrupt;
  }
  zero_tail_ = false;
  if (offset_ == file_size_) return Next::kEnd;
  // Zeros from a frame boundary to the end of the file are the end of the records: the
  // writer's preallocated space, or appends a power cut lost whole. Only a frame header that
  // is all or partly missing, or zero, is looked at that way, so whole frames cost nothing.
  if (!load(offset_, kFrameHeaderSize)) {
    if (data_end(offset_) == offset_) return zero_tail();
    return damaged(fmt::format("incomplete frame header ({} bytes left)", file_size_ - offset_), file_size_);
  }
  const char* head = buffer_.data() + (offset_ - buffer_offset_);
  FrameHeader fh = decode_frame_header(head);
  char head_copy[kFrameHeaderSize];
  std::memcpy(head_copy, head, sizeof head_copy);
  // A bad header says nothing about the frame's length: only the header itself is the frame.
  const std::uint64_t header_end = offset_ + kFrameHeaderSize;
  if (fh.type == 0 && fh.length == 0 && fh.checksum == 0) {
    if (data_end(offset_) == offset_) return zero_tail();
    // The zeros may be an old picture of the file: a writer appending now wrote the frame
    // here after the buffer was read (and, from the same thread, what follows it after that).
    // Look at the header once more in the file itself before taking the zeros for damage.
    char again[kFrameHeaderSize];
    if (file_.read_at(offset_, again, sizeof again) == sizeof again &&
        std::string_view(again, sizeof again) != std::string_view(head_copy, sizeof head_copy)) {
      buffer_.clear();
      buffer_offset_ = 0;
      return next_frame(out);
    }
    return damaged("zero-filled frame header", header_end);
  }
  if (!is_known_record_type(fh.type)) return damaged(fmt::format("unknown record type {}", fh.type), header_end);
  if (fh.length > kMaxRecordSize) return damaged(fmt::format("implausible record length {}", fh.length), header_end);
  std::uint64_t end = offset_ + kFrameHeaderSize + fh.length;
  if (end > file_size_) {
    // What a crash mid-append leaves, unless the length field itself is damaged: then the
    // frames after this one are still there, which a cut-short last append cannot have.
    if (complete_frame_from(header_end)) {
      problem_ = fmt::format("record length {} runs past the end of the file, but complete records follow", fh.length);
      return unsynced_hole_or_damage();
    }
    return damaged(fmt::format("record of {} bytes runs past the end of the file", fh.length), file_size_);
  }
  if (!load(offset_, kFrameHeaderSize + fh.length)) return damaged("short read", file_size_);
  head = buffer_.data() + (offset_ - buffer_offset_);
  std::string_view payload(head + kFrameHeaderSize, fh.length);
  std::uint64_t checksum = frame_checksum(head, std::span(&payload, 1));
  if (checksum != fh.checksum) return damaged("record checksum mismatch", end);
  // Checksummed, so what follows is no torn write: damage wherever it is.
  const bool v1 = header_.format_version < 2;
  std::uint8_t known_flags = frame_flags_of_version(header_.format_version);
  if (fh.type == static_cast<std::uint8_t>(RecordType::kCompressionDictionary)) known_flags &= ~kFrameFlagSyncMark;
  constexpr std::uint8_t kCompressedRestart = kFrameFlagCompressed | kFrameFlagRestart;
  if ((fh.flags & ~known_flags) != 0 || (!(fh.flags & kFrameFlagTags) && fh.tags != 0) ||
      (v1 && fh.type == static_cast<std::uint8_t>(RecordType::kCompressionDictionary)) ||
      ((fh.flags & kFrameFlagDictionary) && (fh.flags & kCompressedRestart) != kCompressedRestart) ||
      ((fh.flags & kFrameFlagTags) && fh.type != static_cast<std::uint8_t>(RecordType::kTransaction))) {
    problem_ = fmt::format("record of type {} with flags {:#04x} and tags {:#06x}, which format version {} does not write",
                           fh.type, fh.flags, fh.tags, header_.format_version);
    return Next::kCorrupt;
  }
  out->type = static_cast<RecordType>(fh.type);
  out->flags = fh.flags;
  out->offset = offset_;
  out->stored_size = fh.length;
  out->skipped = false;
  try {
    if (out->type == RecordType::kCompressionDictionary) {
      // Read (and checked) as the reader passes it; the records after it refer to it.
      if (fh.flags != 0) throw Error(ErrorCode::kCorruption, "a compression dictionary record with frame flags");
      if (!dictionaries_.count(offset_)) dictionaries_.emplace(offset_, decode_dictionary_record(payload));
      if (offset_ >= dictionary_bytes_end_) {
        dictionary_bytes_ += fh.length;
        dictionary_bytes_end_ = end;
      }
      out->payload = payload;
      offset_ = end;
      return Next::kRecord;
    }
    if (fh.flags & kFrameFlagRestart) {
      group_start_ = offset_;
      std::uint64_t at = StreamDecompressor::dictionary_offset_of(fh.flags, payload, offset_);
      group_dictionary_ = at != 0 ? dictionary_at(at) : nullptr;
      behind_.clear();  // a restart needs nothing before it
    }
    if (filter_ && (fh.flags & kFrameFlagTags) && group_dictionary_ &&
        !filter_->may_match(group_dictionary_, fh.tags)) {
      behind_.push_back({offset_, fh.flags, fh.length});
      out->group_offset = group_start_;
      out->payload = {};
      out->skipped = true;
      offset_ = end;
      return Next::kRecord;
    }
    catch_up();
    out->payload = decompressor_.decompress(fh.flags, payload, offset_);
  } catch (const Error& e) {
    // Checksummed yet undecodable: not a torn write, so damage wherever it is.
    problem_ = e.what();
    return Next::kCorrupt;
  }
  offset_ = end;
  return Next::kRecord;
}

}  // namespace txgraph::txlog
