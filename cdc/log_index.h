// What a change reader knows about a log folder: its segments with their headers, and where
// inside a segment decoding can start to reach a given transaction (the compression restart
// points, learned by walking each segment's frame headers once). It lets a query seek to its
// cursor instead of scanning from the first segment, decoding at most one restart interval
// (256 KiB) before the record it wants.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "txlog/segment_format.h"

namespace txgraph::cdc {

struct IndexedSegment {
  std::uint64_t number = 0;
  std::string path;
  txlog::SegmentHeader header;  // valid when header_ok
  bool header_ok = false;
  std::string header_problem;
};

// The 16 header bytes of the frame at `offset` of the file at `path` (empty if they cannot be
// read). A reader that remembers them for the last frame it read can tell, later, whether the
// writer cut that frame off again (a failed store commit) and wrote something else there.
std::string frame_header_at(const std::string& path, std::uint64_t offset);

class LogIndex {
 public:
  explicit LogIndex(std::string log_dir) : log_dir_(std::move(log_dir)) {}

  const std::string& log_dir() const { return log_dir_; }

  // The segments in the folder now, in number order. Headers are read once per segment and
  // cached; a segment whose header cannot be read yet (being created) comes back with
  // header_ok false and is read again next time. Forgets what it knew of pruned segments.
  std::vector<IndexedSegment> segments();

  // An offset in `segment` (the file at `path`) where decoding can start and still reach the
  // record of `tx`: the last restart point whose transaction is at most `tx`, else the end of
  // the header. The first call for a segment walks its frame headers once (decompressing only
  // the restart frames, which decode alone); later calls walk only what was appended since.
  std::uint64_t start_offset(const std::string& path, std::uint64_t segment, std::uint64_t tx);


 private:
  std::string log_dir_;
  std::mutex mutex_;
  std::map<std::uint64_t, IndexedSegment> headers_;
  // segment -> (tx -> offset of a frame holding it that decodes on its own)
  std::map<std::uint64_t, std::map<std::uint64_t, std::uint64_t>> starts_;
  // segment -> where the walk of its frame headers stopped, and the last frame it walked
  struct Walk {
    std::uint64_t to = txlog::kSegmentHeaderSize;
    std::uint64_t last_frame = 0;  // 0: none yet
    std::string last_header;
  };
  std::map<std::uint64_t, Walk> walks_;

  void walk_frames(const std::string& path, std::uint64_t segment);
};

}  // namespace txgraph::cdc
