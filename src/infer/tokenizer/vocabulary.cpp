#include "infer/tokenizer/vocabulary.h"

#include <limits>
#include <string_view>
#include <utility>

#include "infer/gguf/gguf.h"

namespace ward::infer::tokenizer {

namespace {

core::Error missing(std::string_view key, std::string_view what) {
  return core::Error(core::Code::kInvalidArgument, std::string(key),
                     std::string("the model file has no ") + std::string(what) +
                         "; it is not a complete GGUF language model (re-convert it with a "
                         "current llama.cpp convert script)");
}

core::Status read_string(const gguf::File& file, std::string_view key, std::string& out) {
  const gguf::Value* value = file.find(key);
  if (value == nullptr) return core::ok_status();
  auto text = value->as_string();
  if (!text) return std::move(text).error();
  out.assign(*text);
  return core::ok_status();
}

core::Status read_strings(const gguf::File& file, std::string_view key,
                          std::vector<std::string>& out) {
  const gguf::Value* value = file.find(key);
  if (value == nullptr) return core::ok_status();
  auto views = value->as_strings();
  if (!views) return std::move(views).error();
  out.reserve(views->size());
  for (std::string_view view : *views) out.emplace_back(view);
  return core::ok_status();
}

core::Status read_id(const gguf::File& file, std::string_view key, std::optional<int64_t>& out) {
  const gguf::Value* value = file.find(key);
  if (value == nullptr) return core::ok_status();
  auto id = value->as_int();
  if (!id) return std::move(id).error();
  out = *id;
  return core::ok_status();
}

core::Status read_flag(const gguf::File& file, std::string_view key, std::optional<bool>& out) {
  const gguf::Value* value = file.find(key);
  if (value == nullptr) return core::ok_status();
  auto flag = value->as_bool();
  if (!flag) return std::move(flag).error();
  out = *flag;
  return core::ok_status();
}

}  // namespace

core::Result<Vocabulary> read_vocabulary(const gguf::File& file) {
  Vocabulary v;
  if (file.find("tokenizer.ggml.model") == nullptr) {
    return missing("tokenizer.ggml.model", "tokenizer model name");
  }
  if (file.find("tokenizer.ggml.tokens") == nullptr) {
    return missing("tokenizer.ggml.tokens", "token list");
  }
  for (auto [key, out] :
       {std::pair{"tokenizer.ggml.model", &v.model}, std::pair{"tokenizer.ggml.pre", &v.pre},
        std::pair{"general.name", &v.name}}) {
    if (auto s = read_string(file, key, *out); !s) return std::move(s).error();
  }
  for (auto [key, out] : {std::pair{"tokenizer.ggml.tokens", &v.tokens},
                          std::pair{"tokenizer.ggml.merges", &v.merges}}) {
    if (auto s = read_strings(file, key, *out); !s) return std::move(s).error();
  }
  if (const gguf::Value* scores = file.find("tokenizer.ggml.scores")) {
    auto values = scores->as_floats();
    if (!values) return std::move(values).error();
    v.scores = std::move(*values);
  }
  if (const gguf::Value* types = file.find("tokenizer.ggml.token_type")) {
    auto values = types->as_ints();
    if (!values) return std::move(values).error();
    v.token_types.reserve(values->size());
    for (size_t i = 0; i < values->size(); ++i) {
      const int64_t type = (*values)[i];
      if (type < std::numeric_limits<int32_t>::min() ||
          type > std::numeric_limits<int32_t>::max()) {
        return core::Error(core::Code::kInvalidArgument, "tokenizer.ggml.token_type",
                           "token " + std::to_string(i) + " has type " + std::to_string(type) +
                               ", which is not a token type (1 normal ... 6 byte)");
      }
      v.token_types.push_back(static_cast<int32_t>(type));
    }
  }
  SpecialTokenIds& ids = v.ids;
  // The older prefix/suffix/middle keys come after the fim_* ones so that, as upstream, they win
  // when a file has both.
  const std::pair<const char*, std::optional<int64_t>*> id_keys[] = {
      {"tokenizer.ggml.bos_token_id", &ids.bos},
      {"tokenizer.ggml.eos_token_id", &ids.eos},
      {"tokenizer.ggml.unknown_token_id", &ids.unknown},
      {"tokenizer.ggml.seperator_token_id", &ids.sep},
      {"tokenizer.ggml.padding_token_id", &ids.pad},
      {"tokenizer.ggml.mask_token_id", &ids.mask},
      {"tokenizer.ggml.eot_token_id", &ids.eot},
      {"tokenizer.ggml.eom_token_id", &ids.eom},
      {"tokenizer.ggml.fim_pre_token_id", &ids.fim_pre},
      {"tokenizer.ggml.fim_suf_token_id", &ids.fim_suf},
      {"tokenizer.ggml.fim_mid_token_id", &ids.fim_mid},
      {"tokenizer.ggml.fim_pad_token_id", &ids.fim_pad},
      {"tokenizer.ggml.fim_rep_token_id", &ids.fim_rep},
      {"tokenizer.ggml.fim_sep_token_id", &ids.fim_sep},
      {"tokenizer.ggml.prefix_token_id", &ids.fim_pre},
      {"tokenizer.ggml.suffix_token_id", &ids.fim_suf},
      {"tokenizer.ggml.middle_token_id", &ids.fim_mid},
  };
  for (const auto& [key, out] : id_keys) {
    if (auto s = read_id(file, key, *out); !s) return std::move(s).error();
  }
  for (auto [key, out] : {std::pair{"tokenizer.ggml.add_bos_token", &v.add_bos},
                          std::pair{"tokenizer.ggml.add_eos_token", &v.add_eos},
                          std::pair{"tokenizer.ggml.add_space_prefix", &v.add_space_prefix}}) {
    if (auto s = read_flag(file, key, *out); !s) return std::move(s).error();
  }
  return v;
}

}  // namespace ward::infer::tokenizer
