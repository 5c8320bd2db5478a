#include "scan/files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <utility>
#include <vector>

#include "support/test_support.h"

namespace ward::scan {
namespace {

namespace fs = std::filesystem;
using test::TempDir;
using test::write_text;

// The files of a FileSet relative to `root`, with their language ("-" for a secrets-only file).
std::vector<std::string> listing(const FileSet& set, const fs::path& root) {
  std::vector<std::string> out;
  for (const auto& file : set.files) {
    out.push_back(file.path.lexically_relative(root).generic_string() + " " +
                  (file.language ? std::string(language_name(*file.language)) : "-"));
  }
  return out;
}

std::vector<std::string> skipped(const FileSet& set, const fs::path& root) {
  std::vector<std::string> out;
  for (const auto& note : set.skipped) {
    out.push_back(note.file.lexically_relative(root).generic_string() + ": " + note.reason);
  }
  return out;
}

FileSet collect(const std::vector<fs::path>& paths, ScanLimits limits = {}) {
  auto result = collect_files(paths, limits);
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().to_string());
  return result.ok() ? std::move(result).value() : FileSet{};
}

// ---------------------------------------------------------------------------------------------
// valid_utf8, format_size

TEST(ScanFiles, ValidUtf8AcceptsWellFormedAndRejectsTheRest) {
  struct Case {
    std::string text;
    bool valid;
    std::size_t bad_offset;
  };
  const Case cases[] = {
      {"", true, 0},
      {"plain ascii, long enough for the eight-byte fast path", true, 0},
      {"caf\xC3\xA9", true, 0},                // U+00E9
      {"\xE2\x82\xAC", true, 0},               // U+20AC
      {"\xEF\xBB\xBFx = 1", true, 0},          // a byte order mark
      {"\xF0\x9D\x84\x9E", true, 0},           // U+1D11E
      {"\xF4\x8F\xBF\xBF", true, 0},           // U+10FFFF, the last code point
      {"\xED\x9F\xBF", true, 0},               // U+D7FF, just below the surrogates
      {"ab\xC0\xAF", false, 2},                // overlong '/'
      {"\xC1\xBF", false, 0},                  // overlong
      {"\xE0\x80\xAF", false, 0},              // overlong, three bytes
      {"\xF0\x80\x80\xAF", false, 0},          // overlong, four bytes
      {"x\xED\xA0\x80", false, 1},             // U+D800, a surrogate
      {"\xED\xBF\xBF", false, 0},              // U+DFFF, a surrogate
      {"\xF4\x90\x80\x80", false, 0},          // U+110000
      {"\xF5\x80\x80\x80", false, 0},          // no such lead byte
      {"\xFF", false, 0},                      //
      {"abc\x80", false, 3},                   // a lone continuation byte
      {"ab\xE2\x82", false, 2},                // truncated at the end
      {"ab\xE2\x82z", false, 2},               // truncated in the middle
      {"0123456789abcdefghij\xFE", false, 20}  // after the fast path
  };
  for (const auto& c : cases) {
    std::size_t bad = 12345;
    EXPECT_EQ(valid_utf8(c.text, &bad), c.valid) << testing::PrintToString(c.text);
    if (!c.valid) {
      EXPECT_EQ(bad, c.bad_offset) << testing::PrintToString(c.text);
    }
  }
  EXPECT_FALSE(valid_utf8("\xC3", nullptr));
}

TEST(ScanFiles, FormatSizeRoundsUpToOneDecimal) {
  EXPECT_EQ(format_size(0), "0 bytes");
  EXPECT_EQ(format_size(1), "1 byte");
  EXPECT_EQ(format_size(1000), "1000 bytes");
  EXPECT_EQ(format_size(1024), "1 KiB");
  EXPECT_EQ(format_size(1536), "1.5 KiB");
  EXPECT_EQ(format_size(2 * 1024 * 1024), "2 MiB");
  EXPECT_EQ(format_size(2 * 1024 * 1024 + 512 * 1024), "2.5 MiB");
  EXPECT_EQ(format_size(2 * 1024 * 1024 + 1), "2.1 MiB");  // never "2 MiB" when over 2 MiB
  EXPECT_EQ(format_size(3ULL * 1024 * 1024 * 1024), "3 GiB");
}

// ---------------------------------------------------------------------------------------------
// .wardignore patterns

TEST(ScanFiles, WardignorePatternsFollowGitignore) {
  struct Case {
    std::string rules;
    std::string path;
    bool is_directory;
    std::optional<bool> excluded;
  };
  const Case cases[] = {
      // A name without a slash matches at any depth.
      {"*.log", "a.log", false, true},
      {"*.log", "deep/er/a.log", false, true},
      {"*.log", "a.log.txt", false, std::nullopt},
      {"secret.py", "x/secret.py", false, true},
      // `*` and `?` do not cross '/'.
      {"a/*.py", "a/b.py", false, true},
      {"a/*.py", "a/b/c.py", false, std::nullopt},
      {"?.py", "x.py", false, true},
      {"?.py", "xy.py", false, std::nullopt},
      // Character classes.
      {"file[0-9].py", "file7.py", false, true},
      {"file[0-9].py", "filex.py", false, std::nullopt},
      {"file[!0-9].py", "filex.py", false, true},
      {"[[]x", "[x", false, true},
      {"[unclosed", "[unclosed", false, true},
      // A trailing slash matches directories only.
      {"build/", "build", true, true},
      {"build/", "build", false, std::nullopt},
      {"build/", "src/build", true, true},
      // A leading or middle slash anchors the pattern to the .wardignore's directory.
      {"/build", "build", true, true},
      {"/build", "src/build", true, std::nullopt},
      {"src/gen", "src/gen", true, true},
      {"src/gen", "other/src/gen", true, std::nullopt},
      // `**`.
      {"**/fixtures", "fixtures", true, true},
      {"**/fixtures", "a/b/fixtures", true, true},
      {"docs/**/secret.yaml", "docs/secret.yaml", false, true},
      {"docs/**/secret.yaml", "docs/a/b/secret.yaml", false, true},
      {"docs/**/secret.yaml", "other/docs/secret.yaml", false, std::nullopt},
      {"out/**", "out/a", false, true},
      {"out/**", "out/a/b.py", false, true},
      {"out/**", "out", true, std::nullopt},  // what is inside, not the directory itself
      {"a**b.py", "axxb.py", false, true},    // elsewhere `**` is a plain `*`
      // Negation: the last matching pattern wins.
      {"*.py\n!keep.py", "keep.py", false, false},
      {"*.py\n!keep.py", "drop.py", false, true},
      {"!keep.py\n*.py", "keep.py", false, true},
      // Comments, blank lines, escapes, trailing spaces, CRLF.
      {"# *.py\n\n", "a.py", false, std::nullopt},
      {"\\#hash.py", "#hash.py", false, true},
      {"\\!bang.py", "!bang.py", false, true},
      {"a.py   ", "a.py", false, true},
      {"a.py\\ ", "a.py ", false, true},
      {"a.py\r\nb.py\r\n", "b.py", false, true},
      {"/", "a.py", false, std::nullopt},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(wardignore_decision(c.rules, c.path, c.is_directory), c.excluded)
        << "rules " << testing::PrintToString(c.rules) << " path " << c.path;
  }
}

// A pattern built to make a backtracking matcher take exponential time must stay fast.
TEST(ScanFiles, WardignoreMatchingHasNoExponentialBlowUp) {
  std::string rules = "/";
  for (int i = 0; i < 30; ++i) rules += "**/a*a*a*a*a*a/";
  rules += "b";
  std::string path;
  for (int i = 0; i < 40; ++i) path += std::string(60, 'a') + "/";
  path += "c";
  EXPECT_EQ(wardignore_decision(rules, path, false), std::nullopt);
}

// ---------------------------------------------------------------------------------------------
// collect_files

TEST(ScanFiles, WalksNestedDirectoriesInSortedOrderWithLanguages) {
  TempDir dir;
  // Created out of order: the walk sorts.
  write_text(dir / "z.py", "x = 1\n");
  write_text(dir / "src/b/util.js", "let a;\n");
  write_text(dir / "src/a.go", "package a\n");
  write_text(dir / "src/Main.java", "class Main {}\n");
  write_text(dir / "README.md", "# readme\n");  // neither code nor a secrets file
  write_text(dir / "config/app.yaml", "key: v\n");
  write_text(dir / ".env", "TOKEN=x\n");
  write_text(dir / ".env.local", "TOKEN=x\n");
  write_text(dir / "deploy/Dockerfile", "FROM scratch\n");
  write_text(dir / "deploy/id.PEM", "-----BEGIN-----\n");
  write_text(dir / "deploy/notes.txt", "nothing\n");
  // Version control and dependency directories are passed over; vendor/ and build/ are not.
  write_text(dir / ".git/hooks/pre-commit.sh", "#!/bin/sh\n");
  write_text(dir / "node_modules/lib/index.js", "x\n");
  write_text(dir / ".venv/lib/site.py", "x\n");
  write_text(dir / "pkg/__pycache__/m.py", "x\n");
  write_text(dir / "vendor/dep/dep.go", "package dep\n");
  write_text(dir / "build/gen.c", "int x;\n");

  const FileSet set = collect({dir.path()});
  EXPECT_EQ(listing(set, dir.path()),
            (std::vector<std::string>{
                ".env -", ".env.local -", "build/gen.c c", "config/app.yaml -",
                "deploy/Dockerfile -", "deploy/id.PEM -", "src/Main.java java", "src/a.go go",
                "src/b/util.js javascript", "vendor/dep/dep.go go", "z.py python"}));
  EXPECT_TRUE(set.skipped.empty()) << testing::PrintToString(skipped(set, dir.path()));

  // Deterministic: the same walk gives the same list.
  const FileSet again = collect({dir.path()});
  EXPECT_EQ(listing(again, dir.path()), listing(set, dir.path()));
}

TEST(ScanFiles, SecretTextFilesAreRecognisedByNameAndExtension) {
  for (const char* name :
       {".env",   "prod.env", ".env.production", "a.yml",           "a.JSON",     "x.toml",
        "x.ini",  "x.cfg",    "x.conf",          "x.properties",    "pom.xml",    "run.sh",
        "x.bash", "main.tf",  "prod.tfvars",     "server.key",      "Dockerfile", "Dockerfile.dev",
        ".npmrc", ".pypirc",  ".netrc",          ".git-credentials"}) {
    EXPECT_TRUE(is_secret_text_file(fs::path("dir") / name)) << name;
  }
  for (const char* name : {"README.md", "notes.txt", "env", "x.envy", "Makefile", "a.py"}) {
    EXPECT_FALSE(is_secret_text_file(fs::path("dir") / name)) << name;
  }
}

TEST(ScanFiles, ExplicitPathsAreAlwaysUsed) {
  TempDir dir;
  write_text(dir / "notes.txt", "unknown extension\n");
  write_text(dir / "node_modules/dep/index.js", "x\n");
  write_text(dir / "app.py", "x\n");
  // An explicit file is kept whatever its extension; an explicit directory is walked even when
  // it is one the walk passes over; a file named twice is listed once.
  const FileSet set =
      collect({dir / "notes.txt", dir / "node_modules", dir / "app.py", dir / "app.py"});
  EXPECT_EQ(listing(set, dir.path()),
            (std::vector<std::string>{"notes.txt -", "node_modules/dep/index.js javascript",
                                      "app.py python"}));
}

TEST(ScanFiles, MissingPathIsAnError) {
  TempDir dir;
  write_text(dir / "a.py", "x\n");
  auto result = collect_files({dir / "a.py", dir / "nope"}, {});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), core::Code::kInvalidArgument);
  EXPECT_EQ(result.error().where(), (dir / "nope").string());
  EXPECT_EQ(result.error().message(), "the path to scan does not exist; check its spelling");
}

