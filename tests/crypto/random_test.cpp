#include "crypto/random.h"

#include <gtest/gtest.h>

#include <array>

namespace ward::crypto {
namespace {

TEST(CryptoRandom, FillsBuffersThatDiffer) {
  std::array<std::uint8_t, 32> a{}, b{};
  ASSERT_TRUE(random_bytes(a).ok());
  ASSERT_TRUE(random_bytes(b).ok());
  EXPECT_NE(a, b);  // a collision has probability 2^-256
  EXPECT_NE(a, (std::array<std::uint8_t, 32>{}));
}

TEST(CryptoRandom, EmptyRequestSucceeds) {
  EXPECT_TRUE(random_bytes({}).ok());
}

TEST(CryptoRandom, SecretHasRequestedSizeAndDiffers) {
  auto a = random_secret(32);
  auto b = random_secret(32);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->size(), 32u);
  EXPECT_FALSE(std::equal(a->view().begin(), a->view().end(), b->view().begin()));
  auto empty = random_secret(0);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

}  // namespace
}  // namespace ward::crypto
