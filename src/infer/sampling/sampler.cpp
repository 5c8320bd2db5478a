// Compiled with -ffp-contract=off (sources.cmake): a fused multiply-add would change results
// between machines, and the header promises the same token everywhere.
#include "infer/sampling/sampler.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "infer/sampling/exp.h"

namespace ward::infer::sampling {
namespace {

core::Error bad_option(const char* name, const std::string& rule, double value) {
  std::string shown = std::isnan(value) ? "NaN" : std::to_string(value);
  // std::to_string prints 6 decimals; drop the trailing zeros so "1.5" reads as 1.5.
  if (shown.find('.') != std::string::npos) {
    while (shown.back() == '0') shown.pop_back();
    if (shown.back() == '.') shown.pop_back();
  }
  return core::Error(core::Code::kInvalidArgument, name,
                     std::string(name) + " must be " + rule + ", got " + shown);
}

// The filters' order: higher logit first, then lower id (a strict total order, so every sort and
// selection below has one answer).
struct Better {
  template <typename C>
  bool operator()(const C& a, const C& b) const {
    return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
  }
};

bool by_id(const Sampler::Candidate& a, const Sampler::Candidate& b) {
  return a.id < b.id;
}

}  // namespace

SamplerOptions SamplerOptions::greedy() {
  SamplerOptions options;
  options.temperature = 0.0f;
  return options;
}

core::Status SamplerOptions::validate() const {
  // Written so that NaN fails each test (every comparison with NaN is false).
  if (!(temperature >= 0.0f && temperature < std::numeric_limits<float>::infinity())) {
    return bad_option("temperature", "at least 0 and finite (0 = greedy)", temperature);
  }
  if (top_k < 0) return bad_option("top_k", "at least 0 (0 = off)", top_k);
  if (!(top_p > 0.0f && top_p <= 1.0f)) return bad_option("top_p", "in (0, 1] (1 = off)", top_p);
  if (!(min_p >= 0.0f && min_p <= 1.0f)) return bad_option("min_p", "in [0, 1] (0 = off)", min_p);
  if (!(repeat_penalty > 0.0f && repeat_penalty < std::numeric_limits<float>::infinity())) {
    return bad_option("repeat_penalty", "greater than 0 and finite (1 = off)", repeat_penalty);
  }
  if (repeat_last_n < 0) return bad_option("repeat_last_n", "at least 0 (0 = off)", repeat_last_n);
  return core::ok_status();
}

core::Result<Sampler> Sampler::create(const SamplerOptions& options) {
  if (auto status = options.validate(); !status) return std::move(status).error();
  return Sampler(options);
}

void Sampler::accept(TokenId token) {
  if (options_.repeat_last_n == 0) return;
  recent_.push_back(token);
  while (recent_.size() > static_cast<size_t>(options_.repeat_last_n)) recent_.pop_front();
}

void Sampler::reset() {
  recent_.clear();
  random_ = Random(options_.seed);
}

core::Result<TokenId> Sampler::sample(std::span<const float> logits) {
  if (auto status = load_logits(logits); !status) return std::move(status).error();
  apply_penalty();
  const TokenId best = argmax();
  if (logits_[best] == -std::numeric_limits<float>::infinity()) {
    return core::Error(core::Code::kInvalidArgument, "logits",
                       "every logit is -infinity, so no token can be chosen");
  }
  if (options_.temperature == 0.0f) return best;

  const auto n = static_cast<int32_t>(logits_.size());
  if (options_.top_k > 0 && options_.top_k < n) {
    select_top_k(options_.top_k);
  } else {
    keep_all();
  }
  if (options_.top_p < 1.0f) select_top_p();
  if (options_.min_p > 0.0f) select_min_p();
  return draw();
}

core::Status Sampler::load_logits(std::span<const float> logits) {
  if (logits.empty()) {
    return core::Error(core::Code::kInvalidArgument, "logits",
                       "there are no logits to sample from");
  }
  if (logits.size() > static_cast<size_t>(std::numeric_limits<TokenId>::max())) {
    return core::Error(core::Code::kInvalidArgument, "logits",
                       "more logits than token ids can number (2^31 - 1)");
  }
  logits_.assign(logits.begin(), logits.end());
  // NaN never compares greater, so it does not disturb the maximum; it is caught on its own. The
  // offending id is looked for only when there is one.
  bool nan = false;
  for (float x : logits_) nan |= x != x;
  if (nan || max_logit() == std::numeric_limits<float>::infinity()) {
    for (size_t id = 0; id < logits_.size(); ++id) {
      if (!(logits_[id] < std::numeric_limits<float>::infinity())) {
        return core::Error(core::Code::kInvalidArgument, "logits",
                           "the logit of token " + std::to_string(id) + " is " +
                               (std::isnan(logits_[id]) ? "NaN" : "+infinity") +
                               "; the model produced invalid output");
      }
    }
  }
  return core::ok_status();
}

float Sampler::max_logit() const {
  // Eight independent running maxima: the loop is not one long dependency chain (and vectorises).
  constexpr size_t kLanes = 8;
  float lanes[kLanes];
  std::fill(std::begin(lanes), std::end(lanes), -std::numeric_limits<float>::infinity());
  const size_t n = logits_.size();
  const float* x = logits_.data();
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (size_t j = 0; j < kLanes; ++j) lanes[j] = x[i + j] > lanes[j] ? x[i + j] : lanes[j];
  }
  for (; i < n; ++i) lanes[0] = x[i] > lanes[0] ? x[i] : lanes[0];
  return *std::max_element(std::begin(lanes), std::end(lanes));
}

