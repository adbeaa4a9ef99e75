#include "tools/txgraph/json_text.h"

#include <charconv>
#include <cmath>

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

bool is_plain(unsigned char c) { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; }

void append_digits(std::string& out, std::uint64_t value, int width) {
  char digits[20];
  for (int i = width - 1; i >= 0; --i) {
    digits[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  out.append(digits, static_cast<std::size_t>(width));
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  const std::size_t start = out.size();
  out += '"';
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t run = i;
    while (run < text.size() && is_plain(static_cast<unsigned char>(text[run]))) ++run;
    out.append(text.data() + i, run - i);
    i = run;
    if (i == text.size()) break;
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      std::size_t n = utf8_sequence_length(text, i);
      if (n == 0) {
        // Invalid UTF-8 is rare: let the JSON library replace it, so the bytes stay its own.
        out.resize(start);
        out += json::json_line(json::Json(std::string(text)));
        return;
      }
      out.append(text.data() + i, n);
      i += n;
      continue;
    }
    out += '\\';
    switch (c) {
      case '"':
        out += '"';
        break;
      case '\\':
        out += '\\';
        break;
      case '\b':
        out += 'b';
        break;
      case '\t':
        out += 't';
        break;
      case '\n':
        out += 'n';
        break;
      case '\f':
        out += 'f';
        break;
      case '\r':
        out += 'r';
        break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        out += "u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
      }
    }
    ++i;
  }
  out += '"';
}

void append_json_uint(std::string& out, std::uint64_t value) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

void append_json_int(std::string& out, std::int64_t value) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

void append_json_double(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  // The JSON library's own shortest round-trip formatter, so that the text is its text.
  char digits[64];
  char* end = nlohmann::detail::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, end);
}

void append_json_value(std::string& out, const Value& value) {
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
  }
  out += "null";
}

void append_json_properties(std::string& out, const Properties& properties) {
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

void append_json_names(std::string& out, const std::vector<std::string>& names) {
  out += '[';
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    append_json_string(out, names[i]);
  }
  out += ']';
}

void append_iso8601_utc(std::string& out, std::int64_t micros_since_epoch) {
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
  append_digits(out, static_cast<std::uint64_t>(year), 4);
  out += '-';
  append_digits(out, static_cast<std::uint64_t>(month), 2);
  out += '-';
  append_digits(out, static_cast<std::uint64_t>(day), 2);
  out += 'T';
  append_digits(out, static_cast<std::uint64_t>(second_of_day / 3600), 2);
  out += ':';
  append_digits(out, static_cast<std::uint64_t>(second_of_day / 60 % 60), 2);
  out += ':';
  append_digits(out, static_cast<std::uint64_t>(second_of_day % 60), 2);
  out += '.';
  append_digits(out, static_cast<std::uint64_t>(millis % 1000), 3);
  out += 'Z';
}

void append_json_time(std::string& out, std::int64_t micros_since_epoch) {
  out += '"';
  append_iso8601_utc(out, micros_since_epoch);
  out += '"';
}

}  // namespace txgraph::cli
