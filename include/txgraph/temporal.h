// txgraph/temporal.h — temporal and spatial property values, as Neo4j has them.
//
// Seven kinds, each a plain struct with Neo4j's semantics: nanosecond precision, the
// proleptic Gregorian calendar, years from -999,999,999 to 999,999,999, time zones by UTC
// offset and by IANA name (the system's tz database), durations of months, days, seconds and
// nanoseconds, and points with an SRID. Equal values have equal fields: a DateTime in
// Europe/Berlin and one at +01:00 name the same instant but are different values, as in Neo4j.
//
// The text forms are ISO-8601 as Neo4j prints them (and its Kafka connector writes them):
//   Date           2024-01-31                (a year past 9999 carries its sign: +10000-01-01)
//   LocalTime      12:30:00.5                (seconds always; the fraction without trailing 0s)
//   Time           12:30:00+01:00            (an offset of zero is Z)
//   LocalDateTime  2024-01-31T12:30:00
//   DateTime       2024-01-31T12:30:00+01:00[Europe/Berlin]   (the [zone] only when named)
//   Duration       P1Y2M3DT4H5M6.5S          (each part carries its own sign; zero is PT0S)
// parse_*() read those forms and a few more (minutes without seconds, weeks in a duration, a
// fraction of any unit of a duration, a zone without an offset); each throws
// Error(kInvalidArgument) naming what it could not read.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace txgraph {

// A calendar date: days since 1970-01-01.
struct Date {
  std::int64_t days = 0;
  friend bool operator==(const Date&, const Date&) = default;
};

// A time of day without a zone: nanoseconds since midnight, [0, 86 400 000 000 000).
struct LocalTime {
  std::int64_t nanos = 0;
  friend bool operator==(const LocalTime&, const LocalTime&) = default;
};

// A time of day at a UTC offset: the local nanoseconds since midnight, and the offset in
// seconds east of UTC, [-18 h, +18 h].
struct Time {
  std::int64_t nanos = 0;
  std::int32_t offset_seconds = 0;
  friend bool operator==(const Time&, const Time&) = default;
};

// A date and time without a zone: seconds since 1970-01-01T00:00:00 on that same local clock,
// and nanoseconds [0, 1e9).
struct LocalDateTime {
  std::int64_t seconds = 0;
  std::int32_t nanos = 0;
  friend bool operator==(const LocalDateTime&, const LocalDateTime&) = default;
};

// An instant with its zone: seconds since 1970-01-01T00:00:00Z, nanoseconds [0, 1e9), the UTC
// offset in force there (seconds east of UTC), and the IANA zone name, empty for a zone given
// by its offset alone. With a name, the offset is the zone's at that instant.
struct DateTime {
  std::int64_t seconds = 0;
  std::int32_t nanos = 0;
  std::int32_t offset_seconds = 0;
  std::string zone;
  friend bool operator==(const DateTime&, const DateTime&) = default;
};

// An amount of time as Neo4j keeps it: months, days and seconds apart (a month has no fixed
// number of days, nor a day of seconds across a clock change), nanoseconds [0, 1e9) added to
// the seconds. -0.5 s is seconds -1 and nanos 500 000 000.
struct Duration {
  std::int64_t months = 0;
  std::int64_t days = 0;
  std::int64_t seconds = 0;
  std::int32_t nanos = 0;
  friend bool operator==(const Duration&, const Duration&) = default;
};

// A point in one of Neo4j's four coordinate reference systems, by SRID: 7203 Cartesian 2D,
// 9157 Cartesian 3D, 4326 WGS-84 2D (x longitude, y latitude, in degrees), 4979 WGS-84 3D
// (z height in metres). z is 0 in 2D. Coordinates are finite; a WGS-84 latitude lies in
// [-90, 90] and a longitude in [-180, 180].
struct Point {
  std::int32_t srid = 7203;
  double x = 0;
  double y = 0;
  double z = 0;
  friend bool operator==(const Point&, const Point&) = default;
};

inline constexpr std::int32_t kSridCartesian = 7203;
inline constexpr std::int32_t kSridCartesian3D = 9157;
inline constexpr std::int32_t kSridWgs84 = 4326;
inline constexpr std::int32_t kSridWgs84_3D = 4979;

// Whether `srid` is one of the four above, and whether it has a z.
bool is_known_srid(std::int32_t srid);
bool is_3d_srid(std::int32_t srid);
// Neo4j's names: "cartesian", "cartesian-3d", "wgs-84", "wgs-84-3d".
std::string_view crs_name(std::int32_t srid);

// Each throws Error(kInvalidArgument) saying which field is out of its range.
void check_value(const Date& v);
void check_value(const LocalTime& v);
void check_value(const Time& v);
void check_value(const LocalDateTime& v);
void check_value(const DateTime& v);  // also: the zone exists and its offset is the one given
// A DateTime's fields alone, without the zone's rules: what a value written before must hold
// whatever the tz database says today (an update may have changed a zone's future offsets, or
// a system may lack an old zone name); its offset, stored with it, stays the one it had.
void check_fields(const DateTime& v);
void check_value(const Duration& v);
void check_value(const Point& v);

// Each throws Error(kInvalidArgument) for a value out of its range, as check_value() does (a
// DateTime's zone rules are not checked: its offset is printed).
std::string to_string(const Date& v);
std::string to_string(const LocalTime& v);
std::string to_string(const Time& v);
std::string to_string(const LocalDateTime& v);
std::string to_string(const DateTime& v);
std::string to_string(const Duration& v);

Date parse_date(std::string_view text);
LocalTime parse_local_time(std::string_view text);
Time parse_time(std::string_view text);  // an offset is required
LocalDateTime parse_local_datetime(std::string_view text);
// An offset, a [zone], or both (which must then agree); with neither, `default_zone` (an
// offset such as "+01:00" or "Z", or an IANA name).
DateTime parse_datetime(std::string_view text, std::string_view default_zone = "Z");
Duration parse_iso_duration(std::string_view text);

// The instant `local` names in `zone` (an IANA name, or an offset such as "+01:00" or "Z").
// A local time that a clock change skips moves forward by the gap; one it repeats takes the
// earlier offset, as Neo4j does.
DateTime datetime_in_zone(const LocalDateTime& local, std::string_view zone);
// The local date and time a DateTime shows.
LocalDateTime local_datetime_of(const DateTime& v);

}  // namespace txgraph
