// Compression of log records (txlog/FORMAT.md, "Compression").
//
// A small record compressed on its own gains little: zstd has nothing to refer back to. So the
// records of a segment form one zstd stream, flushed at the end of every record (each record's
// frame is complete and durable on its own), and a record can refer to everything since the
// last restart point. A restart (a fresh zstd frame, flagged on the record) comes at the start
// of every segment and after every kRestartInterval bytes of records, so a reader that starts
// in the middle of a segment decodes at most that much before the record it wants.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace txgraph::txlog {

// Uncompressed record bytes between restart points.
constexpr std::size_t kRestartInterval = 256 * 1024;

class StreamCompressor {
 public:
  // `level` 0 means records are stored as they are.
  explicit StreamCompressor(int level);
  ~StreamCompressor();
  StreamCompressor(const StreamCompressor&) = delete;
  StreamCompressor& operator=(const StreamCompressor&) = delete;

  // Takes effect at the next restart point, which it requests.
  void set_level(int level);
  // The next record starts a new stream: at a new segment, and after a record was written
  // but then cut off again (the reader never sees it, so the stream must not refer to it).
  void request_restart() { restart_ = true; }
  bool enabled() const { return level_ > 0; }

  // Compresses one record given in parts. Writes the stored payload (varint raw length, then
  // the zstd bytes) to *out and returns the frame flags for it (compressed, maybe restart).
  // Returns 0 and leaves *out alone when compression is off.
  std::uint8_t compress(std::span<const std::string_view> parts, std::size_t raw_length, std::string* out);

 private:
  void* cctx_ = nullptr;  // ZSTD_CCtx, kept out of the header
  int level_;
  bool restart_ = true;
  std::uint64_t since_restart_ = 0;
};

class StreamDecompressor {
 public:
  StreamDecompressor();
  ~StreamDecompressor();
  StreamDecompressor(const StreamDecompressor&) = delete;
  StreamDecompressor& operator=(const StreamDecompressor&) = delete;

  // Restores a record's bytes from its stored payload and frame flags into *out. Records
  // must come in order from a restart point on. Throws Error(kCorruption) when the payload
  // does not decode, or when a compressed record comes before any restart point.
  void decompress(std::uint8_t flags, std::string_view stored, std::string* out);
  // Forget the stream, e.g. when the reader jumps elsewhere.
  void reset() { started_ = false; }

 private:
  void* dctx_ = nullptr;  // ZSTD_DCtx
  bool started_ = false;
};

}  // namespace txgraph::txlog
