// The policy grammar: what parses into what, and every error reported with its exact JSON path.

#include "gov/policy/parser.h"

#include <gtest/gtest.h>

#include "policy_test_util.h"
#include "support/test_support.h"

namespace ward::gov {
namespace {

using Diagnostics = std::vector<std::pair<std::string, std::string>>;
using test::errors_and_warnings;
using test::message_at;
using test::one_statement;

TEST(PolicyParserTest, ParsesAFullPolicy) {
  const std::string text = R"({
    "Version": "2024-01-01",
    "Id": "developers",
    "Statement": [
      {"Sid": "Use", "Effect": "Allow", "Action": ["ward:Chat", "ward:Complete"],
       "Resource": "ward:*:acme:workspace/*",
       "Condition": {"IpAddress": {"ward:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]},
                     "ForAnyValue:StringLikeIfExists": {"ward:PrincipalGroups": "dev-*"}}},
      {"Effect": "Deny", "NotAction": "ward:Chat", "NotResource": ["ward:eu-west-2:acme:audit"]}
    ]})";
  PolicyParse parsed = parse_policy(text, "dev.json");
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed.diagnostics.empty());
  const Policy& policy = *parsed.policy;
  EXPECT_EQ(policy.name, "dev.json");
  EXPECT_EQ(policy.version, "2024-01-01");
  EXPECT_EQ(policy.id, "developers");
  ASSERT_EQ(policy.statements.size(), 2u);
  const auto& use = policy.statements[0];
  EXPECT_EQ(use.sid, "Use");
  EXPECT_EQ(use.label(), "Use");
  EXPECT_EQ(use.path, "/Statement/0");
  EXPECT_EQ(use.effect, PolicyEffect::kAllow);
  EXPECT_FALSE(use.not_action);
  ASSERT_EQ(use.actions.size(), 2u);
  EXPECT_EQ(use.actions[1].path, "/Statement/0/Action/1");
  ASSERT_EQ(use.resources.size(), 1u);
  EXPECT_EQ(use.resources[0].path, "/Statement/0/Resource");
  ASSERT_EQ(use.conditions.size(), 2u);
  EXPECT_EQ(use.conditions[0].op.base, ConditionBase::kIpAddress);
  EXPECT_EQ(use.conditions[0].values.size(), 2u);
  EXPECT_EQ(use.conditions[0].values[1].path, "/Statement/0/Condition/IpAddress/ward:SourceIp/1");
  EXPECT_EQ(use.conditions[1].op.base, ConditionBase::kStringLike);
  EXPECT_EQ(use.conditions[1].op.set, SetQualifier::kForAnyValue);
  EXPECT_TRUE(use.conditions[1].op.if_exists);
  const auto& deny = policy.statements[1];
  EXPECT_EQ(deny.label(), "/Statement/1");
  EXPECT_EQ(deny.effect, PolicyEffect::kDeny);
  EXPECT_TRUE(deny.not_action);
  EXPECT_TRUE(deny.not_resource);
}

TEST(PolicyParserTest, StatementMayBeASingleObject) {
  PolicyParse parsed = parse_policy(
      R"({"Version": "2024-01-01", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}})",
      "p");
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed.policy->statements.size(), 1u);
  EXPECT_EQ(parsed.policy->statements[0].path, "/Statement");
}

