#include "scan/baseline.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace ward::scan {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

Finding finding(std::string fingerprint, std::string rule, std::string file) {
  Finding f;
  f.fingerprint = std::move(fingerprint);
  f.rule_id = std::move(rule);
  f.file = std::move(file);
  return f;
}

TEST(Baseline, WritesSortedUniqueEntriesOnePerLineAndReadsThemBack) {
  test::TempDir dir;
  const fs::path path = dir / "ward-baseline.json";
  const std::vector<Finding> findings = {
      finding("c3", "python.yaml-load", "app/b.py"),
      finding("a1", "secrets.github-token", "deploy/ci.yml"),
      finding("b2", "python.eval", "app/a.py"),
      finding("a1", "secrets.github-token", "deploy/ci.yml"),  // the same finding twice
  };
  ASSERT_TRUE(Baseline::write(path, findings).ok());
  EXPECT_EQ(
      test::read_text(path),
      "{\n"
      "  \"version\": 1,\n"
      "  \"fingerprints\": [\n"
      "    {\"fingerprint\":\"a1\",\"rule\":\"secrets.github-token\",\"file\":\"deploy/ci.yml\"},\n"
      "    {\"fingerprint\":\"b2\",\"rule\":\"python.eval\",\"file\":\"app/a.py\"},\n"
      "    {\"fingerprint\":\"c3\",\"rule\":\"python.yaml-load\",\"file\":\"app/b.py\"}\n"
      "  ]\n"
      "}\n");
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0644u);

  auto baseline = Baseline::load(path);
  ASSERT_TRUE(baseline.ok()) << baseline.error().to_string();
  EXPECT_EQ(baseline->size(), 3u);
  EXPECT_TRUE(baseline->contains("a1"));
  EXPECT_TRUE(baseline->contains("b2"));
  EXPECT_TRUE(baseline->contains("c3"));
  EXPECT_FALSE(baseline->contains("d4"));
  EXPECT_FALSE(baseline->contains(""));
  EXPECT_FALSE(baseline->contains("a"));
}

TEST(Baseline, AnEmptyBaselineSuppressesNothing) {
  test::TempDir dir;
  const fs::path path = dir / "baseline.json";
  ASSERT_TRUE(Baseline::write(path, {}).ok());
  EXPECT_EQ(test::read_text(path), "{\n  \"version\": 1,\n  \"fingerprints\": []\n}\n");
  auto baseline = Baseline::load(path);
  ASSERT_TRUE(baseline.ok()) << baseline.error().to_string();
  EXPECT_EQ(baseline->size(), 0u);
  EXPECT_FALSE(baseline->contains("a1"));
  EXPECT_FALSE(Baseline().contains("a1"));
}

TEST(Baseline, WriteReplacesAnExistingBaseline) {
  test::TempDir dir;
  const fs::path path = dir / "baseline.json";
  ASSERT_TRUE(Baseline::write(path, {finding("old", "r", "f")}).ok());
  ASSERT_TRUE(Baseline::write(path, {finding("new", "r", "f")}).ok());
  auto baseline = Baseline::load(path);
  ASSERT_TRUE(baseline.ok()) << baseline.error().to_string();
  EXPECT_FALSE(baseline->contains("old"));
  EXPECT_TRUE(baseline->contains("new"));
  // No temporary file is left beside it.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

TEST(Baseline, ReadsFilesWrittenByHandWithExtraFieldsAndAnyOrder) {
  test::TempDir dir;
  const fs::path path = dir / "baseline.json";
  test::write_text(path, R"({"fingerprints": [{"fingerprint": "z9", "note": "accepted risk"},
                                               {"fingerprint": "a1", "rule": "x", "file": "y"}],
                             "version": 1})");
  auto baseline = Baseline::load(path);
  ASSERT_TRUE(baseline.ok()) << baseline.error().to_string();
  EXPECT_TRUE(baseline->contains("z9"));
  EXPECT_TRUE(baseline->contains("a1"));
}

TEST(Baseline, AMissingFileIsNotFound) {
  test::TempDir dir;
  const fs::path path = dir / "nope.json";
  auto baseline = Baseline::load(path);
  ASSERT_FALSE(baseline.ok());
  EXPECT_EQ(baseline.error().code(), core::Code::kNotFound);
  EXPECT_EQ(baseline.error().where(), path.string());
  EXPECT_EQ(baseline.error().message(),
            "the baseline file does not exist; check the path, or write a baseline from the "
            "current findings first");
}

