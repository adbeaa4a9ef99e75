// Follows the end of a log folder that another process writes, for change readers that do not
// have the database open: the last complete transaction, and the enrichment mode and
// generation the log says are in force. Each refresh() reads only what was appended since the
// last one.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "txgraph/options.h"
#include "txlog/segment_reader.h"

namespace txgraph::cdc {

struct TailState {
  std::string database_uuid;  // 16 raw bytes
  std::uint64_t last_tx = 0;  // the last complete transaction record; 0 if none
  EnrichmentMode enrichment = EnrichmentMode::kOff;
  std::uint64_t enrichment_generation = 0;
};

class LogTail {
 public:
  explicit LogTail(std::string log_dir) : log_dir_(std::move(log_dir)) {}

  // Reads what was appended since the last call. Throws kNotFound when the folder holds no
  // segment, kCorruption naming the segment and offset for damage before the end.
  TailState refresh();

 private:
  void read_on(TailState& state);
  // The mode in force when the log's newest segments say nothing of it.
  void settle_mode_from_older_segments();

  std::string log_dir_;
  std::mutex mutex_;
  bool started_ = false;
  bool mode_known_ = false;
  TailState state_;
  std::uint64_t segment_ = 0;
  std::unique_ptr<txlog::SegmentReader> reader_;
  // The last frame read in the open segment, to notice when the writer cut it off again.
  std::uint64_t last_frame_ = 0;
  std::string last_frame_header_;

  // Reads the open segment again from its start: what was read of it is not there any more.
  void reread_segment();
};

}  // namespace txgraph::cdc
