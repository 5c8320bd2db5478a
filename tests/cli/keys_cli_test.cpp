// `ward admin keys …` through the real binary: BYOK import, rotation, revocation and restore,
// status, and the refusal of unsafe or malformed key files.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <random>

#include "support/test_support.h"

namespace ward::test {
namespace {

namespace fs = std::filesystem;

std::string random_hex_key() {
  std::random_device rd;
  static const char* digits = "0123456789abcdef";
  std::string hex;
  for (int i = 0; i < 64; ++i) hex.push_back(digits[rd() % 16]);
  return hex;
}

class KeysCliTest : public ::testing::Test {
 protected:
  // The keys commands name tenants that identity knows. acme is on the built-in "pro" tier, which
  // offers BYOK; globex stays on "free", which does not.
  void SetUp() override {
    for (const char* tenant : {"acme", "globex"}) {
      auto created = admin({"tenant", "create", tenant});
      ASSERT_EQ(created.exit_code, 0) << created.err;
    }
    auto pro = admin({"tenant", "set-tier", "acme", "pro"});
    ASSERT_EQ(pro.exit_code, 0) << pro.err;
  }

  std::map<std::string, std::string> env() const { return {{"HOME", (dir_ / "home").string()}}; }

  ProcessResult admin(std::vector<std::string> args) const {
    args.insert(args.begin(), {"--data-dir", (dir_ / "data").string(), "admin"});
    return run_ward(args, env());
  }

  ProcessResult ward(std::vector<std::string> args,
                     std::map<std::string, std::string> extra_env = {}) const {
    args.insert(args.begin(), {"--data-dir", (dir_ / "data").string(), "admin", "keys"});
    auto environment = env();
    environment.insert(extra_env.begin(), extra_env.end());
    return run_ward(args, environment);
  }

  fs::path key_file(const std::string& name, const std::string& contents, mode_t mode = 0600) {
    fs::path path = dir_ / name;
    write_text(path, contents);
    EXPECT_EQ(::chmod(path.c_str(), mode), 0);
    return path;
  }

  static void expect_no_key(const ProcessResult& result, const std::string& hex) {
    EXPECT_EQ(result.out.find(hex), std::string::npos) << result.out;
    EXPECT_EQ(result.err.find(hex), std::string::npos) << result.err;
  }

