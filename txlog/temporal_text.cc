// The ISO-8601 text forms of temporal values: written as Neo4j writes them, read strictly
// (every refusal names the text and what was expected).
#include <cctype>
#include <charconv>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "txgraph/error.h"
#include "txlog/temporal.h"

namespace txgraph {

using namespace temporal;

namespace {

// ---- Writing ----------------------------------------------------------------------------

void put_padded(std::string& out, std::uint64_t value, int width) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  for (int n = static_cast<int>(end - digits); n < width; ++n) out += '0';
  out.append(digits, end);
}

void put_date(std::string& out, std::int64_t days) {
  CivilDate d = civil_from_days(days);
  if (d.year > 9999) out += '+';
  if (d.year < 0) out += '-';
  put_padded(out, static_cast<std::uint64_t>(d.year < 0 ? -d.year : d.year), 4);
  out += '-';
  put_padded(out, static_cast<std::uint64_t>(d.month), 2);
  out += '-';
  put_padded(out, static_cast<std::uint64_t>(d.day), 2);
}

// "." and the nanoseconds without their trailing zeros; nothing for zero.
void put_fraction(std::string& out, std::int64_t nanos) {
  if (nanos == 0) return;
  int digits = 9;
  while (nanos % 10 == 0) {
    nanos /= 10;
    --digits;
  }
  out += '.';
  put_padded(out, static_cast<std::uint64_t>(nanos), digits);
}

void put_time_of_day(std::string& out, std::int64_t nanos_of_day) {
  std::int64_t seconds = nanos_of_day / kNanosPerSecond;
  put_padded(out, static_cast<std::uint64_t>(seconds / 3600), 2);
  out += ':';
  put_padded(out, static_cast<std::uint64_t>(seconds / 60 % 60), 2);
  out += ':';
  put_padded(out, static_cast<std::uint64_t>(seconds % 60), 2);
  put_fraction(out, nanos_of_day % kNanosPerSecond);
}

void put_offset(std::string& out, std::int32_t offset) {
  if (offset == 0) {
    out += 'Z';
    return;
  }
  out += offset < 0 ? '-' : '+';
  std::uint32_t a = static_cast<std::uint32_t>(offset < 0 ? -offset : offset);
  put_padded(out, a / 3600, 2);
  out += ':';
  put_padded(out, a / 60 % 60, 2);
  if (a % 60 != 0) {
    out += ':';
    put_padded(out, a % 60, 2);
  }
}

void put_local_datetime(std::string& out, std::int64_t seconds, std::int64_t nanos) {
  put_date(out, floor_div(seconds, kSecondsPerDay));
  out += 'T';
  put_time_of_day(out, floor_mod(seconds, kSecondsPerDay) * kNanosPerSecond + nanos);
}

void put_signed(std::string& out, bool negative, std::uint64_t value, char unit) {
  if (negative) out += '-';
  put_padded(out, value, 1);
  out += unit;
}

// ---- Reading ----------------------------------------------------------------------------

// A cursor over one text, which names it in every refusal.
class Reader {
 public:
  Reader(std::string_view text, std::string_view kind, std::string_view form)
      : text_(text), kind_(kind), form_(form) {}

  [[noreturn]] void fail(std::string_view why = "") const {
    std::string message = fmt::format("'{}' is not a {} (expected {})", text_, kind_, form_);
    if (!why.empty()) message += fmt::format(": {}", why);
    throw Error(ErrorCode::kInvalidArgument, message);
  }

  bool done() const { return at_ == text_.size(); }
  char peek() const { return done() ? '\0' : text_[at_]; }
  bool take(char c) {
    if (peek() != c) return false;
    ++at_;
    return true;
  }
  void expect(char c) {
    if (!take(c)) fail();
  }
  void expect_end() {
    if (!done()) fail(fmt::format("unexpected '{}'", text_.substr(at_)));
  }
  std::string_view rest() const { return text_.substr(at_); }
  void skip(std::size_t n) { at_ += n; }

  // Between `least` and `most` decimal digits.
  std::uint64_t digits(int least, int most, int* count = nullptr) {
    std::uint64_t value = 0;
    int n = 0;
    while (n < most && peek() >= '0' && peek() <= '9') {
      value = value * 10 + static_cast<std::uint64_t>(peek() - '0');
      ++at_;
      ++n;
    }
    if (n < least) fail();
    if (count) *count = n;
    return value;
  }

