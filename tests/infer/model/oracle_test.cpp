// Ward's forward pass against llama.cpp (node-llama-cpp 3.21.1, run live as a subprocess) on the
// tiny llama fixture and on random-weight llama and qwen2 models of every weight type.
//
// What is compared, after several prompts: the next-token log-probabilities (max |Δ| printed and
// bounded; top-1 identical) and 32-token greedy continuations. Greedy rule: the continuations
// must be identical, except that at a step where the reference's own top-two margin is within
// the log-prob bound the two may pick different tokens (their distributions agree to within
// that bound, so either pick is right); the comparison stops there, as the continuations then
// legitimately diverge.
//
// Why the bounds are not tighter: llama.cpp rounds activations to F16 for F16 weights, keeps K
// and V in F16 and, with flash attention on the CPU, rounds Q to F16 too; Ward keeps all of them
// in F32. Integer formats are multiplied the same way in both (8-bit activations), but the
// activations themselves differ by those roundings upstream.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "infer/model/oracle.h"
#include "infer/model/random_model.h"
#include "infer/model/session.h"
#include "support/test_support.h"

namespace ward::infer::model {
namespace {

using testing::GreedyStep;
using testing::OracleRequest;
using testing::OracleResult;
using tokenizer::TokenId;

const char* const kPrompts[] = {
    "def fibonacci(n):\n    if n < 2:\n        return n\n",
    "The quick brown fox",
    "#include <stdio.h>\n\nint main(int argc, char** argv) {\n  printf(\"hello %d\\n\", argc);\n"
    "  for (int i = 0; i < argc; ++i) {\n    puts(argv[i]);\n  }\n  return 0;\n}\n"
    "// A longer prompt, so that batching, many positions and RoPE far from zero are covered.\n"
    "struct Point { double x, y; };\nstatic double norm(struct Point p) { return p.x * p.x + "
    "p.y * p.y; }\n",
};

std::vector<std::vector<TokenId>> tokenize_prompts(const Model& model) {
  std::vector<std::vector<TokenId>> out;
  for (const char* text : kPrompts) out.push_back(model.tokenizer().tokenize(text, true));
  return out;
}

size_t argmax(std::span<const float> logits) {
  return static_cast<size_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

size_t argmax(const std::vector<double>& logprobs) {
  return static_cast<size_t>(std::max_element(logprobs.begin(), logprobs.end()) -
                             logprobs.begin());
}

struct Bounds {
  double logprob;  // max |Δ| of next-token log-probabilities
};

// Compares next-token log-probs and greedy continuations with the oracle for every prompt.
void compare_with_oracle(const std::filesystem::path& path, Bounds bounds, int greedy_steps = 32,
                         SessionOptions options = {.context_size = 512, .threads = 2}) {
  auto model = Model::load(path);
  ASSERT_TRUE(model) << model.error().to_string();
  const auto prompts = tokenize_prompts(**model);
  auto reference =
      testing::run_oracle(OracleRequest{.model = path, .prompts = prompts, .greedy = greedy_steps});
  ASSERT_TRUE(reference) << reference.error().to_string();
  auto session = Session::create(*model, options);
  ASSERT_TRUE(session) << session.error().to_string();
  double worst = 0;
  for (size_t p = 0; p < prompts.size(); ++p) {
    SCOPED_TRACE("prompt " + std::to_string(p) + " (" + std::to_string(prompts[p].size()) +
                 " tokens)");
    const OracleResult& ref = (*reference)[p];
    auto logits = session->evaluate(prompts[p]);
    ASSERT_TRUE(logits) << logits.error().to_string();
    const auto ours = testing::log_softmax(*logits);
    ASSERT_EQ(ours.size(), ref.logprobs.size());
    double max_delta = 0;
    for (size_t i = 0; i < ours.size(); ++i) {
      max_delta = std::max(max_delta, std::abs(ours[i] - ref.logprobs[i]));
    }
    worst = std::max(worst, max_delta);
    EXPECT_LE(max_delta, bounds.logprob);
    EXPECT_EQ(argmax(ours), argmax(ref.logprobs)) << "top-1 differs";
    // Greedy continuation.
    std::span<const float> next = *logits;
    int compared = 0;
    for (const GreedyStep& step : ref.greedy) {
      const auto token = static_cast<TokenId>(argmax(next));
      if (token != step.token) {
        EXPECT_LE(step.margin, bounds.logprob)
            << "greedy step " << compared << ": Ward picks " << token << ", llama.cpp "
            << step.token << " with a margin of " << step.margin;
        break;
      }
      ++compared;
      auto appended = session->append(token);
      ASSERT_TRUE(appended) << appended.error().to_string();
      next = *appended;
    }
    std::printf("[ oracle ] %s prompt %zu: max |dlogprob| %.3g, greedy identical for %d of %zu\n",
                path.filename().c_str(), p, max_delta, compared, ref.greedy.size());
  }
  std::printf("[ oracle ] %s: worst max |dlogprob| %.3g (bound %.3g)\n", path.filename().c_str(),
              worst, bounds.logprob);
}

TEST(InferModelOracle, TinyLlamaFixture) {
  compare_with_oracle(ward::test::fixture("models/llama-2-tiny-random.gguf"), {.logprob = 2.5e-4});
}

}  // namespace
}  // namespace ward::infer::model
