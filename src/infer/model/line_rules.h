#pragma once
// What the line a search chooses (line_search.h) must be, besides likely.

#include <string>

namespace ward::infer::model {

// Both rules are for a cursor on an empty line. There the sum of log-probabilities, which favours
// short lines, often picks an empty line (no suggestion at all), and a small model often repeats
// the line above, which code seldom does (docs/engine.md has the figures).
struct LineRules {
  bool needs_text = false;        // a non-blank character
  std::string differs_from = {};  // when not blank: other characters, whitespace aside
};

}  // namespace ward::infer::model
