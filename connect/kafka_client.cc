// librdkafka handles for the publisher and the Kafka-fed replica (connect/kafka_client.h).
#include "connect/kafka_client.h"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

#include "txgraph/error.h"

namespace txgraph::connect {

namespace {

using Clock = std::chrono::steady_clock;

int timeout_ms(std::chrono::milliseconds ms) { return static_cast<int>(std::min<std::int64_t>(ms.count(), INT32_MAX)); }

void set(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
  char why[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), why, sizeof why) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    throw Error(ErrorCode::kInvalidArgument, fmt::format("Kafka client setting {}={}: {}", key, value, why));
  }
}

// The user's settings first, so that ours (which exactly-once needs) win.
rd_kafka_conf_t* base_conf(const KafkaConnection& kafka) {
  if (kafka.brokers.empty()) throw Error(ErrorCode::kInvalidArgument, "no Kafka brokers given (--brokers HOST:PORT)");
  if (kafka.topic.empty()) throw Error(ErrorCode::kInvalidArgument, "no Kafka topic given (--topic NAME)");
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", kafka.brokers);
  // librdkafka logs connection trouble to stderr by itself; txgraph reports what matters.
  set(conf, "log_level", "0");
  for (const auto& [key, value] : kafka.config) set(conf, key, value);
  set(conf, "bootstrap.servers", kafka.brokers);
  return conf;
}

KafkaHandle new_handle(rd_kafka_type_t type, rd_kafka_conf_t* conf) {
  char why[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf, why, sizeof why);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    throw Error(ErrorCode::kInvalidArgument, fmt::format("cannot create a Kafka client: {}", why));
  }
  return KafkaHandle(rk);
}

}  // namespace

[[noreturn]] void kafka_failure(const KafkaConnection& kafka, std::string_view what) {
  throw Error(ErrorCode::kIo, fmt::format("Kafka topic {} on {}: {}", kafka.topic, kafka.brokers, what));
}

KafkaHandle new_transactional_producer(const KafkaConnection& kafka, const std::string& transactional_id,
                                       DeliveryCallback on_delivery, void* opaque) {
  rd_kafka_conf_t* conf = base_conf(kafka);
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_opaque(conf, opaque);
  set(conf, "enable.idempotence", "true");
  set(conf, "transactional.id", transactional_id);
  set(conf, "acks", "all");
  // Small batches leave soon: latency matters more than the last bit of throughput here.
  if (std::none_of(kafka.config.begin(), kafka.config.end(), [](const auto& kv) { return kv.first == "linger.ms"; }))
    set(conf, "linger.ms", "1");
  return new_handle(RD_KAFKA_PRODUCER, conf);
}

KafkaHandle new_committed_reader(const KafkaConnection& kafka) {
  rd_kafka_conf_t* conf = base_conf(kafka);
  set(conf, "isolation.level", "read_committed");
  set(conf, "enable.partition.eof", "true");
  set(conf, "enable.auto.commit", "false");
  set(conf, "enable.auto.offset.store", "false");
  set(conf, "allow.auto.create.topics", "true");
  if (std::none_of(kafka.config.begin(), kafka.config.end(),
                   [](const auto& kv) { return kv.first == "fetch.wait.max.ms"; }))
    set(conf, "fetch.wait.max.ms", "10");
  // A group id the reader never joins nor commits to: librdkafka wants one for a consumer.
  set(conf, "group.id", "txgraph-reader");
  auto rk = new_handle(RD_KAFKA_CONSUMER, conf);
  rd_kafka_poll_set_consumer(rk.get());
  return rk;
}

