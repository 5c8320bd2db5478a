#pragma once
// Scoring text with a model: how well the model predicts each token of a text, summed as negative
// log-likelihood in nats, from which perplexity and bits per byte follow (`ward model perplexity`,
// in the manner of llama.cpp's perplexity tool but per text and with every token scored).
//
// A text is cut into chunks of at most chunk_size tokens, and every chunk starts afresh: its first
// token is context only, and each later token is scored by -ln softmax(logits)[token] with the
// logits after the tokens before it in the chunk. When the vocabulary adds a BOS token, each chunk
// is BOS followed by chunk_size - 1 text tokens, so every text token is scored. When it does not,
// each chunk after the first starts with the last text token of the chunk before (as context), so
// every text token but the text's first is scored, and the bytes of that first token are not
// counted either.
//
// Bytes: bits per byte is over the bytes of the text the scored tokens stand for. A whole text
// counts all its bytes, valid UTF-8 or not (the tokenizer scores invalid bytes as it reads them:
// byte tokens for SentencePiece, U+FFFD for byte-level BPE, as llama.cpp does). A text cut after
// its first max_tokens tokens counts the bytes those tokens detokenise to, which must be a prefix
// of the text; where it is not (invalid UTF-8 that BPE replaced, or a byte the vocabulary has no
// token for, which BPE drops), the count would be a guess, so text_tokens() refuses it. (The same
// holds for the first token of a text without BOS, whose bytes are not counted.)
//
// Threads: runs on the calling thread, which drives the session's pool; one scoring per Session
// at a time.

#include <atomic>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "infer/model/session.h"
#include "infer/tokenizer/tokenizer.h"

namespace ward::infer::model {

// The tokens of a text as scoring sees them.
struct TextTokens {
  std::vector<tokenizer::TokenId> tokens;  // the text's tokens (no BOS, no EOS), maybe cut short
  uint64_t scored_bytes = 0;  // the bytes of text that the scored ones among them stand for
};

// Tokenises `text` as plain text (the texts of control tokens are not read as those tokens) and
// keeps its first `max_tokens` tokens (0: all). Errors (kInvalidArgument, `where` "text"): a
// negative max_tokens; a text over tokenizer::kMaxTextBytes; a text with no token to score
// (empty, or a single token when the vocabulary adds no BOS); kept tokens that do not
// detokenise to a prefix of the text, or scored ones that stand for no byte of it.
core::Result<TextTokens> text_tokens(const tokenizer::Tokenizer& tokenizer, std::string_view text,
                                     int64_t max_tokens = 0);

struct ScoreOptions {
  int32_t chunk_size = 0;  // tokens per chunk, its first (BOS) included; 0: the session's context
  const std::atomic<bool>* cancel = nullptr;  // checked by the session between tokens
};

// Totals over scored tokens; they add up over texts with +=.
struct TextScore {
  int64_t tokens = 0;  // tokens scored
  uint64_t bytes = 0;  // bytes of text they stand for (0 from score_tokens)
  double nats = 0;     // the sum of -ln p(token | the tokens before it in its chunk)

  TextScore& operator+=(const TextScore& other);
  double nats_per_token() const;
  double bits_per_token() const;
  double bits_per_byte() const;
  double perplexity() const;  // exp(nats per token)
};

// Scores `tokens` (a text's tokens, without BOS) chunk by chunk as described above, through
// Session::evaluate for each chunk's first token and Session::append for the rest; the session's
// cache is overwritten. Errors (kInvalidArgument): a chunk size below 2 or above the session's
// context, a token outside the vocabulary (naming its position), no token to score; the
// session's errors (kCancelled when *cancel becomes true).
core::Result<TextScore> score_tokens(Session& session, std::span<const tokenizer::TokenId> tokens,
                                     const ScoreOptions& options = {});

// score_tokens() over text.tokens, with the bytes they stand for.
core::Result<TextScore> score_text(Session& session, const TextTokens& text,
                                   const ScoreOptions& options = {});

}  // namespace ward::infer::model
