#include "gov/access/gate.h"

#include "gov/identity/directory.h"
#include "gov/policy/managed.h"
#include "gov/policy/parser.h"

namespace ward::gov {
namespace {

using core::Code;
using core::Error;

core::Result<PolicyRef> load_source(const PolicySource& source, const std::string& label) {
  if (source.managed_name) return managed_policy(*source.managed_name);
  if (!source.document) {
    return Error(Code::kDataLoss, label, "a stored policy has neither a name nor a document");
  }
  auto policy = load_policy(*source.document, label);
  if (!policy) {
    return Error(Code::kDataLoss, label,
                 "a stored policy no longer parses (" + policy.error().message() +
                     "); the identity store was changed outside Ward");
  }
  return policy;
}

core::Status load_attached(const std::vector<AttachedPolicy>& attached,
                           std::vector<PolicyRef>& out) {
  for (const AttachedPolicy& a : attached) {
    const std::string label = std::string(principal_kind_name(a.attached_to)) + " " +
                              a.principal_name + " policy " + a.id;
    auto policy = load_source(a.policy, label);
    if (!policy) return policy.error();
    out.push_back(std::move(*policy));
  }
  return {};
}

}  // namespace

core::Result<PolicyLayers> AccessGate::layers_for(const AuthenticatedPrincipal& principal,
                                                  std::vector<std::string>* groups) {
  Directory directory(db_, clock_);
  auto user = directory.get_user_by_id(principal.user_id);
  if (!user) return user.error();
  if (groups) *groups = user->groups;

  PolicyLayers layers;
  auto guardrails = directory.guardrails(principal.tenant_name);
  if (!guardrails) return guardrails.error();
  if (auto s = load_attached(*guardrails, layers.guardrails); !s) return s.error();

  if (user->permission_boundary) {
    auto boundary = load_source(*user->permission_boundary, "permission boundary of " + user->name);
    if (!boundary) return boundary.error();
    layers.boundary = std::move(*boundary);
  }
  if (principal.session_policy) {
    const std::string label = principal.token_id ? "session policy of token " + *principal.token_id
                                                 : "session policy";
    auto session = load_source(PolicySource::inline_document(*principal.session_policy), label);
    if (!session) return session.error();
    layers.sessions.push_back(std::move(*session));
  }
  auto identity = directory.identity_policies_for(principal.user_id);
  if (!identity) return identity.error();
  if (auto s = load_attached(*identity, layers.identity); !s) return s.error();
  return layers;
}

core::Result<AccessDecision> AccessGate::decide(const AuthenticatedPrincipal& principal,
                                                std::string_view action,
                                                std::string_view resource,
                                                RequestContext context) {
  std::vector<std::string> groups;
  auto layers = layers_for(principal, &groups);
  if (!layers) return layers.error();

  AccessRequest request;
  request.principal = {principal.user_name, principal.tenant_name, principal.tags};
  request.action = std::string(action);
  request.resource = std::string(resource);
  request.time = clock_.now();
  context.set("ward:PrincipalGroups", std::move(groups));
  context.set("ward:AuthMethod", {std::string(auth_method_name(principal.method))});
  context.set("ward:MultiFactorAuthPresent", {principal.mfa_present ? "true" : "false"});
  if (principal.token_id) {
    context.set("ward:TokenId", {*principal.token_id});
  } else {
    context.erase("ward:TokenId");
  }
  request.context = std::move(context);
  return authorize(*layers, request);
}

}  // namespace ward::gov
