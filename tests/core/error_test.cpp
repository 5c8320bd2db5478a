#include "core/error.h"

#include <gtest/gtest.h>

namespace ward::core {
namespace {

TEST(ErrorTest, ToStringPrefixesWhere) {
  Error e(Code::kNotFound, "/etc/ward.toml", "the file does not exist; create it or pass --config");
  EXPECT_EQ(e.to_string(), "/etc/ward.toml: the file does not exist; create it or pass --config");
  EXPECT_EQ(Error(Code::kInternal, "", "boom").to_string(), "boom");
}

TEST(ErrorTest, CodeNamesAreStable) {
  EXPECT_EQ(code_name(Code::kInvalidArgument), "invalid_argument");
  EXPECT_EQ(code_name(Code::kPermissionDenied), "permission_denied");
  EXPECT_EQ(code_name(Code::kDataLoss), "data_loss");
}

TEST(ErrorTest, ResultCarriesValueOrError) {
  Result<int> good = 7;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 7);
  Result<int> bad = Error(Code::kUnavailable, "db", "busy");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), Code::kUnavailable);
  EXPECT_EQ(bad.error().with_context("opening: ").message(), "opening: busy");
}

TEST(ErrorTest, StatusDefaultsToOk) {
  EXPECT_TRUE(ok_status().ok());
  Status failed = Error(Code::kInternal, "", "x");
  EXPECT_FALSE(failed.ok());
}

}  // namespace
}  // namespace ward::core
