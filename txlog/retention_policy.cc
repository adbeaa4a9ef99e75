#include "txlog/retention_policy.h"

#include <cctype>
#include <chrono>
#include <ctime>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "txgraph/error.h"
#include "txlog/text_formats.h"

namespace txgraph::txlog {
namespace {

constexpr std::string_view kGrammar =
    "A retention policy is one of:\n"
    "  keep_all | true    keep every log segment\n"
    "  keep_none | false  keep only what recovery and the newest transaction need\n"
    "  N files            the newest N segment files                  e.g. 5 files\n"
    "  N size             the newest segments, N bytes in all         e.g. 100M size\n"
    "  N txs | N entries  the newest segments holding N transactions  e.g. 200K txs\n"
    "  N hours [SIZE]     segments with commits in the last N hours   e.g. 36 hours\n"
    "  N days [SIZE]      ... and at most SIZE bytes in all           e.g. 2 days 2G\n"
    "  SIZE N days        the same as N days SIZE (also for hours)    e.g. 2G 1Day, 2G 1 day\n"
    "N and SIZE are whole numbers greater than zero with an optional K, M or G: 1024-based for\n"
    "bytes (100M = 104857600 bytes), 1000-based for counts (200K txs = 200000 transactions).\n"
    "Units are case-insensitive and may be singular (1 day, 1 hour, 1 file); a SIZE in front\n"
    "of the age needs its K, M or G.";

constexpr std::int64_t kMicrosPerHour = 3'600'000'000;
constexpr std::uint64_t kHoursPerDay = 24;

// Control characters would garble a terminal or a log line, so they are shown escaped.
std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (byte < 0x20 || byte == 0x7f) {
      out += fmt::format("\\x{:02x}", byte);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

[[noreturn]] void refuse(std::string_view text, std::string_view why) {
  throw Error(ErrorCode::kInvalidArgument,
              fmt::format("invalid retention policy {}: {}\n{}", quoted(text), why, kGrammar));
}

// For the builders, which have no text to quote.
[[noreturn]] void refuse_built(std::string_view why) {
  throw Error(ErrorCode::kInvalidArgument, fmt::format("invalid retention policy: {}\n{}", why, kGrammar));
}

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::vector<std::string_view> split_words(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_blank(text[i])) ++i;
    std::size_t start = i;
    while (i < text.size() && !is_blank(text[i])) ++i;
    if (i > start) words.push_back(text.substr(start, i - start));
  }
  return words;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

bool is_one_of(std::string_view word, std::initializer_list<std::string_view> choices) {
  for (std::string_view choice : choices)
    if (equals_ignoring_case(word, choice)) return true;
  return false;
}

enum class Unit { kFiles, kSize, kTxs, kHours, kDays };

std::optional<Unit> unit_of(std::string_view word) {
  if (is_one_of(word, {"files", "file"})) return Unit::kFiles;
  if (is_one_of(word, {"size"})) return Unit::kSize;
  if (is_one_of(word, {"txs", "tx", "entries", "entry"})) return Unit::kTxs;
  if (is_one_of(word, {"hours", "hour"})) return Unit::kHours;
  if (is_one_of(word, {"days", "day"})) return Unit::kDays;
  return std::nullopt;
}

bool is_age(Unit unit) { return unit == Unit::kHours || unit == Unit::kDays; }

// Digits and an optional K/M/G, before the unit says whether the suffix counts in 1000s or
// 1024s.
struct Number {
  std::string_view text;
  std::uint64_t digits = 0;
  int suffix_power = 0;  // 0 none, 1 K, 2 M, 3 G
  bool digits_overflow = false;
};

int suffix_power_of(char c) {
  switch (std::tolower(static_cast<unsigned char>(c))) {
    case 'k':
      return 1;
    case 'm':
      return 2;
    case 'g':
      return 3;
    default:
      return 0;
  }
}

std::optional<Number> number_of(std::string_view word) {
  Number number{word};
  std::size_t i = 0;
  for (; i < word.size() && std::isdigit(static_cast<unsigned char>(word[i])); ++i) {
    auto digit = static_cast<std::uint64_t>(word[i] - '0');
    if (number.digits > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) number.digits_overflow = true;
    number.digits = number.digits * 10 + digit;
  }
  if (i == 0) return std::nullopt;
  if (i + 1 == word.size()) {
    number.suffix_power = suffix_power_of(word[i]);
    if (number.suffix_power == 0) return std::nullopt;
  } else if (i != word.size()) {
    return std::nullopt;
  }
  return number;
}

// An age with its unit attached, as in the seed's `2G 1Day`: digits, optional K/M/G, unit.
std::optional<std::pair<Number, Unit>> attached_age_of(std::string_view word) {
  std::size_t digits_end = 0;
  while (digits_end < word.size() && std::isdigit(static_cast<unsigned char>(word[digits_end]))) ++digits_end;
  if (digits_end == 0 || digits_end == word.size()) return std::nullopt;
  for (std::size_t unit_start : {digits_end, digits_end + 1}) {
    if (unit_start >= word.size()) break;
    auto unit = unit_of(word.substr(unit_start));
    if (!unit || !is_age(*unit)) continue;
    auto number = number_of(word.substr(0, unit_start));
    if (number) return std::pair{*number, *unit};
  }
  return std::nullopt;
}

std::optional<std::uint64_t> scaled(const Number& number, std::uint64_t base) {
  if (number.digits_overflow) return std::nullopt;
  std::uint64_t value = number.digits;
  for (int i = 0; i < number.suffix_power; ++i) {
    if (value > std::numeric_limits<std::uint64_t>::max() / base) return std::nullopt;
    value *= base;
  }
  return value;
}

std::uint64_t amount_of(std::string_view text, const Number& number, std::uint64_t base) {
  auto value = scaled(number, base);
  if (!value) refuse(text, fmt::format("{} is too large", quoted(number.text)));
  if (*value == 0) refuse(text, fmt::format("{} is zero; amounts must be greater than zero", quoted(number.text)));
  return *value;
}

std::uint64_t bytes_of(std::string_view text, const Number& number) { return amount_of(text, number, 1024); }
std::uint64_t count_of(std::string_view text, const Number& number) { return amount_of(text, number, 1000); }





}  // namespace

std::string_view RetentionPolicy::grammar() { return kGrammar; }

RetentionPolicy RetentionPolicy::keep_all() { return RetentionPolicy(); }

RetentionPolicy RetentionPolicy::keep_none() {
  RetentionPolicy policy;
  policy.kind_ = Kind::kKeepNone;
  return policy;
}

RetentionPolicy RetentionPolicy::files(std::uint64_t file_count) {
  if (file_count == 0) refuse_built("the file count is zero; it must be greater than zero");
  RetentionPolicy policy;
  policy.kind_ = Kind::kFiles;
  policy.file_count_ = file_count;
  return policy;
}

RetentionPolicy RetentionPolicy::size(std::uint64_t max_bytes) {
  if (max_bytes == 0) refuse_built("the size is zero; it must be greater than zero");
  RetentionPolicy policy;
  policy.kind_ = Kind::kSize;
  policy.max_bytes_ = max_bytes;
  return policy;
}

RetentionPolicy RetentionPolicy::txs(std::uint64_t tx_count) {
  if (tx_count == 0) refuse_built("the transaction count is zero; it must be greater than zero");
  RetentionPolicy policy;
  policy.kind_ = Kind::kTxs;
  policy.tx_count_ = tx_count;
  return policy;
}

RetentionPolicy RetentionPolicy::hours(std::uint64_t hours, std::optional<std::uint64_t> size_cap_bytes) {
  return max_age_policy(hours, size_cap_bytes);
}

RetentionPolicy RetentionPolicy::days(std::uint64_t days, std::optional<std::uint64_t> size_cap_bytes) {
  std::uint64_t hours = days > std::numeric_limits<std::uint64_t>::max() / kHoursPerDay
                            ? std::numeric_limits<std::uint64_t>::max()
                            : days * kHoursPerDay;
  return max_age_policy(hours, size_cap_bytes);
}

RetentionPolicy RetentionPolicy::max_age_policy(std::uint64_t hours, std::optional<std::uint64_t> size_cap_bytes) {
  if (hours == 0) refuse_built("the age is zero; it must be greater than zero");
  // Pruning compares microsecond timestamps, so the age must count in int64 microseconds.
  if (hours > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max() / kMicrosPerHour))
    refuse_built(fmt::format("an age of {} hours is too large", hours));
  if (size_cap_bytes && *size_cap_bytes == 0) refuse_built("the size cap is zero; it must be greater than zero");
  RetentionPolicy policy;
  policy.kind_ = Kind::kMaxAge;
  policy.max_age_ = std::chrono::hours(static_cast<std::int64_t>(hours));
  policy.size_cap_bytes_ = size_cap_bytes;
  return policy;
}

