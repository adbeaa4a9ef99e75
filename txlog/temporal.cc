// Temporal and spatial values: their ranges, the calendar, and zones by name.
#include "txlog/temporal.h"

#include <cmath>
#include <string>

#include <date/tz.h>
#include <fmt/format.h>

#include "txgraph/error.h"
#include "txlog/posix_zone_rule.h"

namespace txgraph {

namespace temporal {

namespace {

// Zone lookups go through the date library's own calendar types, whose years end at ±32767;
// the lookups keep well inside them.
constexpr std::int64_t kZoneYears = 9999;

bool is_leap(std::int64_t year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

[[noreturn]] void refuse(std::string message) { throw Error(ErrorCode::kInvalidArgument, std::move(message)); }

const date::time_zone* find_zone(std::string_view name) {
  try {
    return date::locate_zone(name);
  } catch (const std::runtime_error&) {
    refuse(fmt::format("no time zone named '{}' in the tz database", name));
  }
}

// The rule past the last transition the zone file lists, where the library would keep that
// transition's offset forever; null where the library's answer stands.
const PosixZoneRule* rule_beyond(std::string_view name, const date::sys_info& info) {
  if (info.end < date::sys_days{date::year{10000} / 1 / 1}) return nullptr;
  const PosixZoneRule* rule = PosixZoneRule::of_zone(name);
  return rule && rule->has_daylight_saving() ? rule : nullptr;
}

void check_zone_range(std::int64_t seconds) {
  std::int64_t days = floor_div(seconds, kSecondsPerDay);
  std::int64_t year = civil_from_days(days).year;
  if (year < -kZoneYears || year > kZoneYears)
    refuse(fmt::format("a date-time in a named time zone must lie in years -{0} to {0}", kZoneYears));
}

}  // namespace

std::int64_t days_from_civil(std::int64_t year, int month, int day) {
  // Years counted from March, so that the leap day ends the year; 400-year eras of 146097 days.
  std::int64_t y = month <= 2 ? year - 1 : year;
  std::int64_t era = floor_div(y, 400);
  std::int64_t year_of_era = y - era * 400;
  std::int64_t month_from_march = month > 2 ? month - 3 : month + 9;
  std::int64_t day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
  std::int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

CivilDate civil_from_days(std::int64_t days) {
  std::int64_t z = days + 719468;
  std::int64_t era = floor_div(z, 146097);
  std::int64_t day_of_era = z - era * 146097;
  std::int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  std::int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  std::int64_t month_from_march = (5 * day_of_year + 2) / 153;
  CivilDate out;
  out.day = static_cast<int>(day_of_year - (153 * month_from_march + 2) / 5 + 1);
  out.month = static_cast<int>(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
  out.year = year_of_era + era * 400 + (out.month <= 2 ? 1 : 0);
  return out;
}

int days_in_month(std::int64_t year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

std::int64_t min_days() { return days_from_civil(kMinYear, 1, 1); }
std::int64_t max_days() { return days_from_civil(kMaxYear, 12, 31); }

std::int32_t zone_offset_at(std::string_view name, std::int64_t utc_seconds) {
  const date::time_zone* zone = find_zone(name);
  check_zone_range(utc_seconds);
  date::sys_seconds at{std::chrono::seconds(utc_seconds)};
  date::sys_info info = zone->get_info(at);
  if (const PosixZoneRule* rule = rule_beyond(name, info)) return rule->offset_at(utc_seconds);
  return static_cast<std::int32_t>(info.offset.count());
}

std::int32_t zone_offset_for_local(std::string_view name, std::int64_t local_seconds) {
  const date::time_zone* zone = find_zone(name);
  check_zone_range(local_seconds);
  date::local_seconds at{std::chrono::seconds(local_seconds)};
  date::local_info info = zone->get_info(at);
  // Unique, or the earlier of two (repeated), or the one before a skipped hour: all `first`.
  auto offset = static_cast<std::int32_t>(info.first.offset.count());
  date::sys_seconds instant{std::chrono::seconds(local_seconds - offset)};
  if (const PosixZoneRule* rule = rule_beyond(name, zone->get_info(instant))) return rule->offset_for_local(local_seconds);
  return offset;
}

}  // namespace temporal

using namespace temporal;

namespace {

[[noreturn]] void out_of_range(std::string message) { throw Error(ErrorCode::kInvalidArgument, std::move(message)); }

void check_nanos_of_second(std::int64_t nanos, std::string_view kind) {
  if (nanos < 0 || nanos >= kNanosPerSecond)
    out_of_range(fmt::format("a {}'s nanoseconds must lie in [0, 999999999], not {}", kind, nanos));
}

void check_offset(std::int32_t offset, std::string_view kind) {
  if (offset < -kMaxOffsetSeconds || offset > kMaxOffsetSeconds)
    out_of_range(fmt::format("a {}'s UTC offset must lie within 18 hours, not {} seconds", kind, offset));
}

void check_days(std::int64_t days, std::string_view kind) {
  if (days < min_days() || days > max_days())
    out_of_range(fmt::format("a {} must lie in years {} to {}", kind, kMinYear, kMaxYear));
}

}  // namespace

bool is_known_srid(std::int32_t srid) {
  return srid == kSridCartesian || srid == kSridCartesian3D || srid == kSridWgs84 || srid == kSridWgs84_3D;
}

bool is_3d_srid(std::int32_t srid) { return srid == kSridCartesian3D || srid == kSridWgs84_3D; }

std::string_view crs_name(std::int32_t srid) {
  switch (srid) {
    case kSridCartesian:
      return "cartesian";
    case kSridCartesian3D:
      return "cartesian-3d";
    case kSridWgs84:
      return "wgs-84";
    case kSridWgs84_3D:
      return "wgs-84-3d";
    default:
      return "";
  }
}

void check_value(const Date& v) { check_days(v.days, "date"); }

void check_value(const LocalTime& v) {
  if (v.nanos < 0 || v.nanos >= kNanosPerDay)
    out_of_range(fmt::format("a local time's nanoseconds since midnight must lie in [0, {}), not {}", kNanosPerDay,
                             v.nanos));
}

void check_value(const Time& v) {
  if (v.nanos < 0 || v.nanos >= kNanosPerDay)
    out_of_range(
        fmt::format("a time's nanoseconds since midnight must lie in [0, {}), not {}", kNanosPerDay, v.nanos));
  check_offset(v.offset_seconds, "time");
}

void check_value(const LocalDateTime& v) {
  check_nanos_of_second(v.nanos, "local date-time");
  check_days(floor_div(v.seconds, kSecondsPerDay), "local date-time");
}

void check_value(const DateTime& v) {
  check_fields(v);
  if (v.zone.empty()) return;
  std::int32_t zone_offset = zone_offset_at(v.zone, v.seconds);
  if (zone_offset != v.offset_seconds)
    out_of_range(fmt::format("the offset of {} seconds is not {}'s at that instant ({} seconds)", v.offset_seconds,
                             v.zone, zone_offset));
}

void check_fields(const DateTime& v) {
  check_nanos_of_second(v.nanos, "date-time");
  check_offset(v.offset_seconds, "date-time");
  // The local clock is what the year range bounds, as in Neo4j.
  if (v.seconds > INT64_MAX - kMaxOffsetSeconds || v.seconds < INT64_MIN + kMaxOffsetSeconds)
    out_of_range("a date-time's seconds are out of range");
  check_days(floor_div(v.seconds + v.offset_seconds, kSecondsPerDay), "date-time");
}

void check_value(const Duration& v) { check_nanos_of_second(v.nanos, "duration"); }

void check_value(const Point& v) {
  if (!is_known_srid(v.srid))
    out_of_range(fmt::format("a point's SRID must be 7203 or 9157 (Cartesian) or 4326 or 4979 (WGS-84), not {}",
                             v.srid));
  if (!std::isfinite(v.x) || !std::isfinite(v.y) || !std::isfinite(v.z))
    out_of_range("a point's coordinates must be finite numbers");
  if (!is_3d_srid(v.srid) && v.z != 0)
    out_of_range(fmt::format("a point of SRID {} has two coordinates; z must be 0", v.srid));
  if (v.srid == kSridWgs84 || v.srid == kSridWgs84_3D) {
    if (v.y < -90 || v.y > 90) out_of_range(fmt::format("a WGS-84 latitude (y) must lie in [-90, 90], not {}", v.y));
    if (v.x < -180 || v.x > 180)
      out_of_range(fmt::format("a WGS-84 longitude (x) must lie in [-180, 180], not {}", v.x));
  }
}

LocalDateTime local_datetime_of(const DateTime& v) { return {v.seconds + v.offset_seconds, v.nanos}; }

}  // namespace txgraph
