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

bool is_space_or_tab(char c) {
  return c == ' ' || c == '\t';
}

// Token healing's constraint on the first generated tokens (GenerateOptions::forced_prefix): each
// token's text must agree with what is left of the forced text, being a prefix of it or beginning
// with it. Forced text that ends in spaces is the indentation an editor put before the cursor:
// the suggestion starts after it, so no token may indent further, also just after it.
class ForcedText {
 public:
  explicit ForcedText(std::string text)
      : rest_(std::move(text)), indentation_(!rest_.empty() && is_space_or_tab(rest_.back())) {}

  bool active() const { return !rest_.empty() || indentation_; }

  // A copy of `logits` in which only the tokens allowed next keep their value. Tokens with no
  // text (control, unused) are never allowed.
  std::vector<float> mask(std::span<const float> logits,
                          const tokenizer::Tokenizer& vocabulary) const {
    std::vector<float> masked(logits.size(), -std::numeric_limits<float>::infinity());
    for (size_t id = 0; id < logits.size(); ++id) {
      auto piece = vocabulary.token_to_piece(static_cast<tokenizer::TokenId>(id));
      if (piece && !piece->empty() && allows(*piece)) masked[id] = logits[id];
    }
    return masked;
  }

  // The part of a generated token's text after the forced text, which it consumes.
  std::string_view consume(std::string_view piece) {
    const size_t consumed = std::min(piece.size(), rest_.size());
    rest_.erase(0, consumed);
    if (consumed < piece.size()) indentation_ = false;  // text followed the indentation
    return piece.substr(consumed);
  }

 private:
  bool allows(std::string_view piece) const {
    if (!rest_.empty() && std::string_view(rest_).starts_with(piece)) return true;
    if (!piece.starts_with(rest_)) return false;
    return !(indentation_ && piece.size() > rest_.size() && is_space_or_tab(piece[rest_.size()]));
  }

  std::string rest_;
  bool indentation_;  // the forced text ends in indentation not yet followed by other text
};

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
  ForcedText forced(options.forced_prefix);
  while (result.stop_reason == StopReason::kNone) {
    auto token = forced.active() ? sampler->sample(forced.mask(*logits, vocabulary))
                                 : sampler->sample(*logits);
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
