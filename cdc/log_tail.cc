#include "cdc/log_tail.h"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>

#include "txgraph/error.h"
#include "txlog/log_directory.h"
#include "txlog/tx_record.h"

namespace txgraph::cdc {

namespace {

// The capture mode is the byte after the tx id and the two times.
txlog::CaptureMode peek_capture_mode(std::string_view payload) {
  txlog::ByteReader in(payload, "transaction record");
  in.varint();
  in.i64();
  in.i64();
  auto mode = static_cast<std::uint8_t>(in.u8() & ~txlog::kTxHasConnection);
  if (mode > static_cast<std::uint8_t>(txlog::CaptureMode::kFull)) in.fail("unknown capture mode");
  return static_cast<txlog::CaptureMode>(mode);
}

// The frame header at `offset` of the reader's segment as it is now, read through the reader's
// open file: a segment pruned under the tail still holds the same bytes there, a record cut
// off and written again does not. Empty when the file ends before.
std::string frame_header_now(const txlog::SegmentReader& reader, std::uint64_t offset) {
  std::string head = reader.read_now(offset, txlog::kFrameHeaderSize);
  return head.size() == txlog::kFrameHeaderSize ? head : std::string();
}

[[noreturn]] void damaged(const txlog::SegmentReader& reader) {
  throw Error(ErrorCode::kCorruption, fmt::format("log segment {} is damaged at offset {}: {}", reader.path(),
                                                  reader.problem_offset(), reader.problem()));
}

}  // namespace

TailState LogTail::refresh() {
  std::lock_guard lock(mutex_);
  auto segments = txlog::list_segments(log_dir_);
  if (segments.empty()) throw Error(ErrorCode::kNotFound, fmt::format("there is no log in {}", log_dir_));
  if (!started_) {
    // Only the newest segment with a complete header: everything before it is history the
    // tail does not need, and a segment being created holds nothing yet.
    for (auto it = segments.rbegin(); it != segments.rend() && !started_; ++it) {
      auto reader = std::make_unique<txlog::SegmentReader>(it->path);
      if (reader->header_status() == txlog::HeaderStatus::kTooShort && std::next(it) != segments.rend()) continue;
      segment_ = it->number;
      reader_ = std::move(reader);
      started_ = true;
    }
  }
  for (;;) {
    reader_->refresh();
    if (reader_->file_size() < reader_->valid_end() ||
        (last_frame_ != 0 && frame_header_now(*reader_, last_frame_) != last_frame_header_)) {
      // The writer cut a record off again (its store commit failed), and may have written
      // another there since: read the segment anew.
      reread_segment();
    }
    if (reader_->header_status() == txlog::HeaderStatus::kTooShort) break;  // being created
    if (reader_->header_status() != txlog::HeaderStatus::kOk) damaged(*reader_);
    if (state_.database_uuid.empty()) {
      state_.database_uuid = reader_->header().database_uuid;
      state_.enrichment_generation = reader_->header().enrichment_generation;
      if (state_.last_tx == 0 && reader_->header().first_tx > 0) state_.last_tx = reader_->header().first_tx - 1;
    }
    read_on(state_);
    // Go on to the next segment once this one is finished: a newer one exists.
    auto next = std::find_if(segments.begin(), segments.end(), [&](const auto& s) { return s.number > segment_; });
    if (next == segments.end()) break;
    // Pruning removes the oldest segments first: the one after ours can be gone only with ours.
    // Then retention passed the tail, which needs only the end of the log: it goes on from the
    // oldest segment left, its reader having read what its own (removed) segment held.
    bool passed_by_pruning = segments.front().number > segment_;
    if (next->number != segment_ + 1 && !passed_by_pruning)
      throw Error(ErrorCode::kCorruption, fmt::format("log segment {} is missing from {}", segment_ + 1, log_dir_));
    reader_->refresh();
    read_on(state_);  // what the writer appended before it rotated
    segment_ = next->number;
    reader_ = std::make_unique<txlog::SegmentReader>(next->path);
    last_frame_ = 0;
    reader_->refresh();
    if (reader_->header_status() == txlog::HeaderStatus::kOk) {
      state_.enrichment_generation = std::max(state_.enrichment_generation, reader_->header().enrichment_generation);
      // The transactions of the segments pruned between are committed (and gone) too.
      if (reader_->header().first_tx > 0) state_.last_tx = std::max(state_.last_tx, reader_->header().first_tx - 1);
    }
  }
  if (!mode_known_) settle_mode_from_older_segments();
  if (state_.database_uuid.empty())
    throw Error(ErrorCode::kNotFound, fmt::format("the log in {} has no complete segment yet", log_dir_));
  return state_;
}

void LogTail::reread_segment() {
  reader_ = std::make_unique<txlog::SegmentReader>(reader_->path());
  last_frame_ = 0;
  if (reader_->header_status() == txlog::HeaderStatus::kOk && reader_->header().first_tx > 0)
    state_.last_tx = reader_->header().first_tx - 1;
}

void LogTail::read_on(TailState& state) {
  txlog::Frame frame;
  for (;;) {
    auto next = reader_->next(&frame);
    if (next == txlog::SegmentReader::Next::kCorrupt) damaged(*reader_);
    if (next != txlog::SegmentReader::Next::kRecord) {
      // The end, or a record being written. Remember the last whole frame, to notice if it
      // is cut off again.
      if (frame.stored_size != 0 || frame.offset != 0) {
        last_frame_ = frame.offset;
        last_frame_header_ = frame_header_now(*reader_, frame.offset);
      }
      return;
    }
    if (frame.type == txlog::RecordType::kTransaction) {
      state.last_tx = txlog::peek_tx_id(frame.payload);
      state.enrichment = peek_capture_mode(frame.payload);
      mode_known_ = true;
    } else if (frame.type == txlog::RecordType::kEnrichmentChange) {
      auto change = txlog::decode_enrichment_change(frame.payload);
      state.enrichment = change.to;
      state.enrichment_generation = change.generation;
      mode_known_ = true;
    }
  }
}

void LogTail::settle_mode_from_older_segments() {
  // The newest segment holds no transaction or switch yet: the last one before it decides.
  auto segments = txlog::list_segments(log_dir_);
  for (auto it = segments.rbegin(); it != segments.rend(); ++it) {
    if (it->number >= segment_) continue;
    TailState older;
    try {
      txlog::SegmentReader reader(it->path);
      txlog::Frame frame;
      bool seen = false;
      while (reader.next(&frame) == txlog::SegmentReader::Next::kRecord) {
        if (frame.type == txlog::RecordType::kTransaction) {
          older.enrichment = peek_capture_mode(frame.payload);
          seen = true;
        } else if (frame.type == txlog::RecordType::kEnrichmentChange) {
          older.enrichment = txlog::decode_enrichment_change(frame.payload).to;
          seen = true;
        }
      }
      if (seen) {
        state_.enrichment = older.enrichment;
        mode_known_ = true;
        return;
      }
    } catch (const Error&) {
      break;  // pruned meanwhile: fall back to the generation below
    }
  }
  // No transaction and no switch in the whole log: the mode the database was created with.
  // A database created with enrichment on starts in generation 1, one created OFF in 0.
  state_.enrichment = state_.enrichment_generation > 0 ? EnrichmentMode::kDiff : EnrichmentMode::kOff;
  mode_known_ = true;
}

}  // namespace txgraph::cdc
