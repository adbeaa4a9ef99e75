#include "txlog/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>

#include <fmt/format.h>

#include "txgraph/error.h"
#include "txlog/disk_space.h"

namespace txgraph::txlog {

namespace {

std::mutex hook_mutex;
FaultHook fault_hook;

int injected(IoOp op, const std::string& path, std::size_t* short_write = nullptr) {
  std::lock_guard lock(hook_mutex);
  if (!fault_hook) return 0;
  return fault_hook(op, path, short_write);
}

[[noreturn]] void fail(std::string_view what, const std::string& path, int err) {
  ErrorCode code = err == ENOSPC || err == EDQUOT ? ErrorCode::kDiskFull : ErrorCode::kIo;
  throw Error(code, fmt::format("{} {}: {}", what, path, std::strerror(err)));
}

// A write that failed for want of room says so, with what is left and where: ENOSPC always,
// and an EIO or EFBIG (what a short write on a full disk may come back as) when the file
// system is (nearly) full.
[[noreturn]] void fail_write(const std::string& path, int err) {
  if (err == ENOSPC || err == EIO || err == EFBIG) {
    std::string folder = std::filesystem::path(path).parent_path().string();
    auto space = disk_space(folder.empty() ? "." : folder);
    if (err == ENOSPC || (space && nearly_full(*space)))
      throw Error(ErrorCode::kDiskFull,
                  fmt::format("cannot write {}: {} ({}); free space there or move the database", path,
                              space ? disk_full_text(folder, space->free_bytes) : std::string("disk full"),
                              std::strerror(err)));
  }
  fail("cannot write", path, err);
}

}  // namespace

void set_fault_hook(FaultHook hook) {
  std::lock_guard lock(hook_mutex);
  fault_hook = std::move(hook);
}

File::File(const std::string& path, Mode mode) : path_(path) {
  int flags = O_CLOEXEC;
  switch (mode) {
    case Mode::kRead:
      flags |= O_RDONLY;
      break;
    case Mode::kReadWrite:
      flags |= O_RDWR;
      break;
    case Mode::kCreateExclusive:
      flags |= O_RDWR | O_CREAT | O_EXCL;
      break;
  }
  if (mode != Mode::kRead) {
    if (int err = injected(IoOp::kOpen, path)) fail("cannot open", path, err);
  }
  fd_ = ::open(path.c_str(), flags,
               mode == Mode::kCreateExclusive ? new_file_mode(std::filesystem::path(path).parent_path().string()) : 0);
  if (fd_ < 0) {
    int err = errno;
    if (err == ENOENT) throw Error(ErrorCode::kNotFound, fmt::format("no such file: {}", path));
    fail("cannot open", path, err);
  }
}

File::~File() {
  if (fd_ >= 0) ::close(fd_);
}

void File::write_at(std::uint64_t offset, const struct iovec* parts, int count) {
  std::vector<struct iovec> rest(parts, parts + count);
  std::size_t total = 0;
  for (const auto& p : rest) total += p.iov_len;
  std::size_t limit = total;
  int err = injected(IoOp::kWrite, path_, &limit);
  if (err != 0 && limit >= total) fail_write(path_, err);
  std::size_t written = 0;
  std::size_t idx = 0;
  while (written < total) {
    if (written >= limit) fail_write(path_, err ? err : EIO);
    // Trim the iovec list to the injected limit, if any.
    std::vector<struct iovec> now;
    std::size_t budget = limit - written;
    for (std::size_t i = idx; i < rest.size() && budget > 0; ++i) {
      struct iovec v = rest[i];
      if (v.iov_len > budget) v.iov_len = budget;
      budget -= v.iov_len;
      now.push_back(v);
    }
    ssize_t n = ::pwritev(fd_, now.data(), static_cast<int>(now.size()),
                          static_cast<off_t>(offset + written));
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_write(path_, errno);
    }
    written += static_cast<std::size_t>(n);
    // Advance the iovec list past what was written.
    auto left = static_cast<std::size_t>(n);
    while (idx < rest.size() && left >= rest[idx].iov_len) {
      left -= rest[idx].iov_len;
      ++idx;
    }
    if (idx < rest.size() && left > 0) {
      rest[idx].iov_base = static_cast<char*>(rest[idx].iov_base) + left;
      rest[idx].iov_len -= left;
    }
  }
}

void File::write_at(std::uint64_t offset, std::string_view data) {
  struct iovec v{const_cast<char*>(data.data()), data.size()};
  write_at(offset, &v, 1);
}

std::size_t File::read_at(std::uint64_t offset, char* buffer, std::size_t n) const {
  std::size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd_, buffer + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      fail("cannot read", path_, errno);
    }
    if (r == 0) break;
    done += static_cast<std::size_t>(r);
  }
  return done;
}

void File::sync() {
  if (int err = injected(IoOp::kSync, path_)) fail("cannot sync", path_, err);
  if (::fdatasync(fd_) != 0) fail("cannot sync", path_, errno);
}

void File::truncate(std::uint64_t size) {
  if (int err = injected(IoOp::kTruncate, path_)) fail("cannot truncate", path_, err);
  if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) fail("cannot truncate", path_, errno);
}

std::uint64_t File::size() const {
  struct stat st;
  if (::fstat(fd_, &st) != 0) fail("cannot stat", path_, errno);
  return static_cast<std::uint64_t>(st.st_size);
}

void sync_directory(const std::string& path) {
  if (int err = injected(IoOp::kSyncDir, path)) fail("cannot sync directory", path, err);
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail("cannot open directory", path, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) fail("cannot sync directory", path, err);
}

void remove_file(const std::string& path) {
  if (int err = injected(IoOp::kRemove, path)) fail("cannot remove", path, err);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) fail("cannot remove", path, errno);
}

void rename_file(const std::string& from, const std::string& to) {
  if (int err = injected(IoOp::kRename, from)) fail("cannot rename", from, err);
  if (::rename(from.c_str(), to.c_str()) != 0) fail("cannot rename", from, errno);
}

std::string read_small_file(const std::string& path) {
  File f(path, File::Mode::kRead);
  std::string data(f.size(), '\0');
  data.resize(f.read_at(0, data.data(), data.size()));
  return data;
}

namespace {
bool group_may_read(const std::string& folder) {
  struct stat st;
  return ::stat(folder.empty() ? "." : folder.c_str(), &st) == 0 && (st.st_mode & S_IRGRP) != 0;
}
}  // namespace

unsigned new_file_mode(const std::string& folder) { return group_may_read(folder) ? 0640 : 0600; }
unsigned new_folder_mode(const std::string& parent) { return group_may_read(parent) ? 0750 : 0700; }

bool make_folder(const std::string& path, unsigned mode) {
  if (::mkdir(path.c_str(), mode) == 0) {
    // mkdir's mode passes through the umask, which may take more than the group's bits.
    if (::chmod(path.c_str(), mode) != 0) fail("cannot set the mode of", path, errno);
    return true;
  }
  int err = errno;
  if (err == EEXIST && std::filesystem::is_directory(path)) return false;
  fail("cannot create", path, err);
}

void write_file_atomically(const std::string& path, std::string_view data) {
  std::string tmp = path + ".tmp";
  remove_file(tmp);
  {
    File f(tmp, File::Mode::kCreateExclusive);
    f.write_at(0, data);
    f.sync();
  }
  rename_file(tmp, path);
  sync_directory(std::filesystem::path(path).parent_path().string());
}

}  // namespace txgraph::txlog
