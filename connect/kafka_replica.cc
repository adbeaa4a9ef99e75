// A replica fed from Kafka (txgraph/kafka.h, kafka_replicate): every partition read, each
// source transaction rebuilt from its messages and applied whole, in source order, with the
// topic's offsets stored in the same replica transaction.
//
// Order across partitions comes from the headers: a transaction is complete when it has
// txgraph.txEvents distinct messages, and it is next when its txgraph.previous is the position
// the replica stands at. Messages of a transaction already applied (or already buffered) are
// passed over, so a topic that shows a message twice (a broker that shows aborted transactions)
// changes nothing. A snapshot's events come in groups, each applied as a transaction is; a
// group that such a broker shows from an aborted attempt, read at another moment than the
// group published after it (or grouped otherwise), is told apart by its transaction (the one
// its chunk was read at) and size, and once the replica's position passes it, dropped.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "cdc/change_id.h"
#include "connect/change_apply.h"
#include "connect/kafka_client.h"
#include "connect/replica_offsets.h"
#include "connect/stream_message.h"
#include "txgraph/kafka.h"

namespace txgraph {

namespace {

using connect::StreamHeaders;
using connect::TopicMessage;

struct BufferedChange {
  ChangeEvent event;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
};

struct PendingTransaction {
  std::uint32_t events = 0;  // how many it has in the topic
  connect::PositionKey previous;
  std::string last_id;  // of its last change
  std::map<connect::PositionKey, BufferedChange> changes;
  bool complete() const { return changes.size() == events; }
};

// Pending transactions by the position they follow, their transaction and how many messages
// they have (two attempts at a group of snapshot events may have grouped them differently).
using PendingKey = std::tuple<std::string, std::uint64_t, std::uint32_t>;

class KafkaReplicator {
 public:
  KafkaReplicator(Database& replica, const KafkaReplicaOptions& options)
      : replica_(replica), options_(options), kafka_(options.kafka) {}

  KafkaReplicaResult run();

 private:
  void load_position();
  void assign_partitions();
  void handle(TopicMessage&& message);
  void apply_ready();
  void apply(std::map<PendingKey, PendingTransaction>::iterator it);
  void drop_passed();
  [[noreturn]] void refuse(const TopicMessage& m, ErrorCode code, std::string_view why) const {
    throw Error(code, fmt::format("Kafka topic {} partition {} offset {}: {}; nothing of it was applied", kafka_.topic,
                                  m.partition, m.offset, why));
  }

  Database& replica_;
  const KafkaReplicaOptions& options_;
  const KafkaConnection& kafka_;
  connect::KafkaHandle consumer_;
  int partitions_ = 0;
  std::string source_uuid_;
  std::string position_;  // after the last source transaction applied; "" before the first
  connect::PositionKey position_key_;
  std::map<std::int32_t, std::int64_t> stored_offsets_;
  std::map<std::int32_t, std::int64_t> read_to_;  // partition -> the offset after the last message read
  std::map<PendingKey, PendingTransaction> pending_;
  std::set<std::uint64_t> imports_reported_;
  KafkaReplicaResult result_;
};

void KafkaReplicator::load_position() {
  if (auto stored = connect::kafka_replica_position(replica_)) {
    source_uuid_ = stored->source_uuid;
    position_ = stored->position;
    position_key_ = connect::position_key(position_);
    if (stored->topic == kafka_.topic) stored_offsets_ = stored->offsets;
    return;
  }
  auto status = replica_.status();
  if (status.node_count != 0 || status.relationship_count != 0)
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("database {} holds data but no replication position: a replica must start empty",
                            replica_.dir().string()));
}

void KafkaReplicator::assign_partitions() {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions_);
  for (int p = 0; p < partitions_; ++p) {
    auto it = stored_offsets_.find(p);
    rd_kafka_topic_partition_list_add(list, kafka_.topic.c_str(), p)->offset =
        it == stored_offsets_.end() ? RD_KAFKA_OFFSET_BEGINNING : it->second;
    if (it != stored_offsets_.end()) read_to_[p] = it->second;
  }
  rd_kafka_resp_err_t err = rd_kafka_assign(consumer_.get(), list);
  rd_kafka_topic_partition_list_destroy(list);
  if (err) connect::kafka_failure(kafka_, fmt::format("cannot read its partitions: {}", rd_kafka_err2str(err)));
}

