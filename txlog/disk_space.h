// How much room is left on the file system that holds a database, asked when a write fails:
// a full disk is then said as such, with the bytes free and the folder, rather than as the
// "Input/output error" that LMDB makes of a short write.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace txgraph::txlog {

struct DiskSpace {
  std::uint64_t free_bytes = 0;   // what an unprivileged writer may still use
  std::uint64_t total_bytes = 0;
};

// statvfs on `path` (a file or a folder); nullopt when the file system cannot be asked.
std::optional<DiskSpace> disk_space(const std::string& path);

// For tests: replaces what disk_space() asks (nullptr puts statvfs back). Process-wide.
void set_disk_space_probe(std::function<std::optional<DiskSpace>(const std::string& path)> probe);

// Whether a write that failed there failed for want of room: less than 64 MiB or 1 % of the
// file system is free (a store batch or a log chunk may need more than the crumbs left).
bool nearly_full(const DiskSpace& space);

// "disk full: N bytes free on FOLDER"
std::string disk_full_text(const std::string& folder, std::uint64_t free_bytes);

}  // namespace txgraph::txlog