TEST(ScanFiles, DotPrefixIsNormalisedAway) {
  TempDir dir;
  write_text(dir / "src/a.py", "x\n");
  const fs::path saved = fs::current_path();
  fs::current_path(dir.path());
  auto dot = collect_files({"."}, {});
  auto dot_src = collect_files({"./src/"}, {});
  fs::current_path(saved);
  ASSERT_TRUE(dot.ok());
  ASSERT_TRUE(dot_src.ok());
  ASSERT_EQ(dot->files.size(), 1u);
  EXPECT_EQ(dot->files[0].path.generic_string(), "src/a.py");
  ASSERT_EQ(dot_src->files.size(), 1u);
  EXPECT_EQ(dot_src->files[0].path.generic_string(), "src/a.py");
}

TEST(ScanFiles, WardignoreFilesApplyToTheirDirectoryAndBelow) {
  TempDir dir;
  write_text(dir / ".wardignore",
             "# generated code\n"
             "*.gen.py\n"
             "!keep.gen.py\n"
             "/out/\n"      // anchored: only the top-level out/
             "fixtures/\n"  // any directory called fixtures
             "docs/**/*.yaml\n");
  write_text(dir / "a.py", "x\n");
  write_text(dir / "a.gen.py", "x\n");
  write_text(dir / "keep.gen.py", "x\n");
  write_text(dir / "out/o.py", "x\n");
  write_text(dir / "src/out/o.py", "x\n");
  write_text(dir / "src/fixtures/f.py", "x\n");
  write_text(dir / "src/b.gen.py", "x\n");
  write_text(dir / "docs/a.yaml", "k: v\n");
  write_text(dir / "docs/deep/er/b.yaml", "k: v\n");
  write_text(dir / "docs/c.json", "{}\n");
  // A deeper .wardignore beats the root's, and anchors to its own directory.
  write_text(dir / "lib/.wardignore", "!*.gen.py\n/local.py\n");
  write_text(dir / "lib/x.gen.py", "x\n");
  write_text(dir / "lib/local.py", "x\n");
  write_text(dir / "lib/sub/local.py", "x\n");
  write_text(dir / "other/local.py", "x\n");

  const FileSet set = collect({dir.path()});
  EXPECT_EQ(listing(set, dir.path()),
            (std::vector<std::string>{"a.py python", "docs/c.json -", "keep.gen.py python",
                                      "lib/sub/local.py python", "lib/x.gen.py python",
                                      "other/local.py python", "src/out/o.py python"}));
  EXPECT_TRUE(set.skipped.empty()) << testing::PrintToString(skipped(set, dir.path()));
}

