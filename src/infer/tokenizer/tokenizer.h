#pragma once
// The tokenizer of a GGUF language model: text to token ids and back, exactly as llama.cpp does
// it for the same vocabulary (Ward's engine must feed a model the ids it was trained on).
//
// Two algorithms, chosen by tokenizer.ggml.model:
//  - "llama": SentencePiece-style (SPM). Spaces become "▁" (U+2581), a space is put in front of
//    the text (tokenizer.ggml.add_space_prefix, default on), then adjacent pieces are merged
//    best score first while the merged text is a token; what stays unknown is spelled with the
//    byte tokens <0xXX>.
//  - "gpt2": byte-level BPE. A pre-tokenizer (tokenizer.ggml.pre, see pre_tokenizer.h) cuts the
//    text into words; each word's UTF-8 bytes are mapped to GPT-2's printable byte alphabet and
//    merged by the ranked tokenizer.ggml.merges, lowest rank first.
//
// Special tokens (control, user-defined, unknown) are matched in the text before either algorithm
// runs, longest text first. With parse_special = false control and unknown tokens are plain
// text, but user-defined tokens are still matched, as upstream (and the reference HF tokenizers)
// do: a vocabulary's user-defined tokens always tokenize to themselves.
//
// Invalid UTF-8 input never fails. SPM passes bytes through as byte tokens, so they come back
// from detokenize() unchanged, except a space inside the span of a broken multi-byte sequence:
// SentencePiece has turned it into "▁" before cutting characters, so it comes back as that
// character's bytes. BPE first replaces each byte that does not start a well-formed sequence
// with U+FFFD, as llama.cpp does, so such bytes come back as U+FFFD. A byte that a BPE vocabulary
// has no token for is dropped, as upstream (StarCoder's lacks F1, used only by the unassigned
// planes 4 to 7). detokenize() does not "clean up" spaces before punctuation as llama.cpp's
// llama_detokenize does for some BPE vocabularies, so that valid text always round-trips.
//
// tokenize() reads at most kMaxTextBytes (512 MiB) of a text and ignores the rest, which keeps
// every internal index within 32 bits; callers bound request sizes far below that.
//
// A Tokenizer owns all its data (it outlives the gguf::File it was read from) and is immutable
// after creation: copies share the data, and any number of threads may call its const methods
// concurrently.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "infer/tokenizer/pre_tokenizer.h"
#include "infer/tokenizer/vocabulary.h"

namespace ward::infer::gguf {
class File;
}

namespace ward::infer::tokenizer {

using TokenId = int32_t;
inline constexpr TokenId kNoToken = -1;
inline constexpr size_t kMaxTextBytes = size_t{1} << 29;

enum class TokenizerModel {
  kSpm,  // tokenizer.ggml.model = "llama"
  kBpe,  // tokenizer.ggml.model = "gpt2"
};

// The special tokens of a vocabulary after defaults and detection (kNoToken where there is none).
struct SpecialTokens {
  TokenId bos = kNoToken;
  TokenId eos = kNoToken;
  TokenId unknown = kNoToken;
  TokenId sep = kNoToken;
  TokenId pad = kNoToken;
  TokenId mask = kNoToken;
  TokenId eot = kNoToken;      // end of turn, e.g. <|eot_id|>, <|im_end|>
  TokenId eom = kNoToken;      // end of message, <|eom_id|>
  TokenId fim_pre = kNoToken;  // fill-in-the-middle: prefix, e.g. <fim_prefix>, <|fim_prefix|>
  TokenId fim_suf = kNoToken;  // suffix
  TokenId fim_mid = kNoToken;  // middle (where generation starts)
  TokenId fim_pad = kNoToken;
  TokenId fim_rep = kNoToken;     // repository name
  TokenId fim_sep = kNoToken;     // file separator
  bool add_bos = false;           // tokenize(add_special = true) puts BOS first
  bool add_eos = false;           // ... and EOS last
  bool add_space_prefix = false;  // SPM puts a space before the text; detokenize removes it
};

struct DetokenizeOptions {
  // Drop a leading BOS and a trailing EOS when the vocabulary adds them.
  bool remove_special = false;
  // Render control and unknown tokens as their text ("<|im_end|>") instead of nothing.
  bool unparse_special = false;
};

class Tokenizer {
 public:
  // Validates `vocabulary` and builds the lookup tables. Errors (kInvalidArgument) name the key
  // at fault: an unknown tokenizer.ggml.model or tokenizer.ggml.pre, an empty token list, scores
  // or types whose count differs from the tokens', a token type outside 0..6, a merge that is not
  // two tokens separated by a space, a special token id outside the vocabulary, add_bos_token or
  // add_eos_token set with no such token.
  //
  // Defaults, as upstream, where the vocabulary does not say:
  //  - SPM: BOS 1, EOS 2, unknown 0, add_bos on, add_eos off, add_space_prefix on.
  //  - BPE: BOS and EOS 11, no unknown token, add_bos on only for the Llama 3 pre-tokenizers,
  //    add_eos off, no space prefix.
  //  - EOT, EOM and FIM tokens absent from the metadata are found by their text (<|eot_id|>,
  //    <|im_end|>, <fim_prefix>, <｜fim▁begin｜>, ▁<PRE> ...); a token found this way, and every
  //    end-of-generation token found by text, becomes a control token. The lists, and the
  //    exceptions upstream makes to them (<|end|> next to <|return|>/<|call|> is a user-defined
  //    separator; </s> next to <|tool_response>, as in Gemma 4, is text), are those of llama.cpp
  //    as node-llama-cpp 3.21.1 ships it, checked against that build.
  //  - Phi-3 models (general.name holding "phi-3" or "phi3") drop the white space after their
  //    special tokens (all but <unk>, <s> and <|endoftext|>) when those are matched in text.
  static core::Result<Tokenizer> create(Vocabulary vocabulary);

