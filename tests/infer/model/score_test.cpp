// Scoring text (score.h) on two small synthesised models, one whose vocabulary adds BOS
// (SentencePiece, llama-spm) and one whose does not (byte-level BPE, StarCoder): the total nats
// against an independent sum in which every token is scored by a fresh session's batched
// evaluation of all the tokens before it (not the append path score_tokens uses), chunking
// against scoring each chunk on its own, the max-tokens cut and the bytes it covers, and every
// documented error.

#include "infer/model/score.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <memory>
#include <numbers>
#include <string>
#include <vector>

#include "infer/model/session.h"
#include "infer/synth/synth.h"
#include "support/test_support.h"

namespace ward::infer::model {
namespace {

using tokenizer::TokenId;

const char* const kCode =
    "int add(int a, int b) {\n    return a + b;\n}\n\nint main(void) {\n    return add(2, 3);\n}\n";

Session new_session(const std::shared_ptr<const Model>& model, int32_t context = 64) {
  auto session = Session::create(model, {.context_size = context, .threads = 2});
  EXPECT_TRUE(session) << session.error().to_string();
  return std::move(*session);
}

std::vector<TokenId> tokens_of(const Model& model, std::string_view text) {
  return model.tokenizer().tokenize(text, /*add_special=*/false);
}

class InferModelScore : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    scratch_ = std::make_unique<ward::test::TempDir>();
    with_bos_ = synthesize("vocab/ggml-vocab-llama-spm.gguf", "with-bos.gguf");
    without_bos_ = synthesize("vocab/ggml-vocab-starcoder.gguf", "without-bos.gguf");
  }
  static void TearDownTestSuite() {
    with_bos_.reset();
    without_bos_.reset();
    scratch_.reset();
  }

  // A 2-layer llama of embedding 64 in F32 with the vocabulary's tokenizer, tied output (the
  // token embedding is the only large tensor).
  static std::shared_ptr<const Model> synthesize(const std::string& vocabulary,
                                                 const std::string& name) {
    auto options = *synth::preset("tiny");  // llama, 2 layers, 4 heads, 2 KV heads
    options.vocabulary = ward::test::fixture(vocabulary);
    options.embedding = 64;
    options.feed_forward = 128;
    options.context_length = 256;
    options.weight_type = TensorType::kF32;
    options.tie_output = true;
    options.threads = 2;
    const auto path = scratch_->path() / name;
    auto written = synth::synthesize(options, path);
    EXPECT_TRUE(written) << written.error().to_string();
    auto model = Model::load(path);
    EXPECT_TRUE(model) << model.error().to_string();
    return model ? *model : nullptr;
  }

  static std::unique_ptr<ward::test::TempDir> scratch_;
  static std::shared_ptr<const Model> with_bos_;
  static std::shared_ptr<const Model> without_bos_;
};

std::unique_ptr<ward::test::TempDir> InferModelScore::scratch_;
std::shared_ptr<const Model> InferModelScore::with_bos_;
std::shared_ptr<const Model> InferModelScore::without_bos_;

// -ln softmax(logits)[token], apart from the engine's code: log-sum-exp in long double.
double reference_nats_of(std::span<const float> logits, TokenId token) {
  const long double largest = *std::max_element(logits.begin(), logits.end());
  long double sum = 0;
  for (const float logit : logits) sum += std::exp(static_cast<long double>(logit) - largest);
  return static_cast<double>(std::log(sum) + largest - logits[static_cast<size_t>(token)]);
}

// The nats of `scored` after `context`: each token is scored with the logits of a fresh session
// that evaluates every token before it in one call (the batched prefill path).
double reference_nats(const std::shared_ptr<const Model>& model, std::vector<TokenId> context,
                      std::span<const TokenId> scored) {
  double nats = 0;
  for (const TokenId token : scored) {
    auto session = Session::create(model, {.context_size = 64, .threads = 2});
    EXPECT_TRUE(session);
    auto logits = session->evaluate(context);
    EXPECT_TRUE(logits) << logits.error().to_string();
    EXPECT_EQ(session->reused_tokens(), 0);
    nats += reference_nats_of(*logits, token);
    context.push_back(token);
  }
  return nats;
}

