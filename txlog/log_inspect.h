// Reading a whole log folder for inspection (`txgraph log`): every segment in order, with a
// summary per segment and every problem found on the way, named by file and byte offset.
//
// Read-only and tolerant: it never writes, never truncates, and never stops at the first
// problem. A damaged segment is read up to the damage and the scan goes on with the next one,
// so a damaged log still shows everything that can be read. It works while a writer appends:
// each segment is read up to the size it had when opened, and what a writer in the middle of
// an append leaves (a torn last record, a new segment without its header yet) is a note, not
// damage. Knows nothing of the store.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "txlog/log_directory.h"
#include "txlog/retention_policy.h"
#include "txlog/segment_format.h"
#include "txlog/segment_reader.h"
#include "txlog/tx_record.h"

namespace txgraph::txlog {

struct LogProblem {
  enum class Severity { kNote, kDamage };
  Severity severity = Severity::kDamage;
  std::string file;  // the segment file (full path), or the folder
  std::uint64_t offset = 0;
  std::string what;
};
// "FILE: offset N: what", prefixed "note: " for a note.
std::string problem_text(const LogProblem& problem);

struct SegmentScan {
  SegmentFile file;
  HeaderStatus header_status = HeaderStatus::kOk;
  SegmentHeader header;          // meaningful when header_status is kOk
  bool foreign = false;          // its header names another database; its records are not read
  std::uint64_t records = 0;     // whole, checksummed frames read
  std::uint64_t raw_bytes = 0;   // record payloads, uncompressed
  std::uint64_t stored_bytes = 0;  // the same payloads as stored (compressed when compressed),
                                   // and the segment's compression dictionaries
  std::uint64_t transactions = 0;
  std::uint64_t first_tx = 0, last_tx = 0;  // 0 when it holds no transaction
  std::int64_t first_commit_us = 0, last_commit_us = 0;
  std::uint8_t capture_modes = 0;  // bit (1 << CaptureMode) for every mode seen
  std::vector<CheckpointRecord> checkpoints;
  std::uint64_t valid_end = 0;  // end of the last good frame
  bool complete = false;        // read to its (clean or torn) end, not stopped by damage
};

struct LogScan {
  std::string dir;
  std::vector<SegmentScan> segments;  // every segment file, in number order
  std::vector<LogProblem> problems;   // in the order found
  bool damaged() const;
  // The last checkpoint record in the log; 0 if none.
  std::uint64_t last_checkpoint_tx() const;
};

// Called with every whole record, in log order, after the scan has taken it into account.
// A decode failure thrown from here (Error kCorruption) is recorded as damage at the frame.
using RecordVisitor = std::function<void(const SegmentScan& segment, const Frame& frame)>;

// Reads every segment of `log_dir` (the database's txlog folder). Throws Error(kIo) only when
// the folder itself cannot be listed; every problem inside it goes into LogScan::problems.
LogScan scan_log(const std::string& log_dir, const RecordVisitor& visit = {});

// Following a log that a writer goes on appending to: once everything there is has been read,
// the scan waits and reads on, into new segments as the writer rotates, until wait() says
// stop. A torn last record is then a record being written, read once it is whole; segments
// pruned before the scan reached them are a note, not damage (their records are not shown).
struct FollowOptions {
  // Called whenever the scan has read all there is: block until the folder may have changed
  // (or a while has passed); return false to end the scan.
  std::function<bool()> wait;
  // Called with each problem as it is found, since a follow may never end. Optional.
  std::function<void(const LogProblem&)> on_problem;
};
LogScan scan_log(const std::string& log_dir, const RecordVisitor& visit, const FollowOptions& follow);

std::string_view capture_mode_name(CaptureMode mode);  // "OFF", "DIFF", "FULL"
// The modes of a SegmentScan::capture_modes mask: "OFF,DIFF"; "-" for none.
std::string capture_modes_text(std::uint8_t mask);
// raw / stored as "3.41"; "-" when nothing is stored.
std::string ratio_text(std::uint64_t raw, std::uint64_t stored);

// The retention plan's view of the scanned segments; a segment without transactions counts
// as last committed at its creation.
std::vector<SegmentSummary> retention_summaries(const LogScan& scan);

}  // namespace txgraph::txlog
