// Payloads of the log's record types (txlog/FORMAT.md, "Records"): a committed transaction
// with its redo operations, and a checkpoint.
//
// The commit path encodes operations straight into the transaction's reusable buffer with the
// encode_* functions; recovery and log readers decode whole records into TxRecord.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "txgraph/import.h"
#include "txgraph/value.h"
#include "txlog/byte_codec.h"
#include "txlog/enrichment.h"
#include "txlog/segment_format.h"

namespace txgraph::txlog {

// Persistent format: never renumber.
enum class OpCode : std::uint8_t {
  kCreateNode = 1,
  kDeleteNode = 2,
  kSetNodeProperties = 3,  // a null value removes the property
  kRemoveNodeProperties = 4,
  kAddLabels = 5,
  kRemoveLabels = 6,
  kCreateRelationship = 7,
  kDeleteRelationship = 8,
  kSetRelationshipProperties = 9,
  kRemoveRelationshipProperties = 10,
  kCreateKey = 11,
  kDropKey = 12,  // format version 5
};
std::string_view op_code_name(OpCode code);

// Persistent format (version 4): set in a transaction record's capture-mode byte when the
// connection's type, client and server follow the authenticated user.
constexpr std::uint8_t kTxHasConnection = 0x80;
// Whether the operation is on a node (not on a relationship, nor on the schema).
bool is_node_operation(OpCode code);
// Whether the operation changes the schema (kCreateKey, kDropKey) rather than an entity.
inline bool is_schema_operation(OpCode code) { return code == OpCode::kCreateKey || code == OpCode::kDropKey; }

// One redo operation, decoded. Which fields mean something depends on `code`.
struct RedoOp {
  OpCode code = OpCode::kCreateNode;
  std::uint64_t id = 0;            // the node or relationship
  std::vector<std::string> names;  // labels, removed property keys, or a key's properties
  Properties properties;
  std::string type;                // relationship type, or the label/type of a key
  std::uint64_t start = 0;         // relationship endpoints
  std::uint64_t end = 0;
  std::uint8_t key_kind = 0;       // kCreateKey, kDropKey: 1 node, 2 relationship
};

struct TxHeader {
  std::uint64_t tx_id = 0;
  std::int64_t start_time_us = 0;
  std::int64_t commit_time_us = 0;
  CaptureMode capture_mode = CaptureMode::kOff;
  std::string user;
  std::string authenticated_user;
  // How the writer reached the database (TxInfo): all empty for an application's own process
  // ("embedded"), and then not written at all (format version 4, txlog/FORMAT.md).
  std::string connection_type;
  std::string connection_client;
  std::string connection_server;
  Properties metadata;
  std::uint64_t op_count = 0;
};

// The same header and operations read in place (txlog/tx_record_view.h): fields that hold
// names or properties are views of their encoded bytes (`names` and `properties` of
// txlog/FORMAT.md, count included; txlog/value_codec.h reads them). Valid while the payload is.
struct TxHeaderView {
  std::uint64_t tx_id = 0;
  std::int64_t start_time_us = 0;
  std::int64_t commit_time_us = 0;
  CaptureMode capture_mode = CaptureMode::kOff;
  std::string_view user;
  std::string_view authenticated_user;
  std::string_view connection_type;  // empty: "embedded"
  std::string_view connection_client;
  std::string_view connection_server;
  std::string_view metadata;  // properties
  std::uint64_t op_count = 0;
};

struct OperationView {
  OpCode code = OpCode::kCreateNode;
  std::uint64_t id = 0;         // the node or relationship (0 for kCreateKey, kDropKey)
  std::string_view names;       // labels, removed property keys, or a key's properties
  std::string_view properties;  // if the code has them
  std::string_view type;        // relationship type, or the label/type of a key (the bytes)
  std::uint64_t start = 0;
  std::uint64_t end = 0;
  std::uint8_t key_kind = 0;
};

// The fields a transaction record starts with: what a reader needs to place a record (and to
// pass it by) before it knows whether to read the rest of it.
struct TxRecordStart {
  std::uint64_t tx_id = 0;
  std::int64_t start_time_us = 0;
  std::int64_t commit_time_us = 0;
  CaptureMode capture_mode = CaptureMode::kOff;
};

// Read one header / operation in place, with every check the decoders make: they decode what
// these read. Throw Error(kCorruption).
void read_tx_header(ByteReader& in, TxHeaderView& header);
void read_operation(ByteReader& in, OperationView& op);

struct TxRecord {
  TxHeader header;
  std::vector<RedoOp> ops;
  std::optional<Enrichment> enrichment;  // present when capture_mode is DIFF or FULL
};

void encode_tx_header(std::string& out, const TxHeader& header);
// Throws Error(kCorruption) when the payload does not decode. With `with_enrichment` false,
// the enrichment of a DIFF/FULL record is skipped (recovery needs only the operations).
TxRecord decode_tx_record(std::string_view payload, bool with_enrichment = true);
// Only the header: who, when, the capture mode and the metadata, without the operations.
TxHeader decode_tx_header(std::string_view payload);
// Only the tx id, without decoding the operations.
std::uint64_t peek_tx_id(std::string_view payload);
// Only the commit time (microseconds since the epoch).
std::int64_t peek_commit_time(std::string_view payload);
// Only the fields before the users and metadata, with read_tx_header's checks of them.
TxRecordStart peek_tx_start(std::string_view payload);

void encode_create_node(ByteWriter& out, std::uint64_t id, const std::vector<std::string>& labels,
                        const Properties& properties);
void encode_create_relationship(ByteWriter& out, std::uint64_t id, std::string_view type,
                                std::uint64_t start, std::uint64_t end, const Properties& properties);
// kDeleteNode, kDeleteRelationship.
void encode_delete(ByteWriter& out, OpCode code, std::uint64_t id);
// kSetNodeProperties, kSetRelationshipProperties.
void encode_set_properties(ByteWriter& out, OpCode code, std::uint64_t id, const Properties& properties);
// kRemoveNodeProperties, kRemoveRelationshipProperties, kAddLabels, kRemoveLabels.
void encode_names(ByteWriter& out, OpCode code, std::uint64_t id, const std::vector<std::string>& names);
// kCreateKey, kDropKey.
void encode_key(ByteWriter& out, OpCode code, std::uint8_t kind, std::string_view label_or_type,
                const std::vector<std::string>& properties);

// Enrichment was switched; it applies from transaction `next_tx` on.
struct EnrichmentChangeRecord {
  CaptureMode from = CaptureMode::kOff;
  CaptureMode to = CaptureMode::kOff;
  std::uint64_t generation = 0;  // in force from next_tx on
  std::uint64_t next_tx = 0;
  std::int64_t time_us = 0;
};
std::string encode_enrichment_change(const EnrichmentChangeRecord& record);
EnrichmentChangeRecord decode_enrichment_change(std::string_view payload);

// A bulk import wrote straight into the store, bypassing the log; the notice tells readers
// that changes exist which no transaction record carries.
struct ImportNoticeRecord {
  std::uint64_t import_number = 0;
  std::int64_t time_us = 0;
  std::uint64_t after_tx = 0;  // the last transaction committed before the import
  std::uint64_t nodes = 0;
  std::uint64_t relationships = 0;
  std::uint64_t first_node_id = 0;
  std::uint64_t first_relationship_id = 0;
  std::vector<std::string> files;
};
std::string encode_import_notice(const ImportNoticeRecord& record);
ImportNoticeRecord decode_import_notice(std::string_view payload);
// The notice as the public API shows it (DatabaseStatus::imports, ReplicationResult::imports).
ImportNotice public_import_notice(ImportNoticeRecord record);

struct CheckpointRecord {
  std::uint64_t last_applied_tx = 0;  // every transaction up to this one is in the synced store
  std::int64_t time_us = 0;
};
std::string encode_checkpoint(const CheckpointRecord& record);
CheckpointRecord decode_checkpoint(std::string_view payload);

}  // namespace txgraph::txlog
