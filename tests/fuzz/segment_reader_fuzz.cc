// libFuzzer target: SegmentReader and the log scan on arbitrary segment bytes. Whatever the
// bytes, reading must end (kEnd, kTornTail or kCorrupt) without a crash, a sanitizer report,
// or an exception other than txgraph::Error from decoding.
//
// Build and run long (clang only):
//   cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DTXGRAPH_BUILD_FUZZ=ON \
//         -DTXGRAPH_BUILD_BENCH=OFF -DTXGRAPH_BUILD_TESTS=ON
//   cmake --build build-fuzz --target segment_reader_fuzz
//   mkdir -p corpus && cp some_db/txlog/*.seg corpus/
//   build-fuzz/tests/fuzz/segment_reader_fuzz corpus -max_len=65536 -max_total_time=3600
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "txgraph/error.h"
#include "txlog/log_inspect.h"
#include "txlog/log_stats.h"
#include "txlog/segment_reader.h"

namespace {

// One folder per process, one segment file in it, rewritten for every input.
const std::string& fuzz_dir() {
  static const std::string dir = [] {
    std::string tmpl = "/tmp/txgraph-fuzz-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) __builtin_trap();
    return tmpl;
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace txgraph::txlog;
  const std::string path = fuzz_dir() + "/" + segment_file_name(1);
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  {
    SegmentReader reader(path);
    Frame frame;
    for (int i = 0; i < 100000 && reader.next(&frame) == SegmentReader::Next::kRecord; ++i) {
    }
  }
  // The full inspection path: header checks, continuity, and decoding every record.
  LogStats stats;
  scan_log(fuzz_dir(), [&](const SegmentScan&, const Frame& frame) { add_to_stats(stats, frame); });
  return 0;
}
