// The Prometheus exposition: cumulative histogram buckets and escaped label values.

#include "server/metrics.h"

#include <gtest/gtest.h>

namespace ward::server {
namespace {

TEST(ServerMetrics, BucketsAreCumulativeAndLabelsEscaped) {
  Metrics metrics;
  metrics.record_request("ward:Chat", 200, 0.003);  // in every bucket
  metrics.record_request("ward:Chat", 200, 0.3);    // from le=0.5 on
  metrics.record_request("ward:Chat", 504, 45.0);   // only in +Inf
  metrics.record_tokens("odd \"name\"\n", 7, 3);
  const std::string text = metrics.render(backend::BackendSet{});
  const auto has = [&](const std::string& line) {
    EXPECT_NE(text.find(line + "\n"), std::string::npos) << line << "\n" << text;
  };
  has("ward_http_requests_total{action=\"ward:Chat\",status=\"200\"} 2");
  has("ward_http_requests_total{action=\"ward:Chat\",status=\"504\"} 1");
  has("ward_http_request_duration_seconds_bucket{action=\"ward:Chat\",le=\"0.005\"} 1");
  has("ward_http_request_duration_seconds_bucket{action=\"ward:Chat\",le=\"0.25\"} 1");
  has("ward_http_request_duration_seconds_bucket{action=\"ward:Chat\",le=\"0.5\"} 2");
  has("ward_http_request_duration_seconds_bucket{action=\"ward:Chat\",le=\"30\"} 2");
  has("ward_http_request_duration_seconds_bucket{action=\"ward:Chat\",le=\"+Inf\"} 3");
  has("ward_http_request_duration_seconds_count{action=\"ward:Chat\"} 3");
  has("ward_http_request_duration_seconds_sum{action=\"ward:Chat\"} 45.303");
  has("ward_tokens_total{model=\"odd \\\"name\\\"\\n\",kind=\"prompt\"} 7");
}

}  // namespace
}  // namespace ward::server
