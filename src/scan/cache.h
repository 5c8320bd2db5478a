#pragma once
// The incremental-scan cache: each file's findings, keyed by the file's path and the SHA-256 of
// its content, so that a later scan re-analyses only the files that changed.
//
// The cache is one JSON file, `<dir>/scan-cache.json`, read once by open() and written atomically
// (core::write_file_atomic: a temporary file, fsync, rename) by save(). It is invalidated
// wholesale — every entry dropped — when the digest of the rule set (computed by the caller from
// the loaded rules) or Ward's version differs from the ones it was written with. A cache file
// that is missing, unreadable, not JSON or of the wrong shape is treated as empty, never as an
// error: the scan is then a full one, and save() replaces the file.
//
//   {"format": 1, "ward_version": "0.9.0", "rules_digest": "…",
//    "files": {"src/app.py": {"sha256": "…", "findings": [Finding…]}, …}}
//
// Findings use finding_json.h's shapes. Paths are the keys as the scan names the files (relative
// to the working directory when the paths given were), so a scan started from another directory
// misses rather than reuses findings under wrong names.
//
// Threads: open() and save() are called by one thread, before and after the scan; lookup() and
// store() may be called concurrently by scan threads (and concurrently with save()). The entries
// are guarded by one mutex; hashing happens outside it.

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "scan/digest.h"  // sha256_hex(), the content key
#include "scan/finding.h"

namespace ward::scan {

class ScanCache {
 public:
  // The cache file's format version; a file with another is discarded.
  static constexpr int kFormat = 1;
  static constexpr std::string_view kFileName = "scan-cache.json";

  // Creates `dir` (mode 0700) if needed and loads `dir`/scan-cache.json when it was written for
  // `rules_digest` and this Ward version. Errors only when `dir` cannot be created or written
  // (core::ensure_writable_directory's errors, with "the scan cache directory" as context).
  static core::Result<ScanCache> open(const std::filesystem::path& dir, std::string rules_digest);

  ScanCache(ScanCache&&) noexcept;
  ScanCache& operator=(ScanCache&&) noexcept;
  ~ScanCache();

  // The findings stored for `file` when its content is still `content`; nullopt on a miss (the
  // file is not in the cache, or its content changed).
  std::optional<std::vector<Finding>> lookup(const std::filesystem::path& file,
                                             std::string_view content) const;

  // Records the findings of `file` with content `content`, replacing what was stored for it.
  void store(const std::filesystem::path& file, std::string_view content,
             const std::vector<Finding>& findings);

  // Writes the cache file atomically (mode 0600). Entries neither looked up with a hit nor stored
  // since open() are kept only while their file still exists, so deleted files do not pile up.
  // Does nothing when nothing changed. Errors: the I/O errors of core::write_file_atomic.
  core::Status save();

  // The number of files with an entry.
  std::size_t size() const;

  // Where the cache lives: `dir`/scan-cache.json.
  const std::filesystem::path& file() const;

 private:
  struct State;
  explicit ScanCache(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace ward::scan