TEST(ScanFiles, NegationCannotReincludeInsideAnExcludedDirectory) {
  TempDir dir;
  write_text(dir / ".wardignore", "gen/\n!gen/keep.py\nall/**\n!all/keep.py\n");
  write_text(dir / "gen/keep.py", "x\n");
  write_text(dir / "all/keep.py", "x\n");
  write_text(dir / "all/drop.py", "x\n");
  const FileSet set = collect({dir.path()});
  // gen/ is never entered; all/** excludes what is inside all/, so the negation applies.
  EXPECT_EQ(listing(set, dir.path()), (std::vector<std::string>{"all/keep.py python"}));
}

TEST(ScanFiles, WardignoreAboveTheScannedDirectoryAppliesInsideARepository) {
  TempDir dir;
  fs::create_directories(dir / "repo/.git");
  write_text(dir / "repo/.wardignore", "/svc/api/gen/\n*.tmp.py\n");
  write_text(dir / "repo/svc/.wardignore", "api/skip.py\n");
  write_text(dir / "repo/svc/api/main.py", "x\n");
  write_text(dir / "repo/svc/api/skip.py", "x\n");
  write_text(dir / "repo/svc/api/a.tmp.py", "x\n");
  write_text(dir / "repo/svc/api/gen/g.py", "x\n");
  const FileSet set = collect({dir / "repo/svc/api"});
  EXPECT_EQ(listing(set, dir / "repo/svc/api"), (std::vector<std::string>{"main.py python"}));

  // Outside a repository only the scanned directory's own .wardignore files count.
  TempDir plain;
  write_text(plain / ".wardignore", "*.py\n");
  write_text(plain / "sub/a.py", "x\n");
  EXPECT_EQ(listing(collect({plain / "sub"}), plain / "sub"),
            (std::vector<std::string>{"a.py python"}));
}

