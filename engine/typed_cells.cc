// Temporal, spatial and char cells of import files.
#include "engine/typed_cells.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>

#include "txgraph/error.h"

namespace txgraph::engine {

namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

[[noreturn]] void refuse(std::string why) { throw std::invalid_argument(std::move(why)); }

// "{key: value, key: 'text', …}" into lower-cased keys and their values (quotes taken off).
// Values hold no commas, braces or quotes of their own.
std::map<std::string, std::string> read_map(std::string_view text, std::string_view what) {
  std::string_view body = trim(text);
  if (body.size() < 2 || body.front() != '{' || body.back() != '}')
    refuse(fmt::format("\"{}\" is not a {} (expected {{key: value, …}})", text, what));
  body = body.substr(1, body.size() - 2);
  std::map<std::string, std::string> out;
  while (!trim(body).empty()) {
    std::size_t comma = body.find(',');
    std::string_view entry = body.substr(0, comma);
    body = comma == std::string_view::npos ? std::string_view() : body.substr(comma + 1);
    std::size_t colon = entry.find(':');
    if (colon == std::string_view::npos)
      refuse(fmt::format("\"{}\" is not a {}: \"{}\" has no ':'", text, what, trim(entry)));
    std::string key = ascii_lower(trim(entry.substr(0, colon)));
    std::string_view value = trim(entry.substr(colon + 1));
    if (value.size() >= 2 && (value.front() == '\'' || value.front() == '"') && value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    if (key.empty() || value.empty()) refuse(fmt::format("\"{}\" is not a {}: an empty key or value", text, what));
    if (!out.emplace(key, std::string(value)).second)
      refuse(fmt::format("\"{}\" is not a {}: \"{}\" is given twice", text, what, key));
  }
  return out;
}

std::optional<std::int32_t> srid_of_crs(std::string_view name) {
  std::string n = ascii_lower(name);
  if (n == "cartesian") return kSridCartesian;
  if (n == "cartesian-3d") return kSridCartesian3D;
  if (n == "wgs-84") return kSridWgs84;
  if (n == "wgs-84-3d") return kSridWgs84_3D;
  return std::nullopt;
}

double number(const std::string& text, std::string_view key, std::string_view cell) {
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v))
    refuse(fmt::format("\"{}\" is not a point: {} \"{}\" is not a finite number", cell, key, text));
  return v;
}

Value point_cell(std::string_view text, const TypedColumnOptions& options) {
  std::map<std::string, std::string> map = read_map(text, "point");
  auto take = [&](const char* key) -> std::optional<std::string> {
    auto found = map.find(key);
    if (found == map.end()) return std::nullopt;
    std::string v = found->second;
    map.erase(found);
    return v;
  };
  std::optional<std::string> crs = take("crs");
  std::optional<std::string> srid_text = take("srid");
  std::optional<std::string> x = take("x"), y = take("y"), z = take("z");
  std::optional<std::string> longitude = take("longitude"), latitude = take("latitude"), height = take("height");
  if (!map.empty())
    refuse(fmt::format("\"{}\" is not a point: no key \"{}\" (x, y, z, longitude, latitude, height, crs, srid)", text,
                       map.begin()->first));
  bool geographic = longitude || latitude || height;
  if (geographic && (x || y || z))
    refuse(fmt::format("\"{}\" is not a point: x/y/z and longitude/latitude/height do not mix", text));
  std::optional<std::string>& first = geographic ? longitude : x;
  std::optional<std::string>& second = geographic ? latitude : y;
  std::optional<std::string>& third = geographic ? height : z;
  if (!first || !second)
    refuse(fmt::format("\"{}\" is not a point: it needs x and y, or longitude and latitude", text));
  Point p;
  if (srid_text) {
    std::int32_t srid = 0;
    auto [end, ec] = std::from_chars(srid_text->data(), srid_text->data() + srid_text->size(), srid);
    if (ec != std::errc() || end != srid_text->data() + srid_text->size())
      refuse(fmt::format("\"{}\" is not a point: srid \"{}\" is not an integer", text, *srid_text));
    p.srid = srid;
  }
  std::string crs_text = crs ? *crs : srid_text ? "" : options.crs;
  if (!crs_text.empty()) {
    std::optional<std::int32_t> srid = srid_of_crs(crs_text);
    if (!srid)
      refuse(fmt::format("\"{}\" is not a point: no CRS \"{}\" (cartesian, cartesian-3d, wgs-84, wgs-84-3d)", text,
                         crs_text));
    if (srid_text && *srid != p.srid)
      refuse(fmt::format("\"{}\" is not a point: crs {} is not srid {}", text, crs_text, p.srid));
    p.srid = *srid;
  } else if (!srid_text) {
    p.srid = geographic ? (third ? kSridWgs84_3D : kSridWgs84) : (third ? kSridCartesian3D : kSridCartesian);
  }
  if (third && !is_3d_srid(p.srid))
    refuse(fmt::format("\"{}\" is not a point: a {} point has no third coordinate", text, crs_name(p.srid)));
  if (!third && is_3d_srid(p.srid))
    refuse(fmt::format("\"{}\" is not a point: a {} point needs a third coordinate", text, crs_name(p.srid)));
  p.x = number(*first, geographic ? "longitude" : "x", text);
  p.y = number(*second, geographic ? "latitude" : "y", text);
  if (third) p.z = number(*third, geographic ? "height" : "z", text);
  try {
    return Value(p);
  } catch (const Error& e) {
    refuse(fmt::format("\"{}\" is not a point: {}", text, e.what()));
  }
}

