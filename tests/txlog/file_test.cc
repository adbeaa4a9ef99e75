// The file layer every log byte goes through: gathered writes, reads at the end of a file, the
// error codes a caller sees, and the fault hook the other suites inject failures with (it
// must do exactly what it promises, or those suites test nothing).
#include "txlog/file.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <string>

#include "txlog_test_support.h"

namespace txgraph::txlog {
namespace {

using testing::error_code_of;
using testing::read_bytes;
using testing::ScopedFaultHook;

class FileTest : public ::testing::Test {
 protected:
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  txgraph::testing::TestDir dir_;
};

TEST_F(FileTest, GatheredWriteLandsContiguouslyAtTheOffset) {
  File f(path("f"), File::Mode::kCreateExclusive);
  f.write_at(0, "0123456789");
  std::string a = "abc", b, c = "defgh";
  struct iovec parts[] = {{a.data(), a.size()}, {b.data(), 0}, {c.data(), c.size()}};
  f.write_at(4, parts, 3);
  EXPECT_EQ(f.size(), 12u);
  EXPECT_EQ(read_bytes(path("f")), "0123abcdefgh");

  char buffer[32];
  EXPECT_EQ(f.read_at(2, buffer, 5), 5u);
  EXPECT_EQ(std::string(buffer, 5), "23abc");
  EXPECT_EQ(f.read_at(9, buffer, sizeof buffer), 3u) << "fewer bytes only at the end of the file";
  EXPECT_EQ(std::string(buffer, 3), "fgh");
  EXPECT_EQ(f.read_at(12, buffer, sizeof buffer), 0u);
}

TEST_F(FileTest, OpeningReportsMissingAndExistingFiles) {
  EXPECT_EQ(error_code_of([&] { File f(path("missing"), File::Mode::kRead); }), ErrorCode::kNotFound);
  EXPECT_EQ(error_code_of([&] { File f(path("missing"), File::Mode::kReadWrite); }), ErrorCode::kNotFound);
  { File f(path("exists"), File::Mode::kCreateExclusive); }
  EXPECT_EQ(error_code_of([&] { File f(path("exists"), File::Mode::kCreateExclusive); }), ErrorCode::kIo);
}

TEST_F(FileTest, InjectedErrorsMapToTheirCodes) {
  File f(path("f"), File::Mode::kCreateExclusive);
  f.write_at(0, "data");
  for (auto [err, code] : {std::pair{ENOSPC, ErrorCode::kDiskFull}, std::pair{EDQUOT, ErrorCode::kDiskFull},
                           std::pair{EIO, ErrorCode::kIo}}) {
    ScopedFaultHook hook([err = err](IoOp, const std::string&, std::size_t*) { return err; });
    EXPECT_EQ(error_code_of([&] { f.write_at(4, "more"); }), code);
    EXPECT_EQ(error_code_of([&] { f.sync(); }), code);
    EXPECT_EQ(error_code_of([&] { f.truncate(0); }), code);
    EXPECT_EQ(error_code_of([&] { File g(path("new"), File::Mode::kCreateExclusive); }), code);
    // Reading is never injected into: a reader can always look at what is there.
    File r(path("f"), File::Mode::kRead);
    char c;
    EXPECT_EQ(r.read_at(0, &c, 1), 1u);
  }
  EXPECT_EQ(read_bytes(path("f")), "data") << "a refused write changes nothing";
  EXPECT_FALSE(std::filesystem::exists(path("new")));
}

TEST_F(FileTest, ShortWriteWritesExactlyThatManyBytesThenFails) {
  File f(path("f"), File::Mode::kCreateExclusive);
  std::string a = "header--", b = "payload-bytes";
  struct iovec parts[] = {{a.data(), a.size()}, {b.data(), b.size()}};
  for (std::size_t n : {std::size_t{0}, std::size_t{3}, a.size(), a.size() + 4}) {
    for (int err : {ENOSPC, 0}) {
      SCOPED_TRACE(::testing::Message() << n << " bytes, errno " << err);
      f.truncate(0);
      {
        ScopedFaultHook hook([&](IoOp op, const std::string&, std::size_t* short_write) {
          if (op != IoOp::kWrite) return 0;
          *short_write = n;
          return err;
        });
        EXPECT_EQ(error_code_of([&] { f.write_at(0, parts, 2); }),
                  err == ENOSPC ? ErrorCode::kDiskFull : ErrorCode::kIo);
      }
      EXPECT_EQ(read_bytes(path("f")), (a + b).substr(0, n));
    }
  }
}

TEST_F(FileTest, AtomicWriteKeepsTheOldContentWhenItFails) {
  write_file_atomically(path("state"), "version 1");
  EXPECT_EQ(read_small_file(path("state")), "version 1");
  for (IoOp failing : {IoOp::kWrite, IoOp::kSync, IoOp::kRename}) {
    ScopedFaultHook hook([&](IoOp op, const std::string&, std::size_t*) { return op == failing ? EIO : 0; });
    EXPECT_EQ(error_code_of([&] { write_file_atomically(path("state"), "version 2"); }), ErrorCode::kIo);
    EXPECT_EQ(read_small_file(path("state")), "version 1");
  }
  write_file_atomically(path("state"), "version 2");
  EXPECT_EQ(read_small_file(path("state")), "version 2");
  EXPECT_EQ(error_code_of([&] { read_small_file(path("nothing")); }), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace txgraph::txlog
