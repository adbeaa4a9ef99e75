// Helpers the change-reader tests share: databases with capture on, and padding that
// compression cannot shrink much, so segments fill at a known pace.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "txgraph/txgraph.h"

namespace txgraph::testing {

// kAsync (fast, and visible at commit) with enrichment on.
inline Options capture_options(EnrichmentMode mode = EnrichmentMode::kDiff) {
  Options o;
  o.durability = Durability::kAsync;
  o.initial_settings.enrichment = mode;
  return o;
}

// 4 KiB segments, the given retention policy, and checkpoints only when a test asks.
inline Options small_segments(const std::string& policy) {
  Options o = capture_options();
  o.initial_settings.rotation_size = 4096;
  o.initial_settings.retention_policy = policy;
  o.initial_settings.checkpoint_interval_tx = 0;
  o.initial_settings.checkpoint_interval_volume = 0;
  return o;
}

// `n` pseudo-random letters from `seed`.
inline std::string noise(std::size_t n, std::uint64_t seed) {
  std::string out(n, '\0');
  for (auto& c : out) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    c = static_cast<char>('a' + (seed >> 33) % 26);
  }
  return out;
}

// The code of the txgraph::Error that `f` throws, if it throws one.
template <typename F>
std::optional<ErrorCode> error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  return std::nullopt;
}

}  // namespace txgraph::testing
