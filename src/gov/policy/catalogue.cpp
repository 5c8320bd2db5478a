#include "gov/policy/catalogue.h"

#include <fmt/format.h>

#include <array>

#include "gov/policy/pattern.h"

namespace ward::gov {
namespace {

constexpr std::array kActions = {
    PolicyActionInfo{"ward:Complete", "workspace", "inline code completions (fill-in-the-middle)"},
    PolicyActionInfo{"ward:Chat", "workspace", "chat about code and architecture"},
    PolicyActionInfo{"ward:CrossRegionInference", "workspace",
                     "send content to a model in another region of the tenant's geography"},
    PolicyActionInfo{"ward:Explain", "workspace", "explain, document or generate code"},
    PolicyActionInfo{"ward:Scan", "workspace",
                     "run the security scanner and read its findings (POST /api/v1/scan)"},
    PolicyActionInfo{"ward:AgentRun", "workspace", "start, follow and stop an agent task"},
    PolicyActionInfo{"ward:AgentExec", "workspace",
                     "let the agent run one command in its sandbox (checked per command)"},
    PolicyActionInfo{"ward:ManageCredentials", "user",
                     "change a password, enrol MFA, create and revoke API tokens for a user"},
    PolicyActionInfo{"ward:AuditRead", "audit", "query and verify the audit log"},
    PolicyActionInfo{"ward:AuditExport", "audit", "export the audit log (JSON lines, syslog, CEF)"},
    PolicyActionInfo{"ward:AdminUsers", "user, group, role",
                     "create, change and delete users, groups and roles"},
    PolicyActionInfo{"ward:AdminTokens", "user, token",
                     "create and revoke API tokens for any user"},
    PolicyActionInfo{"ward:AdminPolicies", "policy",
                     "create, change, attach and detach policies, guardrails and boundaries"},
    PolicyActionInfo{"ward:AdminKeys", "key", "import, rotate and revoke encryption keys (BYOK)"},
    PolicyActionInfo{"ward:AdminTenants", "tenant",
                     "change a tenant's settings, tier and region; terminate or restore it"},
    PolicyActionInfo{"ward:Metrics", "metrics",
                     "read the server's Prometheus metrics (GET /metrics)"},
};

constexpr std::array kResourceTypes = {
    PolicyResourceTypeInfo{"workspace", true, "a workspace (a repository or project)"},
    PolicyResourceTypeInfo{"user", true, "a user"},
    PolicyResourceTypeInfo{"group", true, "a group of users"},
    PolicyResourceTypeInfo{"role", true, "a role"},
    PolicyResourceTypeInfo{"token", true, "an API token, by id"},
    PolicyResourceTypeInfo{"policy", true, "a customer-managed policy"},
    PolicyResourceTypeInfo{"key", true, "a key-encryption key"},
    PolicyResourceTypeInfo{"audit", false, "the tenant's audit log"},
    PolicyResourceTypeInfo{"tenant", false, "the tenant itself"},
    PolicyResourceTypeInfo{"metrics", false, "the server's operational metrics"},
};

constexpr std::array kContextKeys = {
    PolicyContextKeyInfo{"ward:username", ContextKeyType::kString, false,
                         "the caller's user name (always set by Ward)"},
    PolicyContextKeyInfo{"ward:tenant", ContextKeyType::kString, false,
                         "the caller's tenant (always set by Ward)"},
    PolicyContextKeyInfo{"ward:PrincipalTag/", ContextKeyType::kString, false,
                         "ward:PrincipalTag/NAME: the value of the caller's tag NAME"},
    PolicyContextKeyInfo{"ward:PrincipalGroups", ContextKeyType::kString, true,
                         "the groups the caller belongs to"},
    PolicyContextKeyInfo{"ward:SourceIp", ContextKeyType::kIp, false, "the client's IP address"},
    PolicyContextKeyInfo{"ward:CurrentTime", ContextKeyType::kDate, false,
                         "the time of the request (RFC 3339, UTC)"},
    PolicyContextKeyInfo{"ward:EpochTime", ContextKeyType::kNumeric, false,
                         "the time of the request in seconds since 1970 (a date or a number)"},
    PolicyContextKeyInfo{"ward:SecureTransport", ContextKeyType::kBool, false,
                         "whether the request came over TLS"},
    PolicyContextKeyInfo{"ward:MultiFactorAuthPresent", ContextKeyType::kBool, false,
                         "whether the caller signed in with a second factor"},
    PolicyContextKeyInfo{"ward:MultiFactorAuthAge", ContextKeyType::kNumeric, false,
                         "seconds since the caller's second factor was checked"},
    PolicyContextKeyInfo{"ward:AuthMethod", ContextKeyType::kString, false,
                         "how the caller signed in: password, token, oidc or bootstrap"},
    PolicyContextKeyInfo{"ward:TokenId", ContextKeyType::kString, false,
                         "the id of the API token used, when one was"},
    PolicyContextKeyInfo{"ward:RequestedRegion", ContextKeyType::kString, false,
                         "the region that would process the request's content"},
    PolicyContextKeyInfo{"ward:AgentSession", ContextKeyType::kBool, false,
                         "whether the request is made by the agent on the caller's behalf"},
    PolicyContextKeyInfo{"ward:AgentCommand", ContextKeyType::kString, false,
                         "for ward:AgentExec: the command line the agent wants to run"},
};

constexpr std::string_view kPrincipalTagKey = "ward:PrincipalTag/";

bool valid_region(std::string_view text) {
  if (text.empty() || text.size() > 64) return false;
  for (char c : text) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

bool valid_tenant(std::string_view text) {
  if (text.empty() || text.size() > 128) return false;
  for (char c : text) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
          c == '_' || c == '-')) {
      return false;
    }
  }
  return true;
}

