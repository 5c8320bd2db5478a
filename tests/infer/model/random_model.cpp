#include "infer/model/random_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "infer/gguf/gguf.h"
#include "infer/gguf/writer.h"
#include "infer/kernels/kernels.h"

namespace ward::infer::model::testing {
namespace {

// Copies every tokenizer.* key of the vocabulary file (strings, numbers, arrays).
core::Status copy_tokenizer(const gguf::File& vocab, gguf::Writer& writer) {
  for (const gguf::Value& v : vocab.metadata()) {
    if (v.key().rfind("tokenizer.", 0) != 0) continue;
    using gguf::ValueType;
    switch (v.type()) {
      case ValueType::kString: writer.set_string(v.key(), *v.as_string()); break;
      case ValueType::kBool: writer.set_bool(v.key(), *v.as_bool()); break;
      case ValueType::kFloat32:
      case ValueType::kFloat64: writer.set_float32(v.key(), static_cast<float>(*v.as_float())); break;
      case ValueType::kArray: {
        if (v.element_type() == ValueType::kString) {
          writer.set_array(v.key(), std::span<const std::string_view>(*v.as_strings()));
        } else if (v.element_type() == ValueType::kFloat32) {
          writer.set_array(v.key(), std::span<const float>(*v.as_floats()));
        } else {
          auto values = v.as_ints();
          if (!values) return values.error();
          std::vector<int32_t> ints(values->size());
          std::transform(values->begin(), values->end(), ints.begin(),
                         [](int64_t i) { return static_cast<int32_t>(i); });
          writer.set_array(v.key(), std::span<const int32_t>(ints));
        }
        break;
      }
      default: writer.set_uint32(v.key(), static_cast<uint32_t>(*v.as_uint())); break;
    }
  }
  return core::ok_status();
}

class TensorMaker {
 public:
  TensorMaker(gguf::Writer& writer, uint64_t seed, std::string omit)
      : writer_(writer), rng_(seed), omit_(std::move(omit)) {}

  // rows x cols Gaussian values with standard deviation `scale` in `type`.
  core::Status matrix(const std::string& name, TensorType type, int64_t cols, int64_t rows,
                      double scale) {
    std::normal_distribution<float> gauss(0.0f, static_cast<float>(scale));
    const size_t row_size = *row_bytes(type, cols);
    std::vector<std::byte> data(row_size * static_cast<size_t>(rows));
    std::vector<float> row(static_cast<size_t>(cols));
    for (int64_t r = 0; r < rows; ++r) {
      for (float& x : row) x = gauss(rng_);
      if (auto s = kernels::quantize_row(type, row.data(), data.data() + r * row_size, cols); !s) return s;
    }
    if (name == omit_) return core::ok_status();
    return writer_.add_tensor(name, type, {cols, rows}, std::move(data));
  }

  // `size` F32 values: mean + Gaussian noise of `spread`.
  core::Status vector(const std::string& name, int64_t size, float mean, float spread) {
    std::normal_distribution<float> gauss(mean, spread);
    std::vector<std::byte> data(static_cast<size_t>(size) * sizeof(float));
    for (int64_t i = 0; i < size; ++i) {
      const float x = gauss(rng_);
      std::memcpy(data.data() + i * sizeof(float), &x, sizeof(float));
    }
    if (name == omit_) return core::ok_status();
    return writer_.add_tensor(name, TensorType::kF32, {size}, std::move(data));
  }

 private:
  gguf::Writer& writer_;
  std::mt19937_64 rng_;
  std::string omit_;
};

#define WARD_TRY(expr)                  \
  do {                                  \
    if (auto s_ = (expr); !s_) return s_; \
  } while (false)

core::Status add_layer(TensorMaker& make, const RandomModelSpec& s, int layer) {
  const int64_t head_dim = s.embedding / s.heads;
  const int64_t q_dim = s.embedding, kv_dim = head_dim * s.kv_heads;
  const auto name = [layer](const char* suffix) { return fmt::format("blk.{}.{}", layer, suffix); };
  const double in = 1.0 / std::sqrt(static_cast<double>(s.embedding));
  WARD_TRY(make.vector(name("attn_norm.weight"), s.embedding, 1.0f, 0.1f));
  WARD_TRY(make.matrix(name("attn_q.weight"), s.type, s.embedding, q_dim, 2 * in));
  WARD_TRY(make.matrix(name("attn_k.weight"), s.type, s.embedding, kv_dim, 2 * in));
  WARD_TRY(make.matrix(name("attn_v.weight"), s.type, s.embedding, kv_dim, in));
  if (s.architecture == "qwen2") {
    WARD_TRY(make.vector(name("attn_q.bias"), q_dim, 0.0f, 0.5f));
    WARD_TRY(make.vector(name("attn_k.bias"), kv_dim, 0.0f, 0.5f));
    WARD_TRY(make.vector(name("attn_v.bias"), kv_dim, 0.0f, 0.5f));
  }
  WARD_TRY(make.matrix(name("attn_output.weight"), s.type, q_dim, s.embedding, in));
  WARD_TRY(make.vector(name("ffn_norm.weight"), s.embedding, 1.0f, 0.1f));
  WARD_TRY(make.matrix(name("ffn_gate.weight"), s.type, s.embedding, s.feed_forward, in));
  WARD_TRY(make.matrix(name("ffn_up.weight"), s.type, s.embedding, s.feed_forward, in));
  WARD_TRY(make.matrix(name("ffn_down.weight"), s.type, s.feed_forward, s.embedding,
                       1.0 / std::sqrt(static_cast<double>(s.feed_forward))));
  return core::ok_status();
}

}  // namespace

core::Status write_random_model(const RandomModelSpec& s, const std::filesystem::path& path) {
  auto vocab = gguf::File::open(s.vocabulary);
  if (!vocab) return vocab.error();
  const int64_t n_vocab = static_cast<int64_t>(vocab->find("tokenizer.ggml.tokens")->size());
  gguf::Writer w;
  const std::string& a = s.architecture;
  w.set_string("general.architecture", a);
  w.set_string("general.name", "ward random " + a);
  w.set_uint32(a + ".context_length", static_cast<uint32_t>(s.context));
  w.set_uint32(a + ".embedding_length", static_cast<uint32_t>(s.embedding));
  w.set_uint32(a + ".block_count", static_cast<uint32_t>(s.layers));
  w.set_uint32(a + ".feed_forward_length", static_cast<uint32_t>(s.feed_forward));
  w.set_uint32(a + ".attention.head_count", static_cast<uint32_t>(s.heads));
  w.set_uint32(a + ".attention.head_count_kv", static_cast<uint32_t>(s.kv_heads));
  w.set_float32(a + ".attention.layer_norm_rms_epsilon", 1e-6f);
  w.set_float32(a + ".rope.freq_base", a == "qwen2" ? 1000000.0f : 10000.0f);
  WARD_TRY(copy_tokenizer(*vocab, w));
  TensorMaker make(w, s.seed, s.omit_tensor);
  WARD_TRY(make.matrix("token_embd.weight", s.type, s.embedding, n_vocab, 1.0));
  for (int layer = 0; layer < s.layers; ++layer) WARD_TRY(add_layer(make, s, layer));
  WARD_TRY(make.vector("output_norm.weight", s.embedding, 1.0f, 0.1f));
  if (!s.tied_output) {
    WARD_TRY(make.matrix("output.weight", s.type, s.embedding, n_vocab,
                         2.0 / std::sqrt(static_cast<double>(s.embedding))));
  }
  return w.write(path);
}

#undef WARD_TRY

}  // namespace ward::infer::model::testing