RetentionPolicy RetentionPolicy::parse(std::string_view text) {
  std::vector<std::string_view> words = split_words(text);
  if (words.empty()) refuse(text, "it is empty");
  if (is_one_of(words[0], {"keep_all", "true", "keep_none", "false"})) {
    if (words.size() > 1) refuse(text, fmt::format("unexpected {} after {}", quoted(words[1]), words[0]));
    return is_one_of(words[0], {"keep_all", "true"}) ? keep_all() : keep_none();
  }

  std::size_t next = 0;
  // The compact form puts the size cap first (`2G 1Day`); it is told apart by a second word
  // that is a number or an age.
  std::optional<Number> leading_size;
  if (words.size() >= 2 && number_of(words[0]) && (number_of(words[1]) || attached_age_of(words[1]))) {
    leading_size = number_of(words[0]);
    if (leading_size->suffix_power == 0)
      refuse(text, fmt::format("{} is followed by another number, but only a size with its K, M or G may come "
                               "before an age, as in \"2G 1 day\"",
                               quoted(words[0])));
    next = 1;
  }

  Number amount;
  Unit unit = Unit::kFiles;
  if (auto attached = attached_age_of(words[next])) {
    amount = attached->first;
    unit = attached->second;
    next += 1;
  } else if (auto number = number_of(words[next])) {
    amount = *number;
    if (next + 1 == words.size())
      refuse(text, fmt::format("{} has no unit; expected files, size, txs, entries, hours or days after it",
                               quoted(words[next])));
    auto unit_word = unit_of(words[next + 1]);
    if (!unit_word)
      refuse(text, fmt::format("unknown unit {}; expected files, size, txs, entries, hours or days",
                               quoted(words[next + 1])));
    unit = *unit_word;
    next += 2;
  } else {
    refuse(text, fmt::format("{} is neither keep_all, true, keep_none, false nor a whole number with an "
                             "optional K, M or G",
                             quoted(words[next])));
  }

  if (leading_size && !is_age(unit))
    refuse(text, "a size in front is only allowed before hours or days, as in \"2G 1 day\"");
  std::optional<Number> trailing_size;
  if (is_age(unit) && !leading_size && next < words.size()) {
    trailing_size = number_of(words[next]);
    if (!trailing_size)
      refuse(text, fmt::format("{} is not a size (a whole number with an optional K, M or G)", quoted(words[next])));
    ++next;
  }
  if (next < words.size()) {
    if (!is_age(unit) && number_of(words[next]))
      refuse(text, fmt::format("only hours and days take a size cap, but {} follows", quoted(words[next])));
    refuse(text, fmt::format("unexpected {} after the policy", quoted(words[next])));
  }

  std::optional<std::uint64_t> size_cap;
  if (leading_size) size_cap = bytes_of(text, *leading_size);
  if (trailing_size) size_cap = bytes_of(text, *trailing_size);

  switch (unit) {
    case Unit::kFiles:
      return files(count_of(text, amount));
    case Unit::kSize:
      return size(bytes_of(text, amount));
    case Unit::kTxs:
      return txs(count_of(text, amount));
    case Unit::kHours:
    case Unit::kDays: {
      std::uint64_t count = count_of(text, amount);
      std::uint64_t per_unit = unit == Unit::kDays ? kHoursPerDay : 1;
      if (count > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max() / kMicrosPerHour) / per_unit)
        refuse(text, fmt::format("the age {} is too large", quoted(amount.text)));
      return max_age_policy(count * per_unit, size_cap);
    }
  }
  refuse(text, "unknown unit");
}

std::string RetentionPolicy::to_string() const {
  switch (kind_) {
    case Kind::kKeepAll:
      return "keep_all";
    case Kind::kKeepNone:
      return "keep_none";
    case Kind::kFiles:
      return fmt::format("{} files", file_count_);
    case Kind::kSize:
      return fmt::format("{} size", size_text(max_bytes_));
    case Kind::kTxs:
      return fmt::format("{} txs", tx_count_);
    case Kind::kMaxAge: {
      std::string text = hours_or_days_text(max_age_);
      if (size_cap_bytes_) text += fmt::format(" {}", size_text(*size_cap_bytes_));
      return text;
    }
  }
  return "keep_all";
}

}  // namespace txgraph::txlog
