// Element ids ("n:42", "r:7") and the text forms of enrichment modes and retention policies;
// sizes and durations are read by txlog/text_formats.h, the one grammar for each.
#include <charconv>
#include <limits>

#include <fmt/format.h>

#include "txgraph/database.h"
#include "txlog/log_inspect.h"
#include "txlog/retention_policy.h"
#include "txlog/text_formats.h"

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

std::string_view enrichment_mode_name(EnrichmentMode mode) { return txlog::capture_mode_name(mode); }

std::string normalize_retention_policy(std::string_view text) {
  return txlog::RetentionPolicy::parse(text).to_string();
}

std::uint64_t parse_size(std::string_view text) { return txlog::parse_size(text); }

std::chrono::milliseconds parse_duration(std::string_view text) { return txlog::parse_duration(text); }

}  // namespace txgraph
