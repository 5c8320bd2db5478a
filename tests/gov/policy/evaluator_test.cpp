// Which statements of one policy apply to a request: actions, resources, NotAction/NotResource,
// policy variables in resources, and conditions.

#include "gov/policy/evaluator.h"

#include <gtest/gtest.h>

#include "policy_test_util.h"

namespace ward::gov {
namespace {

using test::must_parse;
using test::one_statement;

struct Probe {
  std::string action;
  std::string resource;
  RequestContext context;
};

PolicyEvaluation run(const Policy& policy, const Probe& probe) {
  return evaluate_policy(policy, EvaluationInput{probe.action, probe.resource, probe.context});
}

const std::string kWorkspace = "ward:eu-west-2:acme:workspace/payments";

TEST(PolicyEvaluatorTest, ActionsMatchCaseInsensitivelyWithWildcards) {
  auto policy =
      must_parse(one_statement("Allow", R"(["ward:agent*", "ward:Ch?t"])", R"("*")", "", "S"));
  EXPECT_TRUE(run(*policy, {"ward:AgentRun", kWorkspace, {}}).allowed());
  EXPECT_TRUE(run(*policy, {"WARD:AGENTEXEC", kWorkspace, {}}).allowed());
  EXPECT_TRUE(run(*policy, {"ward:chat", kWorkspace, {}}).allowed());
  EXPECT_FALSE(run(*policy, {"ward:Complete", kWorkspace, {}}).allowed());
}

TEST(PolicyEvaluatorTest, NotActionAppliesToEverythingElse) {
  auto policy = must_parse(R"({"Version": "2024-01-01", "Statement": [
      {"Effect": "Allow", "NotAction": "ward:Admin*", "Resource": "*"}]})");
  EXPECT_TRUE(run(*policy, {"ward:Chat", kWorkspace, {}}).allowed());
  EXPECT_FALSE(run(*policy, {"ward:AdminUsers", "ward:eu-west-2:acme:user/bob", {}}).allowed());
}

TEST(PolicyEvaluatorTest, ResourcesMatchCaseSensitively) {
  auto policy =
      must_parse(one_statement("Allow", R"("ward:Chat")", R"("ward:eu-*:acme:workspace/pay*")"));
  EXPECT_TRUE(run(*policy, {"ward:Chat", kWorkspace, {}}).allowed());
  EXPECT_FALSE(run(*policy, {"ward:Chat", "ward:eu-west-2:acme:workspace/Payments", {}}).allowed());
  EXPECT_FALSE(run(*policy, {"ward:Chat", "ward:us-east-1:acme:workspace/payments", {}}).allowed());
  EXPECT_FALSE(run(*policy, {"ward:Chat", "ward:eu-west-2:ACME:workspace/payments", {}}).allowed());
}

TEST(PolicyEvaluatorTest, NotResourceAppliesToEverythingElse) {
  auto policy = must_parse(
      R"({"Version": "2024-01-01", "Statement": [{"Sid": "DenyOutsideEu", "Effect": "Deny",
      "Action": "*", "NotResource": ["ward:eu-*:*:*", "ward:uk-*:*:*"]}]})");
  EXPECT_FALSE(run(*policy, {"ward:Chat", kWorkspace, {}}).denied());
  EXPECT_FALSE(run(*policy, {"ward:Chat", "ward:uk-south:acme:workspace/x", {}}).denied());
  auto outside = run(*policy, {"ward:Chat", "ward:us-east-1:acme:workspace/x", {}});
  ASSERT_TRUE(outside.denied());
  EXPECT_EQ(outside.denies[0].sid, "DenyOutsideEu");
  EXPECT_EQ(outside.denies[0].effect, PolicyEffect::kDeny);
  EXPECT_TRUE(outside.allows.empty());
}

