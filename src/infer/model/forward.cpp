#include "infer/model/forward.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace ward::infer::model {
namespace {

// Rows per piece when a product is split between threads: whole tiles of the batched kernels.
constexpr int64_t kRowGranule = 16;
// Chunks with fewer tokens than this do their per-token work on the calling thread: waking the
// pool costs more than the work.
constexpr int64_t kMinParallelTokens = 4;
// The feed-forward runs on this many tokens at a time: its two ff-wide intermediates are the
// largest scratch (20 MB for 512 tokens of a 0.5B model), and smaller pieces cost no weight
// traffic, since the products stream the weights once per 32 columns anyway (kernels.h).
constexpr int64_t kFeedForwardTokens = 128;

size_t at(int64_t column, int64_t width) {
  return static_cast<size_t>(column * width);
}

// out = x / sqrt(mean(x²) + eps) * weight. The sum of squares is taken in double, as ggml does.
void rms_norm(const float* x, const float* weight, float* out, int64_t n, float epsilon) {
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i]) * x[i];
  const float mean = static_cast<float>(sum / static_cast<double>(n));
  const float scale = 1.0f / std::sqrt(mean + epsilon);
  for (int64_t i = 0; i < n; ++i) out[i] = (x[i] * scale) * weight[i];
}

void add_to(float* y, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += x[i];
}

}  // namespace

ForwardPass::ForwardPass(const Model& model, int32_t batch_size, int32_t context_size, int threads)
    : model_(model),
      hp_(model.hyperparameters()),
      x_(at(batch_size, hp_.embedding_length)),
      xn_(at(batch_size, hp_.embedding_length)),
      q_(at(batch_size, hp_.q_dim())),
      k_(at(batch_size, hp_.kv_dim())),
      v_(at(batch_size, hp_.kv_dim())),
      attn_(at(batch_size, hp_.q_dim())),
      proj_(at(batch_size, hp_.embedding_length)),
      gate_(at(std::min<int64_t>(batch_size, kFeedForwardTokens), hp_.feed_forward_length)),
      up_(at(std::min<int64_t>(batch_size, kFeedForwardTokens), hp_.feed_forward_length)),
      context_size_(context_size) {
  scores_.resize(static_cast<size_t>(std::max(1, threads)) * scores_per_participant());
}

// kernels::attend()'s scratch for one key/value head's group of queries over the whole context.
size_t ForwardPass::scores_per_participant() const {
  const int64_t padded =
      (context_size_ + kernels::kKeyBlock - 1) / kernels::kKeyBlock * kernels::kKeyBlock;
  return static_cast<size_t>(padded * (hp_.head_count / hp_.head_count_kv));
}

core::Status ForwardPass::run(std::span<const tokenizer::TokenId> tokens, int32_t first_position,
                              KvCache& cache, threads::ThreadPool& pool, float* logits,
                              const std::atomic<bool>* cancel) {
  pool_ = &pool;
  KvCache* const one[] = {&cache};
  if (auto status = run_layers(tokens, {first_position, one, false}, cancel); !status) {
    return status;
  }
  const auto n = static_cast<int64_t>(tokens.size());
  if (logits != nullptr) output_logits(n - 1, n, logits);
  return core::ok_status();
}

core::Status ForwardPass::run_branches(std::span<const tokenizer::TokenId> tokens, int32_t position,
                                       std::span<KvCache* const> caches, threads::ThreadPool& pool,
                                       float* logits, const std::atomic<bool>* cancel) {
  pool_ = &pool;
  if (auto status = run_layers(tokens, {position, caches, true}, cancel); !status) return status;
  output_logits(0, static_cast<int64_t>(tokens.size()), logits);
  return core::ok_status();
}

core::Status ForwardPass::run_layers(std::span<const tokenizer::TokenId> tokens,
                                     const Placement& placement, const std::atomic<bool>* cancel) {
  const auto n = static_cast<int64_t>(tokens.size());
  embed(tokens);
  const auto& layers = model_.weights().layers;
  for (int32_t layer = 0; layer < static_cast<int32_t>(layers.size()); ++layer) {
    if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) {
      return core::Error(core::Code::kCancelled, "inference", "evaluation was cancelled");
    }
    attention_block(layers[static_cast<size_t>(layer)], layer, n, placement);
    feed_forward_block(layers[static_cast<size_t>(layer)], n);
  }
  return core::ok_status();
}

