// Structural rules through scan_text(): call patterns with the file's imports resolved (Python,
// JavaScript/TypeScript, Go, Java, C/C++), argument constraints, name wildcards, tree-sitter
// query rules, the built-in rules' deterministic fixes, suppression comments and fingerprints.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "scan/fix.h"
#include "scan/scanner.h"
#include "scan_test_support.h"
#include "support/test_support.h"

namespace ward::scan {
namespace {

using test::TempDir;
using test::write_text;

// A rule file: metadata for `languages`, then `body`.
std::string rule_file(const std::string& id, const std::string& languages,
                      const std::string& body) {
  return "id = \"" + id +
         "\"\n"
         "title = \"Test rule " +
         id +
         "\"\n"
         "description = \"d\"\n"
         "remediation = \"r\"\n"
         "severity = \"medium\"\n"
         "confidence = \"high\"\n"
         "languages = " +
         languages + "\n" + body;
}

// Rule files written into a temp dir, loaded with the built-in rules.
class ScanPatternTest : public ::testing::Test {
 protected:
  void add_rule(const std::string& id, const std::string& languages, const std::string& body) {
    write_text(dir_ / (id + ".toml"), rule_file(id, languages, body));
  }
  RuleSet load() {
    auto rules = RuleSet::load({dir_.path()});
    EXPECT_TRUE(rules.ok()) << rules.error().to_string();
    if (!rules.ok()) throw std::runtime_error(rules.error().to_string());
    return std::move(*rules);
  }
  ScanResult scan_source(const RuleSet& rules, const std::string& text, const std::string& name) {
    auto result = scan_text(rules, text, name);
    EXPECT_TRUE(result.ok()) << result.error().to_string();
    if (!result.ok()) throw std::runtime_error(result.error().to_string());
    return std::move(*result);
  }
  TempDir dir_;
};

// --- Python imports -----------------------------------------------------------------------------

TEST_F(ScanPatternTest, AFromImportAliasResolvesToTheQualifiedName) {
  add_rule("python.t-system", "[\"python\"]", "[[match]]\ncall = [\"os.system\"]\n");
  RuleSet rules = load();
  auto result = scan_source(rules,
                            "from os import system as run\n"
                            "\n"
                            "def f(x):\n"
                            "    run(x)\n",
                            "a.py");
  auto found = of_rule(result, "python.t-system");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].span.start_line, 4u);
  EXPECT_EQ(found[0].span.start_column, 5u);
  EXPECT_EQ(found[0].span.end_column, 11u);  // `run(x)` ends after column 10
  EXPECT_NE(found[0].message.find("os.system"), std::string::npos) << found[0].message;
}

TEST_F(ScanPatternTest, ALocalFunctionWithTheSameNameIsNotTheImportedOne) {
  add_rule("python.t-system", "[\"python\"]", "[[match]]\ncall = [\"os.system\"]\n");
  RuleSet rules = load();
  auto result = scan_source(rules,
                            "import os\n"
                            "def system(x):\n"
                            "    return x\n"
                            "system('ls')\n"
                            "os.system('ls')\n",
                            "a.py");
  EXPECT_EQ(lines_of(result, "python.t-system"), std::vector<uint32_t>{5});
}

TEST_F(ScanPatternTest, AModuleAliasResolves) {
  add_rule("python.t-subprocess", "[\"python\"]", "[[match]]\ncall = [\"subprocess.call\"]\n");
  RuleSet rules = load();
  auto result = scan_source(rules,
                            "import subprocess as sp\n"
                            "sp.call(cmd)\n"
                            "sp.run(cmd)\n"
                            "subprocess.call(cmd)\n",
                            "a.py");
  // Line 4 names the module directly (a qualified name even without its own import).
  EXPECT_EQ(lines_of(result, "python.t-subprocess"), (std::vector<uint32_t>{2, 4}));
}

