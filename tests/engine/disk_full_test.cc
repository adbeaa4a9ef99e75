// A store write that fails for want of room (engine/lmdb_env.h, check_mdb_write) says "disk
// full", how many bytes are free and on which folder, and what to do; nothing committed before
// it is lost. The free space is asked through txlog/disk_space.h, which the tests replace.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "engine/lmdb_env.h"
#include "test_dir.h"
#include "txgraph/database.h"
#include "txlog/disk_space.h"

namespace txgraph {
namespace {

namespace fs = std::filesystem;
using testing::TestDir;

// The file system reports `free_bytes` free of `total_bytes` while this lives.
class ScopedDiskSpace {
 public:
  ScopedDiskSpace(std::uint64_t free_bytes, std::uint64_t total_bytes) {
    txlog::set_disk_space_probe([=](const std::string&) { return txlog::DiskSpace{free_bytes, total_bytes}; });
  }
  ~ScopedDiskSpace() { txlog::set_disk_space_probe(nullptr); }
};

Error error_of_write(int rc, MDB_env* env) {
  try {
    engine::check_mdb_write(rc, "writing transactions 5 to 9 to the store", env);
  } catch (const Error& e) {
    return e;
  }
  return Error(ErrorCode::kInvalidArgument, "no error");
}

TEST(DiskFull, AStoreWriteErrorOnANearlyFullDiskSaysDiskFullNamingTheFolder) {
  TestDir dir;
  engine::LmdbEnv env(dir.path().string(), 1 << 20, false);
  ScopedDiskSpace full(4096, 100ull << 30);
  // LMDB reports a short write as EIO; a write past the end of a full disk is ENOSPC.
  for (int rc : {EIO, ENOSPC, EFBIG}) {
    Error e = error_of_write(rc, env.env());
    EXPECT_EQ(e.code(), ErrorCode::kDiskFull) << e.what();
    std::string what = e.what();
    const std::string expected = "writing transactions 5 to 9 to the store: disk full: 4096 bytes free on ";
    EXPECT_NE(what.find(expected + dir.path().string()), std::string::npos) << what;
    EXPECT_NE(what.find("free space there or move the database"), std::string::npos) << what;
    EXPECT_NE(what.find("nothing committed is lost"), std::string::npos) << what;
  }
}

TEST(DiskFull, AnIoErrorWithRoomLeftStaysAnIoError) {
  TestDir dir;
  engine::LmdbEnv env(dir.path().string(), 1 << 20, false);
  ScopedDiskSpace roomy(50ull << 30, 100ull << 30);
  Error io = error_of_write(EIO, env.env());
  EXPECT_EQ(io.code(), ErrorCode::kIo) << io.what();
  EXPECT_EQ(std::string(io.what()).find("disk full"), std::string::npos) << io.what();
  // ENOSPC is a full disk whatever the count says (a quota, reserved blocks).
  EXPECT_EQ(error_of_write(ENOSPC, env.env()).code(), ErrorCode::kDiskFull);
}

// A real failed write: the file size limit stops the store's writes as a full disk would
// (EFBIG, or a short write that LMDB reports as EIO), the disk reported nearly full. The
// error says "disk full"; every transaction whose commit returned is there after reopening.
TEST(DiskFull, AStoreBatchThatCannotBeWrittenOnAFullDiskSaysSoAndLosesNothing) {
  TestDir dir;
  Options options;
  options.log_preallocate = false;  // the log's files stay small, under the limit
  options.store_batch = 64;
  options.initial_settings.rotation_size = 4096;
  options.initial_settings.log_compression_level = 0;
  auto commit = [](Database& db, int i) {
    auto tx = db.begin_write();
    tx.create_node({"N"}, {{"i", Value(i)}, {"pad", Value(std::string(1000, 'p'))}});
    tx.commit();
  };
  {
    auto db = Database::open(dir.path(), options);
    for (int i = 0; i < 5; ++i) commit(*db, i);
    db->close();
  }
  const auto limit = fs::file_size(dir.path() / "store" / "data.mdb");
  const auto acknowledged_file = dir.path() / "acknowledged";
  const auto message_file = dir.path() / "message";
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    ScopedDiskSpace full(4096, 100ull << 30);
    int acknowledged = 0;
    int code = 3;  // no error at all
    try {
      auto db = Database::open(dir.path(), options);
      rlimit r{limit, limit};
      if (::setrlimit(RLIMIT_FSIZE, &r) != 0) ::_exit(4);
      for (int i = 5; i < 5000; ++i) {
        commit(*db, i);
        ++acknowledged;
      }
      db->begin_read();  // the last batch written
    } catch (const Error& e) {
      std::ofstream(message_file) << e.what();
      code = e.code() == ErrorCode::kDiskFull ? 0 : 5;
    }
    std::ofstream(acknowledged_file) << acknowledged;
    ::_exit(code);  // the application stops, as on any failed write
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  std::string message;
  std::getline(std::ifstream(message_file), message);
  ASSERT_EQ(WEXITSTATUS(status), 0) << "not reported as a full disk: " << message;
  EXPECT_NE(message.find("disk full: 4096 bytes free on " + (dir.path() / "store").string()), std::string::npos)
      << message;
  EXPECT_NE(message.find("free space there or move the database"), std::string::npos) << message;
  int acknowledged = -1;
  std::ifstream(acknowledged_file) >> acknowledged;
  ASSERT_GE(acknowledged, 0);

  auto db = Database::open(dir.path(), options);
  EXPECT_GE(db->status().node_count, 5u + static_cast<std::uint64_t>(acknowledged));
  EXPECT_LE(db->status().node_count, 5u + static_cast<std::uint64_t>(acknowledged) + 1);  // at most the one in flight
}

}  // namespace
}  // namespace txgraph
