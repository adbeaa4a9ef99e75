// The power-cut interposer: linked into the child workload, whose symbols are exported
// (ENABLE_EXPORTS), so that txgraph's file calls and liblmdb's alike resolve here first; each
// wrapper records what a power cut could undo and then makes the real call (RTLD_NEXT: libc, or
// the sanitizer's interceptor in front of it).
//
// Only files under TXGRAPH_POWERCUT_DIR are tracked, and not LMDB's lock.mdb: that is shared
// memory, rebuilt at every open, and no power cut can damage what it means. Before a tracked
// write changes a 4 KiB page for the first time since that file's last sync, the page's current
// content goes to the journal (TXGRAPH_POWERCUT_JOURNAL, powercut_journal.h); a sync writes a
// marker that makes the file's pages and size durable. The writes themselves really happen:
// LMDB reads its pages back through its memory map, so the process must see them.
//
// TXGRAPH_POWERCUT_CUT_AT=N: at the N-th tracked mutating call (a write, truncate, sync,
// creating open, rename, unlink, mkdir or directory sync under the directory) the process
// SIGKILLs itself before making it. TXGRAPH_POWERCUT_CUT_AT_SYNC=N: instead, just before the
// N-th sync of a file with writes not yet synced, the moment when most is at risk; counted in
// the run itself, so that the workload's threads, which shift the plain call numbers from run
// to run, cannot move the cut off the sync. TXGRAPH_POWERCUT_COUNT=path: at exit, how many
// calls of each kind were made goes there.
#undef _FORTIFY_SOURCE

#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "powercut/powercut_journal.h"

