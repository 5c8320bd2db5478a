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
  core::Status check_step(std::span<const TokenId> ids, std::span<const int32_t> parents) const;
  // The caches of the next step's branches: each branch's parent's, copied where two share one.
  std::vector<KvCache*> assign_branch_caches(std::span<const int32_t> parents);
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

  // Beam search's branches. A slot is a cache: slot 0 is `cache` (which branches write only
  // past tokens.size(), where nothing valid is kept), the others `branch_caches`.
  struct Branches {
    int32_t width = 0;
    std::vector<int32_t> slot_of;  // branch → slot; empty when no branches run
    // The cached tokens the last branches started from, and per slot how many of their leading
    // positions it holds. Kept between searches, so that a slot copies only what changed since
    // the last (a keystroke's worth when the user types on).
    std::vector<TokenId> started_from;
    std::vector<int32_t> holds_started;
    std::vector<std::unique_ptr<KvCache>> caches;  // slots 1 ... width - 1
    int32_t shared = 0;                            // positions all branches have in common
    int32_t length = 0;                            // positions each branch holds
    std::vector<float> logits;
  } branches;

  KvCache& slot(int32_t index) {
    return index == 0 ? cache : *branches.caches[static_cast<size_t>(index - 1)];
  }
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
  branches.slot_of.clear();
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

core::Status Session::start_branches(int32_t width) {
  State& s = *state_;
  if (width < 1 || width > kMaxBranches) {
    return invalid(fmt::format("beam width {} is out of range; give 1 to {}", width, kMaxBranches));
  }
  if (s.tokens.empty())
    return invalid("branches continue the cached tokens; evaluate a prompt first");
  const auto& hp = s.model->hyperparameters();
  State::Branches& b = s.branches;
  while (static_cast<int32_t>(b.caches.size()) < width - 1) {
    b.caches.push_back(
        std::make_unique<KvCache>(hp.block_count, s.context_size, hp.head_count_kv, hp.head_dim));
  }
  b.width = width;
  b.slot_of = {0};
  const auto unchanged = static_cast<int32_t>(
      std::mismatch(b.started_from.begin(), b.started_from.end(), s.tokens.begin(), s.tokens.end())
          .first -
      b.started_from.begin());
  b.holds_started.resize(b.caches.size() + 1, 0);
  for (int32_t& held : b.holds_started) held = std::min(held, unchanged);
  b.started_from = s.tokens;
  b.shared = b.length = static_cast<int32_t>(s.tokens.size());
  b.holds_started[0] = b.shared;
  b.logits.resize(static_cast<size_t>(width) * static_cast<size_t>(s.model->vocab_size()));
  return core::ok_status();
}

core::Status Session::State::check_step(std::span<const TokenId> ids,
                                        std::span<const int32_t> parents) const {
  const State::Branches& b = branches;
  if (b.slot_of.empty()) return invalid("no branches run; call start_branches() first");
  if (ids.empty() || ids.size() != parents.size() || ids.size() > static_cast<size_t>(b.width)) {
    return invalid(
        fmt::format("a step takes one token and one parent per branch, 1 to {}; got {} "
                    "tokens and {} parents",
                    b.width, ids.size(), parents.size()));
  }
  for (int32_t parent : parents) {
    if (parent < 0 || parent >= static_cast<int32_t>(b.slot_of.size())) {
      return invalid(
          fmt::format("parent branch {} does not exist; there are {}", parent, b.slot_of.size()));
    }
  }
  if (b.length >= context_size) {
    return invalid(
        fmt::format("the context of {} tokens is full; the branches cannot grow", context_size));
  }
  return check(ids, static_cast<size_t>(b.length));
}

std::vector<KvCache*> Session::State::assign_branch_caches(std::span<const int32_t> parents) {
  State::Branches& b = branches;
  std::vector<int32_t> next(parents.size(), -1);
  std::vector<bool> taken(static_cast<size_t>(b.width), false);
  // A parent's first child continues in the parent's slot; the others take free slots.
  for (size_t i = 0; i < parents.size(); ++i) {
    const int32_t slot = b.slot_of[static_cast<size_t>(parents[i])];
    if (!taken[static_cast<size_t>(slot)]) next[i] = slot;
    taken[static_cast<size_t>(slot)] = true;
  }
  std::vector<KvCache*> caches(parents.size());
  for (size_t i = 0; i < parents.size(); ++i) {
    if (next[i] < 0) {
      next[i] = static_cast<int32_t>(std::find(taken.begin(), taken.end(), false) - taken.begin());
      taken[static_cast<size_t>(next[i])] = true;
      int32_t& held = b.holds_started[static_cast<size_t>(next[i])];
      slot(next[i]).copy_positions(slot(b.slot_of[static_cast<size_t>(parents[i])]), held,
                                   b.length);
      held = b.shared;
    }
    caches[i] = &slot(next[i]);
  }
  b.slot_of = std::move(next);
  return caches;
}

core::Result<std::span<const float>> Session::step_branches(std::span<const TokenId> tokens,
                                                            std::span<const int32_t> parents,
                                                            const std::atomic<bool>* cancel) {
  State& s = *state_;
  if (auto status = s.check_step(tokens, parents); !status) return status.error();
  State::Branches& b = s.branches;
  const std::vector<KvCache*> caches = s.assign_branch_caches(parents);
  if (auto status =
          s.forward.run_branches(tokens, b.length, caches, s.pool, b.logits.data(), cancel);
      !status) {
    b.slot_of.clear();
    return status.error();
  }
  ++b.length;
  return std::span<const float>(b.logits).first(tokens.size() *
                                                static_cast<size_t>(s.model->vocab_size()));
}

std::span<const TokenId> Session::tokens() const { return state_->tokens; }
int32_t Session::reused_tokens() const { return state_->reused; }
int32_t Session::context_size() const { return state_->context_size; }
int32_t Session::batch_size() const { return state_->batch_size; }
size_t Session::kv_cache_bytes() const { return state_->cache.bytes(); }
int Session::threads() const { return state_->pool.size(); }
const Model& Session::model() const { return *state_->model; }

}  // namespace ward::infer::model
