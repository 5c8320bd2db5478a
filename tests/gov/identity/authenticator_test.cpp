#include "gov/identity/authenticator.h"

#include <gtest/gtest.h>

#include "gov/identity/directory.h"
#include "gov/identity/password.h"
#include "identity_fixture.h"

namespace ward::gov {
namespace {

using namespace std::chrono_literals;
using testing::IdentityFixture;

constexpr std::string_view kPassword = "a long secret passphrase";

class IdentityAuthenticatorTest : public IdentityFixture {
 protected:
  void SetUp() override {
    IdentityFixture::SetUp();
    directory_ = std::make_unique<Directory>(*db_, clock_, options_);
    auth_ = std::make_unique<Authenticator>(*db_, clock_, sealer_, options_);
    NewUser alice;
    alice.name = "alice";
    alice.password = std::string(kPassword);
    alice.tags = {{"team", "payments"}};
    WARD_ASSERT_OK(directory_->create_user(alice));
    NewUser tokens_only;
    tokens_only.name = "robot";
    WARD_ASSERT_OK(directory_->create_user(tokens_only));
  }

  std::string refusal(core::Result<AuthenticatedPrincipal> result) {
    EXPECT_FALSE(result.ok());
    if (result.ok()) return "";
    EXPECT_EQ(result.error().code(), core::Code::kUnauthenticated);
    EXPECT_FALSE(is_mfa_required(result.error()));
    return result.error().to_string();
  }

  // Enrols alice in MFA and returns her secret and algorithm.
  std::pair<crypto::SecretBytes, TotpAlgorithm> enrol_alice() {
    Mfa mfa(*db_, clock_, sealer_);
    auto enrollment = mfa.enroll("default", "alice");
    EXPECT_TRUE(enrollment.ok());
    auto secret = base32_decode(enrollment->secret_base32).value();
    EXPECT_TRUE(mfa.confirm("default", "alice", code(secret)).ok());
    return {std::move(secret), enrollment->algorithm};
  }

  std::string code(const crypto::SecretBytes& secret) {
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count();
    return *totp_code(secret.view(), TotpAlgorithm::kSha1, seconds);
  }

