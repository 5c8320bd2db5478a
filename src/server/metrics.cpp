#include "server/metrics.h"

#include <fmt/format.h>

namespace ward::server {
namespace {

// A label value with Prometheus's escapes (backslash, double quote, newline).
std::string label(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

void Metrics::record_request(const std::string& action, int status, double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{action, status}];
  Latency& latency = latency_[action];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++latency.buckets[i];
  }
  ++latency.count;
  latency.sum += seconds;
}

void Metrics::record_tokens(const std::string& model, int64_t prompt, int64_t completion) {
  std::lock_guard lock(mutex_);
  tokens_[{model, "prompt"}] += static_cast<uint64_t>(std::max<int64_t>(prompt, 0));
  tokens_[{model, "completion"}] += static_cast<uint64_t>(std::max<int64_t>(completion, 0));
}

std::string Metrics::render(const backend::BackendSet& models) const {
  std::string out;
  {
    std::lock_guard lock(mutex_);
    out +=
        "# HELP ward_http_requests_total API requests, by policy action and HTTP status.\n"
        "# TYPE ward_http_requests_total counter\n";
    for (const auto& [key, count] : requests_) {
      out += fmt::format("ward_http_requests_total{{action=\"{}\",status=\"{}\"}} {}\n",
                         label(key.first), key.second, count);
    }
    out +=
        "# HELP ward_http_request_duration_seconds Time from request to answer, by action.\n"
        "# TYPE ward_http_request_duration_seconds histogram\n";
    for (const auto& [action, latency] : latency_) {
      const std::string name = label(action);
      for (size_t i = 0; i < kBuckets.size(); ++i) {
        out +=
            fmt::format("ward_http_request_duration_seconds_bucket{{action=\"{}\",le=\"{}\"}} {}\n",
                        name, kBuckets[i], latency.buckets[i]);
      }
      out += fmt::format(
          "ward_http_request_duration_seconds_bucket{{action=\"{}\",le=\"+Inf\"}} {}\n"
          "ward_http_request_duration_seconds_sum{{action=\"{}\"}} {}\n"
          "ward_http_request_duration_seconds_count{{action=\"{}\"}} {}\n",
          name, latency.count, name, latency.sum, name, latency.count);
    }
    out +=
        "# HELP ward_tokens_total Tokens read (prompt) and generated (completion), by model.\n"
        "# TYPE ward_tokens_total counter\n";
    for (const auto& [key, count] : tokens_) {
      out += fmt::format("ward_tokens_total{{model=\"{}\",kind=\"{}\"}} {}\n", label(key.first),
                         key.second, count);
    }
  }
  out +=
      "# HELP ward_model_loaded Models this server offers (1 once loaded), by name and kind.\n"
      "# TYPE ward_model_loaded gauge\n";
  for (const auto& model : models.all()) {
    out += fmt::format("ward_model_loaded{{model=\"{}\",kind=\"{}\",region=\"{}\"}} 1\n",
                       label(model->info().name), label(model->info().kind),
                       label(model->info().region));
  }
  out +=
      "# HELP ward_model_queue_depth Requests waiting for a model's slots.\n"
      "# TYPE ward_model_queue_depth gauge\n";
  for (const auto& model : models.all()) {
    out += fmt::format("ward_model_queue_depth{{model=\"{}\"}} {}\n", label(model->info().name),
                       model->queue_depth());
  }
  return out;
}

}  // namespace ward::server
