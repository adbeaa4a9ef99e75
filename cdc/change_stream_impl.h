// The inside of a ChangeStream, shared by the change reader (change_stream.cc) and the
// snapshot reader (snapshot_reader.cc).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <chrono>

#include <fmt/format.h>

#include "cdc/change_id.h"
#include "cdc/log_index.h"
#include "cdc/log_tail.h"
#include "cdc/record_walker.h"
#include "cdc/selector.h"
#include "txgraph/cdc.h"

namespace txgraph {

namespace cdc {
// What the source says at the start of a call: everything up to visible_tx may be read.
struct LogView {
  std::string database_uuid;  // raw
  EnrichmentMode enrichment = EnrichmentMode::kOff;
  std::uint64_t generation = 0;
  std::uint64_t visible_tx = 0;
};

[[noreturn]] inline void cdc_error(ErrorCode code, std::string message) { throw Error(code, std::move(message)); }

}  // namespace cdc

struct ChangeStream::Impl {
  const Database* database = nullptr;  // in-process; null for open_log()
  std::string log_dir;
  std::string database_name;
  mutable cdc::LogIndex index;
  mutable std::unique_ptr<cdc::LogTail> tail;  // open_log() only
  std::string uuid_raw;                        // in-process
  // The reader left at the end of the last query that read to the end of the log: a
  // follower's next query goes on from it instead of decoding again from a restart point.
  mutable std::mutex parked_mutex;
  mutable std::unique_ptr<cdc::RecordWalker> parked;
  // The store, for snapshots: the database's own read transactions in process, a StoreReader
  // opened on first use for open_log().
  mutable std::mutex store_mutex;
  mutable std::unique_ptr<StoreReader> store_reader;
  std::size_t snapshot_chunk = kDefaultSnapshotChunk;
  ReadTransaction begin_store_read() const;

  Impl(std::string dir, std::string name) : log_dir(dir), database_name(std::move(name)), index(std::move(dir)) {}
  ~Impl();

  cdc::LogView log_view() const {
    cdc::LogView s;
    if (database) {
      auto v = database->log_visibility();
      s.database_uuid = uuid_raw;
      s.enrichment = v.enrichment;
      s.generation = v.enrichment_generation;
      s.visible_tx = v.visible_tx;
    } else {
      auto t = tail->refresh();
      s.database_uuid = t.database_uuid;
      s.enrichment = t.enrichment;
      s.generation = t.enrichment_generation;
      s.visible_tx = t.last_tx;
    }
    return s;
  }

  cdc::LogView enabled_log_view() const {
    cdc::LogView s = log_view();
    if (s.enrichment == EnrichmentMode::kOff)
      cdc::cdc_error(ErrorCode::kCdcDisabled,
                fmt::format("change data capture is off for database {}: its enrichment mode is OFF (switch it on "
                            "with: txgraph set DIR enrichment diff)",
                            database_name));
    return s;
  }

  cdc::ChangePosition position(const cdc::LogView& s, std::uint64_t tx, std::int64_t seq, std::int64_t commit_us) const {
    cdc::ChangePosition p;
    p.database_uuid = s.database_uuid;
    p.generation = s.generation;
    p.tx_id = tx;
    p.seq = seq;
    p.commit_time_us = commit_us;
    return p;
  }

  cdc::RecordWalker walker(const cdc::LogView& s) const {
    return cdc::RecordWalker(index, log_dir, database_name, s.visible_tx, s.database_uuid);
  }
  cdc::ChangePosition current_position(const cdc::LogView& s) const;
  cdc::ChangePosition earliest_position(const cdc::LogView& s) const;
  cdc::ChangePosition validate(std::string_view id, const cdc::LogView& s) const;
  // Reads no transaction after `until_tx` (the snapshot reader's catch-up to a chunk).
  QueryResult query(std::string_view from, const cdc::SelectorSet& selectors,
                    const std::function<bool(const ChangeEvent&)>& on_event, std::uint64_t limit,
                    std::uint64_t until_tx = UINT64_MAX) const;
  // query() from a position inside a snapshot (snapshot_reader.cc): the rest of the snapshot,
  // then the stream.
  QueryResult snapshot_query(const cdc::ChangePosition& from, const cdc::SelectorSet& selectors,
                             const std::function<bool(const ChangeEvent&)>& on_event, std::uint64_t limit) const;
  bool wait_after(std::uint64_t tx, std::chrono::steady_clock::time_point deadline) const;
};


}  // namespace txgraph
