// Conversions between JSON and property values, strict on input: a value the store cannot
// hold is refused with the property's name rather than coerced into something else.
#include "cdc/json_values.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "cdc/base64.h"
#include "txgraph/error.h"

namespace txgraph::json {

namespace {

[[noreturn]] void refuse(std::string_view what, std::string_view why) {
  throw std::invalid_argument(fmt::format("{}: {}", what, why));
}

bool is_bytes_object(const Json& json) {
  return json.is_object() && json.size() == 1 && json.contains("$bytes");
}

constexpr std::string_view kTypedKeys =
    "$bytes, $date, $localtime, $time, $localdatetime, $datetime, $duration or $point";

double coordinate(const Json& point, const char* name, std::string_view what) {
  auto found = point.find(name);
  if (found == point.end() || !found->is_number())
    refuse(what, fmt::format("\"$point\" needs a number \"{}\": {}", name, point.dump()));
  return found->get<double>();
}

Value point_from_json(const Json& point, std::string_view what) {
  if (!point.is_object())
    refuse(what, "\"$point\" must be an object {\"srid\": 4326, \"x\": 13.4, \"y\": 52.5} (\"z\" in 3D)");
  for (const auto& [key, _] : point.items())
    if (key != "srid" && key != "x" && key != "y" && key != "z")
      refuse(what, fmt::format("\"$point\" has no field \"{}\" (srid, x, y, z)", key));
  auto srid = point.find("srid");
  if (srid == point.end() || !srid->is_number_integer())
    refuse(what, fmt::format("\"$point\" needs an integer \"srid\": {}", point.dump()));
  Point p;
  p.srid = static_cast<std::int32_t>(std::clamp<std::int64_t>(srid->get<std::int64_t>(), INT32_MIN, INT32_MAX));
  p.x = coordinate(point, "x", what);
  p.y = coordinate(point, "y", what);
  if (is_3d_srid(p.srid))
    p.z = coordinate(point, "z", what);
  else if (point.contains("z"))
    refuse(what, fmt::format("a point of SRID {} has no \"z\" (3D points are SRID 9157 or 4979)", p.srid));
  try {
    return Value(p);
  } catch (const Error& e) {
    refuse(what, e.what());
  }
}

// {"$date": "..."} and its kin; `key` is the object's one key.
Value typed_from_json(const std::string& key, const Json& body, std::string_view what) {
  if (key == "$point") return point_from_json(body, what);
  if (!body.is_string()) refuse(what, fmt::format("\"{}\" must be a string", key));
  const auto& text = body.get_ref<const std::string&>();
  try {
    if (key == "$date") return Value(parse_date(text));
    if (key == "$localtime") return Value(parse_local_time(text));
    if (key == "$time") return Value(parse_time(text));
    if (key == "$localdatetime") return Value(parse_local_datetime(text));
    if (key == "$datetime") return Value(parse_datetime(text));
    if (key == "$duration") return Value(parse_iso_duration(text));
  } catch (const Error& e) {
    refuse(what, e.what());
  }
  refuse(what, fmt::format("unknown typed value \"{}\" (known: {})", key, kTypedKeys));
}

Value bytes_from_json(const Json& json, std::string_view what) {
  const Json& text = json.at("$bytes");
  if (!text.is_string()) refuse(what, "\"$bytes\" must be a base64 string");
  auto decoded = base64_decode(text.get_ref<const std::string&>());
  if (!decoded) refuse(what, fmt::format("\"$bytes\" is not valid base64: {}", text.dump()));
  return Bytes{std::move(*decoded)};
}

Value scalar_from_json(const Json& json, std::string_view what) {
  switch (json.type()) {
    case Json::value_t::null:
      return Value();
    case Json::value_t::boolean:
      return Value(json.get<bool>());
    case Json::value_t::number_integer:
      return Value(json.get<std::int64_t>());
    case Json::value_t::number_unsigned: {
      auto u = json.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        refuse(what, fmt::format("integer {} does not fit in 64 signed bits", u));
      return Value(static_cast<std::int64_t>(u));
    }
    case Json::value_t::number_float:
      return Value(json.get<double>());
    case Json::value_t::string:
      return Value(json.get<std::string>());
    case Json::value_t::object:
      if (is_bytes_object(json)) return bytes_from_json(json, what);
      if (json.size() == 1 && json.begin().key().starts_with("$"))
        return typed_from_json(json.begin().key(), json.begin().value(), what);
      refuse(what, fmt::format("an object is not a property value (properties do not nest; a typed value is a "
                               "one-key object: {})",
                               kTypedKeys));
    default:
      refuse(what, fmt::format("unsupported JSON value {}", json.dump()));
  }
}

Value list_from_json(const Json& json, std::string_view what) {
  bool any_float = false;
  bool all_numbers = true;
  for (const Json& item : json) {
    any_float = any_float || item.is_number_float();
    all_numbers = all_numbers && item.is_number();
  }
  Value::List items;
  items.reserve(json.size());
  for (const Json& item : json) {
    if (item.is_array()) refuse(what, "lists do not nest");
    if (item.is_null()) refuse(what, "a list cannot hold null");
    if (any_float && all_numbers) {
      items.emplace_back(item.get<double>());
      continue;
    }
    Value v = scalar_from_json(item, what);
    if (!items.empty() && v.kind() != items.front().kind())
      refuse(what, fmt::format("a list's items must all be of one kind: {}", json.dump()));
    items.push_back(std::move(v));
  }
  try {
    return Value(std::move(items));
  } catch (const Error& e) {  // points of different SRIDs
    refuse(what, e.what());
  }
}

// Sees the text once, keeping only a depth, so that a bad text is refused before any value is
// built from it.
class JsonChecker {
 public:
  bool null() { return true; }
  bool boolean(bool) { return true; }
  bool number_integer(Json::number_integer_t) { return true; }
  bool number_unsigned(Json::number_unsigned_t) { return true; }
  bool number_float(Json::number_float_t, const Json::string_t& text) {
    // nlohmann falls back to a double for an integer it cannot hold; the text tells them apart.
    if (text.find_first_of(".eE") != Json::string_t::npos) return true;
    return fail(fmt::format("integer {} does not fit in 64 signed bits", text));
  }
  bool string(Json::string_t&) { return true; }
  bool binary(Json::binary_t&) { return true; }
  bool key(Json::string_t&) { return true; }
  bool start_object(std::size_t) { return enter(); }
  bool end_object() { return leave(); }
  bool start_array(std::size_t) { return enter(); }
  bool end_array() { return leave(); }
  // Syntax errors are left to the real parse, whose message callers already show.
  bool parse_error(std::size_t, const std::string&, const Json::exception&) { return false; }

