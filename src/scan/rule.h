#pragma once
// Scanner rules are data: one TOML file per rule under rules/ (docs/scanner.md documents the
// format). This header holds what every part of the scanner needs to know about a rule; the
// matching specs live with the analyses that use them.

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "scan/finding.h"
#include "scan/language.h"

namespace ward::scan {

struct RuleInfo {
  std::string id;           // e.g. "python.yaml-load"; unique in a rule set
  std::string title;        // one line, for lists and SARIF shortDescription
  std::string description;  // why it matters: SARIF fullDescription, text output
  std::string remediation;  // how to fix it, in words: SARIF help, text output
  Severity severity = Severity::kMedium;
  Confidence confidence = Confidence::kMedium;
  std::vector<int> cwe;     // CWE numbers, e.g. {78}
  std::vector<Language> languages;
  std::vector<std::string> references;  // URLs
  std::vector<std::string> tags;        // beyond "security" and the CWE tags, which are implied
  std::filesystem::path source;         // the rule file
};

// "7.5"-style CVSS-like score GitHub code scanning sorts by (SARIF property security-severity).
std::string security_severity_score(Severity severity);

}  // namespace ward::scan
