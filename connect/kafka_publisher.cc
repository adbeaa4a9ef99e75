// The change stream into Kafka, exactly once (txgraph/kafka.h, kafka_publish).
//
// A batch is one Kafka transaction: a query from the batch's start position, whose changes are
// produced transaction by transaction until max_batch messages or the end of what is visible,
// then committed. Every message carries the batch's start, so the topic itself says where the
// newest batch began; after a crash or an aborted transaction the publisher reads that back
// (connect/published_tail.h) and publishes, from there, only what the topic does not show.
#include <fmt/format.h>

#include <algorithm>
#include <mutex>
#include <optional>
#include <set>

#include "cdc/change_id.h"
#include "cdc/json_values.h"
#include "connect/published_tail.h"
#include "connect/stream_message.h"
#include "txgraph/consumer.h"
#include "txgraph/kafka.h"
#include "txlog/segment_format.h"

namespace txgraph {

namespace {

using connect::KafkaHandle;

// Aborted Kafka transactions in a row, each published again, before the publisher gives up.
constexpr int kMaxConsecutiveAborts = 5;
// A snapshot's events go in groups of at most this many (and at most max_batch), each group
// sent as a transaction (one replica transaction on the other side).
constexpr std::size_t kSnapshotGroup = 1000;

// The first delivery failure of the open Kafka transaction, from librdkafka's thread.
struct DeliveryFailure {
  std::mutex mutex;
  rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::uint64_t tx = 0;
  std::size_t bytes = 0;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  if (!m->err) return;
  auto* failure = static_cast<DeliveryFailure*>(opaque);
  std::lock_guard lock(failure->mutex);
  if (failure->error) return;
  failure->error = m->err;
  failure->tx = reinterpret_cast<std::uintptr_t>(m->_private);
  failure->bytes = m->len;
}

std::string keys_json(const ChangeEvent& e, ValueForm form) {
  if (e.kind == EntityKind::kRelationship) {
    json::Json out = json::Json::array();
    for (const auto& k : e.keys) out.push_back(json::json_from_properties(k.properties, form));
    return json::json_line(out);
  }
  json::Json out = json::Json::object();
  for (const auto& k : e.keys) {
    json::Json& list = out[k.label];
    if (list.is_null()) list = json::Json::array();
    list.push_back(json::json_from_properties(k.properties, form));
  }
  return json::json_line(out);
}

// A change of the source transaction being read, as it will be sent: built while the query's
// event is at hand, so that nothing of the event is copied.
struct PendingChange {
  std::uint64_t tx = 0;
  std::uint32_t seq = 0;
  bool snapshot = false;   // a snapshot event
  bool published = false;  // the topic shows it already
  std::string id;
  std::string element_id;
  std::string key;
  std::string value;
  bool untyped_values = false;  // the value lost temporal or spatial types (kHeaderValues)
};

class Publisher {
 public:
  Publisher(const ChangeStream& source, const KafkaPublishOptions& options)
      : source_(source), options_(options), kafka_(options.kafka) {}

  // A publisher that stops on an error leaves no Kafka transaction open: the client must not be
  // destroyed with requests of one in flight, and the next publisher should not wait for it.
  ~Publisher() {
    if (in_transaction_ && producer_)
      if (rd_kafka_error_t* err = rd_kafka_abort_transaction(producer_.get(), 5000)) rd_kafka_error_destroy(err);
  }
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  KafkaPublishResult run();

 private:
  void open_group();
  void find_what_is_published();
  void move_group();
  bool publish_batch();  // true: stopped at max_batch with more to read
  void add_change(const ChangeEvent& e, std::vector<PendingChange>& pending);
  void produce_transaction(const std::vector<PendingChange>& changes);
  void produce(std::uint64_t tx, const std::string& key, const std::string& value,
               const std::vector<std::pair<const char*, std::string>>& headers, const PendingChange* change);
  bool commit_batch();  // false: aborted, and the position found again from the topic
  void abort_batch();
  std::string limit_setting() const;