TEST_F(ScanPatternTest, AFromImportOfASubmoduleResolves) {
  add_rule("python.t-loads", "[\"python\"]",
           "[[match]]\ncall = [\"xml.etree.ElementTree.fromstring\"]\n");
  RuleSet rules = load();
  auto result = scan_source(rules,
                            "from xml.etree import ElementTree as ET\n"
                            "ET.fromstring(data)\n"
                            "ET.tostring(data)\n",
                            "a.py");
  EXPECT_EQ(lines_of(result, "python.t-loads"), std::vector<uint32_t>{2});
}

// --- argument constraints -----------------------------------------------------------------------

TEST_F(ScanPatternTest, KeywordAndPositionalConstraints) {
  add_rule("python.t-matches", "[\"python\"]",
           "[[match]]\ncall = [\"lib.f\"]\n[[match.argument]]\nkeyword = \"mode\"\nmatches = "
           "'^True$'\n");
  add_rule("python.t-not-matches", "[\"python\"]",
           "[[match]]\ncall = [\"lib.g\"]\n[[match.argument]]\nkeyword = \"check\"\nnot-matches = "
           "'^True$'\n");
  add_rule(
      "python.t-absent", "[\"python\"]",
      "[[match]]\ncall = [\"lib.h\"]\n[[match.argument]]\nkeyword = \"timeout\"\nabsent = true\n");
  add_rule("python.t-literal", "[\"python\"]",
           "[[match]]\ncall = [\"lib.k\"]\n[[match.argument]]\nindex = 0\nliteral = true\n");
  add_rule("python.t-not-literal", "[\"python\"]",
           "[[match]]\ncall = [\"lib.n\"]\n[[match.argument]]\nindex = 0\nliteral = false\n");
  add_rule("python.t-either", "[\"python\"]",
           "[[match]]\ncall = [\"lib.m\"]\n[[match.argument]]\nindex = 1\nkeyword = \"mode\"\n"
           "matches = '^.fast.$'\n");
  RuleSet rules = load();
  auto result = scan_source(rules,
                            "import lib\n"
                            "lib.f(1, mode=True)\n"    // 2: matches
                            "lib.f(1, mode=False)\n"   // 3
                            "lib.f(1)\n"               // 4: a value is required
                            "lib.g(check=False)\n"     // 5: matches
                            "lib.g(check=True)\n"      // 6
                            "lib.g()\n"                // 7: only forbidding: holds when absent
                            "lib.h(url)\n"             // 8: matches
                            "lib.h(url, timeout=5)\n"  // 9
                            "lib.k('abc')\n"           // 10: matches
                            "lib.k(name)\n"            // 11
                            "lib.k(f'{name}')\n"       // 12: interpolated: not a plain literal
                            "lib.n(name)\n"            // 13: matches
                            "lib.n('abc')\n"           // 14
                            "lib.m(1, 'fast')\n"       // 15: matches (position 1)
                            "lib.m(1, mode='fast')\n"  // 16: matches (keyword)
                            "lib.m(1, 'slow')\n"       // 17
                            "lib.m(1)\n",              // 18
                            "a.py");
  EXPECT_EQ(lines_of(result, "python.t-matches"), std::vector<uint32_t>{2});
  EXPECT_EQ(lines_of(result, "python.t-not-matches"), (std::vector<uint32_t>{5, 7}));
  EXPECT_EQ(lines_of(result, "python.t-absent"), std::vector<uint32_t>{8});
  EXPECT_EQ(lines_of(result, "python.t-literal"), std::vector<uint32_t>{10});
  EXPECT_EQ(lines_of(result, "python.t-not-literal"), std::vector<uint32_t>{13});
  EXPECT_EQ(lines_of(result, "python.t-either"), (std::vector<uint32_t>{15, 16}));
}

TEST_F(ScanPatternTest, AllConstraintsOfAMatchMustHold) {
  add_rule("python.t-both", "[\"python\"]",
           "[[match]]\ncall = [\"lib.f\"]\n"
           "[[match.argument]]\nkeyword = \"a\"\nmatches = '^1$'\n"
           "[[match.argument]]\nkeyword = \"b\"\nmatches = '^2$'\n");
  RuleSet rules = load();
  auto result = scan_source(rules,
                            "lib.f(a=1, b=2)\n"
                            "lib.f(a=1, b=3)\n"
                            "lib.f(a=0, b=2)\n"
                            "lib.f(b=2, a=1)\n",
                            "a.py");
  EXPECT_EQ(lines_of(result, "python.t-both"), (std::vector<uint32_t>{1, 4}));
}

