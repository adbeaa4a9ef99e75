// Turning a killed child's files into what a disk could hold after a power cut at that moment.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace txgraph::powercut {

enum class CutMode {
  // Every page written since its file's last sync is kept or put back, each with probability
  // 1/2: the synced state plus a random subset of the later page writes.
  kRandom,
  // A disk that acknowledged syncs it never made: everything written since the child started
  // is put back. No database can survive this; the self-check uses it to show that the checks
  // notice lost data.
  kLyingDisk,
};

// What one cut did, per kind of file: the log's segments, the store's data.mdb, the rest
// (checkpoint.meta, consumer group files, markers).
struct CutStats {
  std::uint64_t files = 0;
  std::uint64_t unsynced_pages = 0;  // candidates: pages written since their file's last sync
  std::uint64_t unsynced_log = 0, unsynced_store = 0;
  std::uint64_t reverted_log = 0, reverted_store = 0, reverted_other = 0;
  // Of the reverted pages, those whose content really changed (a reverted page of zeros
  // written past the end, as the log's preallocation writes, may equal what it becomes).
  std::uint64_t changed_log = 0, changed_store = 0, changed_other = 0;
  std::uint64_t files_cut_shorter = 0;
};

// Reads the journal the child's interposer wrote (powercut_journal.h), applies the cut to the
// files it names, and deletes it: after the reboot, everything on disk counts as synced.
// Throws std::runtime_error for a journal it cannot read.
CutStats apply_power_cut(const std::filesystem::path& journal, std::uint64_t seed, CutMode mode = CutMode::kRandom);

}  // namespace txgraph::powercut
