// Fuzz target: change ids and start locations from arbitrary text. A change id either decodes,
// and then encodes to an id that decodes to the same position, or is refused with
// kCdcInvalidId; a start location parses or is refused with kInvalidArgument. Nothing else.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cdc/change_id.h"
#include "txgraph/consumer.h"
#include "txgraph/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace txgraph;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    auto position = cdc::decode_change_id(text);
    if (!(cdc::decode_change_id(cdc::encode_change_id(position)) == position)) __builtin_trap();
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kCdcInvalidId) __builtin_trap();
  }
  try {
    auto start = parse_start_location(text);
    if (start.kind == StartLocation::Kind::kChangeId && start.change_id != text) __builtin_trap();
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kInvalidArgument) __builtin_trap();
  }
  return 0;
}
