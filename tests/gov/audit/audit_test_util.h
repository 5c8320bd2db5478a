#pragma once
// Helpers for the audit log tests: a scratch database with the audit tables, a signing key, a
// manual clock, sample events, and raw SQL on the database file (as an attacker with write access
// to the file would edit it, bypassing Ward entirely). Single-threaded use within one test.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "gov/audit/audit_log.h"
#include "gov/audit/schema.h"
#include "gov/audit/verify.h"
#include "store/sqlite_store.h"
#include "support/test_support.h"

#define WARD_ASSERT_OK(expr)                                                  \
  do {                                                                        \
    const auto& ward_assert_ok_ = (expr);                                     \
    ASSERT_TRUE(ward_assert_ok_.ok()) << ward_assert_ok_.error().to_string(); \
  } while (0)

namespace ward::gov::testing {

// A sample event; `i` varies the user, action, resource and parameters.
inline AuditEvent sample_event(int i) {
  AuditEvent event;
  event.tenant = "acme";
  event.actor = {i % 2 == 0 ? "alice" : "bob", "token", "tok-" + std::to_string(i), "192.0.2.7",
                 "ward-vscode/1.0"};
  event.action = i % 3 == 0 ? "ward:AdminUsers" : "ward:Complete";
  event.resource = "ward:eu-west:acme:workspace/ws-" + std::to_string(i);
  event.params.set("workspace", "ws-" + std::to_string(i)).set("attempt", i);
  event.params.digest("prompt", "prompt number " + std::to_string(i));
  event.outcome = i % 5 == 4 ? AuditOutcome::kDenied : AuditOutcome::kAllowed;
  event.latency_ms = 10 + i;
  event.region = "eu-west";
  return event;
}

// Runs SQL on the database file through a separate, plain SQLite connection.
inline void raw_sql(const std::filesystem::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  char* message = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  std::string text = message ? message : "";
  sqlite3_free(message);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << text << " in: " << sql;
}

class AuditFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::open_sqlite(file(), {});
    ASSERT_TRUE(db.ok()) << db.error().to_string();
    db_ = std::move(*db);
    WARD_ASSERT_OK(migrate_audit(*db_));
    auto key = crypto::Ed25519KeyPair::generate();
    ASSERT_TRUE(key.ok());
    key_ = std::make_unique<crypto::Ed25519KeyPair>(std::move(*key));
  }

  std::filesystem::path file() const { return dir_ / "ward.db"; }

  // A log without the background thread or the shutdown checkpoint, unless asked for.
  std::unique_ptr<AuditLog> open_log(AuditLogOptions options = quiet_options()) {
    auto log = AuditLog::open(*db_, *key_, clock_, options);
    EXPECT_TRUE(log.ok()) << log.error().to_string();
    return log.ok() ? std::move(*log) : nullptr;
  }

  static AuditLogOptions quiet_options() {
    AuditLogOptions options;
    options.background_checkpoints = false;
    options.checkpoint_on_close = false;
    return options;
  }

  AuditVerifyReport verify(const AuditVerifyOptions& options = {}) {
    auto report = verify_audit_log(*db_, key_->public_key(), options);
    EXPECT_TRUE(report.ok()) << report.error().to_string();
    return report.ok() ? *report : AuditVerifyReport{};
  }

  std::int64_t count(const std::string& table) {
    auto tx = db_->begin({store::Access::kReadOnly, store::Durability::kNormal});
    EXPECT_TRUE(tx.ok());
    auto row = (*tx)->query_one("SELECT COUNT(*) AS n FROM " + table);
    EXPECT_TRUE(row.ok());
    return *(*row)->get_int("n");
  }

  ward::test::TempDir dir_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<crypto::Ed25519KeyPair> key_;
  core::ManualClock clock_{core::TimePoint(std::chrono::seconds(1'800'000'000))};
};

}  // namespace ward::gov::testing
