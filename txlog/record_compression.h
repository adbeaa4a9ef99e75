// Compression of log records (txlog/FORMAT.md, "Compression").
//
// A small record compressed on its own gains little: zstd has nothing to refer back to. So the
// records of a segment form one zstd stream, flushed at the end of every record (each record's
// frame is complete and durable on its own), and a record can refer to everything since the
// last restart point. A restart (a fresh zstd frame, flagged on the record) comes at the start
// of every segment and after every kRestartInterval bytes of records, so a reader that starts
// in the middle of a segment decodes at most that much before the record it wants.
//
// Once the writer has a dictionary (compression_dictionary.h), it restarts the stream every
// kGroupRecords records, and each restart begins from the dictionary: the restart's stored
// payload names the dictionary's frame by its distance back, so a reader that seeks to any
// restart point can fetch it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace txgraph::txlog {

class CompressionDictionary;

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

  // From the next record on, the stream restarts every kGroupRecords records from
  // `dictionary`, whose frame is at `frame_offset` of the active segment. Null goes back to
  // one stream without a dictionary (a new segment that has none).
  void set_dictionary(std::shared_ptr<const CompressionDictionary> dictionary, std::uint64_t frame_offset);
  const std::shared_ptr<const CompressionDictionary>& dictionary() const { return dictionary_; }

  // Compresses one record given in parts, whose frame goes at `frame_offset`. Writes the
  // stored payload (varint raw length, on a restart from the dictionary the varint distance
  // back to its frame, then the zstd bytes) to *out and returns the frame flags for it
  // (compressed, maybe restart and dictionary). Returns 0 and leaves *out alone when
  // compression is off.
  std::uint8_t compress(std::span<const std::string_view> parts, std::size_t raw_length, std::uint64_t frame_offset,
                        std::string* out);
  // Without a dictionary the frame's offset does not matter.
  std::uint8_t compress(std::span<const std::string_view> parts, std::size_t raw_length, std::string* out) {
    return compress(parts, raw_length, 0, out);
  }

 private:
  void* cctx_ = nullptr;  // ZSTD_CCtx, kept out of the header
  int level_;
  bool restart_ = true;
  std::uint64_t since_restart_ = 0;
  std::size_t records_since_restart_ = 0;
  std::shared_ptr<const CompressionDictionary> dictionary_;
  std::uint64_t dictionary_offset_ = 0;
};

// Finds the dictionary whose frame is at an offset of the segment being read.
using DictionarySource = std::function<std::shared_ptr<const CompressionDictionary>(std::uint64_t offset)>;

// Decodes the records of a stream in place: each record is decoded straight after the one
// before it into one buffer that holds the stream since its restart point, so that the
// records it refers back to are where zstd reads them and nothing is copied out of a window.
// The buffer grows for a record that does not fit and keeps only the stream's window when the
// stream runs on without a restart for longer than it holds.
class StreamDecompressor {
 public:
  StreamDecompressor();
  ~StreamDecompressor();
  StreamDecompressor(const StreamDecompressor&) = delete;
  StreamDecompressor& operator=(const StreamDecompressor&) = delete;

  // Where restarts from a dictionary find it; without one they are refused as damage.
  void set_dictionary_source(DictionarySource source) { dictionaries_ = std::move(source); }

  // Restores a record's bytes from its stored payload and frame flags; `frame_offset` is where
  // its frame is in the segment. Records must come in order from a restart point on. Throws
  // Error(kCorruption) when the payload does not decode, or when a compressed record comes
  // before any restart point. The view is of this decompressor's buffer (of `stored` itself
  // for an uncompressed record) and is valid until the next call.
  std::string_view decompress(std::uint8_t flags, std::string_view stored, std::uint64_t frame_offset = 0);
  // The same, copied into *out.
  void decompress(std::uint8_t flags, std::string_view stored, std::string* out, std::uint64_t frame_offset = 0) {
    out->assign(decompress(flags, stored, frame_offset));
  }
  // Forget the stream, e.g. when the reader jumps elsewhere.
  void reset() { started_ = false; }

  // The offset of the dictionary frame a restart's stored payload names, or 0 when it names
  // none. Reads only the payload's first varints. Throws Error(kCorruption).
  static std::uint64_t dictionary_offset_of(std::uint8_t flags, std::string_view stored, std::uint64_t frame_offset);

 private:
  void restart(std::string_view body, std::size_t raw_length, const CompressionDictionary* dictionary);
  // Makes room for `n` more bytes after the stream's history, moving what of it zstd may
  // still refer to when the buffer is full.
  void make_room(std::size_t n);
  [[noreturn]] void fail(std::string_view why);

  void* dctx_ = nullptr;  // ZSTD_DCtx
  DictionarySource dictionaries_;
  std::shared_ptr<const CompressionDictionary> dictionary_;  // the last one fetched, at:
  std::uint64_t dictionary_at_ = 0;
  bool started_ = false;
  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_ = 0;
  std::size_t used_ = 0;           // the stream's bytes since the restart point (or since moved)
  std::uint64_t window_size_ = 0;  // of the stream's zstd frame: how far back it may refer
  char before_history_ = 0;        // what zstd is told precedes moved history (see make_room)
};

}  // namespace txgraph::txlog
