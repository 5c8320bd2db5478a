// One Sampler::sample() over a Qwen2.5-sized vocabulary (151,936 logits, Gaussian, as a model's
// are roughly) for each path of the chain, against a straightforward peer that does the same
// chain by sorting the whole vocabulary (what a sampler without partial selection does; llama.cpp
// has no entry point that samples alone, so it cannot be timed here on equal terms). Prints the
// microseconds per sample of both and the ratio. Run on a quiet machine, e.g.
//   build/bench/sampling_bench --benchmark_min_time=0.5

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "infer/sampling/sampler.h"

namespace {

using ward::infer::sampling::Sampler;
using ward::infer::sampling::SamplerOptions;
using ward::infer::sampling::TokenId;

constexpr size_t kVocabulary = 151936;

const std::vector<float>& logits() {
  static const std::vector<float> values = [] {
    std::mt19937 generator(1);
    std::normal_distribution<float> normal(0.0f, 2.0f);
    std::vector<float> v(kVocabulary);
    for (float& x : v) x = normal(generator);
    return v;
  }();
  return values;
}

struct Case {
  const char* name;
  SamplerOptions options;
};

std::vector<Case> cases() {
  SamplerOptions defaults;  // top_k 40, top_p 0.95, min_p 0.05, temperature 0.8
  defaults.repeat_penalty = 1.1f;
  SamplerOptions top_p_only = defaults;
  top_p_only.top_k = 0;
  top_p_only.min_p = 0.0f;
  SamplerOptions min_p_only = top_p_only;
  min_p_only.top_p = 1.0f;
  min_p_only.min_p = 0.05f;
  SamplerOptions full = min_p_only;
  full.min_p = 0.0f;
  return {{"greedy", SamplerOptions::greedy()},
          {"defaults(k40,p0.95,minp0.05)", defaults},
          {"top_p0.95", top_p_only},
          {"min_p0.05", min_p_only},
          {"full_distribution", full}};
}

// The peer: penalties, then one full sort, then the same filters and a draw by std::exp.
TokenId sort_everything(const SamplerOptions& o, const std::vector<float>& input,
                        const std::vector<TokenId>& recent, std::mt19937_64& generator) {
  std::vector<std::pair<float, TokenId>> c(input.size());
  for (size_t i = 0; i < input.size(); ++i) c[i] = {input[i], static_cast<TokenId>(i)};
  for (TokenId id : recent) {
    float& l = c[id].first;
    l = l > 0 ? l / o.repeat_penalty : l * o.repeat_penalty;
  }
  std::sort(c.begin(), c.end(), [](auto& a, auto& b) { return a.first > b.first; });
  if (o.temperature == 0.0f) return c[0].second;
  if (o.top_k > 0) c.resize(std::min<size_t>(c.size(), o.top_k));
  const float max = c[0].first;
  std::vector<double> p(c.size());
  double total = 0;
  for (size_t i = 0; i < c.size(); ++i) total += p[i] = std::exp(c[i].first - max);
  if (o.top_p < 1.0f) {
    double mass = 0;
    for (size_t i = 0; i < c.size(); ++i) {
      mass += p[i] / total;
      if (mass >= o.top_p) {
        c.resize(i + 1);
        break;
      }
    }
  }
  if (o.min_p > 0.0f) {
    size_t keep = 0;
    while (keep < c.size() && std::exp(c[keep].first - max) >= o.min_p) ++keep;
    c.resize(std::max<size_t>(keep, 1));
  }
  double sum = 0;
  std::vector<double> w(c.size());
  for (size_t i = 0; i < c.size(); ++i) sum += w[i] = std::exp((c[i].first - max) / o.temperature);
  double target = std::uniform_real_distribution<double>(0, sum)(generator);
  for (size_t i = 0; i < c.size(); ++i) {
    if ((target -= w[i]) < 0) return c[i].second;
  }
  return c.back().second;
}

void ward_sample(benchmark::State& state, SamplerOptions options) {
  auto sampler = *Sampler::create(options);
  for (TokenId id = 0; id < 64; ++id) sampler.accept(id * 37);
  for (auto _ : state) benchmark::DoNotOptimize(*sampler.sample(logits()));
}

void peer_sample(benchmark::State& state, SamplerOptions options) {
  std::vector<TokenId> recent;
  for (TokenId id = 0; id < 64; ++id) recent.push_back(id * 37);
  std::mt19937_64 generator(options.seed);
  for (auto _ : state)
    benchmark::DoNotOptimize(sort_everything(options, logits(), recent, generator));
}

// Collects each run's time per iteration and prints the ratios at the end.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      times_[run.benchmark_name()] = run.GetAdjustedRealTime();  // in the run's time unit (us)
    }
    ConsoleReporter::ReportRuns(runs);
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    std::printf("\nper sample over %zu logits (microseconds): ward / sort-everything peer\n",
                kVocabulary);
    for (const Case& c : cases()) {
      const std::string name = c.name;
      const double ward = times_["sample/ward/" + name];
      const double peer = times_["sample/peer/" + name];
      if (ward > 0 && peer > 0) {
        std::printf("  %-30s %9.1f us  %9.1f us  peer/ward = %.1fx\n", name.c_str(), ward, peer,
                    peer / ward);
      }
    }
  }

 private:
  std::map<std::string, double> times_;
};

}  // namespace

int main(int argc, char** argv) {
  for (const Case& c : cases()) {
    benchmark::RegisterBenchmark(("sample/ward/" + std::string(c.name)).c_str(), ward_sample,
                                 c.options)
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(("sample/peer/" + std::string(c.name)).c_str(), peer_sample,
                                 c.options)
        ->Unit(benchmark::kMicrosecond);
  }
  benchmark::Initialize(&argc, argv);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
