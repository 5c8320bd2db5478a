#pragma once
// The hyperparameters of a transformer model in a GGUF file: its architecture and the sizes and
// constants the forward pass needs, read from the `<arch>.*` metadata keys as llama.cpp reads
// them. A plain value, immutable once read; safe to share between threads.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"

namespace ward::infer::gguf {
class File;
}

namespace ward::infer::model {

enum class Architecture {
  kLlama,  // Llama 2/3, CodeLlama, Mistral, SmolLM
  kQwen2,  // Qwen2 / Qwen2.5(-Coder): q/k/v biases, output often tied to the embeddings
};

// How RoPE pairs the elements of a head it rotates.
enum class RopeOrdering {
  kAdjacent,  // (x[2i], x[2i+1]): llama ("normal"; llama.cpp's converter permutes Q/K for it)
  kHalves,    // (x[i], x[i + n/2]): qwen2 ("NeoX")
};

// The names Ward accepts in general.architecture, for messages: "llama, qwen2".
std::string_view supported_architectures();
std::string_view architecture_name(Architecture architecture);

struct Hyperparameters {
  Architecture architecture = Architecture::kLlama;
  int32_t context_length = 0;       // the context the model was trained for
  int32_t embedding_length = 0;     // n_embd
  int32_t block_count = 0;          // layers
  int32_t feed_forward_length = 0;  // n_ff
  int32_t head_count = 0;           // query heads
  int32_t head_count_kv = 0;        // key/value heads (grouped-query attention)
  int32_t head_dim = 0;             // attention.key_length, else n_embd / heads
  int32_t vocab_size = 0;           // the tokenizer's
  float rms_norm_epsilon = 1e-5f;
  // RoPE: theta_i = position * rope_freq_scale * rope_freq_base^(-2i / rope_dimensions), over the
  // first rope_dimensions elements of each head (the rest pass unrotated).
  float rope_freq_base = 10000.0f;
  float rope_freq_scale = 1.0f;  // 1 / rope.scaling.factor for linear scaling
  int32_t rope_dimensions = 0;
  RopeOrdering rope_ordering = RopeOrdering::kAdjacent;
  bool attention_bias = false;  // q/k/v projections carry biases (qwen2)

  int32_t q_dim() const { return head_count * head_dim; }
  int32_t kv_dim() const { return head_count_kv * head_dim; }
};

// Reads and checks the hyperparameters of `file` (general.architecture and its keys); vocab_size
// is the tokenizer's. Errors (kInvalidArgument, where: the file) name the key that is missing
// or out of range, or the unsupported architecture with the supported ones, or the unsupported
// rope.scaling.type.
core::Result<Hyperparameters> read_hyperparameters(const gguf::File& file, int32_t vocab_size);

}  // namespace ward::infer::model
