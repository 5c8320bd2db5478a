// The built-in rules against annotated sample files (tests/scan/samples/<language>/): every line
// that must be flagged says so in a comment on the same line,
//     system(command);  // ward-expect: c.command-injection
// (several rules comma-separated), and each file's findings must be exactly those (line, rule)
// pairs: a missed finding and a false alarm on a safe variant both fail. A second test checks that
// every built-in rule (secrets aside, which secrets_test covers) has at least one sample.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/file.h"
#include "scan/language.h"
#include "scan/scanner.h"
#include "scan_test_support.h"

namespace ward::scan {
namespace {

namespace fs = std::filesystem;

// Every sample file, relative to kSamplesDir, sorted.
std::vector<std::string> sample_files() {
  std::vector<std::string> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(kSamplesDir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file() && language_of(it->path())) {
      files.push_back(it->path().lexically_relative(kSamplesDir).generic_string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string read_sample(const std::string& name) {
  auto text = core::read_file(kSamplesDir / name);
  if (!text) throw std::runtime_error(text.error().to_string());
  return std::move(*text);
}

using Expected = std::set<std::pair<uint32_t, std::string>>;  // (line, rule id)

// The `ward-expect: a, b` annotations of a file.
Expected annotations(const std::string& text) {
  static const std::regex kExpect(R"(ward-expect:\s*([a-z0-9._-]+(\s*,\s*[a-z0-9._-]+)*))");
  static const std::regex kId(R"([a-z0-9._-]+)");
  Expected expected;
  std::istringstream lines(text);
  std::string line;
  for (uint32_t number = 1; std::getline(lines, line); ++number) {
    std::smatch match;
    if (!std::regex_search(line, match, kExpect)) continue;
    const std::string ids = match[1].str();
    for (auto it = std::sregex_iterator(ids.begin(), ids.end(), kId); it != std::sregex_iterator();
         ++it) {
      expected.emplace(number, it->str());
    }
  }
  return expected;
}

std::string line_of(const std::string& text, uint32_t number) {
  std::istringstream lines(text);
  std::string line;
  for (uint32_t i = 1; std::getline(lines, line); ++i) {
    if (i == number) {
      line.erase(0, line.find_first_not_of(" \t"));
      return line;
    }
  }
  return "";
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name;
  for (char c : info.param) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name;
}

// Samples of known bugs, skipped (as DISABLED_ tests are) until the bug is fixed; their annotations
// still count as samples of their rules. Remove an entry when its sample passes.
class RuleSample : public ::testing::TestWithParam<std::string> {};

TEST_P(RuleSample, FindingsAreExactlyTheAnnotatedLines) {
  const std::string text = read_sample(GetParam());
  const Expected expected = annotations(text);
  auto result = scan_text(builtin_rules(), text, kSamplesDir / GetParam());
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  // A sample must parse: a syntax error would hide the code after it from the rules.
  for (const auto& skipped : result->skipped) ADD_FAILURE() << GetParam() << ": " << skipped.reason;
  Expected actual;
  for (const auto& finding : result->findings)
    actual.emplace(finding.span.start_line, finding.rule_id);
  for (const auto& [line, id] : expected) {
    if (builtin_rules().find(id) == nullptr)
      ADD_FAILURE() << GetParam() << ":" << line << ": no rule " << id;
    if (!actual.contains({line, id})) {
      ADD_FAILURE() << GetParam() << ":" << line << ": " << id << " missed in `"
                    << line_of(text, line) << "`";
    }
  }
  for (const auto& [line, id] : actual) {
    if (!expected.contains({line, id})) {
      ADD_FAILURE() << GetParam() << ":" << line << ": unexpected " << id << " in `"
                    << line_of(text, line) << "`";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Samples, RuleSample, ::testing::ValuesIn(sample_files()), test_name);

TEST(RuleSamples, EveryBuiltInRuleHasAnAnnotatedSample) {
  std::map<std::string, int> annotated;
  const auto files = sample_files();
  ASSERT_FALSE(files.empty()) << "no samples under " << kSamplesDir;
  for (const auto& file : files) {
    for (const auto& [line, id] : annotations(read_sample(file))) ++annotated[id];
  }
  for (const auto& rule : builtin_rules().rules()) {
    if (rule.id.starts_with("secrets.")) continue;
    EXPECT_GT(annotated[rule.id], 0)
        << rule.id << " (" << rule.source.generic_string() << ") has no `ward-expect: " << rule.id
        << "` line under " << kSamplesDir;
  }
}

TEST(RuleSamples, AnnotationsListSeveralRulesSeparatedByCommas) {
  const Expected expected =
      annotations("a\nx(y)  # ward-expect: python.a, python.b-c\n// ward-expect:c.d\nno\n");
  EXPECT_EQ(expected, (Expected{{2, "python.a"}, {2, "python.b-c"}, {3, "c.d"}}));
}

}  // namespace
}  // namespace ward::scan
