#include "scan/cache.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "scan/finding_json.h"
#include "support/test_support.h"
#include "ward/version.h"

namespace ward::scan {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::TempDir;

Finding sample_finding(const std::string& file, uint32_t line) {
  Finding finding;
  finding.rule_id = "python.yaml-load";
  finding.file = file;
  finding.span = {line, 5, line, 20, 100, 115};
  finding.message = "yaml.load with untrusted input";
  finding.severity = Severity::kHigh;
  finding.confidence = Confidence::kHigh;
  finding.snippet = "data = yaml.load(text)";
  finding.trace.push_back({{1, 1, 1, 5, 0, 4}, "request.args"});
  finding.fix = Fix{"Use yaml.safe_load", {{100, 109, "yaml.safe_load"}}};
  finding.fingerprint = "f00d";
  return finding;
}

// Findings compare by their JSON form (finding.h has no operator==).
json as_json(const std::vector<Finding>& findings) {
  return json(findings);
}

ScanCache open_cache(const fs::path& dir, const std::string& digest = "rules-1") {
  auto cache = ScanCache::open(dir, digest);
  EXPECT_TRUE(cache.ok()) << (cache.ok() ? "" : cache.error().to_string());
  return std::move(cache).value();
}

TEST(ScanCache, HitOnUnchangedContent) {
  TempDir dir;
  ScanCache cache = open_cache(dir / "cache");
  const std::vector<Finding> findings = {sample_finding("src/a.py", 3),
                                         sample_finding("src/a.py", 9)};
  EXPECT_EQ(cache.lookup("src/a.py", "text"), std::nullopt);  // empty at first
  cache.store("src/a.py", "text", findings);
  auto hit = cache.lookup("src/a.py", "text");
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(as_json(*hit), as_json(findings));
  // A file with no findings is cached too (an empty list is a hit, not a miss).
  cache.store("src/clean.py", "pass\n", {});
  auto clean = cache.lookup("src/clean.py", "pass\n");
  ASSERT_TRUE(clean.has_value());
  EXPECT_TRUE(clean->empty());
  EXPECT_EQ(cache.size(), 2u);
}

TEST(ScanCache, MissOnChangedContentOrAnotherFile) {
  TempDir dir;
  ScanCache cache = open_cache(dir / "cache");
  cache.store("src/a.py", "version 1", {sample_finding("src/a.py", 1)});
  EXPECT_EQ(cache.lookup("src/a.py", "version 2"), std::nullopt);
  EXPECT_EQ(cache.lookup("src/b.py", "version 1"), std::nullopt);  // same content, other file
  // Storing again replaces the entry.
  cache.store("src/a.py", "version 2", {});
  EXPECT_EQ(cache.lookup("src/a.py", "version 1"), std::nullopt);
  ASSERT_TRUE(cache.lookup("src/a.py", "version 2").has_value());
  EXPECT_EQ(cache.size(), 1u);
}

TEST(ScanCache, PersistsAcrossSaveAndOpen) {
  TempDir dir;
  const fs::path cache_dir = dir / "nested/cache";
  const std::vector<Finding> findings = {sample_finding("src/a.py", 3)};
  {
    ScanCache cache = open_cache(cache_dir);
    cache.store("src/a.py", "text", findings);
    ASSERT_TRUE(cache.save().ok());
    EXPECT_EQ(cache.file(), cache_dir / "scan-cache.json");
  }
  struct stat info {};
  ASSERT_EQ(::stat(cache_dir.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0700u);
  ASSERT_EQ(::stat((cache_dir / "scan-cache.json").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0600u);

  const json on_disk = json::parse(test::read_text(cache_dir / "scan-cache.json"));
  EXPECT_EQ(on_disk["format"], 1);
  EXPECT_EQ(on_disk["ward_version"], kVersion);
  EXPECT_EQ(on_disk["rules_digest"], "rules-1");
  EXPECT_EQ(on_disk["files"]["src/a.py"]["sha256"], sha256_hex("text"));

  ScanCache reopened = open_cache(cache_dir);
  auto hit = reopened.lookup("src/a.py", "text");
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(as_json(*hit), as_json(findings));
  EXPECT_EQ(reopened.lookup("src/a.py", "changed"), std::nullopt);
}

TEST(ScanCache, MissAfterTheRulesDigestChanges) {
  TempDir dir;
  {
    ScanCache cache = open_cache(dir.path(), "rules-1");
    cache.store("a.py", "text", {sample_finding("a.py", 1)});
    ASSERT_TRUE(cache.save().ok());
  }
  ScanCache other_rules = open_cache(dir.path(), "rules-2");
  EXPECT_EQ(other_rules.size(), 0u);
  EXPECT_EQ(other_rules.lookup("a.py", "text"), std::nullopt);
  ASSERT_TRUE(other_rules.save().ok());  // rewritten for the new rules
  const json on_disk = json::parse(test::read_text(dir / "scan-cache.json"));
  EXPECT_EQ(on_disk["rules_digest"], "rules-2");
  EXPECT_TRUE(on_disk["files"].empty());
}

TEST(ScanCache, MissAfterWardsVersionChanges) {
  TempDir dir;
  {
    ScanCache cache = open_cache(dir.path());
    cache.store("a.py", "text", {sample_finding("a.py", 1)});
    ASSERT_TRUE(cache.save().ok());
  }
  json on_disk = json::parse(test::read_text(dir / "scan-cache.json"));
  on_disk["ward_version"] = "0.0.0-older";
  test::write_text(dir / "scan-cache.json", on_disk.dump());
  ScanCache cache = open_cache(dir.path());
  EXPECT_EQ(cache.lookup("a.py", "text"), std::nullopt);
}

TEST(ScanCache, CorruptFileIsIgnored) {
  const json good_entry = {{"sha256", sha256_hex("text")},
                           {"findings", json::array({sample_finding("a.py", 1)})}};
  const auto with_files = [](json files) {
    return json{{"format", 1},
                {"ward_version", kVersion},
                {"rules_digest", "rules-1"},
                {"files", std::move(files)}}
        .dump();
  };
  json bad_finding = good_entry;
  bad_finding["findings"][0]["severity"] = "apocalyptic";
  json bad_hash = good_entry;
  bad_hash["sha256"] = "not-a-digest";
  const std::string cases[] = {
      "",
      "{not json",
      "[1, 2, 3]",
      "\xff\xfe binary \x00 junk",
      R"({"format": 99, "files": {}})",
      R"({"format": "1"})",
      with_files(json::array()),
      with_files({{"a.py", 42}}),
      with_files({{"a.py", bad_finding}}),
      with_files({{"a.py", bad_hash}}),
      with_files({{"a.py", {{"sha256", sha256_hex("text")}}}}),
  };
  // The well-formed file these are variations of does load.
  {
    TempDir dir;
    test::write_text(dir / "scan-cache.json", with_files({{"a.py", good_entry}}));
    ScanCache cache = open_cache(dir.path());
    EXPECT_TRUE(cache.lookup("a.py", "text").has_value());
  }
  for (const auto& text : cases) {
    TempDir dir;
    test::write_text(dir / "scan-cache.json", text);
    auto cache = ScanCache::open(dir.path(), "rules-1");
    ASSERT_TRUE(cache.ok()) << testing::PrintToString(text);
    EXPECT_EQ(cache->size(), 0u) << testing::PrintToString(text);
    EXPECT_EQ(cache->lookup("a.py", "text"), std::nullopt);
    // save() replaces the corrupt file with a good one.
    cache->store("b.py", "b", {});
    ASSERT_TRUE(cache->save().ok());
    ScanCache reopened = open_cache(dir.path());
    EXPECT_TRUE(reopened.lookup("b.py", "b").has_value()) << testing::PrintToString(text);
  }
}

TEST(ScanCache, SaveDropsEntriesOfDeletedFiles) {
  TempDir dir;
  const fs::path kept = dir / "kept.py";
  const fs::path gone = dir / "gone.py";
  test::write_text(kept, "k");
  test::write_text(gone, "g");
  {
    ScanCache cache = open_cache(dir / "cache");
    cache.store(kept, "k", {});
    cache.store(gone, "g", {});
    ASSERT_TRUE(cache.save().ok());
  }
  fs::remove(gone);
  {
    ScanCache cache = open_cache(dir / "cache");
    EXPECT_EQ(cache.size(), 2u);
    ASSERT_TRUE(cache.save().ok());
    EXPECT_EQ(cache.size(), 1u);
  }
  ScanCache cache = open_cache(dir / "cache");
  EXPECT_TRUE(cache.lookup(kept, "k").has_value());
  EXPECT_EQ(cache.lookup(gone, "g"), std::nullopt);
}

TEST(ScanCache, UnusableDirectoryIsAnError) {
  TempDir dir;
  test::write_text(dir / "a-file", "x");
  auto cache = ScanCache::open(dir / "a-file", "rules-1");
  ASSERT_FALSE(cache.ok());
  EXPECT_EQ(cache.error().code(), core::Code::kFailedPrecondition);
  EXPECT_EQ(cache.error().message().rfind("the scan cache directory: ", 0), 0u)
      << cache.error().message();
}

TEST(ScanCache, ConcurrentStoreAndLookupFromSeveralThreads) {
  TempDir dir;
  ScanCache cache = open_cache(dir.path());
  constexpr int kThreads = 8;
  constexpr int kFilesPerThread = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < kFilesPerThread; ++i) {
        const std::string file = "t" + std::to_string(t) + "/f" + std::to_string(i) + ".py";
        const std::string content = "content " + file;
        cache.store(file, content, {sample_finding(file, static_cast<uint32_t>(i + 1))});
        auto hit = cache.lookup(file, content);
        EXPECT_TRUE(hit.has_value() && hit->size() == 1 && hit->front().file == file);
        // Look at another thread's files while they are being written.
        const std::string other =
            "t" + std::to_string((t + 1) % kThreads) + "/f" + std::to_string(i) + ".py";
        auto maybe = cache.lookup(other, "content " + other);
        if (maybe) {
          EXPECT_EQ(maybe->front().file, other);
        }
      }
    });
  }
  // save() may run while the threads store.
  EXPECT_TRUE(cache.save().ok());
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(cache.size(), static_cast<std::size_t>(kThreads * kFilesPerThread));
  ASSERT_TRUE(cache.save().ok());

  ScanCache reopened = open_cache(dir.path());
  EXPECT_EQ(reopened.size(), static_cast<std::size_t>(kThreads * kFilesPerThread));
  auto hit = reopened.lookup("t3/f17.py", "content t3/f17.py");
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->front().span.start_line, 18u);
}

}  // namespace
}  // namespace ward::scan
