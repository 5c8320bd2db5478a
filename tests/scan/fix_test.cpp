#include "scan/fix.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace ward::scan {
namespace {

Fix make_fix(std::string description, std::vector<Edit> edits) {
  return Fix{std::move(description), std::move(edits)};
}

// --- apply_fixes -------------------------------------------------------------------------------

TEST(ScanApplyFixes, AppliesEveryFixAgainstTheOriginalOffsets) {
  const std::string text = "a = yaml.load(x)\nb = yaml.load(y)\n";
  // Offsets address the original text even though the first fix changes its length; the second
  // fix lists its edits out of order.
  std::vector<Fix> fixes = {
      make_fix("Use yaml.safe_load", {{4, 13, "yaml.safe_load"}}),
      make_fix("Use yaml.safe_load", {{31, 32, ""}, {21, 30, "yaml.safe_load"}}),
  };
  auto out = apply_fixes(text, fixes);
  ASSERT_TRUE(out.ok()) << out.error().to_string();
  EXPECT_EQ(out->text, "a = yaml.safe_load(x)\nb = yaml.safe_load()\n");
  EXPECT_EQ(out->applied, 2u);
  EXPECT_EQ(out->skipped, 0u);
}

TEST(ScanApplyFixes, NoFixesLeaveTheTextAlone) {
  auto out = apply_fixes("unchanged\n", {});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->text, "unchanged\n");
  EXPECT_EQ(out->applied, 0u);
}

TEST(ScanApplyFixes, AClashingFixIsSkippedWholeAndTheFirstWins) {
  const std::string text = "0123456789";
  std::vector<Fix> fixes = {
      make_fix("first", {{2, 5, "AB"}}),
      // Overlaps the first at [4, 5); its other edit must not be made either.
      make_fix("second", {{0, 1, "Z"}, {4, 6, "CD"}}),
      // Starts where the first starts, with nothing removed: its order would be a guess.
      make_fix("third", {{2, 2, "+"}}),
      // Touches but does not overlap the first: applied.
      make_fix("fourth", {{5, 7, "xy"}}),
      // An insertion where the fourth ends: applied after it.
      make_fix("fifth", {{7, 7, "!"}}),
  };
  auto out = apply_fixes(text, fixes);
  ASSERT_TRUE(out.ok()) << out.error().to_string();
  EXPECT_EQ(out->text, "01ABxy!789");
  EXPECT_EQ(out->applied, 3u);
  EXPECT_EQ(out->skipped, 2u);
}

TEST(ScanApplyFixes, AFixThatContainsAnEarlierFixIsSkipped) {
  // The clash check must see an accepted edit that starts inside the new one, not only one that
  // starts before it.
  auto out =
      apply_fixes("abcdefgh", {make_fix("inner", {{3, 4, "D"}}), make_fix("outer", {{1, 7, "-"}})});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->text, "abcDefgh");
  EXPECT_EQ(out->skipped, 1u);
}

TEST(ScanApplyFixes, InsertionsBeforeAReplacementInOneFixKeepTheirOrder) {
  auto out =
      apply_fixes("call(x)", {make_fix("wrap", {{0, 0, "safe_"}, {0, 0, "("}, {0, 4, "f"}})});
  ASSERT_TRUE(out.ok()) << out.error().to_string();
  EXPECT_EQ(out->text, "safe_(f(x)");
}