// --- name wildcards -----------------------------------------------------------------------------

TEST_F(ScanPatternTest, StarMatchesOneSegmentAndDoubleStarAnyNumber) {
  add_rule("python.t-star", "[\"python\"]", "[[match]]\ncall = [\"pkg.*\"]\n");
  add_rule("python.t-globstar", "[\"python\"]", "[[match]]\ncall = [\"deep.**\"]\n");
  add_rule("python.t-receiver", "[\"python\"]", "[[match]]\ncall = [\"*.execute\"]\n");
  RuleSet rules = load();
  auto result = scan_source(rules,
                            "import pkg, deep\n"
                            "pkg.a(1)\n"           // 2: star
                            "pkg.a.b(1)\n"         // 3: two segments: not star
                            "deep.x(1)\n"          // 4: globstar
                            "deep.x.y.z(1)\n"      // 5: globstar
                            "deeper.x(1)\n"        // 6: a different first segment
                            "cursor.execute(q)\n"  // 7: any receiver
                            "execute(q)\n"         // 8: no receiver
                            "cursor.executemany(q)\n",
                            "a.py");
  EXPECT_EQ(lines_of(result, "python.t-star"), std::vector<uint32_t>{2});
  EXPECT_EQ(lines_of(result, "python.t-globstar"), (std::vector<uint32_t>{4, 5}));
  EXPECT_EQ(lines_of(result, "python.t-receiver"), std::vector<uint32_t>{7});
}

// --- other languages ----------------------------------------------------------------------------

TEST_F(ScanPatternTest, JavaScriptRequireAndImportAliases) {
  add_rule("javascript.t-exec", "[\"javascript\", \"typescript\"]",
           "[[match]]\ncall = [\"child_process.exec\"]\n");
  RuleSet rules = load();
  auto required = scan_source(rules,
                              "const cp = require('child_process');\n"
                              "function f(x) {\n"
                              "  cp.exec(x);\n"
                              "  cp.spawn(x);\n"
                              "}\n",
                              "a.js");
  EXPECT_EQ(lines_of(required, "javascript.t-exec"), std::vector<uint32_t>{3});

  auto destructured = scan_source(rules,
                                  "const { exec, spawn: run } = require('child_process');\n"
                                  "exec(x);\n"
                                  "run(x);\n",
                                  "b.js");
  EXPECT_EQ(lines_of(destructured, "javascript.t-exec"), std::vector<uint32_t>{2});

  auto imported = scan_source(rules,
                              "import { exec as sh } from 'child_process';\n"
                              "import * as cp from 'child_process';\n"
                              "sh(x);\n"
                              "cp.exec(x);\n"
                              "exec(x);\n",  // not imported under this name
                              "c.mjs");
  EXPECT_EQ(lines_of(imported, "javascript.t-exec"), (std::vector<uint32_t>{3, 4}));

  auto typescript = scan_source(rules,
                                "import { exec } from \"child_process\";\n"
                                "export function f(cmd: string): void {\n"
                                "  exec(cmd);\n"
                                "}\n",
                                "d.ts");
  EXPECT_EQ(lines_of(typescript, "javascript.t-exec"), std::vector<uint32_t>{3});

  // A Python file is not in the rule's languages.
  auto python = scan_source(rules, "import child_process\nchild_process.exec(x)\n", "e.py");
  EXPECT_TRUE(lines_of(python, "javascript.t-exec").empty());
}

