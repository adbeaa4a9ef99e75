// Neo4j's temporal and spatial property values (txgraph/temporal.h; txlog/FORMAT.md, "Temporal
// and spatial values (version 6)"): the calendar against a day-by-day walk and a closed formula,
// the ISO-8601 text forms read and printed (leap days, signed years, fractions, offsets, named
// zones across clock changes, durations), the ranges check_value() and Value's constructors
// refuse, points by SRID, and the codec: every kind round-trips, skips and compares, and a field
// out of range in stored bytes is corruption. Expected numbers are computed here independently.
#include "txgraph/temporal.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "txgraph/error.h"
#include "txgraph/value.h"
#include "txlog/byte_codec.h"
#include "txlog/posix_zone_rule.h"
#include "txlog/value_codec.h"
#include "txlog_test_support.h"

namespace txgraph {
// Readable failure messages (internal linkage: no clash with printers of other test files).
[[maybe_unused]] static void PrintTo(const LocalTime& v, std::ostream* os) { *os << to_string(v); }
[[maybe_unused]] static void PrintTo(const Time& v, std::ostream* os) { *os << to_string(v); }
[[maybe_unused]] static void PrintTo(const LocalDateTime& v, std::ostream* os) { *os << to_string(v); }
[[maybe_unused]] static void PrintTo(const DateTime& v, std::ostream* os) { *os << to_string(v); }
[[maybe_unused]] static void PrintTo(const Duration& v, std::ostream* os) { *os << to_string(v); }
[[maybe_unused]] static void PrintTo(const Point& p, std::ostream* os) {
  *os << p.srid << ":" << p.x << "," << p.y << "," << p.z;
}
[[maybe_unused]] static void PrintTo(const Value& v, std::ostream* os) { *os << value_text(v); }
}  // namespace txgraph

namespace txgraph::txlog {
namespace {

using testing::error_code_of;
using testing::hex;

constexpr std::int64_t kNanosPerSecond = 1'000'000'000;
constexpr std::int64_t kSecondsPerDay = 86'400;
constexpr std::int64_t kNanosPerDay = kSecondsPerDay * kNanosPerSecond;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr const char* kBerlin = "Europe/Berlin";
constexpr std::int64_t kHalfPastTwelve = (12 * 3600 + 30 * 60) * kNanosPerSecond;
constexpr std::int64_t kJan31At1230 = 19753 * kSecondsPerDay + 45000;      // 2024-01-31T12:30 on a local clock
constexpr std::int64_t kJan31At1130Z = kJan31At1230 - 3600;                // 1706700600
constexpr std::int64_t kJul1At1000Z = 19905 * kSecondsPerDay + 10 * 3600;  // 1719828000

// ---- The test's own calendar arithmetic ---------------------------------------------------------

std::int64_t fdiv(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0 && (a < 0) != (b < 0)) ? 1 : 0); }
bool naive_leap(std::int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }
// Days from 1970-01-01 to January 1st of `year` (proleptic Gregorian; year 0 is a leap year).
std::int64_t jan1_days(std::int64_t year) {
  auto leaps_through = [](std::int64_t n) { return fdiv(n, 4) - fdiv(n, 100) + fdiv(n, 400); };
  auto from_year_zero = [&](std::int64_t y) { return 365 * y + leaps_through(y - 1) + 1; };
  return from_year_zero(year) - from_year_zero(1970);
}
std::string date_text(std::int64_t year, int month, int day) {
  return fmt::format("{}{:04}-{:02}-{:02}", year < 0 ? "-" : year > 9999 ? "+" : "", year < 0 ? -year : year, month,
                     day);
}

// ---- Helpers ------------------------------------------------------------------------------------

template <typename Fn>
void expect_refused(std::string_view what, Fn&& fn) {
  SCOPED_TRACE(what);
  EXPECT_EQ(error_code_of(std::forward<Fn>(fn)), ErrorCode::kInvalidArgument);
}

// Each text is refused by `parse` as an invalid argument.
template <typename Parse, typename... Texts>
void expect_unreadable(Parse parse, Texts... texts) {
  for (std::string_view text : {std::string_view(texts)...}) expect_refused(text, [&] { (void)parse(text); });
}

// Each text reads and prints back unchanged.
template <typename Parse, typename... Texts>
void expect_round_trips(Parse parse, Texts... texts) {
  for (std::string_view text : {std::string_view(texts)...}) EXPECT_EQ(to_string(parse(text)), text);
}

// `text` reads as `value`, and `value` prints as `text`.
template <typename Parse, typename T>
void expect_text(Parse parse, std::string_view text, const T& value) {
  EXPECT_EQ(parse(text), value) << text;
  EXPECT_EQ(to_string(value), text);
}

DateTime read_datetime(std::string_view text) { return parse_datetime(text); }

// The message of the invalid-argument error `fn` throws.
template <typename Fn>
std::string refusal_message(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "nothing was refused";
  return "";
}

// Hand-written encodings: Enc().u8(13).varint(1234).f64(1).f64(2).bytes().
class Enc {
 public:
  Enc& u8(std::uint8_t v) { return w_.u8(v), *this; }
  Enc& varint(std::uint64_t v) { return w_.varint(v), *this; }
  Enc& zigzag(std::int64_t v) { return w_.zigzag(v), *this; }
  Enc& f64(double v) { return w_.f64(v), *this; }
  Enc& str(std::string_view v) { return w_.str(v), *this; }
  std::string bytes() const { return out_; }

 private:
  std::string out_;
  ByteWriter w_{out_};
};

std::uint64_t zz(std::int64_t v) { return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63); }

Value decode_whole(std::string_view bytes) {
  ByteReader r(bytes, "test value");
  Value v = decode_value(r);
  EXPECT_TRUE(r.done()) << r.remaining() << " bytes left after the value";
  return v;
}

