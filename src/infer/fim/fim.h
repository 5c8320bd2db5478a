#pragma once
// Fill-in-the-middle prompts: the token sequence that asks a code model for the text between a
// prefix (the code before the cursor) and a suffix (the code after it), in the layout the model
// was trained on. Six layouts:
//
//  - Qwen2.5-Coder ("qwen"):  <|fim_prefix|>P<|fim_suffix|>S<|fim_middle|>
//    with repository context: <|repo_name|>NAME\n <|file_sep|>PATH\nCONTENT\n ...
//    <|file_sep|>PATH\n <|fim_prefix|>P<|fim_suffix|>S<|fim_middle|>   (Qwen's documented layout)
//  - StarCoder2 ("starcoder"): <fim_prefix>P<fim_suffix>S<fim_middle>, repository context as
//    above with <repo_name> and <file_sep> (StarCoder2's training layout, which Qwen took over).
//  - StarCoder suffix first ("starcoder-spm"): <fim_prefix><fim_suffix>S<fim_middle>P, the
//    suffix-prefix-middle order StarCoder and Megatron also train on, with the same markers and
//    repository context: the middle follows the prefix as in left-to-right text. Never detected
//    from the vocabulary (it is StarCoder's either way): named in ward.toml or in the model
//    file (kFormatMetadataKey), as Ward's starter model does.
//  - CodeLlama ("codellama"): BOS ▁<PRE> P ▁<SUF> S ▁<MID>, i.e. "<PRE> {prefix} <SUF>{suffix}
//    <MID>": the prefix gets SentencePiece's space prefix, the suffix none (Meta's reference
//    infilling code encodes the suffix without it), the spaces before <PRE>, <SUF> and <MID> are
//    the "▁" inside those tokens.
//  - DeepSeek-Coder ("deepseek"): BOS <｜fim▁begin｜>P<｜fim▁hole｜>S<｜fim▁end｜>
//  - Codestral ("codestral"): BOS [SUFFIX]S[PREFIX]P, suffix first; the model writes the middle
//    right after the prefix (Mistral's layout, no middle marker).
// BOS comes first wherever the vocabulary adds one (tokenizer.ggml.add_bos_token). Formats without
// file-separator tokens (CodeLlama, DeepSeek-Coder, Codestral) take no repository context: their
// related files and repository name are left out and Prompt says so.
//
// Marker tokens are inserted as ids, never by tokenizing their text; the user's text is tokenized
// with special-token parsing off, so code that contains "<|fim_prefix|>" stays text. (That holds
// because markers are control tokens: the tokenizer makes every FIM token it finds by text one, as
// llama.cpp does, and the vocabularies that name them in metadata mark them so.)
//
// The format is detected from the vocabulary: the texts of its FIM tokens (from the
// tokenizer.ggml.fim_*_token_id metadata or found by text, see tokenizer.h) and, for Codestral,
// the tokens [SUFFIX] and [PREFIX]; or named explicitly. A vocabulary without FIM tokens is an
// error that says so.
//
// Token budget: when the whole prompt would exceed `max_tokens`, text farthest from the cursor goes
// first: related files (whole files, from the last), then the prefix's first lines and the
// suffix's last lines. Of the tokens left after the markers, path and repository name, the suffix
// gets a quarter and the prefix the rest, except that when one needs less than its share the
// other gets the remainder. Cuts fall at line boundaries; only when not even the line at the
// cursor fits is it cut at a character boundary.
//
// Threads: a PromptBuilder is immutable after create() and shares the Tokenizer's immutable data;
// any number of threads may call build() concurrently.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "infer/tokenizer/tokenizer.h"

