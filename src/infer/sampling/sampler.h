#pragma once
// Picks the next token from a model's logits: greedy, or a random draw after penalties, filters
// and temperature, with llama.cpp's meaning for every option and llama.cpp's default order of the
// chain:
//
//   repetition penalty → top-k → top-p → min-p → temperature → draw
//
//  - repetition penalty: each distinct token among the last repeat_last_n accepted tokens has its
//    logit divided by repeat_penalty when positive, multiplied by it otherwise.
//  - top-k: keeps the k highest logits (ties broken towards the lower id).
//  - top-p: over the survivors' softmax (at temperature 1, as upstream), keeps the most probable
//    tokens, highest first, up to and including the one at which their sum reaches top_p.
//  - min-p: keeps the survivors whose probability is at least min_p times the highest one's.
//  - temperature: divides the survivors' logits; 0 means greedy: the highest penalised logit,
//    ties to the lowest id, with no filter and no random number used.
//  - draw: u = Random::uniform(); the survivors in ascending id order with weights
//    w = exp((logit - max) × (1 / temperature)); total = (s0 + s1) + (s2 + s3) where sj sums the
//    weights at positions j, j + 4, j + 8 ...; the first token whose running sum of weights
//    exceeds u × total is chosen (the last survivor should rounding leave the sum short).
//
// Every step is specified down to the arithmetic: sums in double in a fixed order (top-p's total
// is the sum of its buckets' masses, see sampler.cpp), exp() computed
// by this file's own polynomial (libm's expf differs between platforms in the last bit), the
// source compiled without floating-point contraction, and the random numbers of random.h. So a
// given seed, options, accepted tokens and logits give the same token everywhere.
//
// Speed: no pass over the vocabulary sorts it. Top-k selects with a bounded heap; top-p over the
// whole vocabulary buckets the tokens by logit and sorts only the bucket where the mass crosses
// top_p; min-p is one comparison per token; the loops over the vocabulary are vectorised. Over
// 151,936 logits, greedy and the default chain take a few hundred microseconds, top-p alone over a
// flat distribution a few milliseconds (bench/sampling_bench.cpp, docs/engine.md).
//
// Threads: SamplerOptions is a plain value. A Sampler holds state (random generator, the window of
// recent tokens, scratch buffers): one thread at a time per Sampler.

#include <cstdint>
#include <deque>
#include <span>
#include <vector>

#include "core/error.h"
#include "infer/sampling/random.h"

namespace ward::infer::sampling {

using TokenId = int32_t;

struct SamplerOptions {
  float temperature = 0.8f;     // >= 0; 0 = greedy
  int32_t top_k = 40;           // >= 0; 0 = off
  float top_p = 0.95f;          // in (0, 1]; 1 = off
  float min_p = 0.05f;          // in [0, 1]; 0 = off
  float repeat_penalty = 1.0f;  // > 0; 1 = off
  int32_t repeat_last_n = 64;   // >= 0 tokens of history the penalty looks at; 0 = off
  uint64_t seed = 0;            // the random generator's seed (random.h)

  // The options as greedy decoding (temperature 0, nothing else changes the argmax).
  static SamplerOptions greedy();

  // Checks every option's range; the error (kInvalidArgument, where = the option's name) says
  // which option and its allowed range, e.g. "top_p must be in (0, 1], got 1.5". NaN fails.
  core::Status validate() const;
};

class Sampler {
 public:
  // Fails as SamplerOptions::validate() does.
  static core::Result<Sampler> create(const SamplerOptions& options);

  // The next token for `logits` (one per vocabulary id), using and advancing the random generator
  // unless greedy. Does not accept the token (call accept() with the token actually used).
  // Fails (kInvalidArgument) for empty logits, a NaN or +infinite logit (naming its id), or when
  // every logit is -infinity.
  core::Result<TokenId> sample(std::span<const float> logits);

  // Records a token of the sequence (prompt or generated) for the repetition penalty's window.
  void accept(TokenId token);

  // Forgets the accepted tokens and restarts the random generator from the seed.
  void reset();

  const SamplerOptions& options() const { return options_; }

  // A token still in the running (public for sampler.cpp's comparators).
  struct Candidate {
    float logit;
    TokenId id;
  };

 private:
  explicit Sampler(const SamplerOptions& options) : options_(options), random_(options.seed) {}

  core::Status load_logits(std::span<const float> logits);
  void apply_penalty();
  float max_logit() const;
  TokenId argmax() const;
  void select_top_k(int32_t k);
  void keep_all();
  void select_top_p();
  void keep_best_until(size_t from, double mass, double target, float max);
  void select_min_p();
  TokenId draw();

  SamplerOptions options_;
  Random random_;
  std::deque<TokenId> recent_;         // the last repeat_last_n accepted tokens, oldest first
  std::vector<float> logits_;          // penalised copy of the input
  std::vector<Candidate> candidates_;  // the survivors of the filters so far
  // How candidates_ is ordered: by id, or best first (logit desc, id asc).
  enum class Order { kById, kBestFirst };
  Order order_ = Order::kById;
  std::vector<TokenId> penalised_ids_;  // scratch: distinct ids of the window
  std::vector<int32_t> buckets_;        // scratch: top-p's bucket of each candidate
  std::vector<Candidate> crossing_;     // scratch: top-p's crossing bucket
  std::vector<float> weights_;          // scratch: the draw's weights
};

}  // namespace ward::infer::sampling