TEST_F(ScanPatternTest, GoImportPathsNameThePackage) {
  add_rule("go.t-command", "[\"go\"]", "[[match]]\ncall = [\"os/exec.Command\"]\n");
  RuleSet rules = load();
  auto plain = scan_source(rules,
                           "package main\n"
                           "\n"
                           "import \"os/exec\"\n"
                           "\n"
                           "func f(x string) {\n"
                           "\texec.Command(x)\n"
                           "}\n",
                           "a.go");
  EXPECT_EQ(lines_of(plain, "go.t-command"), std::vector<uint32_t>{6});

  auto aliased = scan_source(rules,
                             "package main\n"
                             "\n"
                             "import (\n"
                             "\t\"fmt\"\n"
                             "\tsh \"os/exec\"\n"
                             ")\n"
                             "\n"
                             "func f(x string) {\n"
                             "\tfmt.Println(x)\n"
                             "\tsh.Command(x)\n"
                             "}\n",
                             "b.go");
  EXPECT_EQ(lines_of(aliased, "go.t-command"), std::vector<uint32_t>{10});

  // Another package whose last path element is also "exec".
  auto other = scan_source(rules,
                           "package main\n"
                           "\n"
                           "import \"example.com/tools/exec\"\n"
                           "\n"
                           "func f(x string) {\n"
                           "\texec.Command(x)\n"
                           "}\n",
                           "c.go");
  EXPECT_TRUE(lines_of(other, "go.t-command").empty());
}

TEST_F(ScanPatternTest, JavaImportsNameTheClass) {
  add_rule("java.t-connection", "[\"java\"]",
           "[[match]]\ncall = [\"java.sql.DriverManager.getConnection\"]\n");
  add_rule("java.t-ois", "[\"java\"]", "[[match]]\ncall = [\"java.io.ObjectInputStream\"]\n");
  RuleSet rules = load();
  auto result = scan_source(rules,
                            "import java.io.InputStream;\n"
                            "import java.io.ObjectInputStream;\n"
                            "import java.sql.DriverManager;\n"
                            "\n"
                            "class A {\n"
                            "  void f(String url, InputStream in) throws Exception {\n"
                            "    DriverManager.getConnection(url);\n"
                            "    new ObjectInputStream(in);\n"
                            "    DriverManager.getDrivers();\n"
                            "  }\n"
                            "}\n",
                            "A.java");
  EXPECT_EQ(lines_of(result, "java.t-connection"), std::vector<uint32_t>{7});
  EXPECT_EQ(lines_of(result, "java.t-ois"), std::vector<uint32_t>{8});

  auto other = scan_source(rules,
                           "import com.acme.DriverManager;\n"
                           "\n"
                           "class B {\n"
                           "  void f(String url) {\n"
                           "    DriverManager.getConnection(url);\n"
                           "  }\n"
                           "}\n",
                           "B.java");
  EXPECT_TRUE(lines_of(other, "java.t-connection").empty());
}

TEST_F(ScanPatternTest, CAndCppCalls) {
  add_rule("c.t-system", "[\"c\", \"cpp\"]", "[[match]]\ncall = [\"system\", \"strcpy\"]\n");
  RuleSet rules = load();
  auto c = scan_source(rules,
                       "#include <stdlib.h>\n"
                       "#include <string.h>\n"
                       "void f(const char *cmd, char *dst, struct ops *o) {\n"
                       "  system(cmd);\n"
                       "  strcpy(dst, cmd);\n"
                       "  strncpy(dst, cmd, 4);\n"
                       "  o->system(cmd);\n"
                       "}\n",
                       "a.c");
  EXPECT_EQ(lines_of(c, "c.t-system"), (std::vector<uint32_t>{4, 5}));

  auto cpp = scan_source(rules,
                         "#include <cstdlib>\n"
                         "void f(const char *cmd) {\n"
                         "  std::system(cmd);\n"
                         "}\n",
                         "a.cpp");
  EXPECT_EQ(lines_of(cpp, "c.t-system"), std::vector<uint32_t>{3});
}

// --- tree-sitter query rules --------------------------------------------------------------------

