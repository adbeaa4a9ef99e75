// libFuzzer target: SegmentReader and the log scan on arbitrary segment bytes. Whatever the
// bytes, reading must end (kEnd, kTornTail or kCorrupt) without a crash, a sanitizer report,
// or an exception other than txgraph::Error from decoding, and the frames it returns must keep
// the invariants checked below (a broken one traps, which libFuzzer reports).
//
// Its seeds (seeds/segment_reader) are segments the log writer wrote: OFF, DIFF, FULL, and a
// compressed one. `tools/dev fuzz [SECONDS]` builds it with clang as a libFuzzer binary and
// runs it with the other targets; to start a corpus from a database of your own, copy its
// txlog/*.seg into build-fuzz/tests/fuzz/corpus-segment_reader/.
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/fuzz/fuzz_database.h"
#include "txgraph/error.h"
#include "txlog/log_inspect.h"
#include "txlog/log_stats.h"
#include "txlog/segment_reader.h"

namespace {

// One folder per process, one segment file in it, rewritten for every input; removed at exit.
struct ScratchFolder {
  std::string path = txgraph::fuzz::scratch_folder("segments");
  ~ScratchFolder() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

const std::string& fuzz_dir() {
  static const ScratchFolder folder;
  return folder.path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace txgraph::txlog;
  const std::string path = fuzz_dir() + "/" + segment_file_name(1);
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  // What every reader of the log relies on, whatever the bytes: frames come in file order,
  // lie inside the file after the header, and the good data never ends past the file.
  auto check = [](bool holds) {
    if (!holds) __builtin_trap();
  };
  std::uint64_t records = 0;
  {
    SegmentReader reader(path);
    Frame frame;
    std::uint64_t previous_end = kSegmentHeaderSize;
    for (int i = 0; i < 100000 && reader.next(&frame) == SegmentReader::Next::kRecord; ++i) {
      check(reader.header_status() == HeaderStatus::kOk);
      check(frame.offset == previous_end);
      previous_end = frame.offset + kFrameHeaderSize + frame.stored_size;
      check(previous_end <= size);
      check(reader.valid_end() == previous_end);
      check(frame.type != static_cast<RecordType>(0));
      ++records;
    }
    check(reader.valid_end() <= std::max<std::uint64_t>(size, kSegmentHeaderSize));
  }
  // The full inspection path: header checks, continuity, and decoding every record. It must
  // see the same whole frames as the reader, and count no more bytes than the file holds.
  LogStats stats;
  std::uint64_t visited = 0;
  LogScan scan = scan_log(fuzz_dir(), [&](const SegmentScan&, const Frame& frame) {
    add_to_stats(stats, frame);
    ++visited;
  });
  check(visited <= records);
  for (const auto& segment : scan.segments) check(segment.valid_end <= std::max<std::uint64_t>(size, kSegmentHeaderSize));
  return 0;
}