TEST(Baseline, TextThatIsNotJsonIsRefused) {
  test::TempDir dir;
  const fs::path path = dir / "baseline.json";
  test::write_text(path, "{\"version\": 1, \"fingerprints\": [\n");
  auto baseline = Baseline::load(path);
  ASSERT_FALSE(baseline.ok());
  EXPECT_EQ(baseline.error().code(), core::Code::kInvalidArgument);
  EXPECT_EQ(baseline.error().where(), path.string());
  EXPECT_EQ(baseline.error().message(),
            "the baseline file is not valid JSON; regenerate it from a scan, or fix it by hand");
}

TEST(Baseline, TheWrongShapeIsRefusedSayingWhatIsWrong) {
  struct Case {
    std::string json;
    std::string problem;
  };
  const Case cases[] = {
      {"[]", "is not a JSON object"},
      {"{}", "has no \"version\""},
      {R"({"version": "1", "fingerprints": []})", "has a \"version\" that is not a whole number"},
      {R"({"version": 1.5, "fingerprints": []})", "has a \"version\" that is not a whole number"},
      {R"({"version": 1})", "has no \"fingerprints\""},
      {R"({"version": 1, "fingerprints": {}})", "has \"fingerprints\" that is not an array"},
      {R"({"version": 1, "fingerprints": ["a1"]})",
       "has entry 0 of \"fingerprints\" that is not an object"},
      {R"({"version": 1, "fingerprints": [{"fingerprint": "a1"}, {"rule": "x"}]})",
       "has entry 1 of \"fingerprints\" without a \"fingerprint\" string"},
      {R"({"version": 1, "fingerprints": [{"fingerprint": ""}]})",
       "has entry 0 of \"fingerprints\" without a \"fingerprint\" string"},
      {R"({"version": 1, "fingerprints": [{"fingerprint": 7}]})",
       "has entry 0 of \"fingerprints\" without a \"fingerprint\" string"},
      {R"({"version": 1, "fingerprints": [{"fingerprint": "a1", "file": 3}]})",
       "has entry 0 of \"fingerprints\" whose \"file\" is not a string"},
  };
  test::TempDir dir;
  const fs::path path = dir / "baseline.json";
  for (const Case& c : cases) {
    SCOPED_TRACE(c.json);
    test::write_text(path, c.json);
    auto baseline = Baseline::load(path);
    ASSERT_FALSE(baseline.ok());
    EXPECT_EQ(baseline.error().code(), core::Code::kInvalidArgument);
    EXPECT_EQ(baseline.error().where(), path.string());
    EXPECT_EQ(baseline.error().message(),
              "the baseline file " + c.problem +
                  "; it should look like {\"version\": 1, \"fingerprints\": [{\"fingerprint\": "
                  "\"…\", \"rule\": \"…\", \"file\": \"…\"}]}: regenerate it from a scan, or fix "
                  "it by hand");
  }
}

TEST(Baseline, AnotherVersionIsRefused) {
  test::TempDir dir;
  const fs::path path = dir / "baseline.json";
  test::write_text(path, R"({"version": 2, "fingerprints": []})");
  auto baseline = Baseline::load(path);
  ASSERT_FALSE(baseline.ok());
  EXPECT_EQ(baseline.error().code(), core::Code::kInvalidArgument);
  EXPECT_EQ(baseline.error().message(),
            "the baseline file has version 2, but this build of Ward reads version 1; regenerate "
            "the baseline with this version of Ward");
}

TEST(Baseline, AFindingWithoutAFingerprintIsNotWritten) {
  test::TempDir dir;
  const fs::path path = dir / "baseline.json";
  Finding unfingerprinted = finding("", "python.eval", "app/a.py");
  unfingerprinted.span.start_line = 12;
  const core::Status status = Baseline::write(path, {finding("a1", "r", "f"), unfingerprinted});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), core::Code::kInvalidArgument);
  EXPECT_EQ(status.error().where(), path.string());
  EXPECT_EQ(status.error().message(),
            "cannot write the baseline: the finding of rule python.eval in app/a.py line 12 has "
            "no fingerprint; scan again to compute fingerprints");
  EXPECT_FALSE(fs::exists(path));
}

TEST(Baseline, AnUnwritableLocationNamesTheFile) {
  test::TempDir dir;
  const fs::path path = dir / "missing-dir" / "baseline.json";
  const core::Status status = Baseline::write(path, {finding("a1", "r", "f")});
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.error().to_string(), HasSubstr(path.string()));
  EXPECT_THAT(status.error().message(), HasSubstr("writing the baseline: "));
}

}  // namespace
}  // namespace ward::scan
