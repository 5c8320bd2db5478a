#include "gov/identity/json.h"

namespace ward::gov {

nlohmann::json user_json(const User& user) {
  nlohmann::json json = {{"name", user.name},
                         {"tenant", user.tenant_name},
                         {"status", account_status_name(user.status)},
                         {"deletion_due", nullptr},
                         {"has_password", user.has_password},
                         {"mfa", user.mfa_active},
                         {"roles", user.roles},
                         {"groups", user.groups},
                         {"tags", user.tags},
                         {"created_at", core::format_rfc3339(user.created_at)}};
  if (user.deletion_due) json["deletion_due"] = core::format_rfc3339(*user.deletion_due);
  return json;
}

nlohmann::json token_json(const TokenInfo& token, core::TimePoint now) {
  nlohmann::json json = {{"id", token.id},
                         {"user", token.user_name},
                         {"tenant", token.tenant_name},
                         {"state", token_state(token, now)},
                         {"created_at", core::format_rfc3339(token.created_at)},
                         {"expires_at", core::format_rfc3339(token.expires_at)},
                         {"revoked_at", nullptr},
                         {"last_used_at", nullptr},
                         {"session_policy", token.session_policy.has_value()}};
  if (token.revoked_at) json["revoked_at"] = core::format_rfc3339(*token.revoked_at);
  if (token.last_used_at) json["last_used_at"] = core::format_rfc3339(*token.last_used_at);
  return json;
}

nlohmann::json attachment_json(const AttachedPolicy& attachment) {
  nlohmann::json json = {{"id", attachment.id},
                         {"attached_to", principal_kind_name(attachment.attached_to)},
                         {"principal", attachment.principal_name},
                         {"managed", nullptr},
                         {"document", nullptr},
                         {"attached_at", core::format_rfc3339(attachment.attached_at)}};
  if (attachment.policy.managed_name) json["managed"] = *attachment.policy.managed_name;
  if (attachment.policy.document) {
    json["document"] = nlohmann::json::parse(*attachment.policy.document, nullptr, false);
  }
  return json;
}

}  // namespace ward::gov
