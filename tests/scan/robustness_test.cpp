// Whatever the bytes, scanning them must end: a result or a clear error, never a crash, a hang or
// a finding outside the text. The inputs are the rule samples of every language, mangled the way
// half-written code is (cut short, lines dropped, brackets unbalanced), deterministically.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "core/file.h"
#include "core/thread.h"
#include "scan/scanner.h"
#include "scan_test_support.h"

namespace ward::scan {
namespace {

namespace fs = std::filesystem;

std::string mangle(const std::string& text, std::mt19937& random) {
  std::string out = text;
  std::uniform_int_distribution<size_t> position(0, out.empty() ? 0 : out.size() - 1);
  switch (random() % 4) {
    case 0:  // cut short
      out.resize(position(random));
      break;
    case 1: {  // a range dropped
      size_t start = position(random);
      out.erase(start, std::min<size_t>(out.size() - start, random() % 200));
      break;
    }
    case 2:  // unbalanced brackets and quotes
      for (int i = 0; i < 8 && !out.empty(); ++i)
        out.insert(position(random), 1, "({[\"')}]`\n"[random() % 10]);
      break;
    default: {  // a range repeated
      size_t start = position(random);
      out.insert(start, out.substr(start, random() % 300));
      break;
    }
  }
  return out;
}

TEST(ScanRobustness, MangledSourcesAlwaysGiveAResult) {
  const RuleSet& rules = builtin_rules();
  std::mt19937 random(20261127);
  size_t scanned = 0;
  for (const auto& entry : fs::recursive_directory_iterator(kSamplesDir)) {
    if (!entry.is_regular_file()) continue;
    auto text = core::read_file(entry.path());
    ASSERT_TRUE(text) << text.error().to_string();
    for (int round = 0; round < 25; ++round) {
      std::string mangled = mangle(*text, random);
      auto result = scan_text(rules, mangled, entry.path().filename());
      ASSERT_TRUE(result) << entry.path() << ": " << result.error().to_string();
      for (const auto& finding : result->findings) {
        EXPECT_LE(finding.span.end_byte, mangled.size()) << entry.path() << " " << finding.rule_id;
        EXPECT_LE(finding.span.start_byte, finding.span.end_byte);
      }
      ++scanned;
    }
  }
  EXPECT_GT(scanned, 100u);
}

std::string repeat(std::string_view text, int times) {
  std::string out;
  out.reserve(text.size() * times);
  for (int i = 0; i < times; ++i) out += text;
  return out;
}

// A fake GitHub token, made here so that this source holds none: the secret rules must still see
// it in a file too deep for the other analyses.
std::string fake_token() {
  constexpr std::string_view kAlnum =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string token = "ghp_";
  for (size_t i = 0; i < 36; ++i) token += kAlnum[(i * 7 + 3) % kAlnum.size()];
  return token;
}

struct Nested {
  const char* name;
  std::string text;
};

// Each construct of each language that nests without bound, `levels` deep.
std::vector<Nested> nested_sources(int levels) {
  const std::string token = "\ntoken = \"" + fake_token() + "\"\n";
  const std::string c_token = "\nconst char *token = \"" + fake_token() + "\";\n";
  const std::string js_token = "\nvar token = \"" + fake_token() + "\";\n";
  return {
      {"parens.py",
       "x = " + repeat("(", levels) + "input()" + repeat(")", levels) + "\neval(x)" + token},
      {"binary.py", "x = " + repeat("input() + ", levels) + "1\neval(x)" + token},
      {"chain.py", "x = input()" + repeat(".strip()", levels) + "\neval(x)" + token},
      {"calls.py",
       "x = " + repeat("str(", levels) + "input()" + repeat(")", levels) + "\neval(x)" + token},
      {"lists.py", "x = " + repeat("[", levels) + repeat("]", levels) + token},
      {"lambdas.py", "f = " + repeat("lambda: ", levels) + "eval(input())" + token},
      {"parens.c", "int f(char *s) { return " + repeat("(", levels) + "s[0]" + repeat(")", levels) +
                       "; }" + c_token},
      {"blocks.c", "void f(char *s) { " + repeat("{", levels) + "gets(s);" + repeat("}", levels) +
                       " }" + c_token},
      {"elseif.c",
       "int f(int a) { " + repeat("if (a) return 1; else ", levels) + "return 0; }" + c_token},
      {"templates.cpp",
       "using T = " + repeat("std::vector<", levels) + "int" + repeat(">", levels) + ";" + c_token},
      {"arrays.js", "var x = " + repeat("[", levels) + repeat("]", levels) + ";" + js_token},
      {"arrows.js", "var f = " + repeat("() => ", levels) + "eval(location.hash);" + js_token},
      {"chain.ts", "const q = db" + repeat(".where(x)", levels) + ";" + js_token},
      {"parens.go", "package main\n\nfunc f(a int) int { return " + repeat("(", levels) + "a" +
                        repeat(")", levels) + " }\n\nvar token = \"" + fake_token() + "\"\n"},
      {"parens.java", "class A { int f(int a) { return " + repeat("(", levels) + "a" +
                          repeat(")", levels) + "; } String token = \"" + fake_token() + "\"; }\n"},
  };
}

// Nesting far past any real code (generated code, or text made to exhaust the scanner's stack):
// the recursive analyses are left out with a note that says so, the secret rules still run.
TEST(ScanRobustness, DeeplyNestedSourcesAreScannedWithANote) {
  const RuleSet& rules = builtin_rules();
  for (int levels : {5'000, 20'000}) {
    for (const Nested& source : nested_sources(levels)) {
      SCOPED_TRACE(std::string(source.name) + " " + std::to_string(levels));
      auto result = scan_text(rules, source.text, source.name);
      ASSERT_TRUE(result) << result.error().to_string();
      ASSERT_EQ(result->skipped.size(), 1u);
      EXPECT_THAT(result->skipped[0].reason,
                  testing::HasSubstr(" levels deep at line "));
      EXPECT_THAT(result->skipped[0].reason,
                  testing::HasSubstr("more than the 1000 that syntax rules follow; only secret rules were checked"));
      EXPECT_EQ(of_rule(*result, "secrets.github-token").size(), 1u);
    }
  }
}

// Just under the limit every analysis runs, on a stack of the scanner's own: the caller's may be
// small (a server's worker thread).
TEST(ScanRobustness, NestingUnderTheLimitIsAnalysedWhateverTheCallersStack) {
  const RuleSet& rules = builtin_rules();
  std::vector<Nested> sources = nested_sources(240);
  const std::string deep_flow = "import os\n\ndef run():\n    os.system(" + repeat("(", 950) +
                                "input()" + repeat(")", 950) + ")\n";
  sources.push_back({"flow.py", deep_flow});
  core::run_with_stack(256 << 10, [&] {
    for (const Nested& source : sources) {
      SCOPED_TRACE(source.name);
      auto result = scan_text(rules, source.text, source.name);
      ASSERT_TRUE(result) << result.error().to_string();
      EXPECT_TRUE(result->skipped.empty()) << result->skipped[0].reason;
    }
  });
  auto flow = scan_text(rules, deep_flow, "flow.py");
  ASSERT_TRUE(flow) << flow.error().to_string();
  EXPECT_EQ(lines_of(*flow, "python.command-injection"), std::vector<uint32_t>{4});
}

}  // namespace
}  // namespace ward::scan