namespace {

using txgraph::powercut::kPageSize;
using txgraph::powercut::Record;

// The real calls. Resolved once, before any wrapper can run them concurrently.
struct Real {
  ssize_t (*write)(int, const void*, size_t);
  ssize_t (*pwrite)(int, const void*, size_t, off_t);
  ssize_t (*writev)(int, const struct iovec*, int);
  ssize_t (*pwritev)(int, const struct iovec*, int, off_t);
  int (*ftruncate)(int, off_t);
  int (*fsync)(int);
  int (*fdatasync)(int);
  int (*msync)(void*, size_t, int);
  int (*open)(const char*, int, ...);
  int (*openat)(int, const char*, int, ...);
  int (*rename)(const char*, const char*);
  int (*renameat)(int, const char*, int, const char*);
  int (*unlink)(const char*);
  int (*unlinkat)(int, const char*, int);
  int (*mkdir)(const char*, mode_t);
  int (*close)(int);
};

template <typename F>
void resolve(F*& fn, const char* name) {
  fn = reinterpret_cast<F*>(::dlsym(RTLD_NEXT, name));
  if (fn == nullptr) ::abort();
}

const Real& real() {
  static const Real r = [] {
    Real x{};
    resolve(x.write, "write");
    resolve(x.pwrite, "pwrite");
    resolve(x.writev, "writev");
    resolve(x.pwritev, "pwritev");
    resolve(x.ftruncate, "ftruncate");
    resolve(x.fsync, "fsync");
    resolve(x.fdatasync, "fdatasync");
    resolve(x.msync, "msync");
    resolve(x.open, "open");
    resolve(x.openat, "openat");
    resolve(x.rename, "rename");
    resolve(x.renameat, "renameat");
    resolve(x.unlink, "unlink");
    resolve(x.unlinkat, "unlinkat");
    resolve(x.mkdir, "mkdir");
    resolve(x.close, "close");
    return x;
  }();
  return r;
}

struct TrackedFile {
  std::uint32_t id = 0;
  std::string path;
  std::uint64_t durable_size = 0;
  // Pages below durable_size whose pre-image is in the journal since the last sync; pages at or
  // past it need none (a reverted one becomes zeros or is cut off).
  std::set<std::uint64_t> dirty;
  int read_fd = -1;  // for pre-images: the application's descriptor may be write-only
  bool gone = false;
  bool is_store = false;  // data.mdb: its writes are LMDB's (but for a rollback's meta pages)
  bool written_since_sync = false;
};

struct Descriptor {
  TrackedFile* file = nullptr;  // null for a directory
  bool sync_writes = false;     // O_SYNC / O_DSYNC: each write is durable when it returns
  bool append = false;
};

// Per kind of call, for the count file: the harness checks that LMDB's writes were seen.
struct Counts {
  std::uint64_t mutating = 0;
  std::uint64_t risky_syncs = 0;  // syncs of a file with unsynced writes
  std::uint64_t write = 0, pwrite = 0, writev = 0, pwritev = 0, ftruncate = 0, fsync = 0, fdatasync = 0,
                msync = 0, create = 0, rename = 0, unlink = 0, mkdir = 0, dir_sync = 0;
  std::uint64_t store_writes = 0;  // writes to data.mdb
  std::uint64_t segments_created = 0, segments_removed = 0;  // rotations and prunes
  std::uint64_t preimages = 0;
};

class Interposer {
 public:
  Interposer() {
    const char* dir = ::getenv("TXGRAPH_POWERCUT_DIR");
    const char* journal = ::getenv("TXGRAPH_POWERCUT_JOURNAL");
    if (dir == nullptr || journal == nullptr) return;
    dir_ = std::filesystem::path(dir).lexically_normal().string();
    while (dir_.size() > 1 && dir_.back() == '/') dir_.pop_back();
    journal_fd_ = real().open(journal, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (journal_fd_ < 0) ::abort();
    if (const char* cut = ::getenv("TXGRAPH_POWERCUT_CUT_AT")) cut_at_ = std::strtoull(cut, nullptr, 10);
    if (const char* cut = ::getenv("TXGRAPH_POWERCUT_CUT_AT_SYNC")) cut_at_sync_ = std::strtoull(cut, nullptr, 10);
    if (const char* count = ::getenv("TXGRAPH_POWERCUT_COUNT")) count_path_ = count;
    active_ = true;
  }

  bool active() const { return active_; }
  std::mutex& mutex() { return mutex_; }
  Counts& counts() { return counts_; }

  // Is this absolute, canonical-ish path inside the tracked directory (and not lock.mdb)?
  bool tracked_path(const std::string& path) const {
    if (!active_) return false;
    if (path == dir_) return true;  // its fsync makes the store and log folders durable
    if (path.size() <= dir_.size() || path.compare(0, dir_.size(), dir_) != 0 || path[dir_.size()] != '/') {
      return false;
    }
    return std::filesystem::path(path).filename() != "lock.mdb";
  }

  // A path as the kernel would resolve it against `dirfd`, with its folder's symbolic links
  // resolved (the file itself may not exist yet).
  static std::string absolute(int dirfd, const char* path) {
    std::filesystem::path p(path);
    if (p.is_relative()) {
      std::string base;
      if (dirfd == AT_FDCWD) {
        char cwd[PATH_MAX];
        if (::getcwd(cwd, sizeof cwd) == nullptr) return {};
        base = cwd;
      } else {
        base = fd_path(dirfd);
      }
      p = std::filesystem::path(base) / p;
    }
    p = p.lexically_normal();
    char parent[PATH_MAX];
    if (p.has_parent_path() && ::realpath(p.parent_path().c_str(), parent) != nullptr) {
      return (std::filesystem::path(parent) / p.filename()).string();
    }
    return p.string();
  }

  static std::string fd_path(int fd) {
    char link[64];
    std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    char target[PATH_MAX];
    ssize_t n = ::readlink(link, target, sizeof target - 1);
    if (n < 0) return {};
    return std::string(target, static_cast<std::size_t>(n));
  }

  // A mutating call is about to be made: the power goes out here if this is call N. `kind`
  // goes into the trace of the count file (W write, T truncate, S sync of a file with unsynced
  // writes, s any other file sync, D directory sync, C creating open, R rename, U unlink,
  // M mkdir), for whoever replays a round.
  void cut_point(char kind) {
    ++counts_.mutating;
    if (kind == 'S') ++counts_.risky_syncs;
    if (!count_path_.empty()) trace_ += kind;
    if ((cut_at_ != 0 && counts_.mutating == cut_at_) ||
        (cut_at_sync_ != 0 && kind == 'S' && counts_.risky_syncs == cut_at_sync_)) {
      ::kill(::getpid(), SIGKILL);
      for (;;) ::pause();
    }
  }

  Descriptor* descriptor(int fd) {
    auto it = fds_.find(fd);
    return it == fds_.end() ? nullptr : &it->second;
  }

  // After an open of a tracked path succeeded.
  void opened(int fd, int flags) {
    struct stat st;
    if (::fstat(fd, &st) != 0) return;
    Descriptor d;
    d.sync_writes = (flags & (O_SYNC | O_DSYNC)) != 0;
    d.append = (flags & O_APPEND) != 0;
    if (S_ISREG(st.st_mode)) {
      d.file = track(st, fd_path(fd));
    } else if (!S_ISDIR(st.st_mode)) {
      return;
    }
    fds_[fd] = d;
  }

  // Before an open with O_TRUNC of an existing tracked file: its content goes.
  void truncating_open(const std::string& path) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) return;
    TrackedFile* f = track(st, path);
    if (f) before_resize(*f, 0, static_cast<std::uint64_t>(st.st_size));
  }

