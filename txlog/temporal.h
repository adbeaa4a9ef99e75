// txlog/temporal.h — the calendar arithmetic and zone lookups behind txgraph/temporal.h,
// shared by its checks and its text forms.
#pragma once

#include <cstdint>
#include <string_view>

#include "txgraph/temporal.h"

namespace txgraph::temporal {

inline constexpr std::int64_t kNanosPerSecond = 1'000'000'000;
inline constexpr std::int64_t kSecondsPerDay = 86'400;
inline constexpr std::int64_t kNanosPerDay = kSecondsPerDay * kNanosPerSecond;
inline constexpr std::int64_t kMinYear = -999'999'999;
inline constexpr std::int64_t kMaxYear = 999'999'999;
inline constexpr std::int32_t kMaxOffsetSeconds = 18 * 3600;

struct CivilDate {
  std::int64_t year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
};

// Days since 1970-01-01 of a proleptic Gregorian date, and back; exact for any int64 year
// that fits.
std::int64_t days_from_civil(std::int64_t year, int month, int day);
CivilDate civil_from_days(std::int64_t days);
int days_in_month(std::int64_t year, int month);

// The first and last day of the years Neo4j allows.
std::int64_t min_days();
std::int64_t max_days();

// Floor division and its remainder, for times before the epoch.
inline std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
inline std::int64_t floor_mod(std::int64_t a, std::int64_t b) { return a - floor_div(a, b) * b; }

// The UTC offset of the IANA zone `name` at `utc_seconds`. Throws kInvalidArgument for a zone
// the tz database does not have, or an instant outside years -9999..9999.
std::int32_t zone_offset_at(std::string_view name, std::int64_t utc_seconds);
// The UTC offset a local time in `name` takes (the earlier offset where a clock change repeats
// it, the offset before the change where one skips it).
std::int32_t zone_offset_for_local(std::string_view name, std::int64_t local_seconds);

}  // namespace txgraph::temporal
