// The access decision across layers: explicit deny wins anywhere; guardrails limit and never
// grant; the permission boundary and each session policy must allow; identity policies grant;
// no allow is an implicit deny.

#include "gov/policy/authorizer.h"

#include <gtest/gtest.h>

#include "gov/policy/managed.h"
#include "policy_test_util.h"

namespace ward::gov {
namespace {

using test::must_parse;
using test::one_statement;
using test::request_for;

const std::string kWorkspace = "ward:eu-west-2:acme:workspace/payments";

PolicyRef allow(const std::string& actions, const std::string& resources = R"("*")",
                const std::string& sid = "Allow", const std::string& name = "allow.json") {
  return must_parse(one_statement("Allow", actions, resources, "", sid), name);
}

PolicyRef deny(const std::string& actions, const std::string& resources = R"("*")",
               const std::string& sid = "Deny", const std::string& name = "deny.json") {
  return must_parse(one_statement("Deny", actions, resources, "", sid), name);
}

std::vector<std::string> labels(const AccessDecision& decision) {
  std::vector<std::string> out;
  for (const auto& deciding : decision.deciding) {
    out.push_back(std::string(policy_layer_name(deciding.layer)) + ":" + deciding.statement.policy +
                  ":" + deciding.statement.label());
  }
  return out;
}

TEST(PolicyAuthorizerTest, IdentityAllowAllows) {
  PolicyLayers layers;
  layers.identity = {allow(R"("ward:Chat")", R"("*")", "Chat", "dev.json")};
  auto decision = authorize(layers, request_for("ward:Chat", kWorkspace));
  EXPECT_EQ(decision.outcome, AccessOutcome::kAllow);
  EXPECT_TRUE(decision.allowed());
  EXPECT_EQ(labels(decision), (std::vector<std::string>{"identity:dev.json:Chat"}));
  EXPECT_TRUE(decision.problems.empty());
}

TEST(PolicyAuthorizerTest, NoPoliciesIsImplicitDeny) {
  auto decision = authorize({}, request_for("ward:Chat", kWorkspace));
  EXPECT_EQ(decision.outcome, AccessOutcome::kImplicitDeny);
  EXPECT_TRUE(decision.deciding.empty());
  EXPECT_NE(decision.reason.find("no identity policy allows ward:Chat"), std::string::npos)
      << decision.reason;
}

TEST(PolicyAuthorizerTest, NoMatchingStatementIsImplicitDeny) {
  PolicyLayers layers;
  layers.identity = {allow(R"("ward:Chat")")};
  auto decision = authorize(layers, request_for("ward:Scan", kWorkspace));
  EXPECT_EQ(decision.outcome, AccessOutcome::kImplicitDeny);
  EXPECT_EQ(access_outcome_name(decision.outcome), "implicit_deny");
}

TEST(PolicyAuthorizerTest, ExplicitDenyInIdentityWinsOverAllow) {
  PolicyLayers layers;
  layers.identity = {allow(R"("ward:*")"),
                     deny(R"("ward:AgentExec")", R"("*")", "NoExec", "no-exec.json")};
  auto decision = authorize(layers, request_for("ward:AgentExec", kWorkspace));
  EXPECT_EQ(decision.outcome, AccessOutcome::kExplicitDeny);
  EXPECT_EQ(access_outcome_name(decision.outcome), "explicit_deny");
  EXPECT_EQ(labels(decision), (std::vector<std::string>{"identity:no-exec.json:NoExec"}));
  EXPECT_NE(decision.reason.find("no-exec.json denies ward:AgentExec"), std::string::npos)
      << decision.reason;
  // Other actions are still allowed.
  EXPECT_TRUE(authorize(layers, request_for("ward:AgentRun", kWorkspace)).allowed());
}

TEST(PolicyAuthorizerTest, ExplicitDenyInAnyLayerWins) {
  const auto request = request_for("ward:Chat", kWorkspace);
  PolicyLayers base;
  base.identity = {allow(R"("*")")};
  base.guardrails = {allow(R"("*")", R"("*")", "Everything", "guard.json")};
  base.boundary = allow(R"("*")", R"("*")", "Everything", "boundary.json");
  base.sessions = {allow(R"("*")", R"("*")", "Everything", "session.json")};
  ASSERT_TRUE(authorize(base, request).allowed());

  auto guardrail = base;
  guardrail.guardrails.push_back(deny(R"("ward:Chat")", R"("*")", "NoChat", "guard-deny.json"));
  auto decision = authorize(guardrail, request);
  EXPECT_EQ(decision.outcome, AccessOutcome::kExplicitDeny);
  EXPECT_EQ(labels(decision), (std::vector<std::string>{"guardrail:guard-deny.json:NoChat"}));

  auto boundary = base;
  boundary.boundary = must_parse(R"({"Version": "2024-01-01", "Statement": [
      {"Sid": "All", "Effect": "Allow", "Action": "*", "Resource": "*"},
      {"Sid": "NoChat", "Effect": "Deny", "Action": "ward:Chat", "Resource": "*"}]})",
                                 "boundary.json");
  decision = authorize(boundary, request);
  EXPECT_EQ(decision.outcome, AccessOutcome::kExplicitDeny);
  EXPECT_EQ(labels(decision), (std::vector<std::string>{"boundary:boundary.json:NoChat"}));

  auto session = base;
  session.sessions.push_back(deny(R"("ward:Ch*")", R"("*")", "NoChat", "token.json"));
  decision = authorize(session, request);
  EXPECT_EQ(decision.outcome, AccessOutcome::kExplicitDeny);
  EXPECT_EQ(labels(decision), (std::vector<std::string>{"session:token.json:NoChat"}));
}