  void closed(int fd) { fds_.erase(fd); }

  // Before a write of [offset, offset + length): the pre-images of the durable pages it
  // changes for the first time since the last sync.
  void before_write(TrackedFile& f, std::uint64_t offset, std::uint64_t length) {
    if (f.gone || length == 0) return;
    std::uint64_t first = offset / kPageSize;
    std::uint64_t last = (offset + length - 1) / kPageSize;
    save_pages(f, first, last);
  }

  // Before the file's size goes from `from` to `to`: a shrink changes every page it cuts
  // into; growth only adds zeros past the old end, which nothing durable held.
  void before_resize(TrackedFile& f, std::uint64_t to, std::uint64_t from) {
    if (f.gone || to >= from) return;
    save_pages(f, to / kPageSize, (from - 1) / kPageSize);
  }

  // After a write through an O_SYNC/O_DSYNC descriptor returned.
  void written_durably(TrackedFile& f, std::uint64_t offset, std::uint64_t length) {
    if (f.gone || length == 0) return;
    std::uint64_t first = offset / kPageSize;
    std::uint64_t last = (offset + length - 1) / kPageSize;
    for (std::uint64_t p = first; p <= last; ++p) f.dirty.erase(p);
    // Growth counts as durable only when it continues the durable part; past a gap the pages
    // stay "past the durable size", as after a plain write.
    if (offset <= f.durable_size) f.durable_size = std::max(f.durable_size, offset + length);
    std::string rec = header(Record::kPagesSynced, f.id);
    put64(rec, first);
    put64(rec, last);
    put64(rec, f.durable_size);
    append(rec);
  }

  void synced(TrackedFile& f) {
    if (f.gone) return;
    struct stat st;
    if (::fstat(f.read_fd, &st) != 0) return;
    f.durable_size = static_cast<std::uint64_t>(st.st_size);
    f.dirty.clear();
    f.written_since_sync = false;
    std::string rec = header(Record::kSynced, f.id);
    put64(rec, f.durable_size);
    append(rec);
  }

  void renamed(const std::string& from, const std::string& to) {
    if (TrackedFile* old = by_path(to)) gone(*old);
    // A folder renamed (a new store made aside and moved into place): its files go with it.
    const std::string prefix = from + "/";
    for (auto& [id, tracked] : files_) {
      if (tracked.gone || tracked.path.compare(0, prefix.size(), prefix) != 0) continue;
      tracked.path = to + "/" + tracked.path.substr(prefix.size());
      std::string rec = header(Record::kRename, tracked.id);
      put_path(rec, tracked.path);
      append(rec);
    }
    TrackedFile* f = by_path(from);
    if (f == nullptr) return;
    if (!tracked_path(to)) {
      gone(*f);
      return;
    }
    f->path = to;
    std::string rec = header(Record::kRename, f->id);
    put_path(rec, to);
    append(rec);
  }

  void unlinked(const std::string& path) {
    if (TrackedFile* f = by_path(path)) gone(*f);
  }