  // ".ddd" (1 to 9 digits) as nanoseconds; 0 when there is none.
  std::int64_t fraction() {
    if (!take('.') && !take(',')) return 0;
    int n = 0;
    auto value = static_cast<std::int64_t>(digits(1, 9, &n));
    if (peek() >= '0' && peek() <= '9') fail("more than nine digits of a second");
    for (; n < 9; ++n) value *= 10;
    return value;
  }

 private:
  std::string_view text_;
  std::string_view kind_;
  std::string_view form_;
  std::size_t at_ = 0;
};

constexpr std::string_view kDateForm = "YYYY-MM-DD";
constexpr std::string_view kTimeForm = "HH:MM[:SS[.fffffffff]]";

std::int64_t read_date(Reader& in) {
  bool negative = false;
  bool signed_year = false;
  if (in.peek() == '-' || in.peek() == '+') {
    negative = in.peek() == '-';
    signed_year = true;
    in.skip(1);
  }
  int n = 0;
  auto year = static_cast<std::int64_t>(in.digits(4, 9, &n));
  if (n > 4 && !signed_year) in.fail("a year of more than four digits carries a sign");
  if (negative) year = -year;
  in.expect('-');
  int month = static_cast<int>(in.digits(2, 2));
  in.expect('-');
  int day = static_cast<int>(in.digits(2, 2));
  if (month < 1 || month > 12) in.fail(fmt::format("no month {}", month));
  if (day < 1 || day > days_in_month(year, month)) in.fail(fmt::format("no day {} in that month", day));
  return days_from_civil(year, month, day);
}

std::int64_t read_time_of_day(Reader& in) {
  auto hour = static_cast<std::int64_t>(in.digits(2, 2));
  in.expect(':');
  auto minute = static_cast<std::int64_t>(in.digits(2, 2));
  std::int64_t second = 0;
  std::int64_t nanos = 0;
  if (in.take(':')) {
    second = static_cast<std::int64_t>(in.digits(2, 2));
    nanos = in.fraction();
  }
  if (hour > 23 || minute > 59 || second > 59) in.fail("hour, minute or second out of range");
  return ((hour * 60 + minute) * 60 + second) * kNanosPerSecond + nanos;
}

// "Z", "+HH", "+HH:MM", "+HHMM" or "+HH:MM:SS"; nullopt when no offset starts here.
std::optional<std::int32_t> read_offset(Reader& in) {
  if (in.take('Z') || in.take('z')) return 0;
  if (in.peek() != '+' && in.peek() != '-') return std::nullopt;
  bool negative = in.peek() == '-';
  in.skip(1);
  auto hours = static_cast<std::int32_t>(in.digits(2, 2));
  std::int32_t minutes = 0;
  std::int32_t seconds = 0;
  if (in.take(':')) {
    minutes = static_cast<std::int32_t>(in.digits(2, 2));
    if (in.take(':')) seconds = static_cast<std::int32_t>(in.digits(2, 2));
  } else if (in.peek() >= '0' && in.peek() <= '9') {
    minutes = static_cast<std::int32_t>(in.digits(2, 2));
  }
  if (minutes > 59 || seconds > 59) in.fail("offset minutes or seconds out of range");
  std::int32_t offset = (hours * 60 + minutes) * 60 + seconds;
  if (offset > kMaxOffsetSeconds) in.fail("an offset lies within 18 hours");
  return negative ? -offset : offset;
}

// The offset a whole text gives ("+01:00", "Z"), or nullopt if it is not one.
std::optional<std::int32_t> offset_text(std::string_view text) {
  Reader in(text, "UTC offset", "Z or +HH:MM");
  std::optional<std::int32_t> offset = read_offset(in);
  if (!offset || !in.done()) return std::nullopt;
  return offset;
}

template <typename T>
T checked(T value) {
  check_value(value);
  return value;
}

}  // namespace

// Each checks its value first: the arithmetic below holds only inside the ranges.
std::string to_string(const Date& v) {
  check_value(v);
  std::string out;
  put_date(out, v.days);
  return out;
}

std::string to_string(const LocalTime& v) {
  check_value(v);
  std::string out;
  put_time_of_day(out, v.nanos);
  return out;
}

std::string to_string(const Time& v) {
  check_value(v);
  std::string out;
  put_time_of_day(out, v.nanos);
  put_offset(out, v.offset_seconds);
  return out;
}

std::string to_string(const LocalDateTime& v) {
  check_value(v);
  std::string out;
  put_local_datetime(out, v.seconds, v.nanos);
  return out;
}

std::string to_string(const DateTime& v) {
  check_fields(v);
  std::string out;
  put_local_datetime(out, v.seconds + v.offset_seconds, v.nanos);
  put_offset(out, v.offset_seconds);
  if (!v.zone.empty()) {
    out += '[';
    out += v.zone;
    out += ']';
  }
  return out;
}

