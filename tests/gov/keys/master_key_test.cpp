#include "gov/keys/master_key.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <thread>

#include "crypto/hash.h"
#include "support/test_support.h"

namespace ward::gov {
namespace {

namespace fs = std::filesystem;
using ward::test::TempDir;

constexpr std::string_view kHex =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
// The same 32 bytes in base64.
constexpr std::string_view kBase64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

crypto::Bytes expected_bytes() {
  return *crypto::from_hex(kHex);
}

mode_t mode_of(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

void write_key_file(const fs::path& path, std::string_view contents, mode_t mode) {
  ward::test::write_text(path, std::string(contents));
  ASSERT_EQ(::chmod(path.c_str(), mode), 0);
}

bool same(const crypto::SecretBytes& key, const crypto::Bytes& bytes) {
  return std::equal(key.view().begin(), key.view().end(), bytes.begin(), bytes.end());
}

TEST(KeysMasterKeyTest, ParsesHexBase64AndRawBytes) {
  for (std::string text : {std::string(kHex), std::string(kBase64), std::string(kHex) + "\n",
                           "  " + std::string(kBase64).substr(0, 43) + "\r\n"}) {
    auto key = parse_key_material(crypto::byte_view(text), "test");
    ASSERT_TRUE(key.ok()) << text << ": " << key.error().to_string();
    EXPECT_TRUE(same(*key, expected_bytes())) << text;
  }
  crypto::Bytes raw = expected_bytes();
  auto key = parse_key_material(raw, "test");
  ASSERT_TRUE(key.ok()) << key.error().to_string();
  EXPECT_TRUE(same(*key, raw));
}

TEST(KeysMasterKeyTest, RefusesAnythingElseWithoutEchoingIt) {
  const std::string secretish = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1";
  for (std::string text : {std::string(""), std::string("short"), secretish,  // 62 digits
                           secretish + "zz",                                  // not hex
                           std::string(kBase64).substr(0, 42),                // too short
                           std::string(kBase64).substr(0, 42) + "B=",         // non-canonical
                           std::string(64, '0')}) {                           // all zero
    auto key = parse_key_material(crypto::byte_view(text), "WARD_MASTER_KEY");
    ASSERT_FALSE(key.ok()) << text;
    EXPECT_EQ(key.error().code(), core::Code::kInvalidArgument);
    EXPECT_EQ(key.error().where(), "WARD_MASTER_KEY");
    if (text.size() > 8) {
      EXPECT_EQ(key.error().to_string().find(text), std::string::npos) << key.error().to_string();
    }
  }
}

TEST(KeysMasterKeyTest, KeyFilesReadableByOthersAreRefused) {
  TempDir dir;
  const fs::path file = dir / "tenant.key";
  for (mode_t mode : {0644, 0640, 0604, 0660, 0601}) {
    write_key_file(file, kHex, mode);
    auto key = read_key_file(file);
    ASSERT_FALSE(key.ok()) << std::oct << mode;
    EXPECT_EQ(key.error().code(), core::Code::kInvalidArgument);
    EXPECT_NE(key.error().message().find("chmod 600"), std::string::npos) << key.error().message();
  }
  for (mode_t mode : {0600, 0400}) {
    write_key_file(file, kHex, mode);
    auto key = read_key_file(file);
    ASSERT_TRUE(key.ok()) << key.error().to_string();
    EXPECT_TRUE(same(*key, expected_bytes()));
  }
}

TEST(KeysMasterKeyTest, KeyFileErrors) {
  TempDir dir;
  auto missing = read_key_file(dir / "missing.key");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), core::Code::kNotFound);

  auto directory = read_key_file(dir.path());
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.error().code(), core::Code::kInvalidArgument);

  write_key_file(dir / "big.key", std::string(10000, 'a'), 0600);
  auto big = read_key_file(dir / "big.key");
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code(), core::Code::kInvalidArgument);

  write_key_file(dir / "text.key", "not a key at all\n", 0600);
  auto text = read_key_file(dir / "text.key");
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().where(), (dir / "text.key").string());
}