void ForwardPass::embed(std::span<const tokenizer::TokenId> tokens) {
  const Matrix& table = model_.weights().token_embd;
  for_tokens(static_cast<int64_t>(tokens.size()), [&](int64_t t) {
    // Checked at load: the table's type and row length are valid, so this cannot fail.
    (void)kernels::dequantize_row(table.type, table.row(tokens[static_cast<size_t>(t)]),
                                  &x_[at(t, table.cols)], table.cols);
  });
}

void ForwardPass::attention_block(const LayerWeights& w, int32_t layer, int64_t n,
                                  const Placement& placement) {
  const int64_t embd = hp_.embedding_length;
  for_tokens(n, [&](int64_t t) {
    rms_norm(&x_[at(t, embd)], w.attn_norm.data, &xn_[at(t, embd)], embd, hp_.rms_norm_epsilon);
  });
  prepare(xn_.data(), embd, n, {w.attn_q.type, w.attn_k.type, w.attn_v.type});
  multiply({{w.attn_q, q_.data()}, {w.attn_k, k_.data()}, {w.attn_v, v_.data()}});
  position_encode(w, layer, n, placement);
  attend(layer, n, placement);
  prepare(attn_.data(), hp_.q_dim(), n, {w.attn_output.type});
  multiply({{w.attn_output, proj_.data()}});
}

void ForwardPass::feed_forward_block(const LayerWeights& w, int64_t n) {
  const int64_t embd = hp_.embedding_length;
  const int64_t ff = hp_.feed_forward_length;
  for_tokens(n, [&](int64_t t) {
    add_to(&x_[at(t, embd)], &proj_[at(t, embd)], embd);  // the attention's residual
    rms_norm(&x_[at(t, embd)], w.ffn_norm.data, &xn_[at(t, embd)], embd, hp_.rms_norm_epsilon);
  });
  for (int64_t t0 = 0; t0 < n; t0 += kFeedForwardTokens) {
    const int64_t m = std::min(kFeedForwardTokens, n - t0);
    prepare(&xn_[at(t0, embd)], embd, m, {w.ffn_gate.type, w.ffn_up.type});
    multiply({{w.ffn_gate, gate_.data()}, {w.ffn_up, up_.data()}});
    for_tokens(m, [&](int64_t t) {
      kernels::silu_multiply(&gate_[at(t, ff)], &up_[at(t, ff)], ff);
    });
    prepare(gate_.data(), ff, m, {w.ffn_down.type});
    multiply({{w.ffn_down, &proj_[at(t0, embd)]}});
  }
  for_tokens(n, [&](int64_t t) { add_to(&x_[at(t, embd)], &proj_[at(t, embd)], embd); });
}

void ForwardPass::output_logits(int64_t first, int64_t n, float* logits) {
  const Weights& w = model_.weights();
  const int64_t embd = hp_.embedding_length;
  for_tokens(n - first, [&](int64_t t) {
    rms_norm(&x_[at(first + t, embd)], w.output_norm.data, &xn_[at(t, embd)], embd,
             hp_.rms_norm_epsilon);
  });
  prepare(xn_.data(), embd, n - first, {w.output.type});
  multiply({{w.output, logits}});
}

// Quantises the n columns of `input` once per activation format the given weight types need.
void ForwardPass::prepare(const float* input, int64_t k, int64_t n,
                          std::initializer_list<TensorType> types) {
  bool done[3] = {false, false, false};
  for (TensorType type : types) {
    const auto format = static_cast<size_t>(kernels::activation_format(type));
    if (done[format]) continue;
    done[format] = true;
    kernels::QuantizedActivations& a = activations_[format];
    a.reset(type, k, n);
    if (n < kMinParallelTokens) {
      a.quantize(input, 0, n);
    } else {
      pool_->for_rows(n, 1, [&](int64_t begin, int64_t end) { a.quantize(input, begin, end); });
    }
  }
}

// Runs the products as one job: every participant takes its share of each matrix's rows.
void ForwardPass::multiply(std::initializer_list<Product> products) {
  const int64_t parts = pool_->size();
  pool_->run(parts, [&](int64_t part) {
    for (const Product& p : products) {
      const int64_t granules = (p.weights.rows + kRowGranule - 1) / kRowGranule;
      const int64_t begin = std::min(p.weights.rows, granules * part / parts * kRowGranule);
      const int64_t end = std::min(p.weights.rows, granules * (part + 1) / parts * kRowGranule);
      if (begin >= end) continue;
      const auto format = static_cast<size_t>(kernels::activation_format(p.weights.type));
      kernels::matmul(p.weights.type, p.weights.data, begin, end, activations_[format], p.out,
                      p.weights.rows);
    }
  });
}

