#include "txlog/log_directory.h"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "txgraph/error.h"
#include "txlog/segment_format.h"

namespace txgraph::txlog {

std::vector<SegmentFile> list_segments(const std::string& dir) {
  std::vector<SegmentFile> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::uint64_t number = parse_segment_file_name(entry.path().filename().string());
    if (number == 0) continue;
    // A segment pruned between the listing and these looks is simply not listed.
    std::error_code entry_ec;
    if (!entry.is_regular_file(entry_ec)) continue;
    auto size = entry.file_size(entry_ec);
    if (entry_ec) continue;
    out.push_back({number, entry.path().string(), static_cast<std::uint64_t>(size)});
  }
  if (ec) throw Error(ErrorCode::kIo, fmt::format("cannot list log folder {}: {}", dir, ec.message()));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.number < b.number; });
  return out;
}

}  // namespace txgraph::txlog
