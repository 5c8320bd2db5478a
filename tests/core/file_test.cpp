#include "core/file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support/test_support.h"

namespace ward::core {
namespace {

namespace fs = std::filesystem;
using ward::test::TempDir;

TEST(FileTest, AtomicWriteReplacesContentAndSetsMode) {
  TempDir dir;
  fs::path path = dir / "key.pem";
  ASSERT_TRUE(write_file_atomic(path, "first", 0600).ok());
  ASSERT_TRUE(write_file_atomic(path, "second", 0600).ok());
  auto text = read_file(path);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "second");
  struct stat info {};
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  // No temporary files are left behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

TEST(FileTest, FailedWriteLeavesTheOldFile) {
  TempDir dir;
  fs::path path = dir / "target";
  ASSERT_TRUE(write_file_atomic(path, "old").ok());
  // A directory in the way of the rename makes the final step fail.
  fs::path blocked = dir / "blocked";
  fs::create_directories(blocked / "inner");
  EXPECT_FALSE(write_file_atomic(blocked, "new").ok());
  EXPECT_EQ(*read_file(path), "old");
  EXPECT_TRUE(fs::is_directory(blocked / "inner"));
}

// `ward scan -o /dev/null` once renamed its report over /dev/null, which then stayed a regular
// file for every later reader. A FIFO stands in for any such path (a test that wrote to /dev/null
// itself would, run as root on a regression, break the machine it runs on).
TEST(FileTest, ADeviceOrPipeIsWrittenIntoNotReplaced) {
  TempDir dir;
  const fs::path fifo = dir / "report.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // A reader is there first (non-blocking, so that a test of a broken writer fails, not hangs).
  const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(reader, 0);
  EXPECT_TRUE(write_file_atomic(fifo, "the report\n").ok());
  char buffer[64] = {};
  const ssize_t got = ::read(reader, buffer, sizeof buffer);
  ::close(reader);
  const std::string received(buffer, got > 0 ? static_cast<size_t>(got) : 0);
  EXPECT_EQ(received, "the report\n");
  EXPECT_EQ(fs::status(fifo).type(), fs::file_type::fifo);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1)
      << "no temporary file beside it";
}

TEST(FileTest, ReadMissingFileNamesIt) {
  TempDir dir;
  auto text = read_file(dir / "absent");
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().code(), Code::kNotFound);
  EXPECT_EQ(text.error().where(), (dir / "absent").string());
}

TEST(FileTest, WritableDirectoryIsCreatedOrRefused) {
  TempDir dir;
  EXPECT_TRUE(ensure_writable_directory(dir / "a/b").ok());
  EXPECT_TRUE(fs::is_directory(dir / "a/b"));
  ward::test::write_text(dir / "plain", "x");
  auto status = ensure_writable_directory(dir / "plain");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), Code::kFailedPrecondition);
  EXPECT_FALSE(ensure_writable_directory(dir / "plain/sub").ok());
}

}  // namespace
}  // namespace ward::core
