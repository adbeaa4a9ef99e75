// Selectors prepared for the read path: they are matched against the log's own change records
// (txlog::TxHeader and txlog::Change), before any ChangeEvent is built, so that a selective
// query pays for building and printing only the changes it returns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "txgraph/cdc.h"
#include "txlog/enrichment.h"
#include "txlog/tx_record.h"

namespace txgraph::cdc {

class SelectorSet {
 public:
  // Checks what the JSON parser cannot (an elementId that is not an element id of the
  // selected kind, `labels` or `start` on a selector of the other kind, empty names) and
  // throws Error(kCdcInvalidSelector) naming the selector's position in the list and the field.
  explicit SelectorSet(std::vector<ChangeSelector> selectors);

  bool empty() const { return selectors_.empty(); }
  // Whether project() may change an event (some selector has include/exclude properties).
  bool filters_properties() const { return filters_properties_; }

  // False when no selector can select any change of a transaction with this header (the
  // user and metadata fields decide it): the reader then skips the transaction's changes
  // without looking at them. Always true for an empty set.
  bool may_select_transaction(const txlog::TxHeader& header) const;

  // Whether any selector selects this change of this transaction. Always true for an empty set.
  bool selects(const txlog::TxHeader& header, const txlog::Change& change) const;

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
    std::optional<std::uint64_t> entity_id;  // from elementId
    std::optional<std::uint64_t> start_id;   // from start.elementId
    std::optional<std::uint64_t> end_id;     // from end.elementId
    bool filters_properties = false;         // includeProperties or excludeProperties
  };

  static Compiled compile(const ChangeSelector& selector, std::size_t index);
  bool selector_selects(std::size_t index, const txlog::TxHeader& header, const txlog::Change& change) const;

  std::vector<ChangeSelector> selectors_;
  std::vector<Compiled> compiled_;
  bool filters_properties_ = false;
};

}  // namespace txgraph::cdc
