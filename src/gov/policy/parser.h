#pragma once
// From JSON text to a Policy, checking the whole document against Ward's policy language
// (docs/policies.md). Every problem is reported, each with the RFC 6901 JSON pointer of the
// element it concerns (e.g. /Statement/2/Condition/StringEquals/ward:RequestedRegion), not just
// the first. Errors make a document unusable; warnings (uncatalogued condition keys, operators that
// do not suit a key's type) do not. Pure functions; safe from any thread.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "gov/policy/policy.h"

namespace ward::gov {

enum class DiagnosticSeverity { kError, kWarning };

struct PolicyDiagnostic {
  DiagnosticSeverity severity = DiagnosticSeverity::kError;
  std::string path;  // JSON pointer; "" is the whole document
  std::string message;
};

struct PolicyParse {
  PolicyRef policy;  // set when there are no errors (warnings allowed)
  std::vector<PolicyDiagnostic> diagnostics;

  bool ok() const { return policy != nullptr; }
  std::size_t error_count() const;
  std::size_t warning_count() const;
};

// Parses and checks `text`; `name` becomes Policy::name (a file name, "managed:WardAuditor", …).
PolicyParse parse_policy(std::string_view text, std::string name);

// parse_policy for callers that want one Error: the first error (with `name#path` as its `where`)
// and how many more there are. Warnings are dropped.
core::Result<PolicyRef> load_policy(std::string_view text, std::string name);

// The Error for one diagnostic of the document called `source`: `where` is "source#/json/pointer".
core::Error diagnostic_error(const PolicyDiagnostic& diagnostic, std::string_view source);

// Reads a policy file, refusing one larger than kMaxPolicyBytes before reading it.
core::Result<std::string> read_policy_file(const std::filesystem::path& path);

// `key` escaped as one JSON pointer reference token (`~` → `~0`, `/` → `~1`).
std::string json_pointer_escape(std::string_view key);

}  // namespace ward::gov
