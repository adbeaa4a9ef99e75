#include "txlog/folder_watch.h"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "txgraph/error.h"

namespace txgraph::txlog {

FolderWatch::FolderWatch(const std::string& dir) : dir_(dir) {
  fd_ = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (fd_ < 0) throw Error(ErrorCode::kIo, fmt::format("watching {} for changes: {}", dir, std::strerror(errno)));
  if (::inotify_add_watch(fd_, dir.c_str(), IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE) < 0) {
    int error = errno;
    ::close(fd_);
    throw Error(ErrorCode::kIo, fmt::format("watching {} for changes: {}", dir, std::strerror(error)));
  }
}

FolderWatch::~FolderWatch() { ::close(fd_); }

bool FolderWatch::wait(std::chrono::milliseconds timeout) {
  pollfd p{fd_, POLLIN, 0};
  int rc = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(timeout.count(), INT32_MAX)));
  if (rc < 0 && errno != EINTR)
    throw Error(ErrorCode::kIo, fmt::format("waiting for changes in {}: {}", dir_, std::strerror(errno)));
  if (rc <= 0) return false;
  // Every event so far counts as this one change: the caller looks at the folder anew.
  char events[4096];
  while (::read(fd_, events, sizeof events) > 0) {
  }
  return true;
}

}  // namespace txgraph::txlog