  const ChangeStream& source_;
  const KafkaPublishOptions& options_;
  const KafkaConnection& kafka_;
  std::string uuid_;
  std::vector<ChangeSelector> selectors_;
  std::optional<Consumer> group_;
  std::string group_name_;
  std::string start_;  // where to begin while the topic holds nothing of this database
  KafkaHandle reader_;
  KafkaHandle producer_;
  DeliveryFailure failure_;
  int partitions_ = 0;

  std::string position_;  // where the next batch begins reading
  std::string previous_;  // after the transaction published last ("" before the first)
  std::string batch_start_;
  std::string batch_previous_;
  bool batch_committed_ = false;
  std::string batch_error_;  // why the open Kafka transaction can only be aborted
  int consecutive_aborts_ = 0;
  std::chrono::steady_clock::time_point group_moved_{};
  std::set<connect::PositionKey> published_changes_;  // shown by the topic already
  std::set<std::uint64_t> published_imports_;
  bool in_transaction_ = false;
  std::uint64_t batch_messages_ = 0;
  std::uint64_t batch_transactions_ = 0;
  KafkaPublishResult result_;
};

void Publisher::open_group() {
  std::string name = options_.group.empty() ? "kafka-" + kafka_.topic : options_.group;
  group_name_ = name;
  bool existed = true;
  try {
    consumer_group(source_, name);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kNotFound) throw;
    existed = false;
  }
  if (!existed) {
    ConsumerGroupOptions group;
    group.selectors = options_.selectors;
    group.auto_commit = false;
    group.hold_bytes = options_.hold_bytes;
    group.start = StartLocation::earliest();
    create_consumer_group(source_, name, group);
  }
  auto info = consumer_group(source_, name);
  if (existed && !options_.selectors.empty()) {
    std::vector<ChangeSelector> given, held;
    for (const auto& s : options_.selectors) given.push_back(parse_change_selector(s));
    for (const auto& s : info.selectors) held.push_back(parse_change_selector(s));
    if (given != held)
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("consumer group \"{}\" has other selectors than the ones given: publish without "
                              "--selector to use the group's, or name another group",
                              name));
  }
  for (const auto& s : info.selectors) selectors_.push_back(parse_change_selector(s));
  group_.emplace(source_, name);
  if (!options_.start.empty()) {
    auto start = parse_start_location(options_.start);
    if (start.kind == StartLocation::Kind::kEarliest)
      start_ = source_.earliest();
    else if (start.kind == StartLocation::Kind::kSnapshot)
      start_ = source_.snapshot_start();
    else if (start.kind == StartLocation::Kind::kLatest)
      start_ = source_.current();
    else if (start.kind == StartLocation::Kind::kAtTime)
      start_ = source_.position_at_time(start.time_ms * 1000);
    else
      start_ = start.change_id;
  } else {
    start_ = existed ? group_->committed() : source_.earliest();
  }
}

void Publisher::find_what_is_published() {
  auto tail = connect::read_published_tail(reader_.get(), kafka_, partitions_, uuid_);
  published_changes_.clear();
  published_imports_.clear();
  if (!tail.found) {
    position_ = start_;
    previous_.clear();
  } else {
    result_.resumed = true;
    position_ = tail.batch;
    previous_ = tail.batch_previous;
    // A snapshot is not read again where the topic shows it whole: read again, it would differ.
    if (!tail.whole_to.empty()) position_ = previous_ = tail.whole_to;
    published_changes_ = std::move(tail.changes);
    published_imports_ = std::move(tail.imports);
    // Batches that published nothing (their changes not selected) move the group on but leave
    // no trace in the topic: the group's position, when further on, was committed after every
    // batch before it.
    const std::string& group_position = group_->committed();
    if (!group_position.empty() && !tail.last_transaction.empty() &&
        connect::position_before(position_, group_position) &&
        !connect::position_before(group_position, tail.last_transaction)) {
      position_ = group_position;
      previous_ = tail.last_transaction;
      published_changes_.clear();
    }
  }
  move_group();
}

