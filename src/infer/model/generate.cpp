#include "infer/model/generate.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "infer/model/forced_text.h"
#include "infer/model/line_search.h"

namespace ward::infer::model {
namespace {

using Clock = std::chrono::steady_clock;
using sampling::StopReason;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

bool is_cancelled(const core::Error& error) {
  return error.code() == core::Code::kCancelled;
}

// A line search replaces greedy decoding's choices, so it needs greedy decoding.
core::Status check_line_beams(const GenerateOptions& options) {
  if (options.line_beams < 1 || options.line_beams > Session::kMaxBranches) {
    return core::Error(
        core::Code::kInvalidArgument, "line_beams",
        fmt::format("must be between 1 and {}, got {}", Session::kMaxBranches, options.line_beams));
  }
  const auto& sampler = options.sampler;
  if (options.line_beams > 1 &&
      (sampler.temperature != 0 || (sampler.repeat_penalty != 1.0f && sampler.repeat_last_n > 0))) {
    return core::Error(core::Code::kInvalidArgument, "line_beams",
                       "a line search replaces greedy decoding: it needs temperature 0 and no "
                       "repeat penalty (or line_beams 1)");
  }
  return core::ok_status();
}

// Streams `text` to the callback and the result.
void emit(GenerateResult& result, const TextCallback& on_text, std::string_view text) {
  if (text.empty()) return;
  result.text += text;
  if (on_text) on_text(text);
}

// The first line by beam search (GenerateOptions::line_beams), then evaluated after the prompt
// so that generation goes on from its end: returns the line's tokens, and `logits` then follows
// them (unless the line ends the generation).
core::Result<std::vector<tokenizer::TokenId>> search_first_line(
    Session& session, std::span<const tokenizer::TokenId> prompt, const GenerateOptions& options,
    const ForcedText& forced, const sampling::StopPolicy& policy, std::span<const float>& logits,
    const std::atomic<bool>* cancel) {
  auto line = search_line(
      session, logits,
      {.width = options.line_beams,
       .max_tokens = options.limits.max_tokens,
       .forced = forced,
       .out_of_time =
           [&] { return policy.check(0, false, Clock::now(), false) != StopReason::kNone; },
       .rules = options.first_line},
      cancel);
  if (!line) return line.error();
  const tokenizer::Tokenizer& vocabulary = session.model().tokenizer();
  if (line->empty() || vocabulary.is_end_of_generation(line->back())) return line;
  std::vector<tokenizer::TokenId> both(prompt.begin(), prompt.end());
  both.insert(both.end(), line->begin(), line->end());
  auto after = session.evaluate(both, cancel);
  if (!after) return after.error();
  logits = *after;
  return line;
}

}  // namespace

core::Result<GenerateResult> generate(Session& session, std::span<const tokenizer::TokenId> prompt,
                                      const GenerateOptions& options, const TextCallback& on_text,
                                      const std::atomic<bool>* cancel) {
  if (auto status = options.limits.validate(); !status) return status.error();
  if (auto status = check_line_beams(options); !status) return status.error();
  auto sampler = sampling::Sampler::create(options.sampler);
  if (!sampler) return sampler.error();
  auto stop = sampling::StopMatcher::create(options.stop_strings);
  if (!stop) return stop.error();
  const tokenizer::Tokenizer& vocabulary = session.model().tokenizer();

  GenerateResult result;
  result.prompt_tokens = static_cast<int32_t>(prompt.size());
  const auto prompt_start = Clock::now();
  auto logits = session.evaluate(prompt, cancel);
  result.reused_tokens = session.reused_tokens();
  result.prompt_seconds = seconds_since(prompt_start);
  if (!logits) {
    if (!is_cancelled(logits.error())) return logits.error();
    result.stop_reason = StopReason::kCancelled;
    return result;
  }
  for (tokenizer::TokenId token : prompt) sampler->accept(token);

  const auto start = Clock::now();
  const sampling::StopPolicy policy(options.limits, start);
  ForcedText forced(options.forced_prefix);
  std::span<const float> next_logits = *logits;
  std::vector<tokenizer::TokenId> line;  // chosen by the line search, already evaluated
  if (options.line_beams > 1) {
    auto searched =
        search_first_line(session, prompt, options, forced, policy, next_logits, cancel);
    if (!searched) {
      if (!is_cancelled(searched.error())) return searched.error();
      result.stop_reason = StopReason::kCancelled;
    } else {
      line = std::move(*searched);
    }
  }
  size_t replayed = 0;
  while (result.stop_reason == StopReason::kNone) {
    const bool planned = replayed < line.size();
    auto token = planned           ? core::Result<tokenizer::TokenId>(line[replayed++])
                 : forced.active() ? sampler->sample(forced.mask(next_logits, vocabulary))
                                   : sampler->sample(next_logits);
    if (!token) return token.error();
    sampler->accept(*token);
    const bool end = vocabulary.is_end_of_generation(*token);
    if (!end) {
      result.tokens.push_back(*token);
      auto piece = vocabulary.token_to_piece(*token);
      const auto out = stop->push(forced.consume(piece ? *piece : std::string_view()));
      emit(result, on_text, out.text);
      if (out.stop_hit) result.stop_reason = StopReason::kStopString;
    }
    if (result.stop_reason != StopReason::kNone) break;
    result.stop_reason = policy.check(static_cast<int32_t>(result.tokens.size()), end, Clock::now(),
                                      cancel != nullptr && cancel->load(std::memory_order_relaxed));
    if (result.stop_reason != StopReason::kNone) break;
    if (planned) continue;
    if (static_cast<int32_t>(session.tokens().size()) >= session.context_size()) {
      result.stop_reason = StopReason::kMaxTokens;  // the context is full
      break;
    }
    auto appended = session.append(*token, cancel);
    if (!appended) {
      if (!is_cancelled(appended.error())) return appended.error();
      result.stop_reason = StopReason::kCancelled;
    } else {
      next_logits = *appended;
    }
  }
  if (result.stop_reason != StopReason::kStopString) emit(result, on_text, stop->finish());
  result.generation_seconds = seconds_since(start);
  return result;
}

}  // namespace ward::infer::model
