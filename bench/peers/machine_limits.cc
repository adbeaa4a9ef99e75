// The machine's own limits, measured in the same run as the systems: what a durable commit
// (one fdatasync), a log append (sequential write), compression and checksumming can reach
// on this disk and one core.
#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>
#include <zstd.h>

#include <atomic>
#include <cstdio>
#include <exception>
#include <thread>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bench/peers/peers.h"

namespace txgraph::bench::peers {

double measure_fdatasync_rate(const fs::path& dir, double seconds, int threads) {
  fs::create_directories(dir);
  std::atomic<std::uint64_t> syncs{0};
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(threads));
  std::vector<std::thread> loops;
  auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    loops.emplace_back([&, t] {
      try {
        fs::path file = dir / fmt::format("sync-{}", t);
        int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) throw std::runtime_error("open for the fdatasync loop");
        std::string record(150, 'x');
        while (seconds_since(start) < seconds) {
          if (::write(fd, record.data(), record.size()) != static_cast<ssize_t>(record.size()) ||
              ::fdatasync(fd) != 0) {
            ::close(fd);
            throw std::runtime_error("the fdatasync loop failed");
          }
          ++syncs;
        }
        ::close(fd);
        fs::remove(file);
      } catch (...) {
        errors[static_cast<std::size_t>(t)] = std::current_exception();
      }
    });
  }
  for (auto& l : loops) l.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  return static_cast<double>(syncs.load()) / seconds_since(start);
}

Limits measure_limits(const fs::path& dir, bool quick) {
  Limits l;
  l.fdatasync_per_s = measure_fdatasync_rate(dir, quick ? 0.5 : 2.0, 1);
  l.fdatasync_4_threads_per_s = measure_fdatasync_rate(dir, quick ? 0.5 : 2.0, 4);
  std::size_t total = (quick ? 32ull : 256ull) << 20;
  std::string block(1 << 20, 'y');
  int fd = ::open((dir / "sequential").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("open for the sequential write");
  auto start = Clock::now();
  for (std::size_t done = 0; done < total; done += block.size())
    if (::write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size()))
      throw std::runtime_error("the sequential write failed");
  ::fsync(fd);
  l.write_mb_per_s = total / 1048576.0 / seconds_since(start);
  ::close(fd);
  fs::remove(dir / "sequential");

  // Data shaped like the workload's rows: JSON text with repeating fields.
  std::string data;
  for (int i = 0; data.size() < (16u << 20); ++i) data += row_json(i, "someone", note(i));
  std::vector<char> out(ZSTD_compressBound(data.size()));
  start = Clock::now();
  int rounds = quick ? 1 : 3;
  for (int r = 0; r < rounds; ++r) ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
  l.zstd_mb_per_s = rounds * data.size() / 1048576.0 / seconds_since(start);
  start = Clock::now();
  std::uint64_t sink = 0;
  for (int r = 0; r < rounds * 20; ++r) sink += XXH3_64bits(data.data(), data.size());
  l.xxh3_mb_per_s = rounds * 20 * data.size() / 1048576.0 / seconds_since(start);
  if (sink == 42) std::printf(" ");  // keeps the hashing from being optimised away
  return l;
}

}  // namespace txgraph::bench::peers
