#include "txlog/text_formats.h"

#include <charconv>
#include <ctime>
#include <limits>
#include <iterator>
#include <utility>

#include <fmt/format.h>

#include "txgraph/error.h"

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

namespace {

// Splits "64M" into 64 and "M" (spaces between skipped); false if there is no leading number.
// (Out-parameters rather than an optional pair: GCC 12 under the sanitizers warns falsely on
// the latter.)
bool number_and_unit(std::string_view text, std::uint64_t* value, std::string_view* unit) {
  *value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *value);
  if (ec != std::errc() || ptr == text.data()) return false;
  *unit = text.substr(static_cast<std::size_t>(ptr - text.data()));
  while (!unit->empty() && unit->front() == ' ') unit->remove_prefix(1);
  return true;
}

// The number written in text[at, at + n), or -1 if any of those is not a digit.
int digits_at(std::string_view text, std::size_t at, std::size_t n) {
  if (at + n > text.size()) return -1;
  int value = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

bool is_leap_year(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

}  // namespace

std::uint64_t parse_size(std::string_view text) {
  std::uint64_t value = 0;
  std::string_view unit;
  int shift = -1;
  if (number_and_unit(text, &value, &unit)) {
    if (unit.empty() || unit == "B" || unit == "b") shift = 0;
    else if (unit == "K" || unit == "k" || unit == "KiB") shift = 10;
    else if (unit == "M" || unit == "m" || unit == "MiB") shift = 20;
    else if (unit == "G" || unit == "g" || unit == "GiB") shift = 30;
  }
  if (shift < 0 || (shift > 0 && value > (std::numeric_limits<std::uint64_t>::max() >> shift)))
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("bad size '{}': expected a number with an optional K, M or G suffix, e.g. 64M", text));
  return value << shift;
}

std::chrono::milliseconds parse_duration(std::string_view text) {
  std::uint64_t value = 0;
  std::string_view unit;
  std::uint64_t ms_per_unit = 0;
  if (number_and_unit(text, &value, &unit)) {
    if (unit == "ms") ms_per_unit = 1;
    else if (unit == "s") ms_per_unit = 1000;
    else if (unit == "m" || unit == "min") ms_per_unit = 60'000;
    else if (unit == "h") ms_per_unit = 3'600'000;
    else if (unit == "d") ms_per_unit = 86'400'000;
  }
  if (ms_per_unit == 0 || value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) / ms_per_unit / 1000)
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("bad duration '{}': expected a number and a unit (ms, s, m, h, d), e.g. 15m", text));
  return std::chrono::milliseconds(static_cast<std::int64_t>(value * ms_per_unit));
}

std::int64_t parse_utc_time(std::string_view text) {
  auto refuse = [&](std::string_view why) -> std::int64_t {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("'{}' is not a time: {}; write 2026-11-18T11:06:40Z (UTC), 2026-11-18T11:06:40.250Z "
                            "or 2026-11-18",
                            text, why));
  };
  std::tm tm{};
  tm.tm_year = digits_at(text, 0, 4);
  tm.tm_mon = digits_at(text, 5, 2);
  tm.tm_mday = digits_at(text, 8, 2);
  if (tm.tm_year < 0 || tm.tm_mon < 0 || tm.tm_mday < 0 || text[4] != '-' || text[7] != '-')
    return refuse("no date YYYY-MM-DD");
  if (tm.tm_mon < 1 || tm.tm_mon > 12) return refuse(fmt::format("there is no month {}", tm.tm_mon));
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int days = kDays[tm.tm_mon - 1] + (tm.tm_mon == 2 && is_leap_year(tm.tm_year) ? 1 : 0);
  if (tm.tm_mday < 1 || tm.tm_mday > days) return refuse(fmt::format("month {} has no day {}", tm.tm_mon, tm.tm_mday));
  std::int64_t micros = 0;
  std::string_view rest = text.substr(10);
  if (!rest.empty()) {
    tm.tm_hour = digits_at(rest, 1, 2);
    tm.tm_min = digits_at(rest, 4, 2);
    tm.tm_sec = digits_at(rest, 7, 2);
    if (rest[0] != 'T' || tm.tm_hour < 0 || tm.tm_min < 0 || tm.tm_sec < 0 || rest[3] != ':' || rest[6] != ':')
      return refuse("no time of day THH:MM:SS after the date");
    if (tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 59)
      return refuse(fmt::format("there is no time of day {:02}:{:02}:{:02}", tm.tm_hour, tm.tm_min, tm.tm_sec));
    rest.remove_prefix(9);
    if (rest.starts_with('.')) {
      std::size_t n = 1;
      for (std::int64_t scale = 100000; n < rest.size() && rest[n] >= '0' && rest[n] <= '9'; ++n, scale /= 10) {
        if (n > 6) return refuse("more than six digits after the seconds' point");
        micros += (rest[n] - '0') * scale;
      }
      if (n == 1) return refuse("no digits after the seconds' point");
      rest.remove_prefix(n);
    }
    if (rest.empty()) return refuse("no time zone: add Z for UTC");
    if (rest != "Z" && rest != "+00:00") return refuse(fmt::format("'{}' after the time; only UTC (Z) is read", rest));
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<std::int64_t>(timegm(&tm)) * 1000000 + micros;
}

}  // namespace txgraph::txlog
