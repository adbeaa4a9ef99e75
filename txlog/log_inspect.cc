#include "txlog/log_inspect.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "txgraph/error.h"
#include "txlog/file.h"

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

class Scanner {
 public:
  Scanner(LogScan& scan, const RecordVisitor& visit) : scan_(scan), visit_(visit) {}

  void run(const std::vector<SegmentFile>& files) {
    choose_database_uuid(files);
    for (std::size_t i = 0; i < files.size(); ++i) {
      scan_.segments.push_back({});
      SegmentScan& segment = scan_.segments.back();
      segment.file = files[i];
      if (i > 0 && files[i].number != files[i - 1].number + 1) {
        damage(files[i].path, 0,
               files[i].number == files[i - 1].number + 2
                   ? fmt::format("segment {} is missing before this one", files[i - 1].number + 1)
                   : fmt::format("segments {} to {} are missing before this one", files[i - 1].number + 1,
                                 files[i].number - 1));
        continuity_known_ = false;
      }
      read_segment(segment, i + 1 == files.size());
    }
  }

 private:
  void damage(const std::string& file, std::uint64_t offset, std::string what) {
    scan_.problems.push_back({LogProblem::Severity::kDamage, file, offset, std::move(what)});
  }
  void note(const std::string& file, std::uint64_t offset, std::string what) {
    scan_.problems.push_back({LogProblem::Severity::kNote, file, offset, std::move(what)});
  }

  void choose_database_uuid(const std::vector<SegmentFile>& files) {
    std::map<std::string, std::size_t> votes;
    for (const auto& file : files)
      if (auto header = peek_header(file.path)) ++votes[header->database_uuid];
    std::size_t best = 0;
    for (const auto& [uuid, count] : votes)
      if (count > best) best = count, uuid_ = uuid;
  }

  void read_segment(SegmentScan& segment, bool last) {
    const std::string& path = segment.file.path;
    std::optional<SegmentReader> reader;
    try {
      reader.emplace(path);
    } catch (const Error& e) {
      // A live database prunes old segments: one listed a moment ago may be gone now.
      note(path, 0, fmt::format("cannot be read any more ({}); pruned while the log was read?", e.what()));
      continuity_known_ = false;
      return;
    }
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
      damage(path, 0, fmt::format("segment of another database ({}; the log's other segments belong to {})",
                                  uuid_to_text(header.database_uuid), uuid_to_text(uuid_)));
      segment.foreign = true;
      continuity_known_ = false;
      return;
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
    for (;;) {
      auto next = reader->next(&frame);
      if (next == SegmentReader::Next::kEnd) {
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
      if (next == SegmentReader::Next::kCorrupt) {
        damage(path, reader->problem_offset(),
               fmt::format("{}; the rest of this segment ({} bytes) is not read", reader->problem(),
                           reader->file_size() - reader->problem_offset()));
        continuity_known_ = false;
        break;
      }
      take(segment, frame);
    }
    segment.valid_end = reader->valid_end();
  }

  void take(SegmentScan& segment, const Frame& frame) {
    const std::string& path = segment.file.path;
    ++segment.records;
    segment.raw_bytes += frame.payload.size();
    segment.stored_bytes += frame.stored_size;
    try {
      switch (frame.type) {
        case RecordType::kTransaction: {
          TxHeader tx = decode_tx_header(frame.payload);
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
      }
      if (visit_) visit_(segment, frame);
    } catch (const Error& e) {
      damage(path, frame.offset, fmt::format("{} record does not decode: {}", record_type_name(frame.type), e.what()));
    }
  }

  LogScan& scan_;
  const RecordVisitor& visit_;
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
  Scanner(scan, visit).run(files);
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
