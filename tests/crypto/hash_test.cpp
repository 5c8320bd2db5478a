#include "crypto/hash.h"

#include <gtest/gtest.h>

#include "crypto/hex_util.h"

namespace ward::crypto {
namespace {

using testing::hex;

std::string hex_of(const SecretBytes& secret) {
  return to_hex(secret.view());
}

// FIPS 180-2 appendix B.1 and the empty message.
TEST(CryptoHash, Sha256KnownAnswers) {
  EXPECT_EQ(to_hex(sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(to_hex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256(byte_view("abc")), sha256("abc"));
}

// RFC 4231 test cases 1 and 2.
TEST(CryptoHash, HmacSha256KnownAnswers) {
  auto mac1 = hmac_sha256(Bytes(20, 0x0b), byte_view("Hi There"));
  ASSERT_TRUE(mac1.ok()) << mac1.error().to_string();
  EXPECT_EQ(to_hex(*mac1), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  auto mac2 = hmac_sha256(byte_view("Jefe"), byte_view("what do ya want for nothing?"));
  ASSERT_TRUE(mac2.ok()) << mac2.error().to_string();
  EXPECT_EQ(to_hex(*mac2), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

// An empty key is a valid HMAC key (padded with zeros), not a missing one.
TEST(CryptoHash, HmacSha256AcceptsEmptyKeyAndData) {
  auto mac = hmac_sha256({}, {});
  ASSERT_TRUE(mac.ok()) << mac.error().to_string();
  EXPECT_EQ(to_hex(*mac), "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

// RFC 5869 test case 1.
TEST(CryptoHash, HkdfSha256KnownAnswer) {
  auto okm = hkdf_sha256(Bytes(22, 0x0b), hex("000102030405060708090a0b0c"),
                         hex("f0f1f2f3f4f5f6f7f8f9"), 42);
  ASSERT_TRUE(okm.ok()) << okm.error().to_string();
  EXPECT_EQ(hex_of(*okm),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

TEST(CryptoHash, HkdfSha256OutputSizeLimits) {
  auto largest = hkdf_sha256(byte_view("ikm"), {}, {}, kHkdfSha256MaxOutput);
  ASSERT_TRUE(largest.ok()) << largest.error().to_string();
  EXPECT_EQ(largest->size(), 8160u);

  auto too_large = hkdf_sha256(byte_view("ikm"), {}, {}, kHkdfSha256MaxOutput + 1);
  ASSERT_FALSE(too_large.ok());
  EXPECT_EQ(too_large.error().code(), core::Code::kInvalidArgument);
  EXPECT_NE(too_large.error().message().find("8160"), std::string::npos);

  auto empty = hkdf_sha256(byte_view("ikm"), {}, {}, 0);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code(), core::Code::kInvalidArgument);
}

TEST(CryptoHash, HkdfSha256InfoSeparatesKeys) {
  auto a = hkdf_sha256(byte_view("ikm"), byte_view("salt"), byte_view("ward/a"), 32);
  auto b = hkdf_sha256(byte_view("ikm"), byte_view("salt"), byte_view("ward/b"), 32);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(hex_of(*a), hex_of(*b));
}

TEST(CryptoHex, RoundTripsEveryByte) {
  Bytes all(256);
  for (int i = 0; i < 256; ++i) all[i] = static_cast<std::uint8_t>(i);
  const std::string text = to_hex(all);
  EXPECT_EQ(text.substr(0, 8), "00010203");
  EXPECT_EQ(text.substr(text.size() - 4), "feff");
  auto back = from_hex(text);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, all);
}

TEST(CryptoHex, AcceptsUpperCaseAndEmpty) {
  auto upper = from_hex("DEADbeef");
  ASSERT_TRUE(upper.ok());
  EXPECT_EQ(*upper, (Bytes{0xde, 0xad, 0xbe, 0xef}));
  auto empty = from_hex("");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(CryptoHex, RejectsOddLength) {
  auto odd = from_hex("abc");
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.error().code(), core::Code::kInvalidArgument);
  EXPECT_NE(odd.error().message().find("even"), std::string::npos);
}

TEST(CryptoHex, RejectsNonHexCharacters) {
  for (const char* bad : {"zz", "0g", " 0", "0x12", "-1"}) {
    auto result = from_hex(bad);
    ASSERT_FALSE(result.ok()) << bad;
    EXPECT_EQ(result.error().code(), core::Code::kInvalidArgument);
  }
  EXPECT_NE(from_hex("00zz").error().message().find("position 2"), std::string::npos);
}

}  // namespace
}  // namespace ward::crypto
