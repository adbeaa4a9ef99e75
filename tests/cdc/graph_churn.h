// A writer that keeps committing creates, updates, deletes and relationship churn to a
// database from a thread of its own, until stopped; and the graph as `txgraph export` prints
// it, for comparing a consumer's copy with its source.
#pragma once

#include <atomic>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cdc/json_values.h"
#include "txgraph/txgraph.h"

namespace txgraph::testing {

class GraphChurn {
 public:
  // Seeds `nodes` nodes (a key constraint on Person.id) and `relationships` relationships.
  GraphChurn(Database& db, std::uint64_t seed, int nodes, int relationships) : db_(db), random_(seed) {
    auto tx = db_.begin_write({"seed", "", {}});
    tx.create_key({EntityKind::kNode, "Person", {"id"}});
    for (int i = 0; i < nodes; ++i) create_node(tx);
    for (int i = 0; i < relationships; ++i) create_relationship(tx);
    tx.commit();
  }
  ~GraphChurn() { stop(); }

  void start() {
    thread_ = std::thread([this] {
      while (!stopping_) {
        one_transaction();
        ++commits_;
      }
    });
  }
  void stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::uint64_t commits() const { return commits_; }

  // One transaction of 1 to 4 random changes.
  void one_transaction() {
    auto tx = db_.begin_write({"churn", "", {}});
    int n = 1 + static_cast<int>(random_() % 4);
    for (int i = 0; i < n; ++i) {
      switch (random_() % 9) {
        case 0:
        case 1:
          create_node(tx);
          break;
        case 2:
          if (auto id = pick(nodes_)) tx.set_node_properties(*id, {{"v", Value(static_cast<std::int64_t>(random_() % 1000))}, {"gone", Value(nullptr)}});
          break;
        case 3:
          if (auto id = pick(nodes_)) {
            if (random_() % 2) tx.add_labels(*id, {"Tagged"});
            else tx.remove_labels(*id, {"Tagged"});
          }
          break;
        case 4:
          if (auto id = pick(nodes_)) {
            tx.delete_node(*id, true);
            forget(nodes_, *id);
            // Its relationships are gone too: forget those that ended there.
            std::vector<RelationshipId> alive;
            for (auto r : relationships_)
              if (tx.get_relationship(r)) alive.push_back(r);
            relationships_ = std::move(alive);
          }
          break;
        case 5:
        case 6:
          create_relationship(tx);
          break;
        case 7:
          if (auto id = pick(relationships_)) {
            tx.delete_relationship(*id);
            forget(relationships_, *id);
          }
          break;
        case 8:
          if (auto id = pick(relationships_))
            tx.set_relationship_properties(*id, {{"w", Value(static_cast<std::int64_t>(random_() % 100))}});
          break;
      }
    }
    tx.commit();
  }

 private:
  template <class Id>
  std::optional<Id> pick(const std::vector<Id>& ids) {
    if (ids.empty()) return std::nullopt;
    return ids[random_() % ids.size()];
  }
  template <class Id>
  static void forget(std::vector<Id>& ids, Id id) {
    for (auto& x : ids)
      if (x == id) {
        x = ids.back();
        ids.pop_back();
        return;
      }
  }
  void create_node(WriteTransaction& tx) {
    bool person = random_() % 2;
    Properties p{{"v", Value(static_cast<std::int64_t>(random_() % 1000))}, {"gone", Value(std::string("x"))}};
    if (person) p["id"] = Value(static_cast<std::int64_t>(next_key_++));
    nodes_.push_back(tx.create_node({person ? "Person" : "Item"}, p));
  }
  void create_relationship(WriteTransaction& tx) {
    auto a = pick(nodes_), b = pick(nodes_);
    if (!a || !b) return;
    relationships_.push_back(
        tx.create_relationship(random_() % 2 ? "KNOWS" : "LIKES", *a, *b, {{"w", Value(std::int64_t{1})}}));
  }

  Database& db_;
  std::mt19937_64 random_;
  std::vector<NodeId> nodes_;
  std::vector<RelationshipId> relationships_;
  std::int64_t next_key_ = 1;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> commits_{0};
  std::thread thread_;
};

// The graph as `txgraph export` prints it: one JSON line per node, then per relationship.
inline std::string export_lines(const Database& db) {
  std::string out;
  auto read = db.begin_read();
  read.for_each_node([&](const Node& n) {
    nlohmann::json j;
    j["elementId"] = element_id(n.id);
    j["labels"] = n.labels;
    j["properties"] = nlohmann::json::parse(json::json_from_properties(n.properties).dump());
    out += j.dump() + "\n";
    return true;
  });
  read.for_each_relationship([&](const Relationship& r) {
    nlohmann::json j;
    j["elementId"] = element_id(r.id);
    j["type"] = r.type;
    j["start"] = element_id(r.start);
    j["end"] = element_id(r.end);
    j["properties"] = nlohmann::json::parse(json::json_from_properties(r.properties).dump());
    out += j.dump() + "\n";
    return true;
  });
  return out;
}

}  // namespace txgraph::testing
