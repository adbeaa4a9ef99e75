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
// uuid and generation for the event's change id. Reuses `out`'s buffers; when `out` holds the
// previous change of the same transaction, its metadata is kept as it is. With
// `take_states`, the change's states are moved into the event instead of copied.
void build_change_event(const txlog::TxHeader& header, txlog::Change& change, std::uint32_t seq,
                        const ChangePosition& id_base, std::string_view database_name, bool take_states,
                        ChangeEvent& out);

}  // namespace txgraph::cdc
