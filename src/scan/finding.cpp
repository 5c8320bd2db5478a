#include "scan/finding.h"

#include <array>

#include "scan/rule.h"

namespace ward::scan {
namespace {

constexpr std::array<std::string_view, 5> kSeverityNames = {"info", "low", "medium", "high",
                                                            "critical"};
constexpr std::array<std::string_view, 3> kConfidenceNames = {"low", "medium", "high"};

}  // namespace

std::string_view severity_name(Severity severity) {
  return kSeverityNames[static_cast<size_t>(severity)];
}

std::optional<Severity> parse_severity(std::string_view name) {
  for (size_t i = 0; i < kSeverityNames.size(); ++i) {
    if (kSeverityNames[i] == name) return static_cast<Severity>(i);
  }
  return std::nullopt;
}

std::string_view confidence_name(Confidence confidence) {
  return kConfidenceNames[static_cast<size_t>(confidence)];
}

std::optional<Confidence> parse_confidence(std::string_view name) {
  for (size_t i = 0; i < kConfidenceNames.size(); ++i) {
    if (kConfidenceNames[i] == name) return static_cast<Confidence>(i);
  }
  return std::nullopt;
}

// GitHub code scanning maps security-severity to its levels: over 9.0 critical, 7.0–8.9 high,
// 4.0–6.9 medium, 0.1–3.9 low.
std::string security_severity_score(Severity severity) {
  switch (severity) {
    case Severity::kCritical: return "9.5";
    case Severity::kHigh: return "8.0";
    case Severity::kMedium: return "5.5";
    case Severity::kLow: return "3.0";
    case Severity::kInfo: return "0.0";
  }
  return "0.0";
}

}  // namespace ward::scan
