#pragma once
// The tensors of a transformer model, as views into the memory-mapped GGUF file: Ward multiplies
// the weights where they lie (no copies, no layout change), so a model costs its file's pages
// and nothing more. bind_weights() finds every tensor the architecture needs and checks its type
// (kernels::check_weight_shape for matrices, F32 for norms and biases) and shape once, so the
// forward pass can take them as given.
//
// Immutable views; valid while the gguf::File they point into lives; safe to share between
// threads.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/error.h"
#include "infer/model/hparams.h"
#include "infer/tensor_type.h"

namespace ward::infer::gguf {
class File;
}

namespace ward::infer::model {

// A 2-D weight tensor of `rows` rows of `cols` elements (GGUF shape [cols, rows]), each row
// row_bytes long, in any kernels weight type.
struct Matrix {
  TensorType type = TensorType::kF32;
  const std::byte* data = nullptr;
  int64_t rows = 0;
  int64_t cols = 0;
  size_t row_bytes = 0;
  const std::byte* row(int64_t r) const { return data + static_cast<size_t>(r) * row_bytes; }
};

// A 1-D F32 tensor (a norm's weights, a bias); data is null for an absent optional tensor.
struct Vector {
  const float* data = nullptr;
  int64_t size = 0;
};

struct LayerWeights {
  Vector attn_norm;
  Matrix attn_q, attn_k, attn_v, attn_output;
  Vector q_bias, k_bias, v_bias;  // qwen2 only
  Vector ffn_norm;
  Matrix ffn_gate, ffn_up, ffn_down;
};

struct Weights {
  Matrix token_embd;  // vocab rows of n_embd
  std::vector<LayerWeights> layers;
  Vector output_norm;
  Matrix output;       // output.weight, or token_embd when the file ties them (no output.weight)
  Vector rope_freqs;   // rope_freqs.weight: per-pair divisors of theta (Llama 3.1), optional
};

// Binds the tensors `hp` calls for. Errors (kInvalidArgument, where: the file's path) name the
// tensor and say what is missing or what type/shape was expected and found.
core::Result<Weights> bind_weights(const gguf::File& file, const Hyperparameters& hp);

}  // namespace ward::infer::model
