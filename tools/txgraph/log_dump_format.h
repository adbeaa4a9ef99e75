// tools/txgraph/log_dump_format.h — the records of `txgraph log dump`, as JSON lines for
// programs and as text blocks for people, appended to a reusable output buffer.
//
// JSON: one object per record, {"type", "segment", "offset", ...the record's fields}, written
// straight as text (tools/txgraph/json_text.h): the dump of a large log must run at the speed
// of decoding, not of building a JSON tree per record.
#pragma once

#include <cstdint>
#include <string>

#include "txlog/segment_reader.h"
#include "txlog/tx_record.h"

namespace txgraph::cli {

// One record, decoded once for the filters and the output.
struct DumpRecord {
  std::uint64_t segment = 0;
  const txlog::Frame* frame = nullptr;
  const txlog::TxRecord* tx = nullptr;  // for a transaction record
  txlog::CheckpointRecord checkpoint;
  txlog::EnrichmentChangeRecord enrichment_change;
  txlog::ImportNoticeRecord import_notice;
  std::int64_t time_us = 0;  // commit time, or the record's own time

  // Decodes a record that is not a transaction (a transaction is decoded by the caller, who
  // keeps it) and sets time_us. Throws Error(kCorruption) when it does not decode.
  void decode_other(std::uint64_t segment_number, const txlog::Frame& frame);
  void set_transaction(std::uint64_t segment_number, const txlog::Frame& frame, const txlog::TxRecord& tx);
};

// One JSON object and a newline.
void append_record_json(std::string& out, const DumpRecord& record);
// A transaction as a block: a heading line, then one line per operation and per change, each
// its JSON without the fields the line's label already says; any other record on one line.
// With `color`, headings are in ANSI colour (transactions bold cyan, other records yellow).
void append_record_text(std::string& out, const DumpRecord& record, bool color = false);

}  // namespace txgraph::cli
