#include "txlog/record_compression.h"

// For the buffer-less decoding API (ZSTD_decompressContinue, ZSTD_insertBlock): the history
// stays in the decompressor's own buffer.
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "txgraph/error.h"
#include "txlog/byte_codec.h"
#include "txlog/compression_dictionary.h"
#include "txlog/segment_format.h"

namespace txgraph::txlog {

namespace {

ZSTD_CCtx* cctx_of(void* p) { return static_cast<ZSTD_CCtx*>(p); }
ZSTD_DCtx* dctx_of(void* p) { return static_cast<ZSTD_DCtx*>(p); }

void check_zstd(std::size_t rc, std::string_view what) {
  if (ZSTD_isError(rc)) throw Error(ErrorCode::kIo, fmt::format("{}: {}", what, ZSTD_getErrorName(rc)));
}

// History since a restart is at most kRestartInterval plus one record; a 1 MiB window holds
// it and bounds what a reader must keep.
constexpr int kWindowLog = 20;

// The decompressor's buffer holds the stream since its restart point: a restart interval and
// the record that passes it fit at first.
constexpr std::size_t kInitialCapacity = 2 * kRestartInterval;
// A buffer grown past this for a large record is given back at the next restart point.
constexpr std::size_t kKeptCapacity = 8 * kInitialCapacity;
// zstd's own default limit for a decoder; a stream that asks for more is not one we wrote.
constexpr std::uint64_t kMaxWindowSize = std::uint64_t{1} << 27;

}  // namespace

StreamCompressor::StreamCompressor(int level) : level_(level) {
  if (level < 0 || level > ZSTD_maxCLevel())
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("log compression level {} is out of range: 0 (off) to {}", level, ZSTD_maxCLevel()));
  cctx_ = ZSTD_createCCtx();
  if (!cctx_) throw Error(ErrorCode::kIo, "cannot allocate a zstd compression context");
}

StreamCompressor::~StreamCompressor() { ZSTD_freeCCtx(cctx_of(cctx_)); }

void StreamCompressor::set_level(int level) {
  if (level < 0 || level > ZSTD_maxCLevel())
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("log compression level {} is out of range: 0 (off) to {}", level, ZSTD_maxCLevel()));
  level_ = level;
  restart_ = true;
}

void StreamCompressor::set_dictionary(std::shared_ptr<const CompressionDictionary> dictionary,
                                      std::uint64_t frame_offset) {
  dictionary_ = std::move(dictionary);
  dictionary_offset_ = frame_offset;
  restart_ = true;
}

std::uint8_t StreamCompressor::compress(std::span<const std::string_view> parts, std::size_t raw_length,
                                        std::uint64_t frame_offset, std::string* out) {
  if (level_ == 0) return 0;
  auto* cctx = cctx_of(cctx_);
  std::uint8_t flags = kFrameFlagCompressed;
  // A group from a dictionary also ends before a record larger than a restart interval, so
  // that a reader decodes any group into the buffer it starts with (StreamDecompressor).
  bool group_full = dictionary_ && (records_since_restart_ >= kGroupRecords || raw_length > kRestartInterval);
  if (restart_ || since_restart_ >= kRestartInterval || group_full) {
    check_zstd(ZSTD_CCtx_reset(cctx, ZSTD_reset_session_only), "restarting log compression");
    check_zstd(ZSTD_CCtx_refCDict(cctx, nullptr), "restarting log compression");
    check_zstd(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level_), "setting the log compression level");
    check_zstd(ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, kWindowLog), "setting the log compression window");
    // The frame names its dictionary by distance (stored payload): zstd's own id is not needed.
    check_zstd(ZSTD_CCtx_setParameter(cctx, ZSTD_c_dictIDFlag, 0), "setting the log compression frame");
    if (dictionary_) {
      // Refer to the prepared dictionary's tables rather than copy them into the context at
      // every group: with a stream's unknown size zstd would copy them, which costs more than
      // compressing the group.
      check_zstd(ZSTD_CCtx_setParameter(cctx, ZSTD_c_forceAttachDict, ZSTD_dictForceAttach),
                 "setting the log compression dictionary");
      check_zstd(ZSTD_CCtx_refCDict(cctx, static_cast<const ZSTD_CDict*>(dictionary_->compression_dictionary(level_))),
                 "starting log compression from its dictionary");
      flags |= kFrameFlagDictionary;
    }
    flags |= kFrameFlagRestart;
    restart_ = false;
    since_restart_ = 0;
    records_since_restart_ = 0;
  }
  out->clear();
  ByteWriter w(*out);
  w.varint(raw_length);
  if (flags & kFrameFlagDictionary) w.varint(frame_offset - dictionary_offset_);
  std::size_t header = out->size();
  out->resize(header + ZSTD_compressBound(raw_length) + 64);
  ZSTD_outBuffer output{out->data(), out->size(), header};
  auto feed = [&](ZSTD_inBuffer& input, ZSTD_EndDirective mode) {
    for (;;) {
      if (output.pos == output.size) {
        out->resize(out->size() * 2);
        output.dst = out->data();
        output.size = out->size();
      }
      std::size_t left = ZSTD_compressStream2(cctx, &output, &input, mode);
      check_zstd(left, "compressing a log record");
      bool done = mode == ZSTD_e_continue ? input.pos == input.size : left == 0;
      if (done) return;
    }
  };
  try {
    for (auto part : parts) {
      ZSTD_inBuffer input{part.data(), part.size(), 0};
      feed(input, ZSTD_e_continue);
    }
    ZSTD_inBuffer none{nullptr, 0, 0};
    feed(none, ZSTD_e_flush);  // the record is complete in its own frame
  } catch (...) {
    restart_ = true;
    throw;
  }
  out->resize(output.pos);
  since_restart_ += raw_length;
  ++records_since_restart_;
  return flags;
}

