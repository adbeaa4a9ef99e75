// Selectors matched against the log's change records. What depends on the selector alone
// (element ids parsed, which kinds of entity it can select) is worked out once in the
// constructor; matching then only compares in place: it allocates nothing and copies no map.
#include "cdc/selector.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <string_view>

namespace txgraph::cdc {

namespace {

using Select = ChangeSelector::Select;

[[noreturn]] void refuse(std::size_t index, std::string_view message) {
  throw Error(ErrorCode::kCdcInvalidSelector, fmt::format("selector {}: {}", index, message));
}

bool contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// ---- Checking and compiling a selector -------------------------------------------------

void refuse_empty_names(std::size_t index, std::string_view field, const std::vector<std::string>& names) {
  if (contains(names, "")) refuse(index, fmt::format("{} holds an empty name", field));
}

// Which kinds of entity a selector can still select, narrowed field by field. Under select "e"
// a kind-specific field narrows the selector to its kind ({"labels":["Person"]} selects Person
// nodes); a field of the kind already ruled out is refused, since the selector could then
// select nothing and is surely a mistake.
class KindNarrowing {
 public:
  KindNarrowing(std::size_t index, Select select)
      : index_(index),
        select_(select),
        nodes_(select != Select::kRelationship),
        relationships_(select != Select::kNode) {}

  void require_nodes(std::string_view field) {
    if (select_ == Select::kRelationship)
      refuse(index_, fmt::format("{} applies to nodes only, not to select \"r\"", field));
    if (!nodes_)
      refuse(index_, fmt::format("{} applies to nodes only, but {} selects relationships", field, narrowed_by_));
    if (relationships_) narrow(field, relationships_);
  }

  void require_relationships(std::string_view field) {
    if (select_ == Select::kNode)
      refuse(index_, fmt::format("{} applies to relationships only, not to select \"n\"", field));
    if (!relationships_)
      refuse(index_, fmt::format("{} applies to relationships only, but {} selects nodes", field, narrowed_by_));
    if (nodes_) narrow(field, nodes_);
  }

  bool nodes() const { return nodes_; }
  bool relationships() const { return relationships_; }

 private:
  void narrow(std::string_view field, bool& ruled_out) {
    ruled_out = false;
    narrowed_by_ = field;
  }

