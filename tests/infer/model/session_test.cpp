// Session behaviour on the tiny llama fixture: prefix reuse against fresh sessions, divergent
// prompts, thread-count independence, cancellation and every documented error; and the model
// loader's errors on broken random models.
//
// Bit-identity: a token's keys, values and logits are computed by the same code whatever came
// before it in the cache, and the kernels' results do not depend on how rows are split between
// threads. They may differ in the last bits between a single column and a batch of columns
// (kernels.h), so comparisons of a reused cache with a fresh one are exact where both evaluate
// with the same batching (batch_size 1) and within float rounding (1e-5) otherwise.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <cmath>
#include <vector>

#include "infer/model/random_model.h"
#include "infer/model/session.h"
#include "infer/model/tiny_model.h"
#include "support/test_support.h"

namespace ward::infer::model {
namespace {

using tokenizer::TokenId;

Session new_session(SessionOptions options = {.context_size = 256, .threads = 2}) {
  auto session = Session::create(tiny_model(), options);
  EXPECT_TRUE(session) << session.error().to_string();
  return std::move(*session);
}

std::vector<TokenId> tokens_of(const char* text) {
  return tiny_model()->tokenizer().tokenize(text, true);
}

std::vector<TokenId> concat(std::vector<TokenId> a, const std::vector<TokenId>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::vector<float> logits_of(Session& session, const std::vector<TokenId>& tokens) {
  auto logits = session.evaluate(tokens);
  EXPECT_TRUE(logits) << logits.error().to_string();
  return logits ? std::vector<float>(logits->begin(), logits->end()) : std::vector<float>{};
}

float max_abs_difference(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  float worst = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    worst = std::max(worst, std::abs(a[i] - b[i]));
  }
  return worst;
}

const std::vector<TokenId> kPrefix = tokens_of("int add(int a, int b) {");
const std::vector<TokenId> kTail = {1678, 736, 263, 718, 289, 29936};  // "    return a + b;"
const std::vector<TokenId> kOtherTail = {29871, 29889, 29871};

TEST(InferModelSession, PrefixReuseIsBitIdenticalWithTheSameBatching) {
  const SessionOptions one_by_one = {.context_size = 256, .threads = 2, .batch_size = 1};
  Session reused = new_session(one_by_one);
  (void)logits_of(reused, kPrefix);
  const auto both = concat(kPrefix, kTail);
  const auto reused_logits = logits_of(reused, both);
  EXPECT_EQ(reused.reused_tokens(), static_cast<int32_t>(kPrefix.size()));
  Session fresh = new_session(one_by_one);
  EXPECT_EQ(logits_of(fresh, both), reused_logits);
  EXPECT_EQ(fresh.reused_tokens(), 0);
}

TEST(InferModelSession, PrefixReuseMatchesAFreshBatchedSession) {
  Session reused = new_session();
  (void)logits_of(reused, kPrefix);
  const auto both = concat(kPrefix, kTail);
  const auto reused_logits = logits_of(reused, both);
  EXPECT_EQ(reused.reused_tokens(), static_cast<int32_t>(kPrefix.size()));
  Session fresh = new_session();
  EXPECT_LE(max_abs_difference(logits_of(fresh, both), reused_logits), 1e-5f);
}

TEST(InferModelSession, DivergentPromptTruncatesTheCache) {
  const SessionOptions one_by_one = {.context_size = 256, .threads = 2, .batch_size = 1};
  Session session = new_session(one_by_one);
  (void)logits_of(session, concat(kPrefix, kTail));
  const auto other = concat(kPrefix, kOtherTail);
  const auto logits = logits_of(session, other);
  EXPECT_EQ(session.reused_tokens(), static_cast<int32_t>(kPrefix.size()));
  EXPECT_EQ(std::vector<TokenId>(session.tokens().begin(), session.tokens().end()), other);
  Session fresh = new_session(one_by_one);
  EXPECT_EQ(logits_of(fresh, other), logits);
}

TEST(InferModelSession, SamePromptAgainCostsNothingAndAPrefixReevaluatesItsLastToken) {
  Session session = new_session({.context_size = 256, .threads = 2, .batch_size = 1});
  const auto both = concat(kPrefix, kTail);
  const auto first = logits_of(session, both);
  EXPECT_EQ(logits_of(session, both), first);
  EXPECT_EQ(session.reused_tokens(), static_cast<int32_t>(both.size()));
  const auto prefix_logits = logits_of(session, kPrefix);
  EXPECT_EQ(session.reused_tokens(), static_cast<int32_t>(kPrefix.size()) - 1);
  EXPECT_EQ(session.tokens().size(), kPrefix.size());
  Session fresh = new_session({.context_size = 256, .threads = 2, .batch_size = 1});
  EXPECT_EQ(logits_of(fresh, kPrefix), prefix_logits);
}

TEST(InferModelSession, AppendEqualsEvaluatingTheLongerList) {
  Session stepped = new_session({.context_size = 256, .threads = 2, .batch_size = 1});
  (void)logits_of(stepped, kPrefix);
  std::vector<float> last;
  for (TokenId token : kTail) {
    auto logits = stepped.append(token);
    ASSERT_TRUE(logits) << logits.error().to_string();
    last.assign(logits->begin(), logits->end());
  }
  Session whole = new_session({.context_size = 256, .threads = 2, .batch_size = 1});
  EXPECT_EQ(logits_of(whole, concat(kPrefix, kTail)), last);
}

TEST(InferModelSession, ResultsDoNotDependOnTheThreadCount) {
  const auto both = concat(kPrefix, kTail);
  Session one = new_session({.context_size = 256, .threads = 1});
  Session three = new_session({.context_size = 256, .threads = 3});
  EXPECT_EQ(one.threads(), 1);
  EXPECT_EQ(three.threads(), 3);
  EXPECT_EQ(logits_of(one, both), logits_of(three, both));
}

TEST(InferModelSession, BatchesSmallerThanThePrompt) {
  const auto both = concat(kPrefix, kTail);
  Session small = new_session({.context_size = 256, .threads = 2, .batch_size = 4});
  Session large = new_session();
  EXPECT_LE(max_abs_difference(logits_of(small, both), logits_of(large, both)), 1e-5f);
}

// 300 tokens in one batch cross every piece boundary of the forward pass (the feed-forward's
// 128-token pieces, attention's 16-position key blocks) that batches of 7 never line up with.
TEST(InferModelSession, ALongPromptInOneBatchMatchesSmallBatches) {
  std::vector<TokenId> prompt;
  while (prompt.size() < 300) prompt = concat(prompt, concat(kPrefix, kTail));
  prompt.resize(300);
  Session one_batch = new_session({.context_size = 512, .threads = 2});
  Session small = new_session({.context_size = 512, .threads = 2, .batch_size = 7});
  EXPECT_LE(max_abs_difference(logits_of(one_batch, prompt), logits_of(small, prompt)), 1e-5f);
}

TEST(InferModelSession, CancelledEvaluationKeepsWhatWasEvaluated) {
  Session session = new_session();
  (void)logits_of(session, kPrefix);
  std::atomic<bool> cancel{true};
  const auto both = concat(kPrefix, kTail);
  auto result = session.evaluate(both, &cancel);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), core::Code::kCancelled);
  EXPECT_EQ(std::vector<TokenId>(session.tokens().begin(), session.tokens().end()), kPrefix);
  auto appended = session.append(kTail[0], &cancel);
  ASSERT_FALSE(appended);
  EXPECT_EQ(appended.error().code(), core::Code::kCancelled);
  // Not cancelled: evaluation resumes from the kept prefix and matches a fresh session.
  const auto logits = logits_of(session, both);
  EXPECT_EQ(session.reused_tokens(), static_cast<int32_t>(kPrefix.size()));
  Session fresh = new_session();
  EXPECT_LE(max_abs_difference(logits_of(fresh, both), logits), 1e-5f);
}

