#pragma once
// A data directory with every gov part — identity, keys and the audit log — on a real SQLite file
// and a real keyring, with a manual clock: for the tenancy tests that need them all.

#include <gtest/gtest.h>

#include "crypto/random.h"
#include "crypto/sign.h"
#include "gov/audit/audit_log.h"
#include "gov/identity/directory.h"
#include "gov/keys/keyring.h"
#include "gov/keys/master_key.h"
#include "gov/schema.h"
#include "store/sqlite_store.h"
#include "support/test_support.h"

namespace ward::gov {

class GovernedDataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::open_sqlite(dir_ / "ward.db", {});
    ASSERT_TRUE(db.ok()) << db.error().to_string();
    db_ = std::move(*db);
    ASSERT_TRUE(migrate(*db_).ok());
    directory_ = std::make_unique<Directory>(*db_, clock_);
    auto secret = crypto::random_secret(32);
    ASSERT_TRUE(secret.ok());
    auto master = MasterKey::from_bytes(std::move(secret).value());
    ASSERT_TRUE(master.ok());
    auto keyring =
        Keyring::open(*db_, std::move(*master), clock_, {.keyring_file = dir_ / "keyring"});
    ASSERT_TRUE(keyring.ok()) << keyring.error().to_string();
    keyring_ = std::make_unique<Keyring>(std::move(*keyring));
    auto audit = AuditLog::open(*db_, signing_key_, clock_);
    ASSERT_TRUE(audit.ok()) << audit.error().to_string();
    audit_ = std::move(*audit);
  }

  ward::test::TempDir dir_;
  core::ManualClock clock_{core::TimePoint(std::chrono::seconds(1'800'000'000))};
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<Directory> directory_;
  std::unique_ptr<Keyring> keyring_;
  crypto::Ed25519KeyPair signing_key_ = crypto::Ed25519KeyPair::generate().value();
  std::unique_ptr<AuditLog> audit_;
};

}  // namespace ward::gov
