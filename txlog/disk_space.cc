#include "txlog/disk_space.h"

#include <sys/statvfs.h>

#include <mutex>

#include <fmt/format.h>

namespace txgraph::txlog {

namespace {
std::mutex probe_mutex;
std::function<std::optional<DiskSpace>(const std::string&)> probe;
}  // namespace

void set_disk_space_probe(std::function<std::optional<DiskSpace>(const std::string& path)> replacement) {
  std::lock_guard lock(probe_mutex);
  probe = std::move(replacement);
}

std::optional<DiskSpace> disk_space(const std::string& path) {
  {
    std::lock_guard lock(probe_mutex);
    if (probe) return probe(path);
  }
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) != 0) return std::nullopt;
  DiskSpace space;
  space.free_bytes = static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
  space.total_bytes = static_cast<std::uint64_t>(st.f_blocks) * st.f_frsize;
  return space;
}

bool nearly_full(const DiskSpace& space) {
  return space.free_bytes < (64ull << 20) || space.free_bytes < space.total_bytes / 100;
}

std::string disk_full_text(const std::string& folder, std::uint64_t free_bytes) {
  return fmt::format("disk full: {} bytes free on {}", free_bytes, folder);
}

}  // namespace txgraph::txlog
