#include "gov/tenancy/retention.h"

#include <fmt/format.h>

#include "gov/audit/audit_log.h"
#include "gov/tenancy/conversations.h"

namespace ward::gov {

core::Status RetentionJob::purge_tenant(const Tenant& tenant) {
  // Keys first: once they are gone the tenant's data is unreadable everywhere, so a crash before
  // the rows are deleted leaves nothing readable behind, and the next run finishes the job.
  if (auto destroyed = keyring_.destroy_tenant_keys(tenant.id); !destroyed) {
    return destroyed.error();
  }
  if (auto purged = directory_.purge_tenant(tenant.id); !purged) return purged.error();
  return {};
}

core::Status RetentionJob::purge_user(const User& user) {
  if (auto erased = audit_.erase_personal_data(user.tenant_name, user.name); !erased)
    return erased.error();
  if (auto purged = directory_.purge_user(user.id); !purged) return purged.error();
  return {};
}

core::Result<RetentionReport> RetentionJob::run(const RetentionRecorder& record) {
  RetentionReport report;
  const core::TimePoint now = clock_.now();
  auto attempt = [&](const RetentionStep& step, const std::function<core::Status()>& purge) {
    core::Status status = record(step);
    if (status) status = purge();
    if (status) {
      report.done.push_back(step);
    } else {
      report.failures.push_back(
          fmt::format("{} {}: {}", step.action, step.subject, status.error().to_string()));
    }
  };

  auto tenants = directory_.list_tenants_due_for_deletion(now);
  if (!tenants) return tenants.error();
  for (const Tenant& tenant : *tenants) {
    attempt({"purge_tenant", tenant.name, tenant.id}, [&] { return purge_tenant(tenant); });
  }
  auto users = directory_.list_due_for_deletion(now);
  if (!users) return users.error();
  for (const User& user : *users) {
    attempt({"purge_user", user.tenant_id + "/" + user.name, user.id},
            [&] { return purge_user(user); });
  }
  // After the purges above, which took their tenants' and users' conversations with them.
  ConversationStore conversations(directory_.database(), keyring_, clock_);
  auto expired = conversations.expired();
  if (!expired) return expired.error();
  for (const ExpiredConversation& conversation : *expired) {
    attempt({"purge_conversation", conversation.tenant_id + "/" + conversation.user_id,
             conversation.id},
            [&] { return conversations.remove_expired(conversation.id); });
  }
  return report;
}

}  // namespace ward::gov
