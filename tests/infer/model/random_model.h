#pragma once
// Writes small random-weight llama- or qwen2-shaped GGUF models for the model tests, with a real
// tokenizer copied from a fixture vocabulary, through gguf::Writer (so llama.cpp loads them too).
// Weights are Gaussian, scaled by 1/sqrt(fan-in) so that activations stay of order one and the
// next-token distribution is far from uniform (a near-uniform one would make top-1 comparisons
// meaningless). Deterministic for a given spec.

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/error.h"
#include "infer/tensor_type.h"

namespace ward::infer::model::testing {

struct RandomModelSpec {
  std::string architecture = "llama";  // "llama" or "qwen2" (biases, tied output)
  std::filesystem::path vocabulary = {};  // a fixtures/vocab GGUF
  int32_t layers = 2;
  int32_t embedding = 64;
  int32_t heads = 4;
  int32_t kv_heads = 2;
  int32_t feed_forward = 128;
  int32_t context = 2048;
  TensorType type = TensorType::kF32;  // every matrix (norms and biases stay F32)
  bool tied_output = false;             // no output.weight: the logits use token_embd
  uint64_t seed = 1;
  std::string omit_tensor = {};  // a tensor left out, to test the loader's errors
};

core::Status write_random_model(const RandomModelSpec& spec, const std::filesystem::path& path);

}  // namespace ward::infer::model::testing
