#pragma once
// `ward scan --ai-fix` (docs/scanner.md): for each finding at or above --min-severity that has no
// rule's fix, asks a model for a corrected version of the code around it, and keeps the answer
// only if the scanner's check accepts it (scan/ai_fix.h: the file still parses, the finding is
// gone, nothing as severe is new). Findings of secret rules, and regions that hold a secret,
// are never sent. The scanner decides; this file only carries findings to the model and back,
// since `scan` may not depend on `backend` (docs/architecture.md).
//
// Nothing is written here: the caller prints, diffs or writes the rewritten texts.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "core/error.h"
#include "scan/finding.h"
#include "scan/scanner.h"

namespace ward::cli {

struct AiFixOptions {
  scan::Severity min_severity = scan::Severity::kInfo;
  std::filesystem::path baseline;  // findings it lists are left alone; empty: none
  bool with_rule_fixes = false;    // --fix as well: the rules' own fixes are made first
  bool dry_run = false;            // accepted fixes are "offered" rather than "applied"
  std::chrono::milliseconds time_budget{120'000};  // per request
  size_t max_requests = 100;                       // per run; later findings are skipped
};

// What became of one finding.
struct AiFixResult {
  std::filesystem::path file;
  uint32_t line = 0;
  std::string rule_id;
  std::string fingerprint;
  scan::AiFixOutcome outcome;
  // An accepted fix, as one edit of the file's text as read (with_rule_fixes: of the text after
  // the rules' fixes).
  std::optional<scan::Fix> fix;
};

// A file whose text the fixes change.
struct FileRewrite {
  std::filesystem::path file;
  std::string before;  // as read
  std::string after;   // with the rules' fixes (with_rule_fixes) and every accepted model fix
  size_t rule_fixes = 0;
  size_t model_fixes = 0;
};

struct AiFixRun {
  std::vector<AiFixResult> results;  // by file, then position
  std::vector<FileRewrite> files;    // only those that change
  size_t requests = 0;               // questions asked of the model
};

// Works through the files of `scanned` that have a finding to fix. Errors: a file that cannot be
// read again, a baseline that does not load, and a model that fails (no connection, a timeout,
// a broken answer) — nothing is written then. A request the model cannot take (a region too
// long for its context) only skips that finding.
core::Result<AiFixRun> run_ai_fixes(const scan::RuleSet& rules, const scan::ScanResult& scanned,
                                    backend::Backend& model, const AiFixOptions& options);

}  // namespace ward::cli
