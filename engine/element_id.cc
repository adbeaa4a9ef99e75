// Element ids ("n:42", "r:7") and the text forms of sizes, durations, enrichment modes and
// retention policies.
#include <charconv>
#include <limits>

#include <fmt/format.h>

#include "txgraph/database.h"
#include "txlog/retention_policy.h"

namespace txgraph {

namespace {

std::optional<std::uint64_t> parse_prefixed(std::string_view text, std::string_view prefix) {
  if (text.size() <= prefix.size() || text.substr(0, prefix.size()) != prefix) return std::nullopt;
  std::string_view digits = text.substr(prefix.size());
  std::uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || value == 0) return std::nullopt;
  return value;
}

// Splits "64M" into 64 and "M"; false if there is no leading number. (Out-parameters rather
// than an optional pair: GCC 12 under the sanitizers warns falsely on the latter.)
bool number_and_unit(std::string_view text, std::uint64_t* value, std::string_view* unit) {
  *value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *value);
  if (ec != std::errc() || ptr == text.data()) return false;
  *unit = text.substr(static_cast<std::size_t>(ptr - text.data()));
  while (!unit->empty() && unit->front() == ' ') unit->remove_prefix(1);
  return true;
}

}  // namespace

std::string element_id(NodeId id) { return fmt::format("n:{}", id.value); }
std::string element_id(RelationshipId id) { return fmt::format("r:{}", id.value); }

std::optional<NodeId> parse_node_element_id(std::string_view text) {
  auto v = parse_prefixed(text, "n:");
  if (!v) return std::nullopt;
  return NodeId{*v};
}

std::optional<RelationshipId> parse_relationship_element_id(std::string_view text) {
  auto v = parse_prefixed(text, "r:");
  if (!v) return std::nullopt;
  return RelationshipId{*v};
}

EnrichmentMode parse_enrichment_mode(std::string_view text) {
  std::string lower;
  for (char c : text) lower.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
  if (lower == "off") return EnrichmentMode::kOff;
  if (lower == "diff") return EnrichmentMode::kDiff;
  if (lower == "full") return EnrichmentMode::kFull;
  throw Error(ErrorCode::kInvalidArgument, fmt::format("bad enrichment mode '{}': expected off, diff or full", text));
}

std::string_view enrichment_mode_name(EnrichmentMode mode) {
  switch (mode) {
    case EnrichmentMode::kOff:
      return "OFF";
    case EnrichmentMode::kDiff:
      return "DIFF";
    case EnrichmentMode::kFull:
      return "FULL";
  }
  return "?";
}

std::string normalize_retention_policy(std::string_view text) {
  return txlog::RetentionPolicy::parse(text).to_string();
}

std::uint64_t parse_size(std::string_view text) {
  std::uint64_t value = 0;
  std::string_view unit;
  int shift = -1;
  if (number_and_unit(text, &value, &unit)) {
    if (unit.empty() || unit == "B" || unit == "b") shift = 0;
    else if (unit == "K" || unit == "k" || unit == "KiB") shift = 10;
    else if (unit == "M" || unit == "m" || unit == "MiB") shift = 20;
    else if (unit == "G" || unit == "g" || unit == "GiB") shift = 30;
  }
  if (shift < 0 || (shift > 0 && value > (std::numeric_limits<std::uint64_t>::max() >> shift)))
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("bad size '{}': expected a number with an optional K, M or G suffix, e.g. 64M", text));
  return value << shift;
}

std::chrono::milliseconds parse_duration(std::string_view text) {
  std::uint64_t value = 0;
  std::string_view unit;
  std::uint64_t ms_per_unit = 0;
  if (number_and_unit(text, &value, &unit)) {
    if (unit == "ms") ms_per_unit = 1;
    else if (unit == "s") ms_per_unit = 1000;
    else if (unit == "m" || unit == "min") ms_per_unit = 60'000;
    else if (unit == "h") ms_per_unit = 3'600'000;
    else if (unit == "d") ms_per_unit = 86'400'000;
  }
  if (ms_per_unit == 0 || value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) / ms_per_unit / 1000)
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("bad duration '{}': expected a number and a unit (ms, s, m, h, d), e.g. 15m", text));
  return std::chrono::milliseconds(static_cast<std::int64_t>(value * ms_per_unit));
}

}  // namespace txgraph