TEST(ScanFiles, SymlinkLoopsAndBrokenLinksAreSkippedWithAReason) {
  TempDir dir;
  write_text(dir / "a/code.py", "x\n");
  fs::create_directory_symlink("..", dir / "a/up");       // a loop back to the root
  fs::create_directory_symlink("a", dir / "b");           // the same directory under another name
  fs::create_symlink("code.py", dir / "a/alias.py");      // a link to a file: followed
  fs::create_symlink("missing.py", dir / "a/broken.py");  // broken
  fs::create_symlink("self.py", dir / "self.py");         // links to itself

  const FileSet set = collect({dir.path()});
  EXPECT_EQ(listing(set, dir.path()),
            (std::vector<std::string>{"a/alias.py python", "a/code.py python"}));
  EXPECT_EQ(skipped(set, dir.path()),
            (std::vector<std::string>{
                "a/broken.py: broken symbolic link (its target missing.py does not exist)",
                "a/up: symlink loop", "self.py: symlink loop"}));
}

TEST(ScanFiles, SpecialFilesArePassedOverAndNeverOpened) {
  TempDir dir;
  ASSERT_EQ(::mkfifo((dir / "pipe.py").c_str(), 0600), 0);
  write_text(dir / "a.py", "x\n");
  const FileSet set = collect({dir.path()});
  EXPECT_EQ(listing(set, dir.path()), (std::vector<std::string>{"a.py python"}));

  const FileSet explicit_set = collect({dir / "pipe.py"});
  EXPECT_EQ(skipped(explicit_set, dir.path()),
            (std::vector<std::string>{"pipe.py: not a regular file or directory"}));

  auto text = read_source(dir / "pipe.py", {});  // must not block
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().message(), "not a regular file");
}

