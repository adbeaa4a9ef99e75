// A consumer's copy of a graph, built by applying change events as JSON lines (what `txgraph
// cdc query` prints and change_event_json() writes), checked as it goes: a create of an entity
// it holds, or an update or delete of one it lacks, is a problem (a duplicate or a gap).
// Compared with what `txgraph export` prints for the source.
#pragma once

#include <algorithm>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace txgraph::testing {

struct JsonGraph {
  using Json = nlohmann::json;
  std::map<std::string, Json> nodes;          // elementId -> {"labels": sorted, "properties"}
  std::map<std::string, Json> relationships;  // elementId -> {"type", "start", "end", "properties"}
  std::vector<std::string> problems;
  std::size_t applied = 0;

  static Json sorted(Json labels) {
    std::vector<std::string> out = labels.get<std::vector<std::string>>();
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

  // What goes (in `before`, not in `after`) and what is set (in `after`), in DIFF and FULL.
  static void update_properties(Json& properties, const Json& before, const Json& after) {
    for (auto it = before["properties"].begin(); it != before["properties"].end(); ++it)
      if (!after["properties"].contains(it.key())) properties.erase(it.key());
    for (auto it = after["properties"].begin(); it != after["properties"].end(); ++it)
      properties[it.key()] = it.value();
  }

  void apply(const Json& line) {
    ++applied;
    const Json& e = line.at("event");
    std::string id = e.at("elementId");
    std::string op = e.at("operation");
    const Json& state = e.at("state");
    bool node = e.at("eventType") == "n";
    auto& table = node ? nodes : relationships;
    auto it = table.find(id);
    std::string where = " (event " + std::string(line.at("id")) + ")";
    if (op == "c") {
      if (it != table.end()) {
        problems.push_back("created twice: " + id + where);
        return;
      }
      const Json& after = state.at("after");
      Json entity;
      if (node) {
        entity["labels"] = sorted(after.at("labels"));
      } else {
        entity["type"] = e.at("type");
        entity["start"] = e.at("start").at("elementId");
        entity["end"] = e.at("end").at("elementId");
      }
      entity["properties"] = after.at("properties");
      table.emplace(id, std::move(entity));
      return;
    }
    if (it == table.end()) {
      problems.push_back((op == "u" ? "update of missing " : "delete of missing ") + id + where);
      return;
    }
    if (op == "d") {
      table.erase(it);
      return;
    }
    const Json& before = state.at("before");
    const Json& after = state.at("after");
    update_properties(it->second["properties"], before, after);
    if (node) {
      std::vector<std::string> labels = it->second["labels"].get<std::vector<std::string>>();
      for (const auto& gone : before.at("labels"))
        if (std::find(after.at("labels").begin(), after.at("labels").end(), gone) == after.at("labels").end())
          labels.erase(std::remove(labels.begin(), labels.end(), gone.get<std::string>()), labels.end());
      for (const auto& added : after.at("labels")) labels.push_back(added);
      it->second["labels"] = sorted(labels);
    }
  }

  void apply_line(const std::string& text) { apply(Json::parse(text)); }

  // From `txgraph export` output (or export_lines()).
  static JsonGraph from_export(const std::string& text) {
    JsonGraph g;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      Json j = Json::parse(line);
      std::string id = j.at("elementId");
      Json entity;
      if (j.contains("type")) {
        entity["type"] = j["type"];
        entity["start"] = j["start"];
        entity["end"] = j["end"];
        entity["properties"] = j["properties"];
        g.relationships.emplace(id, std::move(entity));
      } else {
        entity["labels"] = sorted(j["labels"]);
        entity["properties"] = j["properties"];
        g.nodes.emplace(id, std::move(entity));
      }
    }
    return g;
  }

  // The first few differences from `other`, empty when the graphs are equal.
  std::string differences(const JsonGraph& other) const {
    std::string out;
    int shown = 0;
    auto compare = [&](const std::map<std::string, Json>& a, const std::map<std::string, Json>& b) {
      for (const auto& [id, v] : a) {
        auto it = b.find(id);
        if (it == b.end()) {
          if (shown++ < 10) out += "only in the copy: " + id + " " + v.dump() + "\n";
        } else if (it->second != v) {
          if (shown++ < 10) out += "differs: " + id + " copy " + v.dump() + " source " + it->second.dump() + "\n";
        }
      }
      for (const auto& [id, v] : b)
        if (!a.contains(id) && shown++ < 10) out += "missing from the copy: " + id + " " + v.dump() + "\n";
    };
    compare(nodes, other.nodes);
    compare(relationships, other.relationships);
    return out;
  }
};

}  // namespace txgraph::testing
