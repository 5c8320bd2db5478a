// scan() over real directories: ordering, files it cannot (fully) analyse, severity filtering,
// baselines, determinism across thread counts, and secrets that must never be shown.

#include "scan/scanner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "scan/baseline.h"
#include "scan/report.h"
#include "scan_test_support.h"
#include "support/test_support.h"

namespace ward::scan {
namespace {

using test::TempDir;
using test::write_text;

ScanResult run_scan(const ScanOptions& options) {
  auto result = scan(builtin_rules(), options);
  EXPECT_TRUE(result.ok()) << result.error().to_string();
  if (!result.ok()) throw std::runtime_error(result.error().to_string());
  return std::move(*result);
}

ScanResult run_scan(std::vector<std::filesystem::path> paths, unsigned threads = 2) {
  ScanOptions options;
  options.paths = std::move(paths);
  options.threads = threads;
  return run_scan(options);
}

// (file name relative to `root`, line, rule) of every finding of the given rules.
using Place = std::tuple<std::string, uint32_t, std::string>;
std::vector<Place> places(const ScanResult& result, const std::filesystem::path& root,
                          const std::vector<std::string>& rules) {
  std::vector<Place> out;
  for (const auto& finding : result.findings) {
    if (std::find(rules.begin(), rules.end(), finding.rule_id) == rules.end()) continue;
    out.emplace_back(finding.file.lexically_relative(root).generic_string(),
                     finding.span.start_line, finding.rule_id);
  }
  return out;
}

const Skipped* skipped_for(const ScanResult& result, const std::filesystem::path& file) {
  for (const auto& skipped : result.skipped) {
    if (skipped.file == file) return &skipped;
  }
  return nullptr;
}

// A deterministic string of `n` characters from `alphabet` (secrets are built at run time so that
// no secret-looking literal is committed).
std::string random_chars(std::string_view alphabet, size_t n, unsigned seed) {
  std::mt19937 generator(seed);
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::string out;
  for (size_t i = 0; i < n; ++i) out += alphabet[pick(generator)];
  return out;
}

const std::string kYaml = "python.yaml-load";
const std::string kMd5 = "python.weak-hash";

TEST(ScanScanner, FindingsAreSortedByFileThenLine) {
  TempDir dir;
  write_text(dir / "a.py", "import yaml\n\n\ndata = yaml.load(text)\n");
  write_text(dir / "b.py",
             "import hashlib, yaml\n"
             "\n"
             "digest = hashlib.md5(data)\n"
             "\n"
             "data = yaml.load(text)\n");
  write_text(dir / "sub/c.py", "import yaml\ndata = yaml.load(text)\n");
  // Paths given out of order: the result is still sorted.
  auto result = run_scan({dir / "sub", dir / "b.py", dir / "a.py"});
  EXPECT_EQ(
      places(result, dir.path(), {kYaml, kMd5}),
      (std::vector<Place>{
          {"a.py", 4, kYaml}, {"b.py", 3, kMd5}, {"b.py", 5, kYaml}, {"sub/c.py", 2, kYaml}}));
  EXPECT_TRUE(std::is_sorted(result.findings.begin(), result.findings.end(),
                             [](const Finding& a, const Finding& b) {
                               return std::tie(a.file, a.span.start_line, a.span.start_column) <
                                      std::tie(b.file, b.span.start_line, b.span.start_column);
                             }));
  EXPECT_EQ(result.files_scanned, 3u);
  EXPECT_TRUE(result.skipped.empty());
}

// A final newline ends a line; it does not start another.
TEST(ScanScanner, LinesScannedCountsTheLinesOfEachFile) {
  TempDir dir;
  write_text(dir / "a.py", "import yaml\n\n\ndata = yaml.load(text)\n");  // 4 lines
  write_text(dir / "b.py", "x = 1\ny = 2");  // 2 lines, no final newline
  auto result = run_scan({dir.path()});
  EXPECT_EQ(result.files_scanned, 2u);
  EXPECT_EQ(result.lines_scanned, 6u);
}

TEST(ScanScanner, ASyntaxErrorStillReportsTheParsablePartsWithANote) {
  TempDir dir;
  write_text(dir / "broken.py",
             "import yaml\n"
             "\n"
             "data = yaml.load(text)\n"
             "\n"
             "def broken(:\n"
             "    pass\n");
  auto result = run_scan({dir.path()});
  EXPECT_EQ(places(result, dir.path(), {kYaml}), (std::vector<Place>{{"broken.py", 3, kYaml}}));
  const Skipped* note = skipped_for(result, dir / "broken.py");
  ASSERT_NE(note, nullptr);
  EXPECT_NE(note->reason.find("syntax error"), std::string::npos) << note->reason;
  EXPECT_EQ(result.files_scanned, 1u);
}

TEST(ScanScanner, ASyntaxErrorNoteNamesTheLineOfAnErrorNode) {
  TempDir dir;
  write_text(dir / "broken.py",
             "import yaml\n"
             "\n"
             "data = yaml.load(text)\n"
             "\n"
             "if x == ==:\n"
             "    pass\n"
             "\n"
             "more = yaml.load(other)\n");
  auto result = run_scan({dir.path()});
  EXPECT_EQ(places(result, dir.path(), {kYaml}),
            (std::vector<Place>{{"broken.py", 3, kYaml}, {"broken.py", 8, kYaml}}));
  const Skipped* note = skipped_for(result, dir / "broken.py");
  ASSERT_NE(note, nullptr);
  EXPECT_NE(note->reason.find("syntax error at line 5"), std::string::npos) << note->reason;
}

// `def broken(:` parses with a MISSING ")" token, which is anonymous.
TEST(ScanScanner, ASyntaxErrorNoteNamesTheLineOfAMissingToken) {
  TempDir dir;
  write_text(dir / "broken.py",
             "import yaml\n"
             "\n"
             "data = yaml.load(text)\n"
             "\n"
             "def broken(:\n"
             "    pass\n");
  auto result = run_scan({dir.path()});
  const Skipped* note = skipped_for(result, dir / "broken.py");
  ASSERT_NE(note, nullptr);
  EXPECT_NE(note->reason.find("syntax error at line 5"), std::string::npos) << note->reason;
}

TEST(ScanScanner, BinaryInvalidAndOversizedFilesAreSkippedAndTheScanGoesOn) {
  TempDir dir;
  write_text(dir / "binary.py",
             std::string("import yaml\nyaml.load(x)\n") + std::string("\0\1\2\3", 4));
  write_text(dir / "latin1.py", "import yaml\n# caf\xe9\nyaml.load(x)\n");
  write_text(dir / "large.py", "import yaml\n" + std::string(5000, '#') + "\nyaml.load(x)\n");
  write_text(dir / "good.py", "import yaml\nyaml.load(x)\n");
  ScanOptions options;
  options.paths = {dir.path()};
  options.limits.max_file_bytes = 4096;
  auto result = run_scan(options);
  EXPECT_EQ(places(result, dir.path(), {kYaml}), (std::vector<Place>{{"good.py", 2, kYaml}}));
  EXPECT_EQ(result.files_scanned, 1u);
  ASSERT_EQ(result.skipped.size(), 3u);
  const Skipped* binary = skipped_for(result, dir / "binary.py");
  const Skipped* latin1 = skipped_for(result, dir / "latin1.py");
  const Skipped* large = skipped_for(result, dir / "large.py");
  ASSERT_NE(binary, nullptr);
  ASSERT_NE(latin1, nullptr);
  ASSERT_NE(large, nullptr);
  EXPECT_NE(binary->reason.find("binary"), std::string::npos) << binary->reason;
  EXPECT_NE(latin1->reason.find("UTF-8"), std::string::npos) << latin1->reason;
  EXPECT_NE(large->reason.find("limit"), std::string::npos) << large->reason;
}

TEST(ScanScanner, AMissingPathIsAnError) {
  TempDir dir;
  ScanOptions options;
  options.paths = {dir / "nope"};
  auto result = scan(builtin_rules(), options);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().to_string().find("nope"), std::string::npos)
      << result.error().to_string();
}

TEST(ScanScanner, MinSeverityFiltersFindings) {
  TempDir dir;
  write_text(dir / "app.py",
             "import subprocess, yaml\n"
             "from flask import request\n"
             "\n"
             "def handler(cfg):\n"
             "    subprocess.run(\"ls\", shell=True)\n"  // low
             "    data = yaml.load(cfg)\n"               // medium
             "    eval(request.args.get(\"e\"))\n");     // critical
  const std::vector<std::string> rules = {"python.subprocess-shell-true", kYaml,
                                          "python.code-injection"};
  auto severities_at = [&](Severity min) {
    ScanOptions options;
    options.paths = {dir.path()};
    options.min_severity = min;
    auto result = run_scan(options);
    for (const auto& finding : result.findings) {
      EXPECT_GE(finding.severity, min) << finding.rule_id;
    }
    return places(result, dir.path(), rules);
  };
  EXPECT_EQ(severities_at(Severity::kInfo),
            (std::vector<Place>{{"app.py", 5, "python.subprocess-shell-true"},
                                {"app.py", 6, kYaml},
                                {"app.py", 7, "python.code-injection"}}));
  EXPECT_EQ(severities_at(Severity::kMedium),
            (std::vector<Place>{{"app.py", 6, kYaml}, {"app.py", 7, "python.code-injection"}}));
  EXPECT_EQ(severities_at(Severity::kHigh),
            (std::vector<Place>{{"app.py", 7, "python.code-injection"}}));
}

TEST(ScanScanner, ABaselineSuppressesTheFindingsItRecords) {
  TempDir dir;
  const auto app = dir / "src/app.py";
  write_text(app, "import yaml\ndata = yaml.load(text)\nother = yaml.load(more)\n");
  auto first = run_scan({dir / "src"});
  ASSERT_EQ(places(first, dir.path(), {kYaml}).size(), 2u);
  const auto baseline = dir / "baseline.json";
  ASSERT_TRUE(Baseline::write(baseline, first.findings).ok());

  // Lines inserted above, and one new finding.
  write_text(app,
             "import hashlib\n"
             "import yaml\n"
             "\n"
             "digest = hashlib.md5(blob)\n"
             "data = yaml.load(text)\n"
             "other = yaml.load(more)\n"
             "third = yaml.load(fresh)\n");
  ScanOptions options;
  options.paths = {dir / "src"};
  options.baseline = baseline;
  auto second = run_scan(options);
  EXPECT_EQ(places(second, dir.path(), {kYaml, kMd5}),
            (std::vector<Place>{{"src/app.py", 4, kMd5}, {"src/app.py", 7, kYaml}}));

  // Without the baseline all four are reported.
  auto unfiltered = run_scan({dir / "src"});
  EXPECT_EQ(places(unfiltered, dir.path(), {kYaml, kMd5}).size(), 4u);
}

TEST(ScanScanner, AnUnreadableBaselineIsAnError) {
  TempDir dir;
  write_text(dir / "app.py", "x = 1\n");
  ScanOptions options;
  options.paths = {dir.path()};
  options.baseline = dir / "missing-baseline.json";
  auto missing = scan(builtin_rules(), options);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().to_string().find("missing-baseline.json"), std::string::npos);
  write_text(dir / "bad-baseline.json", "{not json");
  options.baseline = dir / "bad-baseline.json";
  auto bad = scan(builtin_rules(), options);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().to_string().find("bad-baseline.json"), std::string::npos);
}