  const std::string& problem() const { return problem_; }

 private:
  bool enter() {
    if (++depth_ <= kMaxJsonDepth) return true;
    return fail(fmt::format("JSON nested deeper than {} levels", kMaxJsonDepth));
  }
  bool leave() {
    --depth_;
    return true;
  }
  bool fail(std::string why) {
    problem_ = std::move(why);
    return false;
  }

  std::size_t depth_ = 0;
  std::string problem_;
};

}  // namespace

Json parse_json(std::string_view text) {
  JsonChecker checker;
  if (!Json::sax_parse(text, &checker) && !checker.problem().empty())
    throw std::invalid_argument(checker.problem());
  return Json::parse(text);
}

Value value_from_json(const Json& json, std::string_view what) {
  if (json.is_array()) return list_from_json(json, what);
  return scalar_from_json(json, what);
}

Properties properties_from_json(const Json& json, std::string_view what) {
  if (!json.is_object()) refuse(what, fmt::format("expected an object of properties, got {}", json.dump()));
  Properties properties;
  for (const auto& [key, value] : json.items())
    properties.emplace(key, value_from_json(value, fmt::format("{} '{}'", what, key)));
  return properties;
}

namespace {

// A temporal kind: {"$key": text} typed, the text alone as Neo4j writes it.
Json temporal_json(const char* key, std::string text, ValueForm form) {
  if (form == ValueForm::kNeo4j) return Json(std::move(text));
  return Json{{key, std::move(text)}};
}

Json point_json(const Point& p, ValueForm form) {
  Json out = Json::object();
  bool three = is_3d_srid(p.srid);
  if (form == ValueForm::kNeo4j) out["dimension"] = three ? 3 : 2;
  out["srid"] = p.srid;
  out["x"] = p.x;
  out["y"] = p.y;
  if (three)
    out["z"] = p.z;
  else if (form == ValueForm::kNeo4j)
    out["z"] = nullptr;
  if (form == ValueForm::kNeo4j) return out;
  return Json{{"$point", std::move(out)}};
}

Json duration_json(const Duration& d, ValueForm form) {
  if (form == ValueForm::kTyped) return temporal_json("$duration", to_string(d), form);
  return Json{{"months", d.months}, {"days", d.days}, {"seconds", d.seconds}, {"nanoseconds", d.nanos}};
}

}  // namespace

bool loses_type(const Value& value, ValueForm form) {
  if (form == ValueForm::kTyped) return false;
  if (value.kind() == ValueKind::kList)
    return !value.as_list().empty() && loses_type(value.as_list().front(), form);
  return value.kind() >= ValueKind::kDate;
}

Json json_from_value(const Value& value, ValueForm form) {
  switch (value.kind()) {
    case ValueKind::kNull:
      return nullptr;
    case ValueKind::kBool:
      return value.as_bool();
    case ValueKind::kInt:
      return value.as_int();
    case ValueKind::kDouble:
      return value.as_double();
    case ValueKind::kString:
      return value.as_string();
    case ValueKind::kBytes:
      return Json{{"$bytes", base64_encode(value.as_bytes().data)}};
    case ValueKind::kList: {
      Json items = Json::array();
      for (const Value& item : value.as_list()) items.push_back(json_from_value(item, form));
      return items;
    }
    case ValueKind::kDate:
      return temporal_json("$date", to_string(value.as_date()), form);
    case ValueKind::kLocalTime:
      return temporal_json("$localtime", to_string(value.as_local_time()), form);
    case ValueKind::kTime:
      return temporal_json("$time", to_string(value.as_time()), form);
    case ValueKind::kLocalDateTime:
      return temporal_json("$localdatetime", to_string(value.as_local_datetime()), form);
    case ValueKind::kDateTime:
      return temporal_json("$datetime", to_string(value.as_datetime()), form);
    case ValueKind::kDuration:
      return duration_json(value.as_duration(), form);
    case ValueKind::kPoint:
      return point_json(value.as_point(), form);
  }
  return nullptr;
}

Json json_from_properties(const Properties& properties, ValueForm form) {
  Json object = Json::object();
  for (const auto& [key, value] : properties) object[key] = json_from_value(value, form);
  return object;
}

std::string json_line(const Json& json) { return json.dump(-1, ' ', false, Json::error_handler_t::replace); }

}  // namespace txgraph::json
