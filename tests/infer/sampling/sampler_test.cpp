// The sampler: its random numbers and exp against independent references, greedy decoding,
// the exact sets each filter keeps on hand-computed distributions, frequencies of many draws
// against the probabilities worked out by hand (bounds of 5 binomial standard deviations, fixed
// seeds, so the tests are deterministic), the repetition penalty's arithmetic, determinism by seed
// and the validation errors.

#include "infer/sampling/sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <vector>

#include "infer/sampling/exp.h"
#include "infer/sampling/random.h"

namespace ward::infer::sampling {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// Options with every filter off, so a test switches on only what it checks.
SamplerOptions plain(float temperature = 1.0f, uint64_t seed = 1) {
  SamplerOptions o;
  o.temperature = temperature;
  o.top_k = 0;
  o.top_p = 1.0f;
  o.min_p = 0.0f;
  o.repeat_penalty = 1.0f;
  o.seed = seed;
  return o;
}

Sampler make(const SamplerOptions& options) {
  auto sampler = Sampler::create(options);
  EXPECT_TRUE(sampler) << sampler.error().to_string();
  return std::move(*sampler);
}

// Logits whose softmax is `probabilities` (natural logarithms; any constant shift is allowed).
std::vector<float> logits_of(const std::vector<double>& probabilities) {
  std::vector<float> logits;
  for (double p : probabilities) logits.push_back(static_cast<float>(std::log(p)));
  return logits;
}

std::map<TokenId, int> histogram(Sampler& sampler, const std::vector<float>& logits, int draws) {
  std::map<TokenId, int> counts;
  for (int i = 0; i < draws; ++i) {
    auto token = sampler.sample(logits);
    EXPECT_TRUE(token) << token.error().to_string();
    if (token) ++counts[*token];
  }
  return counts;
}

std::set<TokenId> seen(const std::map<TokenId, int>& counts) {
  std::set<TokenId> ids;
  for (const auto& [id, count] : counts) ids.insert(id);
  return ids;
}

// Each token's count within 5 standard deviations of draws × p (binomial), p from `expected`.
void expect_frequencies(const std::map<TokenId, int>& counts,
                        const std::map<TokenId, double>& expected, int draws) {
  for (const auto& [id, p] : expected) {
    const double mean = draws * p;
    const double sd = std::sqrt(draws * p * (1 - p));
    const int count = counts.count(id) ? counts.at(id) : 0;
    EXPECT_NEAR(count, mean, 5 * sd + 1) << "token " << id << " expected probability " << p;
  }
  for (const auto& [id, count] : counts) {
    EXPECT_TRUE(expected.count(id)) << "token " << id << " drawn " << count << " times";
  }
}

TEST(InferSamplingRandom, MatchesTheReferenceXoshiro256StarStar) {
  // From a separate Python transcription of Vigna's reference C code (splitmix64.c seeding
  // xoshiro256starstar.c), seeds 0 and 42.
  Random zero(0);
  EXPECT_EQ(zero.next(), 0x99ec5f36cb75f2b4ull);
  EXPECT_EQ(zero.next(), 0xbf6e1f784956452aull);
  EXPECT_EQ(zero.next(), 0x1a5f849d4933e6e0ull);
  EXPECT_EQ(zero.next(), 0x6aa594f1262d2d2cull);
  Random answer(42);
  EXPECT_EQ(answer.next(), 0x15780b2e0c2ec716ull);
  EXPECT_EQ(answer.next(), 0x6104d9866d113a7eull);
  Random uniform(42);
  EXPECT_DOUBLE_EQ(uniform.uniform(), 0.08386297105988216);
  EXPECT_DOUBLE_EQ(uniform.uniform(), 0.3789802506626686);
  for (int i = 0; i < 100000; ++i) {
    const double u = uniform.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
}

TEST(InferSamplingExp, AgreesWithLibmWithinTwoTenthsOfAMillionth) {
  for (double x = 0.0; x >= -80.0; x -= 0.001953125 * 3.1) {
    const float ours = exp_nonpositive(static_cast<float>(x));
    const double truth = std::exp(static_cast<double>(static_cast<float>(x)));
    ASSERT_NEAR(ours / truth, 1.0, 2e-7) << "x = " << x;
  }
  EXPECT_EQ(exp_nonpositive(0.0f), 1.0f);
  EXPECT_EQ(exp_nonpositive(-80.5f), 0.0f);
  EXPECT_EQ(exp_nonpositive(-kInf), 0.0f);
  EXPECT_EQ(exp_nonpositive(std::numeric_limits<float>::quiet_NaN()), 0.0f);
}

TEST(InferSamplingGreedy, PicksTheHighestLogitAndTheLowestIdOnTies) {
  auto greedy = make(SamplerOptions::greedy());
  const std::vector<float> logits = {0.5f, 3.0f, -1.0f, 3.0f, 2.9f};
  for (int i = 0; i < 3; ++i) EXPECT_EQ(*greedy.sample(logits), 1);
  const std::vector<float> masked = {-kInf, -kInf, -7.0f};
  EXPECT_EQ(*greedy.sample(masked), 2);
  // A large vocabulary with the maximum at the end.
  std::vector<float> big(151936, 0.25f);
  big.back() = 0.5f;
  EXPECT_EQ(*greedy.sample(big), 151935);
}

TEST(InferSamplingGreedy, IgnoresTheFiltersAndTheSeed) {
  SamplerOptions options = SamplerOptions::greedy();
  options.top_k = 1;
  options.top_p = 0.1f;
  options.min_p = 0.9f;
  const std::vector<float> logits = {1.0f, 4.0f, 2.0f};
  for (uint64_t seed : {0ull, 1ull, 99ull}) {
    options.seed = seed;
    auto sampler = make(options);
    EXPECT_EQ(*sampler.sample(logits), 1);
  }
}

TEST(InferSamplingDraw, ChoosesByTheSpecifiedArithmetic) {
  // Ten equal logits: weight 1 each, so the token is floor(u × 10) with u from the reference
  // values of seed 42 (0.0839, 0.3790, 0.6800, 0.9247).
  auto sampler = make(plain(1.0f, 42));
  const std::vector<float> flat(10, 0.0f);
  EXPECT_EQ(*sampler.sample(flat), 0);
  EXPECT_EQ(*sampler.sample(flat), 3);
  EXPECT_EQ(*sampler.sample(flat), 6);
  EXPECT_EQ(*sampler.sample(flat), 9);
  // Top-k keeps ids 0..4 (ties to the lower ids): floor(u × 5).
  SamplerOptions top5 = plain(1.0f, 42);
  top5.top_k = 5;
  auto sampler5 = make(top5);
  EXPECT_EQ(*sampler5.sample(flat), 0);
  EXPECT_EQ(*sampler5.sample(flat), 1);
  EXPECT_EQ(*sampler5.sample(flat), 3);
  EXPECT_EQ(*sampler5.sample(flat), 4);
}

TEST(InferSamplingTemperature, FrequenciesFollowTheTemperedSoftmax) {
  // Weights 1 : 2 : 4 at temperature 1; at temperature 2 their square roots 1 : 1.414 : 2; at
  // temperature 0.5 their squares 1 : 4 : 16.
  const std::vector<float> logits = logits_of({1, 2, 4});
  constexpr int kDraws = 20000;
  struct Case {
    float temperature;
    std::vector<double> weights;
  };
  for (const Case& c :
       {Case{1.0f, {1, 2, 4}}, Case{2.0f, {1, std::sqrt(2.0), 2}}, Case{0.5f, {1, 4, 16}}}) {
    SCOPED_TRACE(c.temperature);
    auto sampler = make(plain(c.temperature, 7));
    const double total = std::accumulate(c.weights.begin(), c.weights.end(), 0.0);
    expect_frequencies(
        histogram(sampler, logits, kDraws),
        {{0, c.weights[0] / total}, {1, c.weights[1] / total}, {2, c.weights[2] / total}}, kDraws);
  }
}

// Probabilities 0.05, 0.4, 0.1, 0.3, 0.15 (ids 0..4): sorted, 0.4 (1), 0.3 (3), 0.15 (4),
// 0.1 (2), 0.05 (0); running sums 0.4, 0.7, 0.85, 0.95, 1.
const std::vector<double> kFive = {0.05, 0.4, 0.1, 0.3, 0.15};

std::set<TokenId> kept_by(const SamplerOptions& options, const std::vector<float>& logits) {
  auto sampler = make(options);
  return seen(histogram(sampler, logits, 4000));
}

TEST(InferSamplingFilters, TopKKeepsTheKBest) {
  const auto logits = logits_of(kFive);
  SamplerOptions options = plain();
  for (auto [k, expected] :
       std::vector<std::pair<int, std::set<TokenId>>>{{1, {1}},
                                                      {2, {1, 3}},
                                                      {3, {1, 3, 4}},
                                                      {4, {1, 2, 3, 4}},
                                                      {5, {0, 1, 2, 3, 4}},
                                                      {100, {0, 1, 2, 3, 4}}}) {
    options.top_k = k;
    EXPECT_EQ(kept_by(options, logits), expected) << "top_k " << k;
  }
  // Ties at the boundary go to the lower ids.
  options.top_k = 2;
  EXPECT_EQ(kept_by(options, {1.0f, 2.0f, 2.0f, 2.0f, 0.0f}), (std::set<TokenId>{1, 2}));
}

TEST(InferSamplingFilters, TopPKeepsTheSmallestSetReachingP) {
  const auto logits = logits_of(kFive);
  SamplerOptions options = plain();
  for (auto [p, expected] :
       std::vector<std::pair<float, std::set<TokenId>>>{{0.3f, {1}},
                                                        {0.41f, {1, 3}},
                                                        {0.69f, {1, 3}},
                                                        {0.71f, {1, 3, 4}},
                                                        {0.9f, {1, 2, 3, 4}},
                                                        {0.99f, {0, 1, 2, 3, 4}},
                                                        {1.0f, {0, 1, 2, 3, 4}}}) {
    options.top_p = p;
    EXPECT_EQ(kept_by(options, logits), expected) << "top_p " << p;
  }
}

TEST(InferSamplingFilters, MinPKeepsTokensWithinAFactorOfTheBest) {
  // The best has 0.4: min_p 0.3 keeps p >= 0.12 (0.4, 0.3, 0.15); 0.5 keeps p >= 0.2; 0.1 keeps
  // p >= 0.04 (all).
  const auto logits = logits_of(kFive);
  SamplerOptions options = plain();
  for (auto [min_p, expected] : std::vector<std::pair<float, std::set<TokenId>>>{
           {0.3f, {1, 3, 4}}, {0.5f, {1, 3}}, {0.8f, {1}}, {0.1f, {0, 1, 2, 3, 4}}, {1.0f, {1}}}) {
    options.min_p = min_p;
    EXPECT_EQ(kept_by(options, logits), expected) << "min_p " << min_p;
  }
}

TEST(InferSamplingFilters, ChainRunsTopKThenTopPThenMinPAtTemperatureOne) {
  const auto logits = logits_of(kFive);
  // top_k 3 leaves 0.4, 0.3, 0.15 (renormalised 0.47, 0.35, 0.18); top_p 0.8 then keeps
  // 0.47 + 0.35 = 0.82 -> {1, 3}.
  SamplerOptions options = plain();
  options.top_k = 3;
  options.top_p = 0.8f;
  EXPECT_EQ(kept_by(options, logits), (std::set<TokenId>{1, 3}));
  // A high temperature flattens the draw but not the filters (they see temperature 1): top_p
  // 0.69 keeps {1, 3} whatever the temperature.
  options = plain(5.0f);
  options.top_p = 0.69f;
  EXPECT_EQ(kept_by(options, logits), (std::set<TokenId>{1, 3}));
}

TEST(InferSamplingFilters, FrequenciesAmongSurvivorsAreRenormalised) {
  // top_k 3 on kFive: 0.4, 0.3, 0.15 over 0.85.
  const auto logits = logits_of(kFive);
  SamplerOptions options = plain(1.0f, 11);
  options.top_k = 3;
  auto sampler = make(options);
  constexpr int kDraws = 20000;
  expect_frequencies(histogram(sampler, logits, kDraws),
                     {{1, 0.4 / 0.85}, {3, 0.3 / 0.85}, {4, 0.15 / 0.85}}, kDraws);
  // min_p 0.5 on kFive: 0.4 and 0.3 over 0.7, drawn at temperature 2: sqrt weights.
  options = plain(2.0f, 12);
  options.min_p = 0.5f;
  auto warm = make(options);
  const double a = std::sqrt(0.4);
  const double b = std::sqrt(0.3);
  expect_frequencies(histogram(warm, logits, kDraws), {{1, a / (a + b)}, {3, b / (a + b)}}, kDraws);
}

// A vocabulary-sized case for the paths that do not sort everything: the set top-p keeps, worked
// out by a full sort in double here, must contain every draw, and its smallest-probability member
// must be drawn too when it is not negligible.
TEST(InferSamplingFilters, LargeVocabularyTopPMatchesAFullSort) {
  std::mt19937 generator(5);
  std::normal_distribution<float> normal(0.0f, 1.5f);
  std::vector<float> logits(151936);
  for (float& x : logits) x = normal(generator);
  for (float top_p : {0.05f, 0.5f, 0.9f}) {
    SCOPED_TRACE(top_p);
    std::vector<int32_t> order(logits.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
      return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
    });
    double total = 0;
    for (float x : logits) total += std::exp(static_cast<double>(x - logits[order[0]]));
    std::set<TokenId> allowed;
    double mass = 0;
    for (int32_t id : order) {
      allowed.insert(id);
      mass += std::exp(static_cast<double>(logits[id] - logits[order[0]])) / total;
      if (mass >= top_p) break;
    }
    ASSERT_GT(allowed.size(), 64u) << "the case must need many tokens (several buckets)";
    SamplerOptions options = plain(1.0f, 3);
    options.top_p = top_p;
    auto sampler = make(options);
    for (int i = 0; i < 200; ++i) {
      const TokenId token = *sampler.sample(logits);
      ASSERT_TRUE(allowed.count(token))
          << "token " << token << " outside the top-p set of " << allowed.size();
    }
  }
}

TEST(InferSamplingFilters, LargeVocabularyTopKDrawsOnlyTheBest) {
  std::mt19937 generator(6);
  std::uniform_real_distribution<float> uniform(-10.0f, 10.0f);
  std::vector<float> logits(151936);
  for (float& x : logits) x = uniform(generator);
  std::vector<float> sorted = logits;
  std::sort(sorted.begin(), sorted.end(), std::greater<>());
  SamplerOptions options = plain(1.5f, 4);
  options.top_k = 40;
  auto sampler = make(options);
  std::set<TokenId> drawn;
  for (int i = 0; i < 2000; ++i) {
    const TokenId token = *sampler.sample(logits);
    ASSERT_GE(logits[token], sorted[39]);
    drawn.insert(token);
  }
  EXPECT_GT(drawn.size(), 30u);  // the 40 are close together: most of them appear
}

TEST(InferSamplingPenalty, DividesPositiveAndMultipliesNegativeLogits) {
  SamplerOptions options = SamplerOptions::greedy();
  options.repeat_penalty = 1.5f;
  options.repeat_last_n = 64;
  // 2.0 / 1.5 = 1.33 falls below 1.5.
  auto positive = make(options);
  positive.accept(0);
  EXPECT_EQ(*positive.sample(std::vector<float>{2.0f, 1.5f, -1.0f}), 1);
  // -1.0 × 1.5 = -1.5 falls below -1.2.
  auto negative = make(options);
  negative.accept(0);
  EXPECT_EQ(*negative.sample(std::vector<float>{-1.0f, -1.2f, -3.0f}), 1);
  // A token repeated in the window is penalised once: 3.0 / 1.4 = 2.14 stays above 2.0 (twice
  // would give 1.53).
  options.repeat_penalty = 1.4f;
  auto repeated = make(options);
  repeated.accept(0);
  repeated.accept(0);
  repeated.accept(0);
  EXPECT_EQ(*repeated.sample(std::vector<float>{3.0f, 2.0f}), 0);
  // Ids outside the vocabulary are ignored.
  repeated.accept(7);
  repeated.accept(-3);
  EXPECT_EQ(*repeated.sample(std::vector<float>{3.0f, 2.0f}), 0);
}

TEST(InferSamplingPenalty, LooksOnlyAtTheLastNTokens) {
  SamplerOptions options = SamplerOptions::greedy();
  options.repeat_penalty = 2.0f;
  options.repeat_last_n = 2;
  auto sampler = make(options);
  const std::vector<float> logits = {2.0f, 1.5f, 0.0f, 0.0f};
  sampler.accept(0);
  EXPECT_EQ(*sampler.sample(logits), 1);  // 2.0 / 2 = 1.0
  sampler.accept(2);
  sampler.accept(3);  // token 0 has left the window of 2
  EXPECT_EQ(*sampler.sample(logits), 0);
  sampler.accept(0);
  sampler.reset();  // forgets the window
  EXPECT_EQ(*sampler.sample(logits), 0);
  // repeat_last_n 0 turns the penalty off.
  options.repeat_last_n = 0;
  auto off = make(options);
  off.accept(0);
  EXPECT_EQ(*off.sample(logits), 0);
}

TEST(InferSamplingPenalty, ChangesTheDrawnFrequencies) {
  // Logits 2, 2; token 0 penalised by 2 gives 1, 2: p(0) = e / (e + e^2) = 1 / (1 + e).
  SamplerOptions options = plain(1.0f, 21);
  options.repeat_penalty = 2.0f;
  auto sampler = make(options);
  sampler.accept(0);
  constexpr int kDraws = 20000;
  const double p0 = 1.0 / (1.0 + std::exp(1.0));
  expect_frequencies(histogram(sampler, {2.0f, 2.0f}, kDraws), {{0, p0}, {1, 1 - p0}}, kDraws);
}

TEST(InferSamplingDeterminism, SameSeedSameTokensAndResetRestarts) {
  std::mt19937 generator(9);
  std::normal_distribution<float> normal(0.0f, 2.0f);
  std::vector<std::vector<float>> steps(300, std::vector<float>(1000));
  for (auto& logits : steps) {
    for (float& x : logits) x = normal(generator);
  }
  SamplerOptions options;  // the defaults: top_k 40, top_p 0.95, min_p 0.05, temperature 0.8
  options.seed = 1234;
  options.repeat_penalty = 1.1f;
  const auto run = [&](Sampler& sampler) {
    std::vector<TokenId> tokens;
    for (const auto& logits : steps) {
      tokens.push_back(*sampler.sample(logits));
      sampler.accept(tokens.back());
    }
    return tokens;
  };
  auto first = make(options);
  auto second = make(options);
  const auto tokens = run(first);
  EXPECT_EQ(run(second), tokens);
  first.reset();
  EXPECT_EQ(run(first), tokens);
  options.seed = 1235;
  auto other = make(options);
  EXPECT_NE(run(other), tokens);
}

TEST(InferSamplingValidation, EachOptionOutOfRangeIsNamed) {
  struct Case {
    void (*change)(SamplerOptions&);
    const char* where;
    const char* message;
  };
  const Case cases[] = {
      {[](SamplerOptions& o) { o.temperature = -0.5f; }, "temperature",
       "temperature must be at least 0 and finite (0 = greedy), got -0.5"},
      {[](SamplerOptions& o) { o.temperature = kInf; }, "temperature",
       "temperature must be at least 0 and finite (0 = greedy), got inf"},
      {[](SamplerOptions& o) { o.top_k = -1; }, "top_k",
       "top_k must be at least 0 (0 = off), got -1"},
      {[](SamplerOptions& o) { o.top_p = 1.5f; }, "top_p",
       "top_p must be in (0, 1] (1 = off), got 1.5"},
      {[](SamplerOptions& o) { o.top_p = 0.0f; }, "top_p",
       "top_p must be in (0, 1] (1 = off), got 0"},
      {[](SamplerOptions& o) { o.top_p = std::nanf(""); }, "top_p",
       "top_p must be in (0, 1] (1 = off), got NaN"},
      {[](SamplerOptions& o) { o.min_p = -0.1f; }, "min_p",
       "min_p must be in [0, 1] (0 = off), got -0.1"},
      {[](SamplerOptions& o) { o.min_p = 2.0f; }, "min_p",
       "min_p must be in [0, 1] (0 = off), got 2"},
      {[](SamplerOptions& o) { o.repeat_penalty = 0.0f; }, "repeat_penalty",
       "repeat_penalty must be greater than 0 and finite (1 = off), got 0"},
      {[](SamplerOptions& o) { o.repeat_last_n = -1; }, "repeat_last_n",
       "repeat_last_n must be at least 0 (0 = off), got -1"},
  };
  for (const Case& c : cases) {
    SamplerOptions options;
    c.change(options);
    auto sampler = Sampler::create(options);
    ASSERT_FALSE(sampler) << c.message;
    EXPECT_EQ(sampler.error().code(), core::Code::kInvalidArgument);
    EXPECT_EQ(sampler.error().where(), c.where);
    EXPECT_EQ(sampler.error().message(), c.message);
  }
  EXPECT_TRUE(SamplerOptions{}.validate());
  EXPECT_TRUE(SamplerOptions::greedy().validate());
}

TEST(InferSamplingValidation, BadLogitsAreErrorsNotCrashes) {
  for (const SamplerOptions& options : {SamplerOptions{}, SamplerOptions::greedy()}) {
    auto sampler = make(options);
    auto empty = sampler.sample({});
    ASSERT_FALSE(empty);
    EXPECT_EQ(empty.error().message(), "there are no logits to sample from");
    auto nan = sampler.sample(std::vector<float>{0.0f, 1.0f, std::nanf(""), 2.0f});
    ASSERT_FALSE(nan);
    EXPECT_EQ(nan.error().message(),
              "the logit of token 2 is NaN; the model produced invalid output");
    auto inf = sampler.sample(std::vector<float>{kInf, 1.0f});
    ASSERT_FALSE(inf);
    EXPECT_EQ(inf.error().message(),
              "the logit of token 0 is +infinity; the model produced invalid output");
    auto masked = sampler.sample(std::vector<float>{-kInf, -kInf});
    ASSERT_FALSE(masked);
    EXPECT_EQ(masked.error().message(), "every logit is -infinity, so no token can be chosen");
  }
}

TEST(InferSamplingValidation, MaskedTokensAreNeverDrawn) {
  SamplerOptions options = plain(1.0f, 8);
  auto sampler = make(options);
  const std::vector<float> logits = {-kInf, 0.0f, -kInf, 0.0f, -kInf};
  EXPECT_EQ(seen(histogram(sampler, logits, 1000)), (std::set<TokenId>{1, 3}));
}

}  // namespace
}  // namespace ward::infer::sampling
