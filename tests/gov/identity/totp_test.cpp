#include "gov/identity/totp.h"

#include <gtest/gtest.h>

#include <regex>

namespace ward::gov {
namespace {

std::span<const std::uint8_t> bytes(std::string_view text) {
  return crypto::byte_view(text);
}

// RFC 6238 Appendix B: the seeds are the ASCII strings below (20 bytes for SHA-1, 32 for SHA-256).
constexpr std::string_view kSha1Seed = "12345678901234567890";
constexpr std::string_view kSha256Seed = "12345678901234567890123456789012";

struct Vector {
  std::int64_t time;
  const char* sha1;
  const char* sha256;
};

constexpr Vector kVectors[] = {
    {59, "94287082", "46119246"},         {1111111109, "07081804", "68084774"},
    {1111111111, "14050471", "67062674"}, {1234567890, "89005924", "91819424"},
    {2000000000, "69279037", "90698825"}, {20000000000, "65353130", "77737706"},
};

TEST(IdentityTotpTest, Rfc6238AppendixBVectors) {
  for (const Vector& v : kVectors) {
    auto sha1 = totp_code(bytes(kSha1Seed), TotpAlgorithm::kSha1, v.time, 8);
    auto sha256 = totp_code(bytes(kSha256Seed), TotpAlgorithm::kSha256, v.time, 8);
    ASSERT_TRUE(sha1.ok()) << sha1.error().to_string();
    ASSERT_TRUE(sha256.ok()) << sha256.error().to_string();
    EXPECT_EQ(*sha1, v.sha1) << "SHA-1 at T=" << v.time;
    EXPECT_EQ(*sha256, v.sha256) << "SHA-256 at T=" << v.time;
    // Six digits are the same value modulo 10^6: the last six of the eight.
    auto six = totp_code(bytes(kSha1Seed), TotpAlgorithm::kSha1, v.time);
    ASSERT_TRUE(six.ok());
    EXPECT_EQ(*six, std::string(v.sha1).substr(2));
  }
}

TEST(IdentityTotpTest, StepsAreThirtySeconds) {
  EXPECT_EQ(totp_step(0), 0);
  EXPECT_EQ(totp_step(29), 0);
  EXPECT_EQ(totp_step(30), 1);
  EXPECT_EQ(totp_step(59), 1);
  auto a = totp_code(bytes(kSha1Seed), TotpAlgorithm::kSha1, 1111111110);
  auto b = totp_code(bytes(kSha1Seed), TotpAlgorithm::kSha1, 1111111139);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
}

TEST(IdentityTotpTest, AcceptsOneStepEitherSideOnly) {
  const std::int64_t now = 1'800'000'000;  // a multiple of 30
  const std::int64_t step = totp_step(now);
  for (std::int64_t offset = -2; offset <= 2; ++offset) {
    auto code = totp_code(bytes(kSha1Seed), TotpAlgorithm::kSha1, now + offset * 30);
    ASSERT_TRUE(code.ok());
    auto matched = match_totp(bytes(kSha1Seed), TotpAlgorithm::kSha1, *code, now, std::nullopt);
    ASSERT_TRUE(matched.ok());
    if (offset >= -1 && offset <= 1) {
      ASSERT_TRUE(matched->has_value()) << "offset " << offset;
      EXPECT_EQ(**matched, step + offset);
    } else {
      EXPECT_FALSE(matched->has_value()) << "offset " << offset;
    }
  }
}

TEST(IdentityTotpTest, UsedStepsAreNotAcceptedAgain) {
  const std::int64_t now = 1'800'000'000;
  const std::int64_t step = totp_step(now);
  auto current = totp_code(bytes(kSha256Seed), TotpAlgorithm::kSha256, now);
  auto next = totp_code(bytes(kSha256Seed), TotpAlgorithm::kSha256, now + 30);
  ASSERT_TRUE(current.ok() && next.ok());
  auto replay = match_totp(bytes(kSha256Seed), TotpAlgorithm::kSha256, *current, now, step);
  ASSERT_TRUE(replay.ok());
  EXPECT_FALSE(replay->has_value());
  auto later = match_totp(bytes(kSha256Seed), TotpAlgorithm::kSha256, *next, now, step);
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->value_or(-1), step + 1);
}

TEST(IdentityTotpTest, MalformedCodesNeverMatch) {
  const std::int64_t now = 1'800'000'000;
  auto code = totp_code(bytes(kSha1Seed), TotpAlgorithm::kSha1, now);
  ASSERT_TRUE(code.ok());
  for (std::string bad : {std::string(""), code->substr(1), *code + "0", std::string("12345a"),
                          std::string(" ") + code->substr(1)}) {
    auto matched = match_totp(bytes(kSha1Seed), TotpAlgorithm::kSha1, bad, now, std::nullopt);
    ASSERT_TRUE(matched.ok());
    EXPECT_FALSE(matched->has_value()) << "\"" << bad << "\"";
  }
}

TEST(IdentityTotpTest, Base32MatchesRfc4648) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"", ""},
      {"f", "MY"},
      {"fo", "MZXQ"},
      {"foo", "MZXW6"},
      {"foob", "MZXW6YQ"},
      {"fooba", "MZXW6YTB"},
      {"foobar", "MZXW6YTBOI"},
  };
  for (const auto& [plain, encoded] : cases) {
    EXPECT_EQ(base32_encode(bytes(plain)), encoded);
    auto decoded = base32_decode(encoded);
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(std::string(decoded->view().begin(), decoded->view().end()), plain);
  }
  auto padded = base32_decode("mzxw6ytboi======");
  ASSERT_TRUE(padded.ok());
  EXPECT_EQ(std::string(padded->view().begin(), padded->view().end()), "foobar");
  EXPECT_FALSE(base32_decode("MZXW1").ok());
  EXPECT_FALSE(base32_decode("MZ W6").ok());
}

TEST(IdentityTotpTest, OtpauthUriCarriesEveryParameter) {
  const std::string uri = otpauth_uri("alice@acme corp", bytes(kSha1Seed), TotpAlgorithm::kSha256);
  EXPECT_EQ(uri,
            "otpauth://totp/Ward:alice%40acme%20corp?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
            "&issuer=Ward&algorithm=SHA256&digits=6&period=30");
}

TEST(IdentityTotpTest, AlgorithmNamesAndSecretSizes) {
  EXPECT_EQ(totp_secret_size(TotpAlgorithm::kSha1), 20u);
  EXPECT_EQ(totp_secret_size(TotpAlgorithm::kSha256), 32u);
  EXPECT_EQ(*parse_totp_algorithm("SHA256"), TotpAlgorithm::kSha256);
  EXPECT_EQ(*parse_totp_algorithm("sha1"), TotpAlgorithm::kSha1);
  EXPECT_FALSE(parse_totp_algorithm("md5").ok());
}

}  // namespace
}  // namespace ward::gov
