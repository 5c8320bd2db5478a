#include "gov/policy/pattern.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>

namespace ward::gov {
namespace {

struct WildcardCase {
  const char* pattern;
  const char* text;
  bool ignore_case;
  bool expected;
};

// CTest names each case by what this prints: pattern~text~case~expected.
void PrintTo(const WildcardCase& c, std::ostream* os) {
  *os << c.pattern << "~" << c.text << "~" << (c.ignore_case ? "nocase" : "case") << "~"
      << (c.expected ? "match" : "nomatch");
}

class PolicyWildcardTest : public ::testing::TestWithParam<WildcardCase> {};

TEST_P(PolicyWildcardTest, Matches) {
  const auto& c = GetParam();
  EXPECT_EQ(wildcard_match(c.pattern, c.text, c.ignore_case), c.expected)
      << "pattern \"" << c.pattern << "\" text \"" << c.text << "\"";
}

INSTANTIATE_TEST_SUITE_P(
    Table, PolicyWildcardTest,
    ::testing::Values(
        WildcardCase{"*", "", false, true}, WildcardCase{"*", "anything:at/all", false, true},
        WildcardCase{"", "", false, true}, WildcardCase{"", "a", false, false},
        WildcardCase{"abc", "abc", false, true}, WildcardCase{"abc", "abcd", false, false},
        WildcardCase{"abc", "ab", false, false}, WildcardCase{"a*b", "ab", false, true},
        WildcardCase{"a*b", "axxb", false, true}, WildcardCase{"a*b", "axxbc", false, false},
        WildcardCase{"a*b*", "axxbc", false, true}, WildcardCase{"a?c", "abc", false, true},
        WildcardCase{"a?c", "ac", false, false}, WildcardCase{"a?c", "abbc", false, false},
        WildcardCase{"??", "ab", false, true}, WildcardCase{"?", "\xC3\xA9", false, true},
        WildcardCase{"caf?", "caf\xC3\xA9", false, true},
        WildcardCase{"*a*b*c*", "xaybzc", false, true},
        WildcardCase{"*a*b*c*", "xaybz", false, false}, WildcardCase{"**", "x", false, true},
        WildcardCase{"ward:*:acme:*", "ward:eu-west-2:acme:workspace/app", false, true},
        WildcardCase{"ward:*:acme:*", "ward:eu-west-2:other:workspace/app", false, false},
        WildcardCase{"ward:eu-*:acme:workspace/*", "ward:eu-west-2:acme:workspace/a/b", false,
                     true},
        WildcardCase{"Workspace/*", "workspace/x", false, false},
        WildcardCase{"Workspace/*", "workspace/x", true, true},
        WildcardCase{"ward:agent*", "WARD:AgentRun", true, true},
        WildcardCase{"ward:agent*", "ward:AgentRun", false, false},
        WildcardCase{"ward:Agent?un", "ward:AgentRun", true, true},
        WildcardCase{"ward:Admin*", "ward:AuditRead", true, false}));

TEST(PolicyPatternTest, PathologicalPatternsStayFast) {
  std::string text(2048, 'a');
  std::string pattern;
  for (int i = 0; i < 200; ++i) pattern += "*a";
  pattern += "*b";
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(wildcard_match(pattern, text, false));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(PolicyPatternTest, EscapesAreLiteralCharacters) {
  auto pattern = Pattern::parse("a${*}b${?}c${$}", {.wildcards = true, .variables = true});
  ASSERT_TRUE(pattern.ok()) << pattern.error().to_string();
  EXPECT_FALSE(pattern->has_wildcards());
  EXPECT_TRUE(pattern->matches("a*b?c$", false));
  EXPECT_FALSE(pattern->matches("axb?c$", false));
  EXPECT_FALSE(pattern->matches("a*bxc$", false));
}

TEST(PolicyPatternTest, DollarWithoutBraceIsLiteral) {
  auto pattern = Pattern::parse("cost$5*", {.wildcards = true, .variables = true});
  ASSERT_TRUE(pattern.ok());
  EXPECT_TRUE(pattern->matches("cost$5 and more", false));
}

TEST(PolicyPatternTest, WildcardsCanBeTurnedOff) {
  auto pattern = Pattern::parse("a*", {.wildcards = false, .variables = true});
  ASSERT_TRUE(pattern.ok());
  EXPECT_TRUE(pattern->matches("a*", false));
  EXPECT_FALSE(pattern->matches("abc", false));
  EXPECT_EQ(pattern->literal_text(), "a*");
}

TEST(PolicyPatternTest, VariablesAreSubstitutedAsLiteralText) {
  auto pattern = Pattern::parse("ward:*:${ward:tenant}:user/${ward:username}",
                                {.wildcards = true, .variables = true});
  ASSERT_TRUE(pattern.ok());
  EXPECT_TRUE(pattern->has_variables());
  std::map<std::string, std::string> values = {{"ward:tenant", "acme"}, {"ward:username", "a*"}};
  auto lookup = [&values](std::string_view name) -> std::optional<std::string> {
    auto it = values.find(std::string(name));
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
  auto resolved = pattern->resolve(lookup);
  ASSERT_TRUE(resolved.ok());
  EXPECT_TRUE(resolved->matches("ward:eu:acme:user/a*", false));
  // The `*` in the user name is not a wildcard.
  EXPECT_FALSE(resolved->matches("ward:eu:acme:user/alice", false));
  EXPECT_FALSE(resolved->matches("ward:eu:other:user/a*", false));
  // An unresolved pattern matches nothing.
  EXPECT_FALSE(pattern->matches("ward:eu:acme:user/a*", false));
}

TEST(PolicyPatternTest, MissingVariableIsNamed) {
  auto pattern =
      Pattern::parse("team/${ward:PrincipalTag/team}", {.wildcards = true, .variables = true});
  ASSERT_TRUE(pattern.ok());
  auto resolved = pattern->resolve([](std::string_view) { return std::nullopt; });
  ASSERT_FALSE(resolved.ok());
  EXPECT_NE(resolved.error().message().find("${ward:PrincipalTag/team}"), std::string::npos)
      << resolved.error().message();
}

TEST(PolicyPatternTest, VariableNamesAreCaseInsensitiveAndCanonical) {
  auto pattern = Pattern::parse("${WARD:UserName}/${ward:principaltag/Team}",
                                {.wildcards = true, .variables = true});
  ASSERT_TRUE(pattern.ok());
  ASSERT_EQ(pattern->parts().size(), 3u);
  EXPECT_EQ(pattern->parts()[0].text, "ward:username");
  EXPECT_EQ(pattern->parts()[2].text, "ward:PrincipalTag/Team");
}

TEST(PolicyPatternTest, RejectsUnknownAndUnclosedVariables) {
  auto unknown = Pattern::parse("${aws:username}", {.wildcards = true, .variables = true});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message().find("unknown policy variable `${aws:username}`"),
            std::string::npos)
      << unknown.error().message();
  auto unclosed = Pattern::parse("x${ward:username", {.wildcards = true, .variables = true});
  ASSERT_FALSE(unclosed.ok());
  EXPECT_NE(unclosed.error().message().find("not closed"), std::string::npos);
  auto empty_tag = Pattern::parse("${ward:PrincipalTag/}", {.wildcards = true, .variables = true});
  EXPECT_FALSE(empty_tag.ok());
  // Without variables, `${` is just text.
  EXPECT_TRUE(Pattern::parse("${aws:username}", {.wildcards = true, .variables = false}).ok());
}

}  // namespace
}  // namespace ward::gov
