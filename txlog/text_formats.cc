#include "txlog/text_formats.h"

#include <ctime>
#include <iterator>
#include <utility>

#include <fmt/format.h>

namespace txgraph::txlog {

std::string iso8601_utc(std::int64_t micros_since_epoch) {
  // Floor division, so that times before the epoch still print a valid calendar time.
  std::int64_t millis = micros_since_epoch / 1000 - (micros_since_epoch % 1000 < 0 ? 1 : 0);
  std::int64_t seconds = millis / 1000 - (millis % 1000 < 0 ? 1 : 0);
  std::int64_t millis_part = millis - seconds * 1000;
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm utc{};
  if (gmtime_r(&t, &utc) == nullptr) return fmt::format("@{}us", micros_since_epoch);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                     utc.tm_hour, utc.tm_min, utc.tm_sec, millis_part);
}

std::string size_text(std::uint64_t bytes) {
  static constexpr std::pair<int, const char*> kUnits[] = {{30, "G"}, {20, "M"}, {10, "K"}};
  for (const auto& [shift, suffix] : kUnits) {
    std::uint64_t unit = std::uint64_t{1} << shift;
    if (bytes != 0 && bytes % unit == 0) return fmt::format("{}{}", bytes / unit, suffix);
  }
  return fmt::format("{}", bytes);
}

std::string readable_size(std::uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} bytes", bytes);
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double value = static_cast<double>(bytes) / 1024;
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  return fmt::format("{:.1f} {}", value, kUnits[unit]);
}

std::string hours_or_days_text(std::chrono::milliseconds age) {
  // Days when whole, so that `48 hours` reads back as `2 days`: one policy, one text.
  std::int64_t hours = std::chrono::duration_cast<std::chrono::hours>(age).count();
  if (hours % 24 == 0) return fmt::format("{} days", hours / 24);
  return fmt::format("{} hours", hours);
}

}  // namespace txgraph::txlog
