#include "txlog/record_compression.h"

#include <zstd.h>

#include <fmt/format.h>

#include "txgraph/error.h"
#include "txlog/byte_codec.h"
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

std::uint8_t StreamCompressor::compress(std::span<const std::string_view> parts, std::size_t raw_length,
                                        std::string* out) {
  if (level_ == 0) return 0;
  auto* cctx = cctx_of(cctx_);
  std::uint8_t flags = kFrameFlagCompressed;
  if (restart_ || since_restart_ >= kRestartInterval) {
    check_zstd(ZSTD_CCtx_reset(cctx, ZSTD_reset_session_only), "restarting log compression");
    check_zstd(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level_), "setting the log compression level");
    check_zstd(ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, kWindowLog), "setting the log compression window");
    flags |= kFrameFlagRestart;
    restart_ = false;
    since_restart_ = 0;
  }
  out->clear();
  ByteWriter w(*out);
  w.varint(raw_length);
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
  return flags;
}

StreamDecompressor::StreamDecompressor() {
  dctx_ = ZSTD_createDCtx();
  if (!dctx_) throw Error(ErrorCode::kIo, "cannot allocate a zstd decompression context");
}

StreamDecompressor::~StreamDecompressor() { ZSTD_freeDCtx(dctx_of(dctx_)); }

void StreamDecompressor::decompress(std::uint8_t flags, std::string_view stored, std::string* out) {
  if (!(flags & kFrameFlagCompressed)) {
    out->assign(stored);
    return;
  }
  auto* dctx = dctx_of(dctx_);
  if (flags & kFrameFlagRestart) {
    ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only);
    started_ = true;
  }
  if (!started_) throw Error(ErrorCode::kCorruption, "a compressed log record without its restart point");
  ByteReader r(stored, "compressed log record");
  std::uint64_t raw_length = r.varint();
  if (raw_length > kMaxRecordSize) r.fail("implausible uncompressed length");
  std::string_view body = stored.substr(r.position());
  out->resize(static_cast<std::size_t>(raw_length));
  ZSTD_inBuffer input{body.data(), body.size(), 0};
  ZSTD_outBuffer output{out->data(), out->size(), 0};
  auto fail = [&](std::string why) {
    started_ = false;
    throw Error(ErrorCode::kCorruption, "a log record does not decompress: " + why);
  };
  char spare;
  while (input.pos < input.size) {
    // Once the stated length is out, only zstd's own bookkeeping may remain, producing nothing.
    ZSTD_outBuffer extra{&spare, 1, 0};
    ZSTD_outBuffer* target = output.pos < output.size ? &output : &extra;
    std::size_t in_before = input.pos;
    std::size_t out_before = target->pos;
    std::size_t rc = ZSTD_decompressStream(dctx, target, &input);
    if (ZSTD_isError(rc)) fail(ZSTD_getErrorName(rc));
    if (extra.pos != 0) fail("more bytes than its stated length");
    if (input.pos == in_before && target->pos == out_before) fail("the stream stalls");
  }
  if (output.pos != output.size) {
    started_ = false;
    throw Error(ErrorCode::kCorruption,
                fmt::format("a log record decompresses to {} bytes, not the stated {}", output.pos, output.size));
  }
}

}  // namespace txgraph::txlog