// The reference over a whole text in chunks of `chunk` tokens, each scored on its own: BOS and
// chunk - 1 text tokens when the model adds BOS; else the token before the chunk as context.
double reference_chunked_nats(const std::shared_ptr<const Model>& model,
                              std::span<const TokenId> tokens, size_t chunk) {
  const auto& special = model->tokenizer().special_tokens();
  const size_t first = special.add_bos ? 0 : 1;
  double nats = 0;
  for (size_t begin = first; begin < tokens.size(); begin += chunk - 1) {
    const size_t count = std::min(chunk - 1, tokens.size() - begin);
    const TokenId context = special.add_bos ? special.bos : tokens[begin - 1];
    nats += reference_nats(model, {context}, tokens.subspan(begin, count));
  }
  return nats;
}

TextScore score_or_fail(Session& session, std::span<const TokenId> tokens,
                        ScoreOptions options = {}) {
  auto score = score_tokens(session, tokens, options);
  EXPECT_TRUE(score) << score.error().to_string();
  return score ? *score : TextScore{};
}

TEST_F(InferModelScore, TheFixturesCoverBothBosRules) {
  ASSERT_NE(with_bos_, nullptr);
  ASSERT_NE(without_bos_, nullptr);
  EXPECT_TRUE(with_bos_->tokenizer().special_tokens().add_bos);
  EXPECT_FALSE(without_bos_->tokenizer().special_tokens().add_bos);
}

// score_tokens() in one chunk against reference_nats(): the context is BOS, or the text's first
// token when the vocabulary adds no BOS.
void expect_fresh_prefix_scores(const std::shared_ptr<const Model>& model) {
  const auto tokens = tokens_of(*model, kCode);
  ASSERT_GT(tokens.size(), 20u);
  ASSERT_LT(tokens.size(), 64u);
  const auto& special = model->tokenizer().special_tokens();
  const size_t first_scored = special.add_bos ? 0 : 1;
  Session session = new_session(model);
  const TextScore score = score_or_fail(session, tokens);
  EXPECT_EQ(score.tokens, static_cast<int64_t>(tokens.size() - first_scored));
  const double expected = reference_nats(model, {special.add_bos ? special.bos : tokens[0]},
                                         std::span<const TokenId>(tokens).subspan(first_scored));
  EXPECT_NEAR(score.nats, expected, 1e-3 * expected);
}

TEST_F(InferModelScore, WithBosEveryTokenIsScoredAsAFreshPrefixEvaluationScoresIt) {
  expect_fresh_prefix_scores(with_bos_);
}

TEST_F(InferModelScore, WithoutBosTheFirstTokenIsContextOnly) {
  expect_fresh_prefix_scores(without_bos_);
}

TEST_F(InferModelScore, ChunksScoreAsEachChunkOnItsOwn) {
  for (const auto& model : {with_bos_, without_bos_}) {
    const auto tokens = tokens_of(*model, kCode);
    const int64_t scorable =
        static_cast<int64_t>(tokens.size()) - (model->tokenizer().special_tokens().add_bos ? 0 : 1);
    const double expected = reference_chunked_nats(model, tokens, 8);
    // Chunks of 8 in a larger context, and a context of 8 itself.
    Session large = new_session(model);
    const TextScore in_large = score_or_fail(large, tokens, {.chunk_size = 8});
    EXPECT_EQ(in_large.tokens, scorable);
    EXPECT_NEAR(in_large.nats, expected, 1e-3 * expected);
    Session small = new_session(model, 8);
    const TextScore in_small = score_or_fail(small, tokens);
    EXPECT_EQ(in_small.tokens, scorable);
    EXPECT_NEAR(in_small.nats, in_large.nats, 1e-6 * in_large.nats);
    // A chunk changes the result: the model sees less context.
    EXPECT_GT(std::abs(in_large.nats - score_or_fail(large, tokens).nats), 1e-3);
  }
}