TEST(PolicyParserTest, ReportsEveryErrorWithItsExactPath) {
  const std::string text = R"({
    "Version": "2012-10-17",
    "Statement": [
      {"Sid": "A", "Effect": "allow", "Action": "ward:Chat", "Resource": "*"},
      {"Sid": "B", "Effect": "Allow", "Action": ["ward:Chat", "ward:Chta"]},
      {"Sid": "C", "Effect": "Deny", "Action": "*", "Resource": "*",
       "Condition": {"StringEqualz": {"ward:RequestedRegion": "x"},
                     "NumericLessThan": {"ward:MultiFactorAuthAge": "soon"},
                     "StringEquals": {"aws:x": "y", "ward:PrincipalTag/team": ["a", 3, null]}}},
      {"Sid": "A", "Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::bucket", "Bogus": 1},
      "not a statement"
    ],
    "Extra": true
  })";
  PolicyParse parsed = parse_policy(text, "bad.json");
  EXPECT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.policy, nullptr);
  const Diagnostics expected = {
      {"error", "/Version"},
      {"error", "/Statement/0/Effect"},
      {"error", "/Statement/1/Action/1"},
      {"error", "/Statement/1/Resource"},
      {"error", "/Statement/2/Condition/StringEqualz"},
      {"error", "/Statement/2/Condition/NumericLessThan/ward:MultiFactorAuthAge"},
      {"warning", "/Statement/2/Condition/StringEquals/aws:x"},
      {"error", "/Statement/2/Condition/StringEquals/ward:PrincipalTag~1team/2"},
      {"error", "/Statement/3/Sid"},
      {"error", "/Statement/3/Resource"},
      {"error", "/Statement/3/Bogus"},
      {"error", "/Statement/4"},
      {"error", "/Extra"},
  };
  EXPECT_EQ(errors_and_warnings(parsed), expected);
  EXPECT_EQ(parsed.error_count(), 12u);
  EXPECT_EQ(parsed.warning_count(), 1u);
  EXPECT_NE(message_at(parsed, "/Version").find("\"2024-01-01\""), std::string::npos);
  EXPECT_NE(message_at(parsed, "/Statement/0/Effect").find("not \"allow\""), std::string::npos);
  EXPECT_NE(message_at(parsed, "/Statement/1/Action/1").find("did you mean \"ward:Chat\"?"),
            std::string::npos);
  EXPECT_NE(message_at(parsed, "/Statement/1/Resource").find("missing"), std::string::npos);
  EXPECT_NE(message_at(parsed, "/Statement/2/Condition/StringEqualz")
                .find("did you mean \"StringEquals\"?"),
            std::string::npos);
  EXPECT_NE(message_at(parsed, "/Statement/3/Sid").find("already used at /Statement/0/Sid"),
            std::string::npos);
  EXPECT_NE(message_at(parsed, "/Statement/4").find("not a string"), std::string::npos);
}

TEST(PolicyParserTest, LoadPolicyGivesTheFirstErrorAndCountsTheRest) {
  auto loaded = load_policy(
      R"({"Version": "1", "Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}]})",
      "p.json");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code(), core::Code::kInvalidArgument);
  EXPECT_EQ(loaded.error().where(), "p.json#/Version");
  EXPECT_NE(loaded.error().message().find("and 1 more error;"), std::string::npos)
      << loaded.error().message();
}

struct GrammarCase {
  std::string name;
  std::string policy;
  Diagnostics expected;
};

class PolicyGrammarTest : public ::testing::TestWithParam<GrammarCase> {};

TEST_P(PolicyGrammarTest, Diagnoses) {
  const auto& c = GetParam();
  PolicyParse parsed = parse_policy(c.policy, "p");
  std::string messages;
  for (const auto& d : parsed.diagnostics) messages += d.path + ": " + d.message + "\n";
  EXPECT_EQ(errors_and_warnings(parsed), c.expected) << messages;
  const bool has_error = std::any_of(c.expected.begin(), c.expected.end(),
                                     [](const auto& d) { return d.first == "error"; });
  EXPECT_EQ(parsed.ok(), !has_error);
}

// CTest names each case by what this prints, e.g. Actions/PolicyGrammarTest.Diagnoses/Unknown.
void PrintTo(const GrammarCase& c, std::ostream* os) {
  *os << c.name;
}

std::string with_resource(const std::string& resource) {
  return one_statement("Allow", R"("ward:Chat")", "\"" + resource + "\"");
}

std::string with_action(const std::string& action) {
  return one_statement("Allow", "\"" + action + "\"", R"("*")");
}

std::string with_condition(const std::string& condition) {
  return one_statement("Allow", R"("*")", R"("*")", R"("Condition": )" + condition);
}

const Diagnostics kOk = {};
const Diagnostics kResourceError = {{"error", "/Statement/0/Resource"}};
const Diagnostics kActionError = {{"error", "/Statement/0/Action"}};

