#pragma once
// A Session runs one token sequence through a Model: it owns the sequence's KV cache, the
// forward pass's scratch buffers and a thread pool, and returns next-token logits. It is what
// makes completion fast while a user types: evaluate() keeps the longest prefix of the new
// tokens that the cache already holds (prefix reuse) and computes only the rest.
//
// Threads: a Session is used by one thread at a time (it drives its own pool of `threads`
// threads, the caller included); the Model it runs may be shared by many sessions. Movable.

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>

#include "core/error.h"
#include "infer/model/model.h"
#include "infer/tokenizer/tokenizer.h"

namespace ward::infer::model {

struct SessionOptions {
  int32_t context_size = 0;  // positions the cache holds; 0: min(the model's, 4096)
  int threads = 0;           // 0: threads::physical_cores()
  int32_t batch_size = 512;  // tokens evaluated together (capped at context_size)
};

class Session {
 public:
  // Allocates the cache (context × layers × kv_heads × head_dim × 2 floats) and the scratch
  // buffers, and starts the pool. Errors (kInvalidArgument): a null model, a negative context
  // size or thread count, a batch size below 1.
  static core::Result<Session> create(std::shared_ptr<const Model> model, SessionOptions options);

  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;
  ~Session();

  // Makes the cache hold exactly `tokens`: keeps the longest prefix it already holds, evaluates
  // the rest in batches of batch_size, and returns the logits after the last token (vocab_size
  // floats, valid until the next call). When the cache already holds exactly `tokens`, the last
  // logits are returned without work; when `tokens` is a proper prefix of the cache, its last
  // token is evaluated again (its logits were not kept). Errors: kInvalidArgument for an empty
  // list, an id outside the vocabulary (naming its position) or more tokens than the context
  // (giving both numbers), the cache left as it was; kCancelled when *cancel becomes true
  // (checked between batches and layers), the cache then holding what was fully evaluated.
  core::Result<std::span<const float>> evaluate(std::span<const tokenizer::TokenId> tokens,
                                                const std::atomic<bool>* cancel = nullptr);

  // One more token after the cached ones (a generation step); the logits after it. Errors as
  // evaluate() (kInvalidArgument also when the context is full).
  core::Result<std::span<const float>> append(tokenizer::TokenId token,
                                               const std::atomic<bool>* cancel = nullptr);

  // Beam search: up to `width` continuations ("branches") of the cached tokens, evaluated side by
  // side. The session's cache serves one branch and each other branch gets a cache of its own
  // (allocated when first needed, kept for later searches), into which it copies the cached
  // tokens' keys and values once: those it does not hold from the last search (all of them at
  // first; after a keystroke, what changed). The session's tokens() stay as they are; evaluate() and
  // append() end the branches. Errors (kInvalidArgument): a width below 1 or above
  // kMaxBranches, or no cached tokens.
  static constexpr int32_t kMaxBranches = 8;
  core::Status start_branches(int32_t width);

  // One more token for each branch in one forward pass: branch i of the result continues branch
  // parents[i] of the previous step with tokens[i] (after start_branches() there is one branch,
  // 0), so branches can be dropped and duplicated. Returns vocab_size logits per branch, branch
  // after branch (valid until the next call). Errors (kInvalidArgument): no branches started, a
  // count of tokens other than that of parents or above the width, a parent out of range, an id
  // outside the vocabulary, a full context; kCancelled as evaluate(), which ends the branches.
  core::Result<std::span<const float>> step_branches(std::span<const tokenizer::TokenId> tokens,
                                                     std::span<const int32_t> parents,
                                                     const std::atomic<bool>* cancel = nullptr);

  // The tokens whose keys and values the cache holds.
  std::span<const tokenizer::TokenId> tokens() const;
  // How many tokens the last evaluate() kept from the cache (append(): the tokens before it).
  int32_t reused_tokens() const;
  int32_t context_size() const;
  int32_t batch_size() const;
  // The KV cache's allocation (made resident only as positions are written).
  size_t kv_cache_bytes() const;
  int threads() const;
  const Model& model() const;

  struct State;

 private:
  explicit Session(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace ward::infer::model
