#include "crypto/secret.h"

#include <gtest/gtest.h>

#include <type_traits>

namespace ward::crypto {
namespace {

static_assert(!std::is_copy_constructible_v<SecretBytes>, "secrets are copied only by clone()");
static_assert(!std::is_copy_assignable_v<SecretBytes>, "secrets are copied only by clone()");
static_assert(std::is_nothrow_move_constructible_v<SecretBytes>);

const Bytes kKey = {1, 2, 3, 4, 5, 6, 7, 8};

Bytes to_bytes(const SecretBytes& secret) {
  return Bytes(secret.view().begin(), secret.view().end());
}

TEST(CryptoSecretBytes, SizedConstructorZeroFills) {
  SecretBytes secret(16);
  EXPECT_EQ(secret.size(), 16u);
  EXPECT_EQ(to_bytes(secret), Bytes(16, 0));
}

TEST(CryptoSecretBytes, CopiesFromSpan) {
  SecretBytes secret(kKey);
  EXPECT_EQ(to_bytes(secret), kKey);
  EXPECT_FALSE(secret.empty());
}

TEST(CryptoSecretBytes, DefaultIsEmpty) {
  SecretBytes secret;
  EXPECT_TRUE(secret.empty());
  EXPECT_TRUE(secret.view().empty());
  EXPECT_TRUE(SecretBytes(0).empty());
}

TEST(CryptoSecretBytes, CloneIsIndependent) {
  SecretBytes original(kKey);
  SecretBytes copy = original.clone();
  copy.writable()[0] = 0xff;
  EXPECT_EQ(to_bytes(original), kKey);
  EXPECT_EQ(copy.view()[0], 0xff);
  EXPECT_NE(copy.view().data(), original.view().data());
}

// Moving must hand over the one buffer: no second copy of the key is made, and the moved-from
// object no longer reaches any key bytes.
TEST(CryptoSecretBytes, MoveConstructionLeavesNoCopyBehind) {
  SecretBytes source(kKey);
  const std::uint8_t* buffer = source.view().data();
  SecretBytes target(std::move(source));
  EXPECT_EQ(target.view().data(), buffer);
  EXPECT_EQ(to_bytes(target), kKey);
  EXPECT_TRUE(source.empty());  // NOLINT(bugprone-use-after-move): checking the moved-from state
  EXPECT_EQ(source.view().data(), nullptr);
}

TEST(CryptoSecretBytes, MoveAssignmentReplacesAndEmptiesSource) {
  SecretBytes source(kKey);
  SecretBytes target(Bytes{9, 9, 9});
  const std::uint8_t* buffer = source.view().data();
  target = std::move(source);
  EXPECT_EQ(target.view().data(), buffer);
  EXPECT_EQ(to_bytes(target), kKey);
  EXPECT_TRUE(source.empty());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(source.view().data(), nullptr);
}

TEST(CryptoSecretBytes, WipeEmpties) {
  SecretBytes secret(kKey);
  secret.wipe();
  EXPECT_TRUE(secret.empty());
  EXPECT_EQ(secret.view().data(), nullptr);
  secret.wipe();  // idempotent
  EXPECT_TRUE(secret.empty());
}

TEST(CryptoSecretBytes, ByteViewCoversString) {
  const auto view = byte_view("ab");
  ASSERT_EQ(view.size(), 2u);
  EXPECT_EQ(view[0], 'a');
  EXPECT_EQ(view[1], 'b');
}

}  // namespace
}  // namespace ward::crypto
