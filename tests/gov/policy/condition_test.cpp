// Table-driven tests of every condition operator family, with the AWS IAM semantics that
// docs/policies.md describes: OR across a key's values, AND across keys and operators, negated
// operators, missing keys, …IfExists, ForAnyValue:/ForAllValues:, Null, and policy variables.

#include "gov/policy/condition.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "policy_test_util.h"

namespace ward::gov {
namespace {

using Context = std::vector<std::pair<std::string, std::vector<std::string>>>;

struct ConditionCase {
  std::string name;
  std::string condition;  // the JSON object of Condition
  Context context;
  bool expected;
  bool expect_problem = false;
};

// CTest names each case by what this prints, e.g. Strings/PolicyConditionTest.Holds/EqualsMatches.
void PrintTo(const ConditionCase& c, std::ostream* os) {
  *os << c.name;
}

class PolicyConditionTest : public ::testing::TestWithParam<ConditionCase> {};

TEST_P(PolicyConditionTest, Holds) {
  const auto& c = GetParam();
  auto policy = test::must_parse(
      test::one_statement("Allow", R"("*")", R"("*")", R"("Condition": )" + c.condition));
  ASSERT_NE(policy, nullptr);
  RequestContext context;
  for (const auto& [key, values] : c.context) context.set(key, values);
  std::vector<core::Error> problems;
  bool holds = true;
  for (const auto& clause : policy->statements.at(0).conditions) {
    holds = evaluate_condition(clause, context, problems) && holds;
  }
  EXPECT_EQ(holds, c.expected) << c.condition;
  EXPECT_EQ(!problems.empty(), c.expect_problem)
      << (problems.empty() ? std::string("no problem") : problems.front().to_string());
}

const char* kRegion = "ward:RequestedRegion";

INSTANTIATE_TEST_SUITE_P(
    Strings, PolicyConditionTest,
    ::testing::Values(
        ConditionCase{"EqualsMatches",
                      R"({"StringEquals": {"ward:RequestedRegion": "eu-west-2"}})",
                      {{kRegion, {"eu-west-2"}}},
                      true},
        ConditionCase{"EqualsIsCaseSensitive",
                      R"({"StringEquals": {"ward:RequestedRegion": "eu-west-2"}})",
                      {{kRegion, {"EU-WEST-2"}}},
                      false},
        ConditionCase{"EqualsMissingKeyIsFalse",
                      R"({"StringEquals": {"ward:RequestedRegion": "eu-west-2"}})",
                      {},
                      false},
        ConditionCase{"EqualsValuesAreOred",
                      R"({"StringEquals": {"ward:RequestedRegion": ["us-east-1", "eu-west-2"]}})",
                      {{kRegion, {"eu-west-2"}}},
                      true},
        ConditionCase{"EqualsTreatsWildcardsLiterally",
                      R"({"StringEquals": {"ward:AgentCommand": "git *"}})",
                      {{"ward:AgentCommand", {"git push"}}},
                      false},
        ConditionCase{"EqualsLiteralStar",
                      R"({"StringEquals": {"ward:AgentCommand": "git *"}})",
                      {{"ward:AgentCommand", {"git *"}}},
                      true},
        ConditionCase{"KeyNamesAreCaseInsensitive",
                      R"({"StringEquals": {"WARD:requestedregion": "eu-west-2"}})",
                      {{kRegion, {"eu-west-2"}}},
                      true},
        ConditionCase{"NotEqualsNoneMatch",
                      R"({"StringNotEquals": {"ward:RequestedRegion": ["a", "b"]}})",
                      {{kRegion, {"c"}}},
                      true},
        ConditionCase{"NotEqualsOneMatches",
                      R"({"StringNotEquals": {"ward:RequestedRegion": ["a", "b"]}})",
                      {{kRegion, {"b"}}},
                      false},
        ConditionCase{"NotEqualsMissingKeyIsTrue",
                      R"({"StringNotEquals": {"ward:RequestedRegion": "a"}})",
                      {},
                      true},
        ConditionCase{"EqualsIgnoreCase",
                      R"({"StringEqualsIgnoreCase": {"ward:RequestedRegion": "EU-West-2"}})",
                      {{kRegion, {"eu-west-2"}}},
                      true},
        ConditionCase{"EqualsIgnoreCaseStillExact",
                      R"({"StringEqualsIgnoreCase": {"ward:RequestedRegion": "EU-West"}})",
                      {{kRegion, {"eu-west-2"}}},
                      false},
        ConditionCase{"NotEqualsIgnoreCase",
                      R"({"StringNotEqualsIgnoreCase": {"ward:RequestedRegion": "EU-WEST-2"}})",
                      {{kRegion, {"eu-west-2"}}},
                      false},
        ConditionCase{"NotEqualsIgnoreCaseDifferent",
                      R"({"StringNotEqualsIgnoreCase": {"ward:RequestedRegion": "EU-WEST-1"}})",
                      {{kRegion, {"eu-west-2"}}},
                      true},
        ConditionCase{"LikeStar",
                      R"({"StringLike": {"ward:RequestedRegion": "eu-*"}})",
                      {{kRegion, {"eu-west-2"}}},
                      true},
        ConditionCase{"LikeQuestionMark",
                      R"({"StringLike": {"ward:RequestedRegion": "eu-west-?"}})",
                      {{kRegion, {"eu-west-2"}}},
                      true},
        ConditionCase{"LikeNoMatch",
                      R"({"StringLike": {"ward:RequestedRegion": "eu-*"}})",
                      {{kRegion, {"us-east-1"}}},
                      false},
        ConditionCase{"LikeIsCaseSensitive",
                      R"({"StringLike": {"ward:RequestedRegion": "EU-*"}})",
                      {{kRegion, {"eu-west-2"}}},
                      false},
        ConditionCase{"LikeEscapedStarIsLiteral",
                      R"({"StringLike": {"ward:AgentCommand": "rm ${*}"}})",
                      {{"ward:AgentCommand", {"rm -rf"}}},
                      false},
        ConditionCase{"NotLike",
                      R"({"StringNotLike": {"ward:AgentCommand": ["rm *", "sudo *"]}})",
                      {{"ward:AgentCommand", {"make test"}}},
                      true},
        ConditionCase{"NotLikeMatches",
                      R"({"StringNotLike": {"ward:AgentCommand": ["rm *", "sudo *"]}})",
                      {{"ward:AgentCommand", {"sudo reboot"}}},
                      false},
        ConditionCase{"NotLikeMissingKeyIsTrue",
                      R"({"StringNotLike": {"ward:AgentCommand": "rm *"}})",
                      {},
                      true},
        ConditionCase{
            "KeysUnderOneOperatorAreAnded",
            R"({"StringEquals": {"ward:RequestedRegion": "eu-west-2", "ward:AuthMethod": "oidc"}})",
            {{kRegion, {"eu-west-2"}}, {"ward:AuthMethod", {"password"}}},
            false},
        ConditionCase{
            "KeysUnderOneOperatorAllHold",
            R"({"StringEquals": {"ward:RequestedRegion": "eu-west-2", "ward:AuthMethod": "oidc"}})",
            {{kRegion, {"eu-west-2"}}, {"ward:AuthMethod", {"oidc"}}},
            true},
        ConditionCase{
            "OperatorsAreAnded",
            R"({"StringEquals": {"ward:AuthMethod": "oidc"}, "Bool": {"ward:SecureTransport": "true"}})",
            {{"ward:AuthMethod", {"oidc"}}, {"ward:SecureTransport", {"false"}}},
            false},
        ConditionCase{"UncataloguedKeysWork",
                      R"({"StringEquals": {"acme:costcentre": "42"}})",
                      {{"acme:costcentre", {"42"}}},
                      true}));

INSTANTIATE_TEST_SUITE_P(
    Variables, PolicyConditionTest,
    ::testing::Values(
        ConditionCase{
            "TagVariable",
            R"({"StringEquals": {"ward:RequestedRegion": "${ward:PrincipalTag/region}"}})",
            {{kRegion, {"eu-west-2"}}, {"ward:PrincipalTag/region", {"eu-west-2"}}},
            true},
        ConditionCase{
            "TagVariableDiffers",
            R"({"StringEquals": {"ward:RequestedRegion": "${ward:PrincipalTag/region}"}})",
            {{kRegion, {"eu-west-2"}}, {"ward:PrincipalTag/region", {"us-east-1"}}},
            false},
        ConditionCase{
            "MissingVariableMatchesNothing",
            R"({"StringEquals": {"ward:RequestedRegion": "${ward:PrincipalTag/region}"}})",
            {{kRegion, {"eu-west-2"}}},
            false,
            true},
        ConditionCase{
            "MissingVariableOtherValueStillMatches",
            R"({"StringEquals": {"ward:RequestedRegion": ["${ward:PrincipalTag/region}", "eu-west-2"]}})",
            {{kRegion, {"eu-west-2"}}},
            true,
            true},
        ConditionCase{"VariableInLikeIsLiteral",
                      R"({"StringLike": {"ward:AgentCommand": "${ward:username} *"}})",
                      {{"ward:AgentCommand", {"bob runs"}}, {"ward:username", {"b?b"}}},
                      false},
        ConditionCase{"VariableInLike",
                      R"({"StringLike": {"ward:AgentCommand": "${ward:username} *"}})",
                      {{"ward:AgentCommand", {"b?b runs"}}, {"ward:username", {"b?b"}}},
                      true}));

const char* kAge = "ward:MultiFactorAuthAge";

INSTANTIATE_TEST_SUITE_P(
    Numbers, PolicyConditionTest,
    ::testing::Values(
        ConditionCase{"LessThan",
                      R"({"NumericLessThan": {"ward:MultiFactorAuthAge": "3600"}})",
                      {{kAge, {"100"}}},
                      true},
        ConditionCase{"LessThanAtBound",
                      R"({"NumericLessThan": {"ward:MultiFactorAuthAge": "3600"}})",
                      {{kAge, {"3600"}}},
                      false},
        ConditionCase{"LessThanEquals",
                      R"({"NumericLessThanEquals": {"ward:MultiFactorAuthAge": 3600}})",
                      {{kAge, {"3600"}}},
                      true},
        ConditionCase{"GreaterThan",
                      R"({"NumericGreaterThan": {"ward:MultiFactorAuthAge": "10"}})",
                      {{kAge, {"10.5"}}},
                      true},
        ConditionCase{"GreaterThanEquals",
                      R"({"NumericGreaterThanEquals": {"ward:MultiFactorAuthAge": "10"}})",
                      {{kAge, {"9"}}},
                      false},
        ConditionCase{"EqualsNumerically",
                      R"({"NumericEquals": {"ward:MultiFactorAuthAge": "1.5"}})",
                      {{kAge, {"1.50"}}},
                      true},
        ConditionCase{"NotEquals",
                      R"({"NumericNotEquals": {"ward:MultiFactorAuthAge": ["1", "2"]}})",
                      {{kAge, {"3"}}},
                      true},
        ConditionCase{"NotEqualsOneMatches",
                      R"({"NumericNotEquals": {"ward:MultiFactorAuthAge": ["1", "2"]}})",
                      {{kAge, {"2"}}},
                      false},
        ConditionCase{"NegativeNumbers",
                      R"({"NumericLessThan": {"ward:MultiFactorAuthAge": "-1"}})",
                      {{kAge, {"-2"}}},
                      true},
        ConditionCase{"MissingKeyIsFalse",
                      R"({"NumericLessThan": {"ward:MultiFactorAuthAge": "3600"}})",
                      {},
                      false},
        ConditionCase{"NotEqualsMissingKeyIsTrue",
                      R"({"NumericNotEquals": {"ward:MultiFactorAuthAge": "1"}})",
                      {},
                      true},
        ConditionCase{"UnreadableRequestValue",
                      R"({"NumericLessThan": {"ward:MultiFactorAuthAge": "3600"}})",
                      {{kAge, {"soon"}}},
                      false,
                      true},
        ConditionCase{"IfExistsMissingKeyIsTrue",
                      R"({"NumericLessThanIfExists": {"ward:MultiFactorAuthAge": "3600"}})",
                      {},
                      true},
        ConditionCase{"IfExistsPresentStillCompares",
                      R"({"NumericLessThanIfExists": {"ward:MultiFactorAuthAge": "3600"}})",
                      {{kAge, {"7200"}}},
                      false}));

const char* kNow = "ward:CurrentTime";

INSTANTIATE_TEST_SUITE_P(
    Dates, PolicyConditionTest,
    ::testing::Values(
        ConditionCase{"LessThan",
                      R"({"DateLessThan": {"ward:CurrentTime": "2025-01-01T00:00:00Z"}})",
                      {{kNow, {"2024-12-31T23:59:59Z"}}},
                      true},
        ConditionCase{"LessThanWithOffset",
                      R"({"DateLessThan": {"ward:CurrentTime": "2025-01-01T00:00:00Z"}})",
                      {{kNow, {"2025-01-01T01:00:00+01:00"}}},
                      false},
        ConditionCase{"EqualsAcrossOffsets",
                      R"({"DateEquals": {"ward:CurrentTime": "2025-01-01T00:00:00Z"}})",
                      {{kNow, {"2025-01-01T01:00:00+01:00"}}},
                      true},
        ConditionCase{"EqualsEpochSeconds",
                      R"({"DateEquals": {"ward:CurrentTime": "2025-01-01"}})",
                      {{kNow, {"1735689600"}}},
                      true},
        ConditionCase{"PolicyEpochSeconds",
                      R"({"DateGreaterThan": {"ward:EpochTime": 1735689600}})",
                      {{"ward:EpochTime", {"1735689601"}}},
                      true},
        ConditionCase{"LessThanEquals",
                      R"({"DateLessThanEquals": {"ward:CurrentTime": "2025-01-01"}})",
                      {{kNow, {"2025-01-01T00:00:00.000Z"}}},
                      true},
        ConditionCase{"GreaterThanEquals",
                      R"({"DateGreaterThanEquals": {"ward:CurrentTime": "2025-01-01"}})",
                      {{kNow, {"2024-12-31T23:59:59.999Z"}}},
                      false},
        ConditionCase{"NotEquals",
                      R"({"DateNotEquals": {"ward:CurrentTime": "2025-01-01"}})",
                      {{kNow, {"2025-01-02"}}},
                      true},
        ConditionCase{"Window",
                      R"({"DateGreaterThan": {"ward:CurrentTime": "2025-01-01T09:00:00Z"},
                          "DateLessThan": {"ward:CurrentTime": "2025-01-01T17:00:00Z"}})",
                      {{kNow, {"2025-01-01T12:00:00Z"}}},
                      true},
        ConditionCase{"OutsideWindow",
                      R"({"DateGreaterThan": {"ward:CurrentTime": "2025-01-01T09:00:00Z"},
                          "DateLessThan": {"ward:CurrentTime": "2025-01-01T17:00:00Z"}})",
                      {{kNow, {"2025-01-01T18:00:00Z"}}},
                      false},
        ConditionCase{"UnreadableRequestValue",
                      R"({"DateLessThan": {"ward:CurrentTime": "2025-01-01"}})",
                      {{kNow, {"yesterday"}}},
                      false,
                      true},
        ConditionCase{"MissingKeyIsFalse",
                      R"({"DateLessThan": {"ward:CurrentTime": "2025-01-01"}})",
                      {},
                      false},
        ConditionCase{"IfExistsMissingKey",
                      R"({"DateLessThanIfExists": {"ward:CurrentTime": "2025-01-01"}})",
                      {},
                      true}));

