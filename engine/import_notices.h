// The store's record of bulk imports, and the protocol that puts a notice of each into the
// log exactly once (engine/bulk_import.cc says what survives a crash at each step).
#pragma once

#include <cstdint>
#include <vector>

#include "engine/database_impl.h"
#include "txlog/tx_record.h"

namespace txgraph::engine {

// The number the next import gets: 1 for the first.
std::uint64_t next_import_number(detail::TxnState& s);

// Adds `notice` to the store's list of imports and marks its log notice as pending, in the
// import's own store transaction.
void record_import(detail::TxnState& s, const txlog::ImportNoticeRecord& notice);

// Appends the pending notice (if any) to the log, syncs it, and clears the mark. At open,
// `last_in_log` is the highest import number the log already holds: a notice written just
// before a crash is then not written twice.
void append_pending_import_notice(Database::Impl& db, std::uint64_t last_in_log = 0);

// Every import the store holds, oldest first.
std::vector<ImportNotice> load_imports(detail::TxnState& s);

}  // namespace txgraph::engine
