#pragma once
// Secret detection: hard-coded credentials (cloud keys, tokens, private keys, passwords in
// connection strings) found by regular expressions that come from rule files, never from code.
//
// A secret rule is an ordinary rule file (rule.h) with a [secret] table:
//
//   [secret]
//   regex = 'AKIA[0-9A-Z]{16}'      # RE2 syntax; required
//   capture = 1                     # the group that holds the secret value; 0 (default): the match
//   keywords = ["aws", "secret"]    # lower case; one must occur near the value (see find_secrets)
//   min_entropy = 3.5               # bits per character of the value (shannon_entropy)
//   min_length = 12                 # bytes of the value
//   allow = ['(?i)changeme', '^\$\{'] # RE2 regexes; a value that any of them finds is ignored
//
// Secret values must never appear in output, logs or findings: show them only through redact().
// A SecretSpec is immutable once parsed and may be shared by threads (RE2 objects are
// thread-safe for matching); the free functions are thread-safe.

#include <toml++/toml.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace re2 {
class RE2;
}

namespace ward::scan {

// The compiled [secret] table of one rule. Copies share the compiled expressions.
struct SecretSpec {
  std::shared_ptr<const re2::RE2> regex;
  int capture = 0;                    // 0: the whole match; otherwise a group of `regex`
  std::vector<std::string> keywords;  // lower case; empty: no keyword needed
  std::optional<double> min_entropy;
  std::optional<uint32_t> min_length;
  std::vector<std::shared_ptr<const re2::RE2>> allow;
};

// How far before a match (on the same line) a keyword may occur.
inline constexpr uint32_t kKeywordWindowBytes = 40;

// Parses a rule's [secret] table (`table` is that table, not the whole rule file). `where` names
// the rule file in errors. Errors: invalid_argument naming the key (e.g. `secret.regex`) when a
// key is missing, has the wrong type or value, or is unknown, or when an expression does not
// compile (with RE2's reason).
core::Result<SecretSpec> parse_secret_spec(const toml::table& table, const std::string& where);

// Where a secret value lies in the text; bytes, end exclusive.
struct SecretMatch {
  uint32_t start_byte = 0;
  uint32_t end_byte = 0;
};

// Every secret `spec` finds in `text`, in order, not overlapping. A match of the regex counts when
// its captured value is non-empty and at least min_length bytes long, has at least min_entropy
// bits per character, is found by no `allow` expression and — when keywords are given — one of
// them occurs, ignoring ASCII case, in the matched text or in the kKeywordWindowBytes bytes before
// it on the same line. Texts over 4 GiB are searched in their first 4 GiB only.
std::vector<SecretMatch> find_secrets(const SecretSpec& spec, std::string_view text);

// Shannon entropy of the bytes of `value`, in bits per byte: 0 for an empty value or one byte
// repeated, log2(n) for n distinct bytes in equal numbers.
double shannon_entropy(std::string_view value);

// `value` with all but its first characters replaced by '*', one per character (UTF-8 code
// point): at most 4 are kept, and fewer for short values (a quarter of the length, rounded down),
// so a short password is never shown whole. Safe to print and to store in findings.
std::string redact(std::string_view value);

}  // namespace ward::scan