TEST(ScanApplyFixes, RejectsMalformedEditsNamingTheFixAndOffsets) {
  const std::string text = "na\xc3\xafve = 1\n";  // "naïve = 1\n": 11 bytes, ï at [2, 4)
  struct Case {
    std::vector<Edit> edits;
    std::string where;
    std::string message;
  };
  const Case cases[] = {
      {{{3, 20, "x"}},
       "fix 2 (Use safe_load)",
       "edit [3, 20) runs past the end of the text (11 bytes); the file has changed since it was "
       "scanned"},
      {{{6, 5, "x"}}, "fix 2 (Use safe_load)", "edit [6, 5) ends before it starts"},
      {{{0, 3, "x"}},
       "fix 2 (Use safe_load)",
       "edit [0, 3) starts or ends inside a UTF-8 character"},
      {{{3, 5, "x"}},
       "fix 2 (Use safe_load)",
       "edit [3, 5) starts or ends inside a UTF-8 character"},
      {{{6, 9, "x"}, {0, 7, "y"}}, "fix 2 (Use safe_load)", "edits [0, 7) and [6, 9) overlap"},
      {{{4, 6, "x"}, {4, 4, "y"}}, "fix 2 (Use safe_load)", "edits [4, 6) and [4, 4) overlap"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.message);
    std::vector<Fix> fixes = {make_fix("fine", {{0, 1, "N"}}), make_fix("Use safe_load", c.edits)};
    auto out = apply_fixes(text, fixes);
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.error().code(), core::Code::kInvalidArgument);
    EXPECT_EQ(out.error().where(), c.where);
    EXPECT_EQ(out.error().message(), c.message);
  }
}

TEST(ScanApplyFixes, AnEditMayEndAtTheEndOfTheText) {
  auto out = apply_fixes("abc", {make_fix("", {{1, 3, "XY"}, {3, 3, "!"}})});
  ASSERT_TRUE(out.ok()) << out.error().to_string();
  EXPECT_EQ(out->text, "aXY!");
}

// --- unified_diff ------------------------------------------------------------------------------

std::string numbered_lines(int from, int to) {
  std::string out;
  for (int i = from; i <= to; ++i) out += "line " + std::to_string(i) + "\n";
  return out;
}

TEST(ScanUnifiedDiff, EqualTextsGiveNoDiff) {
  EXPECT_EQ(unified_diff("a.py", "x\ny\n", "x\ny\n"), "");
}

TEST(ScanUnifiedDiff, OneChangedLineWithThreeLinesOfContext) {
  std::string before = numbered_lines(1, 10);
  std::string after = before;
  after.replace(after.find("line 5\n"), 7, "LINE five\n");
  EXPECT_EQ(unified_diff("src/app.py", before, after),
            "--- a/src/app.py\n"
            "+++ b/src/app.py\n"
            "@@ -2,7 +2,7 @@\n"
            " line 2\n"
            " line 3\n"
            " line 4\n"
            "-line 5\n"
            "+LINE five\n"
            " line 6\n"
            " line 7\n"
            " line 8\n");
}

TEST(ScanUnifiedDiff, InsertionsAndDeletionsAtTheEdges) {
  EXPECT_EQ(unified_diff("n.txt", "", "a\nb\n"),
            "--- a/n.txt\n+++ b/n.txt\n@@ -0,0 +1,2 @@\n+a\n+b\n");
  EXPECT_EQ(unified_diff("n.txt", "a\nb\n", ""),
            "--- a/n.txt\n+++ b/n.txt\n@@ -1,2 +0,0 @@\n-a\n-b\n");
  EXPECT_EQ(unified_diff("n.txt", "a\nb\n", "a\nb\nc\n", 0),
            "--- a/n.txt\n+++ b/n.txt\n@@ -2,0 +3 @@\n+c\n");
  EXPECT_EQ(unified_diff("n.txt", "a\nb\n", "x\na\nb\n", 1),
            "--- a/n.txt\n+++ b/n.txt\n@@ -1 +1,2 @@\n+x\n a\n");
}

TEST(ScanUnifiedDiff, MarksALastLineWithoutNewline) {
  EXPECT_EQ(unified_diff("f.py", "a\nb", "a\nc"),
            "--- a/f.py\n+++ b/f.py\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n"
            "\\ No newline at end of file\n");
  // Adding the newline is a change of the last line.
  EXPECT_EQ(unified_diff("f.py", "a\nb", "a\nb\n"),
            "--- a/f.py\n+++ b/f.py\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n");
}

