// Parses one `txgraph run` line and applies it through the public write API. The line is
// applied in one WriteTransaction, so a failure anywhere leaves the database as it was.
#include "tools/txgraph/transaction_line.h"

#include <initializer_list>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cdc/json_values.h"

namespace txgraph::cli {

using namespace json;  // the JSON conventions shared with change events

namespace {

[[noreturn]] void refuse(std::string_view why) { throw std::invalid_argument(std::string(why)); }

// Refuses fields the grammar does not know, so that "propeties" is an error, not a no-op.
void check_fields(const Json& object, std::initializer_list<std::string_view> known, std::string_view what) {
  for (const auto& [key, value] : object.items()) {
    bool found = false;
    for (std::string_view k : known) found = found || k == key;
    if (!found) {
      std::string names;
      for (std::string_view k : known) names += fmt::format("{}\"{}\"", names.empty() ? "" : ", ", k);
      refuse(fmt::format("unknown field \"{}\" in {} (known: {})", key, what, names));
    }
  }
}

const Json* field(const Json& object, std::string_view name) {
  auto it = object.find(name);
  return it == object.end() ? nullptr : &*it;
}

// `where` names the enclosing object when the message would not otherwise say it.
const Json& required_field(const Json& object, std::string_view name, std::string_view where = {}) {
  const Json* found = field(object, name);
  if (found == nullptr)
    refuse(fmt::format("missing field \"{}\"{}{}", name, where.empty() ? "" : " in ", where));
  return *found;
}

std::string string_of(const Json& json, std::string_view name) {
  if (!json.is_string() || json.get_ref<const std::string&>().empty())
    refuse(fmt::format("\"{}\" must be a non-empty string, not {}", name, json_line(json)));
  return json.get<std::string>();
}

std::vector<std::string> strings_of(const Json& json, std::string_view name) {
  if (!json.is_array())
    refuse(fmt::format("\"{}\" must be an array of strings, not {}", name, json_line(json)));
  std::vector<std::string> out;
  for (const Json& item : json) out.push_back(string_of(item, name));
  return out;
}

class OpApplier {
 public:
  explicit OpApplier(WriteTransaction& tx) : tx_(tx) {}

  void apply(const Json& op) {
    if (!op.is_object()) refuse(fmt::format("an op must be an object, not {}", json_line(op)));
    const std::string kind = string_of(required_field(op, "op"), "op");
    if (kind == "create_node")
      create_node(op);
    else if (kind == "create_relationship")
      create_relationship(op);
    else if (kind == "set_properties")
      set_properties(op);
    else if (kind == "remove_properties")
      remove_properties(op);
    else if (kind == "add_labels")
      change_labels(op, true);
    else if (kind == "remove_labels")
      change_labels(op, false);
    else if (kind == "delete_relationship")
      delete_relationship(op);
    else if (kind == "delete_node")
      delete_node(op);
    else
      refuse(
          fmt::format("unknown op \"{}\" (known: create_node, create_relationship, set_properties, "
                      "remove_properties, add_labels, remove_labels, delete_relationship, delete_node)",
                      kind));
  }

 private:
  void create_node(const Json& op) {
    check_fields(op, {"op", "as", "labels", "properties"}, "create_node");
    std::string name = new_variable(op);
    const Json* labels = field(op, "labels");
    const Json* properties = field(op, "properties");
    NodeId id = tx_.create_node(labels ? strings_of(*labels, "labels") : std::vector<std::string>{},
                                properties ? properties_from_json(*properties, "property") : Properties{});
    if (!name.empty()) nodes_[name] = id;
  }

  void create_relationship(const Json& op) {
    check_fields(op, {"op", "as", "type", "start", "end", "properties"}, "create_relationship");
    std::string name = new_variable(op);
    std::string type = string_of(required_field(op, "type"), "type");
    NodeId start = node_ref(required_field(op, "start"));
    NodeId end = node_ref(required_field(op, "end"));
    const Json* properties = field(op, "properties");
    RelationshipId id = tx_.create_relationship(
        type, start, end, properties ? properties_from_json(*properties, "property") : Properties{});
    if (!name.empty()) relationships_[name] = id;
  }

  void set_properties(const Json& op) {
    check_fields(op, {"op", "node", "relationship", "properties"}, "set_properties");
    Properties properties = properties_from_json(required_field(op, "properties"), "property");
    if (targets_node(op))
      tx_.set_node_properties(node_ref(op["node"]), properties);
    else
      tx_.set_relationship_properties(relationship_ref(op["relationship"]), properties);
  }

