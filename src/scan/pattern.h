#pragma once
// Structural rules: a call of a named API whose arguments meet constraints, e.g.
//   [[match]]
//   call = ["subprocess.*"]
//   [[match.argument]]
//   keyword = "shell"
//   matches = '^True$'
// and the deterministic fix a rule may carry ([fix]). docs/scanner.md documents the keys.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "scan/finding.h"
#include "scan/rule.h"
#include "scan/rule_toml.h"
#include "scan/semantics.h"

namespace ward::scan {

// Where an argument is: a positional index, a keyword name (Python), or both (a keyword when the
// call names it, else the positional index).
struct ArgumentRef {
  std::optional<size_t> index;
  std::string keyword;
  TSNode find(const CallView& call) const;
  static core::Result<ArgumentRef> parse(const TomlReader& reader);
};

struct ArgumentConstraint {
  ArgumentRef where;
  std::shared_ptr<const re2::RE2> matches;      // the argument's text must match
  std::shared_ptr<const re2::RE2> not_matches;  // … and must not match
  bool absent = false;                          // the argument must not be given
  std::optional<bool> literal;                  // must (not) be a plain string literal
  bool holds(const Semantics& semantics, const CallView& call) const;
};

struct CallPattern {
  std::vector<std::string> callees;  // qualified-name patterns (semantics.h name_matches)
  std::vector<ArgumentConstraint> arguments;
  bool matches(const Semantics& semantics, const CallView& call) const;
  bool names(std::string_view callee) const;
  // `strict`: the table holds nothing but the pattern's keys (a [[match]]); a taint sink's table
  // has its own keys beside them.
  static core::Result<CallPattern> parse(const TomlReader& reader, bool strict = true);
};

// A rule's fix, as edits of the matched call.
struct FixTemplate {
  std::string description;
  std::string rename_method;  // replace the callee's last name segment (yaml.load → yaml.safe_load)
  std::optional<ArgumentRef> replace_argument;
  std::string replacement;    // for replace_argument
  std::string remove_keyword;
  std::optional<size_t> argument_to_argv;  // "ls -l" → ["ls", "-l"] when the literal is plain
  std::vector<std::string> applies_to;     // callee patterns the fix is right for; empty: every match
  bool offered_for(std::string_view callee) const;
  // The fix for this call; nullopt when the template does not apply to it (the fix would not be
  // correct, e.g. a string with shell syntax cannot become an argument list).
  std::optional<Fix> apply(const Semantics& semantics, const CallView& call) const;
  static core::Result<std::optional<FixTemplate>> parse(const TomlReader& rule);
};

}  // namespace ward::scan