TEST_F(InferModelScore, AWholeTextCountsEveryByte) {
  for (const auto& model : {with_bos_, without_bos_}) {
    auto text = text_tokens(model->tokenizer(), kCode);
    ASSERT_TRUE(text) << text.error().to_string();
    EXPECT_EQ(text->tokens, tokens_of(*model, kCode));
    const std::string_view first_piece = *model->tokenizer().token_to_piece(text->tokens[0]);
    const size_t context_bytes =
        model->tokenizer().special_tokens().add_bos ? 0 : first_piece.size();
    EXPECT_EQ(text->scored_bytes, std::string_view(kCode).size() - context_bytes);
    Session session = new_session(model);
    auto score = score_text(session, *text);
    ASSERT_TRUE(score) << score.error().to_string();
    EXPECT_EQ(score->bytes, text->scored_bytes);
  }
}

TEST_F(InferModelScore, MaxTokensKeepsTheFirstTokensAndTheBytesTheyCover) {
  for (const auto& model : {with_bos_, without_bos_}) {
    const auto all = tokens_of(*model, kCode);
    auto text = text_tokens(model->tokenizer(), kCode, 9);
    ASSERT_TRUE(text) << text.error().to_string();
    ASSERT_EQ(text->tokens, std::vector<TokenId>(all.begin(), all.begin() + 9));
    // "int add(int a, int" or so: the kept tokens' text, a prefix of the whole.
    const std::string kept = *model->tokenizer().detokenize(text->tokens);
    ASSERT_TRUE(std::string_view(kCode).starts_with(kept)) << kept;
    const bool bos = model->tokenizer().special_tokens().add_bos;
    const size_t context_bytes =
        bos ? 0 : model->tokenizer().detokenize(std::span(text->tokens).first(1))->size();
    EXPECT_EQ(text->scored_bytes, kept.size() - context_bytes);
    Session session = new_session(model);
    auto score = score_text(session, *text);
    ASSERT_TRUE(score) << score.error().to_string();
    EXPECT_EQ(score->tokens, bos ? 9 : 8);
    EXPECT_NEAR(score->nats, score_or_fail(session, std::span(all).first(9)).nats, 1e-9);
    // A limit above the text's length keeps it whole.
    EXPECT_EQ(text_tokens(model->tokenizer(), kCode, 1000)->tokens, all);
  }
}

std::string cannot_count(size_t kept, size_t all, const char* advice) {
  return fmt::format(
      "the text's first {} of {} tokens do not detokenise to a prefix of it (the tokenizer "
      "replaced or dropped bytes: invalid UTF-8, or characters the vocabulary cannot spell), so "
      "the bytes scored cannot be counted; {}",
      kept, all, advice);
}

TEST_F(InferModelScore, InvalidUtf8IsScoredWholeButNotCut) {
  // Byte-level BPE reads the lone 0xFF as U+FFFD, which is not in the text.
  const std::string text = "abc \xFF def ghi jkl mno";
  const auto& tokenizer = without_bos_->tokenizer();
  auto whole = text_tokens(tokenizer, text);
  ASSERT_TRUE(whole) << whole.error().to_string();
  const size_t all = whole->tokens.size();
  auto cut = text_tokens(tokenizer, text, static_cast<int64_t>(all) - 1);
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.error().message(),
            cannot_count(all - 1, all, "score all of the text or fix its encoding"));
  // SentencePiece spells the byte as a byte token, so a cut is exact.
  auto spm_cut = text_tokens(with_bos_->tokenizer(), text, 3);
  ASSERT_TRUE(spm_cut) << spm_cut.error().to_string();
}

