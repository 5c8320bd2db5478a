// Browser sessions after single sign-on: cookie shape, hash-only storage, expiry (absolute and
// idle) under the manual clock, revocation, and users or tenants that are going away.

#include "gov/identity/sessions.h"

#include <regex>

#include "crypto/hash.h"
#include "gov/identity/directory.h"
#include "identity_fixture.h"

namespace ward::gov::testing {
namespace {

using namespace std::chrono_literals;

class IdentitySessionsTest : public IdentityFixture {
 protected:
  void SetUp() override {
    IdentityFixture::SetUp();
    NewUser alice;
    alice.name = "alice";
    alice.tags = {{"team", "payments"}};
    auto created = directory().create_user(alice);
    WARD_ASSERT_OK(created);
    alice_id_ = created->id;
  }

  Directory directory() { return Directory(*db_, clock_, options_); }
  Sessions sessions(SessionOptions options = {}) { return Sessions(*db_, clock_, options); }

  IssuedSession start(Sessions& s, bool mfa = false) {
    auto issued = s.create(alice_id_, AuthMethod::kOidc, mfa);
    EXPECT_TRUE(issued.ok()) << issued.error().to_string();
    return issued.ok() ? *issued : IssuedSession{};
  }

  // The error text of a refused cookie (and checks that it is the one kUnauthenticated error).
  std::string refusal(Sessions& s, std::string_view cookie) {
    auto result = s.authenticate(cookie);
    EXPECT_FALSE(result.ok()) << "accepted " << cookie;
    if (result.ok()) return "";
    EXPECT_EQ(result.error().code(), core::Code::kUnauthenticated);
    return result.error().to_string();
  }

  std::string alice_id_;
};

TEST_F(IdentitySessionsTest, CookiesAreAnIdAnd256RandomBits) {
  auto s = sessions();
  const IssuedSession one = start(s);
  EXPECT_TRUE(std::regex_match(one.cookie, std::regex("[0-9a-f]{16}_[0-9a-f]{64}"))) << one.cookie;
  EXPECT_EQ(one.cookie.substr(0, 16), one.info.id);
  EXPECT_EQ(session_id_of(one.cookie).value_or(""), one.info.id);
  EXPECT_NE(start(s).cookie, one.cookie);
  EXPECT_FALSE(session_id_of("0123456789abcdef_short").has_value());
  EXPECT_FALSE(session_id_of(std::string(16, 'A') + "_" + std::string(64, 'a')).has_value());
  EXPECT_FALSE(session_id_of(std::string(16, 'a') + "-" + std::string(64, 'a')).has_value());
}

TEST_F(IdentitySessionsTest, AuthenticationYieldsTheUserTheMethodAndTheMfaFlag) {
  auto s = sessions();
  const IssuedSession with_mfa = start(s, /*mfa=*/true);
  auto principal = s.authenticate(with_mfa.cookie);
  WARD_ASSERT_OK(principal);
  EXPECT_EQ(principal->user_name, "alice");
  EXPECT_EQ(principal->user_id, alice_id_);
  EXPECT_EQ(principal->tenant_name, "default");
  EXPECT_EQ(principal->region, "local");
  EXPECT_EQ(principal->method, AuthMethod::kOidc);
  EXPECT_EQ(auth_method_name(principal->method), "oidc");
  EXPECT_TRUE(principal->mfa_present);
  EXPECT_FALSE(principal->token_id.has_value());
  EXPECT_EQ(principal->tags.at("team"), "payments");

  auto without = s.authenticate(start(s, /*mfa=*/false).cookie);
  WARD_ASSERT_OK(without);
  EXPECT_FALSE(without->mfa_present);
}

TEST_F(IdentitySessionsTest, OnlyTheHashOfTheCookieIsStored) {
  auto s = sessions();
  const IssuedSession issued = start(s);
  const std::string secret = issued.cookie.substr(17);
  const auto digest = crypto::sha256(issued.cookie);
  db_.reset();
  const std::string bytes = database_bytes();
  EXPECT_EQ(bytes.find(issued.cookie), std::string::npos);
  EXPECT_EQ(bytes.find(secret), std::string::npos);
  EXPECT_EQ(bytes.find(secret.substr(0, 16)), std::string::npos);
  EXPECT_NE(bytes.find(std::string(digest.begin(), digest.end())), std::string::npos)
      << "the SHA-256 of the cookie is what is stored";
  EXPECT_NE(bytes.find(issued.info.id), std::string::npos) << "the id part is stored";
}

TEST_F(IdentitySessionsTest, ForgedOrAlteredCookiesAreRefusedAlike) {
  auto s = sessions();
  const IssuedSession issued = start(s);
  std::string altered = issued.cookie;
  altered.back() = altered.back() == 'a' ? 'b' : 'a';
  const std::string expected = refusal(s, "not-a-cookie");
  EXPECT_NE(expected.find("sign in again"), std::string::npos) << expected;
  EXPECT_EQ(refusal(s, altered), expected);
  EXPECT_EQ(refusal(s, "0000000000000000_" + issued.cookie.substr(17)), expected);
  EXPECT_EQ(refusal(s, ""), expected);
  WARD_EXPECT_OK(s.authenticate(issued.cookie));
}

TEST_F(IdentitySessionsTest, ASessionEndsAtItsLifetime) {
  auto s = sessions({.lifetime = 2h, .idle_timeout = 0s});
  const IssuedSession issued = start(s);
  EXPECT_EQ(issued.info.expires_at - issued.info.created_at, 2h);
  EXPECT_EQ(issued.info.created_at, kStart);
  clock_.advance(2h - 1s);
  WARD_EXPECT_OK(s.authenticate(issued.cookie));
  clock_.advance(1s);
  refusal(s, issued.cookie);
  // The default lifetime is eight hours.
  auto d = sessions();
  const IssuedSession long_one = start(d);
  EXPECT_EQ(long_one.info.expires_at - long_one.info.created_at, 8h);
}

TEST_F(IdentitySessionsTest, AnIdleLimitEndsUnusedSessionsButNotUsedOnes) {
  auto s = sessions({.lifetime = 8h, .idle_timeout = 30min});
  const IssuedSession used = start(s);
  const IssuedSession unused = start(s);
  // Used every 20 minutes, the session lives on well past 30 minutes from its start.
  for (int i = 0; i < 4; ++i) {
    clock_.advance(20min);
    WARD_ASSERT_OK(s.authenticate(used.cookie));
  }
  refusal(s, unused.cookie);
  clock_.advance(30min);
  refusal(s, used.cookie);
}

TEST_F(IdentitySessionsTest, RevokedSessionsStopAtOnceAndRevokingTwiceSaysSo) {
  auto s = sessions();
  const IssuedSession one = start(s);
  const IssuedSession other = start(s);
  auto revoked = s.revoke(one.cookie);
  WARD_ASSERT_OK(revoked);
  EXPECT_EQ(revoked->id, one.info.id);
  EXPECT_EQ(revoked->revoked_at, kStart);
  refusal(s, one.cookie);
  WARD_EXPECT_OK(s.authenticate(other.cookie));
  auto again = s.revoke(one.info.id);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), core::Code::kFailedPrecondition);
  auto unknown = s.revoke("00000000deadbeef");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code(), core::Code::kNotFound);

  auto all = s.revoke_all(alice_id_);
  WARD_ASSERT_OK(all);
  EXPECT_EQ(*all, 1);  // only `other` was still live
  refusal(s, other.cookie);
}