TEST(InferModelSession, CancelledFromAnotherThreadMidPrompt) {
  // A long prompt in batches of one token: cancelling while it runs stops it at a batch or layer
  // boundary, leaving only whole tokens in the cache.
  Session session = new_session({.context_size = 2048, .threads = 1, .batch_size = 1});
  std::vector<TokenId> prompt(2000, 1678);
  std::atomic<bool> cancel{false};
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    cancel = true;
  });
  auto result = session.evaluate(prompt, &cancel);
  canceller.join();
  if (!result) {
    EXPECT_EQ(result.error().code(), core::Code::kCancelled);
    EXPECT_LT(session.tokens().size(), prompt.size());
  }
  EXPECT_TRUE(std::all_of(session.tokens().begin(), session.tokens().end(),
                          [](TokenId t) { return t == 1678; }));
}

TEST(InferModelSession, BadInputIsRefusedAndLeavesTheCacheAlone) {
  Session session = new_session({.context_size = 16, .threads = 2});
  (void)logits_of(session, kPrefix);
  const std::vector<TokenId> before(session.tokens().begin(), session.tokens().end());
  struct Case {
    std::vector<TokenId> tokens;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{}, "there are no tokens to evaluate"},
      {{1, 32000}, "token 32000 at position 1 is outside the vocabulary (ids 0 to 31999)"},
      {{1, 2, -1}, "token -1 at position 2 is outside the vocabulary (ids 0 to 31999)"},
      {std::vector<TokenId>(17, 1),
       "17 tokens do not fit the context of 16 tokens; shorten the prompt or create the session "
       "with a larger context"},
  };
  for (const Case& c : cases) {
    auto result = session.evaluate(c.tokens);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code(), core::Code::kInvalidArgument);
    EXPECT_EQ(result.error().message(), c.message);
    EXPECT_EQ(std::vector<TokenId>(session.tokens().begin(), session.tokens().end()), before);
  }
  auto bad_append = session.append(40000);
  ASSERT_FALSE(bad_append);
  EXPECT_EQ(bad_append.error().message(),
            "token 40000 at position " + std::to_string(before.size()) +
                " is outside the vocabulary (ids 0 to 31999)");
}

