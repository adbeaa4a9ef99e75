// connect/stream_message.h — what txgraph puts in a Kafka message's headers and how it reads
// them back (docs/kafka.md, "Messages"). The names are a contract with consumers: never
// rename one.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "connect/kafka_client.h"
#include "txgraph/import.h"

namespace txgraph::connect {

inline constexpr const char* kHeaderChangeId = "txgraph.changeId";
inline constexpr const char* kHeaderTxId = "txgraph.txId";
inline constexpr const char* kHeaderSeq = "txgraph.seq";
inline constexpr const char* kHeaderDatabase = "txgraph.database";
inline constexpr const char* kHeaderTxEvents = "txgraph.txEvents";
inline constexpr const char* kHeaderPrevious = "txgraph.previous";
inline constexpr const char* kHeaderBatch = "txgraph.batch";
inline constexpr const char* kHeaderBatchPrevious = "txgraph.batchPrevious";
inline constexpr const char* kHeaderImport = "txgraph.import";
// "neo4j" on a change whose temporal or spatial values are written as Neo4j writes them, which
// loses their types; absent otherwise.
inline constexpr const char* kHeaderValues = "txgraph.values";

// The headers of one message, parsed.
struct StreamHeaders {
  std::string database;        // the source's uuid
  std::string batch;           // the position the publisher's Kafka transaction began reading at
  std::string batch_previous;  // the position after the transaction published before `batch`
  // A change: its id, transaction, seq, the number of the transaction's messages, and the
  // position after the transaction published before it ("" for the first).
  std::string change_id;
  std::uint64_t tx_id = 0;
  std::uint32_t seq = 0;
  std::uint32_t tx_events = 0;
  std::string previous;
  bool untyped_values = false;  // kHeaderValues says "neo4j"
  // An import notice instead (import_number > 0).
  std::uint64_t import_number = 0;
  bool is_import() const { return import_number != 0; }
};

// The headers of `message`, or nullopt with `why` set when it is not a txgraph message (a
// header missing or malformed).
std::optional<StreamHeaders> parse_stream_headers(const TopicMessage& message, std::string* why);

// The JSON value of an import's message, and back. Throws kCorruption naming the field.
std::string import_notice_json(const ImportNotice& notice);
ImportNotice parse_import_notice_json(std::string_view json);

// Where a change id (or position) lies in the stream the publisher reads: a snapshot's key
// constraints, its nodes, its relationships, then the stream after it. Inside a snapshot phase,
// by the next id to read (the snapshot's events, and the log's changes caught up before each
// chunk, come in that order), then by transaction and place inside it, as stream positions go.
// Comparable; "" (before the first change) is the smallest.
struct PositionKey {
  int phase = -1;  // 0 keys, 1 nodes, 2 relationships, 3 the stream
  std::uint64_t next_id = 0;
  std::uint64_t tx_id = 0;
  std::int64_t seq = 0;
  // A position inside a snapshot (its events, or the log's changes caught up before a chunk).
  bool in_snapshot() const { return phase >= 0 && phase < 3; }
  friend auto operator<=>(const PositionKey&, const PositionKey&) = default;
};
PositionKey position_key(std::string_view id);

// Positions in the order above.
bool position_before(std::string_view a, std::string_view b);
// The position after the whole transaction of change id `id`; for a snapshot event, whose id is
// the position after it, the id itself.
std::string position_after_transaction(std::string_view id);

}  // namespace txgraph::connect