TEST(ScanScanner, OneThreadAndFourThreadsGiveIdenticalResults) {
  TempDir dir;
  for (int i = 0; i < 40; ++i) {
    std::string text = "import hashlib, os, subprocess, yaml\nfrom flask import request\n\n";
    for (int j = 0; j <= i % 5; ++j) {
      text += "x" + std::to_string(j) + " = yaml.load(a)\n";
      if ((i + j) % 3 == 0) text += "h = hashlib.md5(b)\n";
      if ((i + j) % 4 == 0) text += "subprocess.run('ls -l', shell=True)\n";
    }
    if (i % 7 == 0) text += "def f():\n    os.system(request.args.get('c'))\n";
    if (i % 11 == 0) text += "def broken(:\n";
    write_text(dir / ("pkg" + std::to_string(i % 4)) / ("m" + std::to_string(i) + ".py"), text);
  }
  write_text(dir / "pkg0/blob.py", std::string("\0\0\0", 3));
  auto one = run_scan({dir.path()}, 1);
  auto four = run_scan({dir.path()}, 4);
  ASSERT_GT(one.findings.size(), 100u);
  ASSERT_EQ(one.findings.size(), four.findings.size());
  for (size_t i = 0; i < one.findings.size(); ++i) {
    const Finding& a = one.findings[i];
    const Finding& b = four.findings[i];
    SCOPED_TRACE(a.file.string() + ":" + std::to_string(a.span.start_line) + " " + a.rule_id);
    EXPECT_EQ(a.rule_id, b.rule_id);
    EXPECT_EQ(a.file, b.file);
    EXPECT_EQ(std::tie(a.span.start_byte, a.span.end_byte),
              std::tie(b.span.start_byte, b.span.end_byte));
    EXPECT_EQ(a.message, b.message);
    EXPECT_EQ(a.snippet, b.snippet);
    EXPECT_EQ(a.fingerprint, b.fingerprint);
    EXPECT_EQ(a.trace.size(), b.trace.size());
    ASSERT_EQ(a.fix.has_value(), b.fix.has_value());
    if (a.fix) {
      ASSERT_EQ(a.fix->edits.size(), b.fix->edits.size());
      for (size_t e = 0; e < a.fix->edits.size(); ++e) {
        EXPECT_EQ(a.fix->edits[e].start_byte, b.fix->edits[e].start_byte);
        EXPECT_EQ(a.fix->edits[e].replacement, b.fix->edits[e].replacement);
      }
    }
  }
  ASSERT_EQ(one.skipped.size(), four.skipped.size());
  for (size_t i = 0; i < one.skipped.size(); ++i) {
    EXPECT_EQ(one.skipped[i].file, four.skipped[i].file);
    EXPECT_EQ(one.skipped[i].reason, four.skipped[i].reason);
  }
  EXPECT_EQ(one.files_scanned, four.files_scanned);
  EXPECT_EQ(one.files_scanned, 40u);
  EXPECT_EQ(one.lines_scanned, four.lines_scanned);
}

