#include "infer/model/score.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <optional>

namespace ward::infer::model {
namespace {

using core::Code;
using core::Error;
using tokenizer::TokenId;
using tokenizer::Tokenizer;

Error invalid_text(std::string message) {
  return Error(Code::kInvalidArgument, "text", std::move(message));
}

Error invalid_scoring(std::string message) {
  return Error(Code::kInvalidArgument, "inference", std::move(message));
}

// The index of a text's first scored token: with BOS as every chunk's context, the first text
// token already has logits before it; without, it can only be context.
size_t first_scored_token(const Tokenizer& tokenizer) {
  return tokenizer.special_tokens().add_bos ? 0 : 1;
}

// Why a text has no token to score when it keeps no more than first_scored_token() (at most 1)
// of its `all_tokens`.
Error nothing_to_score(std::string_view text, size_t all_tokens) {
  if (text.empty()) return invalid_text("the text is empty; there is nothing to score");
  if (all_tokens == 0) {
    return invalid_text(
        "the text gives no tokens (the vocabulary has no token for its bytes); there is nothing "
        "to score");
  }
  return invalid_text(
      "a single token leaves nothing to score: the model adds no BOS token, so a text's first "
      "token is context only; give a longer text or keep more tokens");
}

// The bytes of `text` that `prefix`, the first tokens of its `all_tokens`, stand for; nullopt
// where they do not detokenise to a prefix of it.
std::optional<uint64_t> covered_bytes(const Tokenizer& tokenizer, std::string_view text,
                                      std::span<const TokenId> prefix, size_t all_tokens) {
  // All of the text, whatever the tokenizer made of bytes that are not valid UTF-8.
  if (prefix.size() == all_tokens) return text.size();
  auto piece = tokenizer.detokenize(prefix);  // fails only for ids outside the vocabulary
  if (!piece || !text.starts_with(*piece)) return std::nullopt;
  return piece->size();
}

// Why covered_bytes() had no answer for the first `count` of `all_tokens`: they are the kept
// ones of a cut text, or the context-only first token of a text scored whole.
Error uncountable_bytes(size_t count, size_t all_tokens, bool cut) {
  return invalid_text(fmt::format(
      "the text's first {} of {} tokens do not detokenise to a prefix of it (the tokenizer "
      "replaced or dropped bytes: invalid UTF-8, or characters the vocabulary cannot spell), so "
      "the bytes scored cannot be counted; {}",
      count, all_tokens, cut ? "score all of the text or fix its encoding" : "fix its encoding"));
}

// -ln softmax(logits)[token], in double with the largest logit subtracted so that no exp()
// overflows.
double negative_log_likelihood(std::span<const float> logits, TokenId token) {
  const double largest = *std::max_element(logits.begin(), logits.end());
  double sum = 0;
  for (const float logit : logits) sum += std::exp(static_cast<double>(logit) - largest);
  return std::log(sum) - (static_cast<double>(logits[static_cast<size_t>(token)]) - largest);
}

// The sum of -ln p for each of `scored`, after `context` and the scored tokens before it. The
// session's cache then holds the chunk but its last token (whose logits are never needed).
core::Result<double> score_chunk(Session& session, TokenId context, std::span<const TokenId> scored,
                                 const std::atomic<bool>* cancel) {
  const TokenId first[] = {context};
  auto logits = session.evaluate(first, cancel);
  double nats = 0;
  for (size_t i = 0; i < scored.size(); ++i) {
    if (!logits) return logits.error();
    nats += negative_log_likelihood(*logits, scored[i]);
    if (i + 1 < scored.size()) logits = session.append(scored[i], cancel);
  }
  return nats;
}

core::Status check_chunk_size(int32_t chunk_size, const Session& session) {
  if (chunk_size < 2) {
    return invalid_scoring(fmt::format(
        "a chunk of {} tokens leaves none to score; give at least 2 (one as context)", chunk_size));
  }
  if (chunk_size > session.context_size()) {
    return invalid_scoring(fmt::format(
        "a chunk of {} tokens does not fit the session's context of {}; give a smaller chunk "
        "or a larger context",
        chunk_size, session.context_size()));
  }
  return core::ok_status();
}

// Session::evaluate and append check the ids they take, but a chunk's last token is never
// evaluated, only looked up in the logits.
core::Status check_vocabulary(std::span<const TokenId> tokens, int32_t vocab_size) {
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i] < 0 || tokens[i] >= vocab_size) {
      return invalid_scoring(fmt::format("token {} (id {}) is outside the vocabulary of {} tokens",
                                         i, tokens[i], vocab_size));
    }
  }
  return core::ok_status();
}

}  // namespace

