#pragma once
// The scanner's entry points: load a rule set (the built-in rules plus an organisation's own),
// then scan paths on disk (`ward scan`) or one in-memory file (`POST /api/v1/scan`).
// A RuleSet is immutable once loaded and may be shared by threads; scan() uses its own threads.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "scan/finding.h"
#include "scan/language.h"
#include "scan/rule.h"

namespace ward::scan {

class CompiledRules;  // the analyses' compiled specs (patterns, taint, secrets)

class RuleSet {
 public:
  // The built-in rules (compiled into the binary from rules/), then each directory in
  // `extra_dirs` (every *.toml below it). Errors: invalid_argument naming the file and the key
  // for any rule that does not validate, or an id defined twice.
  static core::Result<RuleSet> load(const std::vector<std::filesystem::path>& extra_dirs = {});

  const std::vector<RuleInfo>& rules() const;
  const RuleInfo* find(std::string_view id) const;
  const CompiledRules& compiled() const { return *compiled_; }

 private:
  std::shared_ptr<const CompiledRules> compiled_;
};

struct ScanLimits {
  uint64_t max_file_bytes = 2 * 1024 * 1024;  // larger files are skipped with a note
  uint64_t max_files = 200'000;
};

struct ScanOptions {
  std::vector<std::filesystem::path> paths;  // files or directories
  ScanLimits limits;
  unsigned threads = 0;  // 0: one per core
  // Incremental scans: where per-file results are cached by content hash; empty: no cache.
  std::filesystem::path cache_dir;
  // Findings whose fingerprint is in this baseline file are dropped; empty: none.
  std::filesystem::path baseline;
  Severity min_severity = Severity::kInfo;  // findings below it are not reported
};

// Scans every supported file under options.paths. Files it cannot analyse are reported in
// ScanResult::skipped and the scan goes on; errors only for unusable options (a path that does
// not exist, an unreadable baseline, an unwritable cache directory).
core::Result<ScanResult> scan(const RuleSet& rules, const ScanOptions& options);

// Scans one file's contents, named `name` (its extension picks the language unless `language` is
// given). Errors: invalid_argument when the language is unknown or the text is not UTF-8 or is
// larger than limits.max_file_bytes.
core::Result<ScanResult> scan_text(const RuleSet& rules, std::string_view text,
                                   const std::filesystem::path& name,
                                   std::optional<Language> language = std::nullopt,
                                   const ScanLimits& limits = {});

}  // namespace ward::scan
