// txgraph log stats DIR: counts and bytes by record type, capture mode and operation.

#include <filesystem>
#include <iostream>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "tools/txgraph/commands.h"
#include "tools/txgraph/log_command_support.h"
#include "txlog/log_inspect.h"
#include "txlog/log_stats.h"
#include "txlog/text_formats.h"
#include "txlog/tx_record.h"

namespace txgraph::cli {

using namespace txlog;

void print_log_stats(const std::filesystem::path& dir, std::ostream& out, std::ostream& err) {
  LogStats stats;
  LogScan scan = scan_log(log_folder(dir), [&](const SegmentScan&, const Frame& frame) { add_to_stats(stats, frame); });
  std::uint64_t disk = 0;
  for (const auto& s : scan.segments) disk += s.file.bytes;
  ByteCount total = stats.total();
  out << fmt::format("segments: {}, {} on disk\n", scan.segments.size(), readable_size(disk));
  out << fmt::format("records: {}, {} raw, {} stored, compression ratio {}\n", total.records, total.raw_bytes,
                     total.stored_bytes, ratio_text(total.raw_bytes, total.stored_bytes));
  std::vector<std::vector<std::string>> rows = {{"RECORD_TYPE", "RECORDS", "RAW_BYTES", "STORED_BYTES", "RATIO"}};
  for (unsigned t = 1; t < stats.by_record_type.size(); ++t) {
    const ByteCount& c = stats.by_record_type[t];
    rows.push_back({std::string(record_type_name(static_cast<RecordType>(t))), std::to_string(c.records),
                    std::to_string(c.raw_bytes), std::to_string(c.stored_bytes),
                    ratio_text(c.raw_bytes, c.stored_bytes)});
  }
  for (unsigned m = 0; m < stats.by_capture_mode.size(); ++m) {
    const ByteCount& c = stats.by_capture_mode[m];
    rows.push_back({fmt::format("transaction {}", capture_mode_name(static_cast<CaptureMode>(m))),
                    std::to_string(c.records), std::to_string(c.raw_bytes), std::to_string(c.stored_bytes),
                    ratio_text(c.raw_bytes, c.stored_bytes)});
  }
  out << '\n';
  print_table(rows, out);
  rows = {{"OPERATION", "COUNT"}};
  for (unsigned code = 1; code < stats.ops_by_code.size(); ++code)
    rows.push_back({std::string(op_code_name(static_cast<OpCode>(code))), std::to_string(stats.ops_by_code[code])});
  out << '\n';
  print_table(rows, out);
  rows = {{"CHANGES", "CREATE", "UPDATE", "DELETE"}};
  for (unsigned entity = 1; entity < 3; ++entity)
    rows.push_back({entity == 1 ? "node" : "relationship", std::to_string(stats.changes[entity][1]),
                    std::to_string(stats.changes[entity][2]), std::to_string(stats.changes[entity][3])});
  out << '\n';
  print_table(rows, out);
  out << '\n';
  out << fmt::format("transactions: {}", stats.transactions);
  if (stats.transactions > 0)
    out << fmt::format(
        ", {} to {}, {:.2f} tx/s\naverage transaction: {} bytes\nlargest transaction: tx {}, {} bytes, "
        "{} operations",
        iso8601_utc(stats.first_commit_us), iso8601_utc(stats.last_commit_us), stats.tx_per_second(),
        stats.tx_raw_bytes / stats.transactions, stats.largest_tx_id, stats.largest_tx_raw_bytes, stats.largest_tx_ops);
  out << '\n';
  out.flush();
  print_problems(scan, err);
}

Verb add_log_stats_verb(CLI::App& log) {
  auto dir = std::make_shared<std::string>();
  CLI::App* stats = log.add_subcommand("stats", "Counts and bytes by record type, capture mode, operation");
  stats->add_option("DIR", *dir, "Folder of the database (or its txlog folder)")->check(folder_name())->required();
  stats->footer(
      "Prints records and bytes (raw = uncompressed payload, stored = on disk, without frame\n"
      "headers) per record type and per capture mode, operations per type, enrichment changes\n"
      "on nodes and relationships per operation, transactions per second between the first\n"
      "and last retained commit, and the average and largest transaction.");
  return {stats, [=] { print_log_stats(*dir, std::cout, std::cerr); }};
}

}  // namespace txgraph::cli
