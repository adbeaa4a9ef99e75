// A replica fed by CDC (txgraph/replication.h): each source transaction's changes applied as
// one replica transaction that also carries the source position it reaches.
#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "cdc/change_id.h"
#include "connect/change_apply.h"
#include "txgraph/replication.h"
#include "txlog/log_directory.h"
#include "txlog/segment_format.h"
#include "txlog/segment_reader.h"
#include "txlog/tx_record.h"

namespace txgraph {

namespace {

constexpr const char* kFromKey = "txgraph.replicatedFrom";
constexpr const char* kPositionKey = "txgraph.sourcePosition";
// Snapshot events applied per replica transaction.
constexpr std::size_t kSnapshotBatch = 2000;

std::string source_uuid_of(const ChangeStream& source) {
  return txlog::uuid_to_text(cdc::decode_change_id(source.current()).database_uuid);
}

// The source's import notices after transaction `after_tx`, from the segments that can hold
// them (those that hold or follow that transaction).
std::vector<ImportNotice> imports_after(const ChangeStream& source, std::uint64_t after_tx) {
  std::vector<ImportNotice> out;
  auto segments = txlog::list_segments((source.dir() / "txlog").string());
  std::size_t from = 0;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    try {
      txlog::SegmentReader reader(segments[i].path);
      // The notice of an import after tx T follows T in T's segment.
      if (reader.header_status() == txlog::HeaderStatus::kOk && reader.header().first_tx <= std::max<std::uint64_t>(after_tx, 1))
        from = i;
    } catch (const Error&) {
      // pruned or being created meanwhile: it holds nothing we look for
    }
  }
  for (std::size_t i = from; i < segments.size(); ++i) {
    try {
      txlog::SegmentReader reader(segments[i].path);
      txlog::Frame frame;
      while (reader.next(&frame) == txlog::SegmentReader::Next::kRecord) {
        if (frame.type != txlog::RecordType::kImportNotice) continue;
        auto notice = txlog::public_import_notice(txlog::decode_import_notice(frame.payload));
        if (notice.after_tx < after_tx) continue;
        out.push_back(std::move(notice));
      }
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kNotFound) throw;
    }
  }
  return out;
}

}  // namespace

std::optional<ReplicaPosition> replica_position(const Database& replica) {
  auto segments = txlog::list_segments((replica.dir() / "txlog").string());
  // The newest replicated transaction: look in the newest segment first, then back.
  for (std::size_t i = segments.size(); i-- > 0;) {
    std::optional<ReplicaPosition> found;
    txlog::SegmentReader reader(segments[i].path);
    txlog::Frame frame;
    while (reader.next(&frame) == txlog::SegmentReader::Next::kRecord) {
      if (frame.type != txlog::RecordType::kTransaction) continue;
      auto header = txlog::decode_tx_header(frame.payload);
      auto from = header.metadata.find(kFromKey);
      auto position = header.metadata.find(kPositionKey);
      if (from == header.metadata.end() || position == header.metadata.end() ||
          from->second.kind() != ValueKind::kString || position->second.kind() != ValueKind::kString)
        continue;
      ReplicaPosition p;
      p.source_uuid = from->second.as_string();
      p.position = position->second.as_string();
      p.source_tx = cdc::decode_change_id(p.position).tx_id;
      found = std::move(p);
    }
    if (found) return found;
  }
  return std::nullopt;
}

ReplicationResult replicate(const ChangeStream& source, Database& replica, const ReplicationOptions& options) {
  std::string source_uuid = source_uuid_of(source);
  ReplicationResult result;
  std::string position;
  bool fresh = false;
  if (auto stored = replica_position(replica)) {
    if (stored->source_uuid != source_uuid)
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("database {} is a replica of database {}, not of {} ({})", replica.dir().string(),
                              stored->source_uuid, source.dir().string(), source_uuid));
    position = stored->position;
  } else {
    auto status = replica.status();
    if (status.node_count != 0 || status.relationship_count != 0)
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("database {} holds data but no replication position: a replica must start empty",
                              replica.dir().string()));
  }
  if (position.empty() && !options.snapshot) position = source.earliest();
  if (position.empty()) {
    // A new replica starts with a snapshot of the source: its key constraints (as schema
    // events), then what its log no longer holds and what was bulk imported. The first
    // applied batch records the position, so a run stopped before it starts again.
    position = source.snapshot_start();
    fresh = true;
  }
  result.position = position;
  auto found_import = [&](ImportNotice notice) {
    for (const auto& known : result.imports)
      if (known.import_number == notice.import_number) return;
    result.imports.push_back(std::move(notice));
    if (options.on_import) options.on_import(result.imports.back());
  };
  // A new replica's snapshot holds what was imported before it.
  if (!fresh)
    for (auto& notice : imports_after(source, cdc::decode_change_id(position).tx_id)) found_import(std::move(notice));

  // Every entity change and every schema change: a replica keeps the source's keys too.
  std::vector<ChangeSelector> everything(2);
  everything[1].select = ChangeSelector::Select::kSchema;
  std::vector<ChangeEvent> pending;  // the changes of one source transaction
  auto apply_pending = [&] {
    if (pending.empty()) return;
    // The position after the whole transaction, taken before the changes are reordered: a
    // position after all of a transaction stays valid when the source prunes that transaction.
    auto after = cdc::decode_change_id(pending.back().id);
    after.seq = cdc::ChangePosition::kAfterAll;
    std::string reached = cdc::encode_change_id(after);
    std::uint64_t source_tx = pending.back().tx_id;
    TxInfo info;
    info.user = pending.back().metadata.executing_user;
    info.authenticated_user = pending.back().metadata.authenticated_user;
    info.metadata = pending.back().metadata.tx_metadata;
    // The source transaction's own connection: the replica's events name the original writer.
    info.connection_type = pending.back().metadata.connection_type;
    info.connection_client = pending.back().metadata.connection_client;
    info.connection_server = pending.back().metadata.connection_server;
    info.metadata[kFromKey] = Value(source_uuid);
    info.metadata[kPositionKey] = Value(reached);
    auto tx = replica.begin_write(std::move(info));
    connect::apply_changes(tx, pending);
    std::uint64_t replica_tx = tx.commit();
    ++result.transactions;
    result.changes += pending.size();
    result.position = reached;
    if (options.on_applied) options.on_applied(source_tx, replica_tx);
    pending.clear();
  };

  for (;;) {
    // Read to the end of what is visible, so the last transaction is whole. The query's own
    // position (after the last transaction read) is where the next one starts and waits.
    // Snapshot events go in batches of kSnapshotBatch per replica transaction, each recording
    // the position after its last event.
    QueryResult read;
    try {
      read = source.query(position, everything, [&](const ChangeEvent& e) {
        if (!pending.empty() && (pending.back().tx_id != e.tx_id || pending.back().snapshot != e.snapshot ||
                                 (e.snapshot && pending.size() >= kSnapshotBatch)))
          apply_pending();
        pending.push_back(e);
        return true;
      });
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kCdcPruned && e.code() != ErrorCode::kCdcOldGeneration) throw;
      throw Error(e.code(), fmt::format("the replica {} cannot go on from its position: {}. Rebuild it from a "
                                        "snapshot of the source: txgraph replicate SRC DST --resnapshot",
                                        replica.dir().string(), e.what()));
    }
    position = read.position;
    apply_pending();
    for (auto& notice : read.imports) found_import(std::move(notice));
    if (!options.follow) break;
    while (!(options.stop && options.stop()) && !source.wait(position, options.stop_check)) {
    }
    if (options.stop && options.stop()) break;
  }
  return result;
}

}  // namespace txgraph