  void write_counts() {
    if (count_path_.empty()) return;
    std::lock_guard lock(mutex_);
    const Counts& c = counts_;
    std::string text = "calls " + std::to_string(c.mutating) + "\nrisky_syncs " + std::to_string(c.risky_syncs) +
                       "\nwrite " + std::to_string(c.write) + "\npwrite " +
                       std::to_string(c.pwrite) + "\nwritev " + std::to_string(c.writev) + "\npwritev " +
                       std::to_string(c.pwritev) + "\nftruncate " + std::to_string(c.ftruncate) + "\nfsync " +
                       std::to_string(c.fsync) + "\nfdatasync " + std::to_string(c.fdatasync) + "\nmsync " +
                       std::to_string(c.msync) + "\ncreate " + std::to_string(c.create) + "\nrename " +
                       std::to_string(c.rename) + "\nunlink " + std::to_string(c.unlink) + "\nmkdir " +
                       std::to_string(c.mkdir) + "\ndir_sync " + std::to_string(c.dir_sync) + "\nstore_writes " +
                       std::to_string(c.store_writes) + "\npreimages " + std::to_string(c.preimages) + "\nsegments_created " +
                       std::to_string(c.segments_created) + "\nsegments_removed " +
                       std::to_string(c.segments_removed) + "\ntrace " +
                       (trace_.empty() ? "-" : trace_) + "\n";
    int fd = real().open(count_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return;
    if (real().write(fd, text.data(), text.size()) < 0) {
      // Nothing to report to: the harness finds the count missing and says so.
    }
    real().close(fd);
  }

 private:
  TrackedFile* track(const struct stat& st, const std::string& path) {
    auto key = std::make_pair(static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino));
    auto it = by_inode_.find(key);
    if (it != by_inode_.end() && !it->second->gone) return it->second;
    auto& f = files_[next_id_];
    f.id = next_id_++;
    f.path = path;
    f.durable_size = static_cast<std::uint64_t>(st.st_size);
    f.read_fd = real().open(path.c_str(), O_RDONLY | O_CLOEXEC);
    f.is_store = std::filesystem::path(path).filename() == "data.mdb";
    by_inode_[key] = &f;
    std::string rec = header(Record::kTrack, f.id);
    put64(rec, f.durable_size);
    put_path(rec, path);
    append(rec);
    return &f;
  }

  TrackedFile* by_path(const std::string& path) {
    for (auto& [id, f] : files_) {
      if (!f.gone && f.path == path) return &f;
    }
    return nullptr;
  }

  void gone(TrackedFile& f) {
    f.gone = true;
    if (f.read_fd >= 0) real().close(f.read_fd);
    f.read_fd = -1;
    std::string rec = header(Record::kGone, f.id);
    append(rec);
  }

  void save_pages(TrackedFile& f, std::uint64_t first, std::uint64_t last) {
    std::string recs;
    struct stat st;
    if (::fstat(f.read_fd, &st) != 0) return;
    auto size = static_cast<std::uint64_t>(st.st_size);
    for (std::uint64_t p = first; p <= last && p * kPageSize < f.durable_size; ++p) {
      if (!f.dirty.insert(p).second) continue;
      std::uint64_t at = p * kPageSize;
      std::uint64_t n = at < size ? std::min<std::uint64_t>(kPageSize, size - at) : 0;
      char buf[kPageSize];
      ssize_t got = n ? ::pread(f.read_fd, buf, n, static_cast<off_t>(at)) : 0;
      if (got < 0) got = 0;
      std::string rec = header(Record::kPreImage, f.id);
      put64(rec, p);
      put32(rec, static_cast<std::uint32_t>(got));
      rec.append(buf, static_cast<std::size_t>(got));
      recs += rec;
      ++counts_.preimages;
    }
    if (!recs.empty()) append(recs);
  }

  static std::string header(Record type, std::uint32_t id) {
    std::string rec(1, static_cast<char>(type));
    put32(rec, id);
    return rec;
  }
  static void put32(std::string& out, std::uint32_t v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); }
  static void put64(std::string& out, std::uint64_t v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); }
  static void put_path(std::string& out, const std::string& path) {
    auto n = static_cast<std::uint16_t>(path.size());
    out.append(reinterpret_cast<const char*>(&n), sizeof n);
    out += path;
  }

  // One write per intercepted call: a SIGKILL lands only between calls, never inside this.
  void append(const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
      ssize_t n = real().write(journal_fd_, data.data() + done, data.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) ::abort();  // a journal with a hole would make the cut meaningless
      done += static_cast<std::size_t>(n);
    }
  }

  bool active_ = false;
  std::string dir_;
  int journal_fd_ = -1;
  std::uint64_t cut_at_ = 0;
  std::uint64_t cut_at_sync_ = 0;
  std::string count_path_;
  std::string trace_;
  std::mutex mutex_;
  Counts counts_;
  std::map<std::uint32_t, TrackedFile> files_;
  std::map<std::pair<std::uint64_t, std::uint64_t>, TrackedFile*> by_inode_;
  std::map<int, Descriptor> fds_;
  std::uint32_t next_id_ = 1;
};

Interposer& interposer() {
  // Never destroyed: threads of the workload may still write while the process exits.
  static Interposer* instance = [] {
    auto* p = new Interposer();
    if (p->active()) std::atexit([] { interposer().write_counts(); });
    return p;
  }();
  return *instance;
}