void Sampler::apply_penalty() {
  const float penalty = options_.repeat_penalty;
  if (penalty == 1.0f || recent_.empty()) return;
  // Each distinct token once, however often it occurs in the window (llama.cpp's meaning).
  penalised_ids_.assign(recent_.begin(), recent_.end());
  std::sort(penalised_ids_.begin(), penalised_ids_.end());
  penalised_ids_.erase(std::unique(penalised_ids_.begin(), penalised_ids_.end()),
                       penalised_ids_.end());
  for (TokenId id : penalised_ids_) {
    if (id < 0 || static_cast<size_t>(id) >= logits_.size()) continue;
    float& logit = logits_[static_cast<size_t>(id)];
    logit = logit > 0.0f ? logit / penalty : logit * penalty;
  }
}

TokenId Sampler::argmax() const {
  // The first id holding the maximum, i.e. the lowest id among equal maxima.
  const float max = max_logit();
  return static_cast<TokenId>(std::find(logits_.begin(), logits_.end(), max) - logits_.begin());
}

void Sampler::select_top_k(int32_t k) {
  // A heap of the k best so far whose front is the worst of them. Ids arrive in ascending order,
  // so a later token with an equal logit is worse and never replaces one kept.
  candidates_.clear();
  const auto min_first = [](const Candidate& a, const Candidate& b) { return Better{}(a, b); };
  for (TokenId id = 0; id < k; ++id) candidates_.push_back({logits_[id], id});
  std::make_heap(candidates_.begin(), candidates_.end(), min_first);
  float worst = candidates_.front().logit;
  const auto n = static_cast<TokenId>(logits_.size());
  for (TokenId id = k; id < n; ++id) {
    if (logits_[id] <= worst) continue;
    std::pop_heap(candidates_.begin(), candidates_.end(), min_first);
    candidates_.back() = {logits_[id], id};
    std::push_heap(candidates_.begin(), candidates_.end(), min_first);
    worst = candidates_.front().logit;
  }
  std::sort(candidates_.begin(), candidates_.end(), Better{});
  order_ = Order::kBestFirst;
}

void Sampler::keep_all() {
  candidates_.resize(logits_.size());
  for (size_t id = 0; id < logits_.size(); ++id) {
    candidates_[id] = {logits_[id], static_cast<TokenId>(id)};
  }
  order_ = Order::kById;
}