TEST_F(ScanPatternTest, QueryRulesWithEqAndMatchPredicates) {
  add_rule("python.t-query-eq", "[\"python\"]",
           "[[query]]\npattern = '''((assignment left: (identifier) @name right: (true)) @match "
           "(#eq? @name \"TESTING\"))'''\n");
  add_rule("python.t-query-match", "[\"python\"]",
           "[[query]]\npattern = '''((call function: (identifier) @fn) @match "
           "(#match? @fn \"^danger_[a-z]+$\"))'''\n");
  add_rule("python.t-query-not-eq", "[\"python\"]",
           "[[query]]\npattern = '''((call function: (identifier) @fn) "
           "(#not-eq? @fn \"print\") (#match? @fn \"^p\"))'''\n");
  RuleSet rules = load();
  auto result = scan_source(rules,
                            "TESTING = True\n"    // 1: eq
                            "TESTINGX = True\n"   // 2
                            "TESTING = False\n"   // 3
                            "danger_zone(1)\n"    // 4: match
                            "danger_Zone(1)\n"    // 5
                            "x = danger_two()\n"  // 6: match
                            "print(1)\n"          // 7
                            "pprint(1)\n",        // 8: not-eq + match
                            "settings.py");
  auto eq = of_rule(result, "python.t-query-eq");
  ASSERT_EQ(eq.size(), 1u);
  EXPECT_EQ(eq[0].span.start_line, 1u);
  // The @match capture (the whole assignment) is the location.
  EXPECT_EQ(eq[0].span.start_column, 1u);
  EXPECT_EQ(eq[0].span.end_column, 15u);
  EXPECT_EQ(lines_of(result, "python.t-query-match"), (std::vector<uint32_t>{4, 6}));
  auto negated = of_rule(result, "python.t-query-not-eq");
  ASSERT_EQ(negated.size(), 1u);
  EXPECT_EQ(negated[0].span.start_line, 8u);
  // Without @match the first capture (@fn) is the location.
  EXPECT_EQ(negated[0].span.start_column, 1u);
  EXPECT_EQ(negated[0].span.end_column, 7u);
}

// --- fixes of the built-in rules ----------------------------------------------------------------

std::string apply_all(const std::string& text, const std::vector<Finding>& findings) {
  std::vector<Fix> fixes;
  for (const auto& finding : findings) {
    if (finding.fix) fixes.push_back(*finding.fix);
  }
  auto outcome = apply_fixes(text, fixes);
  EXPECT_TRUE(outcome.ok()) << outcome.error().to_string();
  return outcome.ok() ? outcome->text : std::string();
}

TEST_F(ScanPatternTest, YamlLoadIsFixedToSafeLoad) {
  RuleSet rules = load();
  const std::string text =
      "import yaml\n"
      "a = yaml.load(text)\n"
      "b = yaml.load(text, Loader=yaml.Loader)\n"
      "c = yaml.load(text, Loader=yaml.SafeLoader)\n"
      "d = yaml.safe_load(text)\n";
  auto result = scan_source(rules, text, "a.py");
  auto found = of_rule(result, "python.yaml-load");
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].span.start_line, 2u);
  EXPECT_EQ(found[1].span.start_line, 3u);
  for (const auto& finding : found) ASSERT_TRUE(finding.fix.has_value()) << finding.span.start_line;
  EXPECT_EQ(apply_all(text, found),
            "import yaml\n"
            "a = yaml.safe_load(text)\n"
            "b = yaml.safe_load(text)\n"
            "c = yaml.load(text, Loader=yaml.SafeLoader)\n"
            "d = yaml.safe_load(text)\n");
}

TEST_F(ScanPatternTest, MD5IsFixedToSHA256) {
  RuleSet rules = load();
  const std::string text =
      "import hashlib\n"
      "h = hashlib.md5(data).hexdigest()\n"
      "k = hashlib.md5(data, usedforsecurity=False)\n"
      "s = hashlib.sha256(data)\n";
  auto result = scan_source(rules, text, "a.py");
  auto found = of_rule(result, "python.weak-hash");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].span.start_line, 2u);
  ASSERT_TRUE(found[0].fix.has_value());
  EXPECT_EQ(apply_all(text, found),
            "import hashlib\n"
            "h = hashlib.sha256(data).hexdigest()\n"
            "k = hashlib.md5(data, usedforsecurity=False)\n"
            "s = hashlib.sha256(data)\n");
}

