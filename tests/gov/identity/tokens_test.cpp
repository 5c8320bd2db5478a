#include "gov/identity/tokens.h"

#include <gtest/gtest.h>

#include <regex>

#include "gov/identity/directory.h"
#include "identity_fixture.h"

namespace ward::gov {
namespace {

using namespace std::chrono_literals;
using testing::IdentityFixture;

class IdentityTokenTest : public IdentityFixture {
 protected:
  void SetUp() override {
    IdentityFixture::SetUp();
    tokens_ = std::make_unique<Tokens>(*db_, clock_, options_);
    Directory dir(*db_, clock_, options_);
    NewUser alice;
    alice.name = "alice";
    alice.tags = {{"team", "payments"}};
    WARD_ASSERT_OK(dir.create_user(alice));
  }

  IssuedToken issue(std::optional<std::chrono::seconds> lifetime = {},
                    std::optional<std::string> policy = {}) {
    TokenRequest request;
    request.user = "alice";
    request.lifetime = lifetime;
    request.session_policy = policy;
    auto issued = tokens_->create(request);
    EXPECT_TRUE(issued.ok()) << issued.error().to_string();
    return issued.ok() ? *issued : IssuedToken{};
  }

  std::string refusal(std::string_view token) {
    auto result = tokens_->authenticate(token);
    EXPECT_FALSE(result.ok()) << "accepted " << token;
    if (result.ok()) return "";
    EXPECT_EQ(result.error().code(), core::Code::kUnauthenticated);
    return result.error().to_string();
  }

  std::unique_ptr<Tokens> tokens_;
};

TEST_F(IdentityTokenTest, TokensHaveAPrefixAnIdAnd256RandomBits) {
  const IssuedToken token = issue();
  EXPECT_TRUE(std::regex_match(token.token, std::regex("ward_pat_[0-9a-f]{16}_[0-9a-f]{64}")))
      << token.token;
  EXPECT_EQ(token_id_of(token.token).value_or(""), token.info.id);
  EXPECT_EQ(token.token.substr(9, 16), token.info.id);
  EXPECT_NE(issue().token, token.token);
  EXPECT_FALSE(token_id_of("ward_pat_short").has_value());
  EXPECT_FALSE(token_id_of("wardboot_" + token.token.substr(9)).has_value());
}

TEST_F(IdentityTokenTest, OnlyTheHashIsStored) {
  const IssuedToken token = issue();
  const std::string secret = token.token.substr(9 + 16 + 1);
  db_.reset();
  const std::string bytes = database_bytes();
  EXPECT_EQ(bytes.find(secret), std::string::npos);
  EXPECT_EQ(bytes.find(secret.substr(0, 16)), std::string::npos);
  EXPECT_NE(bytes.find(token.info.id), std::string::npos) << "the id part is stored";
}

TEST_F(IdentityTokenTest, AuthenticationYieldsTheOwnerAndTheSessionPolicy) {
  const IssuedToken token = issue(
      {}, R"({"Version": "2024-01-01", "Statement": [{"Effect": "Allow", "Action": "ward:Complete", "Resource": "*"}]})");
  auto principal = tokens_->authenticate(token.token);
  WARD_ASSERT_OK(principal);
  EXPECT_EQ(principal->user_name, "alice");
  EXPECT_EQ(principal->tenant_name, "default");
  EXPECT_EQ(principal->region, "local");
  EXPECT_EQ(principal->method, AuthMethod::kToken);
  EXPECT_EQ(auth_method_name(principal->method), "token");
  EXPECT_EQ(principal->token_id.value_or(""), token.info.id);
  EXPECT_FALSE(principal->mfa_present);
  EXPECT_EQ(principal->tags.at("team"), "payments");
  EXPECT_EQ(principal->session_policy.value_or(""),
            R"({"Statement":[{"Action":"ward:Complete","Effect":"Allow","Resource":"*"}],"Version":"2024-01-01"})");
  auto plain = tokens_->authenticate(issue().token);
  WARD_ASSERT_OK(plain);
  EXPECT_FALSE(plain->session_policy.has_value());
}

TEST_F(IdentityTokenTest, LifetimeDefaultsTo90DaysAndIsAtMostAYear) {
  const IssuedToken token = issue();
  EXPECT_EQ(token.info.expires_at - token.info.created_at, std::chrono::days(90));
  TokenRequest request;
  request.user = "alice";
  for (std::chrono::seconds bad : {std::chrono::seconds(0), std::chrono::seconds(-5),
                                   std::chrono::seconds(std::chrono::days(366))}) {
    request.lifetime = bad;
    auto refused = tokens_->create(request);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code(), core::Code::kInvalidArgument);
  }
  request.lifetime = std::chrono::days(365);
  WARD_ASSERT_OK(tokens_->create(request));
  request.lifetime.reset();
  request.session_policy = "not json";
  EXPECT_EQ(tokens_->create(request).error().code(), core::Code::kInvalidArgument);
  request.session_policy.reset();
  request.user = "nobody";
  EXPECT_EQ(tokens_->create(request).error().code(), core::Code::kNotFound);
}

TEST_F(IdentityTokenTest, ExpiredRevokedUnknownAndMalformedTokensAreRefusedAlike) {
  const IssuedToken expiring = issue(1h);
  const IssuedToken revoked = issue();
  const IssuedToken good = issue();
  WARD_ASSERT_OK(tokens_->revoke(revoked.info.id));
  std::string tampered = good.token;
  tampered.back() = tampered.back() == '0' ? '1' : '0';
  std::string unknown = good.token;
  unknown[9] = unknown[9] == '0' ? '1' : '0';  // another id, same secret
  clock_.advance(1h);

  const std::string expected = refusal(tampered);
  EXPECT_EQ(refusal(expiring.token), expected);
  EXPECT_EQ(refusal(revoked.token), expected);
  EXPECT_EQ(refusal(unknown), expected);
  EXPECT_EQ(refusal("ward_pat_"), expected);
  EXPECT_EQ(refusal(""), expected);
  EXPECT_EQ(refusal("Bearer " + good.token), expected);
  EXPECT_EQ(expected.find(good.token.substr(26)), std::string::npos);
  WARD_EXPECT_OK(tokens_->authenticate(good.token));
}

TEST_F(IdentityTokenTest, RevocationByIdOrByTheLeakedTokenItself) {
  const IssuedToken first = issue();
  const IssuedToken second = issue();
  auto by_id = tokens_->revoke(first.info.id);
  WARD_ASSERT_OK(by_id);
  EXPECT_TRUE(by_id->revoked_at.has_value());
  EXPECT_EQ(by_id->user_name, "alice");
  auto by_text = tokens_->revoke(second.token);
  WARD_ASSERT_OK(by_text);
  EXPECT_EQ(by_text->id, second.info.id);
  EXPECT_FALSE(tokens_->authenticate(second.token).ok());
  EXPECT_EQ(tokens_->revoke(first.info.id).error().code(), core::Code::kFailedPrecondition);
  EXPECT_EQ(tokens_->revoke("0123456789abcdef").error().code(), core::Code::kNotFound);
}

TEST_F(IdentityTokenTest, ListingShowsStateButNoSecrets) {
  const IssuedToken first = issue(1h);
  clock_.advance(1s);
  const IssuedToken second = issue();
  clock_.advance(1s);
  const IssuedToken third = issue();
  WARD_ASSERT_OK(tokens_->revoke(third.info.id));
  clock_.advance(2h);
  auto listed = tokens_->list("default", "alice");
  WARD_ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 3u);
  EXPECT_EQ((*listed)[0].id, third.info.id);  // newest first
  EXPECT_EQ(token_state((*listed)[0], clock_.now()), "revoked");
  EXPECT_EQ(token_state((*listed)[1], clock_.now()), "active");
  EXPECT_EQ(token_state((*listed)[2], clock_.now()), "expired");
  EXPECT_EQ(tokens_->list("default")->size(), 3u);
  EXPECT_EQ(tokens_->list("default", "nobody").error().code(), core::Code::kNotFound);
}