  TempDir dir_;
};

TEST_F(KeysCliTest, StatusOfAFreshDataDirectoryCreatesAPrivateMasterKey) {
  auto result = ward({"status"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("no tenant has keys yet"), std::string::npos) << result.out;
  struct stat info {};
  ASSERT_EQ(::stat((dir_ / "data/keys/master.key").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir_ / "data/keys").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);

  auto one = ward({"status", "--tenant", "acme"});
  EXPECT_EQ(one.exit_code, 0) << one.err;
  EXPECT_NE(one.out.find("acme: no keys yet"), std::string::npos) << one.out;
}

TEST_F(KeysCliTest, ImportRevokeRestoreAndStatus) {
  const std::string first = random_hex_key();
  const std::string second = random_hex_key();
  fs::path first_file = key_file("first.key", first + "\n");
  fs::path second_file = key_file("second.key", second);

  auto imported = ward({"import", "--tenant", "acme", "--key-file", first_file.string()});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_NE(imported.out.find("tenant acme: imported the tenant's own key as version 1"),
            std::string::npos)
      << imported.out;
  expect_no_key(imported, first);

  auto again = ward({"import", "--tenant", "acme", "--key-file", first_file.string()});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("already version 1"), std::string::npos) << again.err;

  // A BYOK tenant rotates by importing new material, not with `rotate`.
  auto rotate = ward({"rotate", "--tenant", "acme"});
  EXPECT_EQ(rotate.exit_code, 1);
  EXPECT_NE(rotate.err.find("ward: error: tenant acme: "), std::string::npos) << rotate.err;
  EXPECT_NE(rotate.err.find("ward admin keys import"), std::string::npos) << rotate.err;
  auto rotated = ward({"import", "--tenant", "acme", "--key-file", second_file.string()});
  ASSERT_EQ(rotated.exit_code, 0) << rotated.err;
  EXPECT_NE(rotated.out.find("version 2"), std::string::npos) << rotated.out;

  auto status = ward({"status", "--tenant", "acme"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("acme: active version 2 (imported, enabled)"), std::string::npos)
      << status.out;
  EXPECT_NE(status.out.find("version 1"), std::string::npos) << status.out;

  auto revoked = ward({"revoke", "--tenant", "acme"});
  ASSERT_EQ(revoked.exit_code, 0) << revoked.err;
  EXPECT_NE(revoked.out.find("tenant acme: revoked"), std::string::npos) << revoked.out;
  status = ward({"status"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("(imported, revoked)"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("material erased"), std::string::npos) << status.out;

  fs::path wrong_file = key_file("wrong.key", random_hex_key());
  auto wrong = ward({"restore", "--tenant", "acme", "--key-file", wrong_file.string()});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("key check value differs"), std::string::npos) << wrong.err;

  auto restored = ward({"restore", "--tenant", "acme", "--key-file", second_file.string()});
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  EXPECT_NE(restored.out.find("restored version 2"), std::string::npos) << restored.out;

  auto rewrapped = ward({"rewrap", "--tenant", "acme"});
  ASSERT_EQ(rewrapped.exit_code, 0) << rewrapped.err;
  EXPECT_NE(rewrapped.out.find("re-wrapped 0 of 0 data keys under version 2"), std::string::npos)
      << rewrapped.out;

  for (const auto* result : {&status, &revoked, &restored, &rewrapped}) {
    expect_no_key(*result, first);
    expect_no_key(*result, second);
  }
}

TEST_F(KeysCliTest, RotateGivesAWardManagedTenantNewVersions) {
  auto first = ward({"rotate", "--tenant", "globex"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto second = ward({"rotate", "--tenant", "globex"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.out.find("created version 2 of the tenant's Ward-managed"), std::string::npos)
      << second.out;
  auto status = ward({"status", "--tenant", "globex"});
  EXPECT_NE(status.out.find("globex: active version 2 (ward-managed, enabled)"), std::string::npos)
      << status.out;
  // Only the tenant's own key can be revoked.
  auto revoke = ward({"revoke", "--tenant", "globex"});
  EXPECT_EQ(revoke.exit_code, 1);
  EXPECT_NE(revoke.err.find("Ward-managed"), std::string::npos) << revoke.err;
}

TEST_F(KeysCliTest, ImportNeedsATierThatOffersByokAndTheRefusalIsAudited) {
  const std::string hex = random_hex_key();
  fs::path file = key_file("globex.key", hex);
  auto refused = ward({"import", "--tenant", "globex", "--key-file", file.string()});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("tenant globex: its tier \"free\" does not offer customer-managed "
                             "keys (BYOK)"),
            std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("ward admin tenant set-tier"), std::string::npos) << refused.err;
  expect_no_key(refused, hex);
  EXPECT_NE(ward({"status", "--tenant", "globex"}).out.find("no keys yet"), std::string::npos);

  auto events = run_ward({"--data-dir", (dir_ / "data").string(), "audit", "query", "--action",
                          "ward:AdminKeys", "--json"},
                         env());
  ASSERT_EQ(events.exit_code, 0) << events.err;
  EXPECT_NE(events.out.find("failed_precondition"), std::string::npos) << events.out;
  EXPECT_EQ(events.out.find(hex), std::string::npos);

  ASSERT_EQ(admin({"tenant", "set-tier", "globex", "pro"}).exit_code, 0);
  auto imported = ward({"import", "--tenant", "globex", "--key-file", file.string()});
  EXPECT_EQ(imported.exit_code, 0) << imported.err;
}

TEST_F(KeysCliTest, UnsafeOrMalformedKeyFilesAreRefused) {
  const std::string hex = random_hex_key();
  auto readable = ward(
      {"import", "--tenant", "acme", "--key-file", key_file("readable.key", hex, 0644).string()});
  EXPECT_EQ(readable.exit_code, 1);
  EXPECT_NE(readable.err.find("accessible to other users (mode 0644)"), std::string::npos)
      << readable.err;
  EXPECT_NE(readable.err.find("chmod 600"), std::string::npos) << readable.err;

  auto group =
      ward({"import", "--tenant", "acme", "--key-file", key_file("group.key", hex, 0640).string()});
  EXPECT_EQ(group.exit_code, 1);

  auto missing = ward({"import", "--tenant", "acme", "--key-file", (dir_ / "nope.key").string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("does not exist"), std::string::npos) << missing.err;

  auto short_key = ward({"import", "--tenant", "acme", "--key-file",
                         key_file("short.key", hex.substr(0, 40)).string()});
  EXPECT_EQ(short_key.exit_code, 1);
  EXPECT_NE(short_key.err.find("not a 256-bit key"), std::string::npos) << short_key.err;

  auto zero = ward({"import", "--tenant", "acme", "--key-file",
                    key_file("zero.key", std::string(64, '0')).string()});
  EXPECT_EQ(zero.exit_code, 1);

  for (const auto* result : {&readable, &group, &short_key}) expect_no_key(*result, hex);
  // Nothing was imported.
  auto status = ward({"status", "--tenant", "acme"});
  EXPECT_NE(status.out.find("no keys yet"), std::string::npos) << status.out;
}

TEST_F(KeysCliTest, UsageErrors) {
  EXPECT_EQ(ward({}).exit_code, 2);
  EXPECT_EQ(ward({"import", "--tenant", "acme"}).exit_code, 2);  // no --key-file
  EXPECT_EQ(ward({"rotate"}).exit_code, 2);                      // no --tenant
  auto admin = run_ward({"--data-dir", (dir_ / "data").string(), "admin"}, env());
  EXPECT_EQ(admin.exit_code, 2);
}

TEST_F(KeysCliTest, MasterSecretFromTheEnvironmentAndAWrongOneIsRefused) {
  const std::string master = random_hex_key();
  // Start over with a data directory whose keys come from the environment from the first command.
  fs::remove_all(dir_ / "data");
  auto tenant = run_ward({"--data-dir", (dir_ / "data").string(), "admin", "tenant", "create", "acme"},
                         {{"HOME", (dir_ / "home").string()}, {"WARD_MASTER_KEY", master}});
  ASSERT_EQ(tenant.exit_code, 0) << tenant.err;
  auto created = ward({"rotate", "--tenant", "acme"}, {{"WARD_MASTER_KEY", master}});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_FALSE(fs::exists(dir_ / "data/keys/master.key"));

  auto wrong = ward({"status"}, {{"WARD_MASTER_KEY", random_hex_key()}});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("master secret"), std::string::npos) << wrong.err;

  auto none = ward({"status"});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.err.find("master key file is missing"), std::string::npos) << none.err;
  EXPECT_FALSE(fs::exists(dir_ / "data/keys/master.key"));

  auto bad = ward({"status"}, {{"WARD_MASTER_KEY", "swordfish"}});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("WARD_MASTER_KEY"), std::string::npos) << bad.err;
  EXPECT_EQ(bad.err.find("swordfish"), std::string::npos) << bad.err;

  auto right = ward({"status"}, {{"WARD_MASTER_KEY", master}});
  EXPECT_EQ(right.exit_code, 0) << right.err;
  EXPECT_NE(right.out.find("acme: active version 1 (ward-managed, enabled)"), std::string::npos)
      << right.out;
  expect_no_key(right, master);
}

}  // namespace
}  // namespace ward::test