TEST(ScanUnifiedDiff, NearbyChangesShareAHunkAndDistantOnesDoNot) {
  std::string before = numbered_lines(1, 30);
  auto change = [](std::string text, std::vector<int> lines) {
    for (int n : lines) {
      std::string old_line = "line " + std::to_string(n) + "\n";
      text.replace(text.find(old_line), old_line.size(), "changed " + std::to_string(n) + "\n");
    }
    return text;
  };
  auto hunks = [](const std::string& diff) {
    size_t count = 0;
    for (size_t at = diff.find("\n@@ "); at != std::string::npos; at = diff.find("\n@@ ", at + 1)) {
      ++count;
    }
    return count;
  };
  // Six unchanged lines between changes: one hunk; seven: two.
  std::string merged = unified_diff("f", before, change(before, {5, 12}));
  EXPECT_EQ(hunks(merged), 1u) << merged;
  EXPECT_NE(merged.find("@@ -2,14 +2,14 @@\n"), std::string::npos) << merged;
  std::string split = unified_diff("f", before, change(before, {5, 13}));
  EXPECT_EQ(hunks(split), 2u) << split;
  EXPECT_NE(split.find("@@ -2,7 +2,7 @@\n"), std::string::npos) << split;
  EXPECT_NE(split.find("@@ -10,7 +10,7 @@\n"), std::string::npos) << split;
}

TEST(ScanUnifiedDiff, QuotesAndTabTerminatesHeaderNamesLikeGit) {
  std::string spaced = unified_diff("my dir/a b.py", "x\n", "y\n");
  EXPECT_TRUE(spaced.starts_with("--- a/my dir/a b.py\t\n+++ b/my dir/a b.py\t\n@@ ")) << spaced;
  std::string quoted = unified_diff("q\"x\\y.py", "x\n", "y\n");
  EXPECT_TRUE(quoted.starts_with("--- \"a/q\\\"x\\\\y.py\"\n+++ \"b/q\\\"x\\\\y.py\"\n@@ "))
      << quoted;
  std::string control = unified_diff("tab\there.py", "x\n", "y\n");
  EXPECT_TRUE(control.starts_with("--- \"a/tab\\there.py\"\n")) << control;
}

std::vector<std::string> split_keeping_newlines(const std::string& text) {
  std::vector<std::string> lines;
  for (size_t at = 0; at < text.size();) {
    size_t nl = text.find('\n', at);
    size_t end = nl == std::string::npos ? text.size() : nl + 1;
    lines.push_back(text.substr(at, end - at));
    at = end;
  }
  return lines;
}

// A strict reader of our unified diffs: applies `diff` to `before`, checking every context and
// removed line and every hunk header's numbers; fails the test on any mismatch.
std::string apply_unified_diff(const std::string& before, const std::string& diff) {
  std::vector<std::string> old_lines = split_keeping_newlines(before);
  std::vector<std::string> diff_lines;
  for (const std::string& line : split_keeping_newlines(diff)) {
    diff_lines.push_back(line.substr(0, line.size() - 1));  // every diff line ends in '\n'
  }
  EXPECT_GE(diff_lines.size(), 3u);
  std::string out;
  size_t out_lines = 0;
  size_t old_at = 0;
  size_t i = 2;  // after "---" and "+++"
  while (i < diff_lines.size()) {
    unsigned a = 0, b = 1, c = 0, d = 1;
    const std::string& header = diff_lines[i];
    if (std::sscanf(header.c_str(), "@@ -%u,%u +%u,%u @@", &a, &b, &c, &d) != 4) {
      b = d = 1;
      if (std::sscanf(header.c_str(), "@@ -%u +%u,%u @@", &a, &c, &d) != 3 &&
          std::sscanf(header.c_str(), "@@ -%u,%u +%u @@", &a, &b, &c) != 3 &&
          std::sscanf(header.c_str(), "@@ -%u +%u @@", &a, &c) != 2) {
        ADD_FAILURE() << "bad hunk header: " << header;
        return {};
      }
    }
    const size_t old_start = b == 0 ? a : a - 1;
    if (old_start < old_at || old_start > old_lines.size()) {
      ADD_FAILURE() << "hunk out of order or past the end: " << header;
      return {};
    }
    for (; old_at < old_start; ++old_at, ++out_lines) out += old_lines[old_at];
    EXPECT_EQ(out_lines, d == 0 ? c : c - 1) << header;
    unsigned seen_old = 0, seen_new = 0;
    for (++i; i < diff_lines.size() && !diff_lines[i].starts_with("@@"); ++i) {
      const std::string& line = diff_lines[i];
      std::string text = line.substr(1) + "\n";
      if (i + 1 < diff_lines.size() && diff_lines[i + 1] == "\\ No newline at end of file") {
        text.pop_back();
      }
      if (line[0] == '\\') continue;
      if (line[0] == ' ' || line[0] == '-') {
        if (old_at >= old_lines.size() || old_lines[old_at] != text) {
          ADD_FAILURE() << "context or removed line does not match: " << line;
          return {};
        }
        ++old_at;
        ++seen_old;
      }
      if (line[0] == ' ' || line[0] == '+') {
        out += text;
        ++out_lines;
        ++seen_new;
      }
      if (line[0] != ' ' && line[0] != '-' && line[0] != '+') ADD_FAILURE() << "bad line: " << line;
    }
    EXPECT_EQ(seen_old, b) << header;
    EXPECT_EQ(seen_new, d) << header;
  }
  for (; old_at < old_lines.size(); ++old_at) out += old_lines[old_at];
  return out;
}

