// The generation loop on the tiny llama fixture: greedy output equal to llama.cpp's (live oracle,
// with the margin rule of oracle_test.cpp), streamed text equal to the result, and each reason to
// stop (stop string, token limit, full context, cancellation).

#include "infer/model/generate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>

#include "infer/model/oracle.h"
#include "infer/model/tiny_model.h"
#include "support/test_support.h"

namespace ward::infer::model {
namespace {

using sampling::StopReason;
using tokenizer::TokenId;

Session new_session(int32_t context = 256) {
  auto session = Session::create(tiny_model(), {.context_size = context, .threads = 2});
  EXPECT_TRUE(session) << session.error().to_string();
  return std::move(*session);
}

std::vector<TokenId> prompt() {
  return tiny_model()->tokenizer().tokenize("def main():\n", true);
}

GenerateResult run(Session& session, GenerateOptions options, std::string* streamed = nullptr,
                   const std::atomic<bool>* cancel = nullptr) {
  const auto p = prompt();
  auto result = generate(
      session, p, options,
      [&](std::string_view text) {
        if (streamed != nullptr) streamed->append(text);
      },
      cancel);
  EXPECT_TRUE(result) << result.error().to_string();
  return result ? std::move(*result) : GenerateResult{};
}

// The sum of the log-probabilities of `tokens` after the prompt, each from a fresh evaluation.
double log_probability(Session& session, const std::vector<TokenId>& tokens) {
  auto sequence = prompt();
  double sum = 0;
  for (TokenId token : tokens) {
    auto logits = session.evaluate(sequence);
    EXPECT_TRUE(logits) << logits.error().to_string();
    if (!logits) return 0;
    double normaliser = 0;
    const float top = *std::max_element(logits->begin(), logits->end());
    for (float logit : *logits) normaliser += std::exp(static_cast<double>(logit - top));
    sum += static_cast<double>((*logits)[static_cast<size_t>(token)] - top) - std::log(normaliser);
    sequence.push_back(token);
  }
  return sum;
}

TEST(InferModelGenerate, GreedyMatchesLlamaCpp) {
  auto reference =
      testing::run_oracle({.model = ward::test::fixture("models/llama-2-tiny-random.gguf"),
                           .prompts = {prompt()},
                           .greedy = 32,
                           .logprobs = false});
  ASSERT_TRUE(reference) << reference.error().to_string();
  Session session = new_session();
  std::string streamed;
  const auto result = run(session, {.limits = {.max_tokens = 32}}, &streamed);
  EXPECT_EQ(result.stop_reason, StopReason::kMaxTokens);
  ASSERT_EQ(result.tokens.size(), 32u);
  const auto& steps = (*reference)[0].greedy;
  for (size_t i = 0; i < steps.size(); ++i) {
    if (result.tokens[i] != steps[i].token) {
      EXPECT_LE(steps[i].margin, 2.5e-4) << "step " << i;  // oracle_test.cpp's fixture bound
      break;
    }
  }
  EXPECT_EQ(streamed, result.text);
  auto text = tiny_model()->tokenizer().detokenize(result.tokens);
  ASSERT_TRUE(text);
  EXPECT_EQ(result.text, *text);
  EXPECT_EQ(result.prompt_tokens, static_cast<int32_t>(prompt().size()));
}

TEST(InferModelGenerate, StopStringCutsTheText) {
  Session session = new_session();
  const auto full = run(session, {.limits = {.max_tokens = 24}});
  ASSERT_GT(full.text.size(), 12u);
  const std::string stop = full.text.substr(full.text.size() / 2, 3);
  std::string streamed;
  const auto cut = run(session, {.limits = {.max_tokens = 24}, .stop_strings = {stop}}, &streamed);
  EXPECT_EQ(cut.stop_reason, StopReason::kStopString);
  EXPECT_EQ(cut.text, full.text.substr(0, full.text.find(stop)));
  EXPECT_EQ(streamed, cut.text);
  EXPECT_EQ(cut.reused_tokens, cut.prompt_tokens - 1) << "the prompt came from the cache";
}

TEST(InferModelGenerate, FullContextStops) {
  Session session = new_session(16);
  const auto result = run(session, {});
  EXPECT_EQ(result.stop_reason, StopReason::kMaxTokens);
  EXPECT_EQ(session.tokens().size(), 16u);
  EXPECT_EQ(result.tokens.size(), 16u - prompt().size() + 1);
}

TEST(InferModelGenerate, CancelledBeforeTheFirstToken) {
  Session session = new_session();
  std::atomic<bool> cancel{true};
  const auto result = run(session, {.limits = {.max_tokens = 8}}, nullptr, &cancel);
  EXPECT_EQ(result.stop_reason, StopReason::kCancelled);
  EXPECT_TRUE(result.tokens.empty());
}

TEST(InferModelGenerate, BadOptionsAreErrors) {
  Session session = new_session();
  const auto p = prompt();
  GenerateOptions options;
  options.sampler.temperature = -1;
  EXPECT_FALSE(generate(session, p, options));
  EXPECT_FALSE(generate(session, p, {.limits = {.max_tokens = -1}}));
  for (int32_t beams : {0, 9}) {
    auto out_of_range = generate(session, p, {.limits = {}, .line_beams = beams});
    ASSERT_FALSE(out_of_range);
    EXPECT_EQ(out_of_range.error().message(),
              "must be between 1 and 8, got " + std::to_string(beams));
  }
  GenerateOptions sampled{.limits = {}, .line_beams = 3};
  sampled.sampler.temperature = 0.8f;
  auto not_greedy = generate(session, p, sampled);
  ASSERT_FALSE(not_greedy);
  EXPECT_EQ(not_greedy.error().where(), "line_beams");
  EXPECT_EQ(not_greedy.error().message(),
            "a line search replaces greedy decoding: it needs temperature 0 and no repeat "
            "penalty (or line_beams 1)");
}

// The random model writes no line end in a few tokens: the search stops at the token limit
// with its likeliest line so far, which is at least as likely as greedy decoding's.
TEST(InferModelGenerate, LineSearchStopsAtTheTokenLimit) {
  Session session = new_session();
  std::string streamed;
  const auto searched = run(session, {.limits = {.max_tokens = 6}, .line_beams = 4}, &streamed);
  EXPECT_EQ(searched.stop_reason, StopReason::kMaxTokens);
  ASSERT_EQ(searched.tokens.size(), 6u);
  EXPECT_EQ(streamed, searched.text);
  const auto greedy = run(session, {.limits = {.max_tokens = 6}});
  EXPECT_GE(log_probability(session, searched.tokens), log_probability(session, greedy.tokens));
}

// Token healing: the prompt's last token left out and its text forced. Every generated token's
// text is kept, so the pieces together start with the forced text and the rest is what is shown.
TEST(InferModelGenerate, ForcedPrefixIsGeneratedButNotShown) {
  const auto& vocabulary = tiny_model()->tokenizer();
  auto healed = prompt();
  auto forced = vocabulary.token_to_piece(healed.back());
  ASSERT_TRUE(forced && !forced->empty());
  healed.pop_back();
  Session session = new_session();
  std::string streamed;
  auto result = generate(session, healed,
                         {.limits = {.max_tokens = 12}, .forced_prefix = std::string(*forced)},
                         [&](std::string_view text) { streamed.append(text); });
  ASSERT_TRUE(result) << result.error().to_string();
  ASSERT_FALSE(result->tokens.empty());
  std::string pieces;
  for (TokenId token : result->tokens) pieces += *vocabulary.token_to_piece(token);
  ASSERT_TRUE(pieces.starts_with(*forced)) << pieces;
  EXPECT_EQ(result->text, pieces.substr(forced->size()));
  EXPECT_EQ(streamed, result->text);
}

// Forced text that ends in indentation: the suggestion starts after it, never indenting further.
TEST(InferModelGenerate, ForcedIndentationIsNotExtended) {
  const auto& vocabulary = tiny_model()->tokenizer();
  const std::string forced = "\n    ";
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    Session session = new_session();
    GenerateOptions options{.limits = {.max_tokens = 6}, .forced_prefix = forced};
    options.sampler.temperature = 1.5f;  // draws spread over the many tokens that agree
    options.sampler.top_k = 0;
    options.sampler.seed = seed;
    auto result = generate(session, prompt(), options);
    ASSERT_TRUE(result) << result.error().to_string();
    std::string pieces;
    for (TokenId token : result->tokens) pieces += *vocabulary.token_to_piece(token);
    ASSERT_TRUE(pieces.starts_with(forced)) << "seed " << seed << ": " << pieces;
    EXPECT_EQ(result->text, pieces.substr(forced.size()));
    if (pieces.size() > forced.size()) {
      EXPECT_NE(pieces[forced.size()], ' ') << "seed " << seed;
    }
  }
}

}  // namespace
}  // namespace ward::infer::model
