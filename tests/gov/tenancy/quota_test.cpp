#include "gov/tenancy/quota.h"

#include <gtest/gtest.h>

#include "store/sqlite_store.h"
#include "support/test_support.h"

namespace ward::gov {
namespace {

using namespace std::chrono;

class TenancyQuotaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::open_sqlite(dir_ / "ward.db", {});
    ASSERT_TRUE(db.ok()) << db.error().to_string();
    db_ = std::move(*db);
    ASSERT_TRUE(migrate_tenancy(*db_).ok());
    tier_.name = "t";
    tier_.requests_per_minute = 3;
    tier_.tokens_per_day = 1000;
  }
  ward::test::TempDir dir_;
  std::unique_ptr<store::Database> db_;
  // 2026-11-26T23:59:30Z, thirty seconds before a UTC day ends.
  core::ManualClock clock_{core::TimePoint(seconds(1'795'737'570))};
  TierProfile tier_;
};

TEST_F(TenancyQuotaTest, RequestsPerMinutePerUserWithRetryAfter) {
  QuotaTracker quota(*db_, clock_);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(quota.admit_request("acme", "ann", tier_).allowed) << i;
    clock_.advance(seconds(10));
  }
  QuotaDecision refused = quota.admit_request("acme", "ann", tier_);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, seconds(30));  // the first request leaves the window then
  EXPECT_TRUE(quota.admit_request("acme", "bob", tier_).allowed);  // other users unaffected
  clock_.advance(seconds(30));
  EXPECT_TRUE(quota.admit_request("acme", "ann", tier_).allowed);
}

TEST_F(TenancyQuotaTest, TokensPerDayPersistAndResetAtUtcMidnight) {
  {
    QuotaTracker quota(*db_, clock_);
    ASSERT_TRUE(quota.record_tokens("acme", 600).ok());
    EXPECT_TRUE(quota.check_tokens("acme", tier_)->allowed);
  }
  QuotaTracker restarted(*db_, clock_);  // usage survives a restart
  ASSERT_TRUE(restarted.record_tokens("acme", 400).ok());
  EXPECT_EQ(*restarted.tokens_used("acme", clock_.now()), 1000);
  auto refused = restarted.check_tokens("acme", tier_);
  ASSERT_TRUE(refused.ok());
  EXPECT_FALSE(refused->allowed);
  EXPECT_EQ(refused->retry_after, seconds(30));
  EXPECT_TRUE(restarted.check_tokens("other", tier_)->allowed);
  clock_.advance(seconds(31));
  EXPECT_TRUE(restarted.check_tokens("acme", tier_)->allowed);
}

TEST_F(TenancyQuotaTest, UnlimitedTierNeverRefusesTokens) {
  QuotaTracker quota(*db_, clock_);
  tier_.tokens_per_day = 0;
  ASSERT_TRUE(quota.record_tokens("acme", 1'000'000'000).ok());
  EXPECT_TRUE(quota.check_tokens("acme", tier_)->allowed);
  EXPECT_FALSE(quota.record_tokens("acme", -1).ok());
}

}  // namespace
}  // namespace ward::gov