size_t changed_lines(const std::string& diff) {
  size_t count = 0;
  for (const std::string& line : split_keeping_newlines(diff)) {
    if ((line[0] == '-' || line[0] == '+') && !line.starts_with("--- ") &&
        !line.starts_with("+++ ")) {
      ++count;
    }
  }
  return count;
}

// The fewest lines a diff from `a` to `b` can remove and add: |a| + |b| - 2·LCS.
size_t edit_distance(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<std::vector<size_t>> lcs(a.size() + 1, std::vector<size_t>(b.size() + 1, 0));
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      lcs[i][j] =
          a[i - 1] == b[j - 1] ? lcs[i - 1][j - 1] + 1 : std::max(lcs[i - 1][j], lcs[i][j - 1]);
    }
  }
  return a.size() + b.size() - 2 * lcs[a.size()][b.size()];
}

TEST(ScanUnifiedDiff, RandomDiffsAreShortestAndReproduceTheNewText) {
  std::mt19937 rng(7);
  const std::vector<std::string> words = {"a\n", "b\n", "c\n"};
  auto random_text = [&](size_t lines) {
    std::string out;
    for (size_t i = 0; i < lines; ++i) out += words[rng() % words.size()];
    if (!out.empty() && rng() % 5 == 0) out.pop_back();
    return out;
  };
  for (int i = 0; i < 2000; ++i) {
    std::string before = random_text(rng() % 25);
    std::string after = random_text(rng() % 25);
    int context = static_cast<int>(rng() % 4);
    std::string diff = unified_diff("f", before, after, context);
    SCOPED_TRACE("before:\n" + before + "\nafter:\n" + after + "\ndiff:\n" + diff);
    if (before == after) {
      EXPECT_EQ(diff, "");
      continue;
    }
    EXPECT_EQ(apply_unified_diff(before, diff), after);
    EXPECT_EQ(changed_lines(diff),
              edit_distance(split_keeping_newlines(before), split_keeping_newlines(after)));
    if (::testing::Test::HasFailure()) return;
  }
}

TEST(ScanUnifiedDiff, AWholesaleRewriteStillGivesACorrectDiff) {
  // 6000 differing lines: past the shortest-diff search's limit, so the middle is replaced.
  std::string before, after;
  for (int i = 0; i < 3000; ++i) {
    before += "old " + std::to_string(i) + "\n";
    after += (i % 2 == 0 ? "new " : "old ") + std::to_string(i * 7) + "\n";
  }
  std::string diff = unified_diff("big.py", before, after);
  EXPECT_EQ(apply_unified_diff(before, diff), after);
}

