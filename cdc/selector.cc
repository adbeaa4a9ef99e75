// Selectors matched against the log's change records. What depends on the selector alone
// (element ids parsed, which kinds of entity it can select, its values encoded as the log
// encodes them) is worked out once in the constructor; matching then only compares in place:
// it allocates nothing and copies no map. One matching flow serves both forms of a change
// record, the decoded one and the encoded one the reader looks at before decoding anything.
#include "cdc/selector.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <string_view>

#include "txlog/value_codec.h"

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
    case Select::kSchema:  // refused before: compile() takes schema selectors apart
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

bool state_has_label(const std::optional<txlog::EntityState>& state, const std::string& label) {
  return state && contains(state->labels, label);
}

bool node_reference_matches(const NodeMatch& match, std::optional<std::uint64_t> node_id,
                            const txlog::NodeReference& node) {
  if (node_id && *node_id != node.id) return false;
  for (const auto& label : match.labels)
    if (!contains(node.labels, label)) return false;
  return any_key_holds(node.keys, match.key);
}

// A decoded change record, as matches() asks it. Each question gets the selector's values in
// both forms, decoded and encoded, and uses the one that fits.
class DecodedRecord {
 public:
  DecodedRecord(const txlog::TxHeader& header, const txlog::Change& change) : header_(header), change_(change) {}

  bool node() const { return change_.entity == txlog::ChangeEntity::kNode; }
  txlog::ChangeOperation operation() const { return change_.operation; }
  std::uint64_t id() const { return change_.id; }
  bool transaction_matches(const ChangeSelector& selector, const EncodedValues&) const {
    return cdc::transaction_matches(selector, header_);
  }
  bool key_holds(const Properties& wanted, const EncodedValues&) const { return any_key_holds(change_.keys, wanted); }
  bool changed(const std::string& name) const { return property_changed(change_, name); }
  // The node's labels at commit, plus those its states list: in DIFF the states hold the
  // labels removed (before) and added (after), so a label removed in this change still counts.
  bool carries(const std::string& label) const {
    return contains(change_.labels, label) || state_has_label(change_.before, label) ||
           state_has_label(change_.after, label);
  }
  bool has_type(const std::string& type) const { return change_.type == type; }
  bool endpoint_matches(bool start, const NodeMatch& match, std::optional<std::uint64_t> node_id,
                        const EncodedValues&) const {
    return node_reference_matches(match, node_id, start ? change_.start : change_.end);
  }

 private:
  const txlog::TxHeader& header_;
  const txlog::Change& change_;
};

// ---- Matching encoded records ---------------------------------------------------------------

// Every wanted entry is in the encoded `properties` with an equal value.
bool holds_all_encoded(std::string_view properties, const EncodedValues& wanted) {
  for (const auto& [name, value] : wanted)
    if (!txlog::encoded_values_equal(txlog::find_encoded_property(properties, name), value)) return false;
  return true;
}

bool any_encoded_key_holds(std::string_view keys, const EncodedValues& wanted) {
  if (wanted.empty()) return true;
  txlog::ByteReader in(keys, "keys");
  std::uint64_t n = keys.empty() ? 0 : in.varint();
  for (std::uint64_t i = 0; i < n; ++i) {
    in.str();  // the key's label
    if (holds_all_encoded(txlog::skip_properties(in), wanted)) return true;
  }
  return false;
}

bool header_matches(const ChangeSelector& selector, const EncodedValues& metadata, const txlog::TxHeaderView& header) {
  if (selector.executing_user && *selector.executing_user != header.user) return false;
  if (selector.authenticated_user && *selector.authenticated_user != header.authenticated_user) return false;
  return holds_all_encoded(header.metadata, metadata);
}

bool encoded_null(std::string_view value) { return value.size() == 1 && value[0] == 0; }

// A change of a record read in place, as matches() asks it: the same answers as DecodedRecord
// gives for the record decode_tx_record makes of the same bytes.
class EncodedRecord {
 public:
  EncodedRecord(txlog::TxRecordView& record, std::size_t index)
      : record_(record), index_(index), change_(record.changes()[index]) {}

