// The power-cut journal: what the interposer (powercut_io.cc, in the child) records about each
// tracked file so that the harness (powercut_apply.cc) can rebuild what a disk could hold after
// a power cut at the moment the child died.
//
// The child writes it with the real write(2), one call per intercepted file call, so that a
// SIGKILL never leaves a record the harness would misread. Every record starts with
//   u8 type, u32 file id
// and goes on, by type:
//   kTrack     u64 durable size, u16 path length, path: a file seen for the first time (its
//              size then counts as durable: after the previous reboot everything did)
//   kRename    u16 path length, path: the file has a new name (namespace calls are durable
//              at once in this model)
//   kGone      nothing: the file was unlinked or replaced by a rename
//   kPreImage  u64 page, u32 length, bytes: what the file held at that page before its first
//              change since the last sync (shorter than a page at the end of the file)
//   kSynced    u64 size: fsync/fdatasync; the file's pages and size are durable now
//   kPagesSynced u64 first page, u64 last page, u64 durable size: a write through an
//              O_SYNC/O_DSYNC descriptor; those pages are durable now
// Integers are little-endian (the machine's order: child and harness are the same build).
#pragma once

#include <cstdint>

namespace txgraph::powercut {

constexpr std::uint64_t kPageSize = 4096;

enum class Record : std::uint8_t {
  kTrack = 'T',
  kRename = 'R',
  kGone = 'G',
  kPreImage = 'P',
  kSynced = 'S',
  kPagesSynced = 'C',
};

}  // namespace txgraph::powercut
