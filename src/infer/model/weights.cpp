#include "infer/model/weights.h"

#include <fmt/format.h>

#include <string>

#include "infer/gguf/gguf.h"
#include "infer/kernels/kernels.h"

namespace ward::infer::model {
namespace {

using core::Code;
using core::Error;

std::string shape_text(const std::vector<int64_t>& shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

std::string type_text(TensorType type) {
  auto layout = layout_of(type);
  return layout ? std::string(layout->name) : fmt::format("type {}", static_cast<uint32_t>(type));
}

class Binder {
 public:
  explicit Binder(const gguf::File& file) : file_(file) {}

  // A matrix of GGUF shape [cols, rows].
  core::Result<Matrix> matrix(const std::string& name, int64_t cols, int64_t rows) const {
    auto info = find(name);
    if (!info) return info.error();
    const gguf::TensorInfo& t = **info;
    if (t.shape.size() != 2 || t.shape[0] != cols || t.shape[1] != rows) {
      return error(name, fmt::format("has shape {}; the model's hyperparameters call for [{}, {}]",
                                     shape_text(t.shape), cols, rows));
    }
    if (auto status = kernels::check_weight_shape(t.type, cols); !status) {
      return error(name, status.error().message());
    }
    return Matrix{t.type, file_.data(t).data(), rows, cols, *row_bytes(t.type, cols)};
  }

  // A vector of `size` F32 values.
  core::Result<Vector> vector(const std::string& name, int64_t size) const {
    auto info = find(name);
    if (!info) return info.error();
    const gguf::TensorInfo& t = **info;
    if (t.shape.size() != 1 || t.shape[0] != size) {
      return error(name, fmt::format("has shape {}; the model's hyperparameters call for [{}]",
                                     shape_text(t.shape), size));
    }
    if (t.type != TensorType::kF32) {
      return error(name, fmt::format("is {}; Ward's engine needs norms and biases in F32",
                                     type_text(t.type)));
    }
    return Vector{reinterpret_cast<const float*>(file_.data(t).data()), size};
  }

  bool has(const std::string& name) const { return file_.find_tensor(name) != nullptr; }

 private:
  core::Result<const gguf::TensorInfo*> find(const std::string& name) const {
    const gguf::TensorInfo* info = file_.find_tensor(name);
    if (info == nullptr) return error(name, "is missing; the model's architecture needs it");
    return info;
  }

  Error error(const std::string& name, std::string what) const {
    return Error(Code::kInvalidArgument, file_.path().string(),
                 fmt::format("tensor {} {}", name, what));
  }

  const gguf::File& file_;
};

// Assigns the bound value to `out`, or returns its error from the enclosing function.
#define WARD_BIND(out, expr)               \
  do {                                     \
    auto bound_ = (expr);                  \
    if (!bound_) return bound_.error();    \
    (out) = *bound_;                       \
  } while (false)

core::Result<LayerWeights> bind_layer(const Binder& bind, const Hyperparameters& hp, int layer) {
  const auto name = [layer](std::string_view suffix) {
    return fmt::format("blk.{}.{}", layer, suffix);
  };
  const int64_t embd = hp.embedding_length;
  LayerWeights w;
  WARD_BIND(w.attn_norm, bind.vector(name("attn_norm.weight"), embd));
  WARD_BIND(w.attn_q, bind.matrix(name("attn_q.weight"), embd, hp.q_dim()));
  WARD_BIND(w.attn_k, bind.matrix(name("attn_k.weight"), embd, hp.kv_dim()));
  WARD_BIND(w.attn_v, bind.matrix(name("attn_v.weight"), embd, hp.kv_dim()));
  WARD_BIND(w.attn_output, bind.matrix(name("attn_output.weight"), hp.q_dim(), embd));
  if (hp.attention_bias) {
    WARD_BIND(w.q_bias, bind.vector(name("attn_q.bias"), hp.q_dim()));
    WARD_BIND(w.k_bias, bind.vector(name("attn_k.bias"), hp.kv_dim()));
    WARD_BIND(w.v_bias, bind.vector(name("attn_v.bias"), hp.kv_dim()));
  }
  WARD_BIND(w.ffn_norm, bind.vector(name("ffn_norm.weight"), embd));
  WARD_BIND(w.ffn_gate, bind.matrix(name("ffn_gate.weight"), embd, hp.feed_forward_length));
  WARD_BIND(w.ffn_up, bind.matrix(name("ffn_up.weight"), embd, hp.feed_forward_length));
  WARD_BIND(w.ffn_down, bind.matrix(name("ffn_down.weight"), hp.feed_forward_length, embd));
  return w;
}

}  // namespace

core::Result<Weights> bind_weights(const gguf::File& file, const Hyperparameters& hp) {
  const Binder bind(file);
  Weights w;
  WARD_BIND(w.token_embd, bind.matrix("token_embd.weight", hp.embedding_length, hp.vocab_size));
  w.layers.reserve(static_cast<size_t>(hp.block_count));
  for (int layer = 0; layer < hp.block_count; ++layer) {
    LayerWeights layer_weights;
    WARD_BIND(layer_weights, bind_layer(bind, hp, layer));
    w.layers.push_back(layer_weights);
  }
  WARD_BIND(w.output_norm, bind.vector("output_norm.weight", hp.embedding_length));
  if (bind.has("output.weight")) {
    WARD_BIND(w.output, bind.matrix("output.weight", hp.embedding_length, hp.vocab_size));
  } else {
    w.output = w.token_embd;  // tied embeddings (Qwen2.5 0.5B-3B, SmolLM)
  }
  if (bind.has("rope_freqs.weight")) {
    WARD_BIND(w.rope_freqs, bind.vector("rope_freqs.weight", hp.rope_dimensions / 2));
  }
  return w;
}

#undef WARD_BIND

}  // namespace ward::infer::model
