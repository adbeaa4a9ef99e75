#include "txlog/log_inspect.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "txgraph/error.h"
#include "txlog/file.h"
#include "txlog/tx_record_view.h"

namespace txgraph::txlog {

namespace {

// Reads only the header, so that the database UUID most segments share can be known before
// any segment is judged by it.
std::optional<SegmentHeader> peek_header(const std::string& path) {
  try {
    File file(path, File::Mode::kRead);
    std::string bytes(kSegmentHeaderSize, '\0');
    if (file.read_at(0, bytes.data(), bytes.size()) < bytes.size()) return std::nullopt;
    SegmentHeader header;
    if (decode_segment_header(bytes, &header) != HeaderStatus::kOk) return std::nullopt;
    return header;
  } catch (const Error&) {
    return std::nullopt;
  }
}

// The frame header at `offset` as it is in the file now (its checksum tells one record from
// another written in its place), read through the reader's open file: a segment that
// retention removes while it is read still holds the same bytes, a record cut off and written
// again does not. Empty for no frame.
std::string frame_header_bytes(const SegmentReader& reader, std::uint64_t offset) {
  if (offset == 0) return {};
  try {
    return reader.read_now(offset, kFrameHeaderSize);
  } catch (const Error&) {
    return {};
  }
}

class Scanner {
 public:
  Scanner(LogScan& scan, const RecordVisitor& visit, const FollowOptions* follow)
      : scan_(scan), visit_(visit), follow_(follow) {}

  void run(std::vector<SegmentFile> files) {
    // Following a log that has no segment yet: its first one is on its way.
    while (follow_ && files.empty()) {
      if (!follow_->wait()) return;
      files = list_segments(scan_.dir);
    }
    choose_database_uuid(files);
    const std::size_t listed_at_start = files.size();
    for (std::size_t i = 0; i < files.size() && !stopped_; ++i) {
      scan_.segments.push_back({});
      SegmentScan& segment = scan_.segments.back();
      segment.file = files[i];
      if (i > 0 && files[i].number != files[i - 1].number + 1) {
        std::string which = files[i].number == files[i - 1].number + 2
                                ? fmt::format("segment {} is", files[i - 1].number + 1)
                                : fmt::format("segments {} to {} are", files[i - 1].number + 1, files[i].number - 1);
        // Found while following: the writer's retention removed them before the scan got there.
        if (i >= listed_at_start)
          passed_by_pruning(files[i].path, which, files[i - 1].number);
        else
          damage(files[i].path, 0, which + " missing before this one");
        continuity_known_ = false;
      }
      bool last = i + 1 == files.size();
      read_segment(segment, last);
      if (follow_ && last && !stopped_) {
        // read_segment() came back because a newer segment exists.
        for (auto& file : list_segments(scan_.dir))
          if (file.number > files.back().number) files.push_back(std::move(file));
      }
    }
  }

 private:
  void report(LogProblem problem) {
    scan_.problems.push_back(std::move(problem));
    if (follow_ && follow_->on_problem) follow_->on_problem(scan_.problems.back());
  }
  void damage(const std::string& file, std::uint64_t offset, std::string what) {
    report({LogProblem::Severity::kDamage, file, offset, std::move(what)});
  }
  void note(const std::string& file, std::uint64_t offset, std::string what) {
    report({LogProblem::Severity::kNote, file, offset, std::move(what)});
  }

  // Retention removed segments after `read_up_to` before this follower read them: not damage,
  // but records it cannot show. Says so, and where it goes on: the oldest segment left and
  // the first transaction in it.
  void passed_by_pruning(const std::string& path, const std::string& which, std::uint64_t read_up_to) {
    std::string going_on = "the log holds no later segment now";
    for (const auto& file : list_segments(scan_.dir)) {
      if (file.number <= read_up_to) continue;
      going_on = fmt::format("going on with segment {}", file.number);
      if (auto header = peek_header(file.path)) going_on += fmt::format(", from tx {}", header->first_tx);
      break;
    }
    note(path, 0, fmt::format("pruning passed this reader: {} gone, removed by the retention policy before this "
                              "reader got there; those records are not shown; {}",
                              which, going_on));
    continuity_known_ = false;
  }