  std::size_t index_;
  Select select_;
  bool nodes_;
  bool relationships_;
  std::string_view narrowed_by_;  // the field that ruled a kind out under select "e"
};

// The entity id of the selector's elementId; under select "e" the id's kind decides the kind.
std::uint64_t compile_element_id(std::size_t index, Select select, const std::string& text, KindNarrowing& kinds) {
  auto node = parse_node_element_id(text);
  auto relationship = parse_relationship_element_id(text);
  switch (select) {
    case Select::kNode:
      if (!node) refuse(index, fmt::format("elementId \"{}\" is not a node element id", text));
      return node->value;
    case Select::kRelationship:
      if (!relationship) refuse(index, fmt::format("elementId \"{}\" is not a relationship element id", text));
      return relationship->value;
    case Select::kAny:
      break;
  }
  if (node) {
    kinds.require_nodes("elementId");
    return node->value;
  }
  if (relationship) {
    kinds.require_relationships("elementId");
    return relationship->value;
  }
  refuse(index, fmt::format("elementId \"{}\" is neither a node nor a relationship element id", text));
}

// Checks a `start` / `end` node selector; returns the node id of its elementId, if any.
std::optional<std::uint64_t> compile_node_match(std::size_t index, std::string_view field, const NodeMatch& match) {
  refuse_empty_names(index, fmt::format("{}.labels", field), match.labels);
  if (!match.element_id) return std::nullopt;
  auto node = parse_node_element_id(*match.element_id);
  if (!node) refuse(index, fmt::format("{}.elementId \"{}\" is not a node element id", field, *match.element_id));
  return node->value;
}

void check_property_filters(std::size_t index, const ChangeSelector& selector) {
  refuse_empty_names(index, "includeProperties", selector.include_properties);
  refuse_empty_names(index, "excludeProperties", selector.exclude_properties);
  for (const auto& name : selector.include_properties)
    if (contains(selector.exclude_properties, name))
      refuse(index, fmt::format("\"{}\" is in both includeProperties and excludeProperties", name));
}

// ---- Matching ------------------------------------------------------------------------------

txlog::ChangeOperation log_operation(ChangeOperation operation) {
  switch (operation) {
    case ChangeOperation::kCreate:
      return txlog::ChangeOperation::kCreate;
    case ChangeOperation::kUpdate:
      return txlog::ChangeOperation::kUpdate;
    case ChangeOperation::kDelete:
      return txlog::ChangeOperation::kDelete;
  }
  return txlog::ChangeOperation::kUpdate;
}

// Every entry of `wanted` is in `actual` with an equal value.
bool holds_all(const Properties& actual, const Properties& wanted) {
  for (const auto& [name, value] : wanted) {
    auto found = actual.find(name);
    if (found == actual.end() || !(found->second == value)) return false;
  }
  return true;
}

bool any_key_holds(const std::vector<txlog::KeyValues>& keys, const Properties& wanted) {
  if (wanted.empty()) return true;
  return std::any_of(keys.begin(), keys.end(),
                     [&](const txlog::KeyValues& key) { return holds_all(key.properties, wanted); });
}

bool transaction_matches(const ChangeSelector& selector, const txlog::TxHeader& header) {
  if (selector.executing_user && *selector.executing_user != header.user) return false;
  if (selector.authenticated_user && *selector.authenticated_user != header.authenticated_user) return false;
  return holds_all(header.metadata, selector.tx_metadata);
}

const Value* find_property(const std::optional<txlog::EntityState>& state, const std::string& name) {
  if (!state) return nullptr;
  auto found = state->properties.find(name);
  return found == state->properties.end() ? nullptr : &found->second;
}

// A property changed when its value before differs from its value after, absence counting as
// a value of its own: so a create changes what it sets, a delete what it had, and a DIFF
// update (whose states hold only what changed) exactly the properties it lists.
bool property_changed(const txlog::Change& change, const std::string& name) {
  const Value* before = find_property(change.before, name);
  const Value* after = find_property(change.after, name);
  if (before == nullptr || after == nullptr) return before != after;
  return !(*before == *after);
}

bool all_changed(const txlog::Change& change, const std::vector<std::string>& names) {
  return std::all_of(names.begin(), names.end(),
                     [&](const std::string& name) { return property_changed(change, name); });
}

bool state_has_label(const std::optional<txlog::EntityState>& state, const std::string& label) {
  return state && contains(state->labels, label);
}

// The node's labels at commit, plus those its states list: in DIFF the states hold the labels
// removed (before) and added (after), so a label removed in this change still counts.
bool node_carries_all(const txlog::Change& change, const std::vector<std::string>& labels) {
  return std::all_of(labels.begin(), labels.end(), [&](const std::string& label) {
    return contains(change.labels, label) || state_has_label(change.before, label) ||
           state_has_label(change.after, label);
  });
}

bool node_reference_matches(const NodeMatch& match, std::optional<std::uint64_t> node_id,
                            const txlog::NodeReference& node) {
  if (node_id && *node_id != node.id) return false;
  for (const auto& label : match.labels)
    if (!contains(node.labels, label)) return false;
  return any_key_holds(node.keys, match.key);
}

bool keeps_property(const ChangeSelector& selector, const std::string& name) {
  if (!selector.include_properties.empty() && !contains(selector.include_properties, name)) return false;
  return !contains(selector.exclude_properties, name);
}

// Which selectors of a set select one change. Up to 64 selectors fit in one word, so that the
// usual project() call allocates nothing.
class SelectorMask {
 public:
  explicit SelectorMask(std::size_t count) {
    if (count > kWordBits) overflow_.resize(count);
  }
  void set(std::size_t index) {
    if (overflow_.empty())
      word_ |= std::uint64_t{1} << index;
    else
      overflow_[index] = true;
  }
  bool test(std::size_t index) const {
    if (overflow_.empty()) return (word_ >> index) & 1;
    return overflow_[index];
  }