  // read_vocabulary(file) then create(); errors name the key (and the file's path in `where`
  // when reading fails).
  static core::Result<Tokenizer> from_gguf(const gguf::File& file);

  // The ids of `text`. add_special adds BOS/EOS as the vocabulary's add_bos/add_eos say;
  // parse_special turns the texts of control and unknown tokens into those tokens (user-defined
  // tokens are matched either way, see above). Never fails; an empty text gives no tokens (only
  // BOS/EOS when asked for). Reads at most kMaxTextBytes of `text`.
  std::vector<TokenId> tokenize(std::string_view text, bool add_special,
                                bool parse_special = false) const;

  // The text one token stands for: byte-level BPE tokens decoded to their bytes, SPM's "▁" as a
  // space, a byte token <0xXX> as that byte (so a piece may be part of a UTF-8 sequence).
  // Control and unknown tokens give "" unless `special`, then their text; user-defined tokens
  // always give their text; unused tokens give "". The view lives as long as this Tokenizer's
  // data. Fails (kInvalidArgument) for an id outside the vocabulary.
  core::Result<std::string_view> token_to_piece(TokenId id, bool special = false) const;

  // The pieces of `ids` joined. When the vocabulary adds a space prefix, one leading space of
  // the first piece is removed (unless remove_special dropped a BOS first, as upstream), so
  // detokenize(tokenize(text, false)) == text for valid UTF-8. Fails (kInvalidArgument, naming
  // the position) when an id is outside the vocabulary.
  core::Result<std::string> detokenize(std::span<const TokenId> ids,
                                       DetokenizeOptions options = {}) const;

  int32_t vocab_size() const;
  TokenizerModel model() const;
  // The pre-tokenizer's split rules (BPE; kDefault for SPM, which has none).
  PreTokenizer pre_tokenizer() const;
  const SpecialTokens& special_tokens() const;

  // The token whose vocabulary text is exactly `text` ("<|im_end|>", "▁Hello", "Ġworld"), if any.
  std::optional<TokenId> find_token(std::string_view text) const;
  // A token's text as the vocabulary stores it, and its type (after detection made some tokens
  // control tokens). Fail (kInvalidArgument) for an id outside the vocabulary.
  core::Result<std::string_view> token_text(TokenId id) const;
  core::Result<TokenType> token_type(TokenId id) const;
  // True for tokens that end generation: EOS, EOT, EOM, the FIM pad/repo/separator tokens, and
  // tokens with the text of a known end marker (<|eot_id|>, <|im_end|>, <|endoftext|>, </s>,
  // <end_of_turn>, ...; see create()).
  bool is_end_of_generation(TokenId id) const;

  struct Data;  // the immutable tables, shared by copies

 private:
  explicit Tokenizer(std::shared_ptr<const Data> data) : data_(std::move(data)) {}
  std::shared_ptr<const Data> data_;
};

}  // namespace ward::infer::tokenizer
