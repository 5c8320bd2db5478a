// RuleSet::load: the built-in rules, an organisation's extra rules directory, and the errors a
// rule author gets for a rule that does not validate (each names the file and the key).

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "scan/compiled_rules.h"
#include "scan/language.h"
#include "scan/scanner.h"
#include "support/test_support.h"

namespace ward::scan {
namespace {

using test::TempDir;
using test::write_text;

// A complete, valid rule's metadata; `body` (tables such as [[match]]) follows it.
std::string rule_text(const std::string& id, const std::string& body) {
  return "id = \"" + id +
         "\"\n"
         "title = \"Organisation rule\"\n"
         "description = \"Something the organisation forbids.\"\n"
         "remediation = \"Do something else.\"\n"
         "severity = \"high\"\n"
         "confidence = \"high\"\n"
         "cwe = [78]\n"
         "languages = [\"python\"]\n" +
         body;
}

const std::string kCallBody = "[[match]]\ncall = [\"acme.internal.danger\"]\n";

// Loads the built-in rules plus `dir`, expecting an invalid_argument error.
core::Error load_error(const std::filesystem::path& dir) {
  auto rules = RuleSet::load({dir});
  EXPECT_FALSE(rules.ok()) << "the rules loaded although they should not";
  if (rules.ok()) return core::Error(core::Code::kInternal, "", "loaded");
  EXPECT_EQ(rules.error().code(), core::Code::kInvalidArgument) << rules.error().to_string();
  return rules.error();
}

size_t count_rule(const ScanResult& result, const std::string& id) {
  return static_cast<size_t>(std::count_if(result.findings.begin(), result.findings.end(),
                                           [&](const Finding& f) { return f.rule_id == id; }));
}

TEST(ScanRuleSet, BuiltInRulesLoadWithUniqueIdsPrefixedByTheirLanguage) {
  auto rules = RuleSet::load();
  ASSERT_TRUE(rules.ok()) << rules.error().to_string();
  ASSERT_FALSE(rules->rules().empty());
  std::set<std::string> ids;
  for (const auto& rule : rules->rules()) {
    EXPECT_TRUE(ids.insert(rule.id).second) << "duplicate id " << rule.id;
    EXPECT_FALSE(rule.title.empty()) << rule.id;
    EXPECT_FALSE(rule.description.empty()) << rule.id;
    EXPECT_FALSE(rule.remediation.empty()) << rule.id;
    if (rule.id.starts_with("secrets.")) continue;
    ASSERT_FALSE(rule.languages.empty()) << rule.id << " has no language and is not a secret rule";
    const std::string prefix = std::string(language_name(rule.languages.front())) + ".";
    EXPECT_TRUE(rule.id.starts_with(prefix)) << rule.id << " does not start with " << prefix;
  }
  // Rules this project documents and the CLI tests rely on.
  for (const char* id :
       {"python.sql-injection", "python.command-injection", "python.yaml-load", "python.weak-hash",
        "python.subprocess-shell-true", "secrets.github-token"}) {
    EXPECT_NE(rules->find(id), nullptr) << id;
  }
  EXPECT_EQ(rules->find("python.no-such-rule"), nullptr);
  const RuleInfo* sql = rules->find("python.sql-injection");
  ASSERT_NE(sql, nullptr);
  EXPECT_EQ(sql->severity, Severity::kCritical);
  EXPECT_EQ(sql->cwe, std::vector<int>{89});
}

// The built-in rules' queries are compiled when a scan first needs them, not by RuleSet::load
// (see QueryPattern::parse), so a mistake in one would only show in a scan of its language.
TEST(ScanRuleSet, EveryBuiltInQueryCompiles) {
  auto rules = RuleSet::load();
  ASSERT_TRUE(rules.ok()) << rules.error().to_string();
  size_t queries = 0;
  for (const auto& rule : rules->compiled().rules) {
    for (const auto& query : rule.queries) {
      auto status = query.compile();
      EXPECT_TRUE(status.ok()) << rule.info.id << ": " << status.error().to_string();
      ++queries;
    }
  }
  EXPECT_GT(queries, 0u);
}

TEST(ScanRuleSet, AnExtraDirectoryAddsItsRulesIncludingSubdirectoriesAndIgnoresOtherFiles) {
  auto builtin = RuleSet::load();
  ASSERT_TRUE(builtin.ok()) << builtin.error().to_string();
  TempDir dir;
  write_text(dir / "danger.toml", rule_text("python.acme-danger", kCallBody));
  write_text(dir / "nested/deeper/other.toml",
             rule_text("python.acme-other", "[[match]]\ncall = [\"acme.other\"]\n"));
  // Not a rule file: must not be read (it is not even TOML).
  write_text(dir / "README.md", "# rules = [ not toml\n");
  auto rules = RuleSet::load({dir.path()});
  ASSERT_TRUE(rules.ok()) << rules.error().to_string();
  EXPECT_EQ(rules->rules().size(), builtin->rules().size() + 2);
  const RuleInfo* danger = rules->find("python.acme-danger");
  ASSERT_NE(danger, nullptr);
  EXPECT_EQ(danger->title, "Organisation rule");
  EXPECT_EQ(danger->severity, Severity::kHigh);
  EXPECT_EQ(danger->confidence, Confidence::kHigh);
  EXPECT_EQ(danger->cwe, std::vector<int>{78});
  EXPECT_EQ(danger->languages, std::vector<Language>{Language::kPython});
  EXPECT_NE(danger->source.string().find("danger.toml"), std::string::npos) << danger->source;
  EXPECT_NE(rules->find("python.acme-other"), nullptr);
  // The built-in rules are still there.
  EXPECT_NE(rules->find("python.sql-injection"), nullptr);
}

TEST(ScanRuleSet, AnOrganisationRuleFiresThroughScanText) {
  TempDir dir;
  write_text(dir / "danger.toml", rule_text("python.acme-danger", kCallBody));
  auto rules = RuleSet::load({dir.path()});
  ASSERT_TRUE(rules.ok()) << rules.error().to_string();
  const std::string source =
      "from acme.internal import danger\n"
      "\n"
      "def f(x):\n"
      "    danger(x)\n"
      "    safe(x)\n";
  auto result = scan_text(*rules, source, "app.py");
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  ASSERT_EQ(count_rule(*result, "python.acme-danger"), 1u);
  for (const auto& finding : result->findings) {
    if (finding.rule_id != "python.acme-danger") continue;
    EXPECT_EQ(finding.span.start_line, 4u);
    EXPECT_EQ(finding.span.start_column, 5u);
    EXPECT_EQ(finding.severity, Severity::kHigh);
    EXPECT_NE(finding.message.find("acme.internal.danger"), std::string::npos) << finding.message;
  }
  // The built-in rule set alone knows nothing of it.
  auto builtin = RuleSet::load();
  ASSERT_TRUE(builtin.ok());
  auto plain = scan_text(*builtin, source, "app.py");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(count_rule(*plain, "python.acme-danger"), 0u);
}

// A query whose #match? regex starts with fixed text is not run on a file without that text (see
// QueryPattern::run); wherever the file has it, the query still finds its matches, also when the
// text occurs elsewhere first.
TEST(ScanRuleSet, AQueryWithAMatchPredicateFindsEveryMatchOfItsText) {
  TempDir dir;
  write_text(dir / "acme.toml",
             rule_text("python.acme-call",
                       "[[query]]\npattern = '''((call function: (identifier) @name) @match "
                       "(#match? @name \"^acme_(run|start)$\"))'''\n"));
  auto rules = RuleSet::load({dir.path()});
  ASSERT_TRUE(rules.ok()) << rules.error().to_string();
  auto count = [&](const std::string& source) -> size_t {
    auto result = scan_text(*rules, source, "app.py");
    EXPECT_TRUE(result.ok()) << result.error().to_string();
    return result.ok() ? count_rule(*result, "python.acme-call") : 0;
  };
  EXPECT_EQ(count("# acme_ tools\nacme_run()\nx = acme_start(1)\nacme_stop()\n"), 2u);
  EXPECT_EQ(count("run()\nstart(1)\n"), 0u);
  EXPECT_EQ(count("acme_runner()\n"), 0u);
}

TEST(ScanRuleSet, AMissingRulesDirectoryIsAnErrorNamingIt) {
  TempDir dir;
  auto error = load_error(dir / "no-such-dir");
  EXPECT_NE(error.to_string().find("no-such-dir"), std::string::npos) << error.to_string();
}

TEST(ScanRuleSet, InvalidTomlNamesTheFileAndLine) {
  TempDir dir;
  write_text(dir / "broken.toml", "id = \"python.x\"\ntitle = \"x\"\nseverity = = \"high\"\n");
  auto error = load_error(dir.path());
  EXPECT_NE(error.where().find("broken.toml"), std::string::npos) << error.to_string();
  EXPECT_NE(error.where().find(":3"), std::string::npos) << error.to_string();
  EXPECT_NE(error.message().find("TOML"), std::string::npos) << error.to_string();
}

TEST(ScanRuleSet, AMissingTitleNamesTheFileAndKey) {
  TempDir dir;
  write_text(
      dir / "untitled.toml",
      "id = \"python.untitled\"\n"
      "description = \"d\"\nremediation = \"r\"\nseverity = \"high\"\nconfidence = \"high\"\n"
      "languages = [\"python\"]\n" +
          kCallBody);
  auto error = load_error(dir.path());
  EXPECT_NE(error.where().find("untitled.toml"), std::string::npos) << error.to_string();
  EXPECT_NE(error.message().find("`title`"), std::string::npos) << error.to_string();
}

TEST(ScanRuleSet, AnUnknownKeyIsReportedAsATypo) {
  TempDir dir;
  write_text(
      dir / "typo.toml",
      "id = \"python.typo\"\ntitle = \"t\"\n"
      "description = \"d\"\nremediation = \"r\"\nseverity = \"high\"\nconfidence = \"high\"\n"
      "severtiy = \"low\"\nlanguages = [\"python\"]\n" +
          kCallBody);
  auto error = load_error(dir.path());
  EXPECT_NE(error.where().find("typo.toml"), std::string::npos) << error.to_string();
  EXPECT_NE(error.message().find("`severtiy`"), std::string::npos) << error.to_string();
}

TEST(ScanRuleSet, AnUnknownKeyInsideAMatchTableIsReported) {
  TempDir dir;
  write_text(dir / "typo.toml", rule_text("python.typo",
                                          "[[match]]\ncall = [\"os.system\"]\n[[match.argument]]\n"
                                          "index = 0\nmatchs = 'x'\n"));
  auto error = load_error(dir.path());
  EXPECT_NE(error.where().find("typo.toml"), std::string::npos) << error.to_string();
  EXPECT_NE(error.message().find("match[0].argument[0].matchs"), std::string::npos)
      << error.to_string();
}

TEST(ScanRuleSet, ABadSeverityNamesTheKey) {
  TempDir dir;
  std::string text = rule_text("python.bad-severity", kCallBody);
  text.replace(text.find("severity = \"high\""), 17, "severity = \"severe\"");
  write_text(dir / "severity.toml", text);
  auto error = load_error(dir.path());
  EXPECT_NE(error.where().find("severity.toml"), std::string::npos) << error.to_string();
  EXPECT_NE(error.message().find("`severity`"), std::string::npos) << error.to_string();
}

TEST(ScanRuleSet, ABadLanguageNamesTheKeyAndTheLanguage) {
  TempDir dir;
  std::string text = rule_text("python.bad-language", kCallBody);
  text.replace(text.find("[\"python\"]"), 10, "[\"python\", \"cobol\"]");
  write_text(dir / "language.toml", text);
  auto error = load_error(dir.path());
  EXPECT_NE(error.where().find("language.toml"), std::string::npos) << error.to_string();
  EXPECT_NE(error.message().find("`languages`"), std::string::npos) << error.to_string();
  EXPECT_NE(error.message().find("cobol"), std::string::npos) << error.to_string();
}

TEST(ScanRuleSet, AnInvalidArgumentRegexNamesTheNestedKey) {
  TempDir dir;
  write_text(dir / "regex.toml", rule_text("python.bad-regex",
                                           "[[match]]\ncall = [\"subprocess.run\"]\n"
                                           "[[match.argument]]\nkeyword = \"shell\"\n"
                                           "matches = '^(True$'\n"));
  auto error = load_error(dir.path());
  EXPECT_NE(error.where().find("regex.toml"), std::string::npos) << error.to_string();
  EXPECT_NE(error.message().find("`match[0].argument[0].matches`"), std::string::npos)
      << error.to_string();
  EXPECT_NE(error.message().find("regular expression"), std::string::npos) << error.to_string();
}

TEST(ScanRuleSet, AQueryWithASyntaxErrorNamesThePatternKey) {
  TempDir dir;
  write_text(
      dir / "query.toml",
      rule_text("python.bad-query",
                "[[query]]\npattern = '''((assignment left: (identifier) @name) @match'''\n"));
  auto error = load_error(dir.path());
  EXPECT_NE(error.where().find("query.toml"), std::string::npos) << error.to_string();
  EXPECT_NE(error.message().find("`query[0].pattern`"), std::string::npos) << error.to_string();
  EXPECT_NE(error.message().find("syntax error"), std::string::npos) << error.to_string();
}

TEST(ScanRuleSet, AQueryWithAnUnknownNodeTypeIsRejected) {
  TempDir dir;
  write_text(dir / "query.toml",
             rule_text("python.bad-node", "[[query]]\npattern = '''(no_such_node) @match'''\n"));
  auto error = load_error(dir.path());
  EXPECT_NE(error.where().find("query.toml"), std::string::npos) << error.to_string();
  EXPECT_NE(error.message().find("`query[0].pattern`"), std::string::npos) << error.to_string();
}

TEST(ScanRuleSet, AnUnknownSetReferenceInTaintNamesTheKeyAndTheSet) {
  TempDir dir;
  write_text(dir / "taint.toml",
             rule_text("python.bad-set",
                       "[taint]\nsources = [\"@no-such-set\"]\n"
                       "[[taint.sink]]\ncall = [\"os.system\"]\narguments = [0]\n"));
  auto error = load_error(dir.path());
  EXPECT_NE(error.where().find("taint.toml"), std::string::npos) << error.to_string();
  EXPECT_NE(error.message().find("`taint.sources`"), std::string::npos) << error.to_string();
  EXPECT_NE(error.message().find("@no-such-set"), std::string::npos) << error.to_string();
}

TEST(ScanRuleSet, ABuiltInSetCanBeUsedByAnOrganisationRule) {
  TempDir dir;
  write_text(dir / "taint.toml",
             rule_text("python.acme-taint",
                       "[taint]\nsources = [\"@python-untrusted-input\"]\n"
                       "[[taint.sink]]\ncall = [\"acme.run\"]\narguments = [0]\n"));
  auto rules = RuleSet::load({dir.path()});
  ASSERT_TRUE(rules.ok()) << rules.error().to_string();
  auto result = scan_text(*rules,
                          "import acme\nimport sys\n\ndef main():\n    arg = sys.argv[1]\n"
                          "    acme.run(arg)\n    acme.run('constant')\n",
                          "tool.py");
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  ASSERT_EQ(count_rule(*result, "python.acme-taint"), 1u);
  for (const auto& finding : result->findings) {
    if (finding.rule_id == "python.acme-taint") {
      EXPECT_EQ(finding.span.start_line, 6u);
    }
  }
}

TEST(ScanRuleSet, ASetMayNameOtherSets) {
  TempDir dir;
  write_text(dir / "sets.toml",
             "set = \"acme-input\"\nitems = [\"@python-untrusted-input\", \"acme.read\"]\n");
  write_text(dir / "taint.toml",
             rule_text("python.acme-nested",
                       "[taint]\nsources = [\"@acme-input\"]\n"
                       "[[taint.sink]]\ncall = [\"acme.run\"]\narguments = [0]\n"));
  auto rules = RuleSet::load({dir.path()});
  ASSERT_TRUE(rules.ok()) << rules.error().to_string();
  auto result = scan_text(*rules,
                          "import acme\nimport sys\n\ndef main():\n    acme.run(sys.argv[1])\n"
                          "    acme.run(acme.read())\n    acme.run('constant')\n",
                          "tool.py");
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  EXPECT_EQ(count_rule(*result, "python.acme-nested"), 2u);
}

TEST(ScanRuleSet, ASetThatContainsItselfIsAnError) {
  TempDir dir;
  write_text(dir / "a.toml", "set = \"acme-a\"\nitems = [\"@acme-b\"]\n");
  write_text(dir / "b.toml", "set = \"acme-b\"\nitems = [\"x\", \"@acme-a\"]\n");
  write_text(dir / "taint.toml",
             rule_text("python.acme-loop",
                       "[taint]\nsources = [\"@acme-a\"]\n"
                       "[[taint.sink]]\ncall = [\"acme.run\"]\narguments = [0]\n"));
  auto error = load_error(dir.path());
  EXPECT_NE(error.where().find("taint.toml"), std::string::npos) << error.to_string();
  EXPECT_NE(error.message().find("contains itself"), std::string::npos) << error.to_string();
}

TEST(ScanRuleSet, ARangeCheckMustSayWhichBound) {
  TempDir dir;
  write_text(dir / "range.toml",
             rule_text("python.acme-range",
                       "[taint]\nsources = [\"sys.argv\"]\nrange-checks = \"sideways\"\n"
                       "[[taint.sink]]\narithmetic = [\"+\"]\n"));
  auto error = load_error(dir.path());
  EXPECT_NE(error.where().find("range.toml"), std::string::npos) << error.to_string();
  EXPECT_NE(error.message().find("`taint.range-checks`"), std::string::npos) << error.to_string();
  EXPECT_NE(error.message().find("\"upper\""), std::string::npos) << error.to_string();
}

TEST(ScanRuleSet, ADuplicateIdInTwoFilesNamesTheSecondFileAndTheId) {
  TempDir dir;
  write_text(dir / "a.toml", rule_text("python.acme-twice", kCallBody));
  write_text(dir / "b.toml", rule_text("python.acme-twice", kCallBody));
  auto error = load_error(dir.path());
  EXPECT_NE(error.where().find("b.toml"), std::string::npos) << error.to_string();
  EXPECT_NE(error.message().find("python.acme-twice"), std::string::npos) << error.to_string();
}

TEST(ScanRuleSet, AnOrganisationRuleCannotReuseABuiltInId) {
  TempDir dir;
  write_text(dir / "shadow.toml", rule_text("python.sql-injection", kCallBody));
  auto error = load_error(dir.path());
  EXPECT_NE(error.where().find("shadow.toml"), std::string::npos) << error.to_string();
  EXPECT_NE(error.message().find("python.sql-injection"), std::string::npos) << error.to_string();
}

TEST(ScanRuleSet, ARuleThatMatchesNothingIsRejected) {
  TempDir dir;
  write_text(dir / "empty.toml", rule_text("python.acme-empty", ""));
  auto error = load_error(dir.path());
  EXPECT_NE(error.where().find("empty.toml"), std::string::npos) << error.to_string();
  EXPECT_NE(error.message().find("`match`"), std::string::npos) << error.to_string();
  EXPECT_NE(error.message().find("matches nothing"), std::string::npos) << error.to_string();
}

TEST(ScanRuleSet, AMatchWithoutACallIsRejected) {
  TempDir dir;
  write_text(dir / "nocall.toml", rule_text("python.acme-nocall", "[[match]]\ncall = []\n"));
  auto error = load_error(dir.path());
  EXPECT_NE(error.where().find("nocall.toml"), std::string::npos) << error.to_string();
  EXPECT_NE(error.message().find("`match[0].call`"), std::string::npos) << error.to_string();
}

TEST(ScanRuleSet, AnErrorInOneRuleFailsTheWholeLoad) {
  // A good rule next to a bad one: nothing is loaded, rather than a silently partial rule set.
  TempDir dir;
  write_text(dir / "a-good.toml", rule_text("python.acme-good", kCallBody));
  std::string bad = rule_text("python.acme-bad", kCallBody);
  bad.replace(bad.find("confidence = \"high\""), 19, "confidence = \"certain\"");
  write_text(dir / "z-bad.toml", bad);
  auto error = load_error(dir.path());
  EXPECT_NE(error.where().find("z-bad.toml"), std::string::npos) << error.to_string();
  EXPECT_NE(error.message().find("`confidence`"), std::string::npos) << error.to_string();
}

}  // namespace
}  // namespace ward::scan
