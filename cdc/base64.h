// cdc/base64.h — standard base64 (RFC 4648, with padding) for byte-string values,
// which the tool's JSON writes as {"$bytes": "<base64>"}.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace txgraph::json {

std::string base64_encode(std::string_view bytes);
// Replaces `out` by the URL-safe base64 of `bytes` ('-' and '_' for '+' and '/'), unpadded.
void base64url_unpadded(std::string_view bytes, std::string& out);

// Returns nullopt unless `text` is padded standard base64 (no whitespace, no URL alphabet).
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace txgraph::json
