#include "core/file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

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
