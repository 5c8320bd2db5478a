// The inference kernels per weight type and instruction-set family, with the scalar reference as
// the peer: matrix-vector products (generation: one activation column, memory-bound, weights
// streamed from DRAM through enough copies of the matrix to defeat the caches) and
// matrix-matrix products (prompt processing: many columns, compute-bound). Shapes are those of a
// Qwen2.5-0.5B feed-forward layer: 4864 x 896 (gate / up) and 896 x 4864 (down); K formats use
// k = 1024 where 896 is not a whole number of their blocks. Reports GB/s of
// weights streamed and GFLOP/s (2 per multiply-add), and at the end each family's speed-up over
// scalar. Single-threaded, except the model/ cases: a whole Qwen2.5-0.5B-shaped stack on 1 and
// 2 threads, in tokens/s. Run it on a quiet machine, e.g.
//   build/bench/kernels_bench --benchmark_min_time=0.5
// or pick cases with --benchmark_filter='matvec/Q8_0'.

#include <benchmark/benchmark.h>
#include <immintrin.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "infer/kernels/half.h"
#include "infer/kernels/kernels.h"

namespace {

using ward::infer::TensorType;
namespace k = ward::infer::kernels;

constexpr TensorType kTypes[] = {TensorType::kQ8_0, TensorType::kQ4_0, TensorType::kQ4_K,
                                 TensorType::kQ5_K, TensorType::kQ6_K, TensorType::kF16,
                                 TensorType::kBF16, TensorType::kF32};
constexpr k::KernelFamily kFamilies[] = {k::KernelFamily::kScalar, k::KernelFamily::kAvx2,
                                         k::KernelFamily::kAvx512, k::KernelFamily::kAvx512Vnni};

struct Shape {
  const char* name;
  int64_t rows, k;
};
constexpr Shape kShapes[] = {{"4864x896", 4864, 896}, {"896x4864", 896, 4864}};

// Columns of the matrix-matrix case: a prompt chunk.
constexpr int64_t kBatchColumns = 128;
// Matrix-vector cases cycle through this many bytes of weights, well beyond the 32 MB L3.
constexpr size_t kStreamBytes = size_t{256} << 20;

std::string type_name(TensorType type) {
  return std::string(ward::infer::layout_of(type)->name);
}

// Random weights: quantised bytes random, half-precision scales sane (as the kernel tests do);
// float types from Gaussian values. Generated once per type and shape, then copied.
std::vector<uint8_t> make_weights(TensorType type, int64_t rows, int64_t kk) {
  std::mt19937 rng(42);
  const size_t row_size = *ward::infer::row_bytes(type, kk);
  std::vector<uint8_t> w(row_size * static_cast<size_t>(rows));
  const auto layout = *ward::infer::layout_of(type);
  if (layout.block_elements == 1) {
    std::normal_distribution<float> gauss(0.0f, 0.02f);
    std::vector<float> row(static_cast<size_t>(kk));
    for (int64_t r = 0; r < rows; ++r) {
      for (float& v : row) v = gauss(rng);
      (void)k::quantize_row(type, row.data(), w.data() + r * row_size, kk);
    }
    return w;
  }
  std::uniform_int_distribution<int> byte(0, 255);
  for (uint8_t& b : w) b = static_cast<uint8_t>(byte(rng));
  const uint16_t scale = k::fp32_to_fp16(0.001f);
  for (size_t at = 0; at < w.size(); at += static_cast<size_t>(layout.block_bytes)) {
    const size_t offset = type == TensorType::kQ6_K ? 208 : 0;
    std::memcpy(&w[at + offset], &scale, 2);
    if (type == TensorType::kQ4_K || type == TensorType::kQ5_K) std::memcpy(&w[at + 2], &scale, 2);
  }
  return w;
}

void run_product(benchmark::State& state, TensorType type, Shape shape, int64_t cols,
                 k::KernelFamily family) {
  if (!k::cpu_supports(family)) {
    state.SkipWithError("this CPU lacks the family's features");
    return;
  }
  (void)k::set_kernel_family(family);
  // K-format rows are whole 256-element super-blocks: 896 becomes 1024 (llama.cpp stores such
  // tensors of Qwen2.5-0.5B in another type).
  const int64_t block = ward::infer::layout_of(type)->block_elements;
  shape.k = (shape.k + block - 1) / block * block;
  const std::vector<uint8_t> one = make_weights(type, shape.rows, shape.k);
  const size_t copies = cols == 1 ? std::max<size_t>(1, kStreamBytes / one.size()) : 1;
  std::vector<uint8_t> weights(one.size() * copies);
  for (size_t i = 0; i < copies; ++i)
    std::memcpy(weights.data() + i * one.size(), one.data(), one.size());

  std::mt19937 rng(7);
  std::normal_distribution<float> gauss(0.0f, 1.0f);
  std::vector<float> xf(static_cast<size_t>(shape.k * cols));
  for (float& v : xf) v = gauss(rng);
  const k::QuantizedActivations x = k::quantize_activations(type, xf.data(), shape.k, cols);
  std::vector<float> y(static_cast<size_t>(shape.rows * cols));

  size_t copy = 0;
  for (auto _ : state) {
    k::matmul(type, weights.data() + copy * one.size(), 0, shape.rows, x, y.data(), shape.rows);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
    copy = copy + 1 == copies ? 0 : copy + 1;
  }
  const double iterations = static_cast<double>(state.iterations());
  state.counters["GB/s"] = benchmark::Counter(static_cast<double>(one.size()) * iterations / 1e9,
                                              benchmark::Counter::kIsRate);
  state.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * static_cast<double>(shape.rows * shape.k * cols) * iterations / 1e9,
                         benchmark::Counter::kIsRate);
}

