#pragma once
// The model backend interface: what the assist features ask a model for, whichever engine runs
// it — Ward's embedded engine (embedded.h) or an OpenAI-compatible upstream server. A backend
// turns a prompt (plain text, or the parts of a fill-in-the-middle request that it lays out in
// its model's own format) into generated text, streamed as it is produced.
//
// Threads: a Backend is shared by every request; generate() may be called from any number of
// threads at once (a backend queues what it cannot run in parallel).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.h"
#include "infer/chat/chat.h"
#include "infer/fim/fim.h"
#include "infer/model/line_rules.h"
#include "infer/sampling/sampler.h"

namespace ward::backend {

struct ModelInfo {
  std::string name{};               // what clients pass as "model"
  std::string kind{};               // "embedded" or "openai"
  std::string region{};             // where prompts sent to this model are processed
  int32_t context_length = 0;       // tokens the model sees at once (prompt + generation)
  bool fill_in_the_middle = false;  // whether FIM prompts are supported
  std::string fim_format{};         // their layout (infer::fim::format_name), when known
  bool random_weights = false;      // made by `ward model synth`: its output is random text
  std::string chat_layout{};        // how conversations are laid out (infer::chat::layout_name)
};

// A prompt in plain text: special-token texts in it (e.g. a chat template's markers) are parsed
// as those tokens, and BOS is added where the model wants one, as OpenAI-compatible servers do.
struct TextPrompt {
  std::string text{};
};

// A conversation, laid out by the backend in its model's chat format (the embedded engine by
// infer::chat, an upstream server by its own template); generation is the assistant's answer.
struct ChatPrompt {
  std::vector<infer::chat::Message> messages{};
};

struct GenerationRequest {
  std::variant<TextPrompt, infer::fim::Request, ChatPrompt> prompt{};
  infer::sampling::SamplerOptions sampler = infer::sampling::SamplerOptions::greedy();
  int32_t max_tokens = 128;                  // > 0
  std::vector<std::string> stop{};           // strings that end generation (never returned)
  std::chrono::milliseconds time_budget{0};  // 0: none
  // Requests with the same key (one user's document) go to the same cached sequence where the
  // backend keeps one, so a completion after a keystroke only processes what changed.
  std::string cache_key{};
  // With greedy sampling, above 1: the first line is the likeliest of a beam search this wide
  // (infer/model/line_search.h), where the backend runs the model itself; an upstream server
  // decodes its own way and ignores it.
  int32_t line_beams = 1;
  // With line_beams above 1: what the searched line must be (infer/model/line_rules.h).
  infer::model::LineRules first_line{};
};

enum class FinishReason {
  kStop,        // the model ended its answer or a stop string appeared
  kLength,      // max_tokens or the context ran out
  kTimeBudget,  // the time budget ran out
  kCancelled,   // `stop` was set
};

// "stop", "length", "time_budget", "cancelled" (OpenAI's names where OpenAI has one).
std::string_view finish_reason_name(FinishReason reason);

struct Generation {
  std::string text{};
  FinishReason finish = FinishReason::kStop;
  int32_t prompt_tokens = 0;
  int32_t completion_tokens = 0;
  int32_t reused_prompt_tokens = 0;  // of the prompt, served from a cached sequence
};

// Receives each piece of generated text as soon as it is final.
using TextSink = std::function<void(std::string_view text)>;

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const ModelInfo& info() const = 0;

  // Generates for `request`, passing text to `sink` as it comes. Setting `stop` (from any thread,
  // or from the sink) ends the generation soon after, with FinishReason::kCancelled and the text
  // so far; it also ends a wait in the backend's queue (kCancelled error, nothing generated).
  // Errors: kInvalidArgument naming the field at fault (a prompt longer than the context allows,
  // a FIM request to a model without FIM, bad sampler options); kUnavailable / kDeadlineExceeded
  // when an upstream fails or times out; kCancelled as above.
  virtual core::Result<Generation> generate(const GenerationRequest& request, const TextSink& sink,
                                            std::atomic<bool>& stop) = 0;

  // Requests waiting in this backend's queue now (0 for a backend that does not queue).
  virtual int queue_depth() const { return 0; }
};

// The models a server offers, by name; the first is the default.
class BackendSet {
 public:
  void add(std::unique_ptr<Backend> backend) { backends_.push_back(std::move(backend)); }
  // The backend called `name`, or the default for an empty name; nullptr when there is none.
  Backend* find(std::string_view name) const;
  const std::vector<std::unique_ptr<Backend>>& all() const { return backends_; }

 private:
  std::vector<std::unique_ptr<Backend>> backends_;
};

}  // namespace ward::backend