  void choose_database_uuid(const std::vector<SegmentFile>& files) {
    std::map<std::string, std::size_t> votes;
    for (const auto& file : files)
      if (auto header = peek_header(file.path)) ++votes[header->database_uuid];
    std::size_t best = 0;
    for (const auto& [uuid, count] : votes)
      if (count > best) best = count, uuid_ = uuid;
  }

  bool newer_segment_exists(std::uint64_t number) const {
    auto files = list_segments(scan_.dir);
    return !files.empty() && files.back().number > number;
  }

  // Following, at the end of the last segment: whether to read on in it (true: the writer may
  // have appended), or to go on to the next segment or stop (false; stopped_ says which). A
  // newer segment means this one is finished once what was appended before the rotation is
  // read, so it is looked at once more first (`draining`).
  bool wait_for_more(SegmentReader& reader, bool& draining) {
    if (draining) return false;
    if (newer_segment_exists(current_number_)) {
      draining = true;
      reader.refresh();
      return true;
    }
    if (!follow_->wait()) {
      stopped_ = true;
      return false;
    }
    reader.refresh();
    return true;
  }

  void read_segment(SegmentScan& segment, bool last) {
    const std::string& path = segment.file.path;
    current_number_ = segment.file.number;
    std::optional<SegmentReader> reader;
    try {
      reader.emplace(path);
    } catch (const Error& e) {
      // A live database prunes old segments: one listed a moment ago may be gone now.
      if (e.code() == ErrorCode::kNotFound)
        passed_by_pruning(path, fmt::format("segment {} is", segment.file.number), segment.file.number);
      else
        note(path, 0, fmt::format("cannot be read any more ({}); pruned while the log was read?", e.what()));
      continuity_known_ = false;
      return;
    }
    bool following = follow_ != nullptr && last;
    bool draining = false;  // following, and a newer segment exists: read what is left, then move on
    while (following && reader->header_status() == HeaderStatus::kTooShort && wait_for_more(*reader, draining)) {
    }
    if (stopped_) return;
    if (draining) last = false;
    segment.header_status = reader->header_status();
    if (segment.header_status != HeaderStatus::kOk) {
      if (last && segment.header_status == HeaderStatus::kTooShort) {
        note(path, 0, "incomplete segment header: a new segment being created (or a crash while creating it)");
        segment.complete = true;
      } else {
        damage(path, 0, fmt::format("not a readable segment: {}", header_status_text(segment.header_status)));
        continuity_known_ = false;
      }
      return;
    }
    segment.header = reader->header();
    const SegmentHeader& header = segment.header;
    if (header.database_uuid != uuid_) {
      if (uuid_.empty()) {
        uuid_ = header.database_uuid;  // the first segment with a header, found while following
      } else {
        damage(path, 0, fmt::format("segment of another database ({}; the log's other segments belong to {})",
                                    uuid_to_text(header.database_uuid), uuid_to_text(uuid_)));
        segment.foreign = true;
        continuity_known_ = false;
        return;
      }
    }
    if (header.segment_number != segment.file.number)
      damage(path, 0, fmt::format("header says segment {}, the file name says {}", header.segment_number,
                                  segment.file.number));
    if (continuity_known_ && header.first_tx != next_tx_)
      damage(path, 0, fmt::format("header says the first tx is {}, but the previous segment ends before tx {}",
                                  header.first_tx, next_tx_));
    next_tx_ = header.first_tx;
    continuity_known_ = true;

    Frame frame;
    std::uint64_t last_record = 0;  // following: the offset of the last record taken
    std::uint64_t rewritten = 0;    // following: a record taken whose frame is not there any more
    for (;;) {
      if (following && (reader->file_size() < reader->valid_end() || rewritten != 0)) {
        // The writer cut off records it had written (their store commit failed), and may have
        // written others there since: what was shown of them is not in the log any more.
        // Read on from the cut.
        std::uint64_t cut = rewritten != 0 ? std::min(rewritten, reader->file_size()) : reader->file_size();
        rewritten = 0;
        note(path, cut,
             fmt::format("the writer cut this segment back from {} to {} bytes; records shown from there on "
                         "were taken back",
                         reader->valid_end(), cut));
        try {
          reader.emplace(path);
        } catch (const Error& e) {
          if (e.code() != ErrorCode::kNotFound) throw;
          // Cut, then pruned: what follows the cut is in the segments after it, if anywhere.
          passed_by_pruning(path, fmt::format("the rest of segment {} is", segment.file.number), segment.file.number);
          segment.complete = true;
          return;
        }
        last_record = 0;
        while (reader->valid_end() < cut && reader->next(&frame) == SegmentReader::Next::kRecord)
          last_record = frame.offset;
      }
      auto next = reader->next(&frame);
      if (next == SegmentReader::Next::kRecord) {
        take(segment, frame);
        last_record = frame.offset;
        continue;
      }
      if (following && next != SegmentReader::Next::kCorrupt) {
        std::string last_header = frame_header_bytes(*reader, last_record);
        if (wait_for_more(*reader, draining)) {
          if (last_record != 0 && frame_header_bytes(*reader, last_record) != last_header) rewritten = last_record;
          continue;
        }
      }
      if (stopped_) {
        segment.complete = true;
        break;
      }
      if (draining) last = false;
      if (next == SegmentReader::Next::kEnd) {
        // Zeros after the records are the end of the last segment (what its writer
        // preallocates); a closed segment was cut back to its last record.
        if (reader->tail_is_zeros() && !last)
          damage(path, reader->valid_end(),
                 fmt::format("{} zero bytes after the last record in a segment that is not the last",
                             reader->file_size() - reader->valid_end()));
        segment.complete = true;
        break;
      }
      if (next == SegmentReader::Next::kTornTail) {
        std::string what = fmt::format("{}; {} bytes after the last whole record", reader->problem(),
                                       reader->file_size() - reader->valid_end());
        // A writer in the middle of an append (or a crash during one) leaves exactly this.
        if (last)
          note(path, reader->valid_end(), "incomplete last record (torn tail, not damage): " + what);
        else
          damage(path, reader->valid_end(), "torn tail in a segment that is not the last: " + what);
        segment.complete = true;
        break;
      }
      damage(path, reader->problem_offset(),
             fmt::format("{}; the rest of this segment ({} bytes) is not read", reader->problem(),
                         reader->file_size() - reader->problem_offset()));
      continuity_known_ = false;
      break;
    }
    segment.valid_end = reader->valid_end();
    // The compression dictionaries are stored bytes too, of no record.
    segment.stored_bytes += reader->dictionary_bytes();
  }