// Applies `diff` with GNU patch in a scratch directory holding `before` at `path`, and expects
// exactly `after`, with no fuzz and no offset (which would hide wrong line numbers).
void expect_patch_applies(const std::filesystem::path& patch, const std::string& path,
                          const std::string& before, const std::string& after) {
  std::string diff = unified_diff(path, before, after);
  SCOPED_TRACE("diff:\n" + diff);
  test::TempDir dir;
  test::write_text(dir / path, before);
  test::write_text(dir / "fix.patch", diff);
  auto run = test::run_program(
      patch, {"-p1", "-F0", "-N", "--batch", "--no-backup-if-mismatch", "-i", "fix.patch"}, {},
      dir.path());
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(run.out.find("offset"), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("fuzz"), std::string::npos) << run.out;
  if (after.empty() && !std::filesystem::exists(dir / path)) return;  // patch may remove it
  EXPECT_EQ(test::read_text(dir / path), after);
}

TEST(ScanUnifiedDiff, GnuPatchAppliesTheDiffs) {
  std::filesystem::path patch = test::find_on_path("patch");
  if (patch.empty()) GTEST_SKIP() << "patch is not installed";
  std::string ten = numbered_lines(1, 10);
  std::string forty = numbered_lines(1, 40);
  struct Case {
    std::string path, before, after;
  };
  std::vector<Case> cases = {
      {"src/app.py", ten,
       ten.substr(0, ten.find("line 5")) + "fixed\n" + ten.substr(ten.find("line 6"))},
      {"a.py", forty,
       "head\n" + forty.substr(0, forty.find("line 20")) + forty.substr(forty.find("line 21")) +
           "tail\n"},
      {"empty.py", "", "one\ntwo\n"},
      {"no eol/last line.py", "a\nb\nc", "a\nB\nc"},
      {"eol.py", "a\nb\nc", "a\nb\nc\n"},
      {"crlf.py", "a\r\nb\r\nc\r\n", "a\r\nb2\r\nc\r\n"},
      {"q\"uote.py", "x\ny\n", "x\nz\n"},
      {"utf8/na\xc3\xafve.py", "caf\xc3\xa9\n", "th\xc3\xa9\n"},
  };
  // Random edits of texts with many repeated lines, the case where a diff most easily goes wrong.
  std::mt19937 rng(20240607);
  const std::vector<std::string> words = {"a\n", "b\n", "c\n", "return x\n", "\n", "}\n"};
  auto random_text = [&](size_t lines) {
    std::string out;
    for (size_t i = 0; i < lines; ++i) out += words[rng() % words.size()];
    return out;
  };
  for (int i = 0; i < 40; ++i) {
    std::string before = random_text(rng() % 30);
    std::vector<std::string> lines;
    for (size_t at = 0; at < before.size();) {
      size_t nl = before.find('\n', at);
      lines.push_back(before.substr(at, nl + 1 - at));
      at = nl + 1;
    }
    for (int edits = static_cast<int>(rng() % 5); edits > 0; --edits) {
      size_t at = lines.empty() ? 0 : rng() % (lines.size() + 1);
      switch (rng() % 3) {
        case 0:
          lines.insert(lines.begin() + static_cast<long>(at), random_text(1));
          break;
        case 1:
          if (at < lines.size()) lines.erase(lines.begin() + static_cast<long>(at));
          break;
        default:
          if (at < lines.size()) lines[at] = random_text(1);
      }
    }
    std::string after;
    for (const auto& line : lines) after += line;
    if (rng() % 4 == 0 && !after.empty()) after.pop_back();  // no newline at the end
    cases.push_back({"r/" + std::to_string(i) + ".txt", before, after});
  }
  for (const Case& c : cases) {
    SCOPED_TRACE(c.path);
    if (c.before == c.after) continue;
    expect_patch_applies(patch, c.path, c.before, c.after);
  }
}

}  // namespace
}  // namespace ward::scan
