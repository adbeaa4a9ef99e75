// Reads the frames of one segment file in order, telling a torn tail (the writer died in the
// middle of its last record: the end of the log, not an error) from damage before it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "txlog/file.h"
#include "txlog/record_compression.h"
#include "txlog/segment_format.h"

namespace txgraph::txlog {

class CompressionDictionary;

struct Frame {
  RecordType type = RecordType::kTransaction;
  std::uint8_t flags = 0;
  std::uint64_t offset = 0;  // of the frame header in the file
  std::string payload;       // the record's bytes (decompressed); reused between calls
  std::uint32_t stored_size = 0;  // payload bytes on disk (compressed size, if compressed)
};

// A frame as next_view() returns it: the payload is a view of the reader's own buffers, valid
// until its next call, so that a reader that looks at a record once copies nothing.
struct FrameView {
  RecordType type = RecordType::kTransaction;
  std::uint8_t flags = 0;
  std::uint64_t offset = 0;
  std::string_view payload;  // the record's bytes (decompressed); empty when skipped
  std::uint32_t stored_size = 0;
  // Passed by without decompressing, because of a TagFilter: a checksummed transaction
  // record with captured changes, none of which the filter's selectors can select.
  bool skipped = false;
  std::uint64_t group_offset = 0;  // when skipped: the restart point its group starts at
};

// Decides from a record's tags whether a reader may pass it by (set_tag_filter).
class TagFilter {
 public:
  virtual ~TagFilter() = default;
  // False when no record with these tags, under this dictionary's vocabulary, can be wanted.
  virtual bool may_match(const std::shared_ptr<const CompressionDictionary>& dictionary, std::uint16_t tags) const = 0;
};

class SegmentReader {
 public:
  // Throws kNotFound or kIo when the file cannot be opened. A bad header is not thrown: see
  // header_status(); next() then returns kCorrupt at once.
  explicit SegmentReader(const std::string& path);

  HeaderStatus header_status() const { return header_status_; }
  const SegmentHeader& header() const { return header_; }

  enum class Next {
    kRecord,    // *out holds a whole, checksummed frame
    kEnd,       // clean end of the file, or of its records: from here to the end of the file
                // there are only zeros (tail_is_zeros()), which is the active segment's
                // preallocated space, or appends a power cut lost whole
    kTornTail,  // an incomplete or unchecksummed last frame, or zeros from inside it up to the
                // end: what a crash mid-append leaves. valid_end() is where the good data ends.
    kCorrupt,   // damage with more data after it; problem() says what, at problem_offset()
  };
  Next next(Frame* out);
  // The same, the payload left where it was read or decompressed.
  Next next_view(FrameView* out);

  // From now on next_view() passes by the tagged records `filter` rules out (it returns them
  // with `skipped` set), and decompresses them only if a later record of their group needs
  // them. Null reads every record. The filter must outlive its use.
  void set_tag_filter(const TagFilter* filter) { filter_ = filter; }
  // The payload of a record next_view() returned skipped (its offset and group_offset),
  // decompressed now, apart from the reader's own place in the stream. Valid until the next
  // call.
  std::string_view decompress_skipped(std::uint64_t group_offset, std::uint64_t offset);

  // Continues reading at `offset`, which must be the start of a frame that a reader can
  // decode without the records before it (a compression restart point, an uncompressed
  // record, or the end of the header).
  void seek(std::uint64_t offset);
  // Takes in what was appended to the file since it was opened (or last refreshed), so that
  // a reader at the end of a growing segment can go on; a torn tail seen before may now be
  // a complete record.
  void refresh();

  std::uint64_t valid_end() const { return offset_; }  // end of the last good frame
  // After kEnd: whether the file goes on past valid_end() in zeros only. That is the end of
  // the log in the last segment; in a segment that is not the last (cut back to its last
  // record when it was closed) it is damage, and the callers that know say so.
  bool tail_is_zeros() const { return zero_tail_; }
  std::uint64_t file_size() const { return file_size_; }
  // Payload bytes of the compression dictionaries next_view() has passed (and hidden): stored
  // log bytes that belong to no record.
  std::uint64_t dictionary_bytes() const { return dictionary_bytes_; }
  const std::string& problem() const { return problem_; }
  std::uint64_t problem_offset() const { return offset_; }
  const std::string& path() const { return file_.path(); }
  // Up to `n` bytes at `offset` of the file as it is now, read through this reader's open
  // file: the segment it opened even once retention has removed it from the folder, so that a
  // follower tells a record cut off again (which changes these bytes) from a pruned segment
  // (which does not). Fewer at the end of the file.
  std::string read_now(std::uint64_t offset, std::size_t n) const;

 private:
  // next_view() without hiding dictionary records.
  Next next_frame(FrameView* out);
  // Ensures [offset, offset+n) is in buffer_; returns false if the file ends before.
  bool load(std::uint64_t offset, std::size_t n);
  // Where the file's last non-zero byte ends, looking no lower than `floor`.
  std::uint64_t data_end(std::uint64_t floor);
  // Returns kEnd for a file that holds only zeros from offset_ on.
  Next zero_tail();
  // Where the first complete frame with a matching checksum at or after `from` starts. Each
  // candidate's checksum costs its length from `*budget`; at 0 the search gives up.
  std::optional<std::uint64_t> next_complete_frame(std::uint64_t from, std::uint64_t* budget);
  std::uint64_t scan_budget(std::uint64_t from) const;
  // Whether a complete frame with a matching checksum starts anywhere at or after `from`.
  bool complete_frame_from(std::uint64_t from);
  // Whether a frame after `hole` was written once a sync had reached past it (its sync mark
  // says so), which makes a bad frame at `hole` damage rather than an unsynced tail. True
  // also when the search runs out of budget.
  bool synced_past(std::uint64_t hole);
  // For a bad frame at offset_ with data after it: kTornTail if nothing after it proves it
  // was synced (format version 3), else kCorrupt.
  Next unsynced_hole_or_damage();
  // The frame at offset_ is bad and may reach up to `frame_end`: a torn tail if nothing but
  // zeros follows it, damage otherwise.
  Next damaged(std::string why, std::uint64_t frame_end);

  // The dictionary whose frame is at `offset` (read once, then kept).
  std::shared_ptr<const CompressionDictionary> dictionary_at(std::uint64_t offset);
  // Feeds the decompressor the records of the current group it was not given yet.
  void catch_up();

  File file_;
  StreamDecompressor decompressor_;
  std::map<std::uint64_t, std::shared_ptr<const CompressionDictionary>> dictionaries_;
  const TagFilter* filter_ = nullptr;
  // The dictionary the current group restarted from (null: none, or not known).
  std::shared_ptr<const CompressionDictionary> group_dictionary_;
  // Frames of the current group passed by undecompressed since the decompressor's last
  // record: (offset, flags, stored length).
  struct Behind {
    std::uint64_t offset;
    std::uint8_t flags;
    std::uint32_t length;
  };
  std::vector<Behind> behind_;
  std::string behind_payload_;
  std::uint64_t group_start_ = 0;  // offset of the current group's restart point
  std::unique_ptr<StreamDecompressor> side_decompressor_;
  std::uint64_t dictionary_bytes_ = 0, dictionary_bytes_end_ = 0;
  std::string side_payload_;
  std::uint64_t file_size_ = 0;
  HeaderStatus header_status_ = HeaderStatus::kOk;
  SegmentHeader header_;
  std::uint64_t offset_ = 0;
  std::string buffer_;
  std::uint64_t buffer_offset_ = 0;
  std::string problem_;
  bool zero_tail_ = false;
};

}  // namespace txgraph::txlog