StreamDecompressor::StreamDecompressor() {
  dctx_ = ZSTD_createDCtx();
  if (!dctx_) throw Error(ErrorCode::kIo, "cannot allocate a zstd decompression context");
}

StreamDecompressor::~StreamDecompressor() { ZSTD_freeDCtx(dctx_of(dctx_)); }

void StreamDecompressor::fail(std::string_view why) {
  started_ = false;
  throw Error(ErrorCode::kCorruption, fmt::format("a log record does not decompress: {}", why));
}

std::uint64_t StreamDecompressor::dictionary_offset_of(std::uint8_t flags, std::string_view stored,
                                                      std::uint64_t frame_offset) {
  if ((flags & (kFrameFlagCompressed | kFrameFlagRestart | kFrameFlagDictionary)) !=
      (kFrameFlagCompressed | kFrameFlagRestart | kFrameFlagDictionary))
    return 0;
  ByteReader r(strip_sync_mark(flags, stored), "compressed log record");
  r.varint();
  std::uint64_t distance = r.varint();
  if (distance == 0 || distance > frame_offset) r.fail("its dictionary is not before it in the segment");
  return frame_offset - distance;
}

void StreamDecompressor::restart(std::string_view body, std::size_t raw_length,
                                 const CompressionDictionary* dictionary) {
  started_ = false;
  // A huge record's buffer is not kept for the small ones after it.
  if (capacity_ > kKeptCapacity) {
    buffer_.reset();
    capacity_ = 0;
  }
  // Room for the first record before the stream begins: moving history later would lose the
  // dictionary the stream refers to (the writer keeps a group from a dictionary within this).
  if (capacity_ < raw_length || capacity_ == 0) {
    capacity_ = std::max(raw_length, kInitialCapacity);
    buffer_ = std::make_unique_for_overwrite<char[]>(capacity_);
  }
  if (dictionary) {
    check_zstd(ZSTD_decompressBegin_usingDDict(dctx_of(dctx_),
                                               static_cast<const ZSTD_DDict*>(dictionary->decompression_dictionary())),
               "restarting log decompression from its dictionary");
  } else {
    check_zstd(ZSTD_decompressBegin(dctx_of(dctx_)), "restarting log decompression");
  }
  ZSTD_frameHeader frame;
  std::size_t rc = ZSTD_getFrameHeader(&frame, body.data(), body.size());
  if (ZSTD_isError(rc)) fail(ZSTD_getErrorName(rc));
  if (rc != 0) fail("its zstd frame header is cut short");
  if (frame.frameType != ZSTD_frame) fail("it is not a zstd frame");
  if (frame.windowSize > kMaxWindowSize)
    fail(fmt::format("its zstd window of {} bytes is too large", frame.windowSize));
  window_size_ = frame.windowSize;
  used_ = 0;
  started_ = true;
}

