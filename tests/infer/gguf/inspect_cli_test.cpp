// `ward model inspect` through the real binary, on the fixture model, vocabulary-only files and a
// truncated copy. Expected values come from the fixtures' headers (see reader_test.cpp for how
// they were established).

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/test_support.h"

namespace ward::test {
namespace {

const std::string kModel = "models/llama-2-tiny-random.gguf";

nlohmann::json inspect_json(const std::string& relative) {
  auto result = run_ward({"model", "inspect", fixture(relative).string(), "--json"});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  auto json = nlohmann::json::parse(result.out, nullptr, false);
  EXPECT_FALSE(json.is_discarded()) << result.out;
  return json;
}

TEST(InferGgufInspect, PrintsTheModelSummary) {
  const std::string path = fixture(kModel).string();
  auto result = run_ward({"model", "inspect", path});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(result.err, "");
  const std::string expected = "file              " + path + "\n" +
                               "GGUF version      3\n"
                               "architecture      llama\n"
                               "name              LLaMA v2\n"
                               "parameters        513.05 K (513048)\n"
                               "file size         1.67 MiB (1750560 bytes)\n"
                               "context length    4096\n"
                               "embedding length  8\n"
                               "blocks            1\n"
                               "heads             2\n"
                               "KV heads          2\n"
                               "tensors           12 (F16 9, F32 3)\n"
                               "tokenizer         llama\n"
                               "pre-tokenizer     -\n"
                               "vocabulary        32000 tokens\n"
                               "BOS token id      1\n"
                               "EOS token id      2\n"
                               "FIM               no\n";
  EXPECT_EQ(result.out, expected);
}

TEST(InferGgufInspect, JsonHasTheSameFacts) {
  auto json = inspect_json(kModel);
  EXPECT_EQ(json["file"], fixture(kModel).string());
  EXPECT_EQ(json["gguf_version"], 3);
  EXPECT_EQ(json["architecture"], "llama");
  EXPECT_EQ(json["name"], "LLaMA v2");
  EXPECT_EQ(json["parameters"], 513048);  // sum of the tensors' element counts
  EXPECT_EQ(json["file_size"], 1750560);
  EXPECT_EQ(json["context_length"], 4096);
  EXPECT_EQ(json["embedding_length"], 8);
  EXPECT_EQ(json["block_count"], 1);
  EXPECT_EQ(json["head_count"], 2);
  EXPECT_EQ(json["head_count_kv"], 2);
  EXPECT_EQ(json["tensor_count"], 12);
  EXPECT_EQ(json["tensor_types"], (nlohmann::json{{"F16", 9}, {"F32", 3}}));
  EXPECT_EQ(json["tokenizer_model"], "llama");
  EXPECT_TRUE(json["pre_tokenizer"].is_null());
  EXPECT_EQ(json["vocab_size"], 32000);
  EXPECT_EQ(json["bos_token_id"], 1);
  EXPECT_EQ(json["eos_token_id"], 2);
  EXPECT_EQ(json["fim"]["supported"], false);
}

TEST(InferGgufInspect, VocabularyFilesAndFimDetection) {
  struct Case {
    const char* file;
    const char* architecture;
    const char* pre;
    int vocab;
    int bos;
    const char* fim;  // evidence, or nullptr for no FIM
  };
  // FIM tokens found in each vocabulary by a Python scan of tokenizer.ggml.tokens.
  const Case cases[] = {
      {"vocab/ggml-vocab-deepseek-coder.gguf", "llama", "deepseek-coder", 32256, 32013,
       "token <｜fim▁begin｜> (id 32016)"},
      {"vocab/ggml-vocab-starcoder.gguf", "starcoder2", "starcoder", 49152, 0,
       "token <fim_prefix> (id 1)"},
      {"vocab/ggml-vocab-refact.gguf", "refact", "refact", 49216, 0, "token <fim_prefix> (id 1)"},
      {"vocab/ggml-vocab-qwen2.gguf", "qwen2", "qwen2", 151936, 151643, nullptr},
      {"vocab/ggml-vocab-llama-bpe.gguf", "llama", "llama-bpe", 128256, 128000, nullptr},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.file);
    auto json = inspect_json(c.file);
    EXPECT_EQ(json["architecture"], c.architecture);
    EXPECT_EQ(json["pre_tokenizer"], c.pre);
    EXPECT_EQ(json["vocab_size"], c.vocab);
    EXPECT_EQ(json["bos_token_id"], c.bos);
    EXPECT_EQ(json["tensor_count"], 0);
    EXPECT_EQ(json["parameters"], 0);
    EXPECT_EQ(json["fim"]["supported"], c.fim != nullptr);
    if (c.fim) {
      EXPECT_EQ(json["fim"]["evidence"], c.fim);
    }
  }
  auto text = run_ward({"model", "inspect", fixture("vocab/ggml-vocab-starcoder.gguf").string()});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("\nFIM               yes: token <fim_prefix> (id 1)\n"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("\ntensors           0\n"), std::string::npos) << text.out;
}

TEST(InferGgufInspect, TruncatedFileFailsNamingIt) {
  TempDir dir;
  const std::string bytes = read_text(fixture(kModel));
  const auto path = dir / "cut.gguf";
  write_text(path, bytes.substr(0, bytes.size() / 2));
  for (bool json : {false, true}) {
    std::vector<std::string> args = {"model", "inspect", path.string()};
    if (json) args.push_back("--json");
    auto result = run_ward(args);
    EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
    EXPECT_EQ(result.out, "");
    EXPECT_EQ(result.err.rfind("ward: error: " + path.string() + ": ", 0), 0u) << result.err;
    EXPECT_NE(result.err.find("runs past the end of the file (875280 bytes); the file is "
                              "truncated or corrupt"),
              std::string::npos)
        << result.err;
  }
  auto missing = run_ward({"model", "inspect", (dir / "none.gguf").string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("does not exist"), std::string::npos) << missing.err;
  auto usage = run_ward({"model", "inspect"});
  EXPECT_EQ(usage.exit_code, 2) << usage.err;
}

}  // namespace
}  // namespace ward::test