void KafkaReplicator::handle(TopicMessage&& m) {
  read_to_[m.partition] = m.offset + 1;
  std::string why;
  auto headers = connect::parse_stream_headers(m, &why);
  if (!headers) refuse(m, ErrorCode::kCorruption, fmt::format("the message is not a txgraph change ({})", why));
  if (source_uuid_.empty()) source_uuid_ = headers->database;
  if (headers->database != source_uuid_)
    refuse(m, ErrorCode::kInvalidArgument,
           fmt::format("a change of database {}, but the replica {} is a replica of database {}", headers->database,
                       replica_.dir().string(), source_uuid_));
  if (headers->is_import()) {
    if (!imports_reported_.insert(headers->import_number).second) return;
    ImportNotice notice;
    try {
      notice = connect::parse_import_notice_json(m.value);
    } catch (const Error& e) {
      refuse(m, ErrorCode::kCorruption, e.what());
    }
    if (options_.on_import) options_.on_import(notice);
    return;
  }
  connect::PositionKey key, previous;
  try {
    key = connect::position_key(headers->change_id);
    previous = connect::position_key(headers->previous);
  } catch (const Error& e) {
    refuse(m, ErrorCode::kCorruption, e.what());
  }
  if (key <= position_key_ || previous < position_key_) {
    ++result_.duplicates;  // applied, or behind what is applied
    return;
  }
  const PendingKey pending_key{headers->previous, headers->tx_id, headers->tx_events};
  PendingTransaction& tx = pending_[pending_key];
  if (tx.changes.contains(key)) {
    ++result_.duplicates;
    return;
  }
  tx.events = headers->tx_events;
  tx.previous = previous;
  if (tx.last_id.empty() || connect::position_key(tx.last_id) < key) tx.last_id = headers->change_id;
  if (headers->untyped_values) {
    pending_.erase(pending_key);
    refuse(m, ErrorCode::kInvalidArgument,
           fmt::format("change {} holds temporal or spatial values written as Neo4j writes them, which loses "
                       "their types; publish the topic with --values typed to replicate from it",
                       headers->change_id));
  }
  BufferedChange change;
  try {
    change.event = connect::parse_change_event_json(m.value);
  } catch (const Error& e) {
    pending_.erase(pending_key);
    refuse(m, ErrorCode::kCorruption, e.what());
  }
  change.partition = m.partition;
  change.offset = m.offset;
  tx.changes.emplace(key, std::move(change));
  apply_ready();
}

void KafkaReplicator::apply_ready() {
  for (;;) {
    // The next is complete and follows the replica's position; of two such (a snapshot group
    // shown twice), the one read later.
    auto next = pending_.end();
    for (auto it = pending_.lower_bound({position_, 0, 0}); it != pending_.end() && std::get<0>(it->first) == position_;
         ++it)
      if (it->second.complete()) next = it;
    if (next == pending_.end()) return;
    apply(next);
  }
}

// Transactions that follow a position the replica has passed can never apply.
void KafkaReplicator::drop_passed() {
  std::erase_if(pending_, [&](const auto& entry) { return entry.second.previous < position_key_; });
}