void StreamDecompressor::make_room(std::size_t n) {
  if (capacity_ - used_ >= n) return;
  // zstd refers back at most one window: older bytes are not needed again.
  std::size_t keep = static_cast<std::size_t>(std::min<std::uint64_t>(used_, window_size_));
  const char* kept = buffer_.get() + (used_ - keep);
  if (keep + n > capacity_) {
    std::size_t capacity = std::max(keep + n, capacity_ == 0 ? kInitialCapacity : 2 * capacity_);
    auto bigger = std::make_unique_for_overwrite<char[]>(capacity);
    if (keep > 0) std::memcpy(bigger.get(), kept, keep);
    buffer_ = std::move(bigger);
    capacity_ = capacity;
  } else if (keep > 0) {
    std::memmove(buffer_.get(), kept, keep);
  }
  // zstd knows the history by where it decoded it. A one-byte block elsewhere ends the old
  // place (zstd keeps only the history just before a jump), then the moved bytes become the
  // history that the next record follows.
  ZSTD_insertBlock(dctx_of(dctx_), &before_history_, 1);
  if (keep > 0) ZSTD_insertBlock(dctx_of(dctx_), buffer_.get(), keep);
  used_ = keep;
}

std::string_view StreamDecompressor::decompress(std::uint8_t flags, std::string_view stored,
                                                std::uint64_t frame_offset) {
  stored = strip_sync_mark(flags, stored);
  if (!(flags & kFrameFlagCompressed)) return stored;
  if (!started_ && !(flags & kFrameFlagRestart))
    throw Error(ErrorCode::kCorruption, "a compressed log record without its restart point");
  if ((flags & kFrameFlagDictionary) && !(flags & kFrameFlagRestart))
    throw Error(ErrorCode::kCorruption, "a log record names a dictionary but is no restart point");
  ByteReader r(stored, "compressed log record");
  std::uint64_t raw_length = 0;
  const CompressionDictionary* dictionary = nullptr;
  try {
    raw_length = r.varint();
    if (raw_length > kMaxRecordSize) r.fail("implausible uncompressed length");
    if (flags & kFrameFlagDictionary) {
      std::uint64_t distance = r.varint();
      if (distance == 0 || distance > frame_offset) r.fail("its dictionary is not before it in the segment");
      std::uint64_t at = frame_offset - distance;
      if (!dictionary_ || dictionary_at_ != at) {
        if (!dictionaries_) r.fail("it needs a dictionary and none can be read here");
        dictionary_ = dictionaries_(at);
        dictionary_at_ = at;
      }
      dictionary = dictionary_.get();
    }
  } catch (const Error&) {
    started_ = false;
    throw;
  }
  std::string_view body = stored.substr(r.position());
  if (flags & kFrameFlagRestart) restart(body, static_cast<std::size_t>(raw_length), dictionary);
  auto* dctx = dctx_of(dctx_);
  make_room(static_cast<std::size_t>(raw_length));
  const std::size_t start = used_;
  const char* in = body.data();
  std::size_t left = body.size();
  // The record's bytes end where a block ends (the writer flushes every record), and each
  // call is given exactly what zstd asks for next: a block header, then its body.
  while (left > 0) {
    std::size_t wanted = ZSTD_nextSrcSizeToDecompress(dctx);
    if (wanted == 0) fail("bytes follow the end of its zstd frame");
    if (wanted > left) fail("its bytes end inside a zstd block");
    std::size_t produced = ZSTD_decompressContinue(dctx, buffer_.get() + used_, capacity_ - used_, in, wanted);
    if (ZSTD_isError(produced)) fail(ZSTD_getErrorName(produced));
    used_ += produced;
    in += wanted;
    left -= wanted;
    if (used_ - start > raw_length) fail("more bytes than its stated length");
  }
  if (used_ - start != raw_length)
    fail(fmt::format("it decompresses to {} bytes, not the stated {}", used_ - start, raw_length));
  return std::string_view(buffer_.get() + start, static_cast<std::size_t>(raw_length));
}

}  // namespace txgraph::txlog
