#pragma once
// The scanner's three report formats over a ScanResult and the rule set's metadata: text for
// people at a terminal, Ward's own JSON (a stable shape that scripts and the benchmark harness
// read), and SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.
//
// Each finding's rule is looked up by id in `rules`; a finding whose rule is not there is still
// reported, with what the finding itself carries (its id stands in for the title).
// Pure functions apart from SarifOptions::read_file; thread-safe when that is.

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "scan/finding.h"
#include "scan/rule.h"
#include "ward/version.h"

namespace ward::scan {

struct TextOptions {
  bool color = false;  // ANSI colours by severity (for a terminal)
};

// The text report: for each finding
//   app.py:3:8: high python.yaml-load: <message>
//      3 | data = yaml.load(request.data)
//        |        ^^^^^^^^^^^^^^^^^^^^^^^
//     why: <rule description>
//     fix: <rule remediation>
//     autofix available (ward scan --fix)        (when the finding has a rule's fix)
//     from app.py:1: <trace step message>        (each taint step, source first)
//     model fix: applied: <what was checked>     (ward scan --ai-fix: the outcome and why)
// then a summary: the count by severity, files and lines scanned (and how many came from the
// cache), and each skipped file with its reason. Text taken from scanned files and rules is made
// safe for a terminal: control characters, Unicode bidirectional controls and invalid UTF-8 are
// shown as \x1b / \u202e / \xff escapes, never passed through.
std::string render_text(const ScanResult& result, const std::vector<RuleInfo>& rules,
                        const TextOptions& options = {});

// Ward's JSON report (indented, one trailing newline):
//   {"version":1,
//    "findings":[{"rule","file","line","column","end_line","end_column","severity","confidence",
//                 "cwe":[502],"title","message","fingerprint","snippet",
//                 "trace":[{"file","line","column","message"}],            (only when non-empty)
//                 "fix":{"description","edits":[{"start_byte","end_byte","replacement"}],
//                        "proposed_by"},     (only when present; "proposed_by": a model's fix)
//                 "ai_fix":{"status","reason"}}],         (only after ward scan --ai-fix)
//    "skipped":[{"file","reason"}],
//    "stats":{"files","lines","from_cache"}}
// Strings that are not valid UTF-8 (a file name, say) have the bad bytes replaced by U+FFFD.
std::string render_json(const ScanResult& result, const std::vector<RuleInfo>& rules);

struct SarifOptions {
  std::string version = kVersion;  // tool.driver.semanticVersion
  std::string information_uri;     // tool.driver.informationUri; left out when empty
  // The directory result URIs are relative to (the repository root for GitHub). When given, every
  // file under it is written as a relative URI with uriBaseId "%SRCROOT%", and the run's
  // originalUriBaseIds maps %SRCROOT% to this directory's file:// URI; files outside it get
  // absolute file:// URIs. When empty, relative paths stay relative URIs without a base id.
  // Relative paths (the root's and the findings') are taken against the working directory.
  std::filesystem::path source_root;
  bool all_rules = false;  // describe every rule, not only those with results
  // Fetches a file's text as it was scanned, to turn fix edits' byte offsets into the line and
  // column regions SARIF consumers expect. When it is not set or returns nullopt (or the offsets
  // do not fit the text), the deleted region is given as byteOffset/byteLength instead — exact,
  // and valid SARIF, though some viewers only handle line/column regions. (charOffset would need
  // the text too.) Called at most once per file.
  std::function<std::optional<std::string>(const std::filesystem::path&)> read_file;
};

// SARIF 2.1.0 (indented JSON, one trailing newline): one run whose tool.driver describes Ward and
// the rules, results with locations, partialFingerprints (primaryLocationLineHash = the finding's
// fingerprint), codeFlows for taint traces and fixes for autofixes (a model-proposed fix's has
// properties {"modelProposed": true, "model"}, and a result with an --ai-fix outcome has
// properties {"aiFix": {"status","reason"}}); skipped files are
// toolExecutionNotifications of the run's invocation. Columns are Unicode code points
// (columnKind "unicodeCodePoints"); end columns are exclusive, as in Span. Rule levels: error for
// high and critical, warning for medium, note for low and info; precision follows confidence
// (high, medium, low); security-severity is security_severity_score().
std::string render_sarif(const ScanResult& result, const std::vector<RuleInfo>& rules,
                         const SarifOptions& options = {});

}  // namespace ward::scan
