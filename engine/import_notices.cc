#include "engine/import_notices.h"

#include <fmt/format.h>

#include "engine/graph_store.h"
#include "txlog/byte_codec.h"

namespace txgraph::engine {

namespace {

constexpr std::string_view kMetaImports = "imports";                        // varint count, str(notice)*
constexpr std::string_view kMetaImportNoticePending = "import_notice_pending";  // import number, 0: none

std::vector<txlog::ImportNoticeRecord> read_list(detail::TxnState& s) {
  std::vector<txlog::ImportNoticeRecord> out;
  auto bytes = mdb_get(s.txn, s.db->env->tables().meta, kMetaImports);
  if (!bytes) return out;
  txlog::ByteReader in(*bytes, "the store's list of imports");
  std::uint64_t n = in.count(1);
  for (std::uint64_t i = 0; i < n; ++i) out.push_back(txlog::decode_import_notice(in.str()));
  return out;
}

void write_list(detail::TxnState& s, const std::vector<txlog::ImportNoticeRecord>& list) {
  std::string bytes;
  txlog::ByteWriter w(bytes);
  w.varint(list.size());
  for (const auto& r : list) w.str(txlog::encode_import_notice(r));
  mdb_put_value(s.txn, s.db->env->tables().meta, kMetaImports, bytes);
}

}  // namespace

std::uint64_t next_import_number(detail::TxnState& s) { return read_list(s).size() + 1; }

void record_import(detail::TxnState& s, const txlog::ImportNoticeRecord& notice) {
  auto list = read_list(s);
  list.push_back(notice);
  write_list(s, list);
  write_meta_u64(s.txn, s.db->env->tables(), kMetaImportNoticePending, notice.import_number);
}

void append_pending_import_notice(Database::Impl& db, std::uint64_t last_in_log) {
  if (db.read_only) {
    // A read-only open comes here only for a cleanly closed store, which owes no notice.
    detail::TxnState read(db, false);
    if (read_meta_u64(read.txn, db.env->tables(), kMetaImportNoticePending) != 0)
      throw Error(ErrorCode::kNeedsRecovery,
                  fmt::format("the database in {} owes its log an import notice", db.dir.string()));
    return;
  }
  detail::TxnState s(db, true);
  const auto& t = db.env->tables();
  std::uint64_t pending = read_meta_u64(s.txn, t, kMetaImportNoticePending);
  if (pending == 0) return;
  std::optional<txlog::LogWriter::Position> position;
  if (pending > last_in_log) {
    auto list = read_list(s);
    if (pending > list.size())
      throw Error(ErrorCode::kCorruption,
                  fmt::format("the store marks import {} as pending but lists {} imports", pending, list.size()));
    std::string payload = txlog::encode_import_notice(list[pending - 1]);
    std::string_view parts[] = {payload};
    position = db.log->append(txlog::RecordType::kImportNotice, parts, db.last_committed_tx.load() + 1);
  }
  write_meta_u64(s.txn, t, kMetaImportNoticePending, 0);
  s.commit_store("clearing the pending import notice");
  s.release_writer();
  // If the mark's clearing is lost to a crash, the next open finds the notice in the log.
  if (position) db.log->sync_to(*position);
}

std::vector<ImportNotice> load_imports(detail::TxnState& s) {
  std::vector<ImportNotice> out;
  for (auto& r : read_list(s)) out.push_back(txlog::public_import_notice(std::move(r)));
  return out;
}

}  // namespace txgraph::engine