void Publisher::move_group() {
  try {
    group_->commit(position_);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kCdcPruned) throw;
    throw Error(ErrorCode::kConsumerGroupLost,
                fmt::format("the log after what topic {} holds (position {}) was pruned: {}", kafka_.topic, position_,
                            e.what()));
  }
}

std::string Publisher::limit_setting() const {
  char value[64];
  size_t size = sizeof value;
  const rd_kafka_conf_t* conf = rd_kafka_conf(producer_.get());
  if (rd_kafka_conf_get(conf, "message.max.bytes", value, &size) != RD_KAFKA_CONF_OK) return "?";
  return value;
}

void Publisher::produce(std::uint64_t tx, const std::string& key, const std::string& value,
                        const std::vector<std::pair<const char*, std::string>>& headers, const PendingChange* change) {
  if (!batch_error_.empty()) return;
  if (!in_transaction_) {
    if (rd_kafka_error_t* err = rd_kafka_begin_transaction(producer_.get())) {
      std::string why = rd_kafka_error_string(err);
      rd_kafka_error_destroy(err);
      connect::kafka_failure(kafka_, fmt::format("cannot begin a Kafka transaction: {}", why));
    }
    in_transaction_ = true;
  }
  for (;;) {
    rd_kafka_headers_t* h = rd_kafka_headers_new(headers.size());
    for (const auto& [name, text] : headers)
      rd_kafka_header_add(h, name, -1, text.data(), static_cast<ssize_t>(text.size()));
    rd_kafka_resp_err_t err =
        rd_kafka_producev(producer_.get(), RD_KAFKA_V_TOPIC(kafka_.topic.c_str()),
                          RD_KAFKA_V_KEY(key.empty() ? nullptr : key.data(), key.size()),
                          RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(h),
                          RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(static_cast<std::uintptr_t>(tx))), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
    rd_kafka_headers_destroy(h);
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(producer_.get(), 10);
      continue;
    }
    if (err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE)
      connect::kafka_failure(
          kafka_,
          fmt::format("transaction {}{} is a message of {} bytes, over the producer's message.max.bytes ({}): "
                      "raise it (--config message.max.bytes=N) and the topic's max.message.bytes on the brokers",
                      tx, change ? fmt::format(" change {} ({})", change->seq, change->element_id) : "",
                      value.size() + key.size(), limit_setting()));
    std::string why = fmt::format("cannot produce a message of transaction {}: {}", tx, rd_kafka_err2str(err));
    if (rd_kafka_fatal_error(producer_.get(), nullptr, 0)) connect::kafka_failure(kafka_, why);
    // The Kafka transaction can only be aborted now: the batch stops, and is published again.
    batch_error_ = std::move(why);
    return;
  }
  ++batch_messages_;
}

void Publisher::add_change(const ChangeEvent& e, std::vector<PendingChange>& pending) {
  PendingChange& c = pending.emplace_back();
  c.tx = e.tx_id;
  c.seq = e.seq;
  c.snapshot = e.snapshot;
  c.id = e.id;
  // A snapshot event is sent again whatever the topic shows: what the topic shows past its
  // whole part is what an aborted attempt left (on a broker that shows such), and may have been
  // grouped otherwise. Changes of the log read back the same, in the same transactions.
  c.published = !e.snapshot && !published_changes_.empty() && published_changes_.contains(connect::position_key(e.id));
  if (c.published) return;
  c.element_id = e.element_id;
  if (options_.key == KafkaKeyMode::kElementId || (options_.key == KafkaKeyMode::kEntityKeys && e.keys.empty()))
    c.key = e.element_id;
  else if (options_.key == KafkaKeyMode::kEntityKeys)
    c.key = keys_json(e, options_.values);
  c.value = change_event_json(e, options_.values);
  c.untyped_values = options_.values == ValueForm::kNeo4j && change_event_has_typed_values(e);
}