  void take(SegmentScan& segment, const Frame& frame) {
    const std::string& path = segment.file.path;
    ++segment.records;
    segment.raw_bytes += frame.payload.size();
    segment.stored_bytes += frame.stored_size;
    try {
      switch (frame.type) {
        case RecordType::kTransaction: {
          // Read in place: the summary needs no user name or metadata map.
          TxHeaderView tx = read_tx_header_view(frame.payload);
          if (continuity_known_ && tx.tx_id != next_tx_)
            damage(path, frame.offset, fmt::format("tx {} where tx {} comes next", tx.tx_id, next_tx_));
          next_tx_ = tx.tx_id + 1;
          continuity_known_ = true;
          if (segment.transactions == 0) {
            segment.first_tx = tx.tx_id;
            segment.first_commit_us = tx.commit_time_us;
          }
          ++segment.transactions;
          segment.last_tx = tx.tx_id;
          segment.last_commit_us = tx.commit_time_us;
          if (static_cast<unsigned>(tx.capture_mode) < 8)
            segment.capture_modes |= static_cast<std::uint8_t>(1u << static_cast<unsigned>(tx.capture_mode));
          break;
        }
        case RecordType::kCheckpoint: {
          CheckpointRecord checkpoint = decode_checkpoint(frame.payload);
          if (continuity_known_ && checkpoint.last_applied_tx >= next_tx_)
            damage(path, frame.offset,
                   fmt::format("checkpoint at tx {} is past the last transaction in the log before it ({})",
                               checkpoint.last_applied_tx, next_tx_ - 1));
          else if (checkpoint.last_applied_tx + 1 < segment.header.first_tx)
            damage(path, frame.offset,
                   fmt::format("checkpoint at tx {} points before its segment's first tx {}",
                               checkpoint.last_applied_tx, segment.header.first_tx));
          segment.checkpoints.push_back(checkpoint);
          break;
        }
        case RecordType::kEnrichmentChange:
          decode_enrichment_change(frame.payload);
          break;
        case RecordType::kImportNotice:
          decode_import_notice(frame.payload);
          break;
        case RecordType::kCompressionDictionary:
          break;  // SegmentReader reads these itself and never returns them
      }
      if (visit_) visit_(segment, frame);
    } catch (const Error& e) {
      damage(path, frame.offset, fmt::format("{} record does not decode: {}", record_type_name(frame.type), e.what()));
    }
  }

