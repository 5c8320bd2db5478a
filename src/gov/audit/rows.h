#pragma once
// Internal to src/gov/audit: reading audit_events rows back into AuditRecords, shared by query
// and verify. Not part of the audit log's API.

#include <optional>
#include <string>
#include <string_view>

#include "gov/audit/event.h"
#include "store/store.h"

namespace ward::gov::audit_rows {

// The columns read_event() expects, in a SELECT list.
inline constexpr std::string_view kEventColumns =
    "seq, id, time, tenant, actor_user, actor_auth_method, actor_token_id, actor_source_ip, "
    "actor_user_agent, personal_salt, personal_commitment, action, resource, params, outcome, "
    "error_code, latency_ms, region, erased_at, hash";

struct StoredEvent {
  AuditRecord record;
  std::string params_text;            // exactly as stored
  std::optional<crypto::Bytes> salt;  // NULL once erased
  bool personal_present = false;      // user, source IP and user agent all non-NULL
  bool any_personal = false;          // any of them non-NULL
  std::optional<std::string> erased_at;
};

// Fails with kDataLoss naming the column when a value has the wrong type or shape.
core::Result<StoredEvent> read_event(const store::Row& row);

}  // namespace ward::gov::audit_rows
