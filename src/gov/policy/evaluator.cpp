#include "gov/policy/evaluator.h"

#include <fmt/format.h>

#include <algorithm>

#include "gov/policy/condition.h"

namespace ward::gov {
namespace {

bool action_applies(const PolicyStatement& statement, std::string_view action) {
  const bool listed =
      std::any_of(statement.actions.begin(), statement.actions.end(),
                  [action](const auto& element) { return element.pattern.matches(action, true); });
  return listed != statement.not_action;
}

bool resource_applies(const PolicyStatement& statement, const EvaluationInput& input,
                      std::vector<core::Error>& problems) {
  const auto lookup = [&input](std::string_view name) { return input.context.single(name); };
  bool listed = false;
  for (const auto& element : statement.resources) {
    auto resolved = element.pattern.resolve(lookup);
    if (!resolved) {
      problems.emplace_back(core::Code::kInvalidArgument, element.path, resolved.error().message());
      continue;
    }
    if (resolved->matches(input.resource, false)) {
      listed = true;
      break;
    }
  }
  return listed != statement.not_resource;
}

}  // namespace

void evaluate_policy(const Policy& policy, const EvaluationInput& input, PolicyEvaluation& out) {
  std::vector<core::Error> problems;
  for (const auto& statement : policy.statements) {
    if (!action_applies(statement, input.action)) continue;
    if (!resource_applies(statement, input, problems)) continue;
    const bool conditions_hold = std::all_of(
        statement.conditions.begin(), statement.conditions.end(),
        [&](const auto& clause) { return evaluate_condition(clause, input.context, problems); });
    if (!conditions_hold) continue;
    StatementMatch match{policy.name, statement.sid, statement.path, statement.effect};
    (statement.effect == PolicyEffect::kDeny ? out.denies : out.allows).push_back(std::move(match));
  }
  for (auto& problem : problems) {
    out.problems.emplace_back(problem.code(), fmt::format("{}#{}", policy.name, problem.where()),
                              problem.message());
  }
}

PolicyEvaluation evaluate_policy(const Policy& policy, const EvaluationInput& input) {
  PolicyEvaluation out;
  evaluate_policy(policy, input, out);
  return out;
}

}  // namespace ward::gov