void KafkaReplicator::apply(std::map<PendingKey, PendingTransaction>::iterator it) {
  const std::uint64_t tx_id = std::get<1>(it->first);
  auto node = pending_.extract(it);
  PendingTransaction& pending = node.mapped();
  std::vector<ChangeEvent> events;
  events.reserve(pending.changes.size());
  for (auto& [key, change] : pending.changes) events.push_back(std::move(change.event));
  // Everything before these offsets is applied, or passed over for good: a partition's offset
  // stays before the first message of a transaction still waiting.
  std::map<std::int32_t, std::int64_t> offsets = read_to_;
  for (const auto& [unit, waiting] : pending_)
    for (const auto& [key, change] : waiting.changes) {
      auto& offset = offsets[change.partition];
      offset = std::min(offset, change.offset);
    }
  std::string reached = connect::position_after_transaction(pending.last_id);
  TxInfo info;
  info.user = events.back().metadata.executing_user;
  info.authenticated_user = events.back().metadata.authenticated_user;
  info.metadata = events.back().metadata.tx_metadata;
  info.metadata[connect::kReplicatedFromKey] = Value(source_uuid_);
  info.metadata[connect::kSourcePositionKey] = Value(reached);
  info.metadata[connect::kKafkaOffsetsKey] = Value(connect::kafka_offsets_json(kafka_.topic, offsets));
  auto write = replica_.begin_write(std::move(info));
  std::size_t changes = events.size();
  connect::apply_changes(write, events);
  // The changes, the source position and the offsets are durable together, or none of them.
  std::uint64_t replica_tx = write.commit();
  position_ = reached;
  position_key_ = connect::position_key(position_);
  drop_passed();
  ++result_.transactions;
  result_.changes += changes;
  result_.position = position_;
  if (options_.on_applied) options_.on_applied(tx_id, replica_tx);
}

KafkaReplicaResult KafkaReplicator::run() {
  load_position();
  result_.position = position_;
  consumer_ = connect::new_committed_reader(kafka_);
  partitions_ = connect::topic_partitions(consumer_.get(), kafka_);
  assign_partitions();
  std::vector<bool> at_end(partitions_, false);
  auto quiet_since = std::chrono::steady_clock::now();
  for (;;) {
    if (options_.stop && options_.stop()) break;
    rd_kafka_message_t* raw = rd_kafka_consumer_poll(consumer_.get(), 50);
    if (!raw) {
      bool all_read = std::all_of(at_end.begin(), at_end.end(), [](bool b) { return b; });
      if (!options_.follow && all_read && std::chrono::steady_clock::now() - quiet_since >= options_.idle_end) break;
      continue;
    }
    std::unique_ptr<rd_kafka_message_t, void (*)(rd_kafka_message_t*)> owned(raw, rd_kafka_message_destroy);
    if (raw->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      if (raw->partition >= 0 && raw->partition < partitions_) at_end[raw->partition] = true;
      continue;
    }
    if (raw->err) {
      char why[512];
      if (rd_kafka_fatal_error(consumer_.get(), why, sizeof why))
        connect::kafka_failure(kafka_, fmt::format("reading: {}", why));
      continue;  // a broker away for a moment: the client retries
    }
    if (raw->partition >= 0 && raw->partition < partitions_) at_end[raw->partition] = false;
    quiet_since = std::chrono::steady_clock::now();
    handle(connect::copy_message(raw));
  }
  drop_passed();
  if (!options_.follow && !pending_.empty()) {
    auto first = std::min_element(pending_.begin(), pending_.end(),
                                  [](const auto& a, const auto& b) { return a.second.previous < b.second.previous; });
    const auto& [unit, waiting] = *first;
    const std::uint64_t tx = std::get<1>(unit);
    if (waiting.previous != position_key_)
      throw Error(
          ErrorCode::kNotFound,
          fmt::format("Kafka topic {}: the first transaction the replica has not applied (source transaction {}) "
                      "follows position \"{}\", but the replica stands at \"{}\": the topic no longer holds the "
                      "transactions between",
                      kafka_.topic, tx, std::get<0>(unit), position_));
  }
  return result_;
}

}  // namespace

KafkaReplicaResult kafka_replicate(Database& replica, const KafkaReplicaOptions& options) {
  return KafkaReplicator(replica, options).run();
}

}  // namespace txgraph
