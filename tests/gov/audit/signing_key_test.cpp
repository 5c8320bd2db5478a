// The published public half of the audit log's signing key.

#include "gov/audit/signing_key.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "support/test_support.h"

namespace ward::gov {
namespace {

namespace fs = std::filesystem;

mode_t mode_of(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 0777;
}

TEST(AuditSigningKeyTest, PublishesThePublicKeyAndReplacesAStaleOne) {
  test::TempDir dir;
  auto first = crypto::Ed25519KeyPair::generate();
  auto second = crypto::Ed25519KeyPair::generate();
  ASSERT_TRUE(first.ok() && second.ok());
  ASSERT_TRUE(publish_audit_public_key(dir.path(), first->public_key()).ok());
  const fs::path file = audit_public_key_file(dir.path());
  EXPECT_EQ(mode_of(file), 0644u);
  EXPECT_EQ(mode_of(file.parent_path()), 0700u);
  EXPECT_EQ(*read_audit_public_key(file), first->public_key());
  ASSERT_TRUE(publish_audit_public_key(dir.path(), first->public_key()).ok());  // idempotent
  ASSERT_TRUE(publish_audit_public_key(dir.path(), second->public_key()).ok());
  EXPECT_EQ(*read_audit_public_key(file), second->public_key());
}

TEST(AuditSigningKeyTest, RejectsDamagedFiles) {
  test::TempDir dir;
  test::write_text(dir / "short.pub", "abcd\n");
  EXPECT_FALSE(read_audit_public_key(dir / "short.pub").ok());
  EXPECT_FALSE(read_audit_public_key(dir / "missing.pub").ok());
  test::write_text(dir / "spaced.pub", "  " + std::string(64, 'A') + "\r\n");
  EXPECT_TRUE(read_audit_public_key(dir / "spaced.pub").ok());
}

}  // namespace
}  // namespace ward::gov
