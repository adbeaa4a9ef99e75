// The folder of segment files: which segments exist, in order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace txgraph::txlog {

struct SegmentFile {
  std::uint64_t number = 0;
  std::string path;
  std::uint64_t bytes = 0;
};

// Segment files in `dir` in segment-number order; other files are not listed. Throws kIo when
// the folder cannot be read.
std::vector<SegmentFile> list_segments(const std::string& dir);

}  // namespace txgraph::txlog