INSTANTIATE_TEST_SUITE_P(
    Document, PolicyGrammarTest,
    ::testing::Values(
        GrammarCase{"NotJson", "{\"Version\": ", {{"error", ""}}},
        GrammarCase{"NotAnObject", "[]", {{"error", ""}}},
        GrammarCase{"Empty", "{}", {{"error", "/Version"}, {"error", "/Statement"}}},
        GrammarCase{
            "VersionNotString",
            R"({"Version": 2024, "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}})",
            {{"error", "/Version"}}},
        GrammarCase{"StatementEmpty",
                    R"({"Version": "2024-01-01", "Statement": []})",
                    {{"error", "/Statement"}}},
        GrammarCase{"StatementString",
                    R"({"Version": "2024-01-01", "Statement": "x"})",
                    {{"error", "/Statement"}}},
        GrammarCase{
            "IdNotString",
            R"({"Version": "2024-01-01", "Id": 1, "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}})",
            {{"error", "/Id"}}},
        GrammarCase{
            "DuplicateKeys",
            R"({"Version": "2024-01-01", "Statement": [{"Effect": "Allow", "Effect": "Deny", "Action": "*", "Resource": "*"}]})",
            {{"error", "/Statement/0/Effect"}}},
        GrammarCase{
            "DuplicateKeysNested",
            R"({"Version": "2024-01-01", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}, {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"Bool": {"ward:SecureTransport": "true", "ward:SecureTransport": "false"}}}]})",
            {{"error", "/Statement/1/Condition/Bool/ward:SecureTransport"}}}));

INSTANTIATE_TEST_SUITE_P(
    Statements, PolicyGrammarTest,
    ::testing::Values(
        GrammarCase{"MissingEffectActionResource",
                    R"({"Version": "2024-01-01", "Statement": [{}]})",
                    {{"error", "/Statement/0/Effect"},
                     {"error", "/Statement/0/Action"},
                     {"error", "/Statement/0/Resource"}}},
        GrammarCase{
            "ActionAndNotAction",
            R"({"Version": "2024-01-01", "Statement": [{"Effect": "Allow", "Action": "*", "NotAction": "*", "Resource": "*"}]})",
            {{"error", "/Statement/0/NotAction"}}},
        GrammarCase{
            "ResourceAndNotResource",
            R"({"Version": "2024-01-01", "Statement": [{"Effect": "Allow", "Action": "*", "NotResource": "*", "Resource": "*"}]})",
            {{"error", "/Statement/0/NotResource"}}},
        GrammarCase{
            "Principal",
            R"({"Version": "2024-01-01", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]})",
            {{"error", "/Statement/0/Principal"}}},
        GrammarCase{
            "LowerCaseKey",
            R"({"Version": "2024-01-01", "Statement": [{"effect": "Allow", "Action": "*", "Resource": "*"}]})",
            {{"error", "/Statement/0/effect"}, {"error", "/Statement/0/Effect"}}},
        GrammarCase{"BadSid",
                    one_statement("Allow", R"("*")", R"("*")", "", "has space"),
                    {{"error", "/Statement/0/Sid"}}},
        GrammarCase{
            "EffectNotString",
            R"({"Version": "2024-01-01", "Statement": [{"Effect": true, "Action": "*", "Resource": "*"}]})",
            {{"error", "/Statement/0/Effect"}}},
        GrammarCase{"ActionEmptyArray", one_statement("Allow", "[]", R"("*")"), kActionError},
        GrammarCase{"ActionNumber",
                    one_statement("Allow", "[\"ward:Chat\", 7]", R"("*")"),
                    {{"error", "/Statement/0/Action/1"}}},
        GrammarCase{"ActionObject", one_statement("Allow", "{}", R"("*")"), kActionError},
        GrammarCase{"ConditionArray",
                    one_statement("Allow", R"("*")", R"("*")", R"("Condition": [])"),
                    {{"error", "/Statement/0/Condition"}}},
        GrammarCase{"EmptyConditionIsFine",
                    one_statement("Allow", R"("*")", R"("*")", R"("Condition": {})"), kOk}));