TEST(KeysMasterKeyTest, CreatesAPrivateMasterKeyFileOnFirstUseOnly) {
  TempDir dir;
  MasterKeySource source;
  source.file = dir / "data/keys/master.key";

  auto refused = load_master_key(source);  // create_if_missing is false
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), core::Code::kNotFound);
  EXPECT_FALSE(fs::exists(source.file));

  source.create_if_missing = true;
  auto created = load_master_key(source);
  ASSERT_TRUE(created.ok()) << created.error().to_string();
  EXPECT_EQ(mode_of(source.file), 0600u);
  EXPECT_EQ(mode_of(source.file.parent_path()), 0700u);
  // 64 hex digits and a newline, so an operator can copy it into a password manager.
  std::string text = ward::test::read_text(source.file);
  ASSERT_EQ(text.size(), 65u);
  auto check = created->check_value();

  // Loading again reads the same secret instead of making a new one.
  auto again = load_master_key(source);
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  EXPECT_EQ(*again->check_value(), *check);
  EXPECT_EQ(ward::test::read_text(source.file), text);
}

TEST(KeysMasterKeyTest, ConcurrentFirstUseAgreesOnOneSecret) {
  TempDir dir;
  MasterKeySource source;
  source.file = dir / "keys/master.key";
  source.create_if_missing = true;
  std::vector<crypto::Bytes> checks(8);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < checks.size(); ++i) {
    threads.emplace_back([&, i] {
      auto key = load_master_key(source);
      if (key) checks[i] = *key->check_value();
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& check : checks) EXPECT_EQ(check, checks[0]);
  EXPECT_FALSE(checks[0].empty());
}

TEST(KeysMasterKeyTest, EnvironmentWinsAndConflictsAreRefused) {
  TempDir dir;
  MasterKeySource source;
  source.environment = std::string(kHex);
  source.file = dir / "keys/master.key";
  source.create_if_missing = true;
  auto from_env = load_master_key(source);
  ASSERT_TRUE(from_env.ok()) << from_env.error().to_string();
  EXPECT_FALSE(fs::exists(source.file));  // no file is made when the environment supplies it
  auto direct = MasterKey::from_bytes(crypto::SecretBytes(expected_bytes()));
  EXPECT_EQ(*from_env->check_value(), *direct->check_value());

  source.file_configured = true;
  auto both = load_master_key(source);
  ASSERT_FALSE(both.ok());
  EXPECT_EQ(both.error().code(), core::Code::kInvalidArgument);
  EXPECT_NE(both.error().message().find("keys.master_key_file"), std::string::npos);

  source.file_configured = false;
  source.environment = "not-a-key";
  auto bad = load_master_key(source);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().where(), "WARD_MASTER_KEY");
}

TEST(KeysMasterKeyTest, DerivedKeysDependOnTheLabel) {
  auto master = MasterKey::from_bytes(crypto::SecretBytes(expected_bytes()));
  ASSERT_TRUE(master.ok());
  auto a = master->derive("ward/test/a", {}, 32);
  auto b = master->derive("ward/test/b", {}, 32);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_FALSE(std::equal(a->view().begin(), a->view().end(), b->view().begin()));
  EXPECT_EQ(master->check_value()->size(), 16u);
  EXPECT_FALSE(MasterKey::from_bytes(crypto::SecretBytes(16)).ok());
  EXPECT_FALSE(MasterKey::from_bytes(crypto::SecretBytes(32)).ok());  // all zero
}

TEST(KeysMasterKeyTest, KeyPathsFollowTheConfig) {
  core::Config config;
  config.data_dir = "/srv/ward";
  KeyPaths paths = key_paths(config);
  EXPECT_EQ(paths.directory, fs::path("/srv/ward/keys"));
  EXPECT_EQ(paths.master_key_file, fs::path("/srv/ward/keys/master.key"));
  EXPECT_EQ(paths.keyring_file, fs::path("/srv/ward/keys/keyring"));
  config.keys.master_key_file = "/run/secrets/ward-master";
  EXPECT_EQ(key_paths(config).master_key_file, fs::path("/run/secrets/ward-master"));
}

}  // namespace
}  // namespace ward::gov
