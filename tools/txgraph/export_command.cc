// txgraph export: the whole graph as JSON lines, nodes first, read from one snapshot.
#include <iostream>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>

#include "cdc/json_values.h"
#include "tools/txgraph/commands.h"

namespace txgraph::cli {

using namespace json;  // the JSON conventions shared with change events

void export_graph(const std::filesystem::path& dir, std::ostream& out) {
  auto db = open_for_reading(dir, std::cerr);
  {
    ReadTransaction read = db->begin_read();
    read.for_each_node([&out](const Node& node) {
      Json labels = Json::array();
      for (const std::string& label : node.labels) labels.push_back(label);
      out << json_line({{"elementId", element_id(node.id)},
                        {"labels", std::move(labels)},
                        {"properties", json_from_properties(node.properties)}})
          << '\n';
      return true;
    });
    read.for_each_relationship([&out](const Relationship& relationship) {
      out << json_line({{"elementId", element_id(relationship.id)},
                        {"type", relationship.type},
                        {"start", element_id(relationship.start)},
                        {"end", element_id(relationship.end)},
                        {"properties", json_from_properties(relationship.properties)}})
          << '\n';
      return true;
    });
  }
  out.flush();
  if (!out) throw std::runtime_error("writing the export failed");
  db->close();
}

Verb add_export_verb(CLI::App& app) {
  auto dir = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("export", "Print every node and relationship as JSON lines");
  cmd->footer(
      "Nodes first, then relationships, each in id order, all from one snapshot:\n"
      "  {\"elementId\":\"n:1\",\"labels\":[\"Person\"],\"properties\":{\"id\":1}}\n"
      "  {\"elementId\":\"r:1\",\"type\":\"KNOWS\",\"start\":\"n:1\",\"end\":\"n:2\",\"properties\":{}}\n"
      "Byte strings are written {\"$bytes\":\"<base64>\"}, as `txgraph run` reads them.");
  cmd->add_option("DIR", *dir, "Folder of the database")->check(folder_name())->required();
  return {cmd, [dir] { export_graph(*dir, std::cout); }};
}

}  // namespace txgraph::cli
