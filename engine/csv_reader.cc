#include "engine/csv_reader.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "txgraph/error.h"

namespace txgraph::engine {

namespace {
constexpr std::size_t kReadBuffer = 1 << 20;
}

CsvReader::CsvReader(std::string path, char delimiter) : path_(std::move(path)), delimiter_(delimiter) {
  file_ = std::fopen(path_.c_str(), "rb");
  if (!file_)
    throw Error(errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo,
                fmt::format("cannot open {}: {}", path_, std::strerror(errno)));
  std::setvbuf(file_, nullptr, _IOFBF, kReadBuffer);
  struct stat st {};
  if (::fstat(::fileno(file_), &st) == 0) file_size_ = static_cast<std::uint64_t>(st.st_size);
}

CsvReader::~CsvReader() {
  if (file_) std::fclose(file_);
}

void CsvReader::fail(std::uint64_t line, std::uint64_t column, std::string_view why) const {
  throw Error(ErrorCode::kInvalidArgument, fmt::format("{}:{}:{}: {}", path_, line, column, why));
}

int CsvReader::get() {
  int c;
  if (pending_ != -2) {
    c = pending_;
    pending_ = -2;
  } else {
    c = getc_unlocked(file_);
    if (c == EOF) {
      if (std::ferror(file_)) throw Error(ErrorCode::kIo, fmt::format("reading {}: {}", path_, std::strerror(errno)));
      return EOF;
    }
    ++bytes_read_;
  }
  if (c == '\n') {
    ++line_;
    column_ = 0;
  } else {
    ++column_;
  }
  return c;
}

bool CsvReader::next(std::vector<CsvField>* fields) {
  fields->clear();
  for (;;) {
    // Skip blank lines (and the \r of CRLF ones) between records.
    int c = get();
    while (c == '\n' || c == '\r') c = get();
    if (c == EOF) return false;

    std::size_t count = 0;
    for (;;) {
      if (fields->size() <= count) fields->emplace_back();
      CsvField& f = (*fields)[count++];
      f.text.clear();
      f.quoted = false;
      f.line = line_;
      f.column = column_;
      if (c == '"') {
        f.quoted = true;
        std::uint64_t open_line = line_, open_column = column_;
        for (;;) {
          c = get();
          if (c == EOF) fail(open_line, open_column, "a quoted field is never closed");
          if (c == '"') {
            c = get();
            if (c == '"') {
              f.text.push_back('"');
              continue;
            }
            break;  // closing quote; c is the byte after it
          }
          f.text.push_back(static_cast<char>(c));
        }
        if (c == '\r') c = get();
        if (c != delimiter_ && c != '\n' && c != EOF)
          fail(line_, column_, fmt::format("unexpected '{}' after a closing quote (a quote inside a quoted field "
                                           "is written \"\")",
                                           static_cast<char>(c)));
      } else {
        while (c != delimiter_ && c != '\n' && c != EOF) {
          f.text.push_back(static_cast<char>(c));
          c = get();
        }
        if (!f.text.empty() && f.text.back() == '\r' && c != delimiter_) f.text.pop_back();
      }
      if (c == delimiter_) {
        c = get();
        continue;  // another field follows, possibly empty
      }
      break;  // end of the record: '\n' or EOF
    }
    fields->resize(count);
    return true;
  }
}

}  // namespace txgraph::engine