// ---- Dates --------------------------------------------------------------------------------------

TEST(TemporalDate, TextAndDaysSinceTheEpoch) {
  using Case = std::pair<std::string_view, std::int64_t>;
  for (const auto& [text, days] :
       {Case{"1970-01-01", 0}, Case{"2024-01-31", 19753}, Case{"2000-03-01", 11017}, Case{"1969-12-31", -1},
        Case{"2024-02-29", 19782}, Case{"2000-02-29", 11016}, Case{"1600-02-29", jan1_days(1600) + 59},
        Case{"0001-01-01", -719162}, Case{"0000-02-29", -719528 + 59}, Case{"-0001-01-01", -719893},
        Case{"9999-12-31", jan1_days(10000) - 1}, Case{"+10000-01-01", jan1_days(10000)},
        Case{"-10000-01-01", jan1_days(-10000)}}) {
    EXPECT_EQ(parse_date(text).days, days) << text;
    EXPECT_EQ(to_string(Date{days}), text);
  }
  EXPECT_EQ(parse_date("+2024-01-31").days, 19753);  // a sign on a four-digit year is allowed
  expect_unreadable(parse_date, "2023-02-29", "1900-02-29", "2100-02-29", "-0001-02-29", "2024-02-30", "2024-04-31",
                    "2024-01-32", "2024-13-01", "2024-00-10", "2024-01-00", "20240-01-31", "10000-01-01", "2024-1-31",
                    "24-01-31", "", " 2024-01-31", "2024-01-31T00:00", "2024/01/31", "+1000000000-01-01",
                    "-1000000000-01-01");
}

