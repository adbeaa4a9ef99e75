// The file layer: every byte txgraph writes to its own files (log segments, the lock file)
// goes through here, so tests can inject ENOSPC, EIO, short writes and crashes at any call.
// The store's own I/O belongs to LMDB and does not pass through this layer.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace txgraph::txlog {

enum class IoOp : std::uint8_t { kOpen, kWrite, kSync, kTruncate, kRename, kRemove, kSyncDir };

// A fault hook sees every mutating call before it happens. Returning 0 lets it proceed;
// returning an errno makes the call fail with it. For kWrite, setting *short_write to a byte
// count below the request makes the call write only that many bytes first (then fail).
using FaultHook = std::function<int(IoOp op, const std::string& path, std::size_t* short_write)>;
// Installs (or, with nullptr, removes) the process-wide hook. For tests.
void set_fault_hook(FaultHook hook);

// A file opened for reading or for appending. Errors throw txgraph::Error naming the path:
// kDiskFull for ENOSPC, kIo otherwise.
class File {
 public:
  enum class Mode { kRead, kReadWrite, kCreateExclusive };
  File(const std::string& path, Mode mode);
  ~File();
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  // Writes all of the buffers at `offset` (pwritev, looping over short writes).
  void write_at(std::uint64_t offset, const struct iovec* parts, int count);
  void write_at(std::uint64_t offset, std::string_view data);
  // Reads up to `n` bytes at `offset`; returns fewer only at the end of the file.
  std::size_t read_at(std::uint64_t offset, char* buffer, std::size_t n) const;
  void sync();  // fdatasync
  void truncate(std::uint64_t size);
  std::uint64_t size() const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

// Access to a database's files is its owner's alone (files 0600, folders 0700), unless the
// folder a file or folder is made in grants its group access: then the group may read
// (0640, 0750), as in a database made with Options::group_access. The modes are set
// explicitly, whatever the umask.
unsigned new_file_mode(const std::string& folder);
unsigned new_folder_mode(const std::string& parent);
// Makes the folder `path` with `mode` if it does not exist; returns whether it made it.
// Throws kIo naming the path.
bool make_folder(const std::string& path, unsigned mode);

// fsync of a directory, so that a created, renamed or removed entry survives a power cut.
void sync_directory(const std::string& path);
void remove_file(const std::string& path);
void rename_file(const std::string& from, const std::string& to);
// Reads a whole small file; throws kNotFound if it does not exist.
std::string read_small_file(const std::string& path);
// Writes a small file atomically: temp file, sync, rename, sync directory.
void write_file_atomically(const std::string& path, std::string_view data);

}  // namespace txgraph::txlog
