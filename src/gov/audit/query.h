#pragma once
// Reading the audit log: filtered queries for people (`ward audit query`) and ordered scans for
// exports. Reading is itself an audited action: the caller (the CLI, later the API) records a
// ward:AuditRead or ward:AuditExport event through AuditLog before it releases what it read.
//
// Threads: any; each call reads in one read-only transaction.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "gov/audit/event.h"
#include "store/store.h"

namespace ward::gov {

struct AuditQuery {
  std::optional<core::TimePoint> since;  // events at or after this time
  std::optional<core::TimePoint> until;  // events before this time
  std::string actor;                     // exact user name; empty: any
  std::string action;                    // exact action, e.g. "ward:AuditRead"; empty: any
  std::optional<std::string> tenant;     // exact tenant name (the API's callers see only theirs)
  std::optional<AuditOutcome> outcome;
  std::int64_t limit = 0;  // query: the newest `limit` matches (0: all); scan: the first `limit`
};

// The matching events in sequence order; with a limit, the newest `limit` of them.
core::Result<std::vector<AuditRecord>> query_audit_events(store::Database& db,
                                                          const AuditQuery& query);

// Calls `visit` for each matching event in sequence order (a limit keeps the oldest), reading
// page by page within one snapshot. `visit` returns false to stop early.
core::Status scan_audit_events(store::Database& db, const AuditQuery& query,
                               const std::function<bool(const AuditRecord&)>& visit);

// Parses an RFC 3339 time ("2026-05-01T12:00:00Z", with optional fraction and ±HH:MM offset) or
// a plain date ("2026-05-01", midnight UTC). Errors name the text and show the expected form.
core::Result<core::TimePoint> parse_audit_time(std::string_view text);

}  // namespace ward::gov