TEST(PolicyAuthorizerTest, EveryApplicableDenyIsNamed) {
  PolicyLayers layers;
  layers.guardrails = {deny(R"("ward:Chat")", R"("*")", "G", "g.json")};
  layers.identity = {deny(R"("*")", R"("*")", "I", "i.json"), allow(R"("*")")};
  auto decision = authorize(layers, request_for("ward:Chat", kWorkspace));
  EXPECT_EQ(labels(decision),
            (std::vector<std::string>{"guardrail:g.json:G", "identity:i.json:I"}));
}

TEST(PolicyAuthorizerTest, GuardrailsLimitButNeverGrant) {
  PolicyLayers layers;
  layers.guardrails = {
      allow(R"(["ward:Chat", "ward:Complete", "ward:Scan"])", R"("*")", "Assistant", "guard.json")};
  layers.identity = {allow(R"(["ward:Chat", "ward:AdminUsers"])", R"("*")", "Dev", "dev.json")};
  auto chat = authorize(layers, request_for("ward:Chat", kWorkspace));
  EXPECT_TRUE(chat.allowed());
  EXPECT_EQ(labels(chat),
            (std::vector<std::string>{"guardrail:guard.json:Assistant", "identity:dev.json:Dev"}));
  // The identity policy allows it, the guardrail does not: limited.
  auto admin = authorize(layers, request_for("ward:AdminUsers", "ward:eu-west-2:acme:user/bob"));
  EXPECT_EQ(admin.outcome, AccessOutcome::kImplicitDeny);
  EXPECT_NE(admin.reason.find("no guardrail policy"), std::string::npos) << admin.reason;
  // The guardrail allows it, no identity policy does: not granted.
  auto scan = authorize(layers, request_for("ward:Scan", kWorkspace));
  EXPECT_EQ(scan.outcome, AccessOutcome::kImplicitDeny);
  EXPECT_NE(scan.reason.find("no identity policy allows ward:Scan"), std::string::npos)
      << scan.reason;
}

TEST(PolicyAuthorizerTest, AnyOneGuardrailAllowingIsEnough) {
  PolicyLayers layers;
  layers.guardrails = {allow(R"("ward:Chat")", R"("*")", "A", "a.json"),
                       allow(R"("ward:Scan")", R"("*")", "B", "b.json")};
  layers.identity = {allow(R"("*")")};
  EXPECT_TRUE(authorize(layers, request_for("ward:Chat", kWorkspace)).allowed());
  EXPECT_TRUE(authorize(layers, request_for("ward:Scan", kWorkspace)).allowed());
  EXPECT_FALSE(authorize(layers, request_for("ward:Explain", kWorkspace)).allowed());
}

TEST(PolicyAuthorizerTest, DenyOnlyGuardrailsAllowNothing) {
  // Like service control policies: a guardrail set must allow, so deny-only guardrails need an
  // allow-everything guardrail beside them.
  PolicyLayers layers;
  layers.guardrails = {deny(R"("ward:AgentExec")")};
  layers.identity = {allow(R"("*")")};
  EXPECT_EQ(authorize(layers, request_for("ward:Chat", kWorkspace)).outcome,
            AccessOutcome::kImplicitDeny);
  layers.guardrails.push_back(allow(R"("*")", R"("*")", "FullAccess", "full.json"));
  EXPECT_TRUE(authorize(layers, request_for("ward:Chat", kWorkspace)).allowed());
  EXPECT_EQ(authorize(layers, request_for("ward:AgentExec", kWorkspace)).outcome,
            AccessOutcome::kExplicitDeny);
}

