// Replays the scan fuzzer's inputs through its entry point in the normal builds, where a broken
// invariant aborts: the committed corpus (fuzz/corpus/scan/: deep files and inputs that once broke
// an invariant) and the rule samples, each given as the fuzzer sees it (its language's index in
// kAllLanguages, then the file), which are the fuzzer's other seeds (fuzz/make_scan_seeds.py).

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <iterator>
#include <string>
#include <vector>

#include "scan/language.h"
#include "scan_test_support.h"
#include "support/test_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace ward::scan {
namespace {

namespace fs = std::filesystem;

int run(const std::string& input) {
  return LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

std::vector<fs::path> files_under(const fs::path& folder) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(folder)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(ScanFuzzCorpus, EveryInputRunsThroughTheFuzzEntryPoint) {
  const std::vector<fs::path> corpus = files_under(WARD_SCAN_CORPUS_DIR);
  ASSERT_GE(corpus.size(), 3u) << WARD_SCAN_CORPUS_DIR;
  for (const auto& path : corpus) {
    SCOPED_TRACE(path.filename().string());
    EXPECT_EQ(run(test::read_text(path)), 0);
  }
}

TEST(ScanFuzzCorpus, EveryRuleSampleRunsThroughTheFuzzEntryPoint) {
  size_t samples = 0;
  for (const auto& path : files_under(kSamplesDir)) {
    const auto language = language_of(path);
    if (!language) continue;
    SCOPED_TRACE(path.string());
    const auto index = std::find(std::begin(kAllLanguages), std::end(kAllLanguages), *language) -
                       std::begin(kAllLanguages);
    EXPECT_EQ(run(static_cast<char>(index) + test::read_text(path)), 0);
    ++samples;
  }
  EXPECT_GE(samples, 30u);
}

}  // namespace
}  // namespace ward::scan
