#include "cdc/log_index.h"

#include "txgraph/error.h"
#include "txlog/file.h"
#include "txlog/log_directory.h"

namespace txgraph::cdc {

std::vector<IndexedSegment> LogIndex::segments() {
  auto files = txlog::list_segments(log_dir_);
  std::vector<IndexedSegment> out;
  out.reserve(files.size());
  std::lock_guard lock(mutex_);
  // Pruning removes the oldest segments: forget them.
  std::uint64_t oldest = files.empty() ? UINT64_MAX : files.front().number;
  std::erase_if(headers_, [&](const auto& entry) { return entry.first < oldest; });
  std::erase_if(starts_, [&](const auto& entry) { return entry.first < oldest; });
  for (const auto& f : files) {
    auto it = headers_.find(f.number);
    if (it != headers_.end()) {
      out.push_back(it->second);
      continue;
    }
    IndexedSegment seg;
    seg.number = f.number;
    seg.path = f.path;
    try {
      std::string head(txlog::kSegmentHeaderSize, '\0');
      txlog::File file(f.path, txlog::File::Mode::kRead);
      head.resize(file.read_at(0, head.data(), head.size()));
      auto status = txlog::decode_segment_header(head, &seg.header);
      seg.header_ok = status == txlog::HeaderStatus::kOk;
      if (!seg.header_ok) seg.header_problem = std::string(txlog::header_status_text(status));
    } catch (const Error& e) {
      // Pruned between the listing and the read, or unreadable: the reader reports it when it
      // gets there.
      seg.header_problem = e.what();
    }
    if (seg.header_ok) headers_.emplace(seg.number, seg);
    out.push_back(std::move(seg));
  }
  return out;
}

std::uint64_t LogIndex::start_offset(std::uint64_t segment, std::uint64_t tx) {
  std::lock_guard lock(mutex_);
  auto it = starts_.find(segment);
  if (it == starts_.end()) return txlog::kSegmentHeaderSize;
  auto start = it->second.upper_bound(tx);
  if (start == it->second.begin()) return txlog::kSegmentHeaderSize;
  return std::prev(start)->second;
}

void LogIndex::note_start(std::uint64_t segment, std::uint64_t offset, std::uint64_t tx) {
  std::lock_guard lock(mutex_);
  starts_[segment].emplace(tx, offset);
}

}  // namespace txgraph::cdc
