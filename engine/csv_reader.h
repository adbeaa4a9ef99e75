// Reading CSV files as Neo4j's admin import writes them: RFC 4180 quoting (a quoted field may
// hold the delimiter, newlines and "" for a quote), one record per line otherwise, and
// positions (line and column) kept for every field so that errors can name them.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace txgraph::engine {

struct CsvField {
  std::string text;
  bool quoted = false;     // "" is an empty string; an unquoted empty field is no value
  std::uint64_t line = 0;  // where the field starts, from 1
  std::uint64_t column = 0;
};

class CsvReader {
 public:
  // Throws Error(kNotFound / kIo) naming the file when it cannot be opened.
  CsvReader(std::string path, char delimiter = ',');
  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // The next record's fields, or false at the end of the file. Blank lines are skipped.
  // Throws Error(kInvalidArgument) "FILE:LINE:COLUMN: ..." for a quote that never closes or
  // text after a closing quote.
  bool next(std::vector<CsvField>* fields);

  const std::string& path() const { return path_; }
  std::uint64_t bytes_read() const { return bytes_read_; }
  std::uint64_t file_size() const { return file_size_; }

 private:
  int get();  // next byte or EOF, counting lines and columns
  [[noreturn]] void fail(std::uint64_t line, std::uint64_t column, std::string_view why) const;

  std::string path_;
  char delimiter_;
  std::FILE* file_ = nullptr;
  std::uint64_t file_size_ = 0;
  std::uint64_t bytes_read_ = 0;
  std::uint64_t line_ = 1;
  std::uint64_t column_ = 0;  // of the byte last read
  int pending_ = -2;          // a byte pushed back, or -2
};

}  // namespace txgraph::engine
