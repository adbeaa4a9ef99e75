// POSIX TZ strings (the footer of a TZif file), read and applied.
#include "txlog/posix_zone_rule.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "txlog/temporal.h"

namespace txgraph::temporal {

namespace {

class Text {
 public:
  explicit Text(std::string_view text) : text_(text) {}
  bool done() const { return at_ == text_.size(); }
  char peek() const { return done() ? '\0' : text_[at_]; }
  bool take(char c) {
    if (peek() != c) return false;
    ++at_;
    return true;
  }
  // A zone abbreviation: letters, or anything between < and >.
  bool name() {
    if (take('<')) {
      std::size_t close = text_.find('>', at_);
      if (close == std::string_view::npos) return false;
      at_ = close + 1;
      return true;
    }
    std::size_t start = at_;
    while (std::isalpha(static_cast<unsigned char>(peek()))) ++at_;
    return at_ - start >= 3;
  }
  std::optional<int> number(int most_digits) {
    int value = 0, n = 0;
    while (n < most_digits && std::isdigit(static_cast<unsigned char>(peek()))) {
      value = value * 10 + (text_[at_++] - '0');
      ++n;
    }
    if (n == 0) return std::nullopt;
    return value;
  }
  // [+-]hh[:mm[:ss]] in seconds.
  std::optional<std::int32_t> clock(int hour_digits) {
    bool negative = take('-');
    if (!negative) take('+');
    std::optional<int> hours = number(hour_digits);
    if (!hours) return std::nullopt;
    std::int32_t seconds = *hours * 3600;
    if (take(':')) {
      std::optional<int> minutes = number(2);
      if (!minutes) return std::nullopt;
      seconds += *minutes * 60;
      if (take(':')) {
        std::optional<int> secs = number(2);
        if (!secs) return std::nullopt;
        seconds += *secs;
      }
    }
    return negative ? -seconds : seconds;
  }

 private:
  std::string_view text_;
  std::size_t at_ = 0;
};

}  // namespace

std::optional<PosixZoneRule> PosixZoneRule::parse(std::string_view text) {
  Text in(text);
  PosixZoneRule rule;
  if (!in.name()) return std::nullopt;
  std::optional<std::int32_t> std_west = in.clock(2);
  if (!std_west) return std::nullopt;
  rule.std_offset_ = -*std_west;  // POSIX counts hours west of UTC
  if (in.done()) return rule;
  if (!in.name()) return std::nullopt;
  rule.has_dst_ = true;
  rule.dst_offset_ = rule.std_offset_ + 3600;
  if (in.peek() != ',') {
    std::optional<std::int32_t> dst_west = in.clock(2);
    if (!dst_west) return std::nullopt;
    rule.dst_offset_ = -*dst_west;
  }
  // Without the changes' dates POSIX leaves them to the system: not read.
  for (Change* change : {&rule.start_, &rule.end_}) {
    if (!in.take(',')) return std::nullopt;
    if (in.take('M')) {
      change->form = 'M';
      // -1 for a number that is not there (optional<int> here draws a false GCC warning).
      int month = in.number(2).value_or(-1);
      int week = in.take('.') ? in.number(1).value_or(-1) : -1;
      int weekday = in.take('.') ? in.number(1).value_or(-1) : -1;
      if (month < 1 || month > 12 || week < 1 || week > 5 || weekday < 0 || weekday > 6) return std::nullopt;
      change->month = month;
      change->week = week;
      change->weekday = weekday;
    } else {
      change->form = in.take('J') ? 'J' : 'N';
      int day = in.number(3).value_or(-1);
      if (day < 0 || day > 365 || (change->form == 'J' && day < 1)) return std::nullopt;
      change->day = day;
    }
    if (in.take('/')) {
      std::optional<std::int32_t> time = in.clock(3);  // up to ±167 hours (RFC 8536)
      if (!time) return std::nullopt;
      change->time = *time;
    }
  }
  if (!in.done()) return std::nullopt;
  return rule;
}

const PosixZoneRule* PosixZoneRule::of_zone(std::string_view name) {
  static std::mutex mutex;
  static std::map<std::string, std::optional<PosixZoneRule>, std::less<>> rules;
  std::lock_guard lock(mutex);
  auto found = rules.find(name);
  if (found == rules.end()) {
    std::optional<PosixZoneRule> rule;
    const char* dir = std::getenv("TZDIR");
    std::ifstream file(std::string(dir && *dir ? dir : "/usr/share/zoneinfo") + "/" + std::string(name),
                       std::ios::binary);
    std::stringstream bytes;
    bytes << file.rdbuf();
    std::string data = bytes.str();
    // Version 2 and later files end with "\n<TZ string>\n".
    if (data.size() > 5 && data.compare(0, 4, "TZif") == 0 && data[4] >= '2' && data.back() == '\n') {
      std::size_t start = data.rfind('\n', data.size() - 2);
      if (start != std::string::npos) rule = parse(std::string_view(data).substr(start + 1, data.size() - start - 2));
    }
    found = rules.emplace(std::string(name), rule).first;
  }
  return found->second ? &*found->second : nullptr;
}

std::int64_t PosixZoneRule::local_seconds_of(const Change& change, std::int64_t year) const {
  std::int64_t day = 0;
  if (change.form == 'M') {
    std::int64_t first = days_from_civil(year, change.month, 1);
    int first_weekday = static_cast<int>(floor_mod(first + 4, 7));  // 1970-01-01 was a Thursday
    day = first + (change.weekday - first_weekday + 7) % 7 + (change.week - 1) * 7;
    std::int64_t last = first + days_in_month(year, change.month) - 1;
    while (day > last) day -= 7;  // week 5: the last such weekday
  } else if (change.form == 'J') {
    bool leap = days_in_month(year, 2) == 29;
    day = days_from_civil(year, 1, 1) + change.day - 1 + (leap && change.day >= 60 ? 1 : 0);
  } else {
    day = days_from_civil(year, 1, 1) + change.day;
  }
  return day * kSecondsPerDay + change.time;
}

std::int32_t PosixZoneRule::offset_at(std::int64_t utc_seconds) const {
  if (!has_dst_) return std_offset_;
  std::int64_t year = civil_from_days(floor_div(utc_seconds + std_offset_, kSecondsPerDay)).year;
  // The start is a local time on standard time, the end one on daylight saving time.
  std::int64_t start = local_seconds_of(start_, year) - std_offset_;
  std::int64_t end = local_seconds_of(end_, year) - dst_offset_;
  bool dst = start < end ? (utc_seconds >= start && utc_seconds < end) : !(utc_seconds >= end && utc_seconds < start);
  return dst ? dst_offset_ : std_offset_;
}

std::int32_t PosixZoneRule::offset_for_local(std::int64_t local_seconds) const {
  if (!has_dst_) return std_offset_;
  bool std_fits = offset_at(local_seconds - std_offset_) == std_offset_;
  bool dst_fits = offset_at(local_seconds - dst_offset_) == dst_offset_;
  if (std_fits != dst_fits) return std_fits ? std_offset_ : dst_offset_;
  // Repeated or skipped: the offset in force just before the change, which the instant of the
  // larger offset (the earlier instant) still sees.
  return offset_at(local_seconds - std::max(std_offset_, dst_offset_));
}

}  // namespace txgraph::temporal