void run_quantize_activations(benchmark::State& state, TensorType type, k::KernelFamily family) {
  if (!k::cpu_supports(family)) {
    state.SkipWithError("this CPU lacks the family's features");
    return;
  }
  (void)k::set_kernel_family(family);
  const int64_t kk = 4864, cols = kBatchColumns;
  std::vector<float> xf(static_cast<size_t>(kk * cols), 0.5f);
  k::QuantizedActivations x;
  x.reset(type, kk, cols);
  for (auto _ : state) {
    x.quantize(xf.data(), 0, cols);
    benchmark::DoNotOptimize(x.data());
  }
  state.counters["elements/s"] =
      benchmark::Counter(static_cast<double>(kk * cols) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
}

// ---- a whole Qwen2.5-0.5B-shaped stack
// -----------------------------------------------------------
//
// The products of one token (generation: every matrix times one column, the output layer
// included) or of a 512-token prompt (every layer times 512 columns; the output layer only for
// the last token, as llama.cpp does), on 1 or 2 threads that split each matrix's rows, with the
// activations quantised as the engine will. Attention, norms and the rest of the graph are not
// here: these are the kernels' share of a token, to set against llama.cpp's whole-token figures
// (about 34 tokens/s generating and 370 tokens/s on prompts, 2 threads, Q8_0).

// A barrier that spins: a token is ~200 products, and sleeping barriers cost microseconds each.
class SpinBarrier {
 public:
  explicit SpinBarrier(int threads) : threads_(threads) {}
  void wait() {
    const int generation = generation_.load(std::memory_order_acquire);
    if (arrived_.fetch_add(1, std::memory_order_acq_rel) + 1 == threads_) {
      arrived_.store(0, std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_release);
      return;
    }
    while (generation_.load(std::memory_order_acquire) == generation) _mm_pause();
  }

 private:
  const int threads_;
  std::atomic<int> arrived_{0};
  std::atomic<int> generation_{0};
};

// threads - 1 helpers plus the caller run `work(thread, threads)` for each run() call.
class Workers {
 public:
  explicit Workers(int threads) : threads_(threads), start_(threads), done_(threads) {
    for (int t = 1; t < threads; ++t) {
      helpers_.emplace_back([this, t] {
        for (;;) {
          start_.wait();
          if (stop_.load(std::memory_order_acquire)) return;
          (*work_)(t, threads_);
          done_.wait();
        }
      });
    }
  }
  ~Workers() {
    stop_.store(true, std::memory_order_release);
    start_.wait();
    for (std::thread& helper : helpers_) helper.join();
  }
  Workers(const Workers&) = delete;
  Workers& operator=(const Workers&) = delete;

  void run(const std::function<void(int, int)>& work) {
    work_ = &work;
    start_.wait();
    work(0, threads_);
    done_.wait();
  }

 private:
  const int threads_;
  SpinBarrier start_, done_;
  const std::function<void(int, int)>* work_ = nullptr;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> helpers_;
};

struct Matrix {
  int64_t rows, k;
  std::vector<uint8_t> w;
};

struct Model {
  std::vector<Matrix> layers;  // per layer: q, k, v, o, gate, up, down
  Matrix output;
};

// Random bytes with sane half-precision scales (Q8_0 and Q4_0 blocks start with theirs), filled
// with xorshift as half a gigabyte is needed.
Matrix random_matrix(TensorType type, int64_t rows, int64_t kk, uint64_t seed) {
  Matrix m{rows, kk,
           std::vector<uint8_t>(*ward::infer::row_bytes(type, kk) * static_cast<size_t>(rows))};
  uint64_t state = seed * 0x9e3779b97f4a7c15ull + 1;
  for (size_t i = 0; i + 8 <= m.w.size(); i += 8) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    std::memcpy(&m.w[i], &state, 8);
  }
  const size_t block = static_cast<size_t>(ward::infer::layout_of(type)->block_bytes);
  const uint16_t scale = k::fp32_to_fp16(0.001f);
  for (size_t at = 0; at + block <= m.w.size(); at += block) std::memcpy(&m.w[at], &scale, 2);
  return m;
}

