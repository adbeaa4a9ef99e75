// Selectors prepared for the read path: they are matched against the log's own change records,
// before any ChangeEvent is built, so that a selective query pays for building and printing
// only the changes it returns. The reader matches them against the encoded record itself
// (txlog::TxRecordView), so that a change it does not return is never decoded; the same
// selectors match decoded records (txlog::TxHeader and txlog::Change) with the same result.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "txgraph/cdc.h"
#include "txlog/compression_dictionary.h"
#include "txlog/enrichment.h"
#include "txlog/segment_reader.h"
#include "txlog/tx_record.h"
#include "txlog/tx_record_view.h"

namespace txgraph::cdc {

// Property values as the log encodes them (txlog/value_codec.h): name, encoded value.
using EncodedValues = std::vector<std::pair<std::string, std::string>>;

class SelectorSet {
 public:
  // Checks what the JSON parser cannot (an elementId that is not an element id of the
  // selected kind, `labels` or `start` on a selector of the other kind, empty names) and
  // throws Error(kCdcInvalidSelector) naming the selector's position in the list and the field.
  explicit SelectorSet(std::vector<ChangeSelector> selectors);

  bool empty() const { return selectors_.empty(); }
  // Whether some selector selects schema events ({"select":"s"}); an empty set selects none.
  bool selects_schema() const { return selects_schema_; }
  // Whether a selector selects the schema event of `code` (kCreateKey, kDropKey) of a
  // transaction with this header.
  bool selects_schema_change(const txlog::TxHeaderView& header, txlog::OpCode code) const;
  // Whether project() may change an event (some selector has include/exclude properties).
  bool filters_properties() const { return filters_properties_; }

  // False when no selector can select any change of a transaction with this header (the
  // user and metadata fields decide it): the reader then skips the transaction's changes
  // without looking at them. Always true for an empty set.
  bool may_select_transaction(const txlog::TxHeader& header) const;
  // The same for a record not read yet, from its header and its bytes: also false when every
  // selector names something (a label, a type, a property) whose name is nowhere in the bytes,
  // so that a selective query passes by most records with a search instead of reading them.
  bool may_select_transaction(const txlog::TxHeaderView& header, std::string_view payload) const;
  // The same from the bytes alone: the header is read only if some selector asks about the
  // transaction's users or metadata.
  bool may_select_transaction(std::string_view payload) const;

  // Whether any selector selects this change of this transaction. Always true for an empty set.
  bool selects(const txlog::TxHeader& header, const txlog::Change& change) const;
  // The same for change `index` of a record read in place: nothing of it is decoded, names
  // and values are compared as they are encoded (the encoding is canonical).
  bool selects(txlog::TxRecordView& record, std::size_t index) const;

  // For each selector, the words its every selected change's record holds (labels, types and
  // property names it names, its users, its metadata entries as compression_dictionary.h
  // forms them): what record tags can tell. Empty for a selector that names none.
  const std::vector<std::vector<std::string>>& words_in_record() const { return words_in_record_; }

  // Applies includeProperties / excludeProperties to the event built from a selected change:
  // a property stays in `before` / `after` if any selector that selects the change keeps it.
  // Does nothing when no selector filters properties.
  void project(const txlog::TxHeader& header, const txlog::Change& change, ChangeEvent& event) const;

 private:
  // What the constructor works out once per selector, so that matching neither parses element
  // ids nor allocates. compiled_[i] belongs to selectors_[i]: paired by position rather than
  // by pointer, so that a copied or moved set stays valid.
  struct Compiled {
    bool selects_nodes = true;  // narrowed by `select`, elementId and the kind-only fields
    bool selects_relationships = true;
    bool selects_schema = false;  // select "s": schema events only
    std::optional<std::uint64_t> entity_id;  // from elementId
    std::optional<std::uint64_t> start_id;   // from start.elementId
    std::optional<std::uint64_t> end_id;     // from end.elementId
    bool filters_properties = false;         // includeProperties or excludeProperties
    // The selector's values as the log encodes them, for matching encoded records.
    EncodedValues tx_metadata;
    EncodedValues key;
    EncodedValues start_key;
    EncodedValues end_key;
    // Names that any change this selector selects has somewhere in its record's bytes, since
    // a record writes every label, type and property name it holds as it is.
    std::vector<std::string> names_in_record;
  };

  static Compiled compile(const ChangeSelector& selector, std::size_t index);
  bool selector_selects(std::size_t index, const txlog::TxHeader& header, const txlog::Change& change) const;
  // What a selector's fields ask of a change, answered by one form of the change record.
  template <class Record>
  static bool matches(const ChangeSelector& selector, const Compiled& compiled, const Record& record);

  std::vector<ChangeSelector> selectors_;
  std::vector<Compiled> compiled_;
  bool filters_properties_ = false;
  bool selects_schema_ = false;
  bool reads_header_ = false;  // some selector has executingUser, authenticatedUser or txMetadata
  std::vector<std::vector<std::string>> words_in_record_;
};

// Passes by the records whose tags show that no selector of the set can select any of their
// changes: a selector needs every word of its words_in_record() that the dictionary's
// vocabulary has. A set with a selector that needs no word of the vocabulary passes by nothing.
class SelectorTagFilter : public txlog::TagFilter {
 public:
  explicit SelectorTagFilter(const SelectorSet& selectors) : selectors_(selectors) {}
  bool may_match(const std::shared_ptr<const txlog::CompressionDictionary>& dictionary,
                 std::uint16_t tags) const override;
  // Whether it can ever pass a record by: some word, in every selector.
  bool useful() const;

 private:
  const SelectorSet& selectors_;
  // The masks for the last dictionary asked about, which they hold on to (a dictionary freed
  // and another made at its address must not find them).
  mutable std::shared_ptr<const txlog::CompressionDictionary> dictionary_;
  mutable std::vector<std::uint16_t> masks_;
  mutable bool matches_all_ = true;
};

}  // namespace txgraph::cdc
