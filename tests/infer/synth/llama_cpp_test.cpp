// Synthetic models run in llama.cpp: for both architectures and every weight type, a small model
// written by synthesize() is loaded by node-llama-cpp 3.21.1 (tests/infer/oracle/llama_cpp.mjs,
// run live as a subprocess) and generates greedily. The checks are what makes such a model useful
// as an oracle input: llama.cpp accepts the file, the next-token distribution has a clear top
// (not flat), and greedy continuations are not one token repeated.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

#include "infer/synth/synth.h"
#include "support/test_support.h"

namespace ward::infer::synth {
namespace {

// Runs the oracle script from the source directory (where node_modules/ is) and parses its JSON.
nlohmann::json run_llama_cpp(const std::filesystem::path& model, const std::string& flags) {
  test::TempDir scratch;
  const auto err = scratch / "stderr.txt";
  const std::string command =
      fmt::format("cd '{}' && node tests/infer/oracle/llama_cpp.mjs --model '{}' {} 2>'{}'",
                  WARD_SOURCE_DIR, model.string(), flags, err.string());
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "popen failed";
    return nullptr;
  }
  std::string out;
  char buffer[65536];
  for (size_t n; (n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0;) out.append(buffer, n);
  const int status = ::pclose(pipe);
  if (status != 0) {
    ADD_FAILURE() << "llama.cpp failed (" << status << "): " << test::read_text(err);
    return nullptr;
  }
  auto json = nlohmann::json::parse(out, nullptr, false);
  if (json.is_discarded()) ADD_FAILURE() << "not JSON: " << out.substr(0, 500);
  return json;
}

struct Case {
  Architecture architecture;
  TensorType type;
  const char* vocab = "llama-spm";
};

std::string case_name(const testing::TestParamInfo<Case>& info) {
  std::string vocab = info.param.vocab;
  std::replace(vocab.begin(), vocab.end(), '-', '_');
  return fmt::format("{}_{}_{}", architecture_name(info.param.architecture),
                     layout_of(info.param.type)->name, vocab);
}

class InferSynthLlamaCpp : public testing::TestWithParam<Case> {};

// The tiny shape: every row length is a multiple of 256, so every weight type fits. Qwen2 models
// tie the output (as Qwen2.5-0.5B does). The sweep over types uses the 32000-token SPM vocabulary
// for both architectures (llama.cpp does not pair vocabularies with architectures), because the
// reference's cost per generated token grows with the vocabulary; one case runs qwen2 with its
// own 151936-token vocabulary.
SynthOptions tiny(const Case& c) {
  SynthOptions options = *preset("tiny");
  options.architecture = c.architecture;
  options.weight_type = c.type;
  options.seed = 7;
  options.vocabulary = test::fixture(std::string("vocab/ggml-vocab-") + c.vocab + ".gguf");
  options.tie_output = c.architecture == Architecture::kQwen2;
  return options;
}

TEST_P(InferSynthLlamaCpp, LoadsAndGeneratesNonTrivially) {
  const SynthOptions options = tiny(GetParam());
  test::TempDir dir;
  const auto path = dir / "model.gguf";
  auto summary = synthesize(options, path);
  ASSERT_TRUE(summary) << summary.error().to_string();

  // Ordinary token ids ("The quick brown fox" and the like; BOS first for the SPM vocabulary).
  const bool spm = std::string(GetParam().vocab) == "llama-spm";
  const std::string prompt = spm ? "1,450,4996,17354,1701" : "785,3974,13876,38835";
  const int steps = spm ? 12 : 8;
  auto json =
      run_llama_cpp(path, fmt::format("--prompt {} --greedy {} --no-logprobs", prompt, steps));
  ASSERT_TRUE(json.is_object());
  EXPECT_EQ(json["vocab_size"], summary->vocabulary_size);
  ASSERT_EQ(json["results"].size(), 1u);
  const double uniform = -std::log(static_cast<double>(summary->vocabulary_size));
  for (const auto& result : json["results"]) {
    const auto& greedy = result["greedy"];
    ASSERT_EQ(greedy.size(), static_cast<size_t>(steps));
    std::set<int64_t> distinct;
    std::string ids;
    for (const auto& step : greedy) {
      const int64_t token = step["token"];
      EXPECT_GE(token, 0);
      EXPECT_LT(token, summary->vocabulary_size);
      distinct.insert(token);
      ids += fmt::format("{} ", token);
      // A clear top: the most likely token is far more likely than a uniform draw.
      EXPECT_GT(step["logprobs_top2"][0].get<double>(), uniform + 4.0) << ids;
    }
    // Not one token (or two alternating) repeated.
    EXPECT_GE(distinct.size(), static_cast<size_t>(steps / 2)) << "greedy continuation: " << ids;
  }
}

INSTANTIATE_TEST_SUITE_P(EveryTypeAndArchitecture, InferSynthLlamaCpp,
                         testing::Values(Case{Architecture::kLlama, TensorType::kF32},
                                         Case{Architecture::kLlama, TensorType::kF16},
                                         Case{Architecture::kLlama, TensorType::kBF16},
                                         Case{Architecture::kLlama, TensorType::kQ8_0},
                                         Case{Architecture::kLlama, TensorType::kQ4_0},
                                         Case{Architecture::kLlama, TensorType::kQ4_K},
                                         Case{Architecture::kLlama, TensorType::kQ5_K},
                                         Case{Architecture::kLlama, TensorType::kQ6_K},
                                         Case{Architecture::kQwen2, TensorType::kF32},
                                         Case{Architecture::kQwen2, TensorType::kF16},
                                         Case{Architecture::kQwen2, TensorType::kBF16},
                                         Case{Architecture::kQwen2, TensorType::kQ8_0},
                                         Case{Architecture::kQwen2, TensorType::kQ4_0},
                                         Case{Architecture::kQwen2, TensorType::kQ4_K},
                                         Case{Architecture::kQwen2, TensorType::kQ5_K},
                                         Case{Architecture::kQwen2, TensorType::kQ6_K},
                                         Case{Architecture::kQwen2, TensorType::kQ8_0, "qwen2"}),
                         case_name);

}  // namespace
}  // namespace ward::infer::synth
