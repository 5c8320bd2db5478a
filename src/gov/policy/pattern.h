#pragma once
// Patterns in policies: the text of an Action, a Resource or a String* condition value.
//
// A pattern may hold the wildcards `*` (any run of characters, possibly empty, including `:` and
// `/`) and `?` (exactly one character), and the policy variables `${ward:username}`,
// `${ward:tenant}` and `${ward:PrincipalTag/NAME}`, which are replaced by the request's values as
// literal text (a `*` in a user name is not a wildcard). `${*}`, `${?}` and `${$}` stand for a
// literal `*`, `?` and `$`. Which of these features a pattern may use depends on where it appears
// (PatternOptions). A Pattern is an immutable value, parsed once; safe to share between threads.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace ward::gov {

struct PatternOptions {
  bool wildcards = true;  // `*` and `?` are wildcards (else literal characters)
  bool variables = true;  // `${...}` is a policy variable or escape (else literal characters)
};

class Pattern {
 public:
  struct Part {
    enum class Kind { kLiteral, kStar, kAnyChar, kVariable };
    Kind kind = Kind::kLiteral;
    std::string text;  // the literal text, or the variable's canonical name
  };

  // Looks a variable up by its canonical name (e.g. "ward:username"); nullopt when it has no value.
  using VariableLookup = std::function<std::optional<std::string>(std::string_view name)>;

  Pattern() = default;

  // Parses `text`. The error (kInvalidArgument, empty `where`) says what is wrong: an unclosed
  // `${`, or a variable Ward does not know.
  static core::Result<Pattern> parse(std::string_view text, PatternOptions options);

  // The text as written in the policy.
  const std::string& source() const { return source_; }
  const std::vector<Part>& parts() const { return parts_; }
  bool has_wildcards() const;
  bool has_variables() const;

  // The pattern with every variable replaced by its value, as literal text. On failure, the error
  // names the first variable without a value.
  core::Result<Pattern> resolve(const VariableLookup& lookup) const;

  // True when `text` matches the whole pattern. `?` matches one UTF-8 character; with
  // `ignore_case`, ASCII letters match regardless of case. A pattern with unresolved variables
  // matches nothing.
  bool matches(std::string_view text, bool ignore_case) const;

  // The pattern as text again, with `*` and `?` for its wildcards and without its variables (so for
  // a pattern parsed without wildcards and resolved, exactly the text to compare with).
  std::string literal_text() const;

 private:
  std::string source_;
  std::vector<Part> parts_;
};

// Matches `text` against `pattern`, where `*` and `?` are wildcards and nothing else is special.
bool wildcard_match(std::string_view pattern, std::string_view text, bool ignore_case);

// ASCII case-insensitive equality.
bool equals_ignore_case(std::string_view a, std::string_view b);

// The canonical name of a policy variable written as `name` (e.g. "WARD:UserName" gives
// "ward:username"), or nullopt when Ward has no such variable.
std::optional<std::string> canonical_variable(std::string_view name);

}  // namespace ward::gov