const char* kMfa = "ward:MultiFactorAuthPresent";

INSTANTIATE_TEST_SUITE_P(
    BoolAndNull, PolicyConditionTest,
    ::testing::Values(
        ConditionCase{"BoolTrue",
                      R"({"Bool": {"ward:MultiFactorAuthPresent": "true"}})",
                      {{kMfa, {"true"}}},
                      true},
        ConditionCase{"BoolFalse",
                      R"({"Bool": {"ward:MultiFactorAuthPresent": "true"}})",
                      {{kMfa, {"false"}}},
                      false},
        ConditionCase{"BoolAnyCase",
                      R"({"Bool": {"ward:MultiFactorAuthPresent": true}})",
                      {{kMfa, {"TRUE"}}},
                      true},
        ConditionCase{"BoolMissingKeyIsFalse",
                      R"({"Bool": {"ward:MultiFactorAuthPresent": "false"}})",
                      {},
                      false},
        ConditionCase{"BoolIfExistsMissingKey",
                      R"({"BoolIfExists": {"ward:MultiFactorAuthPresent": "false"}})",
                      {},
                      true},
        ConditionCase{"BoolIfExistsPresent",
                      R"({"BoolIfExists": {"ward:MultiFactorAuthPresent": "false"}})",
                      {{kMfa, {"true"}}},
                      false},
        ConditionCase{"BoolUnreadable",
                      R"({"Bool": {"ward:MultiFactorAuthPresent": "true"}})",
                      {{kMfa, {"yes"}}},
                      false,
                      true},
        ConditionCase{"NullTrueWhenAbsent", R"({"Null": {"ward:TokenId": "true"}})", {}, true},
        ConditionCase{"NullTrueWhenPresent",
                      R"({"Null": {"ward:TokenId": "true"}})",
                      {{"ward:TokenId", {"t1"}}},
                      false},
        ConditionCase{"NullFalseWhenPresent",
                      R"({"Null": {"ward:TokenId": false}})",
                      {{"ward:TokenId", {"t1"}}},
                      true},
        ConditionCase{"NullFalseWhenAbsent", R"({"Null": {"ward:TokenId": "false"}})", {}, false},
        ConditionCase{"NullEmptySetIsAbsent",
                      R"({"Null": {"ward:PrincipalGroups": "true"}})",
                      {{"ward:PrincipalGroups", {}}},
                      true}));

