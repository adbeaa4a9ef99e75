#include "cdc/log_index.h"

#include <algorithm>
#include <memory>

#include "txgraph/error.h"
#include "txlog/compression_dictionary.h"
#include "txlog/file.h"
#include "txlog/log_directory.h"
#include "txlog/record_compression.h"
#include "txlog/tx_record.h"

namespace txgraph::cdc {

namespace {
// Uncompressed frames each decode alone; the index keeps one per this many bytes.
constexpr std::uint64_t kUncompressedSpacing = 64 * 1024;
constexpr std::size_t kWalkChunk = 1 << 20;
}  // namespace

std::vector<IndexedSegment> LogIndex::segments() {
  auto files = txlog::list_segments(log_dir_);
  std::vector<IndexedSegment> out;
  out.reserve(files.size());
  std::lock_guard lock(mutex_);
  // Pruning removes the oldest segments: forget them.
  std::uint64_t oldest = files.empty() ? UINT64_MAX : files.front().number;
  std::erase_if(headers_, [&](const auto& entry) { return entry.first < oldest; });
  std::erase_if(starts_, [&](const auto& entry) { return entry.first < oldest; });
  std::erase_if(walks_, [&](const auto& entry) { return entry.first < oldest; });
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

std::string frame_header_at(const std::string& path, std::uint64_t offset) {
  try {
    txlog::File file(path, txlog::File::Mode::kRead);
    std::string head(txlog::kFrameHeaderSize, '\0');
    head.resize(file.read_at(offset, head.data(), head.size()));
    return head.size() == txlog::kFrameHeaderSize ? head : std::string();
  } catch (const Error&) {
    return {};
  }
}

void LogIndex::walk_frames(const std::string& path, std::uint64_t segment) {
  Walk walk;
  {
    std::lock_guard lock(mutex_);
    walk = walks_[segment];
  }
  // The writer cuts a frame off again when its store commit fails, and the next record goes
  // where it was: if the last frame walked is not there any more, walk again from it, and
  // forget what was learned from it on.
  if (walk.last_frame != 0 && frame_header_at(path, walk.last_frame) != walk.last_header) {
    std::lock_guard lock(mutex_);
    auto& starts = starts_[segment];
    std::erase_if(starts, [&](const auto& entry) { return entry.second >= walk.last_frame; });
    walk.to = walk.last_frame;
    walk.last_frame = 0;
    walks_[segment] = walk;
  }
  std::uint64_t pos = walk.to;
  std::uint64_t last_frame = walk.last_frame;
  std::unique_ptr<txlog::File> file;
  try {
    file = std::make_unique<txlog::File>(path, txlog::File::Mode::kRead);
  } catch (const Error&) {
    return;  // pruned: the reader says so when it opens it
  }
  const std::uint64_t size = file->size();
  std::string chunk;
  std::uint64_t chunk_at = 0;
  // Makes [at, at + n) readable in `chunk`; false past the end of the file.
  auto load = [&](std::uint64_t at, std::size_t n) -> const char* {
    if (at + n > size) return nullptr;
    if (at < chunk_at || at + n > chunk_at + chunk.size()) {
      chunk.resize(std::max(n, kWalkChunk));
      chunk.resize(file->read_at(at, chunk.data(), chunk.size()));
      chunk_at = at;
      if (chunk.size() < n) return nullptr;
    }
    return chunk.data() + (at - chunk_at);
  };
  txlog::StreamDecompressor decompressor;
  std::map<std::uint64_t, std::shared_ptr<const txlog::CompressionDictionary>> dictionaries;
  decompressor.set_dictionary_source([&](std::uint64_t at) {
    auto& d = dictionaries[at];
    if (!d) d = txlog::read_dictionary_frame(*file, at);
    return d;
  });
  std::string payload;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> found;  // (tx, offset)
  std::uint64_t last_found = 0;
  while (const char* head = load(pos, txlog::kFrameHeaderSize)) {
    auto fh = txlog::decode_frame_header(head);
    // Damage or a record still being written: the reader will tell which; stop walking here.
    if (!txlog::is_known_record_type(fh.type) || fh.length > txlog::kMaxRecordSize ||
        pos + txlog::kFrameHeaderSize + fh.length > size)
      break;
    bool compressed = fh.flags & txlog::kFrameFlagCompressed;
    bool restart = fh.flags & txlog::kFrameFlagRestart;
    // Restarts from a dictionary come every few records: noting them all would cost a
    // decompression each, for seeks that save little more than decoding a few KiB.
    bool spaced = found.empty() || pos >= last_found + kUncompressedSpacing;
    bool worth_noting = restart ? (!(fh.flags & txlog::kFrameFlagDictionary) || spaced) : !compressed && spaced;
    if (worth_noting && fh.type == static_cast<std::uint8_t>(txlog::RecordType::kTransaction)) {
      const char* body = load(pos + txlog::kFrameHeaderSize, fh.length);
      if (!body) break;
      try {
        decompressor.decompress(fh.flags, std::string_view(body, fh.length), &payload, pos);
        found.emplace_back(txlog::peek_tx_id(payload), pos);
        last_found = pos;
      } catch (const Error&) {
        break;  // the reader reports it with its offset
      }
    }
    last_frame = pos;
    pos += txlog::kFrameHeaderSize + fh.length;
  }
  std::string last_header = last_frame != 0 ? frame_header_at(path, last_frame) : std::string();
  std::lock_guard lock(mutex_);
  auto& starts = starts_[segment];
  for (const auto& [tx, offset] : found) starts.emplace(tx, offset);
  auto& stored = walks_[segment];
  if (pos >= stored.to) {
    stored.to = pos;
    stored.last_frame = last_frame;
    stored.last_header = std::move(last_header);
  }
}

std::uint64_t LogIndex::start_offset(const std::string& path, std::uint64_t segment, std::uint64_t tx) {
  walk_frames(path, segment);
  std::lock_guard lock(mutex_);
  auto it = starts_.find(segment);
  if (it == starts_.end()) return txlog::kSegmentHeaderSize;
  auto start = it->second.upper_bound(tx);
  if (start == it->second.begin()) return txlog::kSegmentHeaderSize;
  return std::prev(start)->second;
}

}  // namespace txgraph::cdc