std::string to_string(const Duration& v) {
  check_value(v);
  if (v.months == 0 && v.days == 0 && v.seconds == 0 && v.nanos == 0) return "PT0S";
  std::string out = "P";
  auto magnitude = [](std::int64_t x) { return x < 0 ? 0 - static_cast<std::uint64_t>(x) : static_cast<std::uint64_t>(x); };
  if (v.months / 12 != 0) put_signed(out, v.months < 0, magnitude(v.months / 12), 'Y');
  if (v.months % 12 != 0) put_signed(out, v.months < 0, magnitude(v.months % 12), 'M');
  if (v.days != 0) put_signed(out, v.days < 0, magnitude(v.days), 'D');
  __int128 total = static_cast<__int128>(v.seconds) * kNanosPerSecond + v.nanos;
  if (total == 0) return out;
  out += 'T';
  bool negative = total < 0;
  unsigned __int128 a = static_cast<unsigned __int128>(negative ? -total : total);
  auto seconds = static_cast<std::uint64_t>(a / kNanosPerSecond);
  auto nanos = static_cast<std::int64_t>(a % kNanosPerSecond);
  if (seconds / 3600 != 0) put_signed(out, negative, seconds / 3600, 'H');
  if (seconds / 60 % 60 != 0) put_signed(out, negative, seconds / 60 % 60, 'M');
  if (seconds % 60 != 0 || nanos != 0) {
    if (negative) out += '-';
    put_padded(out, seconds % 60, 1);
    put_fraction(out, nanos);
    out += 'S';
  }
  return out;
}

Date parse_date(std::string_view text) {
  Reader in(text, "date", kDateForm);
  Date out{read_date(in)};
  in.expect_end();
  return checked(out);
}

LocalTime parse_local_time(std::string_view text) {
  Reader in(text, "local time", kTimeForm);
  LocalTime out{read_time_of_day(in)};
  in.expect_end();
  return out;
}

Time parse_time(std::string_view text) {
  Reader in(text, "time", "HH:MM[:SS[.fffffffff]] and an offset, Z or +HH:MM");
  Time out;
  out.nanos = read_time_of_day(in);
  std::optional<std::int32_t> offset = read_offset(in);
  if (!offset) in.fail("a time needs its UTC offset (a time without one is a local time)");
  out.offset_seconds = *offset;
  in.expect_end();
  return out;
}

namespace {

LocalDateTime read_local_datetime(Reader& in) {
  std::int64_t days = read_date(in);
  if (!in.take('T') && !in.take('t')) in.fail();
  std::int64_t nanos_of_day = read_time_of_day(in);
  return {days * kSecondsPerDay + nanos_of_day / kNanosPerSecond,
          static_cast<std::int32_t>(nanos_of_day % kNanosPerSecond)};
}

}  // namespace

LocalDateTime parse_local_datetime(std::string_view text) {
  Reader in(text, "local date-time", "YYYY-MM-DDTHH:MM[:SS[.fffffffff]]");
  LocalDateTime out = read_local_datetime(in);
  in.expect_end();
  return checked(out);
}

DateTime datetime_in_zone(const LocalDateTime& local, std::string_view zone) {
  DateTime out;
  out.nanos = local.nanos;
  if (std::optional<std::int32_t> offset = offset_text(zone)) {
    out.offset_seconds = *offset;
    out.seconds = local.seconds - *offset;
    return checked(out);
  }
  out.zone = std::string(zone);
  // Where the clock skips the local time, the offset before the change puts the instant after
  // it, where the zone's offset is the one after the change: the local time moves forward by
  // the gap. Where it repeats the local time, the earlier offset is taken.
  out.seconds = local.seconds - zone_offset_for_local(zone, local.seconds);
  out.offset_seconds = zone_offset_at(zone, out.seconds);
  return checked(out);
}