// A fix, when one is offered, must keep the call meaning "hash this data": hashlib.new('md5', d)
// must not become hashlib.sha256('md5', d).
TEST_F(ScanPatternTest, HashlibNewWithMD5GetsNoWrongFix) {
  RuleSet rules = load();
  const std::string text = "import hashlib\nh = hashlib.new('md5', data)\n";
  auto result = scan_source(rules, text, "a.py");
  auto found = of_rule(result, "python.weak-hash-by-name");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].span.start_line, 2u);
  if (found[0].fix) {
    const std::string fixed = apply_all(text, found);
    EXPECT_TRUE(fixed == "import hashlib\nh = hashlib.new('sha256', data)\n" ||
                fixed == "import hashlib\nh = hashlib.sha256(data)\n")
        << fixed;
  }
}

// A rename fix must leave a call of an API that exists: PyCryptodome's MD5 module has no
// `sha256`, and cryptography's hashes.MD5() becomes hashes.SHA256(), not hashes.sha256().
TEST_F(ScanPatternTest, WeakHashFixesForOtherLibrariesNameARealAPI) {
  RuleSet rules = load();
  const std::string text =
      "from Crypto.Hash import MD5\n"
      "from cryptography.hazmat.primitives import hashes\n"
      "a = MD5.new(data)\n"
      "b = hashes.MD5()\n";
  auto result = scan_source(rules, text, "a.py");
  auto found = of_rule(result, "python.weak-hash");
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].span.start_line, 3u);
  EXPECT_EQ(found[1].span.start_line, 4u);
  const std::string fixed = apply_all(text, found);
  EXPECT_EQ(fixed.find("MD5.sha256("), std::string::npos) << fixed;
  EXPECT_EQ(fixed.find("hashes.sha256("), std::string::npos) << fixed;
  if (found[1].fix) {
    EXPECT_NE(fixed.find("b = hashes.SHA256()\n"), std::string::npos) << fixed;
  }
}

TEST_F(ScanPatternTest, ShellTrueWithAConstantCommandBecomesAnArgumentList) {
  RuleSet rules = load();
  const std::string text =
      "import subprocess\n"
      "subprocess.run(\"ls -l /tmp\", shell=True)\n"
      "subprocess.call('git status', shell=True, check=False)\n";
  auto result = scan_source(rules, text, "a.py");
  auto found = of_rule(result, "python.subprocess-shell-true");
  ASSERT_EQ(found.size(), 2u);
  for (const auto& finding : found) ASSERT_TRUE(finding.fix.has_value()) << finding.span.start_line;
  const std::string fixed = apply_all(text, found);
  EXPECT_EQ(fixed,
            "import subprocess\n"
            "subprocess.run([\"ls\", \"-l\", \"/tmp\"])\n"
            "subprocess.call(['git', 'status'], check=False)\n");
  // The fixed file no longer has the finding.
  auto rescanned = scan_source(rules, fixed, "a.py");
  EXPECT_TRUE(of_rule(rescanned, "python.subprocess-shell-true").empty());
}

TEST_F(ScanPatternTest, ShellSyntaxInTheCommandGetsNoFix) {
  RuleSet rules = load();
  const std::string text =
      "import subprocess\n"
      "subprocess.run(\"ls -l | grep x\", shell=True)\n"
      "subprocess.run(\"echo $HOME\", shell=True)\n"
      "subprocess.run(\"cat a > b\", shell=True)\n";
  auto result = scan_source(rules, text, "a.py");
  auto found = of_rule(result, "python.subprocess-shell-true");
  ASSERT_EQ(found.size(), 3u);
  for (const auto& finding : found) {
    EXPECT_FALSE(finding.fix.has_value()) << "line " << finding.span.start_line;
  }
}

