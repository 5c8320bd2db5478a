#include "infer/synth/synth.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <system_error>
#include <thread>
#include <vector>

#include "infer/gguf/gguf.h"
#include "infer/gguf/writer.h"
#include "infer/kernels/kernels.h"
#include "infer/synth/random_rows.h"
#include "infer/tokenizer/tokenizer.h"

namespace ward::infer::synth {
namespace {

// Bounds that keep every size, element count and byte count far from overflow and catch typos
// (a model with 10^6 layers is a mistake, not a request).
constexpr int64_t kMaxLayers = 1024;
constexpr int64_t kMaxEmbedding = 65536;
constexpr int64_t kMaxFeedForward = 1 << 20;
constexpr int64_t kMaxContext = int64_t{1} << 24;

// The standard deviation of the logits a unit-RMS final hidden state gets from the output matrix.
constexpr float kLogitSigma = 3.0f;
// Gains over a variance-preserving 1/sqrt(fan-in), found by running llama.cpp on the results (a
// Qwen2.5-0.5B shape and the tiny preset, tied and untied): with plain variance preservation
// and a small embedding, attention averages the context into every position and the state
// forgets the current token, so greedy decoding settles on one token. A larger embedding keeps
// the current token in the first layer's input; sharper attention (queries and keys 1.7x, scores
// with a standard deviation near 3) makes each position look at a few others rather than the
// average; larger feed-forward outputs (2x) dominate the residual stream, so that a tied output
// does not score the current token's own embedding highest.
constexpr float kEmbeddingGain = 2.0f;
constexpr float kQueryKeyGain = 1.7f;
constexpr float kFeedForwardGain = 2.0f;
constexpr float kNormSigma = 0.1f;  // norm weights: their mean ± 10%
constexpr float kBiasSigma = 0.1f;

// Each worker generates and quantises about this many bytes of rows between writes.
constexpr uint64_t kPieceBytes = 1 << 20;

core::Error invalid(std::string where, std::string message) {
  return core::Error(core::Code::kInvalidArgument, std::move(where), std::move(message));
}

constexpr std::array<TensorType, 8> kWeightTypes = {
    TensorType::kF32,  TensorType::kF16,  TensorType::kBF16, TensorType::kQ8_0,
    TensorType::kQ4_0, TensorType::kQ4_K, TensorType::kQ5_K, TensorType::kQ6_K};

std::string_view type_text(TensorType type) {
  return layout_of(type)->name;
}

core::Status check_range(std::string_view flag, int64_t value, int64_t max) {
  if (value < 1 || value > max) {
    return invalid(std::string(flag), fmt::format("is {}; it must be 1 to {}", value, max));
  }
  return {};
}

// Rows of `length` elements must be whole blocks of `type`.
core::Status check_rows(std::string_view flag, int64_t length, std::string_view type_flag,
                        TensorType type) {
  const int64_t block = layout_of(type)->block_elements;
  if (length % block == 0) return {};
  return invalid(std::string(flag),
                 fmt::format("{} is not a multiple of {}, the block size of {} ({}); choose a "
                             "length that is, or a type with smaller blocks (q8_0, q4_0: 32; "
                             "f32, f16, bf16: 1)",
                             length, block, type_text(type), type_flag));
}

core::Status check_type(std::string_view flag, TensorType type) {
  if (std::find(kWeightTypes.begin(), kWeightTypes.end(), type) != kWeightTypes.end()) return {};
  const auto layout = layout_of(type);
  return invalid(std::string(flag),
                 fmt::format("{} is not a type synth writes; use f32, f16, bf16, q8_0, q4_0, "
                             "q4_k, q5_k or q6_k",
                             layout ? layout->name : "this type"));
}

core::Status check_shape(const SynthOptions& o) {
  if (auto s = check_range("--layers", o.layers, kMaxLayers); !s) return s;
  if (auto s = check_range("--embd", o.embedding, kMaxEmbedding); !s) return s;
  if (auto s = check_range("--heads", o.heads, o.embedding); !s) return s;
  if (auto s = check_range("--kv-heads", o.kv_heads, o.heads); !s) return s;
  if (auto s = check_range("--ff", o.feed_forward, kMaxFeedForward); !s) return s;
  if (auto s = check_range("--context", o.context_length, kMaxContext); !s) return s;
  if (o.embedding % o.heads != 0) {
    return invalid("--embd", fmt::format("{} is not a multiple of the {} heads (--heads); the "
                                         "head size is embedding / heads",
                                         o.embedding, o.heads));
  }
  if ((o.embedding / o.heads) % 2 != 0) {
    return invalid("--heads", fmt::format("gives an odd head size {} (embedding {} / {} heads); "
                                          "rotary embeddings need an even one",
                                          o.embedding / o.heads, o.embedding, o.heads));
  }
  if (o.heads % o.kv_heads != 0) {
    return invalid("--kv-heads",
                   fmt::format("{} does not divide the {} heads (--heads)", o.kv_heads, o.heads));
  }
  return {};
}

core::Status check_positive(std::string_view flag, const std::optional<double>& value) {
  if (!value || (std::isfinite(*value) && *value > 0)) return {};
  return invalid(std::string(flag), fmt::format("is {}; it must be a positive number", *value));
}

// ---- the tensors ----------------------------------------------------------------------------

enum class Init { kMatrix, kNorm, kBias };

struct TensorSpec {
  std::string name;
  TensorType type;
  std::vector<int64_t> shape;  // ne[0] (the row length) first
  Init init;
  // Matrices and biases: the standard deviation around 0. Norms: the mean, with a standard
  // deviation of kNormSigma times it.
  float scale;
};

double rope_base(const SynthOptions& o) {
  return o.rope_freq_base.value_or(o.architecture == Architecture::kQwen2 ? 1e6 : 1e4);
}
double rms_epsilon(const SynthOptions& o) {
  return o.rms_epsilon.value_or(o.architecture == Architecture::kQwen2 ? 1e-6 : 1e-5);
}
TensorType output_type(const SynthOptions& o) {
  return o.output_type.value_or(o.weight_type);
}

// A matrix with rows of `fan_in` elements that multiplies the variance of a unit-variance input
// by gain².
TensorSpec matrix(std::string name, TensorType type, int64_t fan_in, int64_t rows,
                  float gain = 1.0f) {
  return {std::move(name),
          type,
          {fan_in, rows},
          Init::kMatrix,
          static_cast<float>(gain / std::sqrt(static_cast<double>(fan_in)))};
}

void add_block(const SynthOptions& o, int64_t index, std::vector<TensorSpec>& out) {
  const auto name = [index](std::string_view part) {
    return fmt::format("blk.{}.{}", index, part);
  };
  const int64_t d = o.embedding;
  const int64_t kv = d / o.heads * o.kv_heads;
  const TensorType t = o.weight_type;
  out.push_back({name("attn_norm.weight"), TensorType::kF32, {d}, Init::kNorm, 1.0f});
  out.push_back(matrix(name("attn_q.weight"), t, d, d, kQueryKeyGain));
  out.push_back(matrix(name("attn_k.weight"), t, d, kv, kQueryKeyGain));
  out.push_back(matrix(name("attn_v.weight"), t, d, kv));
  if (o.architecture == Architecture::kQwen2) {
    out.push_back({name("attn_q.bias"), TensorType::kF32, {d}, Init::kBias, kBiasSigma});
    out.push_back({name("attn_k.bias"), TensorType::kF32, {kv}, Init::kBias, kBiasSigma});
    out.push_back({name("attn_v.bias"), TensorType::kF32, {kv}, Init::kBias, kBiasSigma});
  }
  out.push_back(matrix(name("attn_output.weight"), t, d, d));
  out.push_back({name("ffn_norm.weight"), TensorType::kF32, {d}, Init::kNorm, 1.0f});
  out.push_back(matrix(name("ffn_gate.weight"), t, d, o.feed_forward));
  out.push_back(matrix(name("ffn_up.weight"), t, d, o.feed_forward));
  out.push_back(matrix(name("ffn_down.weight"), t, o.feed_forward, d, kFeedForwardGain));
}

float per_element(float gain, int64_t length) {
  return gain / static_cast<float>(std::sqrt(static_cast<double>(length)));
}

// Every tensor, in the order llama.cpp's converter writes them. The logits get their scale from
// output.weight, or, when tied, from output_norm.weight (the embedding being small).
std::vector<TensorSpec> plan_tensors(const SynthOptions& o, int64_t vocabulary) {
  const int64_t d = o.embedding;
  std::vector<TensorSpec> out;
  out.push_back({"token_embd.weight",
                 output_type(o),
                 {d, vocabulary},
                 Init::kMatrix,
                 per_element(kEmbeddingGain, d)});
  for (int64_t i = 0; i < o.layers; ++i) add_block(o, i, out);
  const float final_norm = o.tie_output ? kLogitSigma / kEmbeddingGain : 1.0f;
  out.push_back({"output_norm.weight", TensorType::kF32, {d}, Init::kNorm, final_norm});
  if (!o.tie_output) {
    out.push_back({"output.weight",
                   output_type(o),
                   {d, vocabulary},
                   Init::kMatrix,
                   per_element(kLogitSigma, d)});
  }
  return out;
}

int64_t rows_of(const TensorSpec& spec) {
  int64_t rows = 1;
  for (size_t i = 1; i < spec.shape.size(); ++i) rows *= spec.shape[i];
  return rows;
}

// Generates rows [begin, end) of `spec` and converts them to its type into `out` (resized).
core::Status make_rows(const TensorSpec& spec, uint64_t seed, int64_t begin, int64_t end,
                       std::vector<std::byte>& out) {
  const int64_t n = spec.shape[0];
  const uint64_t row_size = *row_bytes(spec.type, n);
  const uint64_t stream = stream_of(spec.name);
  const bool norm = spec.init == Init::kNorm;
  const float mean = norm ? spec.scale : 0.0f;
  const float sigma = norm ? spec.scale * kNormSigma : spec.scale;
  std::vector<float> values(static_cast<size_t>(n));
  out.resize(static_cast<size_t>(row_size * static_cast<uint64_t>(end - begin)));
  for (int64_t row = begin; row < end; ++row) {
    fill_row(seed, stream, row, mean, sigma, values);
    std::byte* dst = out.data() + row_size * static_cast<uint64_t>(row - begin);
    if (auto status = kernels::quantize_row(spec.type, values.data(), dst, n); !status) {
      return status;
    }
  }
  return {};
}

// Produces the tensor's bytes: rounds of `threads` pieces of about kPieceBytes each, generated in
// parallel and written in row order.
core::Status stream_tensor(const TensorSpec& spec, uint64_t seed, int threads,
                           const gguf::Writer::ByteSink& sink) {
  const int64_t rows = rows_of(spec);
  const uint64_t row_size = *row_bytes(spec.type, spec.shape[0]);
  const int64_t piece_rows =
      std::max<int64_t>(1, static_cast<int64_t>(kPieceBytes / std::max<uint64_t>(row_size, 1)));
  const auto workers =
      static_cast<size_t>(std::clamp<int64_t>((rows + piece_rows - 1) / piece_rows, 1, threads));
  std::vector<std::vector<std::byte>> pieces(workers);
  std::vector<core::Status> statuses(workers);
  for (int64_t first = 0; first < rows; first += piece_rows * static_cast<int64_t>(workers)) {
    auto work = [&](size_t w) {
      const int64_t begin = std::min(rows, first + piece_rows * static_cast<int64_t>(w));
      const int64_t end = std::min(rows, begin + piece_rows);
      statuses[w] = make_rows(spec, seed, begin, end, pieces[w]);
    };
    std::vector<std::thread> helpers;
    for (size_t w = 1; w < workers; ++w) {
      try {
        helpers.emplace_back(work, w);
      } catch (const std::system_error&) {
        work(w);  // no thread to be had (a process limit): do the piece here
      }
    }
    work(0);
    for (std::thread& helper : helpers) helper.join();
    for (size_t w = 0; w < workers; ++w) {
      if (!statuses[w]) return statuses[w];
      const std::string_view bytes(reinterpret_cast<const char*>(pieces[w].data()),
                                   pieces[w].size());
      if (!bytes.empty()) {
        if (auto status = sink(bytes); !status) return status;
      }
    }
  }
  return {};
}

// ---- metadata -------------------------------------------------------------------------------

void copy_tokenizer(const gguf::File& vocabulary, gguf::Writer& writer) {
  for (const gguf::Value& value : vocabulary.metadata()) {
    if (value.key().starts_with("tokenizer.")) writer.set_value(value);
  }
}

std::string default_name(const SynthOptions& o, const gguf::File& vocabulary) {
  std::string vocab_name = vocabulary.path().stem().string();
  if (const gguf::Value* value = vocabulary.find("general.name")) {
    if (auto text = value->as_string()) vocab_name = std::string(*text);
  }
  return fmt::format("synth {} {}x{} {} seed {} ({} vocabulary)", architecture_name(o.architecture),
                     o.layers, o.embedding, type_text(o.weight_type), o.seed, vocab_name);
}

void set_hyperparameters(const SynthOptions& o, int64_t vocabulary, gguf::Writer& writer) {
  const std::string arch(architecture_name(o.architecture));
  const auto key = [&arch](std::string_view suffix) { return fmt::format("{}.{}", arch, suffix); };
  writer.set_uint32(key("vocab_size"), static_cast<uint32_t>(vocabulary));
  writer.set_uint32(key("context_length"), static_cast<uint32_t>(o.context_length));
  writer.set_uint32(key("embedding_length"), static_cast<uint32_t>(o.embedding));
  writer.set_uint32(key("block_count"), static_cast<uint32_t>(o.layers));
  writer.set_uint32(key("feed_forward_length"), static_cast<uint32_t>(o.feed_forward));
  writer.set_uint32(key("attention.head_count"), static_cast<uint32_t>(o.heads));
  writer.set_uint32(key("attention.head_count_kv"), static_cast<uint32_t>(o.kv_heads));
  writer.set_float32(key("attention.layer_norm_rms_epsilon"), static_cast<float>(rms_epsilon(o)));
  writer.set_float32(key("rope.freq_base"), static_cast<float>(rope_base(o)));
  writer.set_uint32(key("rope.dimension_count"), static_cast<uint32_t>(o.embedding / o.heads));
}

bool is_quantized(TensorType type) {
  return layout_of(type)->block_elements > 1;
}

int thread_count(const SynthOptions& o) {
  if (o.threads > 0) return o.threads;
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace

std::string_view architecture_name(Architecture architecture) {
  return architecture == Architecture::kQwen2 ? "qwen2" : "llama";
}

std::optional<Architecture> architecture_named(std::string_view name) {
  if (name == "llama") return Architecture::kLlama;
  if (name == "qwen2") return Architecture::kQwen2;
  return std::nullopt;
}

std::span<const std::string_view> preset_names() {
  static constexpr std::array<std::string_view, 2> kNames = {"qwen2.5-0.5b", "tiny"};
  return kNames;
}

std::optional<SynthOptions> preset(std::string_view name) {
  SynthOptions o;
  if (name == "qwen2.5-0.5b") {
    o.architecture = Architecture::kQwen2;
    o.layers = 24;
    o.embedding = 896;
    o.heads = 14;
    o.kv_heads = 2;
    o.feed_forward = 4864;
    o.context_length = 32768;
    o.tie_output = true;
    return o;
  }
  if (name == "tiny") {
    o.layers = 2;
    o.embedding = 256;
    o.heads = 4;
    o.kv_heads = 2;
    o.feed_forward = 512;
    return o;
  }
  return std::nullopt;
}

std::optional<uint32_t> llama_file_type(TensorType weight_type) {
  switch (weight_type) {
    case TensorType::kF32:
      return 0;
    case TensorType::kF16:
      return 1;
    case TensorType::kQ4_0:
      return 2;
    case TensorType::kQ8_0:
      return 7;
    case TensorType::kQ4_K:
      return 14;
    case TensorType::kQ5_K:
      return 16;
    case TensorType::kQ6_K:
      return 18;
    case TensorType::kBF16:
      return 32;
    default:
      return std::nullopt;
  }
}

core::Status validate(const SynthOptions& o) {
  if (auto s = check_shape(o); !s) return s;
  if (auto s = check_type("--type", o.weight_type); !s) return s;
  if (auto s = check_type("--output-type", output_type(o)); !s) return s;
  if (auto s = check_rows("--embd", o.embedding, "--type", o.weight_type); !s) return s;
  if (auto s = check_rows("--ff", o.feed_forward, "--type", o.weight_type); !s) return s;
  if (auto s = check_rows("--embd", o.embedding, "--output-type", output_type(o)); !s) return s;
  if (auto s = check_positive("--rope-base", o.rope_freq_base); !s) return s;
  if (auto s = check_positive("--rms-eps", o.rms_epsilon); !s) return s;
  if (o.threads < 0) return invalid("--threads", "must be 0 (one per hardware thread) or more");
  return {};
}

core::Result<SynthSummary> synthesize(const SynthOptions& options,
                                      const std::filesystem::path& path) {
  if (auto status = validate(options); !status) return status.error();
  auto vocabulary = gguf::File::open(options.vocabulary);
  if (!vocabulary) return vocabulary.error();
  auto tokenizer = tokenizer::Tokenizer::from_gguf(*vocabulary);
  if (!tokenizer) {
    return core::Error(
        tokenizer.error().code(), options.vocabulary.string(),
        "the vocabulary does not load as a tokenizer: " + tokenizer.error().to_string());
  }
  const auto vocabulary_size =
      static_cast<int64_t>(vocabulary->find("tokenizer.ggml.tokens")->size());

  gguf::Writer writer;
  const std::string name = options.name.empty() ? default_name(options, *vocabulary) : options.name;
  writer.set_string("general.architecture", architecture_name(options.architecture));
  writer.set_string("general.name", name);
  // Says so to whoever serves it: its output is random text (backend::ModelInfo::random_weights).
  writer.set_bool(std::string(kRandomWeightsKey), true);
  writer.set_uint32("general.file_type", *llama_file_type(options.weight_type));
  if (is_quantized(options.weight_type) || is_quantized(output_type(options))) {
    writer.set_uint32("general.quantization_version", 2);
  }
  set_hyperparameters(options, vocabulary_size, writer);
  copy_tokenizer(*vocabulary, writer);
  for (const auto& [key, value] : options.extra_strings) writer.set_string(key, value);

  const int threads = thread_count(options);
  const std::vector<TensorSpec> specs = plan_tensors(options, vocabulary_size);
  for (const TensorSpec& spec : specs) {
    auto status = writer.add_streamed_tensor(
        spec.name, spec.type, spec.shape,
        [&spec, seed = options.seed, threads](const gguf::Writer::ByteSink& sink) {
          return stream_tensor(spec, seed, threads, sink);
        });
    if (!status) return status.error();
  }
  if (auto status = writer.write(path); !status) return status.error();

  auto written = gguf::File::open(path);
  if (!written) return written.error();
  SynthSummary summary;
  summary.path = path;
  summary.name = name;
  summary.file_bytes = written->file_size();
  summary.tensors = written->tensors().size();
  summary.vocabulary_size = vocabulary_size;
  summary.output_type = output_type(options);
  for (const auto& tensor : written->tensors()) summary.parameters += tensor.element_count();
  return summary;
}

}  // namespace ward::infer::synth