TEST(ScanScanner, SecretsInADotEnvFileAreFoundButNeverShown) {
  TempDir dir;
  const std::string alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const std::string token = std::string("gh") + "p_" + random_chars(alnum, 36, 42);
  const std::string password =
      random_chars(alnum, 8, 7) + "-" + random_chars(alnum, 9, 8) + "_" + random_chars(alnum, 5, 9);
  write_text(dir / ".env",
             "APP_ENV=production\n"
             "GITHUB_TOKEN=" +
                 token +
                 "\n"
                 "DB_PASSWORD=" +
                 password + "\n");
  auto result = run_scan({dir.path()});
  bool token_found = false;
  bool password_found = false;
  for (const auto& finding : result.findings) {
    SCOPED_TRACE(finding.rule_id);
    EXPECT_TRUE(finding.rule_id.starts_with("secrets.")) << finding.rule_id;
    EXPECT_EQ(finding.file, dir / ".env");
    if (finding.rule_id == "secrets.github-token" && finding.span.start_line == 2)
      token_found = true;
    if (finding.span.start_line == 3) password_found = true;
    for (const std::string* secret : {&token, &password}) {
      EXPECT_EQ(finding.message.find(*secret), std::string::npos) << finding.message;
      EXPECT_EQ(finding.snippet.find(*secret), std::string::npos) << finding.snippet;
      for (const auto& step : finding.trace)
        EXPECT_EQ(step.message.find(*secret), std::string::npos);
    }
  }
  EXPECT_TRUE(token_found);
  EXPECT_TRUE(password_found);
  // Nor in the reports written from the findings.
  for (const std::string& report : {render_json(result, builtin_rules().rules()),
                                    render_text(result, builtin_rules().rules())}) {
    EXPECT_EQ(report.find(token), std::string::npos);
    EXPECT_EQ(report.find(password), std::string::npos);
  }
}

}  // namespace
}  // namespace ward::scan