std::uint64_t iov_length(const struct iovec* iov, int count) {
  std::uint64_t n = 0;
  for (int i = 0; i < count; ++i) n += iov[i].iov_len;
  return n;
}

// The file position a write() or writev() will write at.
std::uint64_t position(int fd, const Descriptor& d) {
  if (d.append) {
    struct stat st;
    return ::fstat(fd, &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
  }
  off_t at = ::lseek(fd, 0, SEEK_CUR);
  return at < 0 ? 0 : static_cast<std::uint64_t>(at);
}

// The common path of every write: `at` < 0 means "at the file position".
template <typename Call>
ssize_t tracked_write(int fd, std::int64_t at, std::uint64_t length, std::uint64_t Counts::*kind, Call&& call) {
  Interposer& ip = interposer();
  if (!ip.active()) return call();
  std::lock_guard lock(ip.mutex());
  Descriptor* d = ip.descriptor(fd);
  if (d == nullptr || d->file == nullptr) return call();
  ip.cut_point('W');
  ++(ip.counts().*kind);
  d->file->written_since_sync = true;
  if (d->file->is_store) ++ip.counts().store_writes;
  std::uint64_t offset = at >= 0 ? static_cast<std::uint64_t>(at) : position(fd, *d);
  ip.before_write(*d->file, offset, length);
  ssize_t n = call();
  if (n > 0 && d->sync_writes) ip.written_durably(*d->file, offset, static_cast<std::uint64_t>(n));
  return n;
}

int tracked_sync(int fd, std::uint64_t Counts::*kind, int (*call)(int)) {
  Interposer& ip = interposer();
  if (!ip.active()) return call(fd);
  std::lock_guard lock(ip.mutex());
  Descriptor* d = ip.descriptor(fd);
  if (d == nullptr) return call(fd);
  ip.cut_point(d->file == nullptr ? 'D' : d->file->written_since_sync ? 'S' : 's');
  if (d->file == nullptr) {
    ++ip.counts().dir_sync;
    return call(fd);
  }
  ++(ip.counts().*kind);
  int rc = call(fd);
  if (rc == 0) ip.synced(*d->file);
  return rc;
}

int tracked_open(int dirfd, const char* path, int flags, mode_t mode) {
  Interposer& ip = interposer();
  auto call = [&] { return real().openat(dirfd, path, flags, mode); };
  if (!ip.active() || path == nullptr) return call();
  std::string abs = Interposer::absolute(dirfd, path);
  if (!ip.tracked_path(abs)) return call();
  std::lock_guard lock(ip.mutex());
  if (flags & (O_CREAT | O_TRUNC)) {
    ip.cut_point('C');
    ++ip.counts().create;
    if (abs.ends_with(".seg")) ++ip.counts().segments_created;
  }
  if (flags & O_TRUNC) ip.truncating_open(abs);
  int fd = call();
  if (fd >= 0) ip.opened(fd, flags);
  return fd;
}

int tracked_rename(int from_dir, const char* from, int to_dir, const char* to) {
  Interposer& ip = interposer();
  auto call = [&] { return real().renameat(from_dir, from, to_dir, to); };
  if (!ip.active()) return call();
  std::string a = Interposer::absolute(from_dir, from);
  std::string b = Interposer::absolute(to_dir, to);
  if (!ip.tracked_path(a) && !ip.tracked_path(b)) return call();
  std::lock_guard lock(ip.mutex());
  ip.cut_point('R');
  ++ip.counts().rename;
  int rc = call();
  if (rc == 0) ip.renamed(a, b);
  return rc;
}

int tracked_unlink(int dirfd, const char* path, int flags) {
  Interposer& ip = interposer();
  auto call = [&] { return real().unlinkat(dirfd, path, flags); };
  if (!ip.active()) return call();
  std::string abs = Interposer::absolute(dirfd, path);
  if (!ip.tracked_path(abs)) return call();
  std::lock_guard lock(ip.mutex());
  ip.cut_point('U');
  ++ip.counts().unlink;
  if (abs.ends_with(".seg")) ++ip.counts().segments_removed;
  int rc = call();
  if (rc == 0) ip.unlinked(abs);
  return rc;
}

mode_t mode_argument(int flags, va_list args) {
  return (flags & (O_CREAT | O_TMPFILE)) ? static_cast<mode_t>(va_arg(args, int)) : 0;
}

}  // namespace