TEST(ScanFiles, MaxFilesStopsTheWalkWithANote) {
  TempDir dir;
  for (const char* name : {"e.py", "d.py", "c.py", "b.py", "a.py"}) write_text(dir / name, "x\n");
  ScanLimits limits;
  limits.max_files = 3;
  const FileSet set = collect({dir.path()}, limits);
  EXPECT_EQ(listing(set, dir.path()),
            (std::vector<std::string>{"a.py python", "b.py python", "c.py python"}));
  EXPECT_EQ(
      skipped(set, dir.path()),
      (std::vector<std::string>{
          "d.py: the limit of 3 files was reached here; raise --max-files to scan the rest"}));
}

TEST(ScanFiles, UnreadableFilesAndDirectoriesAreSkippedNotFatal) {
  TempDir dir;
  write_text(dir / "ok.py", "x\n");
  write_text(dir / "secret.py", "x\n");
  write_text(dir / "locked/inner.py", "x\n");
  write_text(dir / "unreadable-ignore/.wardignore", "*.py\n");
  write_text(dir / "unreadable-ignore/kept.py", "x\n");
  ASSERT_EQ(::chmod((dir / "secret.py").c_str(), 0), 0);
  ASSERT_EQ(::chmod((dir / "locked").c_str(), 0), 0);
  ASSERT_EQ(::chmod((dir / "unreadable-ignore/.wardignore").c_str(), 0), 0);
  test::run_without_root(dir, [&] {
    const FileSet set = collect({dir.path()});
    EXPECT_EQ(listing(set, dir.path()),
              (std::vector<std::string>{"ok.py python", "unreadable-ignore/kept.py python"}));
    EXPECT_EQ(skipped(set, dir.path()),
              (std::vector<std::string>{
                  "locked: cannot list the directory: permission denied",
                  "secret.py: cannot open it: permission denied",
                  "unreadable-ignore/.wardignore: cannot open it: permission denied; its rules "
                  "were not applied"}));

    auto text = read_source(dir / "secret.py", {});
    ASSERT_FALSE(text.ok());
    EXPECT_EQ(text.error().code(), core::Code::kFailedPrecondition);
    EXPECT_EQ(text.error().message(), "cannot open it: permission denied");
  });
  ::chmod((dir / "locked").c_str(), 0700);  // so that TempDir can clean up as a non-root user
}

