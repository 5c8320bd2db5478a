#include "gov/bootstrap.h"

#include <gtest/gtest.h>

#include <regex>

#include "gov/schema.h"
#include "store/sqlite_store.h"
#include "support/test_support.h"

namespace ward::gov {
namespace {

using namespace std::chrono_literals;

class BootstrapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::open_sqlite(dir_ / "ward.db", {});
    ASSERT_TRUE(db.ok()) << db.error().to_string();
    db_ = std::move(*db);
    ASSERT_TRUE(migrate(*db_).ok());
  }
  ward::test::TempDir dir_;
  std::unique_ptr<store::Database> db_;
  core::ManualClock clock_{core::TimePoint(std::chrono::seconds(1'800'000'000))};
};

TEST_F(BootstrapTest, TokenHasPrefixAnd256RandomBits) {
  Bootstrap bootstrap(*db_, clock_);
  auto token = bootstrap.issue(1h);
  ASSERT_TRUE(token.ok()) << token.error().to_string();
  ASSERT_TRUE(token->has_value());
  EXPECT_TRUE(std::regex_match(**token, std::regex("wardboot_[0-9a-f]{64}"))) << **token;
}

TEST_F(BootstrapTest, RedeemsExactlyOnce) {
  Bootstrap bootstrap(*db_, clock_);
  std::string token = bootstrap.issue(1h)->value();
  EXPECT_FALSE(*bootstrap.completed());
  EXPECT_TRUE(bootstrap.redeem(token).ok());
  EXPECT_TRUE(*bootstrap.completed());
  auto again = bootstrap.redeem(token);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), core::Code::kUnauthenticated);
  // Once bootstrap is complete no new token is issued.
  auto next = bootstrap.issue(1h);
  ASSERT_TRUE(next.ok());
  EXPECT_FALSE(next->has_value());
}

TEST_F(BootstrapTest, NewTokenInvalidatesTheOldOne) {
  Bootstrap bootstrap(*db_, clock_);
  std::string first = bootstrap.issue(1h)->value();
  std::string second = bootstrap.issue(1h)->value();
  EXPECT_NE(first, second);
  EXPECT_FALSE(bootstrap.redeem(first).ok());
  EXPECT_TRUE(bootstrap.redeem(second).ok());
}

TEST_F(BootstrapTest, ExpiredOrWrongTokenIsRefusedAlike) {
  Bootstrap bootstrap(*db_, clock_);
  std::string token = bootstrap.issue(1h)->value();
  std::string almost = token;
  almost.back() = almost.back() == '0' ? '1' : '0';
  auto tampered = bootstrap.redeem(almost);
  clock_.advance(1h + 1s);
  auto expired = bootstrap.redeem(token);
  ASSERT_FALSE(tampered.ok());
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(tampered.error().to_string(), expired.error().to_string());
  EXPECT_FALSE(*bootstrap.completed());
}

TEST_F(BootstrapTest, OnlyTheHashIsStored) {
  Bootstrap bootstrap(*db_, clock_);
  std::string token = bootstrap.issue(1h)->value();
  db_.reset();
  std::string file = ward::test::read_text(dir_ / "ward.db") +
                     ward::test::read_text(dir_ / "ward.db-wal");
  EXPECT_EQ(file.find(token.substr(9)), std::string::npos);
}

}  // namespace
}  // namespace ward::gov