TEST_F(ScanPatternTest, ShellTrueWithAVariableCommandIsNotThisRule) {
  RuleSet rules = load();
  auto result = scan_source(rules,
                            "import subprocess\n"
                            "subprocess.run(cmd, shell=True)\n"
                            "subprocess.run('ls', shell=False)\n",
                            "a.py");
  EXPECT_TRUE(of_rule(result, "python.subprocess-shell-true").empty());
}

// --- suppression comments -----------------------------------------------------------------------

TEST_F(ScanPatternTest, SuppressionComments) {
  RuleSet rules = load();
  auto result =
      scan_source(rules,
                  "import yaml\n"
                  "a = yaml.load(x)  # ward: ignore[python.yaml-load]\n"  // 2: suppressed
                  "# ward: ignore\n"
                  "b = yaml.load(x)\n"                  // 4: suppressed
                  "c = yaml.load(x)  # ward: ignore\n"  // 5: suppressed
                  "x = 1\n"
                  "d = yaml.load(x)  # ward: ignore[python.weak-hash]\n"  // 7: reported
                  "# ward: ignore[python.weak-hash, python.yaml-load]\n"
                  "e = yaml.load(x)\n"  // 9: suppressed
                  "# ward: ignore\n"
                  "\n"
                  "f = yaml.load(x)\n"                                       // 12: reported
                  "g = yaml.load(x)\n"                                       // 13: reported
                  "h = yaml.load(x)  # ward: ignore[python.yaml-loader]\n",  // 14: reported
                  "a.py");
  EXPECT_EQ(lines_of(result, "python.yaml-load"), (std::vector<uint32_t>{7, 12, 13, 14}));
}

TEST_F(ScanPatternTest, ASuppressionOnTheLineBelowDoesNotCount) {
  RuleSet rules = load();
  auto result = scan_source(rules,
                            "import yaml\n"
                            "a = yaml.load(x)\n"
                            "# ward: ignore[python.yaml-load]\n",
                            "a.py");
  EXPECT_EQ(lines_of(result, "python.yaml-load"), std::vector<uint32_t>{2});
}

// --- fingerprints -------------------------------------------------------------------------------

TEST_F(ScanPatternTest, FingerprintsSurviveLinesInsertedAbove) {
  RuleSet rules = load();
  auto before = scan_source(rules, "import yaml\ndata = yaml.load(text)\n", "app.py");
  auto after = scan_source(rules,
                           "import yaml\n"
                           "import os\n"
                           "\n"
                           "# Loading the configuration.\n"
                           "data = yaml.load(text)\n",
                           "app.py");
  auto first = of_rule(before, "python.yaml-load");
  auto second = of_rule(after, "python.yaml-load");
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(first[0].span.start_line, 2u);
  EXPECT_EQ(second[0].span.start_line, 5u);
  EXPECT_FALSE(first[0].fingerprint.empty());
  EXPECT_EQ(first[0].fingerprint, second[0].fingerprint);
}

TEST_F(ScanPatternTest, IdenticalFindingsInOneFileHaveDifferentFingerprints) {
  RuleSet rules = load();
  auto result = scan_source(rules,
                            "import yaml\n"
                            "data = yaml.load(text)\n"
                            "data = yaml.load(text)\n",
                            "app.py");
  auto found = of_rule(result, "python.yaml-load");
  ASSERT_EQ(found.size(), 2u);
  EXPECT_FALSE(found[0].fingerprint.empty());
  EXPECT_NE(found[0].fingerprint, found[1].fingerprint);
}

TEST_F(ScanPatternTest, FingerprintsDependOnTheFileAndTheFlaggedText) {
  RuleSet rules = load();
  const std::string text = "import yaml\ndata = yaml.load(text)\n";
  auto a = of_rule(scan_source(rules, text, "a.py"), "python.yaml-load");
  auto b = of_rule(scan_source(rules, text, "b.py"), "python.yaml-load");
  auto changed = of_rule(scan_source(rules, "import yaml\ndata = yaml.load(other)\n", "a.py"),
                         "python.yaml-load");
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_NE(a[0].fingerprint, b[0].fingerprint);
  EXPECT_NE(a[0].fingerprint, changed[0].fingerprint);
}

}  // namespace
}  // namespace ward::scan