TEST_F(InferModelScore, TheFiguresFollowFromTheTotals) {
  const TextScore score{.tokens = 2, .bytes = 4, .nats = 8 * std::numbers::ln2};
  EXPECT_DOUBLE_EQ(score.nats_per_token(), 4 * std::numbers::ln2);
  EXPECT_DOUBLE_EQ(score.bits_per_token(), 4);
  EXPECT_DOUBLE_EQ(score.bits_per_byte(), 2);
  EXPECT_NEAR(score.perplexity(), 16, 1e-12);
  TextScore total = score;
  total += score;
  EXPECT_EQ(total.tokens, 4);
  EXPECT_EQ(total.bytes, 8u);
  EXPECT_DOUBLE_EQ(total.bits_per_byte(), 2);
}

TEST_F(InferModelScore, TextErrors) {
  const auto& spm = with_bos_->tokenizer();
  const auto& bpe = without_bos_->tokenizer();
  const std::string kSingleToken =
      "a single token leaves nothing to score: the model adds no BOS token, so a text's first "
      "token is context only; give a longer text or keep more tokens";
  struct Case {
    const tokenizer::Tokenizer* tokenizer;
    std::string text;
    int64_t max_tokens;
    std::string message;
  };
  const std::vector<Case> cases = {
      {&spm, "", 0, "the text is empty; there is nothing to score"},
      {&spm, "x", -1, "max tokens -1 is negative; give 0 to score the whole text"},
      {&bpe, "int", 0, kSingleToken},
      {&bpe, "int main", 1, kSingleToken},
      // StarCoder's vocabulary has no token for the byte F1 (planes 4 to 7), which BPE drops, so
      // the bytes of the first token, context only, cannot be told.
      {&bpe, "\xF1\x80\x80\x80", 0, cannot_count(1, 3, "fix its encoding")},
      // " x" is "▁" and "▁x": the first stands only for the space SentencePiece put there.
      {&spm, " x", 1,
       "the text's first 1 of 2 tokens stand for no byte of it (only for the space the tokenizer "
       "put before it); keep more tokens"},
  };
  for (const auto& c : cases) {
    auto result = text_tokens(*c.tokenizer, c.text, c.max_tokens);
    ASSERT_FALSE(result) << c.text;
    EXPECT_EQ(result.error().code(), core::Code::kInvalidArgument);
    EXPECT_EQ(result.error().where(), "text");
    EXPECT_EQ(result.error().message(), c.message) << c.text;
  }
}

TEST_F(InferModelScore, ScoringErrors) {
  Session session = new_session(with_bos_, 16);
  const std::vector<TokenId> tokens = tokens_of(*with_bos_, "int x;");
  auto error_of = [&](std::span<const TokenId> ids, int32_t chunk) {
    auto score = score_tokens(session, ids, {.chunk_size = chunk});
    EXPECT_FALSE(score);
    return score ? std::string() : score.error().message();
  };
  EXPECT_EQ(error_of(tokens, 1),
            "a chunk of 1 tokens leaves none to score; give at least 2 (one as context)");
  EXPECT_EQ(error_of(tokens, 17),
            "a chunk of 17 tokens does not fit the session's context of 16; give a smaller chunk "
            "or a larger context");
  const std::vector<TokenId> outside = {tokens[0], with_bos_->vocab_size()};
  EXPECT_EQ(error_of(outside, 0), fmt::format("token 1 (id {0}) is outside the vocabulary of {0} "
                                              "tokens",
                                              with_bos_->vocab_size()));
  EXPECT_EQ(error_of({}, 0), "there is no token to score; give a longer text");
  std::atomic<bool> cancel{true};
  auto cancelled = score_tokens(session, tokens, {.cancel = &cancel});
  ASSERT_FALSE(cancelled);
  EXPECT_EQ(cancelled.error().code(), core::Code::kCancelled);
}

}  // namespace
}  // namespace ward::infer::model
