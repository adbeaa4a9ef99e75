// tools/txgraph/text_formats.h — times, durations and sizes as the tool prints them.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace txgraph::cli {

// ISO-8601 UTC with milliseconds, e.g. "2026-11-21T10:00:00.123Z", as in CDC metadata.
std::string iso8601_utc(std::int64_t micros_since_epoch);

// The shortest text parse_duration() reads back to the same value: "15m", "30s", "500ms".
std::string duration_text(std::chrono::milliseconds duration);

// The shortest text parse_size() reads back to the same value: "64M", "1G", "1000".
std::string size_text(std::uint64_t bytes);

}  // namespace txgraph::cli
