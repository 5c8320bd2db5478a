#include "crypto/compare.h"

#include <gtest/gtest.h>

#include "crypto/secret.h"

namespace ward::crypto {
namespace {

TEST(CryptoConstantTimeEqual, EqualContents) {
  EXPECT_TRUE(constant_time_equal(byte_view("token-123"), byte_view("token-123")));
}

TEST(CryptoConstantTimeEqual, DifferenceAnywhere) {
  EXPECT_FALSE(constant_time_equal(byte_view("token-123"), byte_view("Token-123")));
  EXPECT_FALSE(constant_time_equal(byte_view("token-123"), byte_view("token-124")));
  EXPECT_FALSE(constant_time_equal(byte_view("token-123"), byte_view("token-023")));
}

TEST(CryptoConstantTimeEqual, LengthMismatchIsUnequal) {
  EXPECT_FALSE(constant_time_equal(byte_view("token"), byte_view("token-123")));
  EXPECT_FALSE(constant_time_equal(byte_view("token-123"), byte_view("token")));
  EXPECT_FALSE(constant_time_equal(byte_view(""), byte_view("x")));
}

TEST(CryptoConstantTimeEqual, EmptyEqualsEmpty) {
  EXPECT_TRUE(constant_time_equal({}, {}));
  EXPECT_TRUE(constant_time_equal(byte_view(""), Bytes{}));
}

}  // namespace
}  // namespace ward::crypto
