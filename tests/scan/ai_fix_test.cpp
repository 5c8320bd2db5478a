// The scanner's half of `ward scan --ai-fix` (scan/ai_fix.h), with the built-in rules and no
// model: the region a model is shown, the prompt, taking code out of an answer, fitting it to the
// region, and the check that accepts or rejects a proposal.

#include "scan/ai_fix.h"

#include <gtest/gtest.h>

#include <string>

#include "scan_test_support.h"

namespace ward::scan {
namespace {

const std::string kApp =
    "import sqlite3\n"                                                          // 1
    "from flask import request\n"                                               // 2
    "\n"                                                                        // 3
    "\n"                                                                        // 4
    "def lookup(db):\n"                                                         // 5
    "    name = request.args.get(\"name\")\n"                                   // 6
    "    cur = db.cursor()\n"                                                   // 7
    "    cur.execute(\"SELECT * FROM users WHERE name = '\" + name + \"'\")\n"  // 8
    "    return cur.fetchall()\n"                                               // 9
    "\n"                                                                        // 10
    "\n"                                                                        // 11
    "def ping():\n"                                                             // 12
    "    return \"pong\"\n";                                                    // 13

const std::string kFunction =
    "def lookup(db):\n"
    "    name = request.args.get(\"name\")\n"
    "    cur = db.cursor()\n"
    "    cur.execute(\"SELECT * FROM users WHERE name = '\" + name + \"'\")\n"
    "    return cur.fetchall()\n";

std::string function_with(const std::string& line) {
  return "def lookup(db):\n"
         "    name = request.args.get(\"name\")\n"
         "    cur = db.cursor()\n" +
         line + "    return cur.fetchall()\n";
}

const std::string kFixedLine = "    cur.execute(\"SELECT * FROM users WHERE name = ?\", (name,))\n";

Finding sql_finding(const RewriteSession& session) {
  for (const Finding& f : session.findings()) {
    if (f.rule_id == "python.sql-injection") return f;
  }
  ADD_FAILURE() << "no python.sql-injection finding";
  return {};
}

RewriteSession start(const std::string& text) {
  auto session = RewriteSession::start(builtin_rules(), "app.py", Language::kPython, text);
  if (!session) throw std::runtime_error(session.error().to_string());
  return std::move(*session);
}

// --- regions -----------------------------------------------------------------------------------

TEST(AiFixRegion, IsTheEnclosingFunction) {
  RewriteSession session = start(kApp);
  auto region = fix_region(kApp, Language::kPython, sql_finding(session).span);
  ASSERT_TRUE(region.ok()) << region.error().to_string();
  EXPECT_TRUE(region->whole_function);
  EXPECT_EQ(region->first_line, 5u);
  EXPECT_EQ(region->last_line, 9u);
  EXPECT_EQ(kApp.substr(region->start_byte, region->end_byte - region->start_byte), kFunction);
}

TEST(AiFixRegion, IsTheLinesAroundAFindingOutsideAFunction) {
  std::string text = "import yaml\n";
  for (int i = 0; i < 20; ++i) text += "x" + std::to_string(i) + " = " + std::to_string(i) + "\n";
  text += "data = yaml.load(open('f'))\n";  // line 22
  for (int i = 0; i < 20; ++i) text += "y" + std::to_string(i) + " = " + std::to_string(i) + "\n";
  RewriteSession session = start(text);
  ASSERT_FALSE(session.findings().empty());
  AiFixLimits limits;
  limits.context_lines = 3;
  auto region = fix_region(text, Language::kPython, session.findings()[0].span, limits);
  ASSERT_TRUE(region.ok());
  EXPECT_FALSE(region->whole_function);
  EXPECT_EQ(region->first_line, 19u);
  EXPECT_EQ(region->last_line, 25u);
}

TEST(AiFixRegion, AFunctionOverTheLimitGivesWayToLinesAround) {
  std::string text = "import yaml\n\n\ndef big():\n";
  for (int i = 0; i < 100; ++i)
    text += "    x" + std::to_string(i) + " = " + std::to_string(i) + "\n";
  text += "    return yaml.load(open('f'))\n";  // line 105
  RewriteSession session = start(text);
  ASSERT_FALSE(session.findings().empty());
  auto region = fix_region(text, Language::kPython, session.findings()[0].span);
  ASSERT_TRUE(region.ok());
  EXPECT_FALSE(region->whole_function);
  EXPECT_EQ(region->first_line, 105u - AiFixLimits{}.context_lines);
  EXPECT_EQ(region->last_line, 105u);  // the end of the file
}

TEST(AiFixRegion, AFlaggedSpanOverTheLimitIsAnError) {
  Span span;
  span.start_line = 1;
  span.end_line = 200;
  std::string text;
  for (int i = 0; i < 200; ++i) text += "x = 1\n";
  auto region = fix_region(text, Language::kPython, span);
  ASSERT_FALSE(region.ok());
  EXPECT_NE(region.error().message().find("at most 80 lines"), std::string::npos);
}

// --- the prompt --------------------------------------------------------------------------------

TEST(AiFixPrompt, HoldsTheFindingTheRuleAndTheRegionOnly) {
  RewriteSession session = start(kApp);
  Finding finding = sql_finding(session);
  auto region = fix_region(kApp, Language::kPython, finding.span);
  ASSERT_TRUE(region.ok());
  FixPrompt prompt =
      fix_prompt(finding, builtin_rules().find(finding.rule_id), Language::kPython, kApp, *region);
  EXPECT_NE(prompt.system.find("one fenced code block"), std::string::npos);
  for (const char* expected :
       {"python.sql-injection", "CWE-89", "severity critical", "Flagged code (line 8 of the file)",
        "Data flow: line 6", "How to fix it: Keep the statement constant", "File: app.py (python)",
        "lines 5-9", "```python\ndef lookup(db):\n"}) {
    EXPECT_NE(prompt.user.find(expected), std::string::npos) << expected << "\n" << prompt.user;
  }
  EXPECT_EQ(prompt.user.find("import sqlite3"), std::string::npos);
  EXPECT_EQ(prompt.user.find("pong"), std::string::npos);
}

TEST(AiFixPrompt, SecretRulesAreKnown) {
  EXPECT_TRUE(is_secret_rule(builtin_rules(), "secrets.github-token"));
  EXPECT_TRUE(is_secret_rule(builtin_rules(), "secrets.private-key"));
  EXPECT_TRUE(is_secret_rule(builtin_rules(), "c.hardcoded-password"));
  EXPECT_TRUE(is_secret_rule(builtin_rules(), "c.hardcoded-key"));
  EXPECT_FALSE(is_secret_rule(builtin_rules(), "python.sql-injection"));
  EXPECT_FALSE(is_secret_rule(builtin_rules(), "no.such-rule"));
  const std::string token = "ghp_" + std::string("aBcDeFgHiJkLmNoPqRsTuVwXyZ") + "0123456789";
  EXPECT_EQ(secret_rule_matching(builtin_rules(), "Message: x = \"" + token + "\"\n"),
            "secrets.github-token");
  EXPECT_FALSE(secret_rule_matching(builtin_rules(), "Message: x = \"hello\"\n").has_value());
}

// --- answers -----------------------------------------------------------------------------------

TEST(AiFixAnswer, TakesTheFirstFencedBlock) {
  ProposedCode code = extract_code(
      "Sure! Here it is:\n\n```python\nx = 1\n\ny = 2\n```\n\nAnd another:\n```\nz = 3\n```\n");
  EXPECT_TRUE(code.fenced);
  EXPECT_TRUE(code.closed);
  EXPECT_EQ(code.code, "x = 1\n\ny = 2");
}

TEST(AiFixAnswer, HandlesTildesBareFencesCutOffBlocksAndThoughts) {
  EXPECT_EQ(extract_code("~~~py\na()\n~~~").code, "a()");
  EXPECT_EQ(extract_code("```\na()\n```").code, "a()");
  EXPECT_EQ(extract_code("```python\na()\nb()```").code, "a()\nb()");
  ProposedCode cut = extract_code("```python\na()\nb(");
  EXPECT_TRUE(cut.fenced);
  EXPECT_FALSE(cut.closed);
  EXPECT_EQ(cut.code, "a()\nb(");
  EXPECT_EQ(extract_code("<think>use ```x``` here</think>\n```go\nf()\n```").code, "f()");
  EXPECT_EQ(extract_code("\r\n```c\r\nint x;\r\n```\r\n").code, "int x;");
}

TEST(AiFixAnswer, WithoutAFenceTheWholeAnswerIsTheCode) {
  ProposedCode code = extract_code("\n\n    x = 1\n    y = 2\n\n");
  EXPECT_FALSE(code.fenced);
  EXPECT_EQ(code.code, "    x = 1\n    y = 2");
  EXPECT_TRUE(extract_code("  \n\n").code.empty());
  EXPECT_TRUE(extract_code("```python\n```").code.empty());
}

TEST(AiFixAnswer, FitsTheRegionsIndentationLineBreaksAndFinalNewline) {
  // Came back without the method's indentation: it is put back.
  EXPECT_EQ(fit_to_region("def f(self):\n    return 1", "    def f(self):\n        return 0\n"),
            "    def f(self):\n        return 1\n");
  // Already indented: left alone; blank lines stay blank.
  EXPECT_EQ(fit_to_region("    a()\n\n    b()", "    a(x)\n    b()\n"), "    a()\n\n    b()\n");
  // CRLF regions get CRLF; no final newline when the region had none.
  EXPECT_EQ(fit_to_region("a()\nb()", "a(x)\r\nb()\r\n"), "a()\r\nb()\r\n");
  EXPECT_EQ(fit_to_region("a()", "a(x)"), "a()");
}

// --- the check ---------------------------------------------------------------------------------

struct CheckCase {
  std::string replacement;
  std::string reason;  // empty: accepted
};

RewriteSession::Verdict check(RewriteSession& session, const std::string& replacement) {
  const Finding target = sql_finding(session);
  const size_t start = kApp.find(kFunction);
  return session.try_rewrite(target, static_cast<uint32_t>(start),
                             static_cast<uint32_t>(start + kFunction.size()), replacement);
}

TEST(AiFixCheck, AcceptsAFixThatParsesAndClearsTheFinding) {
  RewriteSession session = start(kApp);
  auto verdict = check(session, function_with(kFixedLine));
  EXPECT_TRUE(verdict.accepted) << verdict.reason;
  std::string expected = kApp;
  expected.replace(expected.find(kFunction), kFunction.size(), function_with(kFixedLine));
  EXPECT_EQ(session.text(), expected);
  EXPECT_TRUE(session.findings().empty());
  EXPECT_EQ(session.syntax_errors(), 0u);
}

TEST(AiFixCheck, RejectsWithTheReason) {
  const std::vector<CheckCase> cases = {
      {kFunction, "the model returned the region unchanged"},
      {function_with("    cur.execute(\"SELECT * FROM users WHERE name = ?\", (name,)\n"),
       "the model's fix did not parse (syntax error at line "},
      {function_with("    cur.execute(\"SELECT * FROM users WHERE name = '%s'\" % name)\n"),
       "the finding remained (python.sql-injection still reports line 8)"},
      {function_with("    cur.execute(\"SELECT * FROM users WHERE name = '\" + name + \"'\")  "
                     "# ward: ignore[python.sql-injection]\n"),
       "the model's fix hides the finding behind a `ward: ignore` comment"},
      {"def lookup(db):\n    import os\n    name = request.args.get(\"name\")\n"
       "    os.system(\"echo \" + name)\n    cur = db.cursor()\n" +
           kFixedLine + "    return cur.fetchall()\n",
       "the fix introduced python.command-injection (line 8)"},
      {std::string(2000, '\n'), "the model's fix is far longer than the region"},
  };
  for (const CheckCase& c : cases) {
    RewriteSession session = start(kApp);
    auto verdict = check(session, c.replacement);
    EXPECT_FALSE(verdict.accepted) << c.replacement;
    EXPECT_EQ(verdict.reason.rfind(c.reason, 0), 0u) << verdict.reason << "\nwanted: " << c.reason;
    EXPECT_EQ(session.text(), kApp);  // a rejected proposal leaves the text as it was
  }
}

TEST(AiFixCheck, ALessSevereNewFindingDoesNotBlockTheFix) {
  RewriteSession session = start(kApp);
  // Fixes the critical SQL injection and adds a medium weak-random finding.
  auto verdict = check(session,
                       "def lookup(db):\n    import random\n    random.random()\n"
                       "    name = request.args.get(\"name\")\n    cur = db.cursor()\n" +
                           kFixedLine + "    return cur.fetchall()\n");
  EXPECT_TRUE(verdict.accepted) << verdict.reason;
}

TEST(AiFixCheck, SyntaxErrorsTheFileHadAlreadyDoNotCount) {
  const std::string broken = kApp + "\ndef broken(:\n    pass\n";
  RewriteSession session = start(broken);
  ASSERT_GT(session.syntax_errors(), 0u);
  const Finding target = sql_finding(session);
  const size_t start = broken.find(kFunction);
  auto verdict = session.try_rewrite(target, static_cast<uint32_t>(start),
                                     static_cast<uint32_t>(start + kFunction.size()),
                                     function_with(kFixedLine));
  EXPECT_TRUE(verdict.accepted) << verdict.reason;
}

TEST(AiFixCheck, FindsSecretsInARegionEvenWhenSuppressed) {
  const std::string token = "ghp_" + std::string("aBcDeFgHiJkLmNoPqRsTuVwXyZ") + "0123456789";
  for (const std::string& comment : {std::string(), std::string("  # ward: ignore")}) {
    const std::string text =
        "def f():\n    token = \"" + token + "\"" + comment + "\n    return token\n";
    RewriteSession session = start(text);
    auto secret = session.secret_in(0, static_cast<uint32_t>(text.size()));
    ASSERT_TRUE(secret.has_value()) << comment;
    EXPECT_EQ(secret->rfind("secrets.", 0), 0u) << *secret;
    EXPECT_NE(secret->find(", line 2"), std::string::npos) << *secret;
    EXPECT_EQ(secret->find("ghp_"), std::string::npos);
    EXPECT_FALSE(session.secret_in(0, static_cast<uint32_t>(text.find("    token"))).has_value());
  }
}

}  // namespace
}  // namespace ward::scan
