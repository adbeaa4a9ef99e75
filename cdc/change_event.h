// Change events built from the log's change records, and their JSON.
#pragma once

#include <cstdint>
#include <string_view>

#include "cdc/change_id.h"
#include "txgraph/cdc.h"
#include "txlog/enrichment.h"
#include "txlog/tx_record.h"

namespace txgraph::cdc {

// Fills `out` with change `seq` of the transaction `header`. `id_base` gives the database
// uuid and generation for the event's change id. Reuses `out`'s buffers.
void build_change_event(const txlog::TxHeader& header, const txlog::Change& change, std::uint32_t seq,
                        const ChangePosition& id_base, std::string_view database_name, ChangeEvent& out);

}  // namespace txgraph::cdc
