// An independent model of the graph, built by reading the log and applying its redo
// operations to plain maps. Crash tests compare the store with it: the store must equal a
// replay of the log.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "txgraph/txgraph.h"

namespace txgraph::testing {

struct ModelNode {
  std::set<std::string> labels;
  Properties properties;
  bool operator==(const ModelNode&) const = default;
};

struct ModelRelationship {
  std::string type;
  std::uint64_t start = 0;
  std::uint64_t end = 0;
  Properties properties;
  bool operator==(const ModelRelationship&) const = default;
};

struct LogModel {
  std::map<std::uint64_t, ModelNode> nodes;
  std::map<std::uint64_t, ModelRelationship> relationships;
  std::vector<std::uint64_t> tx_ids;                 // in log order
  std::map<std::uint64_t, std::set<std::int64_t>> tokens_created;  // tx id -> "token" values created
};

// Reads every segment of DIR/txlog. Fails the calling test on damage.
LogModel replay_log(const std::string& database_dir);

// The store's contents in the model's shape.
LogModel read_store(Database& db);

}  // namespace txgraph::testing
