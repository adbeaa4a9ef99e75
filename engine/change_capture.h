// Change capture for DIFF and FULL enrichment: remember each entity's state before the
// transaction first touched it, and at commit fold everything the transaction did to it into
// one change (before = state at transaction start, after = state at commit).
#pragma once

#include <cstdint>

#include "engine/database_impl.h"
#include "txlog/enrichment.h"

namespace txgraph::engine {

// Called before every write of a node or relationship; keeps only the first before-state.
// Does nothing when the transaction captures nothing (OFF).
void note_before(detail::TxnState& s, const Node* before, std::uint64_t id);
void note_before(detail::TxnState& s, const Relationship* before, std::uint64_t id);

// The enrichment of the transaction, in the order it first touched each entity. An entity
// created and deleted in the transaction, or changed and changed back, yields no change.
txlog::Enrichment build_enrichment(detail::TxnState& s, std::uint64_t generation);

}  // namespace txgraph::engine
