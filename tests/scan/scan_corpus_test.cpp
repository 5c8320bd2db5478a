// Replays the scan fuzzer's committed corpus (fuzz/corpus/scan/: seeds and inputs that once broke
// an invariant) through the fuzz entry point in the normal builds, where a broken invariant aborts.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "support/test_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

TEST(ScanFuzzCorpus, EveryInputRunsThroughTheFuzzEntryPoint) {
  const std::filesystem::path corpus = WARD_SCAN_CORPUS_DIR;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(corpus)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 30u) << corpus;
  for (const auto& path : files) {
    SCOPED_TRACE(path.filename().string());
    const std::string bytes = ward::test::read_text(path);
    EXPECT_EQ(LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()),
              0);
  }
}

}  // namespace
