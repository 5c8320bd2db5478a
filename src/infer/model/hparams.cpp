#include "infer/model/hparams.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <optional>

#include "infer/gguf/gguf.h"

namespace ward::infer::model {
namespace {

using core::Code;
using core::Error;

// Reads `<arch>.<suffix>` from a GGUF file, with errors that name the key.
class KeyReader {
 public:
  KeyReader(const gguf::File& file, std::string_view arch) : file_(file), arch_(arch) {}

  std::string key(std::string_view suffix) const { return fmt::format("{}.{}", arch_, suffix); }

  // A positive integer that fits int32; `fallback` when absent (an error when no fallback).
  core::Result<int32_t> positive(std::string_view suffix, std::optional<int32_t> fallback = {}) const {
    const gguf::Value* value = file_.find(key(suffix));
    if (value == nullptr) {
      if (fallback) return *fallback;
      return error(fmt::format("the model has no {} key; it is required for a {} model",
                               key(suffix), arch_));
    }
    auto number = value->as_int();
    if (!number) return number.error();
    if (*number <= 0 || *number > std::numeric_limits<int32_t>::max()) {
      return error(fmt::format("{} is {}; it must be a positive 32-bit integer", key(suffix),
                               *number));
    }
    return static_cast<int32_t>(*number);
  }

  // A finite positive float; `fallback` when absent.
  core::Result<float> positive_float(std::string_view suffix, float fallback) const {
    const gguf::Value* value = file_.find(key(suffix));
    if (value == nullptr) return fallback;
    auto number = value->as_float();
    if (!number) return number.error();
    if (!std::isfinite(*number) || *number <= 0) {
      return error(fmt::format("{} is {}; it must be a positive number", key(suffix), *number));
    }
    return static_cast<float>(*number);
  }

  Error error(std::string message) const {
    return Error(Code::kInvalidArgument, file_.path().string(), std::move(message));
  }

 private:
  const gguf::File& file_;
  std::string_view arch_;
};

core::Result<Architecture> read_architecture(const gguf::File& file) {
  const gguf::Value* value = file.find("general.architecture");
  if (value == nullptr) {
    return Error(Code::kInvalidArgument, file.path().string(),
                 "the file has no general.architecture key; it is not a GGUF language model");
  }
  auto name = value->as_string();
  if (!name) return name.error();
  if (*name == "llama") return Architecture::kLlama;
  if (*name == "qwen2") return Architecture::kQwen2;
  return Error(Code::kInvalidArgument, file.path().string(),
               fmt::format("architecture \"{}\" is not supported; Ward's engine runs {}", *name,
                           supported_architectures()));
}

// rope.scaling.type: none or linear (factor f means positions are multiplied by 1/f).
core::Status read_rope_scaling(const KeyReader& keys, const gguf::File& file,
                               Hyperparameters& hp) {
  std::string_view type = "none";
  if (const gguf::Value* value = file.find(keys.key("rope.scaling.type"))) {
    auto text = value->as_string();
    if (!text) return text.error();
    type = *text;
  }
  if (type == "none") return core::ok_status();
  if (type != "linear") {
    return keys.error(fmt::format("{} is \"{}\"; Ward's engine supports none and linear",
                                  keys.key("rope.scaling.type"), type));
  }
  auto factor = keys.positive_float("rope.scaling.factor", 1.0f);
  if (!factor) return factor.error();
  hp.rope_freq_scale = 1.0f / *factor;
  return core::ok_status();
}

core::Status check_shapes(const KeyReader& keys, const Hyperparameters& hp) {
  if (hp.head_count % hp.head_count_kv != 0) {
    return keys.error(fmt::format("{} ({}) is not a multiple of {} ({})",
                                  keys.key("attention.head_count"), hp.head_count,
                                  keys.key("attention.head_count_kv"), hp.head_count_kv));
  }
  if (hp.rope_dimensions > hp.head_dim || hp.rope_dimensions % 2 != 0) {
    return keys.error(fmt::format("{} is {}; it must be even and at most the head size {}",
                                  keys.key("rope.dimension_count"), hp.rope_dimensions,
                                  hp.head_dim));
  }
  return core::ok_status();
}

}  // namespace

std::string_view supported_architectures() { return "llama, qwen2"; }

std::string_view architecture_name(Architecture architecture) {
  switch (architecture) {
    case Architecture::kLlama: return "llama";
    case Architecture::kQwen2: return "qwen2";
  }
  return "llama";
}

core::Result<Hyperparameters> read_hyperparameters(const gguf::File& file, int32_t vocab_size) {
  auto architecture = read_architecture(file);
  if (!architecture) return architecture.error();
  Hyperparameters hp;
  hp.architecture = *architecture;
  hp.vocab_size = vocab_size;
  const KeyReader keys(file, architecture_name(hp.architecture));
  struct IntKey {
    int32_t* field;
    std::string_view suffix;
  };
  for (const IntKey& k : {IntKey{&hp.context_length, "context_length"},
                          IntKey{&hp.embedding_length, "embedding_length"},
                          IntKey{&hp.block_count, "block_count"},
                          IntKey{&hp.feed_forward_length, "feed_forward_length"},
                          IntKey{&hp.head_count, "attention.head_count"}}) {
    auto value = keys.positive(k.suffix);
    if (!value) return value.error();
    *k.field = *value;
  }
  auto kv_heads = keys.positive("attention.head_count_kv", hp.head_count);
  if (!kv_heads) return kv_heads.error();
  hp.head_count_kv = *kv_heads;
  if (hp.embedding_length % hp.head_count != 0 && !file.find(keys.key("attention.key_length"))) {
    return keys.error(fmt::format("{} ({}) is not a multiple of {} ({})",
                                  keys.key("embedding_length"), hp.embedding_length,
                                  keys.key("attention.head_count"), hp.head_count));
  }
  auto head_dim = keys.positive("attention.key_length", hp.embedding_length / hp.head_count);
  if (!head_dim) return head_dim.error();
  hp.head_dim = *head_dim;
  auto value_dim = keys.positive("attention.value_length", hp.head_dim);
  if (!value_dim) return value_dim.error();
  if (*value_dim != hp.head_dim) {
    return keys.error(fmt::format("{} ({}) differs from {} ({}); Ward's engine needs them equal",
                                  keys.key("attention.value_length"), *value_dim,
                                  keys.key("attention.key_length"), hp.head_dim));
  }
  auto rope_dims = keys.positive("rope.dimension_count", hp.head_dim);
  if (!rope_dims) return rope_dims.error();
  hp.rope_dimensions = *rope_dims;
  auto epsilon = keys.positive_float("attention.layer_norm_rms_epsilon", 1e-5f);
  if (!epsilon) return epsilon.error();
  hp.rms_norm_epsilon = *epsilon;
  auto base = keys.positive_float("rope.freq_base", 10000.0f);
  if (!base) return base.error();
  hp.rope_freq_base = *base;
  if (auto status = read_rope_scaling(keys, file, hp); !status) return status.error();
  hp.rope_ordering = hp.architecture == Architecture::kQwen2 ? RopeOrdering::kHalves
                                                             : RopeOrdering::kAdjacent;
  hp.attention_bias = hp.architecture == Architecture::kQwen2;
  if (auto status = check_shapes(keys, hp); !status) return status.error();
  return hp;
}

}  // namespace ward::infer::model