void Publisher::produce_transaction(const std::vector<PendingChange>& changes) {
  if (changes.empty()) return;
  const std::uint64_t tx = changes.front().tx;
  const std::string count = std::to_string(changes.size());
  const std::string tx_text = std::to_string(tx);
  for (const auto& c : changes) {
    if (c.published) {
      ++result_.already_published;
      continue;
    }
    std::vector<std::pair<const char*, std::string>> headers{{connect::kHeaderChangeId, c.id},
                                                             {connect::kHeaderTxId, tx_text},
                                                             {connect::kHeaderSeq, std::to_string(c.seq)},
                                                             {connect::kHeaderDatabase, uuid_},
                                                             {connect::kHeaderTxEvents, count},
                                                             {connect::kHeaderPrevious, previous_},
                                                             {connect::kHeaderBatch, batch_start_},
                                                             {connect::kHeaderBatchPrevious, batch_previous_}};
    if (c.untyped_values) headers.emplace_back(connect::kHeaderValues, "neo4j");
    produce(tx, c.key, c.value, headers, &c);
  }
  previous_ = connect::position_after_transaction(changes.back().id);
  ++batch_transactions_;
}

bool Publisher::publish_batch() {
  batch_start_ = position_;
  batch_previous_ = previous_;
  batch_messages_ = 0;
  batch_transactions_ = 0;
  std::vector<PendingChange> pending;  // the changes of one source transaction
  const std::size_t snapshot_group = std::min(kSnapshotGroup, options_.max_batch);
  bool full = false;
  QueryResult read;
  try {
    read = source_.query(position_, selectors_, [&](const ChangeEvent& e) {
      // A source transaction is sent whole; a snapshot's events in groups (of one chunk, since
      // they share the transaction the chunk was read at).
      if (!pending.empty() && (pending.back().tx != e.tx_id || pending.back().snapshot != e.snapshot ||
                               (e.snapshot && pending.size() >= snapshot_group))) {
        produce_transaction(pending);
        pending.clear();
        if (!batch_error_.empty()) return false;
        if (batch_messages_ >= options_.max_batch) {
          full = true;
          return false;
        }
      }
      add_change(e, pending);
      return true;
    });
  } catch (const Error& e) {
    // The log to publish was pruned: the group's hold passed its cap while Kafka was away.
    if (e.code() != ErrorCode::kCdcPruned) throw;
    auto info = consumer_group(source_, group_name_);
    throw Error(ErrorCode::kConsumerGroupLost,
                fmt::format("consumer group \"{}\" of topic {} is lost: {}; reset it (txgraph cdc group reset DIR {} "
                            "--start earliest) to go on",
                            group_name_, kafka_.topic, info.lost.empty() ? e.what() : info.lost, group_name_));
  }
  // Stopped early, the batch ends after the last transaction it produced; the next one reads
  // again what came after it. Otherwise it read to the end: its last transaction is whole.
  std::string next = previous_;
  if (!full) {
    produce_transaction(pending);
    next = read.position;
  }
  // An import is reported by the query that reads the transaction after it: publish it in the
  // batch that no later batch reads that transaction again.
  std::uint64_t next_tx = cdc::decode_change_id(next).tx_id;
  for (const auto& notice : read.imports) {
    if (notice.after_tx >= next_tx) continue;
    if (published_imports_.contains(notice.import_number)) {
      ++result_.already_published;
      continue;
    }
    produce(notice.after_tx, "", connect::import_notice_json(notice),
            {{connect::kHeaderImport, std::to_string(notice.import_number)},
             {connect::kHeaderDatabase, uuid_},
             {connect::kHeaderBatch, batch_start_},
             {connect::kHeaderBatchPrevious, batch_previous_}},
            nullptr);
  }
  batch_committed_ = commit_batch();
  if (!batch_committed_) return true;  // aborted: read again from what the topic shows
  position_ = next;
  return full;
}

