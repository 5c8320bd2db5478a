#include "gov/audit/rows.h"

#include <algorithm>

namespace ward::gov::audit_rows {
namespace {

using core::Code;
using core::Error;

Error damaged(const core::Error& cause) {
  return Error(Code::kDataLoss, "audit_events",
               "a stored audit event is damaged (" + cause.message() + ")");
}

core::Result<crypto::Sha256Digest> digest(const store::Row& row, std::string_view column) {
  auto blob = row.get_blob(column);
  if (!blob) return damaged(blob.error());
  crypto::Sha256Digest out{};
  if (blob->bytes.size() != out.size()) {
    return Error(Code::kDataLoss, "audit_events",
                 "a stored audit event's " + std::string(column) + " is not 32 bytes");
  }
  std::copy(blob->bytes.begin(), blob->bytes.end(), out.begin());
  return out;
}

}  // namespace

core::Result<StoredEvent> read_event(const store::Row& row) {
  StoredEvent out;
  AuditRecord& r = out.record;
  auto seq = row.get_int("seq");
  if (!seq) return damaged(seq.error());
  r.seq = *seq;
  const auto text = [&](std::string_view column, std::string& into) -> core::Status {
    auto value = row.get_text(column);
    if (!value) return damaged(value.error());
    into = std::move(*value);
    return {};
  };
  const auto personal = [&](std::string_view column, std::string& into,
                            int& present) -> core::Status {
    auto value = row.get_optional_text(column);
    if (!value) return damaged(value.error());
    if (*value) {
      into = std::move(**value);
      ++present;
    }
    return {};
  };
  int present = 0;
  std::string outcome;
  for (auto s :
       {text("id", r.id), text("time", r.time), text("tenant", r.tenant),
        text("actor_auth_method", r.actor.auth_method), text("actor_token_id", r.actor.token_id),
        text("action", r.action), text("resource", r.resource), text("params", out.params_text),
        text("outcome", outcome), text("error_code", r.error_code), text("region", r.region),
        personal("actor_user", r.actor.user, present),
        personal("actor_source_ip", r.actor.source_ip, present),
        personal("actor_user_agent", r.actor.user_agent, present)}) {
    if (!s) return std::move(s).error();
  }
  out.personal_present = present == 3;
  out.any_personal = present > 0;
  auto parsed_outcome = parse_audit_outcome(outcome);
  if (!parsed_outcome) return damaged(parsed_outcome.error());
  r.outcome = *parsed_outcome;
  auto latency = row.get_int("latency_ms");
  if (!latency) return damaged(latency.error());
  r.latency_ms = *latency;
  auto salt = row.get_optional_blob("personal_salt");
  if (!salt) return damaged(salt.error());
  if (*salt) out.salt = std::move((*salt)->bytes);
  auto erased_at = row.get_optional_text("erased_at");
  if (!erased_at) return damaged(erased_at.error());
  out.erased_at = std::move(*erased_at);
  r.erased = out.erased_at.has_value();
  auto commitment = digest(row, "personal_commitment");
  if (!commitment) return std::move(commitment).error();
  r.personal_commitment = *commitment;
  auto hash = digest(row, "hash");
  if (!hash) return std::move(hash).error();
  r.hash = *hash;
  r.params = nlohmann::json::parse(out.params_text, nullptr, /*allow_exceptions=*/false);
  if (r.params.is_discarded() || !r.params.is_object()) {
    return Error(Code::kDataLoss, "audit_events",
                 "a stored audit event's params are not a JSON object");
  }
  return out;
}

}  // namespace ward::gov::audit_rows
