#pragma once
// A tokenizer's vocabulary as a GGUF file stores it under the `tokenizer.ggml.*` keys: the token
// texts, scores and types, the BPE merges, the special token ids and the BOS/EOS flags. This is
// the plain, owning input of Tokenizer::create(); read_vocabulary() fills it from an open
// gguf::File (copying every string, so it outlives the file), and tests fill it by hand.
// Nothing here is checked: Tokenizer::create() validates it and names the key at fault.
// A plain value type; thread-safe as values are.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace ward::infer::gguf {
class File;
}

namespace ward::infer::tokenizer {

// Token types, as `tokenizer.ggml.token_type` numbers them.
enum class TokenType : int32_t {
  kUndefined = 0,
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6,
};

// The optional special token ids (each key is tokenizer.ggml.<name>_token_id). Absent ids take
// the model's defaults in Tokenizer::create().
struct SpecialTokenIds {
  std::optional<int64_t> bos;      // bos_token_id
  std::optional<int64_t> eos;      // eos_token_id
  std::optional<int64_t> unknown;  // unknown_token_id
  std::optional<int64_t> sep;      // seperator_token_id (sic, as GGUF spells it)
  std::optional<int64_t> pad;      // padding_token_id
  std::optional<int64_t> mask;     // mask_token_id
  std::optional<int64_t> eot;      // eot_token_id: end of turn
  std::optional<int64_t> eom;      // eom_token_id: end of message
  std::optional<int64_t> fim_pre;  // fim_pre_token_id (or the older prefix_token_id)
  std::optional<int64_t> fim_suf;  // fim_suf_token_id (or suffix_token_id)
  std::optional<int64_t> fim_mid;  // fim_mid_token_id (or middle_token_id)
  std::optional<int64_t> fim_pad;  // fim_pad_token_id
  std::optional<int64_t> fim_rep;  // fim_rep_token_id: repository name
  std::optional<int64_t> fim_sep;  // fim_sep_token_id: file separator
};

struct Vocabulary {
  std::string model;                 // tokenizer.ggml.model: "llama" (SPM) or "gpt2" (BPE)
  std::string pre;                   // tokenizer.ggml.pre; empty when absent (BPE: "default")
  std::string name;                  // general.name; Phi-3 models strip spaces after specials
  std::vector<std::string> tokens;   // tokenizer.ggml.tokens: id -> text
  std::vector<float> scores;         // tokenizer.ggml.scores: empty or one per token
  std::vector<int32_t> token_types;  // tokenizer.ggml.token_type: empty (all normal) or one each
  std::vector<std::string> merges;   // tokenizer.ggml.merges: "left right", best first (BPE)
  SpecialTokenIds ids;
  std::optional<bool> add_bos;           // tokenizer.ggml.add_bos_token
  std::optional<bool> add_eos;           // tokenizer.ggml.add_eos_token
  std::optional<bool> add_space_prefix;  // tokenizer.ggml.add_space_prefix
};

// Copies the tokenizer keys out of `file`. Fails (kInvalidArgument, naming the key) when a
// required key (tokenizer.ggml.model, tokenizer.ggml.tokens) is missing or a key holds a value of
// the wrong type.
core::Result<Vocabulary> read_vocabulary(const gguf::File& file);

}  // namespace ward::infer::tokenizer