bool Publisher::commit_batch() {
  const std::uint64_t messages = batch_messages_;
  if (in_transaction_) {
    while (batch_error_.empty()) {
      rd_kafka_error_t* err = rd_kafka_commit_transaction(producer_.get(), 30000);
      if (!err) break;
      std::unique_ptr<rd_kafka_error_t, void (*)(rd_kafka_error_t*)> owned(err, rd_kafka_error_destroy);
      if (rd_kafka_error_is_retriable(err)) continue;  // a broker away: the commit is tried again
      if (!rd_kafka_error_txn_requires_abort(err))
        connect::kafka_failure(kafka_, fmt::format("committing a Kafka transaction: {}", rd_kafka_error_string(err)));
      batch_error_ = fmt::format("committing a Kafka transaction: {}", rd_kafka_error_string(err));
    }
    if (!batch_error_.empty()) {
      abort_batch();
      return false;
    }
    in_transaction_ = false;
    ++result_.kafka_transactions;
  }
  consecutive_aborts_ = 0;
  result_.messages += messages;
  result_.transactions += batch_transactions_;
  return true;
}

void Publisher::abort_batch() {
  {
    std::lock_guard lock(failure_.mutex);
    if (failure_.error == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE)
      connect::kafka_failure(kafka_, fmt::format("the brokers refused a message of transaction {} ({} bytes) as too "
                                                 "large: raise the topic's max.message.bytes (and message.max.bytes "
                                                 "of the brokers and of this producer, --config message.max.bytes=N)",
                                                 failure_.tx, failure_.bytes));
    failure_.error = RD_KAFKA_RESP_ERR_NO_ERROR;
  }
  if (rd_kafka_error_t* abort = rd_kafka_abort_transaction(producer_.get(), -1)) {
    std::string why = rd_kafka_error_string(abort);
    rd_kafka_error_destroy(abort);
    connect::kafka_failure(kafka_, fmt::format("aborting a Kafka transaction: {}", why));
  }
  in_transaction_ = false;
  ++result_.kafka_aborts;
  // A refusal that does not pass (no rights on the topic, say) is an error, not a loop.
  if (++consecutive_aborts_ >= kMaxConsecutiveAborts)
    connect::kafka_failure(kafka_, fmt::format("{} Kafka transactions in a row were aborted; the last: {}",
                                               consecutive_aborts_, batch_error_));
  batch_error_.clear();
  find_what_is_published();
}

KafkaPublishResult Publisher::run() {
  uuid_ = txlog::uuid_to_text(cdc::decode_change_id(source_.current()).database_uuid);
  reader_ = connect::new_committed_reader(kafka_);
  partitions_ = connect::topic_partitions(reader_.get(), kafka_);
  producer_ = connect::new_transactional_producer(kafka_, fmt::format("txgraph.{}.{}", uuid_, kafka_.topic),
                                                  on_delivery, &failure_);
  if (rd_kafka_error_t* err =
          rd_kafka_init_transactions(producer_.get(), static_cast<int>(kafka_.connect_timeout.count()))) {
    std::string why = rd_kafka_error_string(err);
    rd_kafka_error_destroy(err);
    connect::kafka_failure(kafka_, fmt::format("cannot start the transactional producer: {}", why));
  }
  // The producer learns the topic's partitions and their leaders now: at the first message it
  // would wait for a metadata refresh (about a second).
  connect::topic_partitions(producer_.get(), kafka_);
  open_group();
  find_what_is_published();
  for (;;) {
    bool more = publish_batch();
    if (batch_committed_) {
      // The group's position is a retention hold, not the record of what is published (the
      // topic is): moving it once a second keeps the hold close without a sync per batch.
      auto now = std::chrono::steady_clock::now();
      if (now - group_moved_ >= std::chrono::seconds(1)) {
        move_group();
        group_moved_ = now;
      }
      if (options_.on_committed && batch_messages_ > 0) options_.on_committed(position_, batch_messages_);
    }
    if (options_.stop && options_.stop()) break;
    if (more) continue;
    if (!options_.follow) break;
    while (!(options_.stop && options_.stop()) && !source_.wait(position_, options_.stop_check)) {
    }
    if (options_.stop && options_.stop()) break;
  }
  move_group();
  result_.position = position_;
  return result_;
}

}  // namespace

KafkaPublishResult kafka_publish(const ChangeStream& source, const KafkaPublishOptions& options) {
  return Publisher(source, options).run();
}

}  // namespace txgraph
