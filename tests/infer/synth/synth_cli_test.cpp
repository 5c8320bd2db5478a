// `ward model synth` through the real binary: it writes a model that `ward model inspect` reads
// with the shape asked for, prints what it wrote, and reports bad options as errors naming the
// flag (exit 1) and unknown names or a missing shape as usage errors (exit 2).

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "support/test_support.h"

namespace ward::test {
namespace {

std::vector<std::string> synth_args(const TempDir& dir, std::vector<std::string> extra) {
  std::vector<std::string> args = {"model",   "synth",
                                   "--vocab", fixture("vocab/ggml-vocab-llama-spm.gguf").string(),
                                   "-o",      (dir / "m.gguf").string()};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

TEST(InferSynthCli, WritesWhatInspectReads) {
  TempDir dir;
  auto result =
      run_ward(synth_args(dir, {"--arch", "qwen2",        "--layers", "2",          "--embd",
                                "64",     "--heads",      "4",        "--kv-heads", "2",
                                "--ff",   "96",           "--type",   "q4_0",       "--output-type",
                                "q8_0",   "--tie-output", "--seed",   "3",          "--json"}));
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  auto synth = nlohmann::json::parse(result.out);
  EXPECT_EQ(synth["file"], (dir / "m.gguf").string());
  EXPECT_EQ(synth["weight_type"], "Q4_0");
  EXPECT_EQ(synth["output_type"], "Q8_0");
  EXPECT_EQ(synth["tied_output"], true);
  EXPECT_EQ(synth["vocab_size"], 32000);
  // token_embd 64 x 32000, per layer 3 norms/biases ... counted by hand:
  // embd 2048000; per layer: norms 128, q 4096, k 2048, v 2048, biases 64+32+32, o 4096,
  // gate/up/down 3 x 6144; output_norm 64.
  const int64_t per_layer = 128 + 4096 + 2048 + 2048 + 128 + 4096 + 3 * 6144;
  EXPECT_EQ(synth["parameters"], 2048000 + 2 * per_layer + 64);
  EXPECT_EQ(synth["tensor_count"], 1 + 2 * 12 + 1);
  EXPECT_EQ(synth["file_size"], std::filesystem::file_size(dir / "m.gguf"));

  auto inspect = run_ward({"model", "inspect", (dir / "m.gguf").string(), "--json"});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  auto json = nlohmann::json::parse(inspect.out);
  EXPECT_EQ(json["architecture"], "qwen2");
  EXPECT_EQ(json["block_count"], 2);
  EXPECT_EQ(json["embedding_length"], 64);
  EXPECT_EQ(json["head_count"], 4);
  EXPECT_EQ(json["head_count_kv"], 2);
  EXPECT_EQ(json["parameters"], synth["parameters"]);
  EXPECT_EQ(json["tensor_types"], (nlohmann::json{{"F32", 11}, {"Q4_0", 14}, {"Q8_0", 1}}));
  EXPECT_EQ(json["tokenizer_model"], "llama");
  EXPECT_EQ(json["vocab_size"], 32000);
}

TEST(InferSynthCli, TextReportAndPreset) {
  TempDir dir;
  auto result = run_ward(synth_args(dir, {"--preset", "tiny", "--layers", "1", "--type", "q8_0"}));
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(result.err, "");
  EXPECT_NE(result.out.find("wrote             " + (dir / "m.gguf").string() + "\n"),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("shape             1 layers, embedding 256, 4 heads (2 KV), "
                            "feed-forward 512, vocabulary 32000\n"),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("types             weights Q8_0, embedding/output Q8_0\n"),
            std::string::npos)
      << result.out;
}

TEST(InferSynthCli, BadOptionsAreErrorsNamingTheFlag) {
  TempDir dir;
  auto k_quant = run_ward(synth_args(dir, {"--preset", "qwen2.5-0.5b", "--type", "q4_k"}));
  EXPECT_EQ(k_quant.exit_code, 1);
  EXPECT_EQ(k_quant.err,
            "ward: error: --embd: 896 is not a multiple of 256, the block size of Q4_K (--type); "
            "choose a length that is, or a type with smaller blocks (q8_0, q4_0: 32; f32, f16, "
            "bf16: 1)\n");
  auto heads = run_ward(synth_args(dir, {"--preset", "tiny", "--heads", "3"}));
  EXPECT_EQ(heads.exit_code, 1);
  EXPECT_NE(heads.err.find("--embd: 256 is not a multiple of the 3 heads"), std::string::npos)
      << heads.err;
  auto vocab = run_ward({"model", "synth", "--preset", "tiny", "--vocab",
                         (dir / "none.gguf").string(), "-o", (dir / "m.gguf").string()});
  EXPECT_EQ(vocab.exit_code, 1);
  EXPECT_NE(vocab.err.find("none.gguf"), std::string::npos) << vocab.err;
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));

  auto type = run_ward(synth_args(dir, {"--preset", "tiny", "--type", "q9_9"}));
  EXPECT_EQ(type.exit_code, 2);
  EXPECT_NE(type.err.find("--type q9_9: unknown type"), std::string::npos) << type.err;
  auto shape = run_ward(synth_args(dir, {"--layers", "2"}));
  EXPECT_EQ(shape.exit_code, 2);
  EXPECT_NE(shape.err.find("give the shape"), std::string::npos) << shape.err;
  auto preset = run_ward(synth_args(dir, {"--preset", "huge"}));
  EXPECT_EQ(preset.exit_code, 2);
  EXPECT_NE(preset.err.find("use one of qwen2.5-0.5b, tiny"), std::string::npos) << preset.err;
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

}  // namespace
}  // namespace ward::test
