// librdkafka's mock cluster behind txgraph::KafkaMockCluster (txgraph/kafka.h): for trying the
// verbs and for tests only.
#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "txgraph/error.h"
#include "txgraph/kafka.h"

namespace txgraph {

struct KafkaMockCluster::Impl {
  rd_kafka_t* host = nullptr;  // the client instance the mock cluster lives in
  rd_kafka_mock_cluster_t* cluster = nullptr;
  std::string bootstrap;
  int partitions = 1;
};

KafkaMockCluster::KafkaMockCluster(int brokers, int partitions, const std::vector<std::string>& topics)
    : impl_(std::make_unique<Impl>()) {
  if (brokers < 1 || partitions < 1)
    throw Error(ErrorCode::kInvalidArgument, fmt::format("a mock cluster needs at least one broker and one partition "
                                                         "(asked for {} brokers, {} partitions)",
                                                         brokers, partitions));
  char why[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "0", why, sizeof why);
  impl_->host = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof why);
  if (!impl_->host) {
    rd_kafka_conf_destroy(conf);
    throw Error(ErrorCode::kIo, fmt::format("cannot start a Kafka mock cluster: {}", why));
  }
  impl_->cluster = rd_kafka_mock_cluster_new(impl_->host, brokers);
  if (!impl_->cluster) {
    rd_kafka_destroy(impl_->host);
    throw Error(ErrorCode::kIo, "cannot start a Kafka mock cluster (no ports for its brokers?)");
  }
  impl_->bootstrap = rd_kafka_mock_cluster_bootstraps(impl_->cluster);
  impl_->partitions = partitions;
  for (const auto& topic : topics) create_topic(topic, partitions);
}

KafkaMockCluster::~KafkaMockCluster() {
  rd_kafka_mock_cluster_destroy(impl_->cluster);
  rd_kafka_destroy(impl_->host);
}

const std::string& KafkaMockCluster::bootstrap() const { return impl_->bootstrap; }

void KafkaMockCluster::create_topic(const std::string& topic, int partitions) {
  // Replicated on up to three brokers, as a real cluster would be.
  auto err = rd_kafka_mock_topic_create(impl_->cluster, topic.c_str(), partitions, 3);
  if (err)
    throw Error(ErrorCode::kIo, fmt::format("mock cluster: cannot create topic {}: {}", topic, rd_kafka_err2str(err)));
}

void KafkaMockCluster::set_broker_down(int id) { rd_kafka_mock_broker_set_down(impl_->cluster, id); }
void KafkaMockCluster::set_broker_up(int id) { rd_kafka_mock_broker_set_up(impl_->cluster, id); }

void KafkaMockCluster::fail_requests(int api_key, int error, int count) {
  for (int i = 0; i < count; ++i)
    rd_kafka_mock_push_request_errors(impl_->cluster, static_cast<int16_t>(api_key), 1,
                                      static_cast<rd_kafka_resp_err_t>(error));
}

void KafkaMockCluster::set_topic_error(const std::string& topic, int error) {
  rd_kafka_mock_topic_set_error(impl_->cluster, topic.c_str(), static_cast<rd_kafka_resp_err_t>(error));
}

}  // namespace txgraph