TEST(TemporalDate, YearsRunFromMinus999999999To999999999) {
  const std::int64_t first = jan1_days(-999'999'999), last = jan1_days(1'000'000'000) - 1;
  EXPECT_EQ(parse_date("-999999999-01-01").days, first);
  EXPECT_EQ(parse_date("+999999999-12-31").days, last);
  expect_round_trips(parse_date, "-999999999-01-01", "+999999999-12-31");
  EXPECT_NO_THROW(check_value(Date{first}));
  EXPECT_NO_THROW((void)Value(Date{last}));
  expect_refused("day before the first", [&] { check_value(Date{first - 1}); });
  expect_refused("day after the last", [&] { (void)Value(Date{last + 1}); });
  // A local date-time is bounded by its day.
  EXPECT_NO_THROW((void)Value(LocalDateTime{(last + 1) * kSecondsPerDay - 1, 999'999'999}));
  expect_refused("after the last day", [&] { (void)Value(LocalDateTime{(last + 1) * kSecondsPerDay, 0}); });
  expect_refused("before the first day", [&] { check_value(LocalDateTime{first * kSecondsPerDay - 1, 0}); });
  // Far years against the closed formula.
  for (std::int64_t y : {-999'999'999LL, -123'456'789LL, -10'000LL, -401LL, -400LL, -100LL, -4LL, -1LL, 0LL, 1LL, 100LL,
                         1582LL, 9'999LL, 10'000LL, 12'345LL, 999'999'999LL}) {
    EXPECT_EQ(parse_date(date_text(y, 1, 1)).days, jan1_days(y)) << y;
    EXPECT_EQ(parse_date(date_text(y, 12, 31)).days, jan1_days(y + 1) - 1) << y;
    EXPECT_EQ(parse_date(date_text(y, 3, 1)).days - parse_date(date_text(y, 2, 28)).days, naive_leap(y) ? 2 : 1) << y;
    EXPECT_EQ(to_string(Date{jan1_days(y)}), date_text(y, 1, 1));
  }
}

// 1700-01-01 to 2299: 1700, 1800, 1900, 2100 and 2200 are not leap years, 2000 is.
TEST(TemporalDate, DaysMatchADayByDayWalkAcross1970) {
  static constexpr int kLength[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  std::int64_t year = 1700, days = jan1_days(1700);
  int month = 1, day = 1;
  ASSERT_EQ(days, -98615);  // 270 years of 365 days and 65 leap days before 1970
  for (; year < 2300; ++days) {
    std::string text = date_text(year, month, day);
    std::int64_t parsed = parse_date(text).days;
    std::string printed = to_string(Date{days});
    if (parsed != days || printed != text) {
      ADD_FAILURE() << text << " parsed as day " << parsed << "; day " << days << " printed as " << printed;
      break;
    }
    if (++day > kLength[month - 1] + (month == 2 && naive_leap(year) ? 1 : 0)) {
      day = 1;
      if (++month > 12) {
        month = 1;
        ++year;
      }
    }
  }
  EXPECT_EQ(days, jan1_days(2300));
}

// ---- Times of day -------------------------------------------------------------------------------

TEST(TemporalTime, LocalTimesReadAndPrint) {
  EXPECT_EQ(parse_local_time("12:30"), LocalTime{kHalfPastTwelve});
  expect_text(parse_local_time, "12:30:00", LocalTime{kHalfPastTwelve});
  expect_text(parse_local_time, "12:30:00.5", LocalTime{kHalfPastTwelve + 500'000'000});
  expect_text(parse_local_time, "00:00:00.000000001", LocalTime{1});
  expect_text(parse_local_time, "07:08:09.12", LocalTime{(7 * 3600 + 8 * 60 + 9) * kNanosPerSecond + 120'000'000});
  expect_round_trips(parse_local_time, "23:59:59.999999999", "00:00:00", "00:00:00.123456789");
  expect_unreadable(parse_local_time, "12:30:00.1234567891", "24:00", "24:00:00", "12:60", "12:30:60", "1:30", "12",
                    "12:30:00.", "12:30.5", "12:30:00+01:00", "12:30:00Z", "");
  expect_refused("negative", [] { check_value(LocalTime{-1}); });
  expect_refused("a whole day", [] { (void)Value(LocalTime{kNanosPerDay}); });
}

TEST(TemporalTime, TimesCarryTheirOffset) {
  expect_text(parse_time, "12:30:00Z", Time{kHalfPastTwelve, 0});
  expect_text(parse_time, "12:30:00+01:00", Time{kHalfPastTwelve, 3600});
  expect_text(parse_time, "12:30:00.5-05:30", Time{kHalfPastTwelve + 500'000'000, -(5 * 3600 + 30 * 60)});
  expect_text(parse_time, "12:30:00+01:00:30", Time{kHalfPastTwelve, 3630});
  EXPECT_EQ(parse_time("12:30+0100"), (Time{kHalfPastTwelve, 3600}));
  expect_round_trips(parse_time, "23:59:59.999999999-18:00", "00:00:00+18:00", "00:00:00-01:00:30");
  expect_unreadable(parse_time, "12:30:00", "12:30", "12:30:00+18:01", "12:30:00+19:00", "12:30:00-18:00:01",
                    "12:30:00+01:60", "12:30:00+1", "24:00Z", "12:30:00+01:00[Europe/Berlin]");
  EXPECT_NO_THROW(check_value(Time{0, -18 * 3600}));
  expect_refused("offset past +18h", [] { check_value(Time{0, 18 * 3600 + 1}); });
  expect_refused("offset past -18h", [] { (void)Value(Time{0, -18 * 3600 - 1}); });
  expect_refused("a whole day", [] { (void)Value(Time{kNanosPerDay, 0}); });
}

// ---- Date-times ---------------------------------------------------------------------------------

TEST(TemporalDateTime, LocalDateTimes) {
  EXPECT_EQ(parse_local_datetime("2024-01-31T12:30"), (LocalDateTime{kJan31At1230, 0}));
  expect_text(parse_local_datetime, "1969-12-31T23:59:59.5", LocalDateTime{-1, 500'000'000});
  expect_round_trips(parse_local_datetime, "2024-01-31T12:30:00", "-0001-12-31T23:59:59.999999999",
                     "+10000-01-01T00:00:00");
  expect_unreadable(parse_local_datetime, "2024-01-31", "2024-01-31T12:30Z", "2024-01-31 12:30", "2024-02-30T00:00",
                    "2024-01-31T24:00", "2024-01-31T12:30+01:00");
  expect_refused("nanos 1e9", [] { check_value(LocalDateTime{0, 1'000'000'000}); });
  expect_refused("nanos -1", [] { (void)Value(LocalDateTime{0, -1}); });
}

TEST(TemporalDateTime, AnOffsetGivesTheInstant) {
  expect_text(read_datetime, "2024-01-31T12:30:00+01:00", DateTime{kJan31At1130Z, 0, 3600, ""});
  expect_text(read_datetime, "2024-01-31T11:30:00Z", DateTime{kJan31At1130Z, 0, 0, ""});
  expect_text(read_datetime, "2024-01-31T12:30:00-05:30", DateTime{kJan31At1230 + 19800, 0, -19800, ""});
  expect_text(read_datetime, "2024-01-01T00:30:00+01:00", DateTime{19723 * kSecondsPerDay - 1800, 0, 3600, ""});
  EXPECT_EQ(local_datetime_of(parse_datetime("2024-01-31T12:30:00+01:00")), (LocalDateTime{kJan31At1230, 0}));
  expect_round_trips(read_datetime, "1969-12-31T23:59:59.123456789-01:00:30", "+10000-01-01T00:00:00+18:00");
  expect_refused("offset past 18h", [] { check_value(DateTime{0, 0, 18 * 3600 + 1, ""}); });
  expect_refused("nanos 1e9", [] { (void)Value(DateTime{0, 1'000'000'000, 0, ""}); });
}

TEST(TemporalDateTime, ANamedZoneTakesItsOffsetAtThatInstant) {
  const DateTime winter{kJan31At1130Z, 0, 3600, kBerlin}, summer{kJul1At1000Z, 0, 7200, kBerlin};
  EXPECT_EQ(parse_datetime("2024-01-31T12:30[Europe/Berlin]"), winter);
  EXPECT_EQ(parse_datetime("2024-07-01T12:00[Europe/Berlin]"), summer);
  EXPECT_EQ(to_string(parse_datetime("2024-07-01T12:00[Europe/Berlin]")), "2024-07-01T12:00:00+02:00[Europe/Berlin]");
  expect_text(read_datetime, "2024-01-31T12:30:00+01:00[Europe/Berlin]", winter);
  expect_text(read_datetime, "2024-07-01T12:00:00+02:00[Europe/Berlin]", summer);
  EXPECT_EQ(datetime_in_zone(parse_local_datetime("2024-07-01T12:00"), kBerlin), summer);
  EXPECT_EQ(local_datetime_of(summer), parse_local_datetime("2024-07-01T12:00"));
  EXPECT_EQ(parse_datetime("2024-01-31T12:30[America/New_York]").offset_seconds, -5 * 3600);
  EXPECT_EQ(parse_datetime("2024-07-01T12:00[Asia/Kolkata]").seconds, kJul1At1000Z - 3 * 3600 - 30 * 60);
  // An offset that is not the zone's at that instant.
  expect_unreadable(read_datetime, "2024-01-31T12:30:00+02:00[Europe/Berlin]", "2024-07-01T12:00+01:00[Europe/Berlin]");
  expect_refused("winter offset in July", [] { check_value(DateTime{kJul1At1000Z, 0, 3600, kBerlin}); });
  expect_refused("Value: winter offset in July", [] { (void)Value(DateTime{kJul1At1000Z, 0, 3600, kBerlin}); });
}

TEST(TemporalDateTime, AnUnknownZoneIsRefusedByName) {
  const LocalDateTime local = parse_local_datetime("2024-01-31T12:30");
  for (const std::string& message : {refusal_message([] { (void)parse_datetime("2024-01-31T12:30[Mars/Olympus]"); }),
                                     refusal_message([] { (void)parse_datetime("2024-01-31T12:30", "Mars/Olympus"); }),
                                     refusal_message([&] { (void)datetime_in_zone(local, "Mars/Olympus"); })}) {
    EXPECT_NE(message.find("Mars/Olympus"), std::string::npos) << message;
  }
  expect_unreadable(read_datetime, "2024-01-31T12:30+01:00[Mars/Olympus]");
  expect_refused("check_value", [] { check_value(DateTime{0, 0, 0, "Mars/Olympus"}); });
}

// Past the last transition a zone file lists (2037 in Debian's), its closing POSIX rule says
// the offsets: summer time goes on in 2040 and later, north and south.
TEST(TemporalDateTime, ZonesKeepTheirRulesPastTheListedYears) {
  auto text = [](std::string_view in) { return to_string(parse_datetime(in)); };
  EXPECT_EQ(text("2040-07-01T12:00[Europe/Berlin]"), "2040-07-01T12:00:00+02:00[Europe/Berlin]");
  EXPECT_EQ(text("2040-01-15T12:00[Europe/Berlin]"), "2040-01-15T12:00:00+01:00[Europe/Berlin]");
  EXPECT_EQ(text("2040-07-04T12:00[America/New_York]"), "2040-07-04T12:00:00-04:00[America/New_York]");
  EXPECT_EQ(text("2040-06-15T12:00[Australia/Sydney]"), "2040-06-15T12:00:00+10:00[Australia/Sydney]");
  EXPECT_EQ(text("2040-01-15T12:00[Australia/Sydney]"), "2040-01-15T12:00:00+11:00[Australia/Sydney]");
  EXPECT_EQ(text("2300-07-01T12:00[Europe/Berlin]"), "2300-07-01T12:00:00+02:00[Europe/Berlin]");
  // 2040-03-25 and 2040-10-28 are the last Sundays of March and October.
  EXPECT_EQ(text("2040-03-25T02:30[Europe/Berlin]"), "2040-03-25T03:30:00+02:00[Europe/Berlin]");
  EXPECT_EQ(text("2040-10-28T02:30[Europe/Berlin]"), "2040-10-28T02:30:00+02:00[Europe/Berlin]");
  EXPECT_EQ(text("2040-10-28T02:30+01:00[Europe/Berlin]"), "2040-10-28T02:30:00+01:00[Europe/Berlin]");
  expect_refused("summer offset in winter", [] { (void)parse_datetime("2040-01-15T12:00+02:00[Europe/Berlin]"); });
}

TEST(TemporalDateTime, PosixRulesReadAndApply) {
  using temporal::PosixZoneRule;
  auto rule = PosixZoneRule::parse("AEST-10AEDT,M10.1.0,M4.1.0/3");  // the south: summer across the new year
  ASSERT_TRUE(rule.has_value());
  const std::int64_t jan = 2'210'000'000, jul = 2'225'000'000;  // 2040-01-12, 2040-07-03
  EXPECT_EQ(rule->offset_at(jan), 11 * 3600);
  EXPECT_EQ(rule->offset_at(jul), 10 * 3600);
  auto fixed = PosixZoneRule::parse("<+0530>-5:30");
  ASSERT_TRUE(fixed.has_value());
  EXPECT_FALSE(fixed->has_daylight_saving());
  EXPECT_EQ(fixed->offset_at(jan), 5 * 3600 + 1800);
  // Julian days, and a change at 25:00 (the day after, RFC 8536).
  auto julian = PosixZoneRule::parse("XST3XDT,J60/25,300");
  ASSERT_TRUE(julian.has_value());
  EXPECT_EQ(julian->offset_at(jul), -2 * 3600);
  EXPECT_EQ(julian->offset_at(jan), -3 * 3600);
  for (std::string_view bad : {"", "X1", "CET", "CET-1CEST", "CET-1CEST,M13.5.0,M10.5.0", "CET-1CEST,M3.6.0,M10.5.0",
                               "CET-1CEST,M3.5.0", "CET-1CEST,M3.5.0,M10.5.0/3x"})
    EXPECT_FALSE(PosixZoneRule::parse(bad).has_value()) << bad;
}

TEST(TemporalDateTime, ClockChangesInBerlin) {
  constexpr std::int64_t kMar31 = 19813 * kSecondsPerDay, kOct27 = 20023 * kSecondsPerDay;
  // Spring: local 02:00 to 03:00 is skipped (at 01:00Z); 02:30 moves forward by the gap.
  DateTime gap = parse_datetime("2024-03-31T02:30[Europe/Berlin]");
  EXPECT_EQ(gap, (DateTime{kMar31 + 5400, 0, 7200, kBerlin}));
  EXPECT_EQ(to_string(gap), "2024-03-31T03:30:00+02:00[Europe/Berlin]");
  EXPECT_EQ(datetime_in_zone(parse_local_datetime("2024-03-31T02:30"), kBerlin), gap);
  EXPECT_EQ(parse_datetime("2024-03-31T01:59:59[Europe/Berlin]"), (DateTime{kMar31 + 3599, 0, 3600, kBerlin}));
  EXPECT_EQ(parse_datetime("2024-03-31T03:00[Europe/Berlin]"), (DateTime{kMar31 + 3600, 0, 7200, kBerlin}));
  // Autumn: local 02:00 to 03:00 happens twice; the earlier offset is taken, the later one when named.
  EXPECT_EQ(parse_datetime("2024-10-27T02:30[Europe/Berlin]"), (DateTime{kOct27 + 1800, 0, 7200, kBerlin}));
  expect_text(read_datetime, "2024-10-27T02:30:00+02:00[Europe/Berlin]", DateTime{kOct27 + 1800, 0, 7200, kBerlin});
  expect_text(read_datetime, "2024-10-27T02:30:00+01:00[Europe/Berlin]", DateTime{kOct27 + 5400, 0, 3600, kBerlin});
}

TEST(TemporalDateTime, DefaultZoneAndBracketedOffsets) {
  EXPECT_EQ(parse_datetime("2024-01-31T12:30"), (DateTime{kJan31At1230, 0, 0, ""}));
  EXPECT_EQ(parse_datetime("2024-01-31T12:30", "+01:00"), (DateTime{kJan31At1130Z, 0, 3600, ""}));
  EXPECT_EQ(parse_datetime("2024-07-01T12:00", kBerlin), (DateTime{kJul1At1000Z, 0, 7200, kBerlin}));
  EXPECT_EQ(parse_datetime("2024-01-31T12:30Z", kBerlin), (DateTime{kJan31At1230, 0, 0, ""}));
  EXPECT_EQ(parse_datetime("2024-01-31T12:30[+01:00]"), (DateTime{kJan31At1130Z, 0, 3600, ""}));
  EXPECT_EQ(parse_datetime("2024-01-31T12:30+01:00[+01:00]"), (DateTime{kJan31At1130Z, 0, 3600, ""}));
  expect_unreadable(read_datetime, "2024-01-31T12:30+01:00[+02:00]", "2024-01-31T12:30[]",
                    "2024-01-31T12:30[Europe/Berlin", "2024-01-31T12:30+01:00 ", "2024-01-31T12:30+19:00",
                    "2024-01-31");
}

TEST(TemporalDateTime, TheSameInstantInAnotherZoneIsAnotherValue) {
  DateTime berlin = parse_datetime("2024-01-31T12:30[Europe/Berlin]");
  DateTime offset = parse_datetime("2024-01-31T12:30+01:00");
  ASSERT_EQ(berlin.seconds, offset.seconds);
  ASSERT_EQ(berlin.offset_seconds, offset.offset_seconds);
  EXPECT_NE(berlin, offset);
  EXPECT_NE(Value(berlin), Value(offset));
  EXPECT_FALSE(encoded_values_equal(encoded_value(Value(berlin)), encoded_value(Value(offset))));
}

// ---- Durations ----------------------------------------------------------------------------------

TEST(TemporalDuration, CanonicalTextBothWays) {
  expect_text(parse_iso_duration, "P1Y2M3DT1H2M3.5S", Duration{14, 3, 3723, 500'000'000});
  expect_text(parse_iso_duration, "PT0S", Duration{});
  expect_text(parse_iso_duration, "P1Y", Duration{12, 0, 0, 0});
  expect_text(parse_iso_duration, "PT1M", Duration{0, 0, 60, 0});
  expect_text(parse_iso_duration, "PT36H", Duration{0, 0, 36 * 3600, 0});  // hours are not days
  expect_text(parse_iso_duration, "PT0.000000001S", Duration{0, 0, 0, 1});
  expect_text(parse_iso_duration, "PT-0.5S", Duration{0, 0, -1, 500'000'000});
  expect_text(parse_iso_duration, "PT-0.000000001S", Duration{0, 0, -1, 999'999'999});
  expect_text(parse_iso_duration, "P1M-1D", Duration{1, -1, 0, 0});
  expect_text(parse_iso_duration, "P-1Y-2M-3DT-1H-2M-3.5S", Duration{-14, -3, -3724, 500'000'000});
  // Other forms that read.
  EXPECT_EQ(parse_iso_duration("P2W"), (Duration{0, 14, 0, 0}));
  EXPECT_EQ(parse_iso_duration("P1W3D"), (Duration{0, 10, 0, 0}));
  EXPECT_EQ(parse_iso_duration("P0D"), Duration{});
  EXPECT_EQ(parse_iso_duration("P14M"), (Duration{14, 0, 0, 0}));
  EXPECT_EQ(parse_iso_duration("-P1DT1H"), (Duration{0, -1, -3600, 0}));
  EXPECT_EQ(parse_iso_duration("-P-1D"), (Duration{0, 1, 0, 0}));
  EXPECT_EQ(parse_iso_duration("PT1H-30M"), (Duration{0, 0, 1800, 0}));
}

TEST(TemporalDuration, PrintedDurationsReadBack) {
  int failures = 0;
  for (std::int64_t months : {0, 1, 11, 12, 13, -1, -12, -25, 1200})
    for (std::int64_t days : {0, 1, -1, 7, 400, -400})
      for (std::int64_t seconds : {0, 1, 59, 60, 61, 3599, 3600, 86399, 86400, 90061, -1, -60, -3601})
        for (std::int32_t nanos : {0, 1, 500'000'000, 999'999'999}) {
          Duration d{months, days, seconds, nanos};
          std::string text = to_string(d);
          Duration back = parse_iso_duration(text);
          if (back != d || to_string(back) != text) {
            ADD_FAILURE() << text << " read back as " << to_string(back);
            if (++failures == 5) return;
          }
        }
}

// Every Duration that check_value accepts prints as a text that reads back, 64-bit amounts too.
TEST(TemporalDuration, ExtremeAmountsReadBack) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  for (const Duration& d : {Duration{kMax, 0, 0, 0}, Duration{0, 0, kMax, 999'999'999}, Duration{0, kMax, 0, 0},
                            Duration{0, 1'000'000'000'000'000'000, 0, 0}, Duration{kMin, 0, 0, 0},
                            Duration{0, kMin, 0, 0}, Duration{0, 0, kMin, 0}}) {
    std::string text = to_string(d);
    EXPECT_NO_THROW(check_value(d));
    Duration back;
    EXPECT_NO_THROW(back = parse_iso_duration(text)) << text;
    EXPECT_EQ(back, d) << text;
  }
}

// A fraction of any unit goes down to the next one, as Neo4j takes it: a year is 12 months, a
// month 2 629 746 seconds (30.436875 days), a week 7 days.
TEST(TemporalDuration, FractionsGoDownToTheNextUnit) {
  EXPECT_EQ(parse_iso_duration("P1.5D"), (Duration{0, 1, 43'200, 0}));
  EXPECT_EQ(parse_iso_duration("P0.5Y"), (Duration{6, 0, 0, 0}));
  EXPECT_EQ(parse_iso_duration("P0.75M"), (Duration{0, 22, 71'509, 500'000'000}));
  EXPECT_EQ(parse_iso_duration("P2.5W"), (Duration{0, 17, 43'200, 0}));
  EXPECT_EQ(parse_iso_duration("PT1.5H"), (Duration{0, 0, 5'400, 0}));
  EXPECT_EQ(parse_iso_duration("PT-1.5M"), (Duration{0, 0, -90, 0}));
  EXPECT_EQ(to_string(parse_iso_duration("P5M1.5D")), "P5M1DT12H");
}

TEST(TemporalDuration, MalformedTextIsRefused) {
  expect_unreadable(parse_iso_duration, "", "P", "PT", "P1DT", "1D", "P1", "PT1", "P1D1Y", "P1D2M", "PT1S1M", "PT1M1H", "P1D1D", "P1H", "PT1D", "PT1Y",
                    "PT6.1234567891S", "P1DT1H2", "P T1S", "PT1S ", "P1000000000000000000000D");
  expect_refused("nanos 1e9", [] { check_value(Duration{0, 0, 0, 1'000'000'000}); });
  expect_refused("nanos -1", [] { (void)Value(Duration{0, 0, 0, -1}); });
}

// ---- Points -------------------------------------------------------------------------------------

TEST(TemporalPoint, SridsAndTheirNames) {
  for (std::int32_t srid : {7203, 9157, 4326, 4979}) EXPECT_TRUE(is_known_srid(srid)) << srid;
  for (std::int32_t srid : {0, 1234, 4327, -7203, 7204}) EXPECT_FALSE(is_known_srid(srid)) << srid;
  for (std::int32_t srid : {9157, 4979}) EXPECT_TRUE(is_3d_srid(srid)) << srid;
  for (std::int32_t srid : {7203, 4326, 1234}) EXPECT_FALSE(is_3d_srid(srid)) << srid;
  EXPECT_EQ(crs_name(kSridCartesian), "cartesian");
  EXPECT_EQ(crs_name(kSridCartesian3D), "cartesian-3d");
  EXPECT_EQ(crs_name(kSridWgs84), "wgs-84");
  EXPECT_EQ(crs_name(kSridWgs84_3D), "wgs-84-3d");
  EXPECT_EQ(crs_name(1234), "");
}

TEST(TemporalPoint, CoordinatesAreChecked) {
  for (const Point& p : {Point{7203, 1.5, -2.5, 0}, Point{7203, 1e300, -1e300, 0}, Point{9157, 1, 2, 3},
                         Point{9157, 1, 2, 0}, Point{4326, 13.4, 52.5, 0}, Point{4326, -180, -90, 0},
                         Point{4326, 180, 90, 0}, Point{4979, 13.4, 52.5, 34.5}, Point{4979, 0, 0, -1e6}}) {
    SCOPED_TRACE(::testing::PrintToString(p));
    EXPECT_NO_THROW(check_value(p));
    EXPECT_EQ(Value(p).as_point(), p);
    EXPECT_EQ(decode_whole(encoded_value(Value(p))).as_point(), p);  // z kept where there is one
  }
  // A 3D point's encoding carries z, a 2D one's does not.
  EXPECT_EQ(encoded_value(Value(Point{7203, 1, 2, 0})).size() + 8, encoded_value(Value(Point{9157, 1, 2, 0})).size());
  // 2D with z; latitude or longitude out of range; unknown SRIDs; NaN and infinities.
  for (const Point& p :
       {Point{7203, 1, 2, 3}, Point{4326, 13.4, 52.5, 1}, Point{4326, 13.4, 91, 0}, Point{4326, 13.4, -90.5, 0},
        Point{4979, 0, 91, 1}, Point{4326, 180.5, 0, 0}, Point{4979, -181, 0, 0}, Point{1234, 1, 2, 0},
        Point{0, 0, 0, 0}, Point{-7203, 1, 2, 0}, Point{7203, kNaN, 0, 0}, Point{4326, 0, kNaN, 0},
        Point{9157, 0, 0, kNaN}, Point{9157, kInf, 0, 0}, Point{7203, 0, -kInf, 0}, Point{4979, 0, 0, kInf}}) {
    expect_refused(::testing::PrintToString(p), [&] { check_value(p); });
    expect_refused(::testing::PrintToString(p), [&] { (void)Value(p); });
  }
}

TEST(TemporalPoint, NegativeZeroIsZero) {
  EXPECT_EQ(encoded_value(Value(Point{7203, -0.0, 1, 0})), encoded_value(Value(Point{7203, 0.0, 1, 0})));
  EXPECT_EQ(encoded_value(Value(Point{9157, -0.0, -0.0, -0.0})), encoded_value(Value(Point{9157, 0, 0, 0})));
  EXPECT_EQ(encoded_value(Value(Point{4326, 1, -0.0, -0.0})), encoded_value(Value(Point{4326, 1, 0, 0})));
  EXPECT_FALSE(std::signbit(Value(Point{7203, -0.0, 1, 0}).as_point().x));
  // Bytes holding -0.0 (another writer's) read as the one value.
  std::string foreign = Enc().u8(13).varint(7203).f64(-0.0).f64(1.0).bytes();
  EXPECT_FALSE(std::signbit(decode_whole(foreign).as_point().x));
  EXPECT_TRUE(encoded_values_equal(foreign, encoded_value(Value(Point{7203, 0, 1, 0}))));
}

// ---- The codec ----------------------------------------------------------------------------------

template <typename... T>
std::vector<Value> values_of(const T&... v) {
  return {Value(v)...};
}

// Distinct values grouped by kind, then each in a list of two with the next of its kind (or
// itself; points only with a point of their SRID, as a list of points shares one).
std::vector<Value> samples() {
  std::vector<Value> one = values_of(
      Date{19753}, Date{-719893}, Date{jan1_days(1'000'000'000) - 1}, LocalTime{0}, LocalTime{kNanosPerDay - 1},
      Time{kHalfPastTwelve, 3600}, Time{1, -18 * 3600}, LocalDateTime{-1, 500'000'000}, LocalDateTime{kJan31At1230, 0},
      DateTime{kJul1At1000Z, 0, 7200, kBerlin}, DateTime{kJan31At1130Z, 0, 3600, ""},
      DateTime{-1, 999'999'999, -19800, ""}, Duration{14, 3, 3723, 500'000'000}, Duration{-1, -1, -1, 1}, Duration{},
      Point{7203, 1.5, -2.5, 0}, Point{9157, 1, 2, 3}, Point{4326, 13.4, 52.5, 0}, Point{4979, -180, -90, 1e6});
  std::vector<Value> out = one;
  for (std::size_t i = 0; i < one.size(); ++i) {
    bool next_same = i + 1 < one.size() && one[i + 1].kind() == one[i].kind() &&
                     (one[i].kind() != ValueKind::kPoint || one[i + 1].as_point().srid == one[i].as_point().srid);
    out.emplace_back(Value::List{one[i], next_same ? one[i + 1] : one[i]});
  }
  return out;
}

TEST(TemporalCodec, EveryKindRoundTripsAndSkipsAloneAndInLists) {
  std::set<ValueKind> kinds;
  for (const Value& v : samples()) {
    std::string bytes = encoded_value(v);
    SCOPED_TRACE(value_text(v) + ": " + hex(bytes));
    Value back = decode_whole(bytes);
    EXPECT_EQ(back, v);
    EXPECT_EQ(encoded_value(back), bytes);
    std::string padded = bytes + "\xAB\xCD";
    ByteReader r(padded, "test value");
    skip_value(r);
    EXPECT_EQ(r.position(), bytes.size());
    if (v.kind() != ValueKind::kList) {
      kinds.insert(v.kind());
    } else {
      EXPECT_EQ(static_cast<ValueKind>(bytes[1]), v.as_list()[0].kind());
      EXPECT_EQ(back.as_list().size(), 2u);
    }
  }
  EXPECT_EQ(kinds.size(), 7u);
}

TEST(TemporalCodec, EncodedValuesCompareAsTheirValues) {
  std::vector<Value> values = samples();
  for (std::size_t i = 0; i < values.size(); ++i) {
    for (std::size_t j = 0; j < values.size(); ++j) {
      EXPECT_EQ(encoded_values_equal(encoded_value(values[i]), encoded_value(values[j])), i == j)
          << value_text(values[i]) << " and " << value_text(values[j]);
    }
  }
  // An overlong varint (not written by txgraph) still holds the same local time.
  std::string midnight = encoded_value(Value(LocalTime{0}));
  EXPECT_EQ(hex(midnight), "08 00");
  EXPECT_TRUE(encoded_values_equal(midnight, std::string("\x08\x80\x00", 3)));
  EXPECT_FALSE(encoded_values_equal(midnight, std::string("\x08\x80\x01", 3)));
}

TEST(TemporalCodec, FieldsOutOfRangeAreCorruption) {
  const std::int64_t past_last = jan1_days(1'000'000'000);
  // The layout the hand-written bytes follow.
  EXPECT_EQ(hex(encoded_value(Value(Date{past_last - 1}))), hex(Enc().u8(7).zigzag(past_last - 1).bytes()));
  EXPECT_EQ(hex(encoded_value(Value(Point{4326, 0, 90, 0}))), hex(Enc().u8(13).varint(4326).f64(0).f64(90).bytes()));
  // clock: seconds << 2 | precision (3: nanoseconds), the fraction; offset: 8 quarter hours.
  EXPECT_EQ(hex(encoded_value(Value(DateTime{kJul1At1000Z, 5, 7200, kBerlin}))),
            hex(Enc().u8(11).varint(zz(kJul1At1000Z) << 2 | 3).varint(5).varint(zz(8) << 1).str(kBerlin).bytes()));
  // Milliseconds (precision 1), and an offset of no whole quarter hour (+00:00:30, in seconds).
  EXPECT_EQ(hex(encoded_value(Value(DateTime{kJan31At1130Z, 123'000'000, 30, ""}))),
            hex(Enc().u8(11).varint(zz(kJan31At1130Z) << 2 | 1).varint(123).varint(zz(30) << 1 | 1).str("").bytes()));
  EXPECT_EQ(hex(encoded_value(Value(LocalTime{kNanosPerDay - 1000}))),
            hex(Enc().u8(8).varint(86'399u << 2 | 2).varint(999'999).bytes()));
  for (const std::string& bytes :
       {Enc().u8(7).zigzag(past_last).bytes(),                                          // after the last day
        Enc().u8(7).zigzag(jan1_days(-999'999'999) - 1).bytes(),                        // before the first day
        Enc().u8(8).varint(86'400u << 2).bytes(),                                        // a local time of 24h
        Enc().u8(9).varint(0).varint(zz(18 * 3600 + 1) << 1 | 1).bytes(),               // an offset past 18h
        Enc().u8(9).varint(0).varint(zz(73) << 1).bytes(),                              // 73 quarter hours
        Enc().u8(10).varint(3).varint(1'000'000'000).bytes(),                           // nanos of 1e9
        Enc().u8(10).varint(1).varint(1'000).bytes(),                                   // 1000 milliseconds
        Enc().u8(12).zigzag(0).zigzag(0).zigzag(0).varint(1'000'000'000ull << 2 | 3).bytes(),  // nanos of 1e9
        Enc().u8(13).varint(1234).f64(1.0).f64(2.0).bytes(),                            // an unknown SRID
        Enc().u8(13).varint(4326).f64(0.0).f64(91.0).bytes(),                           // latitude 91
        Enc().u8(13).varint(7203).f64(kNaN).f64(0.0).bytes(),                           // NaN
        Enc().u8(6).u8(7).varint(2).zigzag(0).zigzag(past_last).bytes(),                // a list with a bad date
        Enc().u8(14).u8(0).bytes()}) {                                                  // no kind 14
    SCOPED_TRACE(hex(bytes));
    EXPECT_EQ(error_code_of([&] {
                ByteReader r(bytes, "test value");
                (void)decode_value(r);
              }),
              ErrorCode::kCorruption);
    EXPECT_EQ(error_code_of([&] {
                ByteReader r(bytes, "test value");
                skip_value(r);
              }),
              ErrorCode::kCorruption);
  }
}

// A datetime to the millisecond in a named zone costs no more than an integer of its
// milliseconds and the zone's name as a string.
TEST(TemporalCodec, ADateTimeCostsNoMoreThanAnIntegerAndAZone) {
  Value datetime(DateTime{kJul1At1000Z, 123'000'000, 7200, kBerlin});
  std::int64_t millis = kJul1At1000Z * 1000 + 123;
  EXPECT_LE(encoded_value(datetime).size(), encoded_value(Value(millis)).size() + encoded_value(Value(kBerlin)).size());
}

// A stored datetime is read whatever the tz database says today: a zone this system lacks, or
// whose rules changed since the value was written, keeps the offset stored with it. Only a value
// made now is checked against the zone's rules.
TEST(TemporalCodec, StoredDateTimesDoNotDependOnTheTzDatabase) {
  for (const std::string& bytes : {Enc().u8(11).varint(0).varint(0).str("Mars/Olympus").bytes(),
                                   Enc().u8(11).varint(zz(kJul1At1000Z) << 2).varint(zz(4) << 1).str(kBerlin).bytes()}) {
    SCOPED_TRACE(hex(bytes));
    ByteReader r(bytes, "test value");
    Value v = decode_value(r);
    EXPECT_EQ(encoded_value(v), bytes) << "read back as written";
    ByteReader skipped(bytes, "test value");
    EXPECT_NO_THROW(skip_value(skipped));
    expect_refused("made now", [&] { (void)Value(v.as_datetime()); });
  }
}

TEST(TemporalCodec, AListHoldsOneKind) {
  Value date(Date{19753});
  Value datetime(DateTime{kJan31At1130Z, 0, 3600, ""});
  std::string message = refusal_message([&] { (void)Value(Value::List{date, datetime}); });
  EXPECT_NE(message.find("datetime"), std::string::npos) << message;
  expect_refused("local date-time and date-time", [&] {
    (void)Value(Value::List{Value(LocalDateTime{kJan31At1230, 0}), datetime});
  });
  // Date-times in different zones are one kind.
  Value zones(Value::List{datetime, Value(DateTime{kJan31At1130Z, 0, 3600, kBerlin})});
  EXPECT_EQ(decode_whole(encoded_value(zones)), zones);
  // Points of one list share their SRID, as in Neo4j.
  std::string srids = refusal_message(
      [&] { (void)Value(Value::List{Value(Point{kSridWgs84, 1, 2, 0}), Value(Point{kSridCartesian, 1, 2, 0})}); });
  EXPECT_NE(srids.find("SRID 7203"), std::string::npos) << srids;
}

// ---- Names and text -----------------------------------------------------------------------------

TEST(TemporalValueText, KindsNamesAndText) {
  const std::vector<Value> kinds =
      values_of(Date{}, LocalTime{}, Time{}, LocalDateTime{}, DateTime{}, Duration{}, Point{});
  const std::vector<std::string_view> names = {"date",     "localtime", "time", "localdatetime",
                                               "datetime", "duration",  "point"};
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    EXPECT_EQ(static_cast<std::size_t>(kinds[i].kind()), 7 + i) << names[i];
    EXPECT_EQ(value_kind_name(kinds[i].kind()), names[i]);
  }
  EXPECT_EQ(value_text(Value(Date{19753})), "2024-01-31");
  EXPECT_EQ(value_text(Value(Duration{14, 3, 3723, 500'000'000})), "P1Y2M3DT1H2M3.5S");
  EXPECT_EQ(value_text(Value(DateTime{kJul1At1000Z, 0, 7200, kBerlin})), "2024-07-01T12:00:00+02:00[Europe/Berlin]");
  EXPECT_EQ(value_text(Value(Point{4326, 13.4, 52.5, 0})), "point(4326: 13.4, 52.5)");
  EXPECT_EQ(value_text(Value(Point{4979, 13.4, 52.5, 34.5})), "point(4979: 13.4, 52.5, 34.5)");
  EXPECT_EQ(value_text(Value(Value::List{Value(Date{0}), Value(Date{1})})), "<list of 2>");
  EXPECT_EQ(Value(Date{42}).as_date().days, 42);
  EXPECT_THROW((void)Value(Date{42}).as_datetime(), std::bad_variant_access);
}

}  // namespace
}  // namespace txgraph::txlog