  std::unique_ptr<Directory> directory_;
  std::unique_ptr<Authenticator> auth_;
};

TEST_F(IdentityAuthenticatorTest, PasswordLoginYieldsThePrincipal) {
  auto principal = auth_->login_with_password("default", "alice", kPassword);
  WARD_ASSERT_OK(principal);
  EXPECT_EQ(principal->user_name, "alice");
  EXPECT_EQ(principal->tenant_name, "default");
  EXPECT_EQ(principal->region, "local");
  EXPECT_EQ(principal->method, AuthMethod::kPassword);
  EXPECT_FALSE(principal->mfa_present);
  EXPECT_FALSE(principal->token_id.has_value());
  EXPECT_FALSE(principal->session_policy.has_value());
  EXPECT_EQ(principal->tags.at("team"), "payments");
}

TEST_F(IdentityAuthenticatorTest, EveryKindOfFailureLooksTheSame) {
  const std::string expected =
      refusal(auth_->login_with_password("default", "alice", "wrong password!"));
  EXPECT_EQ(refusal(auth_->login_with_password("default", "nobody", kPassword)), expected);
  EXPECT_EQ(refusal(auth_->login_with_password("nowhere", "alice", kPassword)), expected);
  EXPECT_EQ(refusal(auth_->login_with_password("default", "robot", kPassword)), expected);
  EXPECT_EQ(refusal(auth_->login_with_password("default", "robot", "")), expected);
  EXPECT_EQ(expected.find(kPassword), std::string::npos);
}

TEST_F(IdentityAuthenticatorTest, ScheduledDeletionBlocksLoginAndRestoreReenablesIt) {
  const std::string expected =
      refusal(auth_->login_with_password("default", "alice", "wrong password!"));
  WARD_ASSERT_OK(directory_->schedule_user_deletion("default", "alice"));
  EXPECT_EQ(refusal(auth_->login_with_password("default", "alice", kPassword)), expected);
  WARD_ASSERT_OK(directory_->restore_user("default", "alice"));
  WARD_EXPECT_OK(auth_->login_with_password("default", "alice", kPassword));
  WARD_ASSERT_OK(directory_->schedule_tenant_deletion("default"));
  EXPECT_EQ(refusal(auth_->login_with_password("default", "alice", kPassword)), expected);
}

TEST_F(IdentityAuthenticatorTest, AnEnrolledUserNeedsACodeAndEachCodeWorksOnce) {
  auto [secret, algorithm] = enrol_alice();
  clock_.advance(30s);
  auto without = auth_->login_with_password("default", "alice", kPassword);
  ASSERT_FALSE(without.ok());
  EXPECT_TRUE(is_mfa_required(without.error())) << without.error().to_string();
  EXPECT_EQ(without.error().where(), "mfa_required");
  // A wrong password never reveals that MFA would be next.
  const std::string expected =
      refusal(auth_->login_with_password("default", "alice", "wrong password!"));
  EXPECT_EQ(refusal(auth_->login_with_password("default", "alice", "wrong password!",
                                               std::string_view(code(secret)))),
            expected);
  const std::string current = code(secret);
  EXPECT_EQ(refusal(auth_->login_with_password(
                "default", "alice", kPassword,
                std::string_view(current == "000000" ? "000001" : "000000"))),
            expected);
  auto principal =
      auth_->login_with_password("default", "alice", kPassword, std::string_view(current));
  WARD_ASSERT_OK(principal);
  EXPECT_EQ(principal->method, AuthMethod::kPasswordMfa);
  EXPECT_EQ(auth_method_name(principal->method), "password+mfa");
  EXPECT_TRUE(principal->mfa_present);
  // Replaying the same code is refused, even though the password is right.
  EXPECT_EQ(
      refusal(auth_->login_with_password("default", "alice", kPassword, std::string_view(current))),
      expected);
  (void)algorithm;
}

TEST_F(IdentityAuthenticatorTest, ATenantCanRequireMfa) {
  WARD_ASSERT_OK(directory_->set_require_mfa("default", true));
  // Not enrolled: refused with a reason, but only after the password was right.
  auto unenrolled = auth_->login_with_password("default", "alice", kPassword);
  ASSERT_FALSE(unenrolled.ok());
  EXPECT_EQ(unenrolled.error().code(), core::Code::kFailedPrecondition);
  EXPECT_NE(unenrolled.error().message().find("ward admin user mfa enroll"), std::string::npos);
  refusal(auth_->login_with_password("default", "alice", "wrong password!"));
  auto [secret, algorithm] = enrol_alice();
  (void)algorithm;
  clock_.advance(30s);
  auto without = auth_->login_with_password("default", "alice", kPassword);
  ASSERT_FALSE(without.ok());
  EXPECT_TRUE(is_mfa_required(without.error()));
  auto with =
      auth_->login_with_password("default", "alice", kPassword, std::string_view(code(secret)));
  WARD_ASSERT_OK(with);
  EXPECT_TRUE(with->mfa_present);
}

TEST_F(IdentityAuthenticatorTest, LoginRehashesAPasswordMadeUnderOtherParameters) {
  auto stored_hash = [&] {
    auto tx = db_->begin({store::Access::kReadOnly, store::Durability::kNormal});
    auto row = (*tx)->query_one("SELECT password_hash FROM identity_users WHERE name = 'alice'");
    return *(*row)->get_text("password_hash");
  };
  const std::string before = stored_hash();
  EXPECT_FALSE(password_needs_rehash(before, options_.password));
  IdentityOptions stronger = options_;
  stronger.password = {options_.password.opslimit + 1, options_.password.memlimit * 2};
  Authenticator upgraded(*db_, clock_, sealer_, stronger);
  WARD_ASSERT_OK(upgraded.login_with_password("default", "alice", kPassword));
  const std::string after = stored_hash();
  EXPECT_NE(after, before);
  EXPECT_FALSE(password_needs_rehash(after, stronger.password));
  EXPECT_TRUE(verify_password(after, kPassword));
  // A wrong password changes nothing.
  Authenticator original(*db_, clock_, sealer_, options_);
  EXPECT_FALSE(original.login_with_password("default", "alice", "wrong password!").ok());
  EXPECT_EQ(stored_hash(), after);
  WARD_ASSERT_OK(original.login_with_password("default", "alice", kPassword));
  EXPECT_FALSE(password_needs_rehash(stored_hash(), options_.password));
}

TEST_F(IdentityAuthenticatorTest, TokensAuthenticateThroughTheAuthenticator) {
  Tokens tokens(*db_, clock_, options_);
  TokenRequest request;
  request.user = "robot";
  auto issued = tokens.create(request);
  WARD_ASSERT_OK(issued);
  auto principal = auth_->authenticate_token(issued->token);
  WARD_ASSERT_OK(principal);
  EXPECT_EQ(principal->user_name, "robot");
  EXPECT_EQ(principal->method, AuthMethod::kToken);
  EXPECT_FALSE(auth_->authenticate_token(issued->token + "0").ok());
}

}  // namespace
}  // namespace ward::gov
