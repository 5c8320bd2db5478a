#include "gov/policy/managed.h"

#include <fmt/format.h>

#include <array>
#include <map>
#include <string>

#include "gov/policy/parser.h"

namespace ward::gov {
namespace {

constexpr std::string_view kDeveloperAccess = R"json({
  "Version": "2024-01-01",
  "Statement": [
    {
      "Sid": "UseTheAssistantInOwnTenant",
      "Effect": "Allow",
      "Action": [
        "ward:Complete",
        "ward:Chat",
        "ward:Explain",
        "ward:Scan",
        "ward:AgentRun",
        "ward:AgentExec"
      ],
      "Resource": "ward:*:${ward:tenant}:workspace/*"
    },
    {
      "Sid": "ManageOwnCredentials",
      "Effect": "Allow",
      "Action": "ward:ManageCredentials",
      "Resource": "ward:*:${ward:tenant}:user/${ward:username}"
    }
  ]
}
)json";

constexpr std::string_view kAuditor = R"json({
  "Version": "2024-01-01",
  "Statement": [
    {
      "Sid": "ReadAndExportTheAuditLog",
      "Effect": "Allow",
      "Action": ["ward:AuditRead", "ward:AuditExport"],
      "Resource": "ward:*:${ward:tenant}:audit"
    },
    {
      "Sid": "ManageOwnCredentials",
      "Effect": "Allow",
      "Action": "ward:ManageCredentials",
      "Resource": "ward:*:${ward:tenant}:user/${ward:username}"
    }
  ]
}
)json";

constexpr std::string_view kAdministrator = R"json({
  "Version": "2024-01-01",
  "Statement": [
    {
      "Sid": "EverythingInOwnTenant",
      "Effect": "Allow",
      "Action": "ward:*",
      "Resource": "ward:*:${ward:tenant}:*"
    }
  ]
}
)json";

constexpr std::array kManaged = {
    ManagedPolicyInfo{"WardDeveloperAccess",
                      "use the assistant (completions, chat, scans, the agent) on the tenant's "
                      "workspaces, and manage one's own credentials",
                      kDeveloperAccess},
    ManagedPolicyInfo{
        "WardAuditor",
        "read, verify and export the tenant's audit log, and manage one's own credentials",
        kAuditor},
    ManagedPolicyInfo{"WardAdministrator", "every action on every resource of the tenant",
                      kAdministrator},
};

// Parsed once; a managed policy that does not parse is a bug that the tests catch.
const std::map<std::string, core::Result<PolicyRef>, std::less<>>& parsed_policies() {
  static const auto* parsed = [] {
    auto* map = new std::map<std::string, core::Result<PolicyRef>, std::less<>>();
    for (const auto& info : kManaged) {
      map->emplace(
          std::string(info.name),
          load_policy(info.document, std::string(kManagedPolicyPrefix) + std::string(info.name)));
    }
    return map;
  }();
  return *parsed;
}

}  // namespace

std::span<const ManagedPolicyInfo> managed_policies() {
  return kManaged;
}

core::Result<PolicyRef> managed_policy(std::string_view name) {
  if (name.substr(0, kManagedPolicyPrefix.size()) == kManagedPolicyPrefix) {
    name.remove_prefix(kManagedPolicyPrefix.size());
  }
  const auto& policies = parsed_policies();
  auto it = policies.find(name);
  if (it == policies.end()) {
    std::string names;
    for (const auto& info : kManaged) names += (names.empty() ? "" : ", ") + std::string(info.name);
    return core::Error(core::Code::kNotFound, std::string(kManagedPolicyPrefix) + std::string(name),
                       fmt::format("Ward has no managed policy of that name; it ships {}", names));
  }
  return it->second;
}

}  // namespace ward::gov
