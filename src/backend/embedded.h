#pragma once
// The embedded backend: a GGUF model run by Ward's own engine (src/infer), loaded once and shared
// by every request.
//
// Slots and queueing. The backend keeps `slots` sequences (infer::model::Session), each with its
// own KV cache and thread pool; a request runs on one slot from its prompt to its last token.
// Requests wait in one first-come, first-served queue, so no client can starve another, and a
// waiting request whose `stop` is set leaves the queue. A free slot is chosen by cache key first
// (the slot that last served the same document keeps its KV cache, so the engine's prefix reuse
// only processes what changed since the last keystroke), then least recently used. On 2 cores
// one slot with both threads is fastest; more slots help where cores are plenty.
//
// Threads: as Backend.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "infer/chat/chat.h"
#include "infer/fim/fim.h"
#include "infer/model/model.h"
#include "infer/model/session.h"

namespace ward::backend {

struct EmbeddedOptions {
  std::string name{};  // empty: the file's name without ".gguf"
  std::filesystem::path path{};
  // Empty: the one the model file names (infer::fim::kFormatMetadataKey), else the one its
  // vocabulary implies.
  std::optional<infer::fim::Format> fim_format{};
  int32_t context_size = 0;  // 0: the model's own, at most 4096 (infer's default)
  int threads = 0;           // per slot; 0: one per physical core
  int slots = 1;
  std::string region{};  // where this machine is
};

class EmbeddedBackend final : public Backend {
 public:
  // Loads and checks the model and creates the slots. Errors: Model::load's, and
  // kInvalidArgument for a bad option (naming it) or a FIM format the vocabulary lacks tokens for.
  static core::Result<std::unique_ptr<EmbeddedBackend>> load(const EmbeddedOptions& options);

  const ModelInfo& info() const override { return info_; }
  core::Result<Generation> generate(const GenerationRequest& request, const TextSink& sink,
                                    std::atomic<bool>& stop) override;

  // How many requests are waiting for a slot right now (for metrics).
  int queue_depth() const override;

 private:
  struct Slot {
    infer::model::Session session;
    std::string cache_key;  // of the last request served
    uint64_t last_used = 0;
    bool busy = false;
  };

  EmbeddedBackend(std::shared_ptr<const infer::model::Model> model,
                  std::optional<infer::fim::PromptBuilder> fim, infer::chat::PromptBuilder chat,
                  std::vector<Slot> slots, ModelInfo info);

  // The prompt's tokens and, for fill-in-the-middle, the healed text the generation must begin
  // with (see fim::Request::heal_last_token).
  struct Prompt {
    std::vector<infer::tokenizer::TokenId> tokens;
    std::string forced_prefix;
  };
  core::Result<Prompt> prompt_tokens(const GenerationRequest& request) const;
  core::Result<Slot*> acquire(const std::string& cache_key, std::atomic<bool>& stop);
  void release(Slot& slot);

  std::shared_ptr<const infer::model::Model> model_;
  std::optional<infer::fim::PromptBuilder> fim_;
  infer::chat::PromptBuilder chat_;
  ModelInfo info_;

  mutable std::mutex mutex_;
  std::condition_variable slot_freed_;
  std::vector<Slot> slots_;       // guarded by mutex_ (busy, cache_key, last_used)
  std::deque<uint64_t> waiting_;  // tickets in arrival order; guarded by mutex_
  uint64_t next_ticket_ = 0;
  uint64_t uses_ = 0;
};

}  // namespace ward::backend