TEST(InferModelSession, AppendStopsAtAFullContext) {
  Session session = new_session({.context_size = 8, .threads = 1});
  (void)logits_of(session, std::vector<TokenId>(7, 1678));
  ASSERT_TRUE(session.append(29871));
  auto full = session.append(29871);
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().code(), core::Code::kInvalidArgument);
  EXPECT_EQ(full.error().message(),
            "the context of 8 tokens is full; start a new sequence or create the session with a "
            "larger context");
}

struct BranchStep {
  std::vector<TokenId> tokens;
  std::vector<int32_t> parents;
};

// Branches that go on, are dropped, and are duplicated (which copies a cache), past a key block's
// end: every slot holds a branch at some step.
const std::vector<BranchStep> kBranchSteps = {
    {{1678, 736, 263}, {0, 0, 0}},  {{718, 289, 29936}, {2, 0, 2}}, {{29871, 29889}, {1, 2}},
    {{263, 736, 1678}, {0, 0, 1}},  {{289, 718, 29871}, {2, 1, 0}}, {{736}, {1}}};

// Runs kBranchSteps from the session's cached tokens (`start`), checking each step's branches
// against their whole sequences evaluated by a fresh session.
void expect_branches_match_fresh_sessions(Session& session, const std::vector<TokenId>& start) {
  ASSERT_TRUE(session.start_branches(3));
  std::vector<std::vector<TokenId>> sequences = {start};
  const auto vocab = static_cast<size_t>(tiny_model()->vocab_size());
  for (size_t i = 0; i < kBranchSteps.size(); ++i) {
    const BranchStep& step = kBranchSteps[i];
    std::vector<std::vector<TokenId>> next;
    for (size_t b = 0; b < step.tokens.size(); ++b) {
      next.push_back(sequences[static_cast<size_t>(step.parents[b])]);
      next.back().push_back(step.tokens[b]);
    }
    sequences = next;
    auto logits = session.step_branches(step.tokens, step.parents);
    ASSERT_TRUE(logits) << logits.error().to_string();
    ASSERT_EQ(logits->size(), sequences.size() * vocab);
    for (size_t b = 0; b < sequences.size(); ++b) {
      Session fresh = new_session();
      const std::vector<float> branch(logits->begin() + static_cast<ptrdiff_t>(b * vocab),
                                      logits->begin() + static_cast<ptrdiff_t>((b + 1) * vocab));
      EXPECT_LE(max_abs_difference(branch, logits_of(fresh, sequences[b])), 1e-5f)
          << "step " << i << ", branch " << b;
    }
  }
}

