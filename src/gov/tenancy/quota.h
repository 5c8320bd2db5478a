#pragma once
// Quotas from the tier: requests per minute per user and tokens per day per tenant.
//
// Requests are counted in a sliding one-minute window held in memory: a quota is a guard against
// overload, and losing the window on restart costs at most one minute of slack. Several replicas
// each enforce the limit on their own share of traffic (documented in docs/governance.md).
// Tokens per day are billed usage, so they are kept in the store and survive restarts; days are
// UTC calendar days.
//
// Thread-safe.

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "core/clock.h"
#include "core/error.h"
#include "gov/tenancy/tiers.h"
#include "store/store.h"

namespace ward::gov {

// Creates the quota tables. Part of gov::migrate.
core::Status migrate_tenancy(store::Database& db);

struct QuotaDecision {
  bool allowed = true;
  std::chrono::seconds retry_after{0};  // when refused: how long until a retry can succeed
};

class QuotaTracker {
 public:
  QuotaTracker(store::Database& db, const core::Clock& clock) : db_(db), clock_(clock) {}

  // Counts a request by `user` of `tenant` against the tier's per-minute limit. A refused request
  // is not counted, so a client that backs off gets through after retry_after.
  QuotaDecision admit_request(const std::string& tenant, const std::string& user,
                              const TierProfile& tier);

  // Whether `tenant` still has tokens left today (always true for an unlimited tier); when not,
  // retry_after is the time to the next UTC midnight.
  core::Result<QuotaDecision> check_tokens(const std::string& tenant, const TierProfile& tier);

  // Adds `tokens` to the tenant's usage for today.
  core::Status record_tokens(const std::string& tenant, std::int64_t tokens);

  // The tenant's token usage on the UTC day containing `when`.
  core::Result<std::int64_t> tokens_used(const std::string& tenant, core::TimePoint when);

 private:
  store::Database& db_;
  const core::Clock& clock_;
  std::mutex mutex_;
  // Guarded by mutex_: the times of each (tenant, user)'s requests in the last minute.
  std::map<std::pair<std::string, std::string>, std::deque<core::TimePoint>> windows_;
};

}  // namespace ward::gov
