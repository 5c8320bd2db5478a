#include "infer/model/session.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "infer/model/forward.h"
#include "infer/model/kv_cache.h"
#include "infer/threads/thread_pool.h"

namespace ward::infer::model {
namespace {

using core::Code;
using core::Error;
using tokenizer::TokenId;

constexpr int32_t kDefaultMaxContext = 4096;

Error invalid(std::string message) {
  return Error(Code::kInvalidArgument, "inference", std::move(message));
}

}  // namespace

struct Session::State {
  State(std::shared_ptr<const Model> m, int32_t context, int32_t batch, int thread_count)
      : model(std::move(m)),
        context_size(context),
        batch_size(batch),
        pool(thread_count),
        cache(model->hyperparameters().block_count, context,
              model->hyperparameters().head_count_kv, model->hyperparameters().head_dim),
        forward(*model, batch, context, thread_count),
        logits(static_cast<size_t>(model->vocab_size())) {
    tokens.reserve(static_cast<size_t>(context));
  }

  core::Status check(std::span<const TokenId> ids, size_t first_index) const;
  core::Result<std::span<const float>> extend(std::span<const TokenId> ids,
                                              const std::atomic<bool>* cancel);

  std::shared_ptr<const Model> model;
  int32_t context_size;
  int32_t batch_size;
  threads::ThreadPool pool;
  KvCache cache;
  ForwardPass forward;
  std::vector<float> logits;
  std::vector<TokenId> tokens;  // what the cache holds
  bool logits_valid = false;    // logits follow tokens.back()
  int32_t reused = 0;
};

// Ids must lie in the vocabulary; `first_index` numbers them in messages.
core::Status Session::State::check(std::span<const TokenId> ids, size_t first_index) const {
  const int32_t vocab = model->vocab_size();
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] < 0 || ids[i] >= vocab) {
      return invalid(fmt::format("token {} at position {} is outside the vocabulary (ids 0 to {})",
                                 ids[i], first_index + i, vocab - 1));
    }
  }
  return core::ok_status();
}

// Evaluates `ids` after the cached tokens, batch by batch.
core::Result<std::span<const float>> Session::State::extend(std::span<const TokenId> ids,
                                                            const std::atomic<bool>* cancel) {
  logits_valid = false;
  for (size_t done = 0; done < ids.size();) {
    if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) {
      return Error(Code::kCancelled, "inference", "evaluation was cancelled");
    }
    const size_t count = std::min(ids.size() - done, static_cast<size_t>(batch_size));
    const bool last = done + count == ids.size();
    auto chunk = ids.subspan(done, count);
    if (auto status = forward.run(chunk, static_cast<int32_t>(tokens.size()), cache, pool,
                                  last ? logits.data() : nullptr, cancel);
        !status) {
      return status.error();
    }
    tokens.insert(tokens.end(), chunk.begin(), chunk.end());
    done += count;
  }
  logits_valid = true;
  return std::span<const float>(logits);
}

core::Result<Session> Session::create(std::shared_ptr<const Model> model, SessionOptions options) {
  if (model == nullptr) return invalid("no model given to run");
  if (options.context_size < 0) {
    return invalid(fmt::format("context size {} is negative; give 0 for the default",
                               options.context_size));
  }
  if (options.threads < 0) {
    return invalid(fmt::format("thread count {} is negative; give 0 for one per physical core",
                               options.threads));
  }
  if (options.batch_size < 1) {
    return invalid(fmt::format("batch size {} must be at least 1", options.batch_size));
  }
  const int32_t context = options.context_size > 0
                              ? options.context_size
                              : std::min(model->context_length(), kDefaultMaxContext);
  const int threads = options.threads > 0 ? options.threads : threads::physical_cores();
  const int32_t batch = std::min(options.batch_size, context);
  return Session(std::make_unique<State>(std::move(model), context, batch, threads));
}

Session::Session(std::unique_ptr<State> state) : state_(std::move(state)) {}
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;
Session::~Session() = default;

core::Result<std::span<const float>> Session::evaluate(std::span<const TokenId> tokens,
                                                       const std::atomic<bool>* cancel) {
  State& s = *state_;
  if (tokens.empty()) return invalid("there are no tokens to evaluate");
  if (tokens.size() > static_cast<size_t>(s.context_size)) {
    return invalid(fmt::format("{} tokens do not fit the context of {} tokens; shorten the "
                               "prompt or create the session with a larger context",
                               tokens.size(), s.context_size));
  }
  if (auto status = s.check(tokens, 0); !status) return status.error();
  const auto common = static_cast<size_t>(
      std::mismatch(tokens.begin(), tokens.end(), s.tokens.begin(), s.tokens.end()).first -
      tokens.begin());
  if (common == tokens.size() && common == s.tokens.size() && s.logits_valid) {
    s.reused = static_cast<int32_t>(common);
    return std::span<const float>(s.logits);
  }
  // The logits after the last token are needed, so at least that token is evaluated.
  const size_t keep = std::min(common, tokens.size() - 1);
  s.tokens.resize(keep);
  s.reused = static_cast<int32_t>(keep);
  return s.extend(tokens.subspan(keep), cancel);
}

core::Result<std::span<const float>> Session::append(TokenId token,
                                                     const std::atomic<bool>* cancel) {
  State& s = *state_;
  if (s.tokens.size() >= static_cast<size_t>(s.context_size)) {
    return invalid(fmt::format("the context of {} tokens is full; start a new sequence or "
                               "create the session with a larger context",
                               s.context_size));
  }
  const TokenId one[] = {token};
  if (auto status = s.check(one, s.tokens.size()); !status) return status.error();
  s.reused = static_cast<int32_t>(s.tokens.size());
  return s.extend(one, cancel);
}

std::span<const TokenId> Session::tokens() const { return state_->tokens; }
int32_t Session::reused_tokens() const { return state_->reused; }
int32_t Session::context_size() const { return state_->context_size; }
int32_t Session::batch_size() const { return state_->batch_size; }
size_t Session::kv_cache_bytes() const { return state_->cache.bytes(); }
int Session::threads() const { return state_->pool.size(); }
const Model& Session::model() const { return *state_->model; }

}  // namespace ward::infer::model
