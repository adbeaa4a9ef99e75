#include "tools/txgraph/json_text.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

#include <nlohmann/json.hpp>

#include "cdc/base64.h"
#include "cdc/json_values.h"
#include "txlog/text_formats.h"

namespace txgraph::cli {

namespace {

// The length of the well-formed UTF-8 sequence (Unicode table 3-7: no overlong forms, no
// surrogates, nothing above U+10FFFF) that starts at text[i] with a byte >= 0x80; 0 if none.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  auto byte = [&](std::size_t k) { return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0u; };
  auto continuation = [&](std::size_t k, unsigned lo = 0x80, unsigned hi = 0xBF) {
    unsigned b = byte(k);
    return b >= lo && b <= hi;
  };
  unsigned lead = byte(0);
  if (lead >= 0xC2 && lead <= 0xDF) return continuation(1) ? 2 : 0;
  if (lead == 0xE0) return continuation(1, 0xA0) && continuation(2) ? 3 : 0;
  if (lead == 0xED) return continuation(1, 0x80, 0x9F) && continuation(2) ? 3 : 0;
  if (lead >= 0xE1 && lead <= 0xEF) return continuation(1) && continuation(2) ? 3 : 0;
  if (lead == 0xF0) return continuation(1, 0x90) && continuation(2) && continuation(3) ? 4 : 0;
  if (lead >= 0xF1 && lead <= 0xF3) return continuation(1) && continuation(2) && continuation(3) ? 4 : 0;
  if (lead == 0xF4) return continuation(1, 0x80, 0x8F) && continuation(2) && continuation(3) ? 4 : 0;
  return 0;
}

// The bytes a JSON string holds as they are: printable ASCII but for '"' and '\\'.
constexpr std::array<bool, 256> kPlain = [] {
  std::array<bool, 256> plain{};
  for (int c = 0x20; c < 0x80; ++c) plain[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
  return plain;
}();

bool is_plain(unsigned char c) { return kPlain[c]; }

// How many bytes from the start of `text` are plain.
std::size_t plain_prefix(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && is_plain(static_cast<unsigned char>(text[i]))) ++i;
  return i;
}

// `value` in `width` decimal digits, zeros in front; returns the end.
char* put_digits(char* at, std::uint64_t value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    at[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return at + width;
}

// The quoted string, with what needs it escaped; its first `i` bytes are plain. Apart from
// the usual case, so that the compiler keeps that one small.
[[gnu::noinline]] void append_escaped(TextBuffer& out, std::string_view text, std::size_t i) {
  static constexpr char kHex[] = "0123456789abcdef";
  const std::size_t start = out.size();
  // At most six bytes (\u00xx) for one, and the quotes.
  char* at = out.room(2 + i + (text.size() - i) * 6);
  *at++ = '"';
  std::memcpy(at, text.data(), i);
  at += i;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    if (is_plain(c)) {
      *at++ = static_cast<char>(c);
      ++i;
      continue;
    }
    if (c >= 0x80) {
      std::size_t n = utf8_sequence_length(text, i);
      if (n == 0) {
        // Invalid UTF-8 is rare: let the JSON library replace it, so the bytes stay its own.
        out.truncate(start);
        out += json::json_line(json::Json(std::string(text)));
        return;
      }
      std::memcpy(at, text.data() + i, n);
      at += n;
      i += n;
      continue;
    }
    *at++ = '\\';
    switch (c) {
      case '"':
        *at++ = '"';
        break;
      case '\\':
        *at++ = '\\';
        break;
      case '\b':
        *at++ = 'b';
        break;
      case '\t':
        *at++ = 't';
        break;
      case '\n':
        *at++ = 'n';
        break;
      case '\f':
        *at++ = 'f';
        break;
      case '\r':
        *at++ = 'r';
        break;
      default:
        *at++ = 'u';
        *at++ = '0';
        *at++ = '0';
        *at++ = kHex[c >> 4];
        *at++ = kHex[c & 0xF];
    }
    ++i;
  }
  *at++ = '"';
  out.commit(at);
}

}  // namespace

void append_json_string(TextBuffer& out, std::string_view text) {
  std::size_t plain = plain_prefix(text);
  if (plain < text.size()) return append_escaped(out, text, plain);
  append_json_plain(out, text);  // nothing to escape, as in most strings
}

void append_json_plain(TextBuffer& out, std::string_view text) {
  char* at = out.room(text.size() + 2);
  *at++ = '"';
  std::memcpy(at, text.data(), text.size());
  at += text.size();
  *at++ = '"';
  out.commit(at);
}

void append_json_uint(TextBuffer& out, std::uint64_t value) {
  constexpr std::size_t kMost = 20;
  char* at = out.room(kMost);
  out.commit(std::to_chars(at, at + kMost, value).ptr);
}