TEST_F(IdentitySessionsTest, UsersOrTenantsScheduledForDeletionCannotUseOrStartSessions) {
  auto s = sessions();
  const IssuedSession issued = start(s);
  WARD_ASSERT_OK(directory().schedule_user_deletion("default", "alice"));
  refusal(s, issued.cookie);
  auto refused = s.create(alice_id_, AuthMethod::kOidc, false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), core::Code::kFailedPrecondition);
  WARD_ASSERT_OK(directory().restore_user("default", "alice"));
  WARD_EXPECT_OK(s.authenticate(issued.cookie));

  WARD_ASSERT_OK(directory().schedule_tenant_deletion("default"));
  refusal(s, issued.cookie);
  WARD_ASSERT_OK(directory().restore_tenant("default"));
  WARD_EXPECT_OK(s.authenticate(issued.cookie));

  auto nobody = s.create("no-such-user", AuthMethod::kOidc, false);
  ASSERT_FALSE(nobody.ok());
  EXPECT_EQ(nobody.error().code(), core::Code::kNotFound);
}

TEST_F(IdentitySessionsTest, APurgedUsersSessionsAreDeletedWithThem) {
  auto s = sessions();
  const IssuedSession issued = start(s);
  WARD_ASSERT_OK(directory().schedule_user_deletion("default", "alice", 1h));
  clock_.advance(1h);
  WARD_ASSERT_OK(directory().purge_user(alice_id_));
  auto gone = s.get(issued.info.id);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code(), core::Code::kNotFound);
  refusal(s, issued.cookie);
}

TEST_F(IdentitySessionsTest, ATenantThatRequiresMfaRefusesSessionsWithoutIt) {
  WARD_ASSERT_OK(directory().set_require_mfa("default", true));
  auto s = sessions();
  auto without = s.create(alice_id_, AuthMethod::kOidc, false);
  ASSERT_FALSE(without.ok());
  EXPECT_EQ(without.error().code(), core::Code::kUnauthenticated);
  EXPECT_NE(without.error().message().find("multi-factor"), std::string::npos);
  WARD_EXPECT_OK(s.create(alice_id_, AuthMethod::kOidc, true));
}

TEST_F(IdentitySessionsTest, EndedSessionsAreSweptWhenNewOnesStart) {
  auto s = sessions({.lifetime = 1h, .idle_timeout = 0s});
  const IssuedSession old = start(s);
  clock_.advance(1h);
  WARD_ASSERT_OK(s.get(old.info.id));  // still there until the next create
  start(s);
  auto gone = s.get(old.info.id);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code(), core::Code::kNotFound);
}

TEST_F(IdentitySessionsTest, BadOptionsAreRefused) {
  auto zero = sessions({.lifetime = 0s, .idle_timeout = 0s});
  auto refused = zero.create(alice_id_, AuthMethod::kOidc, false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), core::Code::kInvalidArgument);
  auto negative = sessions({.lifetime = 1h, .idle_timeout = -1s});
  EXPECT_FALSE(negative.create(alice_id_, AuthMethod::kOidc, false).ok());
}

}  // namespace
}  // namespace ward::gov::testing
