// Selectors from JSON, with the field names Neo4j's CDC uses. Strict: an unknown field or a
// value of the wrong shape is refused, naming the field and showing what was given, never
// ignored, because a misspelt field that were ignored would silently widen what a query returns.
#include <fmt/format.h>

#include <array>
#include <stdexcept>
#include <string>
#include <string_view>

#include "cdc/json_values.h"
#include "txgraph/cdc.h"

namespace txgraph {

namespace {

using json::Json;

// Long enough to recognise a value, short enough to keep the message on one line.
constexpr std::size_t kShownValueBytes = 80;

[[noreturn]] void refuse(std::string_view field, std::string_view why) {
  throw Error(ErrorCode::kCdcInvalidSelector, fmt::format("selector field \"{}\": {}", field, why));
}

// Cut short without splitting a UTF-8 character.
std::string shortened(std::string_view text) {
  if (text.size() <= kShownValueBytes) return std::string(text);
  std::size_t cut = kShownValueBytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return fmt::format("{}...", text.substr(0, cut));
}

// A value as the user wrote it, near enough.
std::string shown(const Json& value) { return shortened(json::json_line(value)); }

std::string string_field(std::string_view field, const Json& value) {
  if (!value.is_string()) refuse(field, fmt::format("must be a string, not {}", shown(value)));
  return value.get<std::string>();
}

std::vector<std::string> names_field(std::string_view field, const Json& value) {
  auto wrong = [&] { refuse(field, fmt::format("must be an array of strings, not {}", shown(value))); };
  if (!value.is_array()) wrong();
  std::vector<std::string> names;
  names.reserve(value.size());
  for (const Json& item : value) {
    if (!item.is_string()) wrong();
    names.push_back(item.get<std::string>());
  }
  return names;
}

// `entry` names one member in value_from_json's messages ("property 'id': ...").
Properties properties_field(std::string_view field, const Json& value, std::string_view entry) {
  if (!value.is_object()) refuse(field, fmt::format("must be an object of property values, not {}", shown(value)));
  try {
    return json::properties_from_json(value, entry);
  } catch (const std::invalid_argument& e) {
    refuse(field, e.what());
  }
}

ChangeSelector::Select select_field(const Json& value) {
  std::string_view text = value.is_string() ? std::string_view(value.get_ref<const std::string&>()) : "";
  if (text == "e") return ChangeSelector::Select::kAny;
  if (text == "n") return ChangeSelector::Select::kNode;
  if (text == "r") return ChangeSelector::Select::kRelationship;
  if (text == "s") return ChangeSelector::Select::kSchema;
  refuse("select", fmt::format("must be \"e\", \"n\", \"r\" or \"s\", not {}", shown(value)));
}

ChangeOperation operation_field(const Json& value) {
  std::string_view text = value.is_string() ? std::string_view(value.get_ref<const std::string&>()) : "";
  if (text == "c") return ChangeOperation::kCreate;
  if (text == "u") return ChangeOperation::kUpdate;
  if (text == "d") return ChangeOperation::kDelete;
  refuse("operation", fmt::format("must be \"c\", \"u\" or \"d\", not {}", shown(value)));
}

// `start` / `end`: a node selector of its own; `field` prefixes its members' names in messages.
NodeMatch node_match_field(std::string_view field, const Json& value) {
  if (!value.is_object()) refuse(field, fmt::format("must be an object (a node selector), not {}", shown(value)));
  NodeMatch match;
  for (const auto& [name, member] : value.items()) {
    std::string member_field = fmt::format("{}.{}", field, name);
    if (name == "elementId")
      match.element_id = string_field(member_field, member);
    else if (name == "labels")
      match.labels = names_field(member_field, member);
    else if (name == "key")
      match.key = properties_field(member_field, member, "property");
    else
      refuse(member_field, "unknown field; a node selector takes \"elementId\", \"labels\" and \"key\"");
  }
  return match;
}

struct Field {
  std::string_view name;
  void (*read)(const Json& value, ChangeSelector& selector);
};

// In the order the documentation lists them; the message for an unknown field shows this list.
constexpr std::array kFields{
    Field{"select", [](const Json& v, ChangeSelector& s) { s.select = select_field(v); }},
    Field{"operation", [](const Json& v, ChangeSelector& s) { s.operation = operation_field(v); }},
    Field{"changesTo", [](const Json& v, ChangeSelector& s) { s.changes_to = names_field("changesTo", v); }},
    Field{"executingUser",
          [](const Json& v, ChangeSelector& s) { s.executing_user = string_field("executingUser", v); }},
    Field{"authenticatedUser",
          [](const Json& v, ChangeSelector& s) { s.authenticated_user = string_field("authenticatedUser", v); }},
    Field{"txMetadata",
          [](const Json& v, ChangeSelector& s) { s.tx_metadata = properties_field("txMetadata", v, "entry"); }},
    Field{"elementId", [](const Json& v, ChangeSelector& s) { s.element_id = string_field("elementId", v); }},
    Field{"key", [](const Json& v, ChangeSelector& s) { s.key = properties_field("key", v, "property"); }},
    Field{"labels", [](const Json& v, ChangeSelector& s) { s.labels = names_field("labels", v); }},
    Field{"type", [](const Json& v, ChangeSelector& s) { s.type = string_field("type", v); }},
    Field{"start", [](const Json& v, ChangeSelector& s) { s.start = node_match_field("start", v); }},
    Field{"end", [](const Json& v, ChangeSelector& s) { s.end = node_match_field("end", v); }},
    Field{"includeProperties",
          [](const Json& v, ChangeSelector& s) { s.include_properties = names_field("includeProperties", v); }},
    Field{"excludeProperties",
          [](const Json& v, ChangeSelector& s) { s.exclude_properties = names_field("excludeProperties", v); }},
};

[[noreturn]] void refuse_unknown(std::string_view name) {
  std::string known;
  for (const Field& field : kFields) known += fmt::format("{}\"{}\"", known.empty() ? "" : ", ", field.name);
  refuse(name, fmt::format("unknown field; a selector takes {}", known));
}

void read_field(std::string_view name, const Json& value, ChangeSelector& selector) {
  for (const Field& field : kFields) {
    if (field.name == name) {
      field.read(value, selector);
      return;
    }
  }
  refuse_unknown(name);
}

// A field present for the wrong kind is refused even when empty: it says the selector was
// written for the other kind. (SelectorSet checks the same of selectors built in C++.)
void refuse_fields_of_other_kind(const Json& object, ChangeSelector::Select select) {
  if (select == ChangeSelector::Select::kSchema) {
    for (const char* field : {"elementId", "key", "labels", "type", "start", "end", "changesTo", "includeProperties",
                              "excludeProperties"})
      if (object.contains(field)) refuse(field, "applies to entities only, not to select \"s\" (schema events)");
    if (object.contains("operation") && object["operation"] == "u")
      refuse("operation", "\"u\" does not apply to select \"s\": a key is created (\"c\") or dropped (\"d\")");
    return;
  }
  if (select == ChangeSelector::Select::kRelationship && object.contains("labels"))
    refuse("labels", "applies to nodes only, not to select \"r\"");
  if (select != ChangeSelector::Select::kNode) return;
  for (const char* field : {"type", "start", "end"})
    if (object.contains(field)) refuse(field, "applies to relationships only, not to select \"n\"");
}

Json parse_object(std::string_view text) {
  Json object;
  try {
    object = json::parse_json(text);
  } catch (const std::invalid_argument& e) {  // too deep, or an integer beyond 64 bits
    throw Error(ErrorCode::kCdcInvalidSelector, fmt::format("selector: {}", e.what()));
  } catch (const Json::exception& e) {  // parse_error, and out_of_range for a number like 1e9999
    throw Error(ErrorCode::kCdcInvalidSelector,
                fmt::format("selector is not valid JSON ({}): {}", e.what(), shortened(text)));
  }
  if (!object.is_object())
    throw Error(ErrorCode::kCdcInvalidSelector, fmt::format("selector must be a JSON object, not {}", shown(object)));
  return object;
}

}  // namespace

ChangeSelector parse_change_selector(std::string_view json) {
  Json object = parse_object(json);
  ChangeSelector selector;
  for (const auto& [name, value] : object.items()) read_field(name, value, selector);
  refuse_fields_of_other_kind(object, selector.select);
  return selector;
}

}  // namespace txgraph