  LogScan& scan_;
  const RecordVisitor& visit_;
  const FollowOptions* follow_;
  bool stopped_ = false;  // following, and wait() said stop
  std::uint64_t current_number_ = 0;
  std::string uuid_;
  std::uint64_t next_tx_ = 0;
  bool continuity_known_ = false;
};

}  // namespace

std::string problem_text(const LogProblem& problem) {
  return fmt::format("{}{}: offset {}: {}", problem.severity == LogProblem::Severity::kNote ? "note: " : "",
                     problem.file, problem.offset, problem.what);
}

bool LogScan::damaged() const {
  for (const auto& problem : problems)
    if (problem.severity == LogProblem::Severity::kDamage) return true;
  return false;
}

std::uint64_t LogScan::last_checkpoint_tx() const {
  for (auto it = segments.rbegin(); it != segments.rend(); ++it)
    if (!it->checkpoints.empty()) return it->checkpoints.back().last_applied_tx;
  return 0;
}

LogScan scan_log(const std::string& log_dir, const RecordVisitor& visit) {
  return scan_log(log_dir, visit, FollowOptions{});
}

LogScan scan_log(const std::string& log_dir, const RecordVisitor& visit, const FollowOptions& follow) {
  LogScan scan;
  scan.dir = log_dir;
  std::vector<SegmentFile> files = list_segments(log_dir);
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(log_dir, ec)) {
    std::string name = entry.path().filename().string();
    if (parse_segment_file_name(name) == 0)
      scan.problems.push_back(
          {LogProblem::Severity::kNote, entry.path().string(), 0, "not a segment file name; ignored"});
  }
  Scanner(scan, visit, follow.wait ? &follow : nullptr).run(std::move(files));
  return scan;
}

std::string_view capture_mode_name(CaptureMode mode) {
  switch (mode) {
    case CaptureMode::kOff:
      return "OFF";
    case CaptureMode::kDiff:
      return "DIFF";
    case CaptureMode::kFull:
      return "FULL";
  }
  return "?";
}

std::string capture_modes_text(std::uint8_t mask) {
  std::string text;
  for (unsigned mode = 0; mode < 3; ++mode)
    if (mask & (1u << mode)) {
      if (!text.empty()) text += ',';
      text += capture_mode_name(static_cast<CaptureMode>(mode));
    }
  if (mask >> 3) text += text.empty() ? "?" : ",?";
  return text.empty() ? "-" : text;
}

std::string ratio_text(std::uint64_t raw, std::uint64_t stored) {
  if (stored == 0) return "-";
  return fmt::format("{:.2f}", static_cast<double>(raw) / static_cast<double>(stored));
}

std::vector<SegmentSummary> retention_summaries(const LogScan& scan) {
  std::vector<SegmentSummary> out;
  for (const auto& segment : scan.segments) {
    SegmentSummary summary;
    summary.number = segment.file.number;
    summary.bytes = segment.file.bytes;
    summary.first_tx = segment.first_tx;
    // A damaged log can hold tx ids out of order; the plan needs first <= last.
    summary.last_tx = std::max(segment.last_tx, segment.first_tx);
    summary.last_commit_us = segment.transactions > 0 ? segment.last_commit_us : segment.header.created_us;
    out.push_back(summary);
  }
  return out;
}

}  // namespace txgraph::txlog
