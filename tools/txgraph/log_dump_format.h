// tools/txgraph/log_dump_format.h — the records of `txgraph log dump`, as JSON lines for
// programs and as text blocks for people, appended to a reusable output buffer.
//
// JSON: one object per record, {"type", "segment", "offset", ...the record's fields}, written
// straight as text (tools/txgraph/json_text.h) from the record's bytes: a transaction is read
// in place (txlog/tx_record_view.h) and its names, keys and properties are written from their
// encoding (tools/txgraph/encoded_json.h), so that the dump of a large log runs at the speed of
// reading it, with nothing allocated per record. The text is the same as if the record had been
// decoded (decode_tx_record) and written from the decoded maps.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tools/txgraph/text_buffer.h"
#include "txlog/segment_reader.h"
#include "txlog/tx_record.h"
#include "txlog/tx_record_view.h"

namespace txgraph::cli {

class JsonObject;

// One record, read once for the filters and the output.
struct DumpRecord {
  std::uint64_t segment = 0;
  const txlog::Frame* frame = nullptr;
  txlog::TxRecordView* tx = nullptr;  // for a transaction record, read in place
  txlog::CheckpointRecord checkpoint;
  txlog::EnrichmentChangeRecord enrichment_change;
  txlog::ImportNoticeRecord import_notice;
  std::int64_t time_us = 0;  // commit time, or the record's own time

  // Decodes a record that is not a transaction (a transaction is read by the caller, who
  // keeps the view) and sets time_us. Throws Error(kCorruption) when it does not decode.
  void decode_other(std::uint64_t segment_number, const txlog::Frame& frame);
  // `tx` holds the frame's payload, read; it must stay so while the record is written.
  void set_transaction(std::uint64_t segment_number, const txlog::Frame& frame, txlog::TxRecordView& tx);
};

// The after-state of a create whose record gives it by reference (ChangeView's
// after_from_operations), from the record's operations on the entity, as decode_tx_record
// completes it: labels sorted and each once, properties in key order, a null value removing
// one. Views of the record's bytes, valid while they are.
class CreatedState {
 public:
  void build(txlog::TxRecordView& record, std::size_t change);
  const std::vector<std::string_view>& labels() const { return labels_; }
  // Key and encoded value, in key order.
  const std::vector<std::pair<std::string_view, std::string_view>>& properties() const { return properties_; }

 private:
  void set(std::string_view properties);
  void remove(std::string_view names);

  std::vector<std::string_view> labels_;
  std::vector<std::pair<std::string_view, std::string_view>> properties_;
};

// Writes records; keeps its scratch space from one record to the next.
class DumpFormatter {
 public:
  // One JSON object and a newline.
  void append_json(TextBuffer& out, const DumpRecord& record);
  // A transaction as a block: a heading line, then one line per operation and per change,
  // each its JSON without the fields the line's label already says; any other record on one
  // line. With `color`, headings are in ANSI colour (transactions bold cyan, other records
  // yellow). For a terminal: what users wrote is quoted or escaped so that it stays on its
  // line and no control character but the colours' is written.
  void append_text(TextBuffer& out, const DumpRecord& record, bool color = false);

 private:
  void append_text_lines(TextBuffer& out, const DumpRecord& record, bool color);
  // The fields of change `index` after its entity, operation and id.
  void append_change_fields(JsonObject& object, txlog::TxRecordView& tx, std::size_t index);

  CreatedState created_;
  TextBuffer label_;
};

}  // namespace txgraph::cli