const char* kIp = "ward:SourceIp";

INSTANTIATE_TEST_SUITE_P(
    IpAddresses, PolicyConditionTest,
    ::testing::Values(
        ConditionCase{"V4InBlock",
                      R"({"IpAddress": {"ward:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]}})",
                      {{kIp, {"10.1.2.3"}}},
                      true},
        ConditionCase{"V4OutsideBlock",
                      R"({"IpAddress": {"ward:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]}})",
                      {{kIp, {"192.168.0.1"}}},
                      false},
        ConditionCase{"V6InBlock",
                      R"({"IpAddress": {"ward:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]}})",
                      {{kIp, {"2001:db8:1::5"}}},
                      true},
        ConditionCase{"V6OutsideBlock",
                      R"({"IpAddress": {"ward:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]}})",
                      {{kIp, {"2001:db9::1"}}},
                      false},
        ConditionCase{"V6NonByteAlignedPrefix",
                      R"({"IpAddress": {"ward:SourceIp": "2001:db8:8000::/33"}})",
                      {{kIp, {"2001:db8:7fff::1"}}},
                      false},
        ConditionCase{"V6SingleAddress",
                      R"({"IpAddress": {"ward:SourceIp": "2001:db8::1"}})",
                      {{kIp, {"2001:0db8:0000::0001"}}},
                      true},
        ConditionCase{"MappedV4MatchesV4Block",
                      R"({"IpAddress": {"ward:SourceIp": "10.0.0.0/8"}})",
                      {{kIp, {"::ffff:10.9.8.7"}}},
                      true},
        ConditionCase{
            "MissingKeyIsFalse", R"({"IpAddress": {"ward:SourceIp": "10.0.0.0/8"}})", {}, false},
        ConditionCase{"NotIpAddressOutside",
                      R"({"NotIpAddress": {"ward:SourceIp": ["10.0.0.0/8", "fd00::/8"]}})",
                      {{kIp, {"203.0.113.7"}}},
                      true},
        ConditionCase{"NotIpAddressInside",
                      R"({"NotIpAddress": {"ward:SourceIp": ["10.0.0.0/8", "fd00::/8"]}})",
                      {{kIp, {"fd12::1"}}},
                      false},
        ConditionCase{"NotIpAddressMissingKeyIsTrue",
                      R"({"NotIpAddress": {"ward:SourceIp": "10.0.0.0/8"}})",
                      {},
                      true},
        ConditionCase{"UnreadableRequestValue",
                      R"({"IpAddress": {"ward:SourceIp": "10.0.0.0/8"}})",
                      {{kIp, {"10.0.0.0/8"}}},
                      false,
                      true},
        ConditionCase{"IfExistsMissingKey",
                      R"({"IpAddressIfExists": {"ward:SourceIp": "10.0.0.0/8"}})",
                      {},
                      true},
        ConditionCase{"NotIpAddressIfExistsPresent",
                      R"({"NotIpAddressIfExists": {"ward:SourceIp": "10.0.0.0/8"}})",
                      {{kIp, {"10.0.0.1"}}},
                      false}));

