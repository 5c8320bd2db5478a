#pragma once
// A baseline: the findings a team has reviewed and accepted, kept in a file (usually committed
// next to the code) so that later scans report only new findings. Findings are matched by
// fingerprint (finding.h), which survives unrelated edits of the file.
//
// The file is JSON, sorted by fingerprint, then rule, then file, so that it diffs well:
//
//   {"version": 1,
//    "fingerprints": [{"fingerprint": "…", "rule": "python.yaml-load", "file": "app/a.py"}, …]}
//
// Only "fingerprint" decides suppression; "rule" and "file" are there for the people who review
// the file. A Baseline is immutable once loaded and may be shared by threads.

#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "scan/finding.h"

namespace ward::scan {

class Baseline {
 public:
  // The format version this build reads and writes.
  static constexpr int kVersion = 1;

  // An empty baseline, which suppresses nothing.
  Baseline() = default;

  // Reads a baseline file. Errors name the file: not_found when it does not exist; invalid_argument
  // when it is not JSON, when its version is not one this build reads, or when it has the wrong
  // shape (what is wrong is said); I/O errors as core::read_file reports them.
  static core::Result<Baseline> load(const std::filesystem::path& path);

  // Whether a finding with this fingerprint was accepted.
  bool contains(std::string_view fingerprint) const;

  // How many distinct fingerprints the baseline holds.
  size_t size() const { return fingerprints_.size(); }

  // Atomically replaces `path` with a baseline that accepts every finding in `findings`
  // (duplicates once), mode 0644 so it can be committed and shared. Errors: invalid_argument when
  // a finding has no fingerprint; I/O errors from core::write_file_atomic, naming the file.
  static core::Status write(const std::filesystem::path& path,
                            const std::vector<Finding>& findings);

 private:
  std::set<std::string, std::less<>> fingerprints_;
};

}  // namespace ward::scan
