#pragma once
// Synthetic models: GGUF files of the llama or qwen2 architecture with random weights and a real
// tokenizer, written on the spot for tests and benchmarks of any shape and weight type
// (`ward model synth`). The tokenizer comes from a vocabulary GGUF (every tokenizer.* key is
// copied, arrays included); the hyperparameters, tensor names, shapes and types follow llama.cpp's
// conventions, so llama.cpp loads and runs the result (tests/infer/synth checks this with
// node-llama-cpp 3.21.1).
//
// The weights come from a seeded generator, so a seed gives the same bytes on every machine and
// for any number of threads. They are scaled so that a forward pass behaves like a trained
// model's in range, though not in meaning, for any depth: matrices have a standard deviation of
// gain/sqrt(fan-in), with gain 1 except queries and keys (1.7, so attention picks a few
// positions rather than averaging the context), the feed-forward output (2, so the layers
// dominate the residual stream) and the embedding (2/sqrt(embedding length)); norm weights lie
// near 1 (± 10%); biases have a standard deviation of 0.1; the logits have a standard deviation
// of about 3, from output.weight (3/sqrt(embedding length)) or, with a tied output, from
// output_norm.weight (near 1.5). So the next-token distribution has a clear top and greedy
// continuations are not one token repeated (checked with llama.cpp on the tiny preset for every
// type and on the Qwen2.5-0.5B shape: 16 different tokens in 16 greedy steps).
//
// Writing streams: each tensor is generated and quantised in row pieces on `threads` threads
// while the file is written, so memory stays at a few MiB per thread whatever the model's size,
// and the file appears atomically (temporary file in the same directory, fsync, rename).
//
// Threads: synthesize() starts and joins its own threads; the functions here may be called from
// several threads at once for different output paths.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "infer/tensor_type.h"

namespace ward::infer::synth {

enum class Architecture { kLlama, kQwen2 };

// "llama", "qwen2".
std::string_view architecture_name(Architecture architecture);
std::optional<Architecture> architecture_named(std::string_view name);

struct SynthOptions {
  Architecture architecture = Architecture::kLlama;
  std::filesystem::path vocabulary;  // a GGUF holding tokenizer.* keys (a model or vocab-only file)
  int64_t layers = 0;
  int64_t embedding = 0;     // embedding length; a multiple of `heads`
  int64_t heads = 0;         // attention heads; a multiple of `kv_heads`
  int64_t kv_heads = 0;      // key/value heads (grouped-query attention when fewer than heads)
  int64_t feed_forward = 0;  // feed-forward length
  int64_t context_length = 4096;
  std::optional<double> rope_freq_base;  // default: llama 10000, qwen2 1000000
  std::optional<double> rms_epsilon;     // default: llama 1e-5, qwen2 1e-6
  // The type of every 2-D weight matrix: F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K or Q6_K. Norms
  // and biases are always F32, as in llama.cpp's files.
  TensorType weight_type = TensorType::kF16;
  // token_embd.weight and output.weight, when they should differ from weight_type (real files
  // often keep them at higher precision, e.g. Q6_K).
  std::optional<TensorType> output_type;
  // Leave out output.weight, so that llama.cpp uses token_embd.weight for the logits too (as
  // Qwen2.5-0.5B does).
  bool tie_output = false;
  uint64_t seed = 0;
  std::string name;  // general.name; default: a description of the shape and the vocabulary
  // More string metadata, written after the rest (e.g. ward.fim.format, for tests of what a
  // model file may say about itself).
  std::vector<std::pair<std::string, std::string>> extra_strings;
  int threads = 0;   // 0: one per hardware thread
};

// Named shapes for `ward model synth --preset`; each sets everything but vocabulary, weight type
// and seed. "qwen2.5-0.5b": Qwen2.5-0.5B's shape (qwen2, 24 layers, embedding 896, 14 heads,
// 2 KV heads, feed-forward 4864, context 32768, tied output; use the qwen2 vocabulary).
// "tiny": llama, 2 layers, embedding 256, 4 heads, 2 KV heads, feed-forward 512 (fits every
// weight type, for tests).
std::optional<SynthOptions> preset(std::string_view name);
std::span<const std::string_view> preset_names();

// The llama.cpp file type ("general.file_type", llama_ftype) of a model whose weights are
// mostly `weight_type`: F32 0, F16 1, Q4_0 2, Q8_0 7, Q4_K 14 (Q4_K_S), Q5_K 16 (Q5_K_S),
// Q6_K 18, BF16 32; nullopt for a type synth does not write.
std::optional<uint32_t> llama_file_type(TensorType weight_type);

// Checks the options without touching any file: positive sizes within bounds, embedding a
// multiple of heads with an even head size, heads a multiple of KV heads, a weight type synth
// writes, rows (embedding and feed-forward lengths) made of whole blocks of the weight and output
// types (256 elements for the K formats, 32 for Q8_0/Q4_0), finite positive rope base and RMS
// epsilon. Errors are kInvalidArgument, `where` naming the option's CLI flag ("--embd") and the
// message saying what to change.
core::Status validate(const SynthOptions& options);

// The metadata key (a bool, true) that marks every synthesised model as random weights, so that a
// server can warn that its suggestions are meaningless.
inline constexpr std::string_view kRandomWeightsKey = "ward.random_weights";

struct SynthSummary {
  std::filesystem::path path;
  std::string name;        // general.name as written
  int64_t parameters = 0;  // elements in all tensors
  uint64_t file_bytes = 0;
  size_t tensors = 0;
  int64_t vocabulary_size = 0;
  TensorType output_type = TensorType::kF16;  // token_embd (and output) type as written
};

// Validates the options and the vocabulary (it must load as a tokenizer, see
// Tokenizer::from_gguf), then writes the model to `path` atomically and reopens it with the
// GGUF reader as a check. Errors: those of validate(); the vocabulary's open or tokenizer error;
// the writer's I/O errors (kNotFound for a missing directory, kPermissionDenied, kUnavailable),
// with `path` untouched.
core::Result<SynthSummary> synthesize(const SynthOptions& options,
                                      const std::filesystem::path& path);

}  // namespace ward::infer::synth
