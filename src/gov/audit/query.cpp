#include "gov/audit/query.h"

#include <algorithm>
#include <cctype>
#include <chrono>

#include "gov/audit/rows.h"

namespace ward::gov {
namespace {

using core::Code;
using core::Error;

constexpr std::int64_t kPage = 500;

// The WHERE clause (starting with " WHERE 1 = 1") and its parameters.
void where_clause(const AuditQuery& query, std::string& sql, std::vector<store::Value>& params) {
  sql += " WHERE 1 = 1";
  if (query.since) {
    sql += " AND time >= ?";
    params.emplace_back(core::format_rfc3339(*query.since));
  }
  if (query.until) {
    sql += " AND time < ?";
    params.emplace_back(core::format_rfc3339(*query.until));
  }
  if (!query.actor.empty()) {
    sql += " AND actor_user = ?";
    params.emplace_back(query.actor);
  }
  if (query.tenant) {
    sql += " AND tenant = ?";
    params.emplace_back(*query.tenant);
  }
  if (!query.action.empty()) {
    sql += " AND action = ?";
    params.emplace_back(query.action);
  }
  if (query.outcome) {
    sql += " AND outcome = ?";
    params.emplace_back(std::string(audit_outcome_name(*query.outcome)));
  }
}

core::Status append_records(const std::vector<store::Row>& rows, std::vector<AuditRecord>& out) {
  for (const auto& row : rows) {
    auto stored = audit_rows::read_event(row);
    if (!stored) {
      return stored.error().with_context("run `ward audit verify` to see what was altered: ");
    }
    out.push_back(std::move(stored->record));
  }
  return {};
}

core::Status check_query(const AuditQuery& query) {
  if (query.limit < 0) {
    return Error(Code::kInvalidArgument, "--limit", "the limit is 0 (no limit) or more");
  }
  return {};
}

bool digits(std::string_view text, std::size_t from, std::size_t count, int& value) {
  if (from + count > text.size()) return false;
  value = 0;
  for (std::size_t i = from; i < from + count; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
    value = value * 10 + (text[i] - '0');
  }
  return true;
}

}  // namespace

core::Result<std::vector<AuditRecord>> query_audit_events(store::Database& db,
                                                          const AuditQuery& query) {
  if (auto s = check_query(query); !s) return std::move(s).error();
  std::string sql = "SELECT " + std::string(audit_rows::kEventColumns) + " FROM audit_events";
  std::vector<store::Value> params;
  where_clause(query, sql, params);
  sql += " ORDER BY seq DESC";
  if (query.limit > 0) {
    sql += " LIMIT ?";
    params.emplace_back(query.limit);
  }
  auto tx = db.begin({store::Access::kReadOnly, store::Durability::kNormal});
  if (!tx) return std::move(tx).error();
  auto rows = (*tx)->query(sql, params);
  if (!rows) return std::move(rows).error();
  std::vector<AuditRecord> out;
  out.reserve(rows->size());
  if (auto s = append_records(*rows, out); !s) return std::move(s).error();
  std::reverse(out.begin(), out.end());
  return out;
}

core::Status scan_audit_events(store::Database& db, const AuditQuery& query,
                               const std::function<bool(const AuditRecord&)>& visit) {
  if (auto s = check_query(query); !s) return s;
  std::string sql = "SELECT " + std::string(audit_rows::kEventColumns) + " FROM audit_events";
  std::vector<store::Value> filter;
  where_clause(query, sql, filter);
  sql += " AND seq > ? ORDER BY seq LIMIT ?";
  auto tx = db.begin({store::Access::kReadOnly, store::Durability::kNormal});
  if (!tx) return std::move(tx).error();
  std::int64_t after = 0;
  std::int64_t left = query.limit > 0 ? query.limit : -1;
  while (left != 0) {
    const std::int64_t page = left < 0 ? kPage : std::min(left, kPage);
    std::vector<store::Value> params = filter;
    params.emplace_back(after);
    params.emplace_back(page);
    auto rows = (*tx)->query(sql, params);
    if (!rows) return std::move(rows).error();
    std::vector<AuditRecord> records;
    if (auto s = append_records(*rows, records); !s) return s;
    for (const auto& record : records) {
      if (!visit(record)) return {};
      after = record.seq;
    }
    if (left > 0) left -= static_cast<std::int64_t>(records.size());
    if (static_cast<std::int64_t>(rows->size()) < page) break;
  }
  return {};
}

core::Result<core::TimePoint> parse_audit_time(std::string_view text) {
  const Error bad(Code::kInvalidArgument, std::string(text),
                  "not a time; use RFC 3339 such as 2026-05-01T12:00:00Z or a date such as "
                  "2026-05-01");
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(text, 0, 4, year) || text.size() < 10 || text[4] != '-' ||
      !digits(text, 5, 2, month) || text[7] != '-' || !digits(text, 8, 2, day)) {
    return bad;
  }
  using namespace std::chrono;
  const year_month_day date{std::chrono::year(year),
                            std::chrono::month(static_cast<unsigned>(month)),
                            std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok()) return bad;
  core::TimePoint point = sys_days(date);
  if (text.size() == 10) return point;
  if ((text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !digits(text, 11, 2, hour) ||
      text.size() < 19 || text[13] != ':' || !digits(text, 14, 2, minute) || text[16] != ':' ||
      !digits(text, 17, 2, second) || hour > 23 || minute > 59 || second > 60) {
    return bad;
  }
  point += hours(hour) + minutes(minute) + seconds(std::min(second, 59));
  std::size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::int64_t nanos = 0;
    int count = 0;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
      if (count < 9) {
        nanos = nanos * 10 + (text[pos] - '0');
        ++count;
      }
      ++pos;
    }
    if (count == 0) return bad;
    for (int i = count; i < 9; ++i) nanos *= 10;
    point += duration_cast<core::TimePoint::duration>(nanoseconds(nanos));
  }
  if (pos == text.size()) return bad;  // RFC 3339 requires the offset
  if ((text[pos] == 'Z' || text[pos] == 'z') && pos + 1 == text.size()) return point;
  int offset_hours = 0, offset_minutes = 0;
  if ((text[pos] != '+' && text[pos] != '-') || text.size() != pos + 6 ||
      !digits(text, pos + 1, 2, offset_hours) || text[pos + 3] != ':' ||
      !digits(text, pos + 4, 2, offset_minutes) || offset_hours > 23 || offset_minutes > 59) {
    return bad;
  }
  const auto offset = hours(offset_hours) + minutes(offset_minutes);
  return text[pos] == '+' ? point - offset : point + offset;
}

}  // namespace ward::gov