  bool node() const { return change_.entity == txlog::ChangeEntity::kNode; }
  txlog::ChangeOperation operation() const { return change_.operation; }
  std::uint64_t id() const { return change_.id; }
  bool transaction_matches(const ChangeSelector& selector, const EncodedValues& metadata) const {
    return header_matches(selector, metadata, record_.header());
  }
  bool key_holds(const Properties&, const EncodedValues& wanted) const {
    return any_encoded_key_holds(change_.keys, wanted);
  }
  // As property_changed(): absence counts as a value of its own.
  bool changed(const std::string& name) const {
    std::string_view before = change_.before.present ? txlog::find_encoded_property(change_.before.properties, name)
                                                     : std::string_view();
    std::string_view after = change_.after_from_operations ? created_value(name)
                             : change_.after.present ? txlog::find_encoded_property(change_.after.properties, name)
                                                     : std::string_view();
    if (before.empty() || after.empty()) return before.empty() != after.empty();
    return !txlog::encoded_values_equal(before, after);
  }
  bool carries(const std::string& label) const {
    if (txlog::names_contain(change_.labels, label)) return true;
    if (change_.before.present && txlog::names_contain(change_.before.labels, label)) return true;
    if (change_.after.present && txlog::names_contain(change_.after.labels, label)) return true;
    return change_.after_from_operations && created_with_label(label);
  }
  bool has_type(const std::string& type) const { return change_.type == type; }
  bool endpoint_matches(bool start, const NodeMatch& match, std::optional<std::uint64_t> node_id,
                        const EncodedValues& key) const {
    const txlog::NodeReferenceView& node = start ? change_.start : change_.end;
    if (node_id && *node_id != node.id) return false;
    for (const auto& label : match.labels)
      if (!txlog::names_contain(node.labels, label)) return false;
    return any_encoded_key_holds(node.keys, key);
  }

 private:
  // A create by reference has its after-state in the record's operations on the entity, which
  // apply in order (txlog/FORMAT.md, "Enrichment"): follow one property or label through them.
  std::string_view created_value(const std::string& name) const {
    std::string_view value;
    for (std::uint32_t index : record_.operations_on(index_)) {
      const txlog::OperationView& op = record_.operations()[index];
      switch (op.code) {
        case txlog::OpCode::kCreateNode:
        case txlog::OpCode::kCreateRelationship:
        case txlog::OpCode::kSetNodeProperties:
        case txlog::OpCode::kSetRelationshipProperties: {
          std::string_view set = txlog::find_encoded_property(op.properties, name);
          if (!set.empty()) value = encoded_null(set) ? std::string_view() : set;
          break;
        }
        case txlog::OpCode::kRemoveNodeProperties:
        case txlog::OpCode::kRemoveRelationshipProperties:
          if (txlog::names_contain(op.names, name)) value = {};
          break;
        default:
          break;
      }
    }
    return value;
  }

  bool created_with_label(const std::string& label) const {
    bool carried = false;
    for (std::uint32_t index : record_.operations_on(index_)) {
      const txlog::OperationView& op = record_.operations()[index];
      if (op.code == txlog::OpCode::kCreateNode || op.code == txlog::OpCode::kAddLabels) {
        carried = carried || txlog::names_contain(op.names, label);
      } else if (op.code == txlog::OpCode::kRemoveLabels && txlog::names_contain(op.names, label)) {
        carried = false;
      }
    }
    return carried;
  }

  txlog::TxRecordView& record_;
  std::size_t index_;
  const txlog::ChangeView& change_;
};

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

EncodedValues encoded(const Properties& properties) {
  EncodedValues out;
  for (const auto& [name, value] : properties) out.emplace_back(name, txlog::encoded_value(value));
  return out;
}

}  // namespace