TEST_F(IdentityTokenTest, LastUseIsRecordedAtMostOnceAMinute) {
  const IssuedToken token = issue();
  EXPECT_FALSE(token.info.last_used_at.has_value());
  WARD_ASSERT_OK(tokens_->authenticate(token.token));
  const core::TimePoint first_use = clock_.now();
  clock_.advance(30s);
  WARD_ASSERT_OK(tokens_->authenticate(token.token));
  auto listed = tokens_->list("default", "alice");
  WARD_ASSERT_OK(listed);
  EXPECT_EQ((*listed)[0].last_used_at.value_or(core::TimePoint{}), first_use);
  clock_.advance(30s);
  WARD_ASSERT_OK(tokens_->authenticate(token.token));
  listed = tokens_->list("default", "alice");
  EXPECT_EQ((*listed)[0].last_used_at.value_or(core::TimePoint{}), clock_.now());
}

TEST_F(IdentityTokenTest, ScheduledDeletionSuspendsTokensAndRestoreResumesThem) {
  const IssuedToken token = issue();
  const std::string valid_refusal = refusal(issue(1s).token + "x");
  Directory dir(*db_, clock_, options_);
  WARD_ASSERT_OK(dir.schedule_user_deletion("default", "alice"));
  EXPECT_EQ(refusal(token.token), valid_refusal);
  TokenRequest request;
  request.user = "alice";
  EXPECT_EQ(tokens_->create(request).error().code(), core::Code::kFailedPrecondition);
  WARD_ASSERT_OK(dir.restore_user("default", "alice"));
  WARD_EXPECT_OK(tokens_->authenticate(token.token));
  // The same for the whole tenant.
  WARD_ASSERT_OK(dir.schedule_tenant_deletion("default"));
  EXPECT_EQ(refusal(token.token), valid_refusal);
  WARD_ASSERT_OK(dir.restore_tenant("default"));
  WARD_EXPECT_OK(tokens_->authenticate(token.token));
}

}  // namespace
}  // namespace ward::gov