  void remove_properties(const Json& op) {
    check_fields(op, {"op", "node", "relationship", "keys"}, "remove_properties");
    std::vector<std::string> keys = strings_of(required_field(op, "keys"), "keys");
    if (targets_node(op))
      tx_.remove_node_properties(node_ref(op["node"]), keys);
    else
      tx_.remove_relationship_properties(relationship_ref(op["relationship"]), keys);
  }

  void change_labels(const Json& op, bool add) {
    check_fields(op, {"op", "node", "labels"}, add ? "add_labels" : "remove_labels");
    NodeId node = node_ref(required_field(op, "node"));
    std::vector<std::string> labels = strings_of(required_field(op, "labels"), "labels");
    if (add)
      tx_.add_labels(node, labels);
    else
      tx_.remove_labels(node, labels);
  }

  void delete_relationship(const Json& op) {
    check_fields(op, {"op", "relationship"}, "delete_relationship");
    tx_.delete_relationship(relationship_ref(required_field(op, "relationship")));
  }

  void delete_node(const Json& op) {
    check_fields(op, {"op", "node", "detach"}, "delete_node");
    NodeId node = node_ref(required_field(op, "node"));
    bool detach = false;
    if (const Json* d = field(op, "detach")) {
      if (!d->is_boolean()) refuse(fmt::format("\"detach\" must be true or false, not {}", json_line(*d)));
      detach = d->get<bool>();
    }
    tx_.delete_node(node, detach);
  }

  // set_properties and remove_properties name exactly one of "node" and "relationship".
  static bool targets_node(const Json& op) {
    bool node = op.contains("node");
    if (node == op.contains("relationship"))
      refuse(fmt::format("\"{}\" needs exactly one of \"node\" and \"relationship\"",
                         op["op"].get<std::string>()));
    return node;
  }

  // The "as" name of a create op, or "" when it has none.
  std::string new_variable(const Json& op) {
    const Json* as = field(op, "as");
    if (as == nullptr) return {};
    std::string name = string_of(*as, "as");
    if (name.front() == '$')
      refuse(fmt::format("\"as\" takes a bare name: write \"as\":\"{0}\" and refer to it as \"${0}\"",
                         name.substr(1)));
    if (nodes_.contains(name) || relationships_.contains(name))
      refuse(fmt::format("\"as\":\"{}\" is already used on this line", name));
    return name;
  }

  NodeId node_ref(const Json& ref) {
    if (ref.is_string() && ref.get_ref<const std::string&>().starts_with("$")) {
      std::string name = ref.get<std::string>().substr(1);
      if (auto it = nodes_.find(name); it != nodes_.end()) return it->second;
      if (relationships_.contains(name)) refuse(fmt::format("${} names a relationship, not a node", name));
      refuse(fmt::format("unknown reference ${} (no earlier op on this line has \"as\":\"{}\")", name, name));
    }
    if (ref.is_object() && ref.contains("elementId")) {
      check_fields(ref, {"elementId"}, "a node reference");
      const Json& text = ref["elementId"];
      auto id = text.is_string() ? parse_node_element_id(text.get<std::string>()) : std::nullopt;
      if (!id) refuse(fmt::format("{} is not a node element id (those look like \"n:42\")", json_line(text)));
      if (!tx_.get_node(*id))
        throw Error(ErrorCode::kNotFound, fmt::format("node {} does not exist", element_id(*id)));
      return *id;
    }
    if (ref.is_object() && ref.contains("label")) {
      check_fields(ref, {"label", "key"}, "a node reference");
      std::string label = string_of(ref["label"], "label");
      Properties key = properties_from_json(required_field(ref, "key", "a node reference"), "key property");
      if (key.empty()) refuse("\"key\" must name at least one property");
      auto id = tx_.find_node(label, key);
      if (!id)
        throw Error(ErrorCode::kNotFound,
                    fmt::format("no {} node has the key {}", label, json_line(json_from_properties(key))));
      return *id;
    }
    refuse(
        fmt::format("bad node reference {}: write \"$var\", {{\"elementId\": \"n:…\"}} or "
                    "{{\"label\": …, \"key\": {{…}}}}",
                    json_line(ref)));
  }

  RelationshipId relationship_ref(const Json& ref) {
    if (ref.is_string() && ref.get_ref<const std::string&>().starts_with("$")) {
      std::string name = ref.get<std::string>().substr(1);
      if (auto it = relationships_.find(name); it != relationships_.end()) return it->second;
      if (nodes_.contains(name)) refuse(fmt::format("${} names a node, not a relationship", name));
      refuse(fmt::format("unknown reference ${} (no earlier op on this line has \"as\":\"{}\")", name, name));
    }
    if (ref.is_object() && ref.contains("elementId")) {
      check_fields(ref, {"elementId"}, "a relationship reference");
      const Json& text = ref["elementId"];
      auto id = text.is_string() ? parse_relationship_element_id(text.get<std::string>()) : std::nullopt;
      if (!id)
        refuse(fmt::format("{} is not a relationship element id (those look like \"r:7\")", json_line(text)));
      if (!tx_.get_relationship(*id))
        throw Error(ErrorCode::kNotFound, fmt::format("relationship {} does not exist", element_id(*id)));
      return *id;
    }
    refuse(fmt::format("bad relationship reference {}: write \"$var\" or {{\"elementId\": \"r:…\"}}",
                       json_line(ref)));
  }

