// Replays the language server fuzzer's committed inputs (fuzz/corpus/lsp/: whole editor sessions,
// protocol errors, a header that cannot be framed) through its entry point in the normal builds,
// where a broken invariant aborts.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "support/test_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace ward::lsp {
namespace {

namespace fs = std::filesystem;

TEST(LspFuzzCorpus, EveryInputRunsThroughTheFuzzEntryPoint) {
  std::vector<fs::path> corpus;
  for (const auto& entry : fs::directory_iterator(WARD_LSP_CORPUS_DIR)) {
    if (entry.is_regular_file() && entry.path().extension() == ".lsp") corpus.push_back(entry);
  }
  std::sort(corpus.begin(), corpus.end());
  ASSERT_GE(corpus.size(), 4u) << WARD_LSP_CORPUS_DIR;
  for (const auto& path : corpus) {
    SCOPED_TRACE(path.filename().string());
    const std::string input = test::read_text(path);
    EXPECT_EQ(LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size()),
              0);
  }
}

}  // namespace
}  // namespace ward::lsp
