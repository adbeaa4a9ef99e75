// Group files of consumer groups (consumer_records.h).
#include "txlog/consumer_records.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <map>

#include <fmt/format.h>
#include <xxhash.h>

#include "txgraph/error.h"
#include "txlog/file.h"

namespace txgraph::txlog {

namespace {

constexpr std::string_view kMagicLine = "txgraph-consumer-group 1";
constexpr std::string_view kSuffix = ".group";

std::string file_of(const std::string& dir, std::string_view name) {
  return (std::filesystem::path(dir) / (std::string(name) + std::string(kSuffix))).string();
}

// One line per value: a value never holds a newline (messages are flattened).
std::string one_line(std::string_view text) {
  std::string out(text);
  std::replace(out.begin(), out.end(), '\n', ' ');
  std::replace(out.begin(), out.end(), '\r', ' ');
  return out;
}

[[noreturn]] void bad_file(const std::string& what, std::string_view problem) {
  throw Error(ErrorCode::kCorruption,
              fmt::format("consumer group file {} is damaged: {} (delete the group, or the file, and create it again)",
                          what, problem));
}

template <class T>
T parse_number(std::string_view text, const std::string& what, std::string_view key) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size())
    bad_file(what, fmt::format("\"{}\" is not a number: \"{}\"", key, text));
  return value;
}

}  // namespace

std::string consumers_dir(const std::string& database_dir) {
  return (std::filesystem::path(database_dir) / "consumers").string();
}

void check_consumer_name(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 64 && name.front() != '.';
  for (char c : name)
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
                c == '.');
  if (!ok)
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("\"{}\" is not a consumer group name: use 1 to 64 letters, digits, '_', '-' or '.', not "
                            "starting with '.'",
                            name));
}

ConsumerLock::ConsumerLock(const std::string& dir, bool create) {
  std::error_code ec;
  if (create) {
    std::string parent = std::filesystem::path(dir).parent_path().string();
    bool made = make_folder(dir, new_folder_mode(parent));
    if (made) sync_directory(std::filesystem::path(dir).parent_path().string());
  } else if (!std::filesystem::is_directory(dir, ec)) {
    return;
  }
  std::string path = (std::filesystem::path(dir) / ".lock").string();
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, new_file_mode(dir));
  if (fd_ < 0 && errno == EACCES) fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);  // a read-only reader
  if (fd_ < 0) throw Error(ErrorCode::kIo, fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  while (::flock(fd_, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    int err = errno;
    ::close(fd_);
    fd_ = -1;
    throw Error(ErrorCode::kIo, fmt::format("cannot lock {}: {}", path, std::strerror(err)));
  }
}

ConsumerLock::~ConsumerLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

std::string encode_consumer_record(const ConsumerRecord& r) {
  std::string text;
  text += kMagicLine;
  text += '\n';
  auto line = [&](std::string_view key, std::string_view value) { text += fmt::format("{} {}\n", key, value); };
  line("name", r.name);
  line("start", one_line(r.start));
  line("position", r.position);
  line("needs_tx", std::to_string(r.needs_tx));
  line("auto_commit", r.auto_commit ? "1" : "0");
  line("hold_bytes", r.hold_bytes ? std::to_string(*r.hold_bytes) : "none");
  line("lost", one_line(r.lost));
  line("selectors", one_line(r.selectors_json));
  line("created_us", std::to_string(r.created_us));
  line("committed_us", std::to_string(r.committed_us));
  text += fmt::format("checksum {:016x}\n", XXH3_64bits(text.data(), text.size()));
  return text;
}

ConsumerRecord decode_consumer_record(std::string_view text, const std::string& what) {
  auto checksum_at = text.rfind("checksum ");
  if (checksum_at == std::string_view::npos || (checksum_at > 0 && text[checksum_at - 1] != '\n'))
    bad_file(what, "it has no checksum line");
  std::string_view body = text.substr(0, checksum_at);
  std::string_view stored = text.substr(checksum_at + 9);
  if (!stored.empty() && stored.back() == '\n') stored.remove_suffix(1);
  if (stored != fmt::format("{:016x}", XXH3_64bits(body.data(), body.size())))
    bad_file(what, "its checksum does not match its contents");
  if (!body.starts_with(kMagicLine) || body.size() == kMagicLine.size() || body[kMagicLine.size()] != '\n')
    bad_file(what, fmt::format("it does not start with \"{}\"", kMagicLine));
  body.remove_prefix(kMagicLine.size() + 1);
  std::map<std::string, std::string, std::less<>> fields;
  while (!body.empty()) {
    auto eol = body.find('\n');
    std::string_view line = body.substr(0, eol);
    body.remove_prefix(eol == std::string_view::npos ? body.size() : eol + 1);
    auto space = line.find(' ');
    if (space == std::string_view::npos) bad_file(what, fmt::format("line \"{}\" has no value", line));
    fields.emplace(std::string(line.substr(0, space)), std::string(line.substr(space + 1)));
  }
  auto get = [&](std::string_view key) -> const std::string& {
    auto it = fields.find(key);
    if (it == fields.end()) bad_file(what, fmt::format("it has no \"{}\" line", key));
    return it->second;
  };
  ConsumerRecord r;
  r.name = get("name");
  r.start = get("start");
  r.position = get("position");
  r.needs_tx = parse_number<std::uint64_t>(get("needs_tx"), what, "needs_tx");
  r.auto_commit = get("auto_commit") == "1";
  if (get("hold_bytes") != "none") r.hold_bytes = parse_number<std::uint64_t>(get("hold_bytes"), what, "hold_bytes");
  r.lost = get("lost");
  r.selectors_json = get("selectors");
  r.created_us = parse_number<std::int64_t>(get("created_us"), what, "created_us");
  r.committed_us = parse_number<std::int64_t>(get("committed_us"), what, "committed_us");
  return r;
}

std::vector<ConsumerRecord> read_consumer_records(const std::string& dir) {
  std::vector<ConsumerRecord> out;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return out;
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string file = entry.path().filename().string();
    if (file.size() > kSuffix.size() && file.ends_with(kSuffix) && file.front() != '.')
      names.push_back(file.substr(0, file.size() - kSuffix.size()));
  }
  if (ec) throw Error(ErrorCode::kIo, fmt::format("cannot list {}: {}", dir, ec.message()));
  std::sort(names.begin(), names.end());
  for (const auto& name : names)
    if (auto record = read_consumer_record(dir, name)) out.push_back(std::move(*record));
  return out;
}

std::optional<ConsumerRecord> read_consumer_record(const std::string& dir, std::string_view name) {
  std::string path = file_of(dir, name);
  std::string text;
  try {
    text = read_small_file(path);
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kNotFound) return std::nullopt;
    throw;
  }
  ConsumerRecord record = decode_consumer_record(text, path);
  if (record.name != name) bad_file(path, fmt::format("it names group \"{}\"", record.name));
  return record;
}

void write_consumer_record(const std::string& dir, const ConsumerRecord& record) {
  check_consumer_name(record.name);
  write_file_atomically(file_of(dir, record.name), encode_consumer_record(record));
}

bool remove_consumer_record(const std::string& dir, std::string_view name) {
  std::string path = file_of(dir, name);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return false;
  remove_file(path);
  sync_directory(dir);
  return true;
}

}  // namespace txgraph::txlog
