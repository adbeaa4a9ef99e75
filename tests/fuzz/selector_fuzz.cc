// Fuzz target: selectors from arbitrary JSON text. A selector parses and passes the checks of a
// selector set, or is refused with kCdcInvalidSelector; never another exception (a JSON
// library error escaping would be one), never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cdc/selector.h"
#include "txgraph/cdc.h"
#include "txgraph/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace txgraph;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    ChangeSelector selector = parse_change_selector(text);
    cdc::SelectorSet set({selector});
    (void)set.empty();
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kCdcInvalidSelector) __builtin_trap();
  } catch (...) {
    __builtin_trap();
  }
  return 0;
}