TEST(InferModelSession, BranchesMatchTheirSequencesEvaluatedAlone) {
  Session session = new_session();
  (void)logits_of(session, kPrefix);
  expect_branches_match_fresh_sessions(session, kPrefix);
  // The session's own sequence is as it was, and goes on as a fresh one would.
  EXPECT_EQ(std::vector<TokenId>(session.tokens().begin(), session.tokens().end()), kPrefix);
  const auto longer = concat(kPrefix, kOtherTail);
  const auto after_branches = logits_of(session, longer);
  EXPECT_EQ(session.reused_tokens(), static_cast<int32_t>(kPrefix.size()));
  Session fresh = new_session();
  EXPECT_LE(max_abs_difference(after_branches, logits_of(fresh, longer)), 1e-5f);
}

// Branch caches keep the prompt's keys and values for the next search and copy only what
// changed: a prompt that grows (a keystroke), one that changes in the middle, and a shorter one.
TEST(InferModelSession, LaterSearchesMatchFreshSessions) {
  Session session = new_session();
  const std::vector<TokenId> longer = concat(kPrefix, kTail);
  std::vector<TokenId> changed = longer;
  changed[kPrefix.size() / 2] = kOtherTail[1];
  const std::vector<TokenId> shorter(kPrefix.begin(), kPrefix.end() - 2);
  const std::vector<const std::vector<TokenId>*> prompts = {&kPrefix, &longer, &changed,
                                                            &shorter, &changed};
  for (const std::vector<TokenId>* prompt : prompts) {
    (void)logits_of(session, *prompt);
    expect_branches_match_fresh_sessions(session, *prompt);
  }
}

TEST(InferModelSession, BranchMisuseIsRefused) {
  Session session = new_session({.context_size = 16, .threads = 2});
  auto message = [](const core::Status& status) {
    return status ? std::string("(ok)") : status.error().message();
  };
  EXPECT_EQ(message(session.start_branches(2)),
            "branches continue the cached tokens; evaluate a prompt first");
  (void)logits_of(session, std::vector<TokenId>(14, 1678));
  EXPECT_EQ(message(session.start_branches(0)), "beam width 0 is out of range; give 1 to 8");
  EXPECT_EQ(message(session.start_branches(9)), "beam width 9 is out of range; give 1 to 8");
  const std::vector<TokenId> one = {736};
  const std::vector<int32_t> first = {0};
  auto step_error = [&](std::vector<TokenId> tokens, std::vector<int32_t> parents) {
    auto result = session.step_branches(tokens, parents);
    return result ? std::string("(ok)") : result.error().message();
  };
  EXPECT_EQ(step_error(one, first), "no branches run; call start_branches() first");
  ASSERT_TRUE(session.start_branches(2));
  EXPECT_EQ(step_error({736, 263, 718}, {0, 0, 0}),
            "a step takes one token and one parent per branch, 1 to 2; got 3 tokens and 3 parents");
  EXPECT_EQ(step_error({736, 263}, {0}),
            "a step takes one token and one parent per branch, 1 to 2; got 2 tokens and 1 parents");
  EXPECT_EQ(step_error({736}, {1}), "parent branch 1 does not exist; there are 1");
  EXPECT_EQ(step_error({32000}, {0}),
            "token 32000 at position 14 is outside the vocabulary (ids 0 to 31999)");
  EXPECT_EQ(step_error({736, 263}, {0, 0}), "(ok)");
  EXPECT_EQ(step_error({718, 289}, {1, 0}), "(ok)");
  EXPECT_EQ(step_error({718}, {1}), "the context of 16 tokens is full; the branches cannot grow");
  // Evaluating ends the branches.
  (void)logits_of(session, std::vector<TokenId>(3, 1678));
  EXPECT_EQ(step_error(one, first), "no branches run; call start_branches() first");
}

