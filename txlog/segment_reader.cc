#include "txlog/segment_reader.h"

#include <algorithm>

#include <fmt/format.h>

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

bool SegmentReader::only_zeros_from(std::uint64_t offset) {
  for (std::uint64_t pos = offset; pos < file_size_;) {
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(kReadChunk, file_size_ - pos));
    if (!load(pos, n)) return false;
    std::string_view chunk(buffer_.data() + (pos - buffer_offset_), n);
    if (chunk.find_first_not_of('\0') != std::string_view::npos) return false;
    pos += n;
  }
  return true;
}

SegmentReader::Next SegmentReader::damaged(std::string why, bool at_tail) {
  problem_ = std::move(why);
  if (at_tail || only_zeros_from(offset_)) return Next::kTornTail;
  return Next::kCorrupt;
}

SegmentReader::Next SegmentReader::next(Frame* out) {
  if (header_status_ != HeaderStatus::kOk) {
    problem_ = std::string(header_status_text(header_status_));
    offset_ = 0;
    return Next::kCorrupt;
  }
  if (offset_ == file_size_) return Next::kEnd;
  if (!load(offset_, kFrameHeaderSize))
    return damaged(fmt::format("incomplete frame header ({} bytes left)", file_size_ - offset_), true);
  const char* head = buffer_.data() + (offset_ - buffer_offset_);
  FrameHeader fh = decode_frame_header(head);
  if (fh.type == 0 && fh.length == 0 && fh.checksum == 0) return damaged("zero-filled frame header", false);
  if (!is_known_record_type(fh.type)) return damaged(fmt::format("unknown record type {}", fh.type), false);
  if (fh.length > kMaxRecordSize) return damaged(fmt::format("implausible record length {}", fh.length), false);
  std::uint64_t end = offset_ + kFrameHeaderSize + fh.length;
  if (end > file_size_)
    return damaged(fmt::format("record of {} bytes runs past the end of the file", fh.length), true);
  if (!load(offset_, kFrameHeaderSize + fh.length)) return damaged("short read", true);
  head = buffer_.data() + (offset_ - buffer_offset_);
  std::string_view payload(head + kFrameHeaderSize, fh.length);
  std::uint64_t checksum = frame_checksum(head, std::span(&payload, 1));
  if (checksum != fh.checksum) return damaged("record checksum mismatch", end == file_size_);
  out->type = static_cast<RecordType>(fh.type);
  out->flags = fh.flags;
  out->offset = offset_;
  out->payload.assign(head + kFrameHeaderSize, fh.length);
  offset_ = end;
  return Next::kRecord;
}

}  // namespace txgraph::txlog
