#include "infer/model/generate.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <string>
#include <vector>

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

// Streams `text` to the callback and the result.
void emit(GenerateResult& result, const TextCallback& on_text, std::string_view text) {
  if (text.empty()) return;
  result.text += text;
  if (on_text) on_text(text);
}

// A copy of `logits` in which only tokens whose text agrees with `forced` (is a prefix of it or
// begins with it) keep their value. Tokens with no text (control, unused) are never allowed.
std::vector<float> consistent_with(std::span<const float> logits, std::string_view forced,
                                   const tokenizer::Tokenizer& vocabulary) {
  std::vector<float> masked(logits.size(), -std::numeric_limits<float>::infinity());
  for (size_t id = 0; id < logits.size(); ++id) {
    auto piece = vocabulary.token_to_piece(static_cast<tokenizer::TokenId>(id));
    if (!piece || piece->empty()) continue;
    if (forced.starts_with(*piece) || piece->starts_with(forced)) masked[id] = logits[id];
  }
  return masked;
}

// The part of `piece` after what is left of the forced prefix, which it consumes.
std::string_view after_forced(std::string_view piece, std::string& forced) {
  const size_t consumed = std::min(piece.size(), forced.size());
  forced.erase(0, consumed);
  return piece.substr(consumed);
}

}  // namespace

core::Result<GenerateResult> generate(Session& session, std::span<const tokenizer::TokenId> prompt,
                                      const GenerateOptions& options, const TextCallback& on_text,
                                      const std::atomic<bool>* cancel) {
  if (auto status = options.limits.validate(); !status) return status.error();
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
  std::string forced = options.forced_prefix;
  while (result.stop_reason == StopReason::kNone) {
    auto token = forced.empty() ? sampler->sample(*logits)
                                : sampler->sample(consistent_with(*logits, forced, vocabulary));
    if (!token) return token.error();
    sampler->accept(*token);
    const bool end = vocabulary.is_end_of_generation(*token);
    if (!end) {
      result.tokens.push_back(*token);
      auto piece = vocabulary.token_to_piece(*token);
      const auto out = stop->push(after_forced(piece ? *piece : std::string_view(), forced));
      emit(result, on_text, out.text);
      if (out.stop_hit) result.stop_reason = StopReason::kStopString;
    }
    if (result.stop_reason != StopReason::kNone) break;
    result.stop_reason = policy.check(static_cast<int32_t>(result.tokens.size()), end, Clock::now(),
                                      cancel != nullptr && cancel->load(std::memory_order_relaxed));
    if (result.stop_reason != StopReason::kNone) break;
    if (static_cast<int32_t>(session.tokens().size()) >= session.context_size()) {
      result.stop_reason = StopReason::kMaxTokens;  // the context is full
      break;
    }
    logits = session.append(*token, cancel);
    if (!logits) {
      if (!is_cancelled(logits.error())) return logits.error();
      result.stop_reason = StopReason::kCancelled;
    }
  }
  if (result.stop_reason != StopReason::kStopString) emit(result, on_text, stop->finish());
  result.generation_seconds = seconds_since(start);
  return result;
}

}  // namespace ward::infer::model