INSTANTIATE_TEST_SUITE_P(
    Actions, PolicyGrammarTest,
    ::testing::Values(GrammarCase{"Star", with_action("*"), kOk},
                      GrammarCase{"Known", with_action("ward:AgentExec"), kOk},
                      GrammarCase{"AnyCase", with_action("WARD:agentexec"), kOk},
                      GrammarCase{"Wildcard", with_action("ward:Admin*"), kOk},
                      GrammarCase{"QuestionMark", with_action("ward:Ch?t"), kOk},
                      GrammarCase{"ServiceWildcard", with_action("ward:*"), kOk},
                      GrammarCase{"Unknown", with_action("ward:Frobnicate"), kActionError},
                      GrammarCase{"WildcardMatchingNothing", with_action("ward:Frob*"),
                                  kActionError},
                      GrammarCase{"OtherService", with_action("s3:GetObject"), kActionError},
                      GrammarCase{"NoService", with_action("Chat"), kActionError},
                      GrammarCase{"BadCharacters", with_action("ward:Chat/x"), kActionError},
                      GrammarCase{"Empty", with_action(""), kActionError}));

INSTANTIATE_TEST_SUITE_P(
    Resources, PolicyGrammarTest,
    ::testing::Values(
        GrammarCase{"Star", with_resource("*"), kOk},
        GrammarCase{"Workspace", with_resource("ward:eu-west-2:acme:workspace/payments"), kOk},
        GrammarCase{"WorkspaceWildcard", with_resource("ward:*:acme:workspace/*"), kOk},
        GrammarCase{"Audit", with_resource("ward:eu-west-2:acme:audit"), kOk},
        GrammarCase{"AllOfWard", with_resource("ward:*"), kOk},
        GrammarCase{"Variables", with_resource("ward:*:${ward:tenant}:user/${ward:username}"), kOk},
        GrammarCase{"TagVariable",
                    with_resource("ward:*:acme:workspace/${ward:PrincipalTag/team}-*"), kOk},
        GrammarCase{"Escapes", with_resource("ward:eu:acme:workspace/odd${*}name${$}"), kOk},
        GrammarCase{"WildcardType", with_resource("ward:eu:acme:*/x"), kOk},
        GrammarCase{"NotWard", with_resource("arn:aws:s3:::bucket"), kResourceError},
        GrammarCase{"TooFewParts", with_resource("ward:eu:acme"), kResourceError},
        GrammarCase{"TooManyParts", with_resource("ward:eu:acme:workspace/a:b"), kResourceError},
        GrammarCase{"UnknownType", with_resource("ward:eu:acme:wrkspace/a"), kResourceError},
        GrammarCase{"NamedTypeWithoutName", with_resource("ward:eu:acme:workspace"),
                    kResourceError},
        GrammarCase{"UnnamedTypeWithName", with_resource("ward:eu:acme:audit/x"), kResourceError},
        GrammarCase{"UnknownVariable", with_resource("ward:eu:${aws:username}:audit"),
                    kResourceError},
        GrammarCase{"UnclosedVariable", with_resource("ward:eu:${ward:tenant:audit"),
                    kResourceError},
        GrammarCase{"Empty", with_resource(""), kResourceError}));

const std::string kC = "/Statement/0/Condition";

