#pragma once
// What `ward serve` counts for GET /metrics (Prometheus text format 0.0.4): requests by action
// and status with a latency histogram, tokens by model, and, read when scraped, each model's
// queue depth and load state. Labels are policy actions and model names, never paths or users,
// so the number of series stays bounded.
//
// Thread-safe: every request thread records; the scrape reads.

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "backend/backend.h"

namespace ward::server {

class Metrics {
 public:
  // One finished request: its policy action (e.g. "ward:Complete"), HTTP status and duration.
  void record_request(const std::string& action, int status, double seconds);
  // Tokens a model read (prompt) and wrote (completion) for one request.
  void record_tokens(const std::string& model, int64_t prompt, int64_t completion);

  // The exposition: the counters so far, and the models' state now.
  std::string render(const backend::BackendSet& models) const;

  // Upper bounds of the latency histogram's buckets, in seconds (+Inf is implied).
  static constexpr std::array<double, 12> kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                      0.5,   1,    2.5,   5,    10,  30};

 private:
  struct Latency {
    std::array<uint64_t, kBuckets.size()> buckets{};  // cumulative counts, as Prometheus wants
    uint64_t count = 0;
    double sum = 0;
  };

  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;        // (action, status) -> count
  std::map<std::string, Latency> latency_;                          // action -> histogram
  std::map<std::pair<std::string, std::string>, uint64_t> tokens_;  // (model, kind) -> count
};

}  // namespace ward::server
