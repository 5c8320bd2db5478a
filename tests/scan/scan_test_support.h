#pragma once
// Helpers the scanner's tests share: the built-in rules, the rule samples' folder, and picking
// findings out of a result.

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "scan/finding.h"
#include "scan/scanner.h"

namespace ward::scan {

// The built-in rule set, loaded once per test executable.
inline const RuleSet& builtin_rules() {
  static const RuleSet rules = [] {
    auto loaded = RuleSet::load();
    if (!loaded.ok()) throw std::runtime_error(loaded.error().to_string());
    return std::move(*loaded);
  }();
  return rules;
}

// tests/scan/samples/ (WARD_RULES_DIR is <repository>/rules).
inline const std::filesystem::path kSamplesDir =
    std::filesystem::path(WARD_RULES_DIR).parent_path() / "tests" / "scan" / "samples";

// The findings of rule `id`, in the result's order.
inline std::vector<Finding> of_rule(const ScanResult& result, const std::string& id) {
  std::vector<Finding> found;
  for (const auto& finding : result.findings) {
    if (finding.rule_id == id) found.push_back(finding);
  }
  return found;
}

// The start lines of rule `id`'s findings.
inline std::vector<uint32_t> lines_of(const ScanResult& result, const std::string& id) {
  std::vector<uint32_t> lines;
  for (const auto& finding : of_rule(result, id)) lines.push_back(finding.span.start_line);
  return lines;
}

}  // namespace ward::scan