namespace ward::infer::fim {

using tokenizer::TokenId;

enum class Format { kQwen, kStarCoder, kStarCoderSpm, kCodeLlama, kDeepSeek, kCodestral };

// The metadata key in which a model file may name its format (a name parse_format() takes):
// for a model trained on a layout its vocabulary does not imply, such as Ward's starter model.
inline constexpr std::string_view kFormatMetadataKey = "ward.fim.format";

// "qwen", "starcoder", "starcoder-spm", "codellama", "deepseek", "codestral".
std::string_view format_name(Format format);
// The format of a name above (also accepted: "qwen2.5-coder", "starcoder2", "deepseek-coder");
// fails (kInvalidArgument, where = "fim format") for any other, listing the names.
core::Result<Format> parse_format(std::string_view name);

struct RelatedFile {
  std::string path;
  std::string content;
};

struct Request {
  std::string prefix;      // code before the cursor
  std::string suffix;      // code after the cursor
  std::string path;        // the file's path in the repository (optional)
  std::string repository;  // the repository's name (optional)
  // Other files for context, most relevant first (optional).
  std::vector<RelatedFile> related_files;
  // The most tokens the prompt may have (0 = no limit).
  int32_t max_tokens = 0;
  // Token healing: leave the prefix's last token out of the prompt and return its text as
  // Prompt::healed_text, for the generation to begin with (GenerateOptions::forced_prefix). A
  // cursor rarely sits at a token boundary of the file as a whole: after auto-indentation the
  // prefix ends in a newline and spaces that training only ever saw split as "newline and all
  // spaces but one" + "space and word". A whitespace run ending the prefix is therefore
  // re-tokenized as it would be before a word, the prompt ends in those tokens (the newline and
  // indentation after the middle marker, as the middle's start) and only the rest (typically one
  // space) is healed.
  bool heal_last_token = false;
};

struct Prompt {
  std::vector<TokenId> tokens;
  size_t prefix_bytes_dropped = 0;  // from the start of the prefix
  size_t suffix_bytes_dropped = 0;  // from the end of the suffix
  size_t related_files_used = 0;    // the first this many of Request::related_files
  bool repository_context = false;  // the repository layout was used
  std::string healed_text;          // with heal_last_token: the text left out of the prompt
};

class PromptBuilder {
 public:
  // Detects the format from the vocabulary, or takes `format` when given. Fails
  // (kInvalidArgument, where = "fim") when the vocabulary has no FIM tokens or lacks a token the
  // format needs, naming the token.
  static core::Result<PromptBuilder> create(const tokenizer::Tokenizer& tokenizer,
                                            std::optional<Format> format = std::nullopt);

  Format format() const { return format_; }

  // The prompt for `request`. Fails (kInvalidArgument, where = "fim") when max_tokens is negative
  // or too small for the markers, the path line and the repository name, saying how many those
  // need.
  core::Result<Prompt> build(const Request& request) const;

  // Whether `request` has a prefix and nothing after the cursor but whitespace. Its prompt is then
  // the file read left to right (the repository header and path line, then the prefix) with no FIM
  // markers: a code model trained with FIM on half its samples saw that layout far more often
  // than a middle with an empty suffix, which it reads as "the file ends here". On Ward's starter
  // model, next-line exact match on 150 held-out Python lines was 12% this way and 2.7% with
  // FIM markers around an empty suffix.
  static bool is_continuation(const Request& request);

  // The marker ids (kNoToken where the format has none).
  struct Markers {
    TokenId prefix = tokenizer::kNoToken;
    TokenId suffix = tokenizer::kNoToken;
    TokenId middle = tokenizer::kNoToken;
    TokenId repository = tokenizer::kNoToken;
    TokenId file_separator = tokenizer::kNoToken;
  };
  const Markers& markers() const { return markers_; }

 private:
  PromptBuilder(tokenizer::Tokenizer tokenizer, Format format, Markers markers)
      : tokenizer_(std::move(tokenizer)), format_(format), markers_(markers) {}

  std::vector<TokenId> prefix_tokens(std::string_view text) const;
  std::vector<TokenId> suffix_tokens(std::string_view text) const;
  // The tokens of `text` as they come after other text: without the space SentencePiece puts
  // before a text when the vocabulary adds a space prefix.
  std::vector<TokenId> inner_tokens(std::string_view text) const;
  std::vector<TokenId> repository_header(const Request& request) const;
  std::vector<TokenId> related_file_tokens(const RelatedFile& file) const;
  std::vector<TokenId> assemble(const Request& request, std::span<const TokenId> header,
                                std::span<const TokenId> prefix,
                                std::span<const TokenId> suffix) const;
  bool uses_repository_layout(const Request& request) const;
  // Removes the prefix's last token (and, when it is whitespace, the whitespace tokens before
  // it) and returns their text. A whitespace run is instead split as the vocabulary splits it
  // before a word: its tokens from the one holding its last newline on go to `middle` (after the
  // middle marker), those before it back to `prefix`, and only what the word's first token takes
  // is returned (see fim.cpp).
  std::string heal(std::vector<TokenId>& prefix, std::vector<TokenId>& middle) const;

  tokenizer::Tokenizer tokenizer_;
  Format format_;
  Markers markers_;
};

}  // namespace ward::infer::fim
