// Helpers shared by the log's test suites: a scoped fault hook, whole-file byte access for
// damaging segments on purpose, and a writer set up in a test folder.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "test_dir.h"
#include "txgraph/error.h"
#include "txlog/file.h"
#include "txlog/log_writer.h"
#include "txlog/segment_format.h"
#include "txlog/segment_reader.h"

namespace txgraph {
// Readable failure messages for the enums the tests compare.
inline void PrintTo(ErrorCode code, std::ostream* os) { *os << error_code_name(code); }
}  // namespace txgraph

namespace txgraph::txlog {
inline void PrintTo(SegmentReader::Next next, std::ostream* os) {
  switch (next) {
    case SegmentReader::Next::kRecord:
      *os << "kRecord";
      return;
    case SegmentReader::Next::kEnd:
      *os << "kEnd";
      return;
    case SegmentReader::Next::kTornTail:
      *os << "kTornTail";
      return;
    case SegmentReader::Next::kCorrupt:
      *os << "kCorrupt";
      return;
  }
  *os << "?";
}
inline void PrintTo(HeaderStatus status, std::ostream* os) { *os << header_status_text(status); }
}  // namespace txgraph::txlog

namespace txgraph::txlog::testing {

// Installs a fault hook for the lifetime of the guard, so that a failing assertion cannot leave
// the hook behind for the next test.
class ScopedFaultHook {
 public:
  explicit ScopedFaultHook(FaultHook hook) { set_fault_hook(std::move(hook)); }
  ~ScopedFaultHook() { set_fault_hook(nullptr); }
  ScopedFaultHook(const ScopedFaultHook&) = delete;
  ScopedFaultHook& operator=(const ScopedFaultHook&) = delete;
};

inline std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void write_bytes(const std::filesystem::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Bytes as space-separated hex pairs, for readable comparisons with FORMAT.md.
inline std::string hex(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    static const char digits[] = "0123456789abcdef";
    if (!out.empty()) out.push_back(' ');
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

// A fixed database UUID, so that tests can compare headers byte for byte.
inline std::string test_uuid(char fill = '\x11') { return std::string(16, fill); }

inline LogWriterOptions writer_options(const std::filesystem::path& dir, std::uint64_t rotation_size = 64ull << 20) {
  LogWriterOptions options;
  options.dir = dir.string();
  options.database_uuid = test_uuid();
  options.rotation_size = rotation_size;
  options.now_us = [] { return std::int64_t{1795000000000000}; };
  return options;
}

// Appends one single-part record.
inline LogWriter::Position append_one(LogWriter& writer, RecordType type, std::string_view payload,
                                      std::uint64_t next_tx = 1) {
  std::string_view parts[] = {payload};
  return writer.append(type, std::span<const std::string_view>(parts), next_tx);
}

struct ReadBack {
  std::vector<Frame> frames;
  SegmentReader::Next end = SegmentReader::Next::kEnd;  // what ended the walk
  std::uint64_t valid_end = 0;
  std::uint64_t problem_offset = 0;
  std::string problem;
  bool tail_is_zeros = false;  // the end: zeros from valid_end to the end of the file
};

// Reads every frame of one segment until something other than a record comes back.
inline ReadBack read_segment(const std::filesystem::path& path) {
  SegmentReader reader(path.string());
  ReadBack out;
  for (;;) {
    Frame frame;
    auto next = reader.next(&frame);
    if (next != SegmentReader::Next::kRecord) {
      out.end = next;
      break;
    }
    out.frames.push_back(std::move(frame));
  }
  out.valid_end = reader.valid_end();
  out.problem_offset = reader.problem_offset();
  out.problem = reader.problem();
  out.tail_is_zeros = reader.tail_is_zeros();
  return out;
}

// Runs `fn` and returns the code of the txgraph::Error it throws; fails the test if it throws
// nothing or something else.
template <typename Fn>
ErrorCode error_code_of(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.code();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "threw a non-txgraph exception: " << e.what();
    return ErrorCode{0};
  }
  ADD_FAILURE() << "threw nothing";
  return ErrorCode{0};
}

}  // namespace txgraph::txlog::testing
