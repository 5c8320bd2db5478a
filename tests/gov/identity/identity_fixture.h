#pragma once
// Shared by the identity tests: a migrated SQLite store in a scratch directory, a manual clock,
// cheap password parameters, and a SecretSealer for tests (AES-256-GCM under a random key held in
// memory, tenant, purpose and record bound as associated data). Production code gets the keyring's
// sealer.

#include <gtest/gtest.h>

#include <memory>

#include "crypto/aead.h"
#include "crypto/random.h"
#include "gov/identity/model.h"
#include "gov/identity/sealer.h"
#include "gov/schema.h"
#include "store/sqlite_store.h"
#include "support/test_support.h"

namespace ward::gov::testing {

class TestSealer final : public SecretSealer {
 public:
  TestSealer() : key_(crypto::random_secret(crypto::kAeadKeySize).value()) {}

  core::Result<crypto::Bytes> seal(std::string_view tenant_id, std::string_view purpose,
                                   std::string_view record_id,
                                   std::span<const std::uint8_t> plaintext) override {
    ++seals;
    const std::string aad = associated_data(tenant_id, purpose, record_id);
    return crypto::seal(key_, plaintext, crypto::byte_view(aad));
  }

  core::Result<crypto::SecretBytes> open(std::string_view tenant_id, std::string_view purpose,
                                         std::string_view record_id,
                                         std::span<const std::uint8_t> sealed) override {
    ++opens;
    const std::string aad = associated_data(tenant_id, purpose, record_id);
    auto plain = crypto::open(key_, sealed, crypto::byte_view(aad));
    if (!plain) return plain.error();
    crypto::SecretBytes out(*plain);
    std::fill(plain->begin(), plain->end(), 0);
    return out;
  }

  int seals = 0;
  int opens = 0;

 private:
  static std::string associated_data(std::string_view tenant, std::string_view purpose,
                                     std::string_view record) {
    return std::string(tenant) + '\n' + std::string(purpose) + '\n' + std::string(record);
  }

  crypto::SecretBytes key_;
};

// 2026-01-01T00:00:00Z, a multiple of the TOTP period.
inline const core::TimePoint kStart{std::chrono::seconds(1'767'225'600)};

inline IdentityOptions test_options() {
  IdentityOptions options;
  options.password = PasswordParams::minimum_for_tests();
  return options;
}

class IdentityFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::open_sqlite(dir_ / "ward.db", {});
    ASSERT_TRUE(db.ok()) << db.error().to_string();
    db_ = std::move(*db);
    auto migrated = migrate(*db_);
    ASSERT_TRUE(migrated.ok()) << migrated.error().to_string();
  }

  // Everything written so far, as the bytes of the database files.
  std::string database_bytes() {
    return ward::test::read_text(dir_ / "ward.db") + ward::test::read_text(dir_ / "ward.db-wal");
  }

  ward::test::TempDir dir_;
  std::unique_ptr<store::Database> db_;
  core::ManualClock clock_{kStart};
  TestSealer sealer_;
  IdentityOptions options_ = test_options();
};

// Fails the test with the error's text when `result` is not ok.
#define WARD_ASSERT_OK(result) ASSERT_TRUE((result).ok()) << (result).error().to_string()
#define WARD_EXPECT_OK(result) EXPECT_TRUE((result).ok()) << (result).error().to_string()

}  // namespace ward::gov::testing