int topic_partitions(rd_kafka_t* rk, const KafkaConnection& kafka) {
  auto deadline = Clock::now() + kafka.connect_timeout;
  rd_kafka_resp_err_t last = RD_KAFKA_RESP_ERR_NO_ERROR;
  bool reached = false;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, kafka.topic.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    last = rd_kafka_metadata(rk, 0, rkt, &md, timeout_ms(std::min(left, std::chrono::milliseconds(2000))));
    rd_kafka_topic_destroy(rkt);
    if (last == RD_KAFKA_RESP_ERR_NO_ERROR) {
      reached = true;
      int partitions = 0;
      for (int i = 0; i < md->topic_cnt; ++i) {
        if (kafka.topic != md->topics[i].topic) continue;
        last = md->topics[i].err;
        if (last == RD_KAFKA_RESP_ERR_NO_ERROR) partitions = md->topics[i].partition_cnt;
      }
      rd_kafka_metadata_destroy(md);
      if (partitions > 0) return partitions;
    }
    // A topic being created answers LEADER_NOT_AVAILABLE (or has no partitions yet) for a moment.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!reached)
    throw Error(ErrorCode::kIo,
                fmt::format("cannot reach the Kafka brokers {} within {} ms ({}); check --brokers and the network",
                            kafka.brokers, kafka.connect_timeout.count(), rd_kafka_err2str(last)));
  throw Error(ErrorCode::kIo,
              fmt::format("Kafka topic {} does not exist on {} and the brokers did not create it ({}): create it "
                          "(kafka-topics.sh --create --topic {}) or let the brokers create topics "
                          "(auto.create.topics.enable=true)",
                          kafka.topic, kafka.brokers, rd_kafka_err2str(last), kafka.topic));
}

const std::string* TopicMessage::header(std::string_view name) const {
  for (auto it = headers.rbegin(); it != headers.rend(); ++it)
    if (it->first == name) return &it->second;
  return nullptr;
}

TopicMessage copy_message(const rd_kafka_message_t* m) {
  TopicMessage out;
  out.partition = m->partition;
  out.offset = m->offset;
  if (m->key) out.key.assign(static_cast<const char*>(m->key), m->key_len);
  if (m->payload) out.value.assign(static_cast<const char*>(m->payload), m->len);
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR && headers) {
    const char* name;
    const void* value;
    size_t size;
    for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i)
      out.headers.emplace_back(name, value ? std::string(static_cast<const char*>(value), size) : std::string());
  }
  return out;
}

std::pair<std::int64_t, std::int64_t> partition_offsets(rd_kafka_t* rk, const KafkaConnection& kafka,
                                                        std::int32_t partition) {
  std::int64_t low = 0, high = 0;
  auto deadline = Clock::now() + kafka.connect_timeout;
  for (;;) {
    auto err = rd_kafka_query_watermark_offsets(rk, kafka.topic.c_str(), partition, &low, &high, 2000);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return {low, high};
    if (Clock::now() >= deadline)
      kafka_failure(kafka,
                    fmt::format("cannot read the offsets of partition {}: {}", partition, rd_kafka_err2str(err)));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

void read_partition_range(rd_kafka_t* reader, const KafkaConnection& kafka, std::int32_t partition, std::int64_t from,
                          std::int64_t end, const std::function<void(TopicMessage&&)>& on_message) {
  if (from >= end) return;
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, kafka.topic.c_str(), partition)->offset = from;
  rd_kafka_resp_err_t err = rd_kafka_assign(reader, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (err) kafka_failure(kafka, fmt::format("cannot read partition {}: {}", partition, rd_kafka_err2str(err)));
  struct Unassign {
    rd_kafka_t* rk;
    ~Unassign() { rd_kafka_assign(rk, nullptr); }
  } unassign{reader};
  auto deadline = Clock::now() + kafka.connect_timeout;
  for (;;) {
    if (Clock::now() >= deadline)
      kafka_failure(kafka, fmt::format("reading partition {} from offset {} to {} did not finish within {} ms",
                                       partition, from, end, kafka.connect_timeout.count()));
    rd_kafka_message_t* m = rd_kafka_consumer_poll(reader, 100);
    if (!m) continue;
    std::unique_ptr<rd_kafka_message_t, void (*)(rd_kafka_message_t*)> owned(m, rd_kafka_message_destroy);
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      if (m->partition == partition && m->offset >= end) return;
      continue;
    }
    if (m->err) {
      if (rd_kafka_fatal_error(reader, nullptr, 0))
        kafka_failure(kafka, fmt::format("reading partition {}: {}", partition, rd_kafka_message_errstr(m)));
      continue;  // a broker away for a moment: the client retries
    }
    if (m->partition != partition) continue;
    deadline = Clock::now() + kafka.connect_timeout;
    bool last = m->offset + 1 >= end;
    on_message(copy_message(m));
    if (last) return;
  }
}

}  // namespace txgraph::connect