const Model& qwen_shaped(TensorType type) {
  static std::map<TensorType, Model> models;
  if (auto it = models.find(type); it != models.end()) return it->second;
  constexpr int64_t kHidden = 896, kKv = 128, kFfn = 4864, kVocab = 151936;
  const std::pair<int64_t, int64_t> shapes[] = {
      {kHidden, kHidden}, {kKv, kHidden},  {kKv, kHidden}, {kHidden, kHidden},
      {kFfn, kHidden},    {kFfn, kHidden}, {kHidden, kFfn}};
  Model model;
  uint64_t seed = 1;
  for (int layer = 0; layer < 24; ++layer) {
    for (const auto& [rows, kk] : shapes)
      model.layers.push_back(random_matrix(type, rows, kk, seed++));
  }
  model.output = random_matrix(type, kVocab, kHidden, seed);
  return models.emplace(type, std::move(model)).first->second;
}

void run_model(benchmark::State& state, TensorType type, int64_t tokens, int threads) {
  (void)k::set_kernel_family(k::best_family());
  const Model& model = qwen_shaped(type);
  std::vector<float> x(static_cast<size_t>(4864 * tokens));
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = static_cast<float>((i * 7919) % 1000) / 1000.0f - 0.5f;
  std::vector<float> y(static_cast<size_t>(151936 + 4864 * tokens));
  k::QuantizedActivations narrow, wide, last;
  narrow.reset(type, 896, tokens);
  wide.reset(type, 4864, tokens);
  last.reset(type, 896, 1);
  Workers workers(threads);
  SpinBarrier between(threads);
  // Each thread quantises its share of the columns, waits, then multiplies its share of the rows.
  auto quantise = [&](k::QuantizedActivations& a, int t, int n) {
    a.quantize(x.data(), a.cols() * t / n, a.cols() * (t + 1) / n);
    between.wait();
  };
  auto multiply = [&](const Matrix& m, const k::QuantizedActivations& a, int t, int n) {
    k::matmul(type, m.w.data(), m.rows * t / n, m.rows * (t + 1) / n, a, y.data(), m.rows);
  };
  const std::function<void(int, int)> token = [&](int t, int n) {
    for (size_t layer = 0; layer < 24; ++layer) {
      const Matrix* m = &model.layers[7 * layer];
      quantise(narrow, t, n);
      for (int i = 0; i < 3; ++i) multiply(m[i], narrow, t, n);  // q, k, v
      between.wait();
      quantise(narrow, t, n);        // the attention's output
      multiply(m[3], narrow, t, n);  // o
      between.wait();
      quantise(narrow, t, n);
      multiply(m[4], narrow, t, n);  // gate
      multiply(m[5], narrow, t, n);  // up
      between.wait();
      quantise(wide, t, n);
      multiply(m[6], wide, t, n);  // down
      between.wait();
    }
    quantise(last, t, n);
    multiply(model.output, last, t, n);
  };
  for (auto _ : state) {
    workers.run(token);
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["tokens/s"] =
      benchmark::Counter(static_cast<double>(tokens) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
}

// ---- speed-up report ----------------------------------------------------------------------------

class RatioReporter : public benchmark::ConsoleReporter {
 public:
  using ConsoleReporter::ConsoleReporter;

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.error_occurred) continue;
      const std::string& name = run.run_name.function_name;
      if (run.run_type == Run::RT_Aggregate && run.aggregate_name == "mean") {
        means_[name] = run.GetAdjustedRealTime();
      } else if (run.run_type == Run::RT_Iteration) {
        auto& [sum, count] = iterations_[name];
        sum += run.GetAdjustedRealTime();
        ++count;
      }
    }
  }

  void print_ratios() const {
    std::printf("\nspeed-up over scalar (scalar time / family time; higher is better):\n");
    std::printf("  %-30s %8s %8s %8s %12s\n", "case", "avx2", "avx512", "vnni", "scalar time");
    std::vector<std::string> cases;
    for (const char* kind : {"matvec", "matmul"}) {
      for (TensorType type : kTypes) {
        for (const Shape& shape : kShapes) {
          cases.push_back(std::string(kind) + "/" + type_name(type) + "/" + shape.name);
        }
      }
    }
    cases.push_back("quantize/Q8_0/4864x128");
    cases.push_back("quantize/Q4_K/4864x128");
    {
      {
        for (const std::string& base : cases) {
          const double scalar = mean(base + "/scalar");
          if (scalar <= 0) continue;
          std::printf("  %-30s", base.c_str());
          for (const char* family : {"avx2", "avx512", "avx512-vnni"}) {
            const double t = mean(base + "/" + family);
            if (t > 0) {
              std::printf(" %8.2f", scalar / t);
            } else {
              std::printf(" %8s", "-");
            }
          }
          std::printf(" %12.3g\n", scalar);
        }
      }
    }
  }

 private:
  double mean(const std::string& name) const {
    if (auto it = means_.find(name); it != means_.end()) return it->second;
    auto it = iterations_.find(name);
    return it == iterations_.end() ? 0 : it->second.first / it->second.second;
  }

  std::map<std::string, double> means_;
  std::map<std::string, std::pair<double, int>> iterations_;
};

}  // namespace

