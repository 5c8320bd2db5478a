#pragma once
// The access decision: combines every policy that applies to a request into allow, explicit deny
// or implicit deny.
//
//  1. An applicable Deny statement in ANY policy of any layer wins: explicit deny.
//  2. Otherwise every layer that is present must allow the request:
//     - guardrails (the tenant's, like AWS service control policies): when there are any, at least
//       one guardrail policy must allow; guardrails limit, they never grant on their own;
//     - the permission boundary, when the user has one;
//     - each session policy (an API token's scopes, an agent session): every one must allow;
//     - the identity policies (the user's, its groups' and its roles'): at least one must allow.
//     A layer that does not allow makes the decision implicit deny (the default: no allow).
//  3. Otherwise: allow.
// The decision names the statements that decided it and the problems met on the way (policy
// variables without values, unreadable request values). Pure; safe from any thread.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "gov/policy/evaluator.h"
#include "gov/policy/policy.h"
#include "gov/policy/request.h"

namespace ward::gov {

// The policies that apply to one principal and session. A null PolicyRef is not allowed.
struct PolicyLayers {
  std::vector<PolicyRef> guardrails;
  PolicyRef boundary;  // null: no permission boundary
  std::vector<PolicyRef> sessions;
  std::vector<PolicyRef> identity;
};

enum class AccessOutcome { kAllow, kExplicitDeny, kImplicitDeny };

// "allow", "explicit_deny" or "implicit_deny".
std::string_view access_outcome_name(AccessOutcome outcome);

// Where a policy sits: "guardrail", "boundary", "session" or "identity".
enum class PolicyLayer { kGuardrail, kBoundary, kSession, kIdentity };
std::string_view policy_layer_name(PolicyLayer layer);

struct DecidingStatement {
  PolicyLayer layer = PolicyLayer::kIdentity;
  StatementMatch statement;
};

struct AccessDecision {
  AccessOutcome outcome = AccessOutcome::kImplicitDeny;
  // Allow: the Allow statements of every layer that allowed. Explicit deny: every Deny statement
  // that applied. Implicit deny: empty.
  std::vector<DecidingStatement> deciding;
  // One sentence for people, e.g. "no statement in the permission boundary allows ward:AgentExec
  // on …".
  std::string reason;
  std::vector<core::Error> problems;

  bool allowed() const { return outcome == AccessOutcome::kAllow; }
};

// Decides `request` under `layers`. An invalid request (check_access_request) is an implicit
// deny whose problems say why.
AccessDecision authorize(const PolicyLayers& layers, const AccessRequest& request);

}  // namespace ward::gov