TEST(PolicyEvaluatorTest, ResourceVariablesComeFromTheContext) {
  auto policy = must_parse(one_statement("Allow", R"("ward:ManageCredentials")",
                                         R"("ward:*:${ward:tenant}:user/${ward:username}")"));
  Probe own{"ward:ManageCredentials", "ward:eu-west-2:acme:user/alice", {}};
  own.context.set("ward:username", {"alice"});
  own.context.set("ward:tenant", {"acme"});
  EXPECT_TRUE(run(*policy, own).allowed());
  Probe other = own;
  other.resource = "ward:eu-west-2:acme:user/bob";
  EXPECT_FALSE(run(*policy, other).allowed());
  Probe other_tenant = own;
  other_tenant.resource = "ward:eu-west-2:globex:user/alice";
  EXPECT_FALSE(run(*policy, other_tenant).allowed());
}

TEST(PolicyEvaluatorTest, SubstitutedValuesAreNotWildcards) {
  auto policy = must_parse(one_statement("Allow", R"("ward:Chat")",
                                         R"("ward:*:acme:workspace/${ward:PrincipalTag/team}")"));
  Probe probe{"ward:Chat", "ward:eu-west-2:acme:workspace/payments", {}};
  probe.context.set("ward:PrincipalTag/team", {"*"});
  EXPECT_FALSE(run(*policy, probe).allowed());
  probe.resource = "ward:eu-west-2:acme:workspace/*";
  EXPECT_TRUE(run(*policy, probe).allowed());
}

TEST(PolicyEvaluatorTest, MissingVariableMatchesNothingAndIsReported) {
  auto policy = must_parse(one_statement("Allow", R"("ward:Chat")",
                                         R"("ward:*:acme:workspace/${ward:PrincipalTag/team}")"),
                           "team.json");
  auto evaluation = run(*policy, {"ward:Chat", kWorkspace, {}});
  EXPECT_FALSE(evaluation.allowed());
  ASSERT_EQ(evaluation.problems.size(), 1u);
  EXPECT_EQ(evaluation.problems[0].where(), "team.json#/Statement/0/Resource");
  EXPECT_NE(evaluation.problems[0].message().find("${ward:PrincipalTag/team}"), std::string::npos);
}

TEST(PolicyEvaluatorTest, ConditionsMustAllHold) {
  auto policy = must_parse(one_statement("Allow", R"("ward:Chat")", R"("*")",
                                         R"("Condition": {"Bool": {"ward:SecureTransport": "true"},
                                                          "IpAddress": {"ward:SourceIp": "10.0.0.0/8"}})"));
  Probe probe{"ward:Chat", kWorkspace, {}};
  probe.context.set("ward:SecureTransport", {"true"});
  EXPECT_FALSE(run(*policy, probe).allowed());
  probe.context.set("ward:SourceIp", {"10.2.3.4"});
  EXPECT_TRUE(run(*policy, probe).allowed());
  probe.context.set("ward:SecureTransport", {"false"});
  EXPECT_FALSE(run(*policy, probe).allowed());
}

TEST(PolicyEvaluatorTest, ReportsEveryApplicableStatement) {
  auto policy = must_parse(R"({"Version": "2024-01-01", "Statement": [
      {"Sid": "One", "Effect": "Allow", "Action": "ward:Chat", "Resource": "*"},
      {"Effect": "Allow", "Action": "ward:*", "Resource": "ward:*:acme:*"},
      {"Sid": "Other", "Effect": "Allow", "Action": "ward:Scan", "Resource": "*"},
      {"Sid": "No", "Effect": "Deny", "Action": "ward:Chat", "Resource": "ward:*:acme:workspace/secret"}]})",
                           "p.json");
  auto evaluation = run(*policy, {"ward:Chat", kWorkspace, {}});
  ASSERT_EQ(evaluation.allows.size(), 2u);
  EXPECT_EQ(evaluation.allows[0].label(), "One");
  EXPECT_EQ(evaluation.allows[0].policy, "p.json");
  EXPECT_EQ(evaluation.allows[1].label(), "/Statement/1");
  EXPECT_TRUE(evaluation.denies.empty());
  auto secret = run(*policy, {"ward:Chat", "ward:eu:acme:workspace/secret", {}});
  ASSERT_EQ(secret.denies.size(), 1u);
  EXPECT_EQ(secret.denies[0].label(), "No");
}

}  // namespace
}  // namespace ward::gov
