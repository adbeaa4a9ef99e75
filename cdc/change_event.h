// Change events built from the log's change records, and their JSON.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "cdc/change_id.h"
#include "txgraph/cdc.h"
#include "txlog/tx_record_view.h"
#include "txlog/value_codec.h"

namespace txgraph::cdc {

// The serverId of a database's events: like Neo4j's, short hex; the first 8 digits of the
// database's uuid (16 raw bytes), so stable for its life and different for a replica.
std::string server_id_of(std::string_view database_uuid);

// Builds events straight from a record's bytes (txlog::TxRecordView), into an event it fills
// again and again: strings, vectors and property map nodes of the previous event are reused,
// so that a scan allocates only where an event holds more than the ones before it.
class EventBuilder {
 public:
  // `id_base` gives the database uuid and generation for the events' change ids.
  EventBuilder(const ChangePosition& id_base, std::string_view database_name);

  // Fills `out` with change `seq` of `record`, complete. When `out` holds the previous change
  // of the same transaction, its metadata is kept as it is.
  void build(txlog::TxRecordView& record, std::size_t seq, ChangeEvent& out);
  // Fills `out` with the schema event of operation `op` (kCreateKey or kDropKey) of `record`,
  // numbered `seq` (after the record's changes).
  void build_schema(txlog::TxRecordView& record, const txlog::OperationView& op, std::size_t seq, ChangeEvent& out);

 private:
  // The id, tx id, seq and the transaction's metadata.
  void build_common(const txlog::TxHeaderView& header, std::size_t seq, ChangeEvent& out);
  void build_keys(std::string_view keys, std::vector<ChangeKey>& out);
  void build_node_reference(const txlog::NodeReferenceView& from, ChangeNodeRef& out);
  void clear_node_reference(ChangeNodeRef& out);
  ChangeState& present(std::optional<ChangeState>& state);
  void absent(std::optional<ChangeState>& state);
  void build_state(const txlog::StateView& from, bool node, std::optional<ChangeState>& out);
  // A create's after-state, from the record's operations on the entity.
  void build_created_state(txlog::TxRecordView& record, std::size_t seq, bool node, ChangeState& out);

  ChangePosition position_;
  std::string database_name_;
  std::string server_id_;
  std::string id_bytes_;
  txlog::PropertyMapDecoder maps_;
  std::vector<ChangeState> spare_states_;
};

}  // namespace txgraph::cdc