void append_json_int(TextBuffer& out, std::int64_t value) {
  constexpr std::size_t kMost = 20;
  char* at = out.room(kMost);
  out.commit(std::to_chars(at, at + kMost, value).ptr);
}

void append_json_double(TextBuffer& out, double value) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  // The JSON library's own shortest round-trip formatter, so that the text is its text; it
  // writes at most 25 bytes and is given room as its own writer gives it.
  constexpr std::size_t kRoom = 64;
  char* at = out.room(kRoom);
  out.commit(nlohmann::detail::to_chars(at, at + kRoom, value));
}

void append_json_value(TextBuffer& out, const Value& value) {
  switch (value.kind()) {
    case ValueKind::kNull:
      out += "null";
      return;
    case ValueKind::kBool:
      out += value.as_bool() ? "true" : "false";
      return;
    case ValueKind::kInt:
      append_json_int(out, value.as_int());
      return;
    case ValueKind::kDouble:
      append_json_double(out, value.as_double());
      return;
    case ValueKind::kString:
      append_json_string(out, value.as_string());
      return;
    case ValueKind::kBytes:
      out += "{\"$bytes\":\"";
      out += json::base64_encode(value.as_bytes().data);
      out += "\"}";
      return;
    case ValueKind::kList: {
      out += '[';
      bool first = true;
      for (const Value& item : value.as_list()) {
        if (!first) out += ',';
        first = false;
        append_json_value(out, item);
      }
      out += ']';
      return;
    }
    default:
      // Temporal and spatial values, typed (the form that reads back exactly).
      out += json::json_line(json::json_from_value(value, ValueForm::kTyped));
      return;
  }
  out += "null";
}

void append_json_properties(TextBuffer& out, const Properties& properties) {
  out += '{';
  bool first = true;
  for (const auto& [key, value] : properties) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, key);
    out += ':';
    append_json_value(out, value);
  }
  out += '}';
}

void append_json_names(TextBuffer& out, const std::vector<std::string>& names) {
  out += '[';
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    append_json_string(out, names[i]);
  }
  out += ']';
}

void append_iso8601_utc(TextBuffer& out, std::int64_t micros_since_epoch) {
  // 1970 to 9999: the calendar by arithmetic. Anything else as iso8601_utc() prints it.
  constexpr std::int64_t kYear10000Us = 253402300800LL * 1000000;
  if (micros_since_epoch < 0 || micros_since_epoch >= kYear10000Us) {
    out += txlog::iso8601_utc(micros_since_epoch);
    return;
  }
  std::int64_t millis = micros_since_epoch / 1000;
  std::int64_t seconds = millis / 1000;
  std::int64_t days = seconds / 86400;
  std::int64_t second_of_day = seconds % 86400;
  // Days since 1970-01-01 to a civil date, counting years from March so that the leap day
  // is the last day of the year: 400-year eras of 146097 days, then years of 365 days with
  // the leap days of the era taken out, then months of 153 days per five.
  std::int64_t z = days + 719468;  // days since 0000-03-01
  std::int64_t era = z / 146097;
  std::int64_t day_of_era = z - era * 146097;
  std::int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  std::int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  std::int64_t month_from_march = (5 * day_of_year + 2) / 153;
  std::int64_t day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
  std::int64_t month = month_from_march < 10 ? month_from_march + 3 : month_from_march - 9;
  std::int64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
  char* at = out.room(24);  // 2026-11-21T10:00:00.123Z
  at = put_digits(at, static_cast<std::uint64_t>(year), 4);
  *at++ = '-';
  at = put_digits(at, static_cast<std::uint64_t>(month), 2);
  *at++ = '-';
  at = put_digits(at, static_cast<std::uint64_t>(day), 2);
  *at++ = 'T';
  at = put_digits(at, static_cast<std::uint64_t>(second_of_day / 3600), 2);
  *at++ = ':';
  at = put_digits(at, static_cast<std::uint64_t>(second_of_day / 60 % 60), 2);
  *at++ = ':';
  at = put_digits(at, static_cast<std::uint64_t>(second_of_day % 60), 2);
  *at++ = '.';
  at = put_digits(at, static_cast<std::uint64_t>(millis % 1000), 3);
  *at++ = 'Z';
  out.commit(at);
}

void append_json_time(TextBuffer& out, std::int64_t micros_since_epoch) {
  out += '"';
  append_iso8601_utc(out, micros_since_epoch);
  out += '"';
}

void append_json_value(std::string& out, const Value& value) {
  TextBuffer text;
  append_json_value(text, value);
  out += text.view();
}

void append_json_properties(std::string& out, const Properties& properties) {
  TextBuffer text;
  append_json_properties(text, properties);
  out += text.view();
}

void append_iso8601_utc(std::string& out, std::int64_t micros_since_epoch) {
  TextBuffer text;
  append_iso8601_utc(text, micros_since_epoch);
  out += text.view();
}

}  // namespace txgraph::cli
