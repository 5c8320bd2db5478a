#pragma once
// Runs llama.cpp's tokenizer (oracle/llama_cpp_tokenize.mjs under Node.js) on a batch of texts, for
// tests that compare Ward's token ids with llama.cpp's. A missing Node.js or node-llama-cpp fails
// the calling test with what to install; it never skips. Single-threaded use within one test.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ward::test {

struct OracleRequest {
  std::filesystem::path vocab;  // a GGUF file llama.cpp can load vocabulary-only
  std::string text;
  bool special = false;  // parse special-token texts
};

// llama.cpp's ids (no BOS) for each request, in order; empty (with a test failure recorded) when
// the oracle could not run.
std::vector<std::vector<int32_t>> llama_cpp_tokenize(const std::vector<OracleRequest>& requests);

}  // namespace ward::test
