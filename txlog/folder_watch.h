// Sleeping until a folder changes, without polling: for readers that follow a log another
// process writes (a file appended to, created, renamed into place). Linux inotify.
#pragma once

#include <chrono>
#include <string>

namespace txgraph::txlog {

class FolderWatch {
 public:
  // Starts watching `dir`: every change from here on wakes the next wait(), including one that
  // happens before wait() is called, so a reader that creates the watch, reads, then waits
  // misses nothing. Throws Error(kIo) naming the folder.
  explicit FolderWatch(const std::string& dir);
  ~FolderWatch();
  FolderWatch(const FolderWatch&) = delete;
  FolderWatch& operator=(const FolderWatch&) = delete;

  // Blocks until something in the folder changed since the last wait() (or since the watch
  // began), `timeout` passed, or a signal arrived; returns whether a change was seen.
  bool wait(std::chrono::milliseconds timeout);

 private:
  std::string dir_;
  int fd_ = -1;
};

}  // namespace txgraph::txlog