INSTANTIATE_TEST_SUITE_P(
    Conditions, PolicyGrammarTest,
    ::testing::Values(
        GrammarCase{"EveryOperatorParses", with_condition(R"({
                      "StringEquals": {"ward:AuthMethod": "oidc"}, "StringNotEquals": {"ward:AuthMethod": "x"},
                      "StringEqualsIgnoreCase": {"ward:AuthMethod": "OIDC"},
                      "StringNotEqualsIgnoreCase": {"ward:AuthMethod": "X"},
                      "StringLike": {"ward:AgentCommand": "git *"}, "StringNotLike": {"ward:AgentCommand": "rm *"},
                      "NumericEquals": {"ward:MultiFactorAuthAge": 1}, "NumericNotEquals": {"ward:MultiFactorAuthAge": "2"},
                      "NumericLessThan": {"ward:MultiFactorAuthAge": "3"},
                      "NumericLessThanEquals": {"ward:MultiFactorAuthAge": "4.5"},
                      "NumericGreaterThan": {"ward:MultiFactorAuthAge": "-1"},
                      "NumericGreaterThanEquals": {"ward:MultiFactorAuthAge": "0"},
                      "DateEquals": {"ward:CurrentTime": "2025-01-01"},
                      "DateNotEquals": {"ward:CurrentTime": "2025-01-01T00:00:00Z"},
                      "DateLessThan": {"ward:CurrentTime": "1735689600"},
                      "DateLessThanEquals": {"ward:CurrentTime": 1735689600},
                      "DateGreaterThan": {"ward:EpochTime": "2025-01-01T00:00:00+01:00"},
                      "DateGreaterThanEquals": {"ward:CurrentTime": "2025-01-01T00:00:00.5Z"},
                      "Bool": {"ward:SecureTransport": true}, "IpAddress": {"ward:SourceIp": "10.0.0.0/8"},
                      "NotIpAddress": {"ward:SourceIp": "2001:db8::/32"}, "Null": {"ward:TokenId": "true"},
                      "StringEqualsIfExists": {"ward:AuthMethod": "oidc"},
                      "ForAnyValue:StringEquals": {"ward:PrincipalGroups": "a"},
                      "ForAllValues:StringLikeIfExists": {"ward:PrincipalGroups": "a*"}
                    })"),
                    kOk},
        GrammarCase{"OperatorCase",
                    with_condition(R"({"stringequals": {"ward:AuthMethod": "oidc"}})"),
                    {{"error", kC + "/stringequals"}}},
        GrammarCase{"UnknownOperator",
                    with_condition(R"({"ArnLike": {"ward:AuthMethod": "oidc"}})"),
                    {{"error", kC + "/ArnLike"}}},
        GrammarCase{"NullIfExists",
                    with_condition(R"({"NullIfExists": {"ward:TokenId": "true"}})"),
                    {{"error", kC + "/NullIfExists"}}},
        GrammarCase{"ForAnyValueNull",
                    with_condition(R"({"ForAnyValue:Null": {"ward:TokenId": "true"}})"),
                    {{"error", kC + "/ForAnyValue:Null"}}},
        GrammarCase{
            "OperatorNotObject", with_condition(R"({"Bool": "true"})"), {{"error", kC + "/Bool"}}},
        GrammarCase{"OperatorEmpty", with_condition(R"({"Bool": {}})"), {{"error", kC + "/Bool"}}},
        GrammarCase{"KeyWithoutPrefix",
                    with_condition(R"({"Bool": {"secure": "true"}})"),
                    {{"error", kC + "/Bool/secure"}}},
        GrammarCase{"NoValues",
                    with_condition(R"({"Bool": {"ward:SecureTransport": []}})"),
                    {{"error", kC + "/Bool/ward:SecureTransport"}}},
        GrammarCase{"ObjectValue",
                    with_condition(R"({"StringEquals": {"ward:AuthMethod": {"a": 1}}})"),
                    {{"error", kC + "/StringEquals/ward:AuthMethod"}}},
        GrammarCase{"BadBool",
                    with_condition(R"({"Bool": {"ward:SecureTransport": ["true", "yes"]}})"),
                    {{"error", kC + "/Bool/ward:SecureTransport/1"}}},
        GrammarCase{"BadNull",
                    with_condition(R"({"Null": {"ward:TokenId": "maybe"}})"),
                    {{"error", kC + "/Null/ward:TokenId"}}},
        GrammarCase{"BadNumber",
                    with_condition(R"({"NumericEquals": {"ward:MultiFactorAuthAge": "1e3"}})"),
                    {{"error", kC + "/NumericEquals/ward:MultiFactorAuthAge"}}},
        GrammarCase{"BadDate",
                    with_condition(R"({"DateLessThan": {"ward:CurrentTime": "2025-02-30"}})"),
                    {{"error", kC + "/DateLessThan/ward:CurrentTime"}}},
        GrammarCase{
            "BadCidr",
            with_condition(
                R"({"IpAddress": {"ward:SourceIp": ["10.0.0.0/8", "10.0.0.0/33", "2001:db8::/129"]}})"),
            {{"error", kC + "/IpAddress/ward:SourceIp/1"},
             {"error", kC + "/IpAddress/ward:SourceIp/2"}}},
        GrammarCase{"BadVariable",
                    with_condition(R"({"StringEquals": {"ward:AuthMethod": "${ward:nobody}"}})"),
                    {{"error", kC + "/StringEquals/ward:AuthMethod"}}},
        GrammarCase{"UncataloguedKeyWarns",
                    with_condition(R"({"StringEquals": {"acme:costcentre": "42"}})"),
                    {{"warning", kC + "/StringEquals/acme:costcentre"}}},
        GrammarCase{"MistypedKeyWarns",
                    with_condition(R"({"Bool": {"ward:MultiFactorAuthPresnt": "true"}})"),
                    {{"warning", kC + "/Bool/ward:MultiFactorAuthPresnt"}}},
        GrammarCase{"OperatorUnsuitedToKeyWarns",
                    with_condition(R"({"IpAddress": {"ward:username": "10.0.0.1"}})"),
                    {{"warning", kC + "/IpAddress/ward:username"}}},
        GrammarCase{
            "PointerEscapes",
            with_condition(R"({"Bool": {"acme:a/b~c": "maybe"}})"),
            {{"warning", kC + "/Bool/acme:a~1b~0c"}, {"error", kC + "/Bool/acme:a~1b~0c"}}}));

