// Small pieces every benchmark program here uses: a temp folder that goes away, the disk
// settled between measurements, folder sizes, writing a results file, the time of a run.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace txgraph::bench {

// Apparent size of every file under `dir`.
inline std::uint64_t folder_bytes(const std::filesystem::path& dir) {
  std::uint64_t total = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir))
    if (entry.is_regular_file()) total += entry.file_size();
  return total;
}

// Writes back whatever the previous measurement left dirty in the page cache (the store is
// written without syncs), so that its writeback does not slow down the next measurement.
inline void settle_disk(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::syncfs(fd);
  ::close(fd);
}

// Removes the temp folder on every way out of main, including exceptions.
struct TempDir {
  std::filesystem::path path;
  ~TempDir() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
};

// Writes `text` to `file`; throws naming the file when that fails.
inline void write_results(const std::string& file, const std::string& text) {
  std::FILE* out = std::fopen(file.c_str(), "w");
  bool written = out != nullptr && std::fputs(text.c_str(), out) >= 0;
  if (out != nullptr && std::fclose(out) != 0) written = false;
  if (!written) throw std::runtime_error(fmt::format("cannot write {}: {}", file, std::strerror(errno)));
}

// The current time, UTC, as 2026-01-31T12:00:00Z: when a results file was made.
inline std::string utc_now() {
  std::time_t t = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return text;
}

}  // namespace txgraph::bench