TEST(PolicyAuthorizerTest, PermissionBoundaryLimits) {
  PolicyLayers layers;
  layers.identity = {
      must_parse(std::string(managed_policies()[2].document), "managed:WardAdministrator")};
  layers.boundary =
      allow(R"(["ward:Chat", "ward:Complete"])", R"("*")", "DevOnly", "boundary.json");
  auto chat = authorize(layers, request_for("ward:Chat", kWorkspace));
  EXPECT_TRUE(chat.allowed());
  EXPECT_EQ(labels(chat),
            (std::vector<std::string>{"boundary:boundary.json:DevOnly",
                                      "identity:managed:WardAdministrator:EverythingInOwnTenant"}));
  auto admin = authorize(layers, request_for("ward:AdminUsers", "ward:eu-west-2:acme:user/bob"));
  EXPECT_EQ(admin.outcome, AccessOutcome::kImplicitDeny);
  EXPECT_NE(admin.reason.find("the permission boundary boundary.json does not allow"),
            std::string::npos)
      << admin.reason;
  // A boundary alone grants nothing.
  layers.identity.clear();
  EXPECT_EQ(authorize(layers, request_for("ward:Chat", kWorkspace)).outcome,
            AccessOutcome::kImplicitDeny);
}

TEST(PolicyAuthorizerTest, EverySessionPolicyMustAllow) {
  PolicyLayers layers;
  layers.identity = {allow(R"("*")")};
  layers.sessions = {allow(R"(["ward:Chat", "ward:Complete"])", R"("*")", "Token", "token.json")};
  EXPECT_TRUE(authorize(layers, request_for("ward:Chat", kWorkspace)).allowed());
  auto scan = authorize(layers, request_for("ward:Scan", kWorkspace));
  EXPECT_EQ(scan.outcome, AccessOutcome::kImplicitDeny);
  EXPECT_NE(scan.reason.find("the session policy token.json does not allow ward:Scan"),
            std::string::npos)
      << scan.reason;
  // A second session policy intersects again.
  layers.sessions.push_back(allow(R"("ward:Complete")", R"("*")", "Agent", "agent.json"));
  EXPECT_FALSE(authorize(layers, request_for("ward:Chat", kWorkspace)).allowed());
  EXPECT_TRUE(authorize(layers, request_for("ward:Complete", kWorkspace)).allowed());
  // Session policies grant nothing the identity policies do not.
  layers.identity = {allow(R"("ward:Chat")")};
  EXPECT_FALSE(authorize(layers, request_for("ward:Complete", kWorkspace)).allowed());
}

TEST(PolicyAuthorizerTest, TheAgentNeverExceedsItsCaller) {
  // The caller is a developer; the agent session allows commands in one workspace only.
  auto developer = managed_policy("WardDeveloperAccess");
  ASSERT_TRUE(developer.ok());
  PolicyLayers layers;
  layers.identity = {*developer};
  layers.sessions = {must_parse(R"({"Version": "2024-01-01", "Statement": [
      {"Sid": "AgentInPayments", "Effect": "Allow", "Action": ["ward:AgentRun", "ward:AgentExec", "ward:Chat"],
       "Resource": "ward:*:${ward:tenant}:workspace/payments"},
      {"Sid": "NoDestructiveCommands", "Effect": "Deny", "Action": "ward:AgentExec", "Resource": "*",
       "Condition": {"StringLike": {"ward:AgentCommand": ["rm -rf *", "git push --force*"]}}}]})",
                                "agent-session.json")};
  auto exec = request_for("ward:AgentExec", kWorkspace);
  exec.context.set("ward:AgentCommand", {"make test"});
  EXPECT_TRUE(authorize(layers, exec).allowed());
  exec.context.set("ward:AgentCommand", {"rm -rf /"});
  auto destructive = authorize(layers, exec);
  EXPECT_EQ(destructive.outcome, AccessOutcome::kExplicitDeny);
  EXPECT_EQ(labels(destructive),
            (std::vector<std::string>{"session:agent-session.json:NoDestructiveCommands"}));
  EXPECT_FALSE(
      authorize(layers, request_for("ward:AgentExec", "ward:eu-west-2:acme:workspace/other"))
          .allowed());
  EXPECT_FALSE(
      authorize(layers, request_for("ward:AdminUsers", "ward:eu-west-2:acme:user/bob")).allowed());
  EXPECT_FALSE(
      authorize(layers, request_for("ward:AgentExec", "ward:eu-west-2:globex:workspace/payments"))
          .allowed());
}

