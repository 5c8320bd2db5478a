#include "gov/identity/password.h"

#include <gtest/gtest.h>

#include "gov/identity/model.h"

namespace ward::gov {
namespace {

const PasswordParams kCheap = PasswordParams::minimum_for_tests();

TEST(IdentityPasswordTest, HashIsArgon2idAndVerifies) {
  auto hash = hash_password("correct horse battery staple", kCheap);
  ASSERT_TRUE(hash.ok()) << hash.error().to_string();
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u) << *hash;
  EXPECT_EQ(hash->find("correct horse"), std::string::npos);
  EXPECT_TRUE(verify_password(*hash, "correct horse battery staple"));
  EXPECT_FALSE(verify_password(*hash, "correct horse battery stapla"));
  EXPECT_FALSE(verify_password(*hash, ""));
}

TEST(IdentityPasswordTest, EachHashHasItsOwnSalt) {
  auto first = hash_password("the same password", kCheap);
  auto second = hash_password("the same password", kCheap);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(*first, *second);
  EXPECT_TRUE(verify_password(*second, "the same password"));
}

TEST(IdentityPasswordTest, ShortPasswordsAreRefusedWithoutEchoingThem) {
  auto short_one = hash_password("elevenchars", kCheap);
  ASSERT_FALSE(short_one.ok());
  EXPECT_EQ(short_one.error().code(), core::Code::kInvalidArgument);
  EXPECT_EQ(short_one.error().to_string().find("elevenchars"), std::string::npos);
  EXPECT_NE(short_one.error().message().find("12 characters"), std::string::npos);
  EXPECT_TRUE(hash_password("twelve chars", kCheap).ok());
  // Characters, not bytes: eleven two-byte characters are still too short.
  EXPECT_FALSE(
      check_password_rules("\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9")
          .ok());
  EXPECT_TRUE(check_password_rules(
                  "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9")
                  .ok());
}

TEST(IdentityPasswordTest, OverlongPasswordsAreRefused) {
  EXPECT_TRUE(check_password_rules(std::string(kMaxPasswordBytes, 'a')).ok());
  auto refused = check_password_rules(std::string(kMaxPasswordBytes + 1, 'a'));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), core::Code::kInvalidArgument);
}

TEST(IdentityPasswordTest, MalformedHashesNeverVerify) {
  EXPECT_FALSE(verify_password("", "correct horse battery staple"));
  EXPECT_FALSE(verify_password("$argon2id$v=19$garbage", "correct horse battery staple"));
  EXPECT_FALSE(verify_password(std::string(500, 'x'), "correct horse battery staple"));
}

TEST(IdentityPasswordTest, RehashIsNeededWhenParametersChange) {
  auto hash = hash_password("correct horse battery staple", kCheap);
  ASSERT_TRUE(hash.ok());
  EXPECT_FALSE(password_needs_rehash(*hash, kCheap));
  EXPECT_TRUE(password_needs_rehash(*hash, PasswordParams::interactive()));
  EXPECT_TRUE(password_needs_rehash("not a hash", kCheap));
}

TEST(IdentityPasswordTest, WardUsesLibsodiumInteractiveArgon2id) {
  const PasswordParams params = PasswordParams::interactive();
  EXPECT_EQ(params.opslimit, 2u);
  EXPECT_EQ(params.memlimit, 64u * 1024 * 1024);
  auto hash = hash_password("correct horse battery staple", params);
  ASSERT_TRUE(hash.ok()) << hash.error().to_string();
  EXPECT_EQ(hash->rfind("$argon2id$v=19$m=65536,t=2,p=1$", 0), 0u) << *hash;
  EXPECT_TRUE(verify_password(*hash, "correct horse battery staple"));
}

}  // namespace
}  // namespace ward::gov
