// txlog/posix_zone_rule.h — a zone's rule for the years after its last listed transition.
//
// A zone file of the tz database lists transitions up to some year (2037 in Debian's) and ends
// with a POSIX TZ string, "CET-1CEST,M3.5.0,M10.5.0/3", that says the rule from then on. The
// date library reads only the list (with the system's tz database it keeps the last offset
// forever), so txgraph reads the string itself and applies it past the last transition.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace txgraph::temporal {

class PosixZoneRule {
 public:
  // The rule a POSIX TZ string states; nullopt for text it does not read (then the date
  // library's answer stands).
  static std::optional<PosixZoneRule> parse(std::string_view text);

  // The rule at the end of the zone file of `name` in the system's tz database ($TZDIR, else
  // /usr/share/zoneinfo), read once per name and kept; nullopt if there is none to read.
  static const PosixZoneRule* of_zone(std::string_view name);

  bool has_daylight_saving() const { return has_dst_; }
  // The UTC offset at `utc_seconds`, and the one a local time takes (the earlier of two where a
  // clock change repeats it, the one before the change where one skips it).
  std::int32_t offset_at(std::int64_t utc_seconds) const;
  std::int32_t offset_for_local(std::int64_t local_seconds) const;

 private:
  // A change's day in the year: Mm.w.d (month, week 1-5 with 5 the last, weekday 0 Sunday), Jn
  // (1-365, never counting February 29) or n (0-365); and its local time in seconds.
  struct Change {
    char form = 'M';
    int month = 0, week = 0, weekday = 0, day = 0;
    std::int32_t time = 7200;
  };
  std::int64_t local_seconds_of(const Change& change, std::int64_t year) const;

  std::int32_t std_offset_ = 0;
  std::int32_t dst_offset_ = 0;
  bool has_dst_ = false;
  Change start_, end_;
};

}  // namespace txgraph::temporal
