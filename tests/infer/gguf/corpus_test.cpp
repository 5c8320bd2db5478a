// Replays the GGUF fuzzer's committed corpus (fuzz/corpus/gguf/: seeds and minimised inputs that
// once crashed) through the fuzz entry point in the normal builds, so that every input the fuzzer
// ever had trouble with stays fixed. The entry point aborts on a broken invariant; ASan and UBSan
// catch the rest in the asan preset.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "infer/gguf/gguf.h"
#include "support/test_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace ward::infer::gguf {
namespace {

std::vector<std::filesystem::path> corpus() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(WARD_GGUF_CORPUS_DIR)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(InferGgufCorpus, EveryInputRunsThroughTheFuzzEntryPoint) {
  const auto files = corpus();
  ASSERT_GE(files.size(), 10u) << WARD_GGUF_CORPUS_DIR;
  for (const auto& path : files) {
    SCOPED_TRACE(path.filename().string());
    const std::string bytes = test::read_text(path);
    EXPECT_EQ(LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()),
              0);
  }
}

TEST(InferGgufCorpus, SeedsAreValidOrInvalidAsNamed) {
  // Seeds named valid-* must open; invalid-* (and crash inputs) must be refused.
  size_t valid = 0;
  for (const auto& path : corpus()) {
    const std::string name = path.filename().string();
    SCOPED_TRACE(name);
    auto file = File::open(path);
    if (name.rfind("valid-", 0) == 0) {
      EXPECT_TRUE(file) << file.error().to_string();
      ++valid;
    } else if (name.rfind("invalid-", 0) == 0) {
      EXPECT_FALSE(file);
    }
  }
  EXPECT_GE(valid, 4u);
}

}  // namespace
}  // namespace ward::infer::gguf