int main(int argc, char** argv) {
  for (const char* kind : {"matvec", "matmul"}) {
    const int64_t cols = std::string(kind) == "matvec" ? 1 : kBatchColumns;
    for (TensorType type : kTypes) {
      for (const Shape& shape : kShapes) {
        for (k::KernelFamily family : kFamilies) {
          const std::string name = std::string(kind) + "/" + type_name(type) + "/" + shape.name +
                                   "/" + std::string(k::family_name(family));
          benchmark::RegisterBenchmark(name.c_str(), run_product, type, shape, cols, family)
              ->Unit(benchmark::kMicrosecond);
        }
      }
    }
  }
  for (TensorType type : {TensorType::kQ8_0, TensorType::kQ4_K}) {
    for (k::KernelFamily family : kFamilies) {
      const std::string name =
          "quantize/" + type_name(type) + "/4864x128/" + std::string(k::family_name(family));
      benchmark::RegisterBenchmark(name.c_str(), run_quantize_activations, type, family)
          ->Unit(benchmark::kMicrosecond);
    }
  }
  for (TensorType type : {TensorType::kQ8_0, TensorType::kQ4_0}) {
    for (int threads : {1, 2}) {
      for (int64_t tokens : {1, 512}) {
        const std::string name = "model/" + type_name(type) + "/" +
                                 (tokens == 1 ? "generate" : "prompt512") + "/" +
                                 std::to_string(threads) + (threads == 1 ? "thread" : "threads");
        benchmark::RegisterBenchmark(name.c_str(), run_model, type, tokens, threads)
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
      }
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RatioReporter reporter(isatty(STDOUT_FILENO) ? benchmark::ConsoleReporter::OO_ColorTabular
                                               : benchmark::ConsoleReporter::OO_Tabular);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print_ratios();
  benchmark::Shutdown();
  return 0;
}
