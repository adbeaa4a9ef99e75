// The persistent settings of a database: how they are stored in the store's meta table and
// checked. (The enrichment mode is stored apart: it is switched through the log.)
#pragma once

#include <string>
#include <string_view>

#include "txgraph/options.h"

namespace txgraph::engine {

std::string encode_settings(const Settings& settings);
// Reads every encoding version written so far. Throws kCorruption.
Settings decode_settings(std::string_view bytes);
// Throws kInvalidArgument naming the setting and the value.
void validate_settings(const Settings& settings);

}  // namespace txgraph::engine
