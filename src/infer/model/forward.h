#pragma once
// The forward pass of a llama/qwen2 transformer over a chunk of tokens: embeddings, then per
// layer RMSNorm → Q/K/V projections (+ biases for qwen2) → RoPE → K/V into the cache →
// grouped-query causal attention over the cache → output projection + residual → RMSNorm →
// SwiGLU feed-forward + residual; then, only for the last token and only when asked, the final
// RMSNorm and the output projection to logits (computing logits for every prompt position would
// cost a vocabulary-sized matrix product per token for nothing).
//
// All the tokens of a chunk are the columns of each matrix product, so a block of weights is
// decoded once per chunk instead of once per token; every product is split over the thread pool
// by contiguous row ranges (each thread streams its own stretch of the weights), attention by
// (token, key/value head) pairs. Activations are quantised once per format and reused by the products
// that share an input (Q, K and V; gate and up).
//
// Numerics follow llama.cpp: RMSNorm sums squares in double, RoPE angles by repeated
// multiplication in float as ggml does, softmax in float with scale 1/sqrt(head_dim).
//
// A ForwardPass owns the scratch buffers for chunks of up to batch_size tokens; one Session's,
// used by one thread at a time (which then drives the pool).

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <vector>

#include "core/error.h"
#include "infer/kernels/kernels.h"
#include "infer/model/kv_cache.h"
#include "infer/model/model.h"
#include "infer/threads/thread_pool.h"
#include "infer/tokenizer/tokenizer.h"

namespace ward::infer::model {

class ForwardPass {
 public:
  ForwardPass(const Model& model, int32_t batch_size, int32_t context_size, int threads);

  // Evaluates `tokens` (1 ... batch_size of them, ids already checked against the vocabulary) at
  // positions first_position ... first_position + size - 1 (the cache must hold valid K/V for
  // every earlier position; the last position must be below the cache's size), writing their
  // keys and values into `cache`. When `logits` is not null, writes the vocab_size logits that
  // follow the last token there. Fails (kCancelled) when *cancel is true at a layer boundary;
  // the chunk's cache positions are then unspecified.
  core::Status run(std::span<const tokenizer::TokenId> tokens, int32_t first_position,
                   KvCache& cache, threads::ThreadPool& pool, float* logits,
                   const std::atomic<bool>* cancel);

  // Evaluates one token for each of several sequences of the same length (a beam search's
  // branches): tokens[i] at `position` of *caches[i], which must hold valid K/V for every
  // earlier position. Writes vocab_size logits per token to `logits`, token after token. The
  // sequences share each weight read, so a step of a few branches costs about one token's.
  // Fails (kCancelled) as run() does.
  core::Status run_branches(std::span<const tokenizer::TokenId> tokens, int32_t position,
                            std::span<KvCache* const> caches, threads::ThreadPool& pool,
                            float* logits, const std::atomic<bool>* cancel);

 private:
  // Where each token of a chunk goes: consecutive positions of one sequence, or one position of
  // as many sequences as tokens.
  struct Placement {
    int32_t first_position;
    std::span<KvCache* const> caches;  // one, or one per token
    bool branches;

    int32_t position(int64_t t) const {
      return branches ? first_position : first_position + static_cast<int32_t>(t);
    }
    KvCache& cache(int64_t t) const { return *caches[branches ? static_cast<size_t>(t) : 0]; }
  };

  struct Product {
    const Matrix& weights;
    float* out;  // column c at out + c * weights.rows
  };

  core::Status run_layers(std::span<const tokenizer::TokenId> tokens, const Placement& placement,
                          const std::atomic<bool>* cancel);
  void embed(std::span<const tokenizer::TokenId> tokens);
  void attention_block(const LayerWeights& w, int32_t layer, int64_t n, const Placement& placement);
  void feed_forward_block(const LayerWeights& w, int64_t n);
  // The logits of tokens first ... n - 1, vocab_size floats each.
  void output_logits(int64_t first, int64_t n, float* logits);

  void prepare(const float* input, int64_t k, int64_t n, std::initializer_list<TensorType> types);
  void multiply(std::initializer_list<Product> products);
  void position_encode(const LayerWeights& w, int32_t layer, int64_t n, const Placement& placement);
  void attend(int32_t layer, int64_t n, const Placement& placement);
  size_t scores_per_participant() const;
  void rope(float* head, int32_t position) const;
  template <typename Body>
  void for_tokens(int64_t n, const Body& body);

  const Model& model_;
  const Hyperparameters& hp_;
  threads::ThreadPool* pool_ = nullptr;  // the pool of the current run()
  // Scratch, sized for batch_size tokens; column c of a buffer of width w is at c * w.
  std::vector<float> x_;     // the residual stream [n][embd]
  std::vector<float> xn_;    // normalised input of the next products [n][embd]
  std::vector<float> q_;     // [n][q_dim]
  std::vector<float> k_;     // [n][kv_dim]
  std::vector<float> v_;     // [n][kv_dim]
  std::vector<float> attn_;  // attention output [n][q_dim]
  std::vector<float> proj_;  // a block's output before the residual add [n][embd]
  std::vector<float> gate_;  // [min(n, kFeedForwardTokens)][ff]
  std::vector<float> up_;    // [min(n, kFeedForwardTokens)][ff]
  std::vector<float> scores_;  // per pool participant: scores_per_participant() floats
  int32_t context_size_;
  // One per kernels::ActivationFormat, filled by prepare() for the products that follow.
  kernels::QuantizedActivations activations_[3];
};

}  // namespace ward::infer::model