DateTime parse_datetime(std::string_view text, std::string_view default_zone) {
  Reader in(text, "date-time", "YYYY-MM-DDTHH:MM[:SS[.fffffffff]] and Z, +HH:MM, [Zone/Name] or both");
  LocalDateTime local = read_local_datetime(in);
  std::optional<std::int32_t> offset = read_offset(in);
  std::string zone;
  if (in.take('[')) {
    std::string_view rest = in.rest();
    std::size_t close = rest.find(']');
    if (close == std::string_view::npos || close == 0) in.fail("a zone name ends with ']'");
    zone = std::string(rest.substr(0, close));
    in.skip(close + 1);
  }
  in.expect_end();
  if (zone.empty()) {
    if (!offset) return datetime_in_zone(local, default_zone);
    DateTime out{local.seconds - *offset, local.nanos, *offset, ""};
    return checked(out);
  }
  if (std::optional<std::int32_t> bracketed = offset_text(zone)) {
    if (offset && *offset != *bracketed) in.fail("the offset and the bracketed offset differ");
    DateTime out{local.seconds - *bracketed, local.nanos, *bracketed, ""};
    return checked(out);
  }
  if (!offset) return datetime_in_zone(local, zone);
  DateTime out{local.seconds - *offset, local.nanos, *offset, zone};
  std::int32_t zone_offset = zone_offset_at(zone, out.seconds);
  if (zone_offset != *offset) {
    std::string expected;
    put_offset(expected, zone_offset);
    in.fail(fmt::format("{} is at {} then, not at the offset given", zone, expected));
  }
  return checked(out);
}

Duration parse_iso_duration(std::string_view text) {
  Reader in(text, "duration", "P[nY][nM][nW][nD][T[nH][nM][n[.f]S]], e.g. P1M2DT3.5S");
  bool negate = in.take('-');
  if (!in.take('P') && !in.take('p')) in.fail();
  __int128 months = 0, days = 0, nanos = 0;
  __int128 day_nanos = 0;  // the fractions of years, months, weeks and days, in nanoseconds
  bool any = false;
  bool in_time = false;
  const std::string_view date_units = "YMWD";
  const std::string_view time_units = "HMS";
  std::size_t next_unit = 0;  // units come in order, each once
  while (!in.done()) {
    if (!in_time && (in.peek() == 'T' || in.peek() == 't')) {
      in.skip(1);
      in_time = true;
      next_unit = 0;
      if (in.done()) in.fail("nothing after T");
      continue;
    }
    bool negative = in.take('-');
    if (!negative) in.take('+');
    int n = 0;
    auto whole = static_cast<__int128>(in.digits(1, 19, &n));
    std::int64_t fraction = in.fraction();
    char unit = static_cast<char>(std::toupper(static_cast<unsigned char>(in.peek())));
    std::string_view units = in_time ? time_units : date_units;
    std::size_t at = units.find(unit);
    if (unit == '\0' || at == std::string_view::npos || at < next_unit) in.fail("a number without its unit, or units out of order");
    next_unit = at + 1;
    in.skip(1);
    if (negative) {
      whole = -whole;
      fraction = -fraction;
    }
    any = true;
    if (!in_time) {
      // A fraction goes down to the next unit as Neo4j takes it: a year is 12 months, a month
      // on average 30.436875 days (2 629 746 s), a week 7 days; what is left of a day is time.
      constexpr __int128 kSecondsPerMonth = 2'629'746;
      __int128 month_billionths = 0;  // of a month
      if (unit == 'Y') {
        months += whole * 12 + fraction * 12 / kNanosPerSecond;
        month_billionths = fraction * 12 % kNanosPerSecond;
      }
      if (unit == 'M') {
        months += whole;
        month_billionths = fraction;
      }
      if (unit == 'W') days += whole * 7;
      if (unit == 'D') days += whole;
      day_nanos += month_billionths * kSecondsPerMonth + fraction * (unit == 'W' ? 7 : unit == 'D' ? 1 : 0) * kSecondsPerDay;
    } else {
      __int128 per = unit == 'H' ? 3600 : unit == 'M' ? 60 : 1;
      nanos += whole * per * kNanosPerSecond + fraction * per;
    }
  }
  if (!any) in.fail("no amount");
  days += day_nanos / kNanosPerDay;
  nanos += day_nanos % kNanosPerDay;
  if (negate) {
    months = -months;
    days = -days;
    nanos = -nanos;
  }
  constexpr __int128 kMost = INT64_MAX;
  constexpr __int128 kLeast = INT64_MIN;
  __int128 seconds = nanos / kNanosPerSecond;
  __int128 rest = nanos % kNanosPerSecond;
  if (rest < 0) {
    rest += kNanosPerSecond;
    --seconds;
  }
  if (months > kMost || months < kLeast || days > kMost || days < kLeast || seconds > kMost || seconds < kLeast)
    in.fail("an amount does not fit in 64 bits");
  return Duration{static_cast<std::int64_t>(months), static_cast<std::int64_t>(days),
                  static_cast<std::int64_t>(seconds), static_cast<std::int32_t>(rest)};
}

}  // namespace txgraph