// Adds the q/k/v biases, rotates queries and keys, and stores keys and values in the cache.
void ForwardPass::position_encode(const LayerWeights& w, int32_t layer, int64_t n,
                                  const Placement& placement) {
  const int64_t q_dim = hp_.q_dim();
  const int64_t kv_dim = hp_.kv_dim();
  for_tokens(n, [&](int64_t t) {
    float* q = &q_[at(t, q_dim)];
    float* k = &k_[at(t, kv_dim)];
    float* v = &v_[at(t, kv_dim)];
    if (hp_.attention_bias) {
      add_to(q, w.q_bias.data, q_dim);
      add_to(k, w.k_bias.data, kv_dim);
      add_to(v, w.v_bias.data, kv_dim);
    }
    const int32_t position = placement.position(t);
    for (int32_t h = 0; h < hp_.head_count; ++h) rope(q + h * hp_.head_dim, position);
    for (int32_t h = 0; h < hp_.head_count_kv; ++h) rope(k + h * hp_.head_dim, position);
    placement.cache(t).store(layer, position, k, v);
  });
}

// Rotates the first rope_dimensions elements of one head by the angles of `position`. The angle
// of pair i is position * freq_scale * base^(-2i/dims) [/ rope_freqs[i]], computed by repeated
// multiplication in float as ggml computes it, so the two round alike.
void ForwardPass::rope(float* head, int32_t position) const {
  const int32_t dims = hp_.rope_dimensions;
  const float theta_scale = std::pow(hp_.rope_freq_base, -2.0f / static_cast<float>(dims));
  const float* freq_factors = model_.weights().rope_freqs.data;
  float theta = static_cast<float>(position);
  for (int32_t i = 0; i < dims / 2; ++i, theta *= theta_scale) {
    const float angle =
        hp_.rope_freq_scale * (freq_factors != nullptr ? theta / freq_factors[i] : theta);
    const float cos_a = std::cos(angle);
    const float sin_a = std::sin(angle);
    const bool halves = hp_.rope_ordering == RopeOrdering::kHalves;
    float& a = halves ? head[i] : head[2 * i];
    float& b = halves ? head[i + dims / 2] : head[2 * i + 1];
    const float x0 = a;
    const float x1 = b;
    a = x0 * cos_a - x1 * sin_a;
    b = x0 * sin_a + x1 * cos_a;
  }
}

// Causal attention, one task per (token, key/value head): the query heads that share a key/value
// head see the same keys, so the kernel reads each key and value once for all of them.
void ForwardPass::attend(int32_t layer, int64_t n, const Placement& placement) {
  const int32_t kv_heads = hp_.head_count_kv;
  const int32_t group = hp_.head_count / kv_heads;
  const int64_t q_dim = hp_.q_dim();
  const int64_t participants = pool_->size();
  // Task i runs on participant i % size() (ThreadPool::run), which owns that part of scores_.
  pool_->run(n * kv_heads, [&](int64_t task) {
    const int64_t t = task / kv_heads;
    const auto kv_head = static_cast<int32_t>(task % kv_heads);
    const KvCache& cache = placement.cache(t);
    const size_t first_head = static_cast<size_t>(kv_head) * static_cast<size_t>(group) *
                              static_cast<size_t>(hp_.head_dim);
    kernels::attend(
        {.queries = &q_[at(t, q_dim) + first_head],
         .query_count = group,
         .query_stride = hp_.head_dim,
         .key_blocks = cache.key_blocks(layer, kv_head),
         .values = cache.values(layer, 0) +
                   static_cast<size_t>(kv_head) * static_cast<size_t>(hp_.head_dim),
         .value_stride = cache.value_stride(),
         .keys = placement.position(t) + 1,
         .dim = hp_.head_dim,
         .scale = 1.0f / std::sqrt(static_cast<float>(hp_.head_dim)),
         .scores = &scores_[static_cast<size_t>(task % participants) * scores_per_participant()],
         .out = &attn_[at(t, q_dim) + first_head],
         .out_stride = hp_.head_dim});
  });
}

template <typename Body>
void ForwardPass::for_tokens(int64_t n, const Body& body) {
  if (n < kMinParallelTokens) {
    for (int64_t t = 0; t < n; ++t) body(t);
  } else {
    pool_->run(n, body);
  }
}

}  // namespace ward::infer::model