extern "C" {

ssize_t write(int fd, const void* buf, size_t n) {
  return tracked_write(fd, -1, n, &Counts::write, [&] { return real().write(fd, buf, n); });
}

ssize_t pwrite(int fd, const void* buf, size_t n, off_t at) {
  return tracked_write(fd, at, n, &Counts::pwrite, [&] { return real().pwrite(fd, buf, n, at); });
}

ssize_t pwrite64(int fd, const void* buf, size_t n, off64_t at) { return pwrite(fd, buf, n, at); }

ssize_t writev(int fd, const struct iovec* iov, int count) {
  return tracked_write(fd, -1, iov_length(iov, count), &Counts::writev,
                       [&] { return real().writev(fd, iov, count); });
}

ssize_t pwritev(int fd, const struct iovec* iov, int count, off_t at) {
  return tracked_write(fd, at, iov_length(iov, count), &Counts::pwritev,
                       [&] { return real().pwritev(fd, iov, count, at); });
}

ssize_t pwritev64(int fd, const struct iovec* iov, int count, off64_t at) { return pwritev(fd, iov, count, at); }

int ftruncate(int fd, off_t size) noexcept {
  Interposer& ip = interposer();
  if (!ip.active()) return real().ftruncate(fd, size);
  std::lock_guard lock(ip.mutex());
  Descriptor* d = ip.descriptor(fd);
  if (d == nullptr || d->file == nullptr) return real().ftruncate(fd, size);
  ip.cut_point('T');
  ++ip.counts().ftruncate;
  d->file->written_since_sync = true;
  struct stat st;
  if (::fstat(fd, &st) == 0) {
    ip.before_resize(*d->file, static_cast<std::uint64_t>(size), static_cast<std::uint64_t>(st.st_size));
  }
  int rc = real().ftruncate(fd, size);
  if (rc == 0 && d->sync_writes) ip.synced(*d->file);
  return rc;
}

int ftruncate64(int fd, off64_t size) noexcept { return ftruncate(fd, size); }

int fsync(int fd) { return tracked_sync(fd, &Counts::fsync, real().fsync); }

int fdatasync(int fd) { return tracked_sync(fd, &Counts::fdatasync, real().fdatasync); }

// LMDB calls msync only with MDB_WRITEMAP, which txgraph does not use; counted so that the
// harness would see it if that changed, but a write through a writable map is not tracked.
int msync(void* addr, size_t length, int flags) {
  Interposer& ip = interposer();
  if (ip.active()) {
    std::lock_guard lock(ip.mutex());
    ++ip.counts().msync;
  }
  return real().msync(addr, length, flags);
}

int open(const char* path, int flags, ...) {
  va_list args;
  va_start(args, flags);
  mode_t mode = mode_argument(flags, args);
  va_end(args);
  return tracked_open(AT_FDCWD, path, flags, mode);
}

int open64(const char* path, int flags, ...) {
  va_list args;
  va_start(args, flags);
  mode_t mode = mode_argument(flags, args);
  va_end(args);
  return tracked_open(AT_FDCWD, path, flags, mode);
}

int openat(int dirfd, const char* path, int flags, ...) {
  va_list args;
  va_start(args, flags);
  mode_t mode = mode_argument(flags, args);
  va_end(args);
  return tracked_open(dirfd, path, flags, mode);
}

int openat64(int dirfd, const char* path, int flags, ...) {
  va_list args;
  va_start(args, flags);
  mode_t mode = mode_argument(flags, args);
  va_end(args);
  return tracked_open(dirfd, path, flags, mode);
}

int rename(const char* from, const char* to) noexcept { return tracked_rename(AT_FDCWD, from, AT_FDCWD, to); }

int renameat(int from_dir, const char* from, int to_dir, const char* to) noexcept {
  return tracked_rename(from_dir, from, to_dir, to);
}

int unlink(const char* path) noexcept { return tracked_unlink(AT_FDCWD, path, 0); }

int unlinkat(int dirfd, const char* path, int flags) noexcept { return tracked_unlink(dirfd, path, flags); }

int mkdir(const char* path, mode_t mode) noexcept {
  Interposer& ip = interposer();
  if (ip.active() && ip.tracked_path(Interposer::absolute(AT_FDCWD, path))) {
    std::lock_guard lock(ip.mutex());
    ip.cut_point('M');
    ++ip.counts().mkdir;
  }
  return real().mkdir(path, mode);
}

int close(int fd) {
  Interposer& ip = interposer();
  if (ip.active()) {
    std::lock_guard lock(ip.mutex());
    ip.closed(fd);
  }
  return real().close(fd);
}

}  // extern "C"
