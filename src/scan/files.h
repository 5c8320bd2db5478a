#pragma once
// Which files a scan reads, and reading one of them safely.
//
// collect_files() turns the paths given to `ward scan` into the list of files to analyse, in a
// deterministic order, and notes what it passed over and why; read_source() reads one file and
// refuses what the scanner must not analyse (too large, binary, not UTF-8). Neither ever aborts a
// scan because of one bad file: a file or directory that cannot be used becomes a Skipped note.
// Plain functions with no shared state; any thread may call them.
//
// What a directory walk includes
//   * files whose extension names a language the scanner parses (language_of() in language.h);
//   * text files that commonly hold secrets, which only the secret rules read (language nullopt):
//     extensions .env .yaml .yml .json .toml .ini .cfg .conf .properties .xml .sh .bash .zsh
//     .tf .tfvars .pem .key (case-insensitive), and the names .env, .env.* (.env.local,
//     .env.production …), Dockerfile, Dockerfile.*, .npmrc, .pypirc, .netrc, .git-credentials,
//     .dockercfg. is_secret_text_file() decides it.
//   * regular files only (after following symbolic links); FIFOs, sockets and devices are passed
//     over without a note, since opening them could block or have side effects.
//
// What a directory walk passes over without a note
//   * directories managed by version control or by a package manager, which hold no code of the
//     project's own: .git .hg .svn .bzr _darcs node_modules bower_components .venv venv
//     __pycache__ .tox .nox .mypy_cache .pytest_cache .ruff_cache (kDefaultSkippedDirectories).
//     Build directories and `vendor/` are NOT passed over: vendored code ships with the product,
//     so it is scanned unless a .wardignore says otherwise (`vendor/`, `build/`).
//   * whatever a .wardignore file excludes (see below);
//   * a directory reached a second time through a symbolic link that is not a loop (a link to a
//     sibling directory already walked): its files are listed once, under the first name met.
//     Files reached through a symbolic link are listed under each name (they are not deduplicated).
//
// What becomes a Skipped note: a symbolic link loop ("symlink loop"), a broken symbolic link, a
// directory that cannot be listed, a file that cannot be read, a path given explicitly that is
// not a regular file or directory, an unreadable .wardignore, and reaching limits.max_files.
//
// .wardignore files use a subset of gitignore syntax: blank lines and lines starting with `#` are
// ignored; `*` matches anything but `/`, `?` one character but `/`, `[abc]`, `[a-z]`, `[!a]` a
// character class; `**/` at the start or `/**/` in the middle match zero or more directories,
// `/**` at the end everything inside; a trailing `/` matches directories only; a pattern with a
// `/` at its start or middle is anchored to the .wardignore's directory, one without matches a
// name at any depth; `!` re-includes what an earlier pattern excluded (not inside an excluded
// directory, which is never entered); `\` escapes the next character (`\#`, `\!`, `\ `); trailing
// spaces are dropped. The last matching pattern wins, and a deeper .wardignore beats a shallower
// one. A .wardignore applies to its directory and everything below; when a directory given to
// the scan lies inside a git repository (an ancestor holds `.git`), the .wardignore files of the
// ancestors up to the repository's root apply too. Paths given explicitly are always used, even
// where a rule or kDefaultSkippedDirectories would exclude them.

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "scan/finding.h"
#include "scan/language.h"
#include "scan/scanner.h"

namespace ward::scan {

// A file to analyse.
struct SourceFile {
  // As the scan names it: the path given, or a directory given joined with the path below it
  // ("./" and "dir/./" are normalised away, so `ward scan .` names files "src/app.py").
  std::filesystem::path path;
  // The language to parse it as; nullopt for a text file only the secret rules read.
  std::optional<Language> language;
};

struct FileSet {
  std::vector<SourceFile> files;  // in walk order: the paths as given, each directory sorted
  std::vector<Skipped> skipped;   // in the order met
};

inline constexpr std::string_view kDefaultSkippedDirectories[] = {
    ".git",       ".hg",  ".svn",        ".bzr", "_darcs", "node_modules", "bower_components",
    ".venv",      "venv", "__pycache__", ".tox", ".nox",   ".mypy_cache",  ".pytest_cache",
    ".ruff_cache"};

// The name of the per-directory ignore file.
inline constexpr std::string_view kIgnoreFileName = ".wardignore";

// Collects the files to scan under `paths` (each a file or a directory). Directories are walked
// recursively, entries sorted by name (byte order), depth first; paths are taken in the order
// given, and a file named twice is listed once. At most limits.max_files files are kept; reaching
// the limit stops the walk and adds a Skipped note naming the first file left out.
// Errors: invalid_argument naming the path when a path does not exist (nothing else fails).
core::Result<FileSet> collect_files(const std::vector<std::filesystem::path>& paths,
                                    const ScanLimits& limits);

// Whether a walk includes `file` as a text file for the secret rules (the list above).
bool is_secret_text_file(const std::filesystem::path& file);

// Reads a file to scan. The text is returned byte for byte, so a UTF-8 byte order mark, if any,
// is still at its start (tree-sitter skips it; byte offsets stay those of the file on disk).
// Errors, each with `where` = the path and a message that is the reason, suitable as-is for a
// Skipped note:
//   resource_exhausted  "2.5 MiB is over the 2 MiB limit; raise --max-file-size to scan it"
//   invalid_argument    "binary file (a NUL byte at offset 12)" (a NUL in the first 8 KiB),
//                       "not valid UTF-8 (the first invalid byte is at offset 40)",
//                       "not a regular file"
//   not_found / failed_precondition / unavailable
//                       "cannot open it: permission denied" (the errno text), "cannot read it: …"
core::Result<std::string> read_source(const std::filesystem::path& path, const ScanLimits& limits);

// Whether `text` is well-formed UTF-8: no overlong forms, no surrogates (U+D800..U+DFFF), nothing
// above U+10FFFF, no truncated sequence. When it is not and `bad_offset` is not null, stores the
// offset of the first byte of the first ill-formed sequence there.
bool valid_utf8(std::string_view text, std::size_t* bad_offset = nullptr);

// How one .wardignore file, given as its text, decides `relative_path` ('/'-separated, relative to
// the .wardignore's directory; no leading "./"): true when excluded, false when a `!` pattern
// re-includes it, nullopt when no pattern matches. Parents are not consulted (a walk never enters
// an excluded directory). Exposed for tests.
std::optional<bool> wardignore_decision(std::string_view rules_text, std::string_view relative_path,
                                        bool is_directory);

// "1000 bytes", "4 KiB", "2.5 MiB": a size as the scanner's messages print it, rounded up to one
// decimal so that a size just over a limit never prints as the limit itself.
std::string format_size(std::uint64_t bytes);

}  // namespace ward::scan
