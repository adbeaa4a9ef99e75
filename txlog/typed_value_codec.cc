// The log's and the store's bytes of the temporal and spatial values (txlog/FORMAT.md, version
// 6): compact, and one encoding per value, since the key index compares bytes.
//
// A time is written as its whole seconds with the precision of its fraction in the same varint
// (`clock`: seconds << 2 | precision, 0 none, 1 milliseconds, 2 microseconds, 3 nanoseconds),
// then the fraction in that unit; an offset as quarter hours where it is a whole number of
// them (`offset`: zigzag(quarters) << 1, else zigzag(seconds) << 1 | 1). A datetime to the
// millisecond in a named zone then costs no more than an integer of its milliseconds and the
// zone's name as a string.
#include <cstdint>
#include <string>

#include <fmt/format.h>

#include "txgraph/error.h"
#include "txlog/temporal.h"
#include "txlog/value_codec.h"

namespace txgraph::txlog {

namespace {

constexpr std::int64_t kUnits[] = {0, 1'000'000, 1'000, 1};  // nanoseconds per unit, by precision
constexpr std::uint64_t kLimits[] = {1, 1'000, 1'000'000, 1'000'000'000};  // fraction < limit

std::uint64_t zigzag_of(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
std::int64_t unzigzag(std::uint64_t v) { return static_cast<std::int64_t>((v >> 1) ^ (~(v & 1) + 1)); }

int precision_of(std::int64_t nanos) {
  if (nanos == 0) return 0;
  if (nanos % 1'000'000 == 0) return 1;
  if (nanos % 1'000 == 0) return 2;
  return 3;
}

// `seconds` (below 2^62) and the nanoseconds of a second.
void put_clock(ByteWriter& out, std::uint64_t seconds, std::int64_t nanos) {
  int precision = precision_of(nanos);
  out.varint(seconds << 2 | static_cast<std::uint64_t>(precision));
  if (precision != 0) out.varint(static_cast<std::uint64_t>(nanos / kUnits[precision]));
}

// What put_clock wrote: the seconds, and the nanoseconds into `nanos`.
std::uint64_t read_clock(ByteReader& in, std::int64_t* nanos) {
  std::uint64_t head = in.varint();
  int precision = static_cast<int>(head & 3);
  *nanos = 0;
  if (precision != 0) {
    std::uint64_t fraction = in.varint();
    if (fraction >= kLimits[precision]) in.fail("a fraction of a second out of range");
    *nanos = static_cast<std::int64_t>(fraction) * kUnits[precision];
  }
  return head >> 2;
}

// Seconds whose zigzag, shifted for the precision, still fits: any the temporal kinds allow.
std::uint64_t checked_seconds(std::int64_t seconds) {
  std::uint64_t z = zigzag_of(seconds);
  if (z >> 62 != 0) throw Error(ErrorCode::kInvalidArgument, "seconds out of range");
  return z;
}

void put_offset(ByteWriter& out, std::int32_t offset) {
  if (offset % 900 == 0)
    out.varint(zigzag_of(offset / 900) << 1);
  else
    out.varint(zigzag_of(offset) << 1 | 1);
}

std::int32_t read_offset(ByteReader& in) {
  std::uint64_t code = in.varint();
  std::int64_t v = unzigzag(code >> 1);
  if (!(code & 1)) {
    if (v > 200 || v < -200) in.fail("an offset out of range");
    v *= 900;
  }
  if (v > INT32_MAX || v < INT32_MIN) in.fail("an offset out of range");
  return static_cast<std::int32_t>(v);
}

std::int32_t read_i32(ByteReader& in) {
  std::uint64_t v = in.varint();
  if (v > static_cast<std::uint64_t>(INT32_MAX)) in.fail("a value field out of range");
  return static_cast<std::int32_t>(v);
}

}  // namespace

void encode_typed(ByteWriter& out, const Value& v) {
  switch (v.kind()) {
    case ValueKind::kDate:
      out.zigzag(v.as_date().days);
      return;
    case ValueKind::kLocalTime: {
      std::int64_t nanos = v.as_local_time().nanos;
      put_clock(out, static_cast<std::uint64_t>(nanos / temporal::kNanosPerSecond),
                nanos % temporal::kNanosPerSecond);
      return;
    }
    case ValueKind::kTime: {
      std::int64_t nanos = v.as_time().nanos;
      put_clock(out, static_cast<std::uint64_t>(nanos / temporal::kNanosPerSecond),
                nanos % temporal::kNanosPerSecond);
      put_offset(out, v.as_time().offset_seconds);
      return;
    }
    case ValueKind::kLocalDateTime:
      put_clock(out, checked_seconds(v.as_local_datetime().seconds), v.as_local_datetime().nanos);
      return;
    case ValueKind::kDateTime: {
      const DateTime& t = v.as_datetime();
      put_clock(out, checked_seconds(t.seconds), t.nanos);
      put_offset(out, t.offset_seconds);
      out.str(t.zone);
      return;
    }
    case ValueKind::kDuration: {
      const Duration& d = v.as_duration();
      out.zigzag(d.months);
      out.zigzag(d.days);
      out.zigzag(d.seconds);  // any int64: the precision goes with the fraction instead
      int precision = precision_of(d.nanos);
      out.varint(static_cast<std::uint64_t>(d.nanos / (precision ? kUnits[precision] : 1)) << 2 |
                 static_cast<std::uint64_t>(precision));
      return;
    }
    case ValueKind::kPoint: {
      const Point& p = v.as_point();
      out.varint(static_cast<std::uint64_t>(p.srid));
      out.f64(p.x);
      out.f64(p.y);
      if (is_3d_srid(p.srid)) out.f64(p.z);
      return;
    }
    default:
      throw Error(ErrorCode::kInvalidArgument, fmt::format("not a temporal or spatial value: {}", value_kind_name(v.kind())));
  }
}

Value decode_typed(ByteReader& in, ValueKind kind) {
  try {
    switch (kind) {
      case ValueKind::kDate:
        return Value(Date{in.zigzag()});
      case ValueKind::kLocalTime:
      case ValueKind::kTime: {
        std::int64_t nanos = 0;
        std::uint64_t seconds = read_clock(in, &nanos);
        if (seconds >= 86'400) in.fail("a time of day past midnight");
        std::int64_t of_day = static_cast<std::int64_t>(seconds) * temporal::kNanosPerSecond + nanos;
        if (kind == ValueKind::kLocalTime) return Value(LocalTime{of_day});
        return Value(Time{of_day, read_offset(in)});
      }
      case ValueKind::kLocalDateTime:
      case ValueKind::kDateTime: {
        std::int64_t nanos = 0;
        std::int64_t seconds = unzigzag(read_clock(in, &nanos));
        if (kind == ValueKind::kLocalDateTime) return Value(LocalDateTime{seconds, static_cast<std::int32_t>(nanos)});
        DateTime t;
        t.seconds = seconds;
        t.nanos = static_cast<std::int32_t>(nanos);
        t.offset_seconds = read_offset(in);
        t.zone = std::string(in.str());
        // Not the zone's rules: they may have changed since this was written.
        return Value::stored(std::move(t));
      }
      case ValueKind::kDuration: {
        Duration d;
        d.months = in.zigzag();
        d.days = in.zigzag();
        d.seconds = in.zigzag();
        std::uint64_t code = in.varint();
        int precision = static_cast<int>(code & 3);
        std::uint64_t fraction = code >> 2;
        if (fraction >= kLimits[precision]) in.fail("a fraction of a second out of range");
        d.nanos = static_cast<std::int32_t>(static_cast<std::int64_t>(fraction) * (precision ? kUnits[precision] : 1));
        return Value(d);
      }
      case ValueKind::kPoint: {
        Point p;
        p.srid = read_i32(in);
        p.x = in.f64();
        p.y = in.f64();
        if (is_3d_srid(p.srid)) p.z = in.f64();
        return Value(p);
      }
      default:
        break;
    }
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kInvalidArgument) throw;
    in.fail(fmt::format("a bad {} value ({})", value_kind_name(kind), e.what()));
  }
  in.fail("unknown value kind");
}

}  // namespace txgraph::txlog
