#include "backend/embedded.h"

#include <fmt/format.h>

#include <chrono>

#include "infer/model/generate.h"
#include "infer/synth/synth.h"

namespace ward::backend {
namespace {

using core::Code;
using core::Error;
using infer::tokenizer::TokenId;

// How often a request waiting for a slot looks at its `stop` flag.
constexpr std::chrono::milliseconds kStopPollInterval{50};

core::Error invalid(std::string where, std::string message) {
  return Error(Code::kInvalidArgument, std::move(where), std::move(message));
}

FinishReason finish_of(infer::sampling::StopReason reason) {
  switch (reason) {
    case infer::sampling::StopReason::kMaxTokens:
      return FinishReason::kLength;
    case infer::sampling::StopReason::kTimeBudget:
      return FinishReason::kTimeBudget;
    case infer::sampling::StopReason::kCancelled:
      return FinishReason::kCancelled;
    default:
      return FinishReason::kStop;
  }
}

std::string default_name(const std::filesystem::path& path) {
  std::string name = path.filename().string();
  if (name.size() > 5 && name.ends_with(".gguf")) name.resize(name.size() - 5);
  return name;
}

bool has_random_weights(const infer::gguf::File& file) {
  const infer::gguf::Value* flag = file.find(infer::synth::kRandomWeightsKey);
  if (flag == nullptr) return false;
  auto value = flag->as_bool();
  return value && *value;
}

// The FIM format the model file names (infer::fim::kFormatMetadataKey), if it names one.
core::Result<std::optional<infer::fim::Format>> fim_format_named_by(const infer::gguf::File& file) {
  const std::string key(infer::fim::kFormatMetadataKey);
  const infer::gguf::Value* value = file.find(key);
  if (value == nullptr) return std::optional<infer::fim::Format>{};
  auto name = value->as_string();
  if (!name) return invalid(key, "the model file's " + key + " must be a string");
  auto format = infer::fim::parse_format(*name);
  if (!format) {
    return invalid(key, "the model file names " + format.error().message() +
                            "; name the right one with fim = \"...\" in its [models.NAME]");
  }
  return std::optional(*format);
}

}  // namespace

core::Result<std::unique_ptr<EmbeddedBackend>> EmbeddedBackend::load(
    const EmbeddedOptions& options) {
  if (options.slots < 1) {
    return invalid("slots", fmt::format("a model needs at least 1 slot, got {}", options.slots));
  }
  auto model = infer::model::Model::load(options.path);
  if (!model) return model.error();
  std::optional<infer::fim::Format> fim_format = options.fim_format;
  if (!fim_format) {
    auto named = fim_format_named_by((*model)->file());
    if (!named) return named.error();
    fim_format = *named;
  }
  std::optional<infer::fim::PromptBuilder> fim;
  if (auto builder = infer::fim::PromptBuilder::create((*model)->tokenizer(), fim_format);
      builder) {
    fim = std::move(*builder);
  } else if (fim_format) {
    return builder.error();  // a format was asked for explicitly: its absence is an error
  }
  auto chat = infer::chat::PromptBuilder::create(
      (*model)->tokenizer(), infer::chat::detect_layout((*model)->file(), (*model)->tokenizer()));
  if (!chat) return chat.error();
  std::vector<Slot> slots;
  for (int i = 0; i < options.slots; ++i) {
    auto session = infer::model::Session::create(
        *model, {.context_size = options.context_size, .threads = options.threads});
    if (!session) return session.error();
    slots.push_back(Slot{.session = std::move(*session), .cache_key = {}});
  }
  ModelInfo info{.name = options.name.empty() ? default_name(options.path) : options.name,
                 .kind = "embedded",
                 .region = options.region,
                 .context_length = slots.front().session.context_size(),
                 .fill_in_the_middle = fim.has_value(),
                 .fim_format = fim ? std::string(infer::fim::format_name(fim->format())) : "",
                 .random_weights = has_random_weights((*model)->file()),
                 .chat_layout = std::string(infer::chat::layout_name(chat->layout()))};
  return std::unique_ptr<EmbeddedBackend>(new EmbeddedBackend(
      std::move(*model), std::move(fim), std::move(*chat), std::move(slots), std::move(info)));
}

EmbeddedBackend::EmbeddedBackend(std::shared_ptr<const infer::model::Model> model,
                                 std::optional<infer::fim::PromptBuilder> fim,
                                 infer::chat::PromptBuilder chat, std::vector<Slot> slots,
                                 ModelInfo info)
    : model_(std::move(model)),
      fim_(std::move(fim)),
      chat_(std::move(chat)),
      info_(std::move(info)),
      slots_(std::move(slots)) {}

// The prompt's tokens, leaving room for max_tokens in the context: a FIM prompt is cut to fit
// (farthest text first, fim.h); a text prompt that does not fit is the caller's error.
core::Result<EmbeddedBackend::Prompt> EmbeddedBackend::prompt_tokens(
    const GenerationRequest& request) const {
  if (request.max_tokens < 1) {
    return invalid("max_tokens", fmt::format("must be at least 1, got {}", request.max_tokens));
  }
  const int32_t budget = info_.context_length - request.max_tokens;
  if (budget < 1) {
    return invalid("max_tokens",
                   fmt::format("{} leaves no room for a prompt in the model's context of {} "
                               "tokens; ask for fewer",
                               request.max_tokens, info_.context_length));
  }
  if (const auto* fim_request = std::get_if<infer::fim::Request>(&request.prompt)) {
    if (!fim_) {
      return invalid("model", fmt::format("the model \"{}\" has no fill-in-the-middle tokens; "
                                          "configure a code model with FIM support",
                                          info_.name));
    }
    infer::fim::Request fitted = *fim_request;
    fitted.max_tokens = budget;
    fitted.heal_last_token = true;
    auto prompt = fim_->build(fitted);
    if (!prompt) return prompt.error();
    return Prompt{.tokens = std::move(prompt->tokens),
                  .forced_prefix = std::move(prompt->healed_text)};
  }
  std::vector<TokenId> tokens;
  if (const auto* chat = std::get_if<ChatPrompt>(&request.prompt)) {
    auto built = chat_.build(chat->messages);
    if (!built) return built.error();
    tokens = std::move(*built);
  } else {
    tokens = model_->tokenizer().tokenize(std::get<TextPrompt>(request.prompt).text,
                                          /*add_special=*/true, /*parse_special=*/true);
  }
  if (tokens.empty()) return invalid("prompt", "the prompt is empty; give some text to continue");
  if (static_cast<int64_t>(tokens.size()) > budget) {
    return invalid("prompt", fmt::format("the prompt is {} tokens; with max_tokens {} it exceeds "
                                         "the model's context of {} tokens; shorten it or ask for "
                                         "fewer tokens",
                                         tokens.size(), request.max_tokens, info_.context_length));
  }
  return Prompt{.tokens = std::move(tokens), .forced_prefix = {}};
}

core::Result<Generation> EmbeddedBackend::generate(const GenerationRequest& request,
                                                   const TextSink& sink, std::atomic<bool>& stop) {
  auto prompt = prompt_tokens(request);
  if (!prompt) return prompt.error();
  auto slot = acquire(request.cache_key, stop);
  if (!slot) return slot.error();
  infer::model::GenerateOptions options{
      .sampler = request.sampler,
      .limits = {.max_tokens = request.max_tokens, .time_budget = request.time_budget},
      .stop_strings = request.stop,
      .forced_prefix = std::move(prompt->forced_prefix),
      .line_beams = request.line_beams,
      .first_line = request.first_line};
  if (std::holds_alternative<ChatPrompt>(request.prompt)) {
    // Where the layout's end of turn is text, not an end-of-generation token.
    for (const auto& stop_string : chat_.stop_strings())
      options.stop_strings.push_back(stop_string);
  }
  auto result = infer::model::generate((*slot)->session, prompt->tokens, options,
                                       sink ? infer::model::TextCallback(sink) : nullptr, &stop);
  release(**slot);
  if (!result) return result.error();
  return Generation{.text = std::move(result->text),
                    .finish = finish_of(result->stop_reason),
                    .prompt_tokens = result->prompt_tokens,
                    .completion_tokens = static_cast<int32_t>(result->tokens.size()),
                    .reused_prompt_tokens = result->reused_tokens};
}

core::Result<EmbeddedBackend::Slot*> EmbeddedBackend::acquire(const std::string& cache_key,
                                                              std::atomic<bool>& stop) {
  std::unique_lock lock(mutex_);
  const uint64_t ticket = next_ticket_++;
  waiting_.push_back(ticket);
  auto free_slot = [&]() -> Slot* {
    Slot* best = nullptr;
    for (Slot& slot : slots_) {
      if (slot.busy) continue;
      if (!cache_key.empty() && slot.cache_key == cache_key) return &slot;
      if (best == nullptr || slot.last_used < best->last_used) best = &slot;
    }
    return best;
  };
  for (;;) {
    if (stop.load(std::memory_order_relaxed)) {
      std::erase(waiting_, ticket);
      slot_freed_.notify_all();
      return Error(Code::kCancelled, "inference", "the request was cancelled while it waited");
    }
    if (waiting_.front() == ticket) {
      if (Slot* slot = free_slot()) {
        waiting_.pop_front();
        slot->busy = true;
        slot->cache_key = cache_key;
        slot->last_used = ++uses_;
        slot_freed_.notify_all();  // the next in line may find another free slot
        return slot;
      }
    }
    slot_freed_.wait_for(lock, kStopPollInterval);
  }
}

void EmbeddedBackend::release(Slot& slot) {
  {
    std::lock_guard lock(mutex_);
    slot.busy = false;
  }
  slot_freed_.notify_all();
}

int EmbeddedBackend::queue_depth() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(waiting_.size());
}

}  // namespace ward::backend