core::Result<TextTokens> text_tokens(const Tokenizer& tokenizer, std::string_view text,
                                     int64_t max_tokens) {
  if (max_tokens < 0) {
    return invalid_text(
        fmt::format("max tokens {} is negative; give 0 to score the whole text", max_tokens));
  }
  if (text.size() > tokenizer::kMaxTextBytes) {
    return invalid_text(
        fmt::format("the text is larger than the tokenizer's limit of {} MiB; split it",
                    tokenizer::kMaxTextBytes >> 20));
  }
  TextTokens result;
  result.tokens = tokenizer.tokenize(text, /*add_special=*/false, /*parse_special=*/false);
  const size_t all_tokens = result.tokens.size();
  if (max_tokens > 0 && static_cast<uint64_t>(max_tokens) < all_tokens) {
    result.tokens.resize(static_cast<size_t>(max_tokens));
  }
  const size_t first_scored = first_scored_token(tokenizer);
  const std::span<const TokenId> kept = result.tokens;
  if (kept.size() <= first_scored) return nothing_to_score(text, all_tokens);
  const bool cut = kept.size() < all_tokens;
  const auto kept_bytes = covered_bytes(tokenizer, text, kept, all_tokens);
  if (!kept_bytes) return uncountable_bytes(kept.size(), all_tokens, cut);
  const auto context_bytes = covered_bytes(tokenizer, text, kept.first(first_scored), all_tokens);
  if (!context_bytes) return uncountable_bytes(first_scored, all_tokens, cut);
  result.scored_bytes = *kept_bytes - *context_bytes;
  // A bits-per-byte figure needs bytes: the kept tokens can be no more than the space that
  // SentencePiece puts before a text.
  if (result.scored_bytes == 0) {
    return invalid_text(fmt::format(
        "the text's first {} of {} tokens stand for no byte of it (only for the space the "
        "tokenizer put before it); keep more tokens",
        kept.size(), all_tokens));
  }
  return result;
}

TextScore& TextScore::operator+=(const TextScore& other) {
  tokens += other.tokens;
  bytes += other.bytes;
  nats += other.nats;
  return *this;
}

double TextScore::nats_per_token() const {
  return tokens > 0 ? nats / static_cast<double>(tokens) : 0.0;
}

double TextScore::bits_per_token() const {
  return nats_per_token() / std::numbers::ln2;
}

double TextScore::bits_per_byte() const {
  return bytes > 0 ? nats / std::numbers::ln2 / static_cast<double>(bytes) : 0.0;
}

double TextScore::perplexity() const {
  return std::exp(nats_per_token());
}

core::Result<TextScore> score_tokens(Session& session, std::span<const TokenId> tokens,
                                     const ScoreOptions& options) {
  const int32_t chunk_size = options.chunk_size > 0 ? options.chunk_size : session.context_size();
  if (auto status = check_chunk_size(chunk_size, session); !status) return status.error();
  if (auto status = check_vocabulary(tokens, session.model().vocab_size()); !status) {
    return status.error();
  }
  const Tokenizer& tokenizer = session.model().tokenizer();
  const size_t first_scored = first_scored_token(tokenizer);
  if (tokens.size() <= first_scored) {
    return invalid_scoring("there is no token to score; give a longer text");
  }
  const auto scored_per_chunk = static_cast<size_t>(chunk_size - 1);
  TextScore score;
  for (size_t begin = first_scored; begin < tokens.size(); begin += scored_per_chunk) {
    const size_t count = std::min(scored_per_chunk, tokens.size() - begin);
    const TokenId context = first_scored == 0 ? tokenizer.special_tokens().bos : tokens[begin - 1];
    auto nats = score_chunk(session, context, tokens.subspan(begin, count), options.cancel);
    if (!nats) return nats.error();
    score.nats += *nats;
    score.tokens += static_cast<int64_t>(count);
  }
  return score;
}

core::Result<TextScore> score_text(Session& session, const TextTokens& text,
                                   const ScoreOptions& options) {
  auto score = score_tokens(session, text.tokens, options);
  if (!score) return score.error();
  score->bytes = text.scored_bytes;
  return score;
}

}  // namespace ward::infer::model
