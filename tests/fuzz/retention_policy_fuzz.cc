// Fuzz target: the retention grammar on arbitrary text. A policy parses, and then its
// canonical text parses to an equal policy with the same canonical text, or it is refused with
// kInvalidArgument. Nothing else.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "txgraph/error.h"
#include "txlog/retention_policy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace txgraph;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    auto policy = txlog::RetentionPolicy::parse(text);
    auto again = txlog::RetentionPolicy::parse(policy.to_string());
    if (!(again == policy) || again.to_string() != policy.to_string()) __builtin_trap();
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kInvalidArgument) __builtin_trap();
  }
  return 0;
}
