// `ward scan` through the real binary: exit codes, error messages, the JSON and SARIF reports,
// --fix (with and without --dry-run), baselines and --list-rules. No data directory is needed.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace ward::test {
namespace {

namespace fs = std::filesystem;

// yaml.load (python.yaml-load, medium, with a fix) and nothing more severe.
const std::string kYamlApp =
    "import yaml\n"
    "\n"
    "def load(text):\n"
    "    return yaml.load(text)\n";

class ScanCliTest : public ::testing::Test {
 protected:
  std::map<std::string, std::string> env() const { return {{"HOME", (dir_ / "home").string()}}; }
  // Runs `ward scan args...` in the scratch directory.
  ProcessResult scan(std::vector<std::string> args) {
    args.insert(args.begin(), "scan");
    return run_ward(args, env(), dir_.path());
  }
  nlohmann::json scan_json(std::vector<std::string> args, int expected_exit) {
    args.push_back("--format");
    args.push_back("json");
    auto result = scan(args);
    EXPECT_EQ(result.exit_code, expected_exit) << result.out << result.err;
    auto json = nlohmann::json::parse(result.out, nullptr, false);
    EXPECT_FALSE(json.is_discarded()) << result.out;
    return json;
  }
  static std::vector<std::string> rules_of(const nlohmann::json& report) {
    std::vector<std::string> rules;
    if (!report.contains("findings")) return rules;
    for (const auto& finding : report["findings"]) rules.push_back(finding.value("rule", ""));
    return rules;
  }
  TempDir dir_;
};

bool contains(const std::vector<std::string>& values, const std::string& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

TEST_F(ScanCliTest, ACleanTreeExitsZero) {
  write_text(dir_ / "proj/app.py",
             "import yaml\n\ndef load(text):\n    return yaml.safe_load(text)\n");
  auto result = scan({"proj"});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(result.out.find("python."), std::string::npos) << result.out;
  EXPECT_EQ(result.err.find("error"), std::string::npos) << result.err;
  // No data directory is created by a scan.
  EXPECT_FALSE(fs::exists(dir_ / "home"));
}

TEST_F(ScanCliTest, FindingsExitOneAndArePrinted) {
  write_text(dir_ / "proj/app.py", kYamlApp);
  auto result = scan({"proj"});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_NE(result.out.find("python.yaml-load"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("app.py"), std::string::npos) << result.out;
}

TEST_F(ScanCliTest, AnUnknownFormatIsAUsageError) {
  write_text(dir_ / "proj/app.py", kYamlApp);
  auto result = scan({"proj", "--format", "xml"});
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_NE(result.err.find("ward: error:"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("--format"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("xml"), std::string::npos) << result.err;
  EXPECT_EQ(result.out.find("python.yaml-load"), std::string::npos) << result.out;
}

TEST_F(ScanCliTest, AMissingPathIsAnErrorNamingIt) {
  auto result = scan({"no-such-project"});
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_NE(result.err.find("ward: error:"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("no-such-project"), std::string::npos) << result.err;
}

TEST_F(ScanCliTest, ABrokenRulesDirectoryIsAnErrorNamingTheFile) {
  write_text(dir_ / "proj/app.py", kYamlApp);
  write_text(dir_ / "org-rules/broken.toml", "id = \"python.acme\"\ntitle = = \"x\"\n");
  auto result = scan({"proj", "--rules", "org-rules"});
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_NE(result.err.find("ward: error:"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("broken.toml"), std::string::npos) << result.err;

  auto missing = scan({"proj", "--rules", "no-such-rules"});
  EXPECT_EQ(missing.exit_code, 2) << missing.out << missing.err;
  EXPECT_NE(missing.err.find("ward: error:"), std::string::npos) << missing.err;
  EXPECT_NE(missing.err.find("no-such-rules"), std::string::npos) << missing.err;
}

TEST_F(ScanCliTest, AnOrganisationRuleFromRulesFires) {
  write_text(dir_ / "proj/app.py", "from acme import danger\n\ndanger(1)\n");
  write_text(
      dir_ / "org-rules/danger.toml",
      "id = \"python.acme-danger\"\ntitle = \"Dangerous call\"\ndescription = \"d\"\n"
      "remediation = \"r\"\nseverity = \"high\"\nconfidence = \"high\"\nlanguages = [\"python\"]\n"
      "[[match]]\ncall = [\"acme.danger\"]\n");
  auto json = scan_json({"proj", "--rules", "org-rules"}, 1);
  ASSERT_TRUE(json.contains("findings"));
  ASSERT_EQ(json["findings"].size(), 1u) << json.dump(2);
  EXPECT_EQ(json["findings"][0]["rule"], "python.acme-danger");
  EXPECT_EQ(json["findings"][0]["line"], 3);
}

TEST_F(ScanCliTest, FailOnDecidesTheExitCode) {
  write_text(dir_ / "proj/app.py", kYamlApp);
  auto high = scan({"proj", "--fail-on", "high"});
  EXPECT_EQ(high.exit_code, 0) << high.out << high.err;
  // The medium finding is still reported.
  EXPECT_NE(high.out.find("python.yaml-load"), std::string::npos) << high.out;
  auto medium = scan({"proj", "--fail-on", "medium"});
  EXPECT_EQ(medium.exit_code, 1) << medium.out << medium.err;
  auto bad = scan({"proj", "--fail-on", "severe"});
  EXPECT_EQ(bad.exit_code, 2) << bad.out << bad.err;
  EXPECT_NE(bad.err.find("--fail-on"), std::string::npos) << bad.err;
}

TEST_F(ScanCliTest, JsonReport) {
  write_text(dir_ / "proj/app.py", kYamlApp);
  auto json = scan_json({"proj"}, 1);
  ASSERT_TRUE(json.is_object()) << json.dump(2);
  EXPECT_EQ(json["version"], 1);
  ASSERT_TRUE(json["findings"].is_array());
  ASSERT_EQ(json["findings"].size(), 1u) << json.dump(2);
  const auto& finding = json["findings"][0];
  EXPECT_EQ(finding["rule"], "python.yaml-load");
  EXPECT_EQ(finding["file"], "proj/app.py");
  EXPECT_EQ(finding["line"], 4);
  EXPECT_EQ(finding["column"], 12);
  EXPECT_EQ(finding["severity"], "medium");
  EXPECT_TRUE(finding["fingerprint"].is_string());
  EXPECT_FALSE(finding["fingerprint"].get<std::string>().empty());
  ASSERT_TRUE(finding.contains("fix")) << finding.dump(2);
  ASSERT_TRUE(json["stats"].is_object());
  EXPECT_EQ(json["stats"]["files"], 1);
}

TEST_F(ScanCliTest, SarifReport) {
  write_text(dir_ / "proj/app.py", kYamlApp);
  auto result = scan({"proj", "--format", "sarif"});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  auto sarif = nlohmann::json::parse(result.out, nullptr, false);
  ASSERT_FALSE(sarif.is_discarded()) << result.out;
  EXPECT_EQ(sarif["version"], "2.1.0");
  ASSERT_TRUE(sarif["runs"].is_array());
  ASSERT_EQ(sarif["runs"].size(), 1u);
  const auto& run = sarif["runs"][0];
  const auto& rules = run["tool"]["driver"]["rules"];
  ASSERT_TRUE(rules.is_array());
  const nlohmann::json* yaml_rule = nullptr;
  for (const auto& rule : rules) {
    if (rule.value("id", "") == "python.yaml-load") yaml_rule = &rule;
  }
  ASSERT_NE(yaml_rule, nullptr) << rules.dump(2);
  ASSERT_TRUE((*yaml_rule)["properties"].contains("security-severity")) << yaml_rule->dump(2);
  const auto score_text = (*yaml_rule)["properties"]["security-severity"].get<std::string>();
  const double score = std::stod(score_text);
  // GitHub's bands: medium is 4.0 to 6.9.
  EXPECT_GE(score, 4.0) << score_text;
  EXPECT_LT(score, 7.0) << score_text;
  ASSERT_TRUE(run["results"].is_array());
  ASSERT_EQ(run["results"].size(), 1u) << run["results"].dump(2);
  const auto& sarif_result = run["results"][0];
  EXPECT_EQ(sarif_result["ruleId"], "python.yaml-load");
  ASSERT_TRUE(sarif_result["partialFingerprints"].is_object()) << sarif_result.dump(2);
  ASSERT_FALSE(sarif_result["partialFingerprints"].empty());
  for (const auto& [key, value] : sarif_result["partialFingerprints"].items()) {
    EXPECT_TRUE(value.is_string()) << key;
    EXPECT_FALSE(value.get<std::string>().empty()) << key;
  }
  EXPECT_EQ(sarif_result["locations"][0]["physicalLocation"]["region"]["startLine"], 4);
}

TEST_F(ScanCliTest, FixDryRunPrintsADiffAndChangesNothing) {
  write_text(dir_ / "app.py", kYamlApp);
  auto result = scan({"--fix", "--dry-run", "app.py"});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_NE(result.out.find("--- a/app.py\n+++ b/app.py\n"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("\n@@ "), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("\n-    return yaml.load(text)\n"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("\n+    return yaml.safe_load(text)\n"), std::string::npos)
      << result.out;
  EXPECT_EQ(read_text(dir_ / "app.py"), kYamlApp);
}

TEST_F(ScanCliTest, FixChangesTheFileAndARescanIsClean) {
  write_text(dir_ / "proj/app.py", kYamlApp);
  auto result = scan({"--fix", "proj"});
  EXPECT_NE(result.exit_code, 2) << result.out << result.err;
  EXPECT_EQ(read_text(dir_ / "proj/app.py"),
            "import yaml\n"
            "\n"
            "def load(text):\n"
            "    return yaml.safe_load(text)\n");
  auto rescan = scan_json({"proj"}, 0);
  EXPECT_FALSE(contains(rules_of(rescan), "python.yaml-load")) << rescan.dump(2);
}

TEST_F(ScanCliTest, FixWithoutDryRunIsRequiredForDryRun) {
  write_text(dir_ / "app.py", kYamlApp);
  auto result = scan({"--dry-run", "app.py"});
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_NE(result.err.find("--dry-run"), std::string::npos) << result.err;
  EXPECT_EQ(read_text(dir_ / "app.py"), kYamlApp);
}

TEST_F(ScanCliTest, AWrittenBaselineSuppressesKnownFindings) {
  write_text(dir_ / "proj/app.py", kYamlApp);
  auto first = scan({"proj", "--write-baseline", "baseline.json"});
  EXPECT_EQ(first.exit_code, 1) << first.out << first.err;
  ASSERT_TRUE(fs::exists(dir_ / "baseline.json"));
  auto baseline = nlohmann::json::parse(read_text(dir_ / "baseline.json"), nullptr, false);
  ASSERT_FALSE(baseline.is_discarded());
  EXPECT_EQ(baseline["fingerprints"].size(), 1u) << baseline.dump(2);

  auto second = scan_json({"proj", "--baseline", "baseline.json"}, 0);
  EXPECT_TRUE(second["findings"].empty()) << second.dump(2);

  // A new finding is still reported.
  write_text(dir_ / "proj/app.py",
             kYamlApp + "\ndef digest(data):\n    import hashlib\n    return hashlib.md5(data)\n");
  auto third = scan_json({"proj", "--baseline", "baseline.json"}, 1);
  EXPECT_EQ(rules_of(third), std::vector<std::string>{"python.weak-hash"}) << third.dump(2);

  auto missing = scan({"proj", "--baseline", "no-such-baseline.json"});
  EXPECT_EQ(missing.exit_code, 2) << missing.out << missing.err;
  EXPECT_NE(missing.err.find("no-such-baseline.json"), std::string::npos) << missing.err;
}

TEST_F(ScanCliTest, ListRulesListsTheBuiltInRules) {
  auto result = scan({"--list-rules"});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  std::istringstream lines(result.out);
  std::string line;
  bool found = false;
  while (std::getline(lines, line)) {
    if (line.starts_with("python.sql-injection\t")) {
      found = true;
      EXPECT_NE(line.find("\tcritical\t"), std::string::npos) << line;
      EXPECT_NE(line.find("89"), std::string::npos) << line;
    }
  }
  EXPECT_TRUE(found) << result.out;
}

TEST_F(ScanCliTest, OutputWritesTheReportToAFile) {
  write_text(dir_ / "proj/app.py", kYamlApp);
  auto result = scan({"proj", "--format", "json", "-o", "report.json"});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_EQ(result.out.find("python.yaml-load"), std::string::npos) << result.out;
  auto json = nlohmann::json::parse(read_text(dir_ / "report.json"), nullptr, false);
  ASSERT_FALSE(json.is_discarded());
  EXPECT_EQ(rules_of(json), std::vector<std::string>{"python.yaml-load"});
}

}  // namespace
}  // namespace ward::test
