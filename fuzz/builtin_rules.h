#pragma once
// The scanner's built-in rules, loaded once per process, for the fuzz targets that scan
// (scan_fuzz.cpp, lsp_fuzz.cpp). A rule set that does not load is a broken build: it throws.

#include <stdexcept>

#include "scan/scanner.h"

namespace ward::fuzz {

inline const scan::RuleSet& builtin_rules() {
  static const scan::RuleSet loaded = [] {
    auto result = scan::RuleSet::load();
    if (!result) throw std::runtime_error(result.error().to_string());
    return std::move(*result);
  }();
  return loaded;
}

}  // namespace ward::fuzz