bool valid_name(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F || c == ':') return false;
  }
  return true;
}

}  // namespace

std::span<const PolicyActionInfo> policy_actions() {
  return kActions;
}
std::span<const PolicyResourceTypeInfo> policy_resource_types() {
  return kResourceTypes;
}
std::span<const PolicyContextKeyInfo> policy_context_keys() {
  return kContextKeys;
}

const PolicyActionInfo* find_policy_action(std::string_view name) {
  for (const auto& action : kActions) {
    if (equals_ignore_case(action.name, name)) return &action;
  }
  return nullptr;
}

const PolicyResourceTypeInfo* find_policy_resource_type(std::string_view type) {
  for (const auto& info : kResourceTypes) {
    if (info.type == type) return &info;
  }
  return nullptr;
}

const PolicyContextKeyInfo* find_policy_context_key(std::string_view name) {
  for (const auto& key : kContextKeys) {
    if (key.name == kPrincipalTagKey) {
      if (name.size() > kPrincipalTagKey.size() &&
          equals_ignore_case(name.substr(0, kPrincipalTagKey.size()), kPrincipalTagKey)) {
        return &key;
      }
    } else if (equals_ignore_case(key.name, name)) {
      return &key;
    }
  }
  return nullptr;
}

std::string_view context_key_type_name(ContextKeyType type) {
  switch (type) {
    case ContextKeyType::kString:
      return "string";
    case ContextKeyType::kNumeric:
      return "numeric";
    case ContextKeyType::kDate:
      return "date";
    case ContextKeyType::kBool:
      return "bool";
    case ContextKeyType::kIp:
      return "ip";
  }
  return "string";
}

std::string ResourceName::to_string() const {
  std::string text = "ward:" + region + ":" + tenant + ":" + type;
  if (!name.empty()) text += "/" + name;
  return text;
}

core::Result<ResourceName> parse_resource_name(std::string_view text) {
  const auto invalid = [&text](std::string_view why) {
    return core::Error(core::Code::kInvalidArgument, "",
                       fmt::format("\"{}\" is not a Ward resource name: {}; write "
                                   "ward:REGION:TENANT:TYPE/NAME, e.g. "
                                   "ward:eu-west-2:acme:workspace/payments",
                                   text.substr(0, 128), why));
  };
  if (text.size() > 2048) return invalid("it is longer than 2048 bytes");
  if (text.substr(0, 5) != "ward:") return invalid("it does not start with `ward:`");
  ResourceName name;
  std::string_view rest = text.substr(5);
  auto colon = rest.find(':');
  if (colon == std::string_view::npos) return invalid("it has no TENANT");
  name.region = std::string(rest.substr(0, colon));
  rest.remove_prefix(colon + 1);
  colon = rest.find(':');
  if (colon == std::string_view::npos) return invalid("it has no TYPE");
  name.tenant = std::string(rest.substr(0, colon));
  rest.remove_prefix(colon + 1);
  const auto slash = rest.find('/');
  name.type = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) name.name = std::string(rest.substr(slash + 1));
  if (!valid_region(name.region)) return invalid("REGION must be lower-case letters, digits and -");
  if (!valid_tenant(name.tenant)) return invalid("TENANT must be letters, digits, ., _ and -");
  const auto* type = find_policy_resource_type(name.type);
  if (type == nullptr)
    return invalid(fmt::format("`{}` is not a resource type", name.type.substr(0, 64)));
  if (type->named && slash == std::string_view::npos) {
    return invalid(fmt::format("a {} needs a /NAME", name.type));
  }
  if (!type->named && slash != std::string_view::npos) {
    return invalid(fmt::format("the {} resource has no /NAME", name.type));
  }
  if (type->named && !valid_name(name.name)) {
    return invalid("NAME must be printable and must not contain `:`");
  }
  return name;
}

}  // namespace ward::gov
