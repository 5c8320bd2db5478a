// Whatever the bytes, scanning them must end: a result or a clear error, never a crash, a hang or
// a finding outside the text. The inputs are the rule samples of every language, mangled the way
// half-written code is (cut short, lines dropped, brackets unbalanced), deterministically.

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <string>

#include "core/file.h"
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

}  // namespace
}  // namespace ward::scan
