// Text forms of times, durations and sizes. The duration and size forms are exact (never
// rounded), so what `show` prints can be passed back to `init` or `set` unchanged.
#include "tools/txgraph/text_formats.h"

#include <ctime>

#include <fmt/format.h>

namespace txgraph::cli {

std::string iso8601_utc(std::int64_t micros_since_epoch) {
  // Floor division, so that times before the epoch still print a valid calendar time.
  std::int64_t millis = micros_since_epoch / 1000 - (micros_since_epoch % 1000 < 0 ? 1 : 0);
  std::int64_t seconds = millis / 1000 - (millis % 1000 < 0 ? 1 : 0);
  std::int64_t millis_part = millis - seconds * 1000;
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm utc{};
  if (gmtime_r(&t, &utc) == nullptr) return fmt::format("@{}us", micros_since_epoch);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900, utc.tm_mon + 1,
                     utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis_part);
}

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

std::string size_text(std::uint64_t bytes) {
  static constexpr std::pair<int, const char*> kUnits[] = {{30, "G"}, {20, "M"}, {10, "K"}};
  for (const auto& [shift, suffix] : kUnits) {
    std::uint64_t unit = std::uint64_t{1} << shift;
    if (bytes != 0 && bytes % unit == 0) return fmt::format("{}{}", bytes / unit, suffix);
  }
  return fmt::format("{}", bytes);
}

}  // namespace txgraph::cli
