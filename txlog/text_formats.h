// Times, sizes and durations as txgraph prints and reads them: in messages, reasons and the
// tool's output, and in every setting, option and flag that takes one. One grammar each, here.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace txgraph::txlog {

// ISO-8601 UTC with milliseconds, e.g. "2026-11-21T10:00:00.123Z", as in CDC metadata.
std::string iso8601_utc(std::int64_t micros_since_epoch);

// Exact, the shortest text a size parser reads back to the same value: "64M", "1G", "1000".
std::string size_text(std::uint64_t bytes);

// Exact, the shortest text parse_duration() reads back to the same value: "15m", "30s",
// "500ms", so that what `show` prints can be passed back to `init` or `set` unchanged.
std::string duration_text(std::chrono::milliseconds duration);

// Approximate, for people: "62.0 MiB", "512 bytes".
std::string readable_size(std::uint64_t bytes);

// A whole number of hours as "N days" when whole days, else "N hours" (retention grammar).
std::string hours_or_days_text(std::chrono::milliseconds age);

// "64M", "1G", "512K", "4096" (also "B", "KiB", "MiB", "GiB"): bytes. Throws Error
// (kInvalidArgument) naming the text and the grammar.
std::uint64_t parse_size(std::string_view text);

// "250ms", "30s", "15m" (or "min"), "2h", "7d". Throws Error (kInvalidArgument) likewise.
std::chrono::milliseconds parse_duration(std::string_view text);

// An ISO-8601 UTC time, in microseconds since 1970: "2026-11-18" (midnight),
// "2026-11-18T11:06:40Z", with a fraction of up to six digits ("…40.250Z"), "+00:00" for the
// Z. Every field is checked against its range (timegm() would carry a month 13 into the next
// year without a word), and a time without its Z is refused rather than guessed to be UTC.
// Throws Error (kInvalidArgument) saying what is wrong with the text.
std::int64_t parse_utc_time(std::string_view text);

}  // namespace txgraph::txlog
