#include "crypto/sign.h"

#include <gtest/gtest.h>

#include "crypto/hex_util.h"

namespace ward::crypto {
namespace {

using testing::hex;
using testing::secret_hex;

Ed25519KeyPair new_key_pair() {
  auto key_pair = Ed25519KeyPair::generate();
  EXPECT_TRUE(key_pair.ok());
  return std::move(key_pair).value();
}

void expect_error(const core::Status& status, core::Code code, std::string_view mentions = "") {
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), code);
  EXPECT_NE(status.error().message().find(mentions), std::string::npos) << status.error().message();
}

struct Rfc8032Vector {
  const char* seed;
  const char* public_key;
  const char* message;
  const char* signature;
};

// RFC 8032 section 7.1, tests 1 and 2.
constexpr Rfc8032Vector kRfc8032[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9"
     "b46bd25bf5f0595bbe24655141438e7a100b"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f1"
     "1d8c387b2eaeb4302aeeb00d291612bb0c00"},
};

TEST(CryptoEd25519, Rfc8032KnownAnswers) {
  for (const auto& vector : kRfc8032) {
    auto key_pair = Ed25519KeyPair::from_seed(secret_hex(vector.seed));
    ASSERT_TRUE(key_pair.ok()) << key_pair.error().to_string();
    EXPECT_EQ(to_hex(key_pair->public_key()), vector.public_key);
    auto signature = sign(*key_pair, hex(vector.message));
    ASSERT_TRUE(signature.ok()) << signature.error().to_string();
    EXPECT_EQ(to_hex(*signature), vector.signature);
    EXPECT_TRUE(verify(key_pair->public_key(), hex(vector.message), *signature).ok());
  }
}

TEST(CryptoEd25519, SignVerifyRoundTrip) {
  const Ed25519KeyPair key_pair = new_key_pair();
  auto signature = sign(key_pair, byte_view("audit event 1"));
  ASSERT_TRUE(signature.ok());
  auto status = verify(key_pair.public_key(), byte_view("audit event 1"), *signature);
  EXPECT_TRUE(status.ok()) << status.error().to_string();
}

TEST(CryptoEd25519, SeedRecreatesTheSameKey) {
  const Ed25519KeyPair key_pair = new_key_pair();
  auto seed = key_pair.seed();
  ASSERT_TRUE(seed.ok());
  EXPECT_EQ(seed->size(), kEd25519SeedSize);
  auto again = Ed25519KeyPair::from_seed(*seed);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->public_key(), key_pair.public_key());
}

TEST(CryptoEd25519, GeneratedKeysDiffer) {
  EXPECT_NE(new_key_pair().public_key(), new_key_pair().public_key());
}

TEST(CryptoEd25519, ModifiedMessageOrSignatureOrKeyIsRejected) {
  const Ed25519KeyPair key_pair = new_key_pair();
  auto signature = sign(key_pair, byte_view("audit event 1"));
  ASSERT_TRUE(signature.ok());
  expect_error(verify(key_pair.public_key(), byte_view("audit event 2"), *signature),
               core::Code::kDataLoss, "does not match");
  for (std::size_t i = 0; i < signature->size(); ++i) {
    Ed25519Signature modified = *signature;
    modified[i] ^= 0x01;
    EXPECT_FALSE(verify(key_pair.public_key(), byte_view("audit event 1"), modified).ok()) << i;
  }
  expect_error(verify(new_key_pair().public_key(), byte_view("audit event 1"), *signature),
               core::Code::kDataLoss);
}

TEST(CryptoEd25519, WrongSizesAreInvalidArgument) {
  const Ed25519KeyPair key_pair = new_key_pair();
  auto signature = sign(key_pair, byte_view("m"));
  ASSERT_TRUE(signature.ok());
  const std::span<const std::uint8_t> public_key(key_pair.public_key());
  const std::span<const std::uint8_t> good_signature(*signature);
  expect_error(verify(public_key.first(31), byte_view("m"), good_signature),
               core::Code::kInvalidArgument, "public key must be exactly 32 bytes; got 31");
  expect_error(verify(Bytes(33), byte_view("m"), good_signature), core::Code::kInvalidArgument,
               "got 33");
  expect_error(verify(public_key, byte_view("m"), good_signature.first(63)),
               core::Code::kInvalidArgument, "signature must be exactly 64 bytes; got 63");
  Bytes longer(good_signature.begin(), good_signature.end());
  longer.push_back(0);
  expect_error(verify(public_key, byte_view("m"), longer), core::Code::kInvalidArgument, "got 65");
  auto bad_seed = Ed25519KeyPair::from_seed(SecretBytes(31));
  ASSERT_FALSE(bad_seed.ok());
  EXPECT_EQ(bad_seed.error().code(), core::Code::kInvalidArgument);
  EXPECT_NE(bad_seed.error().message().find("32 bytes"), std::string::npos);
}

}  // namespace
}  // namespace ward::crypto
