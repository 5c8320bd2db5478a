#pragma once
// What a scan produces: findings (a rule matched at a place in a file), with an optional
// deterministic fix, and the files it skipped with the reason. Plain values; thread-safe as such.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ward::scan {

// Ordered: a finding "at or above" a severity compares >=.
enum class Severity { kInfo, kLow, kMedium, kHigh, kCritical };
enum class Confidence { kLow, kMedium, kHigh };

std::string_view severity_name(Severity severity);  // "info" … "critical"
std::optional<Severity> parse_severity(std::string_view name);
std::string_view confidence_name(Confidence confidence);  // "low", "medium", "high"
std::optional<Confidence> parse_confidence(std::string_view name);

// A place in a file. Lines and columns count from 1; columns count Unicode code points (SARIF's
// "unicodeCodePoints" column kind). Bytes are offsets into the file as read, end exclusive.
struct Span {
  uint32_t start_line = 1;
  uint32_t start_column = 1;
  uint32_t end_line = 1;
  uint32_t end_column = 1;
  uint32_t start_byte = 0;
  uint32_t end_byte = 0;
};

// Replace bytes [start_byte, end_byte) of the file with `replacement`.
struct Edit {
  uint32_t start_byte = 0;
  uint32_t end_byte = 0;
  std::string replacement;
};

struct Fix {
  std::string description;  // e.g. "Use yaml.safe_load"
  std::vector<Edit> edits;  // sorted by start_byte, non-overlapping
  // Empty for a rule's deterministic fix; the model's name for a fix a model proposed and the
  // scanner checked (`ward scan --ai-fix`, ai_fix.h).
  std::string proposed_by{};
};

// What became of asking a model to fix a finding (`ward scan --ai-fix`); an accepted fix is the
// finding's `fix`.
struct AiFixOutcome {
  std::string status;  // "applied", "offered" (accepted, not written), "rejected", "skipped"
  std::string reason;  // why it was rejected or skipped; for an accepted fix, what was checked
};

// One step of a taint path: where untrusted data came from, and how it reached the sink.
struct TraceStep {
  Span span;
  std::string message;
};

struct Finding {
  std::string rule_id;
  // As the scan named it (relative to the working directory when given so).
  std::filesystem::path file;
  Span span;
  std::string message;  // this occurrence, e.g. "request.args flows into os.system"
  Severity severity = Severity::kMedium;
  Confidence confidence = Confidence::kMedium;
  std::string snippet;  // the source lines the span covers (at most a few), for code frames
  std::vector<TraceStep> trace;
  std::optional<Fix> fix;
  std::optional<AiFixOutcome> ai_fix{};  // set by `ward scan --ai-fix` only; never cached
  // Stable across unrelated edits of the file: derived from the rule, the file and the text of
  // the flagged lines (not their line numbers). Baselines and SARIF partialFingerprints use it.
  std::string fingerprint;
};

// A file the scan did not (fully) analyse, and why: binary, too large, not UTF-8, unreadable, a
// symlink loop, a syntax error (the parts that parse are still scanned).
struct Skipped {
  std::filesystem::path file;
  std::string reason;
};

struct ScanResult {
  std::vector<Finding> findings;  // sorted by file, line, column, rule
  std::vector<Skipped> skipped;
  uint64_t files_scanned = 0;
  uint64_t lines_scanned = 0;
  uint64_t files_from_cache = 0;  // incremental scans: unchanged files whose findings were reused
};

}  // namespace ward::scan