TEST(PolicyParserTest, MistypedKeySuggestsTheCataloguedOne) {
  PolicyParse parsed =
      parse_policy(with_condition(R"({"Bool": {"ward:MultiFactorAuthPresnt": "true"}})"), "p");
  EXPECT_NE(message_at(parsed, kC + "/Bool/ward:MultiFactorAuthPresnt")
                .find("did you mean \"ward:MultiFactorAuthPresent\"?"),
            std::string::npos);
}

TEST(PolicyParserTest, RefusesOversizedDocuments) {
  std::string big =
      R"({"Version": "2024-01-01", "Id": ")" + std::string(kMaxPolicyBytes, 'x') + "\"}";
  PolicyParse parsed = parse_policy(big, "big.json");
  ASSERT_EQ(parsed.diagnostics.size(), 1u);
  EXPECT_EQ(parsed.diagnostics[0].path, "");
  EXPECT_NE(parsed.diagnostics[0].message.find("at most 65536 bytes"), std::string::npos);
}

TEST(PolicyParserTest, RefusesTooManyStatements) {
  std::string statements;
  for (std::size_t i = 0; i <= kMaxPolicyStatements; ++i) {
    statements +=
        std::string(i ? "," : "") + R"({"Effect": "Allow", "Action": "*", "Resource": "*"})";
  }
  PolicyParse parsed =
      parse_policy(R"({"Version": "2024-01-01", "Statement": [)" + statements + "]}", "p");
  EXPECT_EQ(errors_and_warnings(parsed), (Diagnostics{{"error", "/Statement"}}));
  EXPECT_NE(message_at(parsed, "/Statement").find("at most 100"), std::string::npos);
}

TEST(PolicyParserTest, RefusesOverlongStrings) {
  PolicyParse parsed = parse_policy(
      with_resource("ward:eu:acme:workspace/" + std::string(kMaxPolicyStringBytes, 'a')), "p");
  EXPECT_EQ(errors_and_warnings(parsed), kResourceError);
}

TEST(PolicyParserTest, SurvivesDeepNesting) {
  std::string deep = R"({"Version": "2024-01-01", "Statement": )" + std::string(20000, '[') +
                     std::string(20000, ']') + "}";
  PolicyParse parsed = parse_policy(deep, "p");
  EXPECT_EQ(errors_and_warnings(parsed), (Diagnostics{{"error", ""}}));
  EXPECT_NE(message_at(parsed, "").find("levels deep"), std::string::npos);
}

TEST(PolicyParserTest, ReadsPolicyFiles) {
  ward::test::TempDir dir;
  ward::test::write_text(dir / "p.json", with_action("ward:Chat"));
  auto text = read_policy_file(dir / "p.json");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, with_action("ward:Chat"));
  auto missing = read_policy_file(dir / "missing.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().where(), (dir / "missing.json").string());
  ward::test::write_text(dir / "big.json", std::string(kMaxPolicyBytes + 1, ' '));
  auto big = read_policy_file(dir / "big.json");
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code(), core::Code::kResourceExhausted);
}

TEST(PolicyParserTest, DiagnosticErrorNamesFileAndPointer) {
  core::Error error =
      diagnostic_error({DiagnosticSeverity::kError, "/Statement/2/Effect", "bad"}, "p.json");
  EXPECT_EQ(error.code(), core::Code::kInvalidArgument);
  EXPECT_EQ(error.to_string(), "p.json#/Statement/2/Effect: bad");
  EXPECT_EQ(json_pointer_escape("a/b~c"), "a~1b~0c");
}

}  // namespace
}  // namespace ward::gov
