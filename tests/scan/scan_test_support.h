#pragma once
// Helpers the scanner's tests share: picking findings out of a result.

#include <cstdint>
#include <string>
#include <vector>

#include "scan/finding.h"

namespace ward::scan {

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
