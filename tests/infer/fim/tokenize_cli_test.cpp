// `ward model tokenize` through the real binary: the ids of real source files and of chat/FIM
// markup on several fixture vocabularies must be llama.cpp's (run live, see llama_cpp_oracle.h);
// bad input is an error naming what is wrong.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "infer/fim/llama_cpp_oracle.h"
#include "support/test_support.h"

namespace ward::test {
namespace {

std::vector<int32_t> ward_ids(const std::vector<std::string>& args) {
  auto result = run_ward(args);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.err, "");
  auto json = nlohmann::json::parse(result.out, nullptr, false);
  EXPECT_TRUE(json.is_array()) << result.out;
  EXPECT_EQ(result.out.back(), '\n');
  return json.is_array() ? json.get<std::vector<int32_t>>() : std::vector<int32_t>{};
}

TEST(InferTokenizeCli, SourceFilesGetLlamaCppIds) {
  const std::vector<std::string> vocabs = {"qwen2", "llama-spm", "starcoder", "deepseek-coder",
                                           "llama-bpe"};
  const std::vector<std::string> sources = {"scan/juliet-c/testcasesupport/io.c",
                                            "scan/gosec/testutils/g115_samples.go"};
  std::vector<OracleRequest> requests;
  for (const auto& vocab : vocabs) {
    for (const auto& source : sources) {
      requests.push_back(
          {fixture("vocab/ggml-vocab-" + vocab + ".gguf"), read_text(fixture(source)), false});
    }
  }
  const auto expected = llama_cpp_tokenize(requests);
  ASSERT_EQ(expected.size(), requests.size());
  size_t next = 0;
  for (const auto& vocab : vocabs) {
    for (const auto& source : sources) {
      SCOPED_TRACE(vocab + " " + source);
      const auto ids = ward_ids(
          {"model", "tokenize", requests[next].vocab.string(), "--file", fixture(source).string()});
      EXPECT_GT(ids.size(), 100u);
      EXPECT_EQ(ids, expected[next]);
      ++next;
    }
  }
}

TEST(InferTokenizeCli, SpecialParsesControlTokenTexts) {
  TempDir dir;
  const std::string markup = "<fim_prefix>def f(<fim_suffix>)\n<fim_middle><|endoftext|>";
  write_text(dir / "markup.txt", markup);
  const auto vocab = fixture("vocab/ggml-vocab-starcoder.gguf");
  const auto expected = llama_cpp_tokenize({{vocab, markup, true}, {vocab, markup, false}});
  ASSERT_EQ(expected.size(), 2u);
  const std::string text = (dir / "markup.txt").string();
  const auto parsed = ward_ids({"model", "tokenize", vocab.string(), "--file", text, "--special"});
  EXPECT_EQ(parsed, expected[0]);
  EXPECT_EQ(parsed, (std::vector<int32_t>{1, 610, 315, 45, 3, 46, 222, 2, 0}));
  EXPECT_EQ(ward_ids({"model", "tokenize", vocab.string(), "--file", text}), expected[1]);
  // An empty file gives an empty array (no BOS even where the vocabulary adds one).
  write_text(dir / "empty.txt", "");
  EXPECT_TRUE(ward_ids({"model", "tokenize", fixture("vocab/ggml-vocab-llama-spm.gguf").string(),
                        "--file", (dir / "empty.txt").string()})
                  .empty());
}

TEST(InferTokenizeCli, BadInputIsAnError) {
  TempDir dir;
  write_text(dir / "text.txt", "hello");
  const std::string vocab = fixture("vocab/ggml-vocab-qwen2.gguf").string();
  auto missing_text = run_ward({"model", "tokenize", vocab, "--file", (dir / "none.txt").string()});
  EXPECT_EQ(missing_text.exit_code, 1);
  EXPECT_EQ(missing_text.out, "");
  EXPECT_EQ(missing_text.err, "ward: error: " + (dir / "none.txt").string() +
                                  ": the file does not exist; check the path\n");
  auto missing_model = run_ward(
      {"model", "tokenize", (dir / "none.gguf").string(), "--file", (dir / "text.txt").string()});
  EXPECT_EQ(missing_model.exit_code, 1);
  EXPECT_NE(missing_model.err.find("does not exist"), std::string::npos) << missing_model.err;
  // A truncated GGUF file.
  write_text(dir / "not-a-model.gguf", "GGUF");
  auto corrupt = run_ward({"model", "tokenize", (dir / "not-a-model.gguf").string(), "--file",
                           (dir / "text.txt").string()});
  EXPECT_EQ(corrupt.exit_code, 1);
  EXPECT_EQ(corrupt.err.rfind("ward: error: ", 0), 0u) << corrupt.err;
  auto usage = run_ward({"model", "tokenize", vocab});
  EXPECT_EQ(usage.exit_code, 2) << usage.err;
}

}  // namespace
}  // namespace ward::test
