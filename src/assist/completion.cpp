#include "assist/completion.h"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>

#include "core/text.h"

namespace ward::assist {
namespace {

using core::Code;
using core::Error;

constexpr int32_t kSingleLineTokens = 48;
constexpr int32_t kMultiLineTokens = 192;
constexpr int32_t kMaxTokens = 1024;
constexpr int32_t kMaxSuggestions = 4;
constexpr float kAlternativeTemperature = 0.6f;
// The greedy suggestion's first line is the likeliest of a beam search this wide: on the starter
// model it is right more often than greedy decoding's (models/README.md), at little cost, since
// one forward pass extends every hypothesis.
constexpr int32_t kFirstLineBeams = 3;

// A line above the cursor at least this long is one the first line may not repeat: shorter
// lines ("}", "#endif", "None,") often follow themselves, longer ones seldom (docs/engine.md).
constexpr size_t kShortestUnrepeatedLine = 8;

// The nearest line with text in `code`, trimmed; empty when there is none.
std::string_view last_line_with_text(std::string_view code) {
  while (!code.empty()) {
    const size_t start = code.rfind('\n');
    const std::string_view line = start == std::string_view::npos ? code : code.substr(start + 1);
    if (!core::trim(line).empty()) return core::trim(line);
    code = code.substr(0, start == std::string_view::npos ? 0 : start);
  }
  return {};
}

// What the searched first line must be (infer/model/line_rules.h): only where the cursor's line
// holds nothing but whitespace, before and after it (after it: multi-line mode). Elsewhere the
// first line is the rest of the cursor's line, where nothing more, or what the line above ends
// with, may be right.
infer::model::LineRules first_line_rules(std::string_view prefix, CompletionMode mode) {
  const size_t line_start = prefix.rfind('\n');
  const std::string_view before =
      line_start == std::string_view::npos ? prefix : prefix.substr(line_start + 1);
  if (mode != CompletionMode::kMultiLine || !core::trim(before).empty()) return {};
  const std::string_view above =
      line_start == std::string_view::npos ? "" : last_line_with_text(prefix.substr(0, line_start));
  return {.needs_text = true,
          .differs_from = above.size() >= kShortestUnrepeatedLine ? std::string(above) : ""};
}

Error invalid(std::string field, std::string message) {
  return Error(Code::kInvalidArgument, std::move(field), std::move(message));
}

backend::GenerationRequest generation_for(const CompletionRequest& request, CompletionMode mode,
                                          int32_t index) {
  infer::fim::Request fim{.prefix = request.prefix,
                          .suffix = request.suffix,
                          .path = request.path,
                          .repository = {},
                          .related_files = request.related_files,
                          .max_tokens = 0};
  backend::GenerationRequest generation;
  generation.prompt = std::move(fim);
  generation.max_tokens = request.max_tokens > 0                ? request.max_tokens
                          : mode == CompletionMode::kSingleLine ? kSingleLineTokens
                                                                : kMultiLineTokens;
  const bool greedy = index == 0 && request.temperature < 0;
  if (greedy) {
    generation.line_beams = kFirstLineBeams;
    generation.first_line = first_line_rules(request.prefix, mode);
  } else {
    generation.sampler = infer::sampling::SamplerOptions{};
    generation.sampler.temperature =
        request.temperature >= 0 ? request.temperature : kAlternativeTemperature;
    generation.sampler.seed = request.seed + static_cast<uint64_t>(index);
  }
  generation.time_budget = std::chrono::milliseconds(request.time_budget_ms);
  generation.cache_key = request.document;
  return generation;
}

}  // namespace

core::Status CompletionService::validate(const CompletionRequest& request) {
  if (request.max_tokens < 0 || request.max_tokens > kMaxTokens) {
    return invalid("max_tokens", fmt::format("must be between 1 and {} (or 0 for the default), "
                                             "got {}",
                                             kMaxTokens, request.max_tokens));
  }
  if (request.suggestions < 1 || request.suggestions > kMaxSuggestions) {
    return invalid("suggestions", fmt::format("must be between 1 and {}, got {}", kMaxSuggestions,
                                              request.suggestions));
  }
  if (request.temperature > 2.0f) {
    return invalid("temperature",
                   fmt::format("must be between 0 and 2, got {}", request.temperature));
  }
  if (request.time_budget_ms < 0) {
    return invalid("time_budget_ms", "must not be negative");
  }
  if (request.prefix.empty() && request.suffix.empty()) {
    return invalid("prefix",
                   "give the code before the cursor (prefix), after it (suffix), or "
                   "both");
  }
  return core::ok_status();
}

core::Result<CompletionResult> CompletionService::complete(backend::Backend& backend,
                                                           const CompletionRequest& request,
                                                           const SuggestionSink& on_delta,
                                                           std::atomic<bool>& stop) {
  if (auto status = validate(request); !status) return status.error();
  if (!backend.info().fill_in_the_middle) {
    return invalid("model", fmt::format("the model \"{}\" cannot fill in the middle; configure a "
                                        "code model with FIM tokens for completions",
                                        backend.info().name));
  }
  if (!request.document.empty()) supersede(request.document, &stop);
  CompletionResult result;
  result.mode = mode_at_cursor(request.suffix);
  core::Status failure = core::ok_status();
  for (int32_t i = 0; i < request.suggestions && !stop.load(); ++i) {
    SuggestionGuard guard(request.prefix, request.suffix, result.mode);
    std::atomic<bool> done{false};
    size_t sent = 0;
    // Sends what became final of the first suggestion; a client gone stops everything.
    auto deliver = [&](std::string_view text) {
      if (i != 0 || !on_delta || stop.load() || text.size() <= sent) return;
      if (!on_delta(text.substr(sent))) stop = done = true;
      sent = text.size();
    };
    auto sink = [&](std::string_view piece) {
      if (!guard.add(piece)) done = true;
      deliver(guard.committed());
      if (stop.load()) done = true;
    };
    if (!request.document.empty()) track(request.document, &stop, &done);
    auto generation = backend.generate(generation_for(request, result.mode, i), sink, done);
    if (!request.document.empty()) track(request.document, &stop, nullptr);
    if (!generation) {
      failure = generation.error();
      break;
    }
    std::string suggestion = guard.result();
    deliver(suggestion);
    // A generation the guard ended finished its suggestion; only `stop` cancels the request.
    result.finish = stop.load() ? "cancelled"
                    : guard.complete()
                        ? "stop"
                        : std::string(backend::finish_reason_name(generation->finish));
    result.prompt_tokens += generation->prompt_tokens;
    result.completion_tokens += generation->completion_tokens;
    result.reused_prompt_tokens += generation->reused_prompt_tokens;
    if (!suggestion.empty() && std::find(result.suggestions.begin(), result.suggestions.end(),
                                         suggestion) == result.suggestions.end()) {
      result.suggestions.push_back(std::move(suggestion));
    }
  }
  if (!request.document.empty()) finished(request.document, &stop);
  if (!failure) return failure.error();
  return result;
}

void CompletionService::supersede(const std::string& document, std::atomic<bool>* stop) {
  std::lock_guard lock(mutex_);
  Running& running = running_[document];
  if (running.request != nullptr) running.request->store(true);
  if (running.generation != nullptr) running.generation->store(true);
  running = Running{.request = stop, .generation = nullptr};
}

void CompletionService::track(const std::string& document, std::atomic<bool>* stop,
                              std::atomic<bool>* generation) {
  std::lock_guard lock(mutex_);
  auto it = running_.find(document);
  if (it != running_.end() && it->second.request == stop) {
    it->second.generation = generation;
  } else if (generation != nullptr) {
    generation->store(true);  // superseded before this generation began
  }
}

void CompletionService::finished(const std::string& document, std::atomic<bool>* stop) {
  std::lock_guard lock(mutex_);
  auto it = running_.find(document);
  if (it != running_.end() && it->second.request == stop) running_.erase(it);
}

}  // namespace ward::assist
