// `ward model generate` and `ward model bench` end to end: the real binary, its greedy --json
// output compared with llama.cpp's greedy continuation (live oracle), and its usage errors.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "infer/model/oracle.h"
#include "infer/model/session.h"
#include "support/test_support.h"

namespace ward::infer::model {
namespace {

using tokenizer::TokenId;

const char* const kPrompt = "def fibonacci(n):\n    if n < 2:\n";

TEST(InferModelCli, GenerateJsonGreedyMatchesLlamaCpp) {
  const auto model_path = ward::test::fixture("models/llama-2-tiny-random.gguf");
  ward::test::TempDir dir;
  ward::test::write_text(dir / "prompt.txt", kPrompt);
  const auto run = ward::test::run_ward({"model", "generate", model_path.string(), "--prompt-file",
                                         (dir / "prompt.txt").string(), "-n", "24",
                                         "--temperature", "0", "--threads", "2", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto out = nlohmann::json::parse(run.out);
  const auto tokens = out["tokens"].get<std::vector<TokenId>>();
  ASSERT_EQ(tokens.size(), 24u);
  EXPECT_EQ(out["stop_reason"], "max_tokens");

  // The oracle sees the prompt as the CLI tokenises it: with BOS (this vocabulary adds one).
  auto model = Model::load(model_path);
  ASSERT_TRUE(model);
  const auto prompt = (*model)->tokenizer().tokenize(kPrompt, true, true);
  ASSERT_EQ(prompt.front(), 1) << "BOS first";
  EXPECT_EQ(out["prompt_tokens"], prompt.size());
  auto reference = testing::run_oracle(
      {.model = model_path, .prompts = {prompt}, .greedy = 24, .logprobs = false});
  ASSERT_TRUE(reference) << reference.error().to_string();
  const auto& steps = (*reference)[0].greedy;
  size_t same = 0;
  while (same < steps.size() && tokens[same] == steps[same].token) ++same;
  if (same < steps.size()) {
    EXPECT_LE(steps[same].margin, 2.5e-4) << "greedy differs at step " << same;  // oracle_test's bound
  }
  auto text = (*model)->tokenizer().detokenize(tokens);
  ASSERT_TRUE(text);
  EXPECT_EQ(out["text"], *text);
}

TEST(InferModelCli, GenerateStreamsPlainText) {
  ward::test::TempDir dir;
  ward::test::write_text(dir / "prompt.txt", kPrompt);
  const auto run = ward::test::run_ward(
      {"model", "generate", ward::test::fixture("models/llama-2-tiny-random.gguf").string(),
       "--prompt-file", (dir / "prompt.txt").string(), "-n", "5", "--temperature", "0"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("5 generated"), std::string::npos) << run.err;
}

TEST(InferModelCli, BenchPrintsJson) {
  const auto run = ward::test::run_ward(
      {"model", "bench", ward::test::fixture("models/llama-2-tiny-random.gguf").string(), "--pp",
       "32", "--tg", "8", "--threads", "1", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto out = nlohmann::json::parse(run.out);
  EXPECT_GT(out["pp_tps"].get<double>(), 0);
  EXPECT_GT(out["tg_tps"].get<double>(), 0);
  EXPECT_EQ(out["threads"], 1);

  // The memory report: the weights are every tensor's bytes, the cache holds keys and values in
  // F32 for every layer and the 32 + 8 + 1 positions the run needs (rounded up to whole blocks of
  // 16), and both were made resident.
  auto file = gguf::File::open(ward::test::fixture("models/llama-2-tiny-random.gguf"));
  ASSERT_TRUE(file.ok()) << file.error().message();
  uint64_t weights = 0;
  for (const auto& tensor : file->tensors()) weights += tensor.size_bytes;
  auto int_key = [&](std::string_view key) { return *file->find(key)->as_int(); };
  const int64_t kv_dim = int_key("llama.embedding_length") /
                         int_key("llama.attention.head_count") *
                         int_key("llama.attention.head_count_kv");
  const int64_t kv_bytes = 2 * int_key("llama.block_count") * 48 * kv_dim * 4;
  EXPECT_EQ(out["weight_bytes"].get<uint64_t>(), weights);
  EXPECT_EQ(out["kv_cache_bytes"].get<int64_t>(), kv_bytes);
  EXPECT_GT(out["peak_resident_bytes"].get<uint64_t>(), weights);
  EXPECT_EQ(out["other_resident_bytes"].get<int64_t>(),
            out["peak_resident_bytes"].get<int64_t>() - static_cast<int64_t>(weights) - kv_bytes);
}

TEST(InferModelCli, Errors) {
  ward::test::TempDir dir;
  const auto missing = ward::test::run_ward(
      {"model", "generate", (dir / "none.gguf").string(), "--prompt-file",
       (dir / "none.txt").string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("ward: error: "), std::string::npos) << missing.err;
  const auto usage = ward::test::run_ward(
      {"model", "bench", ward::test::fixture("models/llama-2-tiny-random.gguf").string(), "--pp",
       "0"});
  EXPECT_EQ(usage.exit_code, 2) << usage.err;
  ward::test::write_text(dir / "prompt.txt", "x");
  const auto bad_sampler = ward::test::run_ward(
      {"model", "generate", ward::test::fixture("models/llama-2-tiny-random.gguf").string(),
       "--prompt-file", (dir / "prompt.txt").string(), "--top-p", "0"});
  EXPECT_EQ(bad_sampler.exit_code, 1);
  EXPECT_NE(bad_sampler.err.find("top_p"), std::string::npos) << bad_sampler.err;
}

}  // namespace
}  // namespace ward::infer::model