  WriteTransaction& tx_;
  std::map<std::string, NodeId, std::less<>> nodes_;
  std::map<std::string, RelationshipId, std::less<>> relationships_;
};

TxInfo tx_info_of(const Json& line) {
  TxInfo info;
  // Change events say the tool wrote it (connectionType "cli"); no network connection.
  info.connection_type = "cli";
  if (const Json* user = field(line, "user")) info.user = string_of(*user, "user");
  if (const Json* metadata = field(line, "metadata"))
    info.metadata = properties_from_json(*metadata, "metadata");
  return info;
}

// `verb` is "create_key" or "drop_key": both name a key the same way.
KeyConstraint key_constraint_of(const Json& spec, const std::string& verb) {
  if (!spec.is_object()) refuse(fmt::format("\"{}\" must be an object", verb));
  check_fields(spec, {"label", "type", "properties"}, verb);
  KeyConstraint key;
  if (spec.contains("label") == spec.contains("type"))
    refuse(fmt::format("\"{}\" needs exactly one of \"label\" (a node key) and \"type\" (a relationship key)", verb));
  key.kind = spec.contains("label") ? EntityKind::kNode : EntityKind::kRelationship;
  key.label_or_type =
      spec.contains("label") ? string_of(spec["label"], "label") : string_of(spec["type"], "type");
  key.properties = strings_of(required_field(spec, "properties", verb), "properties");
  if (key.properties.empty()) refuse(fmt::format("\"{}\" needs at least one property", verb));
  return key;
}

Json parse_line(std::string_view line) {
  Json json;
  try {
    json = parse_json(line);
  } catch (const Json::exception& e) {  // parse_error, and out_of_range for a number like 1e9999
    // nlohmann's message says where the text went wrong; drop its "[json.exception…] " tag.
    std::string_view what = e.what();
    if (auto bracket = what.find("] "); what.starts_with("[json.exception") && bracket != what.npos)
      what.remove_prefix(bracket + 2);
    // The text is one line, so "at line 1, column 7" says no more than "at column 7".
    std::string message(what);
    if (auto at = message.find("at line 1, column "); at != std::string::npos) message.erase(at + 3, 8);
    refuse(fmt::format("bad JSON: {}", message));
  }
  if (!json.is_object()) refuse(fmt::format("a line must be a JSON object, not {}", json_line(json)));
  return json;
}

}  // namespace

std::uint64_t apply_transaction_line(Database& db, std::string_view line) {
  Json json = parse_line(line);
  // A WriteTransaction that is neither committed nor aborted aborts when it goes out of scope,
  // so every throw below leaves the database untouched.
  for (const std::string verb : {"create_key", "drop_key"}) {
    if (!json.contains(verb)) continue;
    check_fields(json, {verb, "user", "metadata"}, "a schema line");
    KeyConstraint key = key_constraint_of(json[verb], verb);
    WriteTransaction tx = db.begin_write(tx_info_of(json));
    if (verb == "create_key")
      tx.create_key(key);
    else
      tx.drop_key(key);
    return tx.commit();
  }
  check_fields(json, {"user", "metadata", "ops"}, "a transaction line");
  if (!json.contains("ops"))
    refuse("a line needs \"ops\" (a transaction), or \"create_key\" or \"drop_key\" (a schema line)");
  const Json& ops = json["ops"];
  if (!ops.is_array()) refuse("\"ops\" must be an array");
  WriteTransaction tx = db.begin_write(tx_info_of(json));
  OpApplier applier(tx);
  for (std::size_t i = 0; i < ops.size(); ++i) {
    // Name the op in a message by its place on the line and, when it has one, its kind.
    const Json* kind = ops[i].is_object() ? field(ops[i], "op") : nullptr;
    std::string where = kind && kind->is_string() ? fmt::format("op {} ({})", i + 1, kind->get<std::string>())
                                                  : fmt::format("op {}", i + 1);
    try {
      applier.apply(ops[i]);
    } catch (const Error& e) {
      throw Error(e.code(), fmt::format("{}: {}", where, e.what()));
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(fmt::format("{}: {}", where, e.what()));
    }
  }
  return tx.commit();
}

}  // namespace txgraph::cli