 private:
  static constexpr std::size_t kWordBits = 64;
  std::uint64_t word_ = 0;
  std::vector<bool> overflow_;
};

}  // namespace

SelectorSet::Compiled SelectorSet::compile(const ChangeSelector& selector, std::size_t index) {
  Compiled compiled;
  KindNarrowing kinds(index, selector.select);
  // elementId first, so that a conflicting field names it as what ruled its kind out.
  if (selector.element_id) compiled.entity_id = compile_element_id(index, selector.select, *selector.element_id, kinds);
  if (!selector.labels.empty()) kinds.require_nodes("labels");
  if (selector.type) kinds.require_relationships("type");
  if (selector.start) kinds.require_relationships("start");
  if (selector.end) kinds.require_relationships("end");
  compiled.selects_nodes = kinds.nodes();
  compiled.selects_relationships = kinds.relationships();

  refuse_empty_names(index, "labels", selector.labels);
  refuse_empty_names(index, "changesTo", selector.changes_to);
  if (selector.start) compiled.start_id = compile_node_match(index, "start", *selector.start);
  if (selector.end) compiled.end_id = compile_node_match(index, "end", *selector.end);
  check_property_filters(index, selector);
  compiled.filters_properties = !selector.include_properties.empty() || !selector.exclude_properties.empty();
  return compiled;
}

SelectorSet::SelectorSet(std::vector<ChangeSelector> selectors) : selectors_(std::move(selectors)) {
  compiled_.reserve(selectors_.size());
  for (std::size_t index = 0; index < selectors_.size(); ++index) {
    compiled_.push_back(compile(selectors_[index], index));
    filters_properties_ = filters_properties_ || compiled_.back().filters_properties;
  }
}

bool SelectorSet::may_select_transaction(const txlog::TxHeader& header) const {
  if (selectors_.empty()) return true;
  return std::any_of(selectors_.begin(), selectors_.end(),
                     [&](const ChangeSelector& selector) { return transaction_matches(selector, header); });
}

bool SelectorSet::selects(const txlog::TxHeader& header, const txlog::Change& change) const {
  if (selectors_.empty()) return true;
  for (std::size_t index = 0; index < selectors_.size(); ++index)
    if (selector_selects(index, header, change)) return true;
  return false;
}

// Cheap comparisons first; the kind-specific fields were reduced to selects_nodes /
// selects_relationships by compile(), so a node change never meets `type` and a relationship
// change never meets `labels`.
bool SelectorSet::selector_selects(std::size_t index, const txlog::TxHeader& header,
                                   const txlog::Change& change) const {
  const ChangeSelector& selector = selectors_[index];
  const Compiled& compiled = compiled_[index];
  bool node = change.entity == txlog::ChangeEntity::kNode;
  if (node ? !compiled.selects_nodes : !compiled.selects_relationships) return false;
  if (selector.operation && log_operation(*selector.operation) != change.operation) return false;
  if (compiled.entity_id && *compiled.entity_id != change.id) return false;
  if (!transaction_matches(selector, header)) return false;
  if (!any_key_holds(change.keys, selector.key)) return false;
  if (!all_changed(change, selector.changes_to)) return false;
  if (node) return node_carries_all(change, selector.labels);
  if (selector.type && *selector.type != change.type) return false;
  if (selector.start && !node_reference_matches(*selector.start, compiled.start_id, change.start)) return false;
  if (selector.end && !node_reference_matches(*selector.end, compiled.end_id, change.end)) return false;
  return true;
}

void SelectorSet::project(const txlog::TxHeader& header, const txlog::Change& change, ChangeEvent& event) const {
  if (!filters_properties_) return;
  SelectorMask selecting(selectors_.size());
  bool any_selects = false;
  for (std::size_t index = 0; index < selectors_.size(); ++index) {
    if (!selector_selects(index, header, change)) continue;
    // A selecting selector that filters nothing keeps every property: the union is everything.
    if (!compiled_[index].filters_properties) return;
    selecting.set(index);
    any_selects = true;
  }
  if (!any_selects) return;

  auto dropped = [&](const std::pair<const std::string, Value>& property) {
    for (std::size_t index = 0; index < selectors_.size(); ++index)
      if (selecting.test(index) && keeps_property(selectors_[index], property.first)) return false;
    return true;
  };
  if (event.before) std::erase_if(event.before->properties, dropped);
  if (event.after) std::erase_if(event.after->properties, dropped);
}

}  // namespace txgraph::cdc
