// Ward's engine against llama.cpp on a Qwen2.5-Coder-0.5B-shaped random model (24 layers, embd
// 896, 14 heads, 2 KV heads, ff 4864, the real qwen2 vocabulary, tied output): prompt
// processing of 512 tokens (pp512) and generation of 64 tokens after it (tg64), tokens/s, with
// the same thread count. llama.cpp (node-llama-cpp 3.21.1, tests/infer/oracle/llama_cpp.mjs
// --bench-pp/--bench-tg) is measured in the same run and each benchmark prints its ratio.
//
//   build-*/bench/engine_bench [--benchmark_filter=...]   (run from anywhere)
// Environment: WARD_BENCH_THREADS (default 2), WARD_BENCH_TYPES (default "q8_0,q4_0"),
// WARD_BENCH_DIR (where the models are written once and kept; default /tmp/ward-engine-bench).

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <string>
#include <vector>

#include "infer/model/session.h"
#include "infer/synth/synth.h"

namespace {

using ward::infer::TensorType;
using ward::infer::model::Model;
using ward::infer::model::Session;
using ward::infer::tokenizer::TokenId;

constexpr int kPromptTokens = 512;
constexpr int kGeneratedTokens = 64;

int bench_threads() {
  const char* value = std::getenv("WARD_BENCH_THREADS");
  return value != nullptr ? std::max(1, std::atoi(value)) : 2;
}

std::filesystem::path bench_dir() {
  const char* value = std::getenv("WARD_BENCH_DIR");
  return value != nullptr ? value : "/tmp/ward-engine-bench";
}

// Writes the model for `type` once with ward::infer::synth (`ward model synth --preset
// qwen2.5-0.5b`) and reuses it on later runs.
std::filesystem::path model_path(const std::string& type_name) {
  const auto path = bench_dir() / fmt::format("synth-qwen2.5-0.5b-{}.gguf", type_name);
  if (std::filesystem::exists(path)) return path;
  std::filesystem::create_directories(bench_dir());
  auto options = *ward::infer::synth::preset("qwen2.5-0.5b");
  options.vocabulary = std::filesystem::path(WARD_FIXTURES_DIR) / "vocab/ggml-vocab-qwen2.gguf";
  options.weight_type = *ward::infer::type_named(type_name);
  options.seed = 5;
  std::fprintf(stderr, "writing %s ...\n", path.c_str());
  if (auto summary = ward::infer::synth::synthesize(options, path); !summary) {
    std::fprintf(stderr, "%s\n", summary.error().to_string().c_str());
    std::exit(1);
  }
  return path;
}

struct PeerFigures {
  double pp_tps = 0;
  double tg_tps = 0;
};

// llama.cpp's pp512 / tg64 on the same file and thread count.
PeerFigures measure_llama_cpp(const std::filesystem::path& path) {
  const std::string command = fmt::format(
      "cd '{}' && node tests/infer/oracle/llama_cpp.mjs --model '{}' --threads {} "
      "--context-size 1024 --bench-pp {} --bench-tg {}",
      WARD_SOURCE_DIR, path.string(), bench_threads(), kPromptTokens, kGeneratedTokens);
  FILE* pipe = ::popen(command.c_str(), "r");
  std::string out;
  char buffer[4096];
  for (size_t n; pipe != nullptr && (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) {
    out.append(buffer, n);
  }
  if (pipe == nullptr || ::pclose(pipe) != 0) {
    std::fprintf(stderr, "llama.cpp peer failed: %s\n", out.c_str());
    return {};
  }
  const auto json = nlohmann::json::parse(out, nullptr, false);
  if (json.is_discarded()) return {};
  return {json.value("pp_tps", 0.0), json.value("tg_tps", 0.0)};
}

struct Loaded {
  std::shared_ptr<const Model> model;
  PeerFigures peer;
};

const Loaded& loaded(const std::string& type_name) {
  static std::map<std::string, Loaded> cache;
  auto it = cache.find(type_name);
  if (it != cache.end()) return it->second;
  const auto path = model_path(type_name);
  auto model = Model::load(path);
  if (!model) {
    std::fprintf(stderr, "%s\n", model.error().to_string().c_str());
    std::exit(1);
  }
  Loaded value{*model, measure_llama_cpp(path)};
  std::fprintf(stderr, "llama.cpp %s, %d threads: pp%d %.1f tokens/s, tg%d %.1f tokens/s\n",
               type_name.c_str(), bench_threads(), kPromptTokens, value.peer.pp_tps,
               kGeneratedTokens, value.peer.tg_tps);
  return cache.emplace(type_name, std::move(value)).first->second;
}

std::vector<TokenId> prompt_tokens(int32_t vocab, TokenId first) {
  std::vector<TokenId> tokens(kPromptTokens);
  for (int i = 0; i < kPromptTokens; ++i) tokens[static_cast<size_t>(i)] = (i * 7919 + 13) % vocab;
  tokens[0] = first;  // differs between iterations, so nothing is reused from the cache
  return tokens;
}

Session make_session(const Loaded& l) {
  auto session = Session::create(l.model, {.context_size = 1024, .threads = bench_threads(),
                                           .batch_size = kPromptTokens});
  if (!session) std::exit(1);
  return std::move(*session);
}

void BM_PromptProcessing(benchmark::State& state, std::string type_name) {
  const Loaded& l = loaded(type_name);
  Session session = make_session(l);
  TokenId first = 0;
  for (auto _ : state) {
    auto logits = session.evaluate(prompt_tokens(l.model->vocab_size(), first++));
    benchmark::DoNotOptimize(logits);
  }
  const double tps = kPromptTokens * static_cast<double>(state.iterations());
  state.counters["tokens/s"] = benchmark::Counter(tps, benchmark::Counter::kIsRate);
  state.counters["llama.cpp tokens/s"] = l.peer.pp_tps;
}

void BM_Generation(benchmark::State& state, std::string type_name) {
  const Loaded& l = loaded(type_name);
  Session session = make_session(l);
  TokenId first = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto prompt = session.evaluate(prompt_tokens(l.model->vocab_size(), first++));
    if (!prompt) std::exit(1);
    TokenId next = 0;
    state.ResumeTiming();
    for (int i = 0; i < kGeneratedTokens; ++i) {
      auto logits = session.append(next);
      next = static_cast<TokenId>(std::max_element(logits->begin(), logits->end()) -
                                  logits->begin());
    }
  }
  const double tps = kGeneratedTokens * static_cast<double>(state.iterations());
  state.counters["tokens/s"] = benchmark::Counter(tps, benchmark::Counter::kIsRate);
  state.counters["llama.cpp tokens/s"] = l.peer.tg_tps;
}

std::vector<std::string> bench_types() {
  const char* value = std::getenv("WARD_BENCH_TYPES");
  std::string list = value != nullptr ? value : "q8_0,q4_0";
  std::vector<std::string> types;
  for (size_t start = 0; start <= list.size();) {
    const size_t comma = std::min(list.find(',', start), list.size());
    if (comma > start) types.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  return types;
}

// Prints Ward / llama.cpp for each benchmark after the usual table.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      const auto ours = run.counters.find("tokens/s");
      const auto peer = run.counters.find("llama.cpp tokens/s");
      if (ours == run.counters.end() || peer == run.counters.end() || peer->second.value <= 0) {
        continue;
      }
      // The rate counter is already divided by the run's time here.
      GetOutputStream() << fmt::format("  {}: Ward {:.1f} tokens/s, llama.cpp {:.1f} tokens/s, "
                                       "ratio {:.2f}x\n",
                                       run.benchmark_name(), ours->second.value,
                                       peer->second.value, ours->second.value / peer->second.value);
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  for (const std::string& type : bench_types()) {
    if (!ward::infer::type_named(type)) {
      std::fprintf(stderr, "unknown type %s in WARD_BENCH_TYPES\n", type.c_str());
      return 2;
    }
    benchmark::RegisterBenchmark(("pp512/" + type).c_str(), BM_PromptProcessing, type)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime()
        ->MinTime(2);
    benchmark::RegisterBenchmark(("tg64/" + type).c_str(), BM_Generation, type)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime()
        ->MinTime(2);
  }
  benchmark::Initialize(&argc, argv);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
