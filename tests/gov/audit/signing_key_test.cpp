// The CLI's checkpoint signing key files.

#include "gov/audit/signing_key.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <regex>

#include "support/test_support.h"

namespace ward::gov {
namespace {

namespace fs = std::filesystem;

mode_t mode_of(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 0777;
}

TEST(AuditSigningKeyTest, CreatesAPrivateKeyAndItsPublicKeyOnce) {
  test::TempDir dir;
  auto first = load_or_create_audit_signing_key(dir.path());
  ASSERT_TRUE(first.ok()) << first.error().to_string();
  EXPECT_EQ(mode_of(audit_private_key_file(dir.path())), 0600u);
  EXPECT_EQ(mode_of(audit_private_key_file(dir.path()).parent_path()), 0700u);
  EXPECT_TRUE(std::regex_match(test::read_text(audit_private_key_file(dir.path())),
                               std::regex("[0-9a-f]{64}\n")));
  auto public_key = read_audit_public_key(audit_public_key_file(dir.path()));
  ASSERT_TRUE(public_key.ok());
  EXPECT_EQ(*public_key, first->public_key());

  auto second = load_or_create_audit_signing_key(dir.path());
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->public_key(), first->public_key());
  // No temporary files are left behind.
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir.path() / "keys")) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 2);
}

TEST(AuditSigningKeyTest, RestoresAMissingPublicKeyFile) {
  test::TempDir dir;
  auto key = load_or_create_audit_signing_key(dir.path());
  ASSERT_TRUE(key.ok());
  fs::remove(audit_public_key_file(dir.path()));
  ASSERT_TRUE(load_or_create_audit_signing_key(dir.path()).ok());
  EXPECT_EQ(*read_audit_public_key(audit_public_key_file(dir.path())), key->public_key());
}

TEST(AuditSigningKeyTest, RefusesAKeyOthersCanRead) {
  test::TempDir dir;
  ASSERT_TRUE(load_or_create_audit_signing_key(dir.path()).ok());
  fs::permissions(audit_private_key_file(dir.path()), fs::perms::group_read, fs::perm_options::add);
  auto refused = load_or_create_audit_signing_key(dir.path());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), core::Code::kFailedPrecondition);
  EXPECT_NE(refused.error().message().find("chmod 600"), std::string::npos);
}

TEST(AuditSigningKeyTest, RejectsDamagedFiles) {
  test::TempDir dir;
  ASSERT_TRUE(load_or_create_audit_signing_key(dir.path()).ok());
  test::write_text(audit_private_key_file(dir.path()), "not hex\n");
  fs::permissions(audit_private_key_file(dir.path()),
                  fs::perms::owner_read | fs::perms::owner_write);
  auto damaged = load_or_create_audit_signing_key(dir.path());
  ASSERT_FALSE(damaged.ok());
  EXPECT_EQ(damaged.error().code(), core::Code::kDataLoss);

  test::write_text(dir / "short.pub", "abcd\n");
  EXPECT_FALSE(read_audit_public_key(dir / "short.pub").ok());
  EXPECT_FALSE(read_audit_public_key(dir / "missing.pub").ok());
  test::write_text(dir / "spaced.pub", "  " + std::string(64, 'A') + "\r\n");
  EXPECT_TRUE(read_audit_public_key(dir / "spaced.pub").ok());
}

}  // namespace
}  // namespace ward::gov
