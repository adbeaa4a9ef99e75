#include "crash/log_model.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "txlog/log_directory.h"
#include "txlog/segment_reader.h"
#include "txlog/tx_record.h"

namespace txgraph::testing {

namespace {

void merge(Properties& into, const Properties& changes) {
  for (const auto& [k, v] : changes) {
    if (v.is_null()) {
      into.erase(k);
    } else {
      into[k] = v;
    }
  }
}

void apply(LogModel& m, const txlog::TxRecord& rec) {
  using txlog::OpCode;
  for (const auto& op : rec.ops) {
    switch (op.code) {
      case OpCode::kCreateNode: {
        ModelNode n;
        n.labels.insert(op.names.begin(), op.names.end());
        merge(n.properties, op.properties);
        auto token = n.properties.find("token");
        if (token != n.properties.end()) m.tokens_created[rec.header.tx_id].insert(token->second.as_int());
        m.nodes[op.id] = std::move(n);
        break;
      }
      case OpCode::kDeleteNode:
        m.nodes.erase(op.id);
        break;
      case OpCode::kSetNodeProperties:
        merge(m.nodes.at(op.id).properties, op.properties);
        break;
      case OpCode::kRemoveNodeProperties:
        for (const auto& k : op.names) m.nodes.at(op.id).properties.erase(k);
        break;
      case OpCode::kAddLabels:
        m.nodes.at(op.id).labels.insert(op.names.begin(), op.names.end());
        break;
      case OpCode::kRemoveLabels:
        for (const auto& l : op.names) m.nodes.at(op.id).labels.erase(l);
        break;
      case OpCode::kCreateRelationship: {
        ModelRelationship r{op.type, op.start, op.end, {}};
        merge(r.properties, op.properties);
        m.relationships[op.id] = std::move(r);
        break;
      }
      case OpCode::kDeleteRelationship:
        m.relationships.erase(op.id);
        break;
      case OpCode::kSetRelationshipProperties:
        merge(m.relationships.at(op.id).properties, op.properties);
        break;
      case OpCode::kRemoveRelationshipProperties:
        for (const auto& k : op.names) m.relationships.at(op.id).properties.erase(k);
        break;
      case OpCode::kCreateKey:
      case OpCode::kDropKey:
        break;
    }
  }
}

}  // namespace

LogModel replay_log(const std::string& database_dir) {
  LogModel m;
  txlog::Frame frame;
  for (const auto& seg : txlog::list_segments((std::filesystem::path(database_dir) / "txlog").string())) {
    txlog::SegmentReader reader(seg.path);
    for (;;) {
      auto next = reader.next(&frame);
      if (next == txlog::SegmentReader::Next::kEnd) break;
      // Recovery at open has already cut any torn tail, so any damage here is a failure.
      EXPECT_EQ(next, txlog::SegmentReader::Next::kRecord)
          << seg.path << " offset " << reader.problem_offset() << ": " << reader.problem();
      if (next != txlog::SegmentReader::Next::kRecord) return m;
      if (frame.type != txlog::RecordType::kTransaction) continue;
      auto rec = txlog::decode_tx_record(frame.payload);
      m.tx_ids.push_back(rec.header.tx_id);
      apply(m, rec);
    }
  }
  return m;
}

LogModel read_store(Database& db) {
  LogModel m;
  auto rd = db.begin_read();
  rd.for_each_node([&](const Node& n) {
    m.nodes[n.id.value] = ModelNode{{n.labels.begin(), n.labels.end()}, n.properties};
    return true;
  });
  rd.for_each_relationship([&](const Relationship& r) {
    m.relationships[r.id.value] = ModelRelationship{r.type, r.start.value, r.end.value, r.properties};
    return true;
  });
  return m;
}

}  // namespace txgraph::testing
