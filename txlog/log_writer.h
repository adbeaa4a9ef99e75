// Appends records to the active segment, rotates segments, and makes appended records durable
// with group commit: concurrent callers of sync_to() share one fdatasync.
//
// Threading: append() and rotation are called by one thread at a time (the database's single
// writer); sync_to() may be called from any number of threads at once.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "txlog/compression_dictionary.h"
#include "txlog/file.h"
#include "txlog/record_compression.h"
#include "txlog/segment_format.h"

namespace txgraph::txlog {

struct LogWriterOptions {
  std::string dir;            // the txlog folder
  std::string database_uuid;  // 16 raw bytes, written into every segment header
  std::uint64_t rotation_size = 64ull << 20;
  std::uint64_t enrichment_generation = 0;
  std::function<std::int64_t()> now_us;  // microseconds since the epoch, for segment headers
  int compression_level = 0;             // zstd level for records; 0 stores them as they are
  // Keep zeros written ahead of the active segment's end (kPreallocateChunk). The database
  // turns it on; off, a segment file always ends at its last record.
  bool preallocate = false;
};

// The writer keeps one to two chunks of this size (a quarter of rotation_size if that is
// smaller) of zeros written, not fallocated, past the end of the active segment. An fdatasync
// of records that overwrite those zeros need not persist a new file size, so it skips the
// file system's journal. Type 0 is never a record, so readers see the zeros as the end of the
// log (txlog/FORMAT.md, "Preallocated space"). Closed segments are cut back to their last
// record.
constexpr std::uint64_t kPreallocateChunk = 64 * 1024;

class LogWriter {
 public:
  // A position in the log: the number of record bytes appended since the writer opened.
  using Position = std::uint64_t;

  // Continues the segment `active_number` (already recovered: its valid data ends at
  // `active_end`), or, with active_number 0, creates segment `next_number` starting at
  // `next_tx`.
  LogWriter(LogWriterOptions options, std::uint64_t active_number, std::uint64_t active_end,
            std::uint64_t next_number, std::uint64_t next_tx);
  ~LogWriter();

  // Writes one frame to the active segment (to the OS, not yet synced) and returns the position
  // just after it. If the active segment has passed the rotation size, first rotates to a new
  // segment whose first tx is `next_tx`. On failure nothing of the frame remains in the log
  // (a partial write is cut off again), else the writer refuses all further work.
  // A transaction record with captured changes (DIFF, FULL) is sampled for the compression
  // dictionary and, once there is one, tagged (compression_dictionary.h).
  Position append(RecordType type, std::span<const std::string_view> payload_parts, std::uint64_t next_tx);

  // Removes the frame just appended, ending at `end`, whose transaction could not commit. If
  // the file cannot be cut back, the writer refuses further work.
  void undo_append(Position end);

  // Cuts the zeros preallocated after the last record off the active segment, so that a
  // closed log ends at its last record. Called at a clean close; a crash leaves them, and
  // recovery cuts them.
  void trim_preallocated();

  // Returns once every byte up to `position` is synced. One caller syncs, the others wait
  // and share it. A failed sync is final: it throws here and everywhere after (kWritesRefused),
  // because after a failed fdatasync the kernel may have dropped the dirty pages.
  void sync_to(Position position);
  Position written() const;
  // How many fdatasync calls sync_to() has made; concurrent committers share them.
  std::uint64_t sync_count() const;

  void set_rotation_size(std::uint64_t bytes);
  // Applies from the next restart point, which it makes the next record.
  void set_compression_level(int level);
  // The generation written into the headers of segments created from now on.
  void set_enrichment_generation(std::uint64_t generation);
  std::uint64_t active_segment() const;

 private:
  void rotate(std::uint64_t next_tx);
  // Keeps zeros written ahead of the active segment's end (see kPreallocateChunk).
  void preallocate();
  void create_segment(std::uint64_t number, std::uint64_t first_tx);
  // Writes one frame at the end of the active segment; on failure cuts it off again (or, if
  // that fails too, refuses all further work) and throws.
  void write_frame(const FrameHeader& header, std::span<const std::string_view> payload_parts);
  // Dictionaries need compression, and segments large enough to carry one.
  bool dictionaries_enabled() const;
  // Trains a dictionary when one is due and writes it into the active segment when the
  // segment has none yet.
  void provide_dictionary();
  [[noreturn]] void refuse() const;

  LogWriterOptions options_;
  std::shared_ptr<File> active_;
  std::uint64_t active_number_ = 0;
  std::uint64_t active_size_ = 0;
  std::uint64_t preallocated_end_ = 0;  // zeros were written up to here (0: none)
  std::string frame_header_;
  StreamCompressor compressor_;
  std::string compressed_;  // reused between records
  std::string joined_;      // a captured record's parts in one piece, for sampling and tags
  // The active segment's captured records until its dictionary is trained from them.
  DictionaryTrainer trainer_;
  bool last_sampled_ = false;  // the last append's record is the trainer's last sample
  std::shared_ptr<const CompressionDictionary> dictionary_;  // the active segment's
  bool segment_has_dictionary_ = false;  // the active segment holds dictionary_'s frame
  std::uint32_t segment_version_ = kSegmentFormatVersion;  // of the active segment
  std::uint64_t last_frame_bytes_ = 0;  // size of the last appended frame, for undo_append
  // The synced offset the active segment's last sync mark stated (kFrameFlagSyncMark): a
  // frame carries a mark when the synced offset has moved since, so that after every sync
  // the next frame says how far it reached.
  std::uint64_t marked_synced_offset_ = 0;
  std::string sync_mark_;                      // reused between records
  std::vector<std::string_view> marked_parts_;  // the mark, then the payload parts

  mutable std::mutex mutex_;  // guards the fields below and the active_ pointer swap
  std::condition_variable synced_cv_;
  Position written_ = 0;
  Position synced_ = 0;
  // Offsets in the active segment: where its records end, and how far the last completed
  // sync of it reached.
  std::uint64_t written_offset_ = 0;
  // Changed under the mutex; read by append() without it, since it only needs a value the
  // sync had reached (the commit path takes no lock for it).
  std::atomic<std::uint64_t> synced_offset_{0};
  bool syncing_ = false;
  std::uint64_t sync_count_ = 0;
  std::string failure_;  // non-empty once the writer refuses work
};

}  // namespace txgraph::txlog
