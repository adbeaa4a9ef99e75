// A transaction record read in place: the header's fields, the operations and the changes of
// its enrichment as byte ranges of the payload, nothing decoded into maps or strings.
//
// Change readers look at every record but return few of its changes: they match selectors
// against a view and decode only the changes they return (cdc/change_event.cc). A view is
// valid while the payload it was read from is, and until it is read into again.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "txlog/enrichment.h"
#include "txlog/segment_format.h"
#include "txlog/tx_record.h"

namespace txgraph::txlog {

class TxRecordView {
 public:
  // Reads `payload` into this view, reusing its buffers. Checks what decode_tx_record checks
  // and throws Error(kCorruption) for the same damage, with the same message.
  void read(std::string_view payload);

  const TxHeaderView& header() const { return header_; }
  const std::vector<OperationView>& operations() const { return operations_; }
  bool has_enrichment() const { return has_enrichment_; }
  std::uint64_t generation() const { return generation_; }
  const std::vector<ChangeView>& changes() const { return changes_; }

  // The indices into operations() of the operations on the entity of change `index`, in
  // record order. Valid until the next call.
  std::span<const std::uint32_t> operations_on(std::size_t index);

 private:
  void check_creates_have_operations(const ByteReader& in);

  TxHeaderView header_;
  std::vector<OperationView> operations_;
  bool has_enrichment_ = false;
  std::uint64_t generation_ = 0;
  std::vector<ChangeView> changes_;
  // Operation indices by entity, built once per record when it has many operations.
  std::vector<std::pair<std::uint64_t, std::uint32_t>> by_entity_;
  bool grouped_ = false;
  std::vector<std::uint32_t> found_;
};

// Only the header, as decode_tx_header reads it, without copying anything.
TxHeaderView read_tx_header_view(std::string_view payload);

}  // namespace txgraph::txlog