SelectorSet::Compiled SelectorSet::compile(const ChangeSelector& selector, std::size_t index) {
  Compiled compiled;
  if (selector.select == Select::kSchema) {
    // A schema event has no entity: only the operation and the transaction's fields apply.
    auto entity_field = [&](bool given, std::string_view field) {
      if (given) refuse(index, fmt::format("{} applies to entities only, not to select \"s\" (schema events)", field));
    };
    entity_field(selector.element_id.has_value(), "elementId");
    entity_field(!selector.key.empty(), "key");
    entity_field(!selector.labels.empty(), "labels");
    entity_field(selector.type.has_value(), "type");
    entity_field(selector.start.has_value(), "start");
    entity_field(selector.end.has_value(), "end");
    entity_field(!selector.changes_to.empty(), "changesTo");
    entity_field(!selector.include_properties.empty(), "includeProperties");
    entity_field(!selector.exclude_properties.empty(), "excludeProperties");
    if (selector.operation == ChangeOperation::kUpdate)
      refuse(index, "operation \"u\" does not apply to select \"s\": a key is created (\"c\") or dropped (\"d\")");
    compiled.selects_nodes = compiled.selects_relationships = false;
    compiled.selects_schema = true;
    compiled.tx_metadata = encoded(selector.tx_metadata);
    return compiled;
  }
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
  compiled.tx_metadata = encoded(selector.tx_metadata);
  compiled.key = encoded(selector.key);
  if (selector.start) compiled.start_key = encoded(selector.start->key);
  if (selector.end) compiled.end_key = encoded(selector.end->key);
  auto& names = compiled.names_in_record;
  auto add_names = [&](const std::vector<std::string>& more) { names.insert(names.end(), more.begin(), more.end()); };
  auto add_keys = [&](const Properties& key) {
    for (const auto& entry : key) names.push_back(entry.first);
  };
  add_names(selector.labels);
  add_names(selector.changes_to);
  add_keys(selector.key);
  if (selector.type) names.push_back(*selector.type);
  for (const auto& endpoint : {selector.start, selector.end}) {
    if (!endpoint) continue;
    add_names(endpoint->labels);
    add_keys(endpoint->key);
  }
  return compiled;
}

SelectorSet::SelectorSet(std::vector<ChangeSelector> selectors) : selectors_(std::move(selectors)) {
  compiled_.reserve(selectors_.size());
  for (std::size_t index = 0; index < selectors_.size(); ++index) {
    compiled_.push_back(compile(selectors_[index], index));
    filters_properties_ = filters_properties_ || compiled_.back().filters_properties;
    selects_schema_ = selects_schema_ || compiled_.back().selects_schema;
    const ChangeSelector& s = selectors_[index];
    reads_header_ = reads_header_ || s.executing_user || s.authenticated_user || !s.tx_metadata.empty();
    std::vector<std::string> words = compiled_.back().names_in_record;
    if (s.executing_user) words.push_back(*s.executing_user);
    if (s.authenticated_user) words.push_back(*s.authenticated_user);
    for (const auto& [key, value] : s.tx_metadata) words.push_back(txlog::metadata_word(key, value));
    words_in_record_.push_back(std::move(words));
  }
}

bool SelectorTagFilter::may_match(const std::shared_ptr<const txlog::CompressionDictionary>& dictionary,
                                  std::uint16_t tags) const {
  if (dictionary != dictionary_) {
    dictionary_ = dictionary;
    masks_.clear();
    matches_all_ = selectors_.empty();
    const auto& vocabulary = dictionary->vocabulary();
    for (const auto& words : selectors_.words_in_record()) {
      std::uint16_t mask = 0;
      for (const auto& word : words)
        for (std::size_t bit = 0; bit < vocabulary.size(); ++bit)
          if (vocabulary[bit] == word) mask |= static_cast<std::uint16_t>(1u << bit);
      if (mask == 0) matches_all_ = true;  // nothing the tags tell rules this selector out
      masks_.push_back(mask);
    }
  }
  if (matches_all_) return true;
  for (std::uint16_t mask : masks_)
    if ((tags & mask) == mask) return true;
  return false;
}

