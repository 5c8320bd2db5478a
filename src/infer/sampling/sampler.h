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
//  - draw: u = Random::uniform(); the survivors in ascending id order, weights
//    exp((logit - max) / temperature) summed in that order; the first token whose running sum
//    exceeds u × total is chosen.
//
// Every step is specified down to the arithmetic: sums in double in a fixed order, exp() computed
// by this file's own polynomial (libm's expf differs between platforms in the last bit), the
// source compiled without floating-point contraction, and the random numbers of random.h. So a
// given seed, options, accepted tokens and logits give the same token everywhere.
//
// Speed: no pass over the vocabulary sorts it. Top-k selects with a bounded heap, top-p with a
// partial sort of the best candidates that grows only while their mass stays below top_p, min-p
// with one comparison per token. One sample over 151,936 logits takes tens of microseconds (see
// bench/sampling_bench.cpp).
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

 private:
  explicit Sampler(const SamplerOptions& options) : options_(options), random_(options.seed) {}

  struct Candidate {
    float logit;
    TokenId id;
  };

  core::Status load_logits(std::span<const float> logits);
  void apply_penalty();
  TokenId argmax() const;
  void select_top_k(int32_t k);
  void keep_all();
  void select_top_p();
  void select_min_p();
  TokenId draw();

  SamplerOptions options_;
  Random random_;
  std::deque<TokenId> recent_;          // the last repeat_last_n accepted tokens, oldest first
  std::vector<float> logits_;           // penalised copy of the input
  std::vector<Candidate> candidates_;   // the survivors of the filters so far
  bool sorted_ = false;                 // candidates_ sorted best first (logit desc, id asc)
  std::vector<TokenId> penalised_ids_;  // scratch: distinct ids of the window
};

}  // namespace ward::infer::sampling
