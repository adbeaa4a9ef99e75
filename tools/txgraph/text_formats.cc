// Text forms of times, durations and sizes. The duration and size forms are exact (never
// rounded), so what `show` prints can be passed back to `init` or `set` unchanged.
#include "tools/txgraph/text_formats.h"

#include "txlog/text_formats.h"

#include <ctime>

#include <fmt/format.h>

namespace txgraph::cli {

std::string iso8601_utc(std::int64_t micros_since_epoch) { return txlog::iso8601_utc(micros_since_epoch); }

std::string duration_text(std::chrono::milliseconds duration) {
  struct Unit {
    std::int64_t millis;
    const char* suffix;
  };
  static constexpr Unit kUnits[] = {{86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}};
  std::int64_t ms = duration.count();
  for (const Unit& unit : kUnits)
    if (ms != 0 && ms % unit.millis == 0) return fmt::format("{}{}", ms / unit.millis, unit.suffix);
  return fmt::format("{}ms", ms);
}

std::string size_text(std::uint64_t bytes) { return txlog::size_text(bytes); }

}  // namespace txgraph::cli