bool SelectorTagFilter::useful() const {
  if (selectors_.empty()) return false;
  for (const auto& words : selectors_.words_in_record())
    if (words.empty()) return false;
  return true;
}

bool SelectorSet::may_select_transaction(const txlog::TxHeader& header) const {
  if (selectors_.empty()) return true;
  return std::any_of(selectors_.begin(), selectors_.end(),
                     [&](const ChangeSelector& selector) { return transaction_matches(selector, header); });
}

bool SelectorSet::may_select_transaction(const txlog::TxHeaderView& header, std::string_view payload) const {
  if (selectors_.empty()) return true;
  for (std::size_t index = 0; index < selectors_.size(); ++index) {
    const Compiled& compiled = compiled_[index];
    if (!header_matches(selectors_[index], compiled.tx_metadata, header)) continue;
    if (std::all_of(compiled.names_in_record.begin(), compiled.names_in_record.end(),
                    [&](const std::string& name) { return payload.find(name) != std::string_view::npos; }))
      return true;
  }
  return false;
}

bool SelectorSet::may_select_transaction(std::string_view payload) const {
  if (selectors_.empty()) return true;
  // No selector asks anything of an empty header that it would not ask of the record's.
  if (!reads_header_) return may_select_transaction(txlog::TxHeaderView{}, payload);
  return may_select_transaction(txlog::read_tx_header_view(payload), payload);
}

bool SelectorSet::selects_schema_change(const txlog::TxHeaderView& header, txlog::OpCode code) const {
  const ChangeOperation operation = code == txlog::OpCode::kDropKey ? ChangeOperation::kDelete : ChangeOperation::kCreate;
  for (std::size_t index = 0; index < selectors_.size(); ++index) {
    const ChangeSelector& selector = selectors_[index];
    if (!compiled_[index].selects_schema) continue;
    if (selector.operation && *selector.operation != operation) continue;
    if (header_matches(selector, compiled_[index].tx_metadata, header)) return true;
  }
  return false;
}

bool SelectorSet::selects(const txlog::TxHeader& header, const txlog::Change& change) const {
  if (selectors_.empty()) return true;
  for (std::size_t index = 0; index < selectors_.size(); ++index)
    if (selector_selects(index, header, change)) return true;
  return false;
}

bool SelectorSet::selects(txlog::TxRecordView& record, std::size_t index) const {
  if (selectors_.empty()) return true;
  EncodedRecord change(record, index);
  for (std::size_t i = 0; i < selectors_.size(); ++i)
    if (matches(selectors_[i], compiled_[i], change)) return true;
  return false;
}

bool SelectorSet::selector_selects(std::size_t index, const txlog::TxHeader& header,
                                   const txlog::Change& change) const {
  return matches(selectors_[index], compiled_[index], DecodedRecord(header, change));
}

// Cheap comparisons first; the kind-specific fields were reduced to selects_nodes /
// selects_relationships by compile(), so a node change never meets `type` and a relationship
// change never meets `labels`.
template <class Record>
bool SelectorSet::matches(const ChangeSelector& selector, const Compiled& compiled, const Record& record) {
  bool node = record.node();
  if (node ? !compiled.selects_nodes : !compiled.selects_relationships) return false;
  if (selector.operation && log_operation(*selector.operation) != record.operation()) return false;
  if (compiled.entity_id && *compiled.entity_id != record.id()) return false;
  if (!record.transaction_matches(selector, compiled.tx_metadata)) return false;
  if (!selector.key.empty() && !record.key_holds(selector.key, compiled.key)) return false;
  for (const auto& name : selector.changes_to)
    if (!record.changed(name)) return false;
  if (node) {
    for (const auto& label : selector.labels)
      if (!record.carries(label)) return false;
    return true;
  }
  if (selector.type && !record.has_type(*selector.type)) return false;
  if (selector.start && !record.endpoint_matches(true, *selector.start, compiled.start_id, compiled.start_key))
    return false;
  if (selector.end && !record.endpoint_matches(false, *selector.end, compiled.end_id, compiled.end_key)) return false;
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
