#include "gov/access/gate.h"

#include <gtest/gtest.h>

#include "gov/identity/directory.h"
#include "gov/identity/identity_fixture.h"
#include "gov/identity/tokens.h"

namespace ward::gov {
namespace {

using testing::IdentityFixture;

constexpr std::string_view kWorkspace = "ward:local:acme:workspace/payments";

class AccessGateTest : public IdentityFixture {
 protected:
  void SetUp() override {
    IdentityFixture::SetUp();
    directory_ = std::make_unique<Directory>(*db_, clock_, options_);
    ASSERT_TRUE(directory_->create_tenant("acme", "local").ok());
    ASSERT_TRUE(directory_->create_role("acme", "developer").ok());
    ASSERT_TRUE(directory_->attach_policy("acme", PrincipalKind::kRole, "developer",
                                          PolicySource::managed("WardDeveloperAccess"))
                    .ok());
    NewUser alice;
    alice.tenant = "acme";
    alice.name = "alice";
    alice.roles = {"developer"};
    ASSERT_TRUE(directory_->create_user(alice).ok());
  }

  // Alice as an API token with `session_policy` would make her.
  AuthenticatedPrincipal alice(std::optional<std::string> session_policy = std::nullopt) {
    Tokens tokens(*db_, clock_, options_);
    TokenRequest request;
    request.tenant = "acme";
    request.user = "alice";
    request.session_policy = std::move(session_policy);
    auto issued = tokens.create(request);
    EXPECT_TRUE(issued.ok());
    auto principal = tokens.authenticate(issued->token);
    EXPECT_TRUE(principal.ok());
    return *principal;
  }

  AccessOutcome outcome(const AuthenticatedPrincipal& who, std::string_view action,
                        std::string_view resource = kWorkspace, RequestContext context = {}) {
    AccessGate gate(*db_, clock_);
    auto decision = gate.decide(who, action, resource, std::move(context));
    EXPECT_TRUE(decision.ok()) << decision.error().to_string();
    return decision.ok() ? decision->outcome : AccessOutcome::kExplicitDeny;
  }

  void guardrail(const std::string& document) {
    ASSERT_TRUE(directory_->attach_policy("acme", PrincipalKind::kTenant, "acme",
                                          PolicySource::inline_document(document))
                    .ok());
  }

  std::unique_ptr<Directory> directory_;
};

TEST_F(AccessGateTest, RolePoliciesAllowWhatTheyNameAndNothingElse) {
  const auto who = alice();
  EXPECT_EQ(outcome(who, "ward:Complete"), AccessOutcome::kAllow);
  EXPECT_EQ(outcome(who, "ward:Chat"), AccessOutcome::kAllow);
  EXPECT_EQ(outcome(who, "ward:AdminUsers", "ward:local:acme:user/bob"),
            AccessOutcome::kImplicitDeny);
  // Another tenant's workspace is outside ${ward:tenant}.
  EXPECT_EQ(outcome(who, "ward:Complete", "ward:local:globex:workspace/payments"),
            AccessOutcome::kImplicitDeny);
}

TEST_F(AccessGateTest, AGuardrailDenyWinsOverTheUsersAllow) {
  guardrail(R"({"Version":"2024-01-01","Statement":[
      {"Sid":"NoChat","Effect":"Deny","Action":"ward:Chat","Resource":"*"},
      {"Sid":"Rest","Effect":"Allow","Action":"*","Resource":"*"}]})");
  const auto who = alice();
  EXPECT_EQ(outcome(who, "ward:Chat"), AccessOutcome::kExplicitDeny);
  EXPECT_EQ(outcome(who, "ward:Complete"), AccessOutcome::kAllow);
}

TEST_F(AccessGateTest, GuardrailsLimitButNeverGrant) {
  guardrail(R"({"Version":"2024-01-01","Statement":[
      {"Sid":"OnlyCompletion","Effect":"Allow","Action":["ward:Complete","ward:AdminUsers"],
       "Resource":"*"}]})");
  const auto who = alice();
  EXPECT_EQ(outcome(who, "ward:Complete"), AccessOutcome::kAllow);
  EXPECT_EQ(outcome(who, "ward:Chat"), AccessOutcome::kImplicitDeny);
  // The guardrail allows admin actions, but alice's own policies do not.
  EXPECT_EQ(outcome(who, "ward:AdminUsers", "ward:local:acme:user/bob"),
            AccessOutcome::kImplicitDeny);
}

