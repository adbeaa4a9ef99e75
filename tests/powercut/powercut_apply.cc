#include "powercut/powercut_apply.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <stdexcept>
#include <vector>

#include "powercut/powercut_journal.h"

namespace txgraph::powercut {

namespace {

struct FileState {
  std::string path;
  std::uint64_t durable_size = 0;
  std::map<std::uint64_t, std::string> pre_images;  // pages below durable_size, since the last sync
  bool gone = false;
};

class Reader {
 public:
  explicit Reader(std::string data) : data_(std::move(data)) {}
  bool done() const { return at_ == data_.size(); }
  template <typename T>
  T get() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, data_.data() + at_, sizeof v);
    at_ += sizeof v;
    return v;
  }
  std::string bytes(std::size_t n) {
    need(n);
    std::string s = data_.substr(at_, n);
    at_ += n;
    return s;
  }
  std::string path() { return bytes(get<std::uint16_t>()); }

 private:
  void need(std::size_t n) const {
    if (data_.size() - at_ < n) throw std::runtime_error("the power-cut journal ends inside a record");
  }
  std::string data_;
  std::size_t at_ = 0;
};

enum class Kind { kLog, kStore, kOther };

Kind kind_of(const std::string& path) {
  std::string name = std::filesystem::path(path).filename().string();
  if (name == "data.mdb") return Kind::kStore;
  if (name.size() > 4 && name.ends_with(".seg")) return Kind::kLog;
  return Kind::kOther;
}

void write_all(int fd, const char* data, std::size_t n, std::uint64_t at, const std::string& path) {
  while (n > 0) {
    ssize_t w = ::pwrite(fd, data, n, static_cast<off_t>(at));
    if (w <= 0) throw std::runtime_error("cannot restore a page of " + path);
    data += w;
    n -= static_cast<std::size_t>(w);
    at += static_cast<std::uint64_t>(w);
  }
}

std::string read_range(int fd, std::uint64_t at, std::uint64_t n) {
  std::string out(n, '\0');
  ssize_t r = n ? ::pread(fd, out.data(), n, static_cast<off_t>(at)) : 0;
  out.resize(r > 0 ? static_cast<std::size_t>(r) : 0);
  return out;
}

void cut_file(const FileState& f, std::mt19937_64& rng, CutMode mode, CutStats& stats) {
  int fd = ::open(f.path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return;  // removed by a namespace call, which this model takes as durable
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot stat " + f.path);
  }
  ++stats.files;
  const std::uint64_t cur = static_cast<std::uint64_t>(st.st_size);
  const std::uint64_t durable = f.durable_size;

  // Every candidate page and whether it goes back: the pre-imaged pages below the durable
  // size, then every page wholly past it that the file now has.
  std::map<std::uint64_t, bool> revert;
  auto decide = [&] { return mode == CutMode::kLyingDisk || (rng() & 1) == 0; };
  for (const auto& [page, image] : f.pre_images) revert[page] = decide();
  for (std::uint64_t p = (durable + kPageSize - 1) / kPageSize; p * kPageSize < cur; ++p) revert[p] = decide();
  stats.unsynced_pages += revert.size();
  Kind kind = kind_of(f.path);
  if (kind == Kind::kLog) stats.unsynced_log += revert.size();
  if (kind == Kind::kStore) stats.unsynced_store += revert.size();

  // The length after the cut: the durable size, or less if a shrink stays; more if a kept page
  // past it stays, or a restored page puts durable bytes back past a shrink.
  std::uint64_t final_size = std::min(cur, durable);
  for (const auto& [page, back] : revert) {
    std::uint64_t page_end = (page + 1) * kPageSize;
    if (!back && page_end > durable) final_size = std::max(final_size, std::min(page_end, cur));
    if (back && f.pre_images.contains(page)) {
      std::uint64_t end = std::min<std::uint64_t>(page * kPageSize + f.pre_images.at(page).size(), durable);
      final_size = std::max(final_size, end);
    }
  }

  std::map<std::uint64_t, std::string> before;
  for (const auto& [page, back] : revert) {
    if (back) before[page] = read_range(fd, page * kPageSize, kPageSize);
  }
  if (final_size != cur) {
    if (::ftruncate(fd, static_cast<off_t>(final_size)) != 0) {
      ::close(fd);
      throw std::runtime_error("cannot cut " + f.path);
    }
    if (final_size < cur) ++stats.files_cut_shorter;
  }
  for (const auto& [page, back] : revert) {
    if (!back) continue;
    std::uint64_t at = page * kPageSize;
    std::uint64_t page_end = std::min(at + kPageSize, final_size);
    std::uint64_t restored_end = at;
    if (auto it = f.pre_images.find(page); it != f.pre_images.end()) {
      std::uint64_t n = std::min<std::uint64_t>(it->second.size(), durable > at ? durable - at : 0);
      write_all(fd, it->second.data(), n, at, f.path);
      restored_end = at + n;
    }
    if (restored_end < page_end) {
      std::string zeros(page_end - restored_end, '\0');
      write_all(fd, zeros.data(), zeros.size(), restored_end, f.path);
    }
    bool changed = read_range(fd, at, kPageSize) != before[page];
    switch (kind) {
      case Kind::kLog:
        ++stats.reverted_log;
        stats.changed_log += changed;
        break;
      case Kind::kStore:
        ++stats.reverted_store;
        stats.changed_store += changed;
        break;
      case Kind::kOther:
        ++stats.reverted_other;
        stats.changed_other += changed;
        break;
    }
  }
  ::close(fd);
}

}  // namespace

CutStats apply_power_cut(const std::filesystem::path& journal, std::uint64_t seed, CutMode mode) {
  std::string data;
  {
    std::ifstream in(journal, std::ios::binary);
    if (!in) throw std::runtime_error("no power-cut journal at " + journal.string());
    data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  std::map<std::uint32_t, FileState> files;
  Reader r(std::move(data));
  while (!r.done()) {
    auto type = static_cast<Record>(r.get<std::uint8_t>());
    auto id = r.get<std::uint32_t>();
    FileState& f = files[id];
    switch (type) {
      case Record::kTrack:
        f.durable_size = r.get<std::uint64_t>();
        f.path = r.path();
        break;
      case Record::kRename:
        f.path = r.path();
        break;
      case Record::kGone:
        f.gone = true;
        break;
      case Record::kPreImage: {
        auto page = r.get<std::uint64_t>();
        auto image = r.bytes(r.get<std::uint32_t>());
        // A lying disk keeps nothing since the start: the first image of a page is its
        // state then.
        f.pre_images.emplace(page, std::move(image));
        break;
      }
      case Record::kSynced: {
        auto size = r.get<std::uint64_t>();
        if (mode == CutMode::kLyingDisk) break;
        f.durable_size = size;
        f.pre_images.clear();
        break;
      }
      case Record::kPagesSynced: {
        auto first = r.get<std::uint64_t>();
        auto last = r.get<std::uint64_t>();
        auto size = r.get<std::uint64_t>();
        if (mode == CutMode::kLyingDisk) break;
        f.pre_images.erase(f.pre_images.lower_bound(first), f.pre_images.upper_bound(last));
        f.durable_size = size;
        break;
      }
      default:
        throw std::runtime_error("the power-cut journal holds an unknown record type");
    }
  }
  std::mt19937_64 rng(seed);
  CutStats stats;
  for (const auto& [id, f] : files) {
    if (!f.gone && !f.path.empty()) cut_file(f, rng, mode, stats);
  }
  std::filesystem::remove(journal);
  return stats;
}

}  // namespace txgraph::powercut