const char* kGroups = "ward:PrincipalGroups";

INSTANTIATE_TEST_SUITE_P(
    Sets, PolicyConditionTest,
    ::testing::Values(
        ConditionCase{
            "AnyValueOneMatches",
            R"({"ForAnyValue:StringEquals": {"ward:PrincipalGroups": ["admins", "sre"]}})",
            {{kGroups, {"dev", "sre"}}},
            true},
        ConditionCase{
            "AnyValueNoneMatches",
            R"({"ForAnyValue:StringEquals": {"ward:PrincipalGroups": ["admins", "sre"]}})",
            {{kGroups, {"dev"}}},
            false},
        ConditionCase{"AnyValueMissingKeyIsFalse",
                      R"({"ForAnyValue:StringEquals": {"ward:PrincipalGroups": "sre"}})",
                      {},
                      false},
        ConditionCase{"AnyValueEmptySetIsFalse",
                      R"({"ForAnyValue:StringEquals": {"ward:PrincipalGroups": "sre"}})",
                      {{kGroups, {}}},
                      false},
        ConditionCase{"AllValuesAllMatch",
                      R"({"ForAllValues:StringEquals": {"ward:PrincipalGroups": ["dev", "sre"]}})",
                      {{kGroups, {"dev", "sre"}}},
                      true},
        ConditionCase{"AllValuesOneDoesNot",
                      R"({"ForAllValues:StringEquals": {"ward:PrincipalGroups": ["dev", "sre"]}})",
                      {{kGroups, {"dev", "hr"}}},
                      false},
        ConditionCase{"AllValuesMissingKeyIsTrue",
                      R"({"ForAllValues:StringEquals": {"ward:PrincipalGroups": "dev"}})",
                      {},
                      true},
        ConditionCase{"AllValuesEmptySetIsTrue",
                      R"({"ForAllValues:StringEquals": {"ward:PrincipalGroups": "dev"}})",
                      {{kGroups, {}}},
                      true},
        ConditionCase{"AllValuesNotEquals",
                      R"({"ForAllValues:StringNotEquals": {"ward:PrincipalGroups": "admins"}})",
                      {{kGroups, {"dev", "sre"}}},
                      true},
        ConditionCase{"AllValuesNotEqualsOneIs",
                      R"({"ForAllValues:StringNotEquals": {"ward:PrincipalGroups": "admins"}})",
                      {{kGroups, {"dev", "admins"}}},
                      false},
        ConditionCase{"AnyValueNotEqualsOnlyThatOne",
                      R"({"ForAnyValue:StringNotEquals": {"ward:PrincipalGroups": "admins"}})",
                      {{kGroups, {"admins"}}},
                      false},
        ConditionCase{"AnyValueNotEqualsAnother",
                      R"({"ForAnyValue:StringNotEquals": {"ward:PrincipalGroups": "admins"}})",
                      {{kGroups, {"admins", "dev"}}},
                      true},
        ConditionCase{"AnyValueLike",
                      R"({"ForAnyValue:StringLike": {"ward:PrincipalGroups": "adm*"}})",
                      {{kGroups, {"x", "admins"}}},
                      true},
        ConditionCase{"AllValuesLike",
                      R"({"ForAllValues:StringLike": {"ward:PrincipalGroups": ["team-*", "dev"]}})",
                      {{kGroups, {"team-a", "dev", "team-b"}}},
                      true},
        ConditionCase{"NoPrefixMultiValuedIsAnyValue",
                      R"({"StringEquals": {"ward:PrincipalGroups": "sre"}})",
                      {{kGroups, {"dev", "sre"}}},
                      true},
        ConditionCase{"NoPrefixNegatedIsNoneMatch",
                      R"({"StringNotEquals": {"ward:PrincipalGroups": "sre"}})",
                      {{kGroups, {"dev", "sre"}}},
                      false},
        ConditionCase{"AnyValueIfExistsMissingKey",
                      R"({"ForAnyValue:StringEqualsIfExists": {"ward:PrincipalGroups": "sre"}})",
                      {},
                      true},
        ConditionCase{"AllValuesNumeric",
                      R"({"ForAllValues:NumericLessThan": {"acme:sizes": "10"}})",
                      {{"acme:sizes", {"1", "9"}}},
                      true},
        ConditionCase{"AllValuesNumericOneTooBig",
                      R"({"ForAllValues:NumericLessThan": {"acme:sizes": "10"}})",
                      {{"acme:sizes", {"1", "11"}}},
                      false},
        ConditionCase{
            "AllValuesIp",
            R"({"ForAllValues:IpAddress": {"acme:hops": ["10.0.0.0/8", "2001:db8::/32"]}})",
            {{"acme:hops", {"10.0.0.1", "2001:db8::9"}}},
            true}));

}  // namespace
}  // namespace ward::gov