// ---------------------------------------------------------------------------------------------
// read_source

TEST(ScanFiles, ReadSourceReturnsTheBytesAsTheyAre) {
  TempDir dir;
  const std::string text = "\xEF\xBB\xBFprint('h\xC3\xA9llo')\r\n";
  write_text(dir / "bom.py", text);
  auto read = read_source(dir / "bom.py", {});
  ASSERT_TRUE(read.ok()) << read.error().to_string();
  EXPECT_EQ(*read, text);

  write_text(dir / "empty.py", "");
  auto empty = read_source(dir / "empty.py", {});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, "");
}

TEST(ScanFiles, ReadSourceRefusesWhatItMustNotScan) {
  TempDir dir;
  write_text(dir / "big.py", std::string(2600, 'x'));
  write_text(dir / "huge.py", std::string(2 * 1024 * 1024 + 512 * 1024, 'x'));
  write_text(dir / "exact.py", std::string(1000, 'x'));
  std::string binary = "ELF";
  binary += '\0';
  binary += "more";
  write_text(dir / "blob.py", binary);
  std::string late_nul(9000, 'x');  // only the first 8 KiB are probed for a NUL byte
  late_nul[8500] = '\0';
  write_text(dir / "late.py", late_nul);
  write_text(dir / "latin1.py", "name = 'caf\xE9'\n");

  struct Case {
    const char* file;
    std::uint64_t limit;
    core::Code code;
    std::string message;
  };
  const Case cases[] = {
      {"big.py", 1000, core::Code::kResourceExhausted,
       "2.6 KiB is over the 1000-byte limit; raise --max-file-size to scan it"},
      {"huge.py", 2 * 1024 * 1024, core::Code::kResourceExhausted,
       "2.5 MiB is over the 2 MiB limit; raise --max-file-size to scan it"},
      {"blob.py", 1000, core::Code::kInvalidArgument, "binary file (a NUL byte at offset 3)"},
      {"latin1.py", 1000, core::Code::kInvalidArgument,
       "not valid UTF-8 (the first invalid byte is at offset 11)"},
      {"missing.py", 1000, core::Code::kNotFound, "cannot open it: no such file or directory"},
  };
  for (const auto& c : cases) {
    ScanLimits limits;
    limits.max_file_bytes = c.limit;
    auto read = read_source(dir / c.file, limits);
    ASSERT_FALSE(read.ok()) << c.file;
    EXPECT_EQ(read.error().code(), c.code) << c.file;
    EXPECT_EQ(read.error().where(), (dir / c.file).string());
    EXPECT_EQ(read.error().message(), c.message) << c.file;
  }

  ScanLimits limits;
  limits.max_file_bytes = 1000;
  EXPECT_TRUE(read_source(dir / "exact.py", limits).ok());  // the limit itself is allowed
  // A NUL past the probe is not taken as a binary marker, and NUL is valid UTF-8: it reads.
  auto late = read_source(dir / "late.py", {});
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(late->size(), 9000u);
}

}  // namespace
}  // namespace ward::scan