TEST_F(AccessGateTest, ATokensSessionPolicyNarrowsWhatItsUserMayDo) {
  const auto scoped = alice(R"({"Version":"2024-01-01","Statement":[
      {"Effect":"Allow","Action":"ward:Complete","Resource":"*"}]})");
  EXPECT_EQ(outcome(scoped, "ward:Complete"), AccessOutcome::kAllow);
  EXPECT_EQ(outcome(scoped, "ward:Chat"), AccessOutcome::kImplicitDeny);
  // A session policy cannot widen: it allows everything, alice still may not administer users.
  const auto wide = alice(R"({"Version":"2024-01-01","Statement":[
      {"Effect":"Allow","Action":"*","Resource":"*"}]})");
  EXPECT_EQ(outcome(wide, "ward:AdminUsers", "ward:local:acme:user/bob"),
            AccessOutcome::kImplicitDeny);
}

TEST_F(AccessGateTest, APermissionBoundaryCapsIdentityPolicies) {
  ASSERT_TRUE(directory_
                  ->set_permission_boundary("acme", "alice",
                                            PolicySource::inline_document(
                                                R"({"Version":"2024-01-01","Statement":[
      {"Effect":"Allow","Action":"ward:Chat","Resource":"*"}]})"))
                  .ok());
  const auto who = alice();
  EXPECT_EQ(outcome(who, "ward:Chat"), AccessOutcome::kAllow);
  EXPECT_EQ(outcome(who, "ward:Complete"), AccessOutcome::kImplicitDeny);
}

TEST_F(AccessGateTest, TheCallerCannotForgeThePrincipalsContextKeys) {
  guardrail(R"({"Version":"2024-01-01","Statement":[
      {"Effect":"Deny","Action":"*","Resource":"*",
       "Condition":{"StringNotEquals":{"ward:PrincipalGroups":"trusted","ward:AuthMethod":"oidc"}}},
      {"Effect":"Allow","Action":"*","Resource":"*"}]})");
  RequestContext forged;
  forged.set("ward:PrincipalGroups", {"trusted"});
  forged.set("ward:AuthMethod", {"oidc"});
  forged.set("ward:username", {"root"});
  EXPECT_EQ(outcome(alice(), "ward:Complete", kWorkspace, forged), AccessOutcome::kExplicitDeny);

  // Real membership of the group, which only an administrator can grant, lets her through.
  ASSERT_TRUE(directory_->create_group("acme", "trusted").ok());
  ASSERT_TRUE(directory_->add_user_to_group("acme", "trusted", "alice").ok());
  EXPECT_EQ(outcome(alice(), "ward:Complete"), AccessOutcome::kAllow);
}

TEST_F(AccessGateTest, GuardrailsBelongToTheirOwnTenant) {
  ASSERT_TRUE(directory_->create_tenant("globex", "local").ok());
  auto wrong = directory_->attach_policy("acme", PrincipalKind::kTenant, "globex",
                                         PolicySource::managed("WardAuditor"));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code(), core::Code::kInvalidArgument);

  auto attached = directory_->attach_policy("acme", PrincipalKind::kTenant, "acme",
                                            PolicySource::managed("WardDeveloperAccess"));
  ASSERT_TRUE(attached.ok());
  auto listed = directory_->guardrails("acme");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().attached_to, PrincipalKind::kTenant);
  EXPECT_EQ(listed->front().principal_name, "acme");
  // Guardrails are not identity policies of the tenant's users.
  auto identity = directory_->identity_policies("acme", "alice");
  ASSERT_TRUE(identity.ok());
  for (const auto& policy : *identity) EXPECT_NE(policy.attached_to, PrincipalKind::kTenant);
  ASSERT_TRUE(directory_->detach_policy("acme", attached->id).ok());
  EXPECT_TRUE(directory_->guardrails("acme")->empty());
}

TEST_F(AccessGateTest, ATenantsTierIsStored) {
  EXPECT_EQ(directory_->get_tenant("acme")->tier, "free");
  auto changed = directory_->set_tier("acme", "pro");
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(Directory(*db_, clock_, options_).get_tenant("acme")->tier, "pro");
  EXPECT_FALSE(directory_->set_tier("acme", "not a tier name!").ok());
}

}  // namespace
}  // namespace ward::gov
