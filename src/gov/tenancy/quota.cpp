#include "gov/tenancy/quota.h"

#include <array>

namespace ward::gov {
namespace {

using namespace std::chrono;

constexpr auto kWindow = minutes(1);

const std::array<store::Migration, 1> kMigrations = {{
    {1, "daily token usage",
     "CREATE TABLE token_usage ("
     "  tenant TEXT NOT NULL,"
     "  day TEXT NOT NULL,"
     "  tokens BIGINT NOT NULL,"
     "  PRIMARY KEY (tenant, day)"
     ")"},
}};

std::string utc_day(core::TimePoint when) {
  return core::format_rfc3339(when).substr(0, 10);
}

seconds until_next_utc_midnight(core::TimePoint now) {
  const auto next = floor<days>(now) + days(1);
  return ceil<seconds>(next - now);
}

}  // namespace

core::Status migrate_tenancy(store::Database& db) {
  return db.migrate("gov.tenancy", kMigrations);
}

QuotaDecision QuotaTracker::admit_request(const std::string& tenant, const std::string& user,
                                          const TierProfile& tier) {
  const core::TimePoint now = clock_.now();
  std::lock_guard lock(mutex_);
  auto& window = windows_[{tenant, user}];
  while (!window.empty() && window.front() <= now - kWindow) window.pop_front();
  if (window.size() >= static_cast<std::size_t>(tier.requests_per_minute)) {
    return {false, std::max(seconds(1), ceil<seconds>(window.front() + kWindow - now))};
  }
  window.push_back(now);
  return {};
}

core::Result<std::int64_t> QuotaTracker::tokens_used(const std::string& tenant,
                                                     core::TimePoint when) {
  auto tx = db_.begin({store::Access::kReadOnly, store::Durability::kNormal});
  if (!tx) return tx.error();
  auto row = (*tx)->query_one("SELECT tokens FROM token_usage WHERE tenant = ? AND day = ?",
                              {tenant, utc_day(when)});
  if (!row) return row.error();
  if (!row->has_value()) return std::int64_t{0};
  return (*row)->get_int("tokens");
}

core::Result<QuotaDecision> QuotaTracker::check_tokens(const std::string& tenant,
                                                       const TierProfile& tier) {
  if (tier.tokens_per_day == 0) return QuotaDecision{};
  const core::TimePoint now = clock_.now();
  auto used = tokens_used(tenant, now);
  if (!used) return used.error();
  if (*used < tier.tokens_per_day) return QuotaDecision{};
  return QuotaDecision{false, until_next_utc_midnight(now)};
}

core::Status QuotaTracker::record_tokens(const std::string& tenant, std::int64_t tokens) {
  if (tokens < 0) {
    return core::Error(core::Code::kInvalidArgument, "tokens", "a token count cannot be negative");
  }
  const std::string day = utc_day(clock_.now());
  return db_.with_transaction({}, [&](store::Transaction& tx) -> core::Status {
    auto changed = tx.execute(
        "INSERT INTO token_usage (tenant, day, tokens) VALUES (?, ?, ?) "
        "ON CONFLICT (tenant, day) DO UPDATE SET tokens = token_usage.tokens + excluded.tokens",
        {tenant, day, tokens});
    if (!changed) return changed.error();
    return {};
  });
}

}  // namespace ward::gov
