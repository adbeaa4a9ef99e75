// Times and sizes as txgraph prints them, in messages, reasons and the tool's output.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace txgraph::txlog {

// ISO-8601 UTC with milliseconds, e.g. "2026-11-21T10:00:00.123Z", as in CDC metadata.
std::string iso8601_utc(std::int64_t micros_since_epoch);

// Exact, the shortest text a size parser reads back to the same value: "64M", "1G", "1000".
std::string size_text(std::uint64_t bytes);

// Approximate, for people: "62.0 MiB", "512 bytes".
std::string readable_size(std::uint64_t bytes);

// A whole number of hours as "N days" when whole days, else "N hours" (retention grammar).
std::string hours_or_days_text(std::chrono::milliseconds age);

}  // namespace txgraph::txlog
