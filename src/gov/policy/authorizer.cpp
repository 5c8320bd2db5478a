#include "gov/policy/authorizer.h"

#include <fmt/format.h>

namespace ward::gov {

std::string_view access_outcome_name(AccessOutcome outcome) {
  switch (outcome) {
    case AccessOutcome::kAllow:
      return "allow";
    case AccessOutcome::kExplicitDeny:
      return "explicit_deny";
    case AccessOutcome::kImplicitDeny:
      return "implicit_deny";
  }
  return "implicit_deny";
}

std::string_view policy_layer_name(PolicyLayer layer) {
  switch (layer) {
    case PolicyLayer::kGuardrail:
      return "guardrail";
    case PolicyLayer::kBoundary:
      return "boundary";
    case PolicyLayer::kSession:
      return "session";
    case PolicyLayer::kIdentity:
      return "identity";
  }
  return "identity";
}

AccessDecision authorize(const PolicyLayers& layers, const AccessRequest& request) {
  AccessDecision decision;
  if (auto status = check_access_request(request); !status) {
    decision.reason = "the request is invalid, so it is denied";
    decision.problems.push_back(status.error());
    return decision;
  }
  const RequestContext context = effective_context(request);
  const EvaluationInput input{request.action, request.resource, context};
  const std::string what = fmt::format("{} on {}", request.action, request.resource);

  std::vector<DecidingStatement> denies;
  std::vector<DecidingStatement> allows;
  std::string missing;  // why the first layer that does not allow does not
  const auto note_missing = [&missing](std::string why) {
    if (missing.empty()) missing = std::move(why);
  };
  // Evaluates one policy of `layer` (every policy is evaluated, so that every applicable Deny is
  // found and named); returns whether it allows.
  const auto evaluate = [&](PolicyLayer layer, const PolicyRef& policy) {
    if (!policy) return false;
    PolicyEvaluation evaluation;
    evaluate_policy(*policy, input, evaluation);
    for (auto& deny : evaluation.denies) denies.push_back({layer, std::move(deny)});
    for (auto& allow : evaluation.allows) allows.push_back({layer, std::move(allow)});
    for (auto& problem : evaluation.problems) decision.problems.push_back(std::move(problem));
    return evaluation.allowed();
  };

  bool guardrail_allows = false;
  for (const auto& policy : layers.guardrails) {
    guardrail_allows = evaluate(PolicyLayer::kGuardrail, policy) || guardrail_allows;
  }
  if (!layers.guardrails.empty() && !guardrail_allows) {
    note_missing(fmt::format("no guardrail policy of the tenant allows {}", what));
  }
  if (layers.boundary && !evaluate(PolicyLayer::kBoundary, layers.boundary)) {
    note_missing(
        fmt::format("the permission boundary {} does not allow {}", layers.boundary->name, what));
  }
  for (const auto& policy : layers.sessions) {
    if (!evaluate(PolicyLayer::kSession, policy)) {
      note_missing(
          fmt::format("the session policy {} does not allow {}", policy ? policy->name : "", what));
    }
  }
  bool identity_allows = false;
  for (const auto& policy : layers.identity) {
    identity_allows = evaluate(PolicyLayer::kIdentity, policy) || identity_allows;
  }
  if (!identity_allows) {
    note_missing(layers.identity.empty()
                     ? fmt::format("no identity policy allows {} (the principal has none)", what)
                     : fmt::format("no identity policy allows {}", what));
  }

  if (!denies.empty()) {
    decision.outcome = AccessOutcome::kExplicitDeny;
    const auto& first = denies.front();
    decision.reason =
        fmt::format("the {} policy {} denies {} (statement {})", policy_layer_name(first.layer),
                    first.statement.policy, what, first.statement.label());
    decision.deciding = std::move(denies);
    return decision;
  }
  if (!missing.empty()) {
    decision.outcome = AccessOutcome::kImplicitDeny;
    decision.reason = std::move(missing);
    return decision;
  }
  decision.outcome = AccessOutcome::kAllow;
  decision.reason = fmt::format("{} is allowed", what);
  decision.deciding = std::move(allows);
  return decision;
}

}  // namespace ward::gov