TEST(InferModelSession, CreateChecksItsOptions) {
  EXPECT_FALSE(Session::create(nullptr, {}));
  EXPECT_FALSE(Session::create(tiny_model(), {.context_size = -1}));
  EXPECT_FALSE(Session::create(tiny_model(), {.threads = -2}));
  auto bad_batch = Session::create(tiny_model(), {.batch_size = 0});
  ASSERT_FALSE(bad_batch);
  EXPECT_EQ(bad_batch.error().message(), "batch size 0 must be at least 1");
  auto defaults = Session::create(tiny_model(), {});
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->context_size(), 4096);  // min(the model's 4096, 4096)
  EXPECT_EQ(defaults->batch_size(), 512);
  EXPECT_GE(defaults->threads(), 1);
}

TEST(InferModelSession, ModelReportsItsShape) {
  const auto model = tiny_model();
  EXPECT_EQ(model->architecture(), "llama");
  EXPECT_EQ(model->vocab_size(), 32000);
  const Hyperparameters& hp = model->hyperparameters();
  EXPECT_EQ(hp.embedding_length, 8);
  EXPECT_EQ(hp.block_count, 1);
  EXPECT_EQ(hp.head_count, 2);
  EXPECT_EQ(hp.head_dim, 4);
  EXPECT_EQ(hp.rope_dimensions, 4);
  EXPECT_EQ(hp.rope_ordering, RopeOrdering::kAdjacent);
  EXPECT_FLOAT_EQ(hp.rope_freq_base, 10000.0f);
}

// ---- the loader's errors -----------------------------------------------------------------

class InferModelLoad : public ::testing::Test {
 protected:
  std::string load_error(testing::RandomModelSpec spec) {
    spec.vocabulary = ward::test::fixture("vocab/ggml-vocab-llama-spm.gguf");
    spec.embedding = spec.embedding == 64 ? 32 : spec.embedding;
    spec.feed_forward = 64;
    spec.layers = 1;
    const auto path = dir_ / "model.gguf";
    auto written = testing::write_random_model(spec, path);
    EXPECT_TRUE(written) << written.error().to_string();
    auto model = Model::load(path);
    if (model) return "";
    EXPECT_EQ(model.error().code(), core::Code::kInvalidArgument);
    EXPECT_EQ(model.error().where(), path.string());
    return model.error().message();
  }
  ward::test::TempDir dir_;
};

TEST_F(InferModelLoad, AWellFormedModelLoads) { EXPECT_EQ(load_error({}), ""); }

TEST_F(InferModelLoad, UnsupportedArchitectureIsNamed) {
  EXPECT_EQ(load_error({.architecture = "gptneox"}),
            "architecture \"gptneox\" is not supported; Ward's engine runs llama, qwen2");
}

TEST_F(InferModelLoad, MissingTensorIsNamed) {
  EXPECT_EQ(load_error({.omit_tensor = "blk.0.ffn_up.weight"}),
            "tensor blk.0.ffn_up.weight is missing; the model's architecture needs it");
  EXPECT_EQ(load_error({.architecture = "qwen2", .omit_tensor = "blk.0.attn_k.bias"}),
            "tensor blk.0.attn_k.bias is missing; the model's architecture needs it");
}

TEST_F(InferModelLoad, ShapeAgainstHyperparameters) {
  // 4 heads over 32 dimensions with 3 KV heads: not a multiple.
  EXPECT_EQ(load_error({.heads = 4, .kv_heads = 3}),
            "llama.attention.head_count (4) is not a multiple of llama.attention.head_count_kv "
            "(3)");
}

TEST_F(InferModelLoad, UntiedQwen2OutputIsOptionalAndTiedIsUsed) {
  EXPECT_EQ(load_error({.architecture = "qwen2", .tied_output = true}), "");
  auto model = Model::load(dir_ / "model.gguf");
  ASSERT_TRUE(model);
  EXPECT_EQ((*model)->weights().output.data, (*model)->weights().token_embd.data);
  EXPECT_EQ((*model)->hyperparameters().rope_ordering, RopeOrdering::kHalves);
}

}  // namespace
}  // namespace ward::infer::model