void Sampler::select_top_p() {
  // Probabilities at temperature 1 relative to the best, exp(logit - max); the mass to reach is
  // top_p times their sum over all survivors.
  float max = -std::numeric_limits<float>::infinity();
  for (const Candidate& c : candidates_) max = std::max(max, c.logit);
  if (order_ == Order::kBestFirst) {  // after top-k: few, sorted
    double total = 0.0;
    for (const Candidate& c : candidates_) total += exp_nonpositive(c.logit - max);
    keep_best_until(0, 0.0, static_cast<double>(options_.top_p) * total, max);
    return;
  }
  // The whole vocabulary, in id order: bucket the tokens by how far below the best they are
  // (kBucketsPerNat buckets per unit of logit). Whole buckets from the top are kept while their
  // mass stays below the target; only the bucket that crosses it is sorted. Equal logits share a
  // bucket, so the set kept is the one a full sort would keep. The total is the sum of the
  // buckets' masses, in bucket order.
  constexpr int kBucketsPerNat = 8;
  constexpr int kBuckets = 256;
  const size_t n = candidates_.size();
  buckets_.resize(n);
  weights_.resize(n);
  const Candidate* candidates = candidates_.data();
  int32_t* buckets = buckets_.data();
  float* weights = weights_.data();
  for (size_t i = 0; i < n; ++i) {  // vectorised: no dependency between tokens
    const float below = max - candidates[i].logit;
    buckets[i] = below < static_cast<float>(kBuckets - 1) / kBucketsPerNat
                     ? static_cast<int32_t>(below * kBucketsPerNat)
                     : kBuckets - 1;
    weights[i] = exp_nonpositive(-below);
  }
  double mass[kBuckets] = {};
  for (size_t i = 0; i < n; ++i) mass[buckets_[i]] += weights_[i];
  double total = 0.0;
  for (double m : mass) total += m;
  const double target = static_cast<double>(options_.top_p) * total;
  int crossing = 0;
  double above = 0.0;  // the mass of the buckets before `crossing`
  while (crossing < kBuckets - 1 && above + mass[crossing] < target) above += mass[crossing++];

  // The buckets before the crossing one stay whole and in id order; the crossing one is sorted
  // best first and cut, then merged back in by id.
  size_t kept = 0;
  crossing_.clear();
  for (size_t i = 0; i < n; ++i) {
    if (buckets_[i] < crossing) {
      candidates_[kept++] = candidates_[i];
    } else if (buckets_[i] == crossing) {
      crossing_.push_back(candidates_[i]);
    }
  }
  candidates_.resize(kept);
  std::sort(crossing_.begin(), crossing_.end(), Better{});
  for (size_t i = 0; i < crossing_.size(); ++i) {
    above += exp_nonpositive(crossing_[i].logit - max);
    if (above >= target) {
      crossing_.resize(i + 1);
      break;
    }
  }
  std::sort(crossing_.begin(), crossing_.end(), by_id);
  candidates_.insert(candidates_.end(), crossing_.begin(), crossing_.end());
  std::inplace_merge(candidates_.begin(), candidates_.begin() + static_cast<std::ptrdiff_t>(kept),
                     candidates_.end(), by_id);
  order_ = Order::kById;
}

void Sampler::keep_best_until(size_t from, double mass, double target, float max) {
  // candidates_[from..] are sorted best first; keep up to and including the one at which the
  // running mass reaches the target (all of them when rounding leaves it just short).
  for (size_t i = from; i < candidates_.size(); ++i) {
    mass += exp_nonpositive(candidates_[i].logit - max);
    if (mass >= target) {
      candidates_.resize(i + 1);
      break;
    }
  }
}

void Sampler::select_min_p() {
  float max = -std::numeric_limits<float>::infinity();
  for (const Candidate& c : candidates_) max = std::max(max, c.logit);
  const float min_p = options_.min_p;
  // Cheap pre-test first: exp(x) < min_p certainly when x < log(min_p) - 0.01, whatever libm's
  // last bit; exp_nonpositive decides the tokens near the threshold.
  const float cutoff = std::log(min_p) - 0.01f;
  const auto fails = [&](const Candidate& c) {
    const float x = c.logit - max;
    return x < cutoff || exp_nonpositive(x) < min_p;
  };
  candidates_.erase(std::remove_if(candidates_.begin(), candidates_.end(), fails),
                    candidates_.end());
}

TokenId Sampler::draw() {
  if (order_ != Order::kById) {
    std::sort(candidates_.begin(), candidates_.end(), by_id);
    order_ = Order::kById;
  }
  float max = -std::numeric_limits<float>::infinity();
  for (const Candidate& c : candidates_) max = std::max(max, c.logit);
  const float inverse_temperature = 1.0f / options_.temperature;
  weights_.resize(candidates_.size());
  for (size_t i = 0; i < candidates_.size(); ++i) {
    weights_[i] = exp_nonpositive((candidates_[i].logit - max) * inverse_temperature);
  }
  // The total in four interleaved partial sums (a fixed order, and four times shorter a chain of
  // dependent additions); the walk below is sequential.
  double lanes[4] = {};
  size_t i = 0;
  for (; i + 4 <= weights_.size(); i += 4) {
    for (size_t j = 0; j < 4; ++j) lanes[j] += weights_[i + j];
  }
  for (; i < weights_.size(); ++i) lanes[0] += weights_[i];
  const double total = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
  const double target = random_.uniform() * total;
  double running = 0.0;
  for (size_t k = 0; k < weights_.size(); ++k) {
    running += weights_[k];
    if (running > target) return candidates_[k].id;
  }
  return candidates_.back().id;  // rounding: the sequential sum fell just short of the total
}

}  // namespace ward::infer::sampling