// The number of UTF-8 characters in `text`.
std::size_t characters(std::string_view text) {
  std::size_t n = 0;
  for (char c : text)
    if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) ++n;
  return n;
}

}  // namespace

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool typed_column(std::string_view type, TypedColumn* out) {
  static const std::map<std::string_view, TypedColumn> kTypes{
      {"char", TypedColumn::kChar},           {"date", TypedColumn::kDate},
      {"localtime", TypedColumn::kLocalTime}, {"time", TypedColumn::kTime},
      {"localdatetime", TypedColumn::kLocalDateTime}, {"datetime", TypedColumn::kDateTime},
      {"duration", TypedColumn::kDuration},   {"point", TypedColumn::kPoint}};
  auto found = kTypes.find(type);
  if (found == kTypes.end()) return false;
  *out = found->second;
  return true;
}

void parse_typed_column_options(TypedColumn type, std::string_view text, TypedColumnOptions* out) {
  for (const auto& [key, value] : read_map(text, "column's options")) {
    if (key == "timezone" && (type == TypedColumn::kDateTime || type == TypedColumn::kTime)) {
      // Checked here, so that a bad zone is named once in the header rather than in every row.
      try {
        if (type == TypedColumn::kDateTime) datetime_in_zone(LocalDateTime{}, value);
        else parse_time("00:00" + value);
      } catch (const Error& e) {
        if (type == TypedColumn::kTime)
          refuse(fmt::format("timezone \"{}\": a time column's zone is an offset such as +01:00 or Z (a zone "
                             "name has no one offset for a time without a date)",
                             value));
        refuse(fmt::format("timezone \"{}\": {}", value, e.what()));
      }
      out->timezone = value;
    } else if (key == "crs" && type == TypedColumn::kPoint) {
      if (!srid_of_crs(value))
        refuse(fmt::format("no CRS \"{}\" (cartesian, cartesian-3d, wgs-84, wgs-84-3d)", value));
      out->crs = value;
    } else {
      refuse(fmt::format("no option \"{}\" for this type (datetime and time take timezone, point takes crs)", key));
    }
  }
}

Value typed_cell(TypedColumn type, std::string_view text, const TypedColumnOptions& options) {
  try {
    switch (type) {
      case TypedColumn::kChar:
        if (characters(text) != 1) refuse(fmt::format("\"{}\" is not one character", text));
        return Value(std::string(text));
      case TypedColumn::kDate:
        return Value(parse_date(text));
      case TypedColumn::kLocalTime:
        return Value(parse_local_time(text));
      case TypedColumn::kTime: {
        // A time without an offset takes the column's (Z unless the header names another).
        std::string full(text);
        if (text.find_first_of("Zz+-") == std::string_view::npos) full += options.timezone;
        return Value(parse_time(full));
      }
      case TypedColumn::kLocalDateTime:
        return Value(parse_local_datetime(text));
      case TypedColumn::kDateTime:
        return Value(parse_datetime(text, options.timezone));
      case TypedColumn::kDuration:
        return Value(parse_iso_duration(text));
      case TypedColumn::kPoint:
        return point_cell(text, options);
    }
  } catch (const Error& e) {
    refuse(e.what());
  }
  return Value();
}

}  // namespace txgraph::engine
