#pragma once
// Evaluating one policy against a request: which of its statements apply. A statement applies
// when the request's action matches its Action (or none of its NotAction), its resource matches
// its Resource (or none of its NotResource), and every condition clause holds (condition.h).
// Actions match case-insensitively, resources case-sensitively; policy variables in Resource are
// replaced by the request's values first. Combining policies into a decision is authorizer.h's
// job. Pure; safe from any thread.

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "gov/policy/policy.h"
#include "gov/policy/request.h"

namespace ward::gov {

// What the evaluator needs of a request: its action, its resource and its effective context
// (request.h: effective_context).
struct EvaluationInput {
  std::string_view action;
  std::string_view resource;
  const RequestContext& context;
};

// A statement that applied.
struct StatementMatch {
  std::string policy;  // Policy::name
  std::string sid;     // empty when the statement has none
  std::string path;    // the statement's JSON pointer, e.g. /Statement/1
  PolicyEffect effect = PolicyEffect::kAllow;

  // The Sid, or the path for a statement without one.
  std::string label() const { return sid.empty() ? path : sid; }
};

struct PolicyEvaluation {
  std::vector<StatementMatch> allows;
  std::vector<StatementMatch> denies;
  // Problems met on the way: policy variables without a value, request values an operator could
  // not read. `where` is "policy#/json/pointer".
  std::vector<core::Error> problems;

  bool allowed() const { return !allows.empty(); }
  bool denied() const { return !denies.empty(); }
};

// Evaluates every statement of `policy` and appends what applied to `out`.
void evaluate_policy(const Policy& policy, const EvaluationInput& input, PolicyEvaluation& out);

// Evaluates every statement of `policy` on its own.
PolicyEvaluation evaluate_policy(const Policy& policy, const EvaluationInput& input);

}  // namespace ward::gov