TEST(PolicyAuthorizerTest, PrincipalFactsCannotBeClaimedThroughTheContext) {
  PolicyLayers layers;
  layers.identity = {
      allow(R"("ward:ManageCredentials")", R"("ward:*:acme:user/${ward:username}")")};
  auto request = request_for("ward:ManageCredentials", "ward:eu-west-2:acme:user/admin", "bob");
  request.context.set("WARD:UserName", {"admin"});
  EXPECT_FALSE(authorize(layers, request).allowed());
  request.resource = "ward:eu-west-2:acme:user/bob";
  EXPECT_TRUE(authorize(layers, request).allowed());

  layers.identity = {
      allow(R"("ward:Chat")", R"("ward:*:acme:workspace/${ward:PrincipalTag/team}")")};
  auto tagged = request_for("ward:Chat", kWorkspace, "bob");
  tagged.context.set("ward:PrincipalTag/team", {"payments"});
  EXPECT_FALSE(authorize(layers, tagged).allowed());
  tagged.principal.tags["team"] = "payments";
  EXPECT_TRUE(authorize(layers, tagged).allowed());
}

TEST(PolicyAuthorizerTest, RequestTimeFeedsDateConditions) {
  PolicyLayers layers;
  layers.identity = {must_parse(
      one_statement("Allow", R"("ward:Chat")", R"("*")",
                    R"("Condition": {"DateLessThan": {"ward:CurrentTime": "2030-01-01T00:00:00Z"},
                                                               "NumericGreaterThan": {"ward:EpochTime": "1735689600"}})"))};
  auto request = request_for("ward:Chat", kWorkspace);
  EXPECT_FALSE(authorize(layers, request).allowed());                   // no time, no keys
  request.time = core::TimePoint(std::chrono::seconds(1'800'000'000));  // 2027
  EXPECT_TRUE(authorize(layers, request).allowed());
  request.time = core::TimePoint(std::chrono::seconds(1'900'000'000));  // 2030
  EXPECT_FALSE(authorize(layers, request).allowed());
  // A time the caller put in the context is kept.
  request.context.set("ward:CurrentTime", {"2029-12-31T23:59:59Z"});
  request.context.set("ward:EpochTime", {"1893455999"});
  EXPECT_TRUE(authorize(layers, request).allowed());
}

TEST(PolicyAuthorizerTest, MfaGuardrailForAdministration) {
  PolicyLayers layers;
  layers.guardrails = {must_parse(R"({"Version": "2024-01-01", "Statement": [
      {"Sid": "FullAccess", "Effect": "Allow", "Action": "*", "Resource": "*"},
      {"Sid": "AdminNeedsMfa", "Effect": "Deny", "Action": "ward:Admin*", "Resource": "*",
       "Condition": {"BoolIfExists": {"ward:MultiFactorAuthPresent": "false"}}}]})",
                                  "guard.json")};
  layers.identity = {*managed_policy("WardAdministrator")};
  auto request = request_for("ward:AdminKeys", "ward:eu-west-2:acme:key/kek1");
  // Without the key (a bootstrap token, say) the IfExists condition holds: denied.
  EXPECT_EQ(authorize(layers, request).outcome, AccessOutcome::kExplicitDeny);
  request.context.set("ward:MultiFactorAuthPresent", {"false"});
  EXPECT_EQ(authorize(layers, request).outcome, AccessOutcome::kExplicitDeny);
  request.context.set("ward:MultiFactorAuthPresent", {"true"});
  EXPECT_TRUE(authorize(layers, request).allowed());
  // Other actions need no MFA.
  EXPECT_TRUE(authorize(layers, request_for("ward:Chat", kWorkspace)).allowed());
}

TEST(PolicyAuthorizerTest, InvalidRequestsAreDenied) {
  PolicyLayers layers;
  layers.identity = {allow(R"("*")")};
  for (const auto& [action, resource] : std::vector<std::pair<std::string, std::string>>{
           {"", kWorkspace},
           {"ward:Chat", ""},
           {"Chat", kWorkspace},
           {"ward:Chat", "ward:eu-west-2:acme:workspace"},
           {"ward:Chat", "ward:eu-west-2:acme:workspace/a:b"},
           {"ward:Chat", "ward:eu:acme:wrkspace/a"},
           {"ward:Chat", "ward:" + std::string(kMaxRequestStringBytes, 'x')}}) {
    auto decision = authorize(layers, request_for(action, resource));
    EXPECT_EQ(decision.outcome, AccessOutcome::kImplicitDeny) << action << " " << resource;
    ASSERT_EQ(decision.problems.size(), 1u) << action << " " << resource;
    EXPECT_EQ(decision.problems[0].code(), core::Code::kInvalidArgument);
  }
  auto request = request_for("ward:Chat", kWorkspace);
  for (int i = 0; i <= static_cast<int>(kMaxContextKeys); ++i)
    request.context.set("acme:k" + std::to_string(i), {"v"});
  EXPECT_EQ(authorize(layers, request).outcome, AccessOutcome::kImplicitDeny);
}

TEST(PolicyAuthorizerTest, ProblemsAreReportedWithThePolicyName) {
  PolicyLayers layers;
  layers.identity = {
      must_parse(one_statement("Allow", R"("ward:Chat")", R"("*")",
                               R"("Condition": {"IpAddress": {"ward:SourceIp": "10.0.0.0/8"}})"),
                 "net.json")};
  auto request = request_for("ward:Chat", kWorkspace);
  request.context.set("ward:SourceIp", {"not-an-address"});
  auto decision = authorize(layers, request);
  EXPECT_EQ(decision.outcome, AccessOutcome::kImplicitDeny);
  ASSERT_EQ(decision.problems.size(), 1u);
  EXPECT_EQ(decision.problems[0].where(),
            "net.json#/Statement/0/Condition/IpAddress/ward:SourceIp");
}

struct ManagedCase {
  std::string name;
  std::string policy;
  std::string action;
  std::string resource;
  bool allowed;
};

// CTest names each case by what this prints, e.g. Table/PolicyManagedTest.Decides/DeveloperChats.
void PrintTo(const ManagedCase& c, std::ostream* os) {
  *os << c.name;
}

class PolicyManagedTest : public ::testing::TestWithParam<ManagedCase> {};

TEST_P(PolicyManagedTest, Decides) {
  const auto& c = GetParam();
  auto policy = managed_policy(c.policy);
  ASSERT_TRUE(policy.ok()) << policy.error().to_string();
  PolicyLayers layers;
  layers.identity = {*policy};
  auto decision = authorize(layers, request_for(c.action, c.resource, "alice", "acme"));
  EXPECT_EQ(decision.allowed(), c.allowed) << decision.reason;
  EXPECT_TRUE(decision.problems.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Table, PolicyManagedTest,
    ::testing::Values(ManagedCase{"DeveloperChats", "WardDeveloperAccess", "ward:Chat", kWorkspace,
                                  true},
                      ManagedCase{"DeveloperRunsTheAgent", "WardDeveloperAccess", "ward:AgentExec",
                                  kWorkspace, true},
                      ManagedCase{"DeveloperNotInOtherTenant", "WardDeveloperAccess", "ward:Chat",
                                  "ward:eu-west-2:globex:workspace/payments", false},
                      ManagedCase{"DeveloperOwnCredentials", "WardDeveloperAccess",
                                  "ward:ManageCredentials", "ward:eu-west-2:acme:user/alice", true},
                      ManagedCase{"DeveloperNotOthersCredentials", "WardDeveloperAccess",
                                  "ward:ManageCredentials", "ward:eu-west-2:acme:user/bob", false},
                      ManagedCase{"DeveloperNoAudit", "WardDeveloperAccess", "ward:AuditRead",
                                  "ward:eu-west-2:acme:audit", false},
                      ManagedCase{"DeveloperNoAdmin", "WardDeveloperAccess", "ward:AdminUsers",
                                  "ward:eu-west-2:acme:user/bob", false},
                      ManagedCase{"AuditorReads", "managed:WardAuditor", "ward:AuditRead",
                                  "ward:eu-west-2:acme:audit", true},
                      ManagedCase{"AuditorExports", "WardAuditor", "ward:AuditExport",
                                  "ward:uk-south:acme:audit", true},
                      ManagedCase{"AuditorNotOtherTenant", "WardAuditor", "ward:AuditRead",
                                  "ward:eu-west-2:globex:audit", false},
                      ManagedCase{"AuditorNoChat", "WardAuditor", "ward:Chat", kWorkspace, false},
                      ManagedCase{"AdministratorAdministers", "WardAdministrator",
                                  "ward:AdminUsers", "ward:eu-west-2:acme:user/bob", true},
                      ManagedCase{"AdministratorKeys", "WardAdministrator", "ward:AdminKeys",
                                  "ward:eu-west-2:acme:key/kek1", true},
                      ManagedCase{"AdministratorNotOtherTenant", "WardAdministrator",
                                  "ward:AdminTenants", "ward:eu-west-2:globex:tenant", false}));

}  // namespace
}  // namespace ward::gov
