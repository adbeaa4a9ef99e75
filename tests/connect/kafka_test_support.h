// Helpers the Kafka tests share: a source with capture on, a random history of commits, the
// graph as a comparable value, and what a read_committed consumer sees in a topic.
#pragma once

#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "connect/kafka_client.h"
#include "connect/stream_message.h"
#include "txgraph/txgraph.h"

namespace txgraph::testing {

inline Options source_options() {
  Options o;
  o.durability = Durability::kAsync;
  o.initial_settings.enrichment = EnrichmentMode::kDiff;
  return o;
}

// Every node and relationship with its id, labels or type and endpoints, and properties.
using Graph = std::vector<std::pair<std::string, Properties>>;
inline Graph graph_of(const Database& db) {
  Graph out;
  auto read = db.begin_read();
  read.for_each_node([&](const Node& n) {
    std::string labels;
    for (const auto& l : n.labels) labels += l + ",";
    out.emplace_back(element_id(n.id) + " [" + labels + "]", n.properties);
    return true;
  });
  read.for_each_relationship([&](const Relationship& r) {
    out.emplace_back(element_id(r.id) + " " + r.type + " " + element_id(r.start) + "->" + element_id(r.end),
                     r.properties);
    return true;
  });
  return out;
}

// Commits random transactions: nodes created, updated, relabelled and deleted (with their
// relationships), relationships created between live nodes, updated and deleted. Several
// changes per transaction, so that one transaction's messages spread over partitions.
class HistoryWriter {
 public:
  explicit HistoryWriter(std::uint64_t seed) : rng_(seed) {}

  void commit_one(Database& db) {
    auto tx = db.begin_write({"writer", "", {{"app", Value("kafka-test")}}});
    int ops = 1 + static_cast<int>(rng_() % 4);
    for (int i = 0; i < ops; ++i) {
      auto pick = rng_() % 10;
      if (nodes_.size() < 4 || pick < 3) {
        nodes_.push_back(tx.create_node({"Person"}, {{"n", Value(static_cast<std::int64_t>(counter_++))}}));
      } else if (pick < 5) {
        auto a = nodes_[rng_() % nodes_.size()], b = nodes_[rng_() % nodes_.size()];
        rels_.push_back(tx.create_relationship("KNOWS", a, b, {{"w", Value(0.5 * static_cast<double>(rng_() % 8))}}));
      } else if (pick < 7) {
        tx.set_node_properties(nodes_[rng_() % nodes_.size()],
                               {{"age", Value(static_cast<std::int64_t>(rng_() % 90))}});
      } else if (pick == 7 && !rels_.empty()) {
        auto i_rel = rng_() % rels_.size();
        tx.set_relationship_properties(rels_[i_rel], {{"since", Value(2020)}});
      } else if (pick == 8) {
        auto i_node = rng_() % nodes_.size();
        tx.add_labels(nodes_[i_node], {"Admin"});
        tx.remove_node_properties(nodes_[i_node], {"n"});
      } else {
        auto i_node = rng_() % nodes_.size();
        NodeId gone = nodes_[i_node];
        tx.delete_node(gone, true);
        nodes_.erase(nodes_.begin() + static_cast<std::ptrdiff_t>(i_node));
        std::erase_if(rels_, [&](RelationshipId r) { return !tx.get_relationship(r); });
      }
    }
    tx.commit();
    ++committed_;
  }

  std::uint64_t committed() const { return committed_; }

 private:
  std::mt19937_64 rng_;
  std::vector<NodeId> nodes_;
  std::vector<RelationshipId> rels_;
  std::uint64_t counter_ = 0;
  std::uint64_t committed_ = 0;
};

// What a read_committed consumer sees: every message of the topic, partition by partition.
inline std::vector<connect::TopicMessage> read_topic(const std::string& bootstrap, const std::string& topic) {
  KafkaConnection kafka;
  kafka.brokers = bootstrap;
  kafka.topic = topic;
  auto reader = connect::new_committed_reader(kafka);
  int partitions = connect::topic_partitions(reader.get(), kafka);
  std::vector<connect::TopicMessage> out;
  for (int p = 0; p < partitions; ++p) {
    auto [low, high] = connect::partition_offsets(reader.get(), kafka, p);
    connect::read_partition_range(reader.get(), kafka, p, low, high,
                                  [&](connect::TopicMessage&& m) { out.push_back(std::move(m)); });
  }
  return out;
}

// How many times the topic holds each change (tx, seq) and each import.
struct TopicCount {
  std::map<std::pair<std::uint64_t, std::uint32_t>, int> changes;
  std::map<std::uint64_t, int> imports;
  int foreign = 0;  // messages that are not txgraph's
};
inline TopicCount count_topic(const std::vector<connect::TopicMessage>& messages) {
  TopicCount out;
  for (const auto& m : messages) {
    std::string why;
    auto h = connect::parse_stream_headers(m, &why);
    if (!h)
      ++out.foreign;
    else if (h->is_import())
      ++out.imports[h->import_number];
    else
      ++out.changes[{h->tx_id, h->seq}];
  }
  return out;
}

// How many times the topic holds each change id; with `snapshot_events` false, snapshot
// events (which the mock cluster may show twice, see kafka_kill_test.cc) are left out.
inline std::map<std::string, int> count_change_ids(const std::vector<connect::TopicMessage>& messages,
                                                   bool snapshot_events = true) {
  std::map<std::string, int> out;
  for (const auto& m : messages) {
    const std::string* id = m.header(connect::kHeaderChangeId);
    if (id && (snapshot_events || !nlohmann::json::parse(m.value).value("snapshot", false))) ++out[*id];
  }
  return out;
}

// Every change of the source, as (tx, seq).
inline std::vector<std::pair<std::uint64_t, std::uint32_t>> source_changes(const ChangeStream& stream) {
  std::vector<std::pair<std::uint64_t, std::uint32_t>> out;
  stream.query(stream.earliest(), {}, [&](const ChangeEvent& e) {
    out.emplace_back(e.tx_id, e.seq);
    return true;
  });
  return out;
}

// How many transactions with changes the source has after `from` (a transaction whose changes
// cancel out, a node created and deleted in it, has none).
inline std::uint64_t source_transactions(const ChangeStream& stream, const std::string& from) {
  std::set<std::uint64_t> txs;
  stream.query(from, {}, [&](const ChangeEvent& e) {
    txs.insert(e.tx_id);
    return true;
  });
  return txs.size();
}

}  // namespace txgraph::testing
