// `ward policy`: works on policy documents without a data directory.
//   ward policy validate FILE...          every grammar error of every file, with its JSON path
//   ward policy simulate --policy ...     the access decision for one request under given policies
//   ward policy managed [NAME]            the managed policies shipped with Ward
// The policy language and the evaluation order are in docs/policies.md.

#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "gov/policy/authorizer.h"
#include "gov/policy/managed.h"
#include "gov/policy/parser.h"

namespace ward::cli {
namespace {

using OrderedJson = nlohmann::ordered_json;

std::string dump(const OrderedJson& json) {
  return json.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

std::string_view severity_name(gov::DiagnosticSeverity severity) {
  return severity == gov::DiagnosticSeverity::kError ? "error" : "warning";
}

std::string plural(std::size_t count, std::string_view noun) {
  return fmt::format("{} {}{}", count, noun, count == 1 ? "" : "s");
}

// ---- validate ------------------------------------------------------------------------------

struct ValidateOptions {
  std::vector<std::string> files;
  bool json = false;
};

int run_validate(const ValidateOptions& options) {
  bool failed = false;
  OrderedJson report_json = OrderedJson::array();
  for (const auto& file : options.files) {
    auto text = gov::read_policy_file(file);
    if (!text) {
      failed = true;
      if (options.json) {
        report_json.push_back(
            {{"file", file},
             {"valid", false},
             {"diagnostics",
              {{{"severity", "error"}, {"path", ""}, {"message", text.error().message()}}}}});
      } else {
        report(text.error());
      }
      continue;
    }
    const gov::PolicyParse parsed = gov::parse_policy(*text, file);
    failed = failed || !parsed.ok();
    if (options.json) {
      OrderedJson diagnostics = OrderedJson::array();
      for (const auto& diagnostic : parsed.diagnostics) {
        diagnostics.push_back({{"severity", severity_name(diagnostic.severity)},
                               {"path", diagnostic.path},
                               {"message", diagnostic.message}});
      }
      report_json.push_back({{"file", file}, {"valid", parsed.ok()}, {"diagnostics", diagnostics}});
      continue;
    }
    for (const auto& diagnostic : parsed.diagnostics) {
      std::cout << file << "#" << diagnostic.path << ": " << severity_name(diagnostic.severity)
                << ": " << diagnostic.message << "\n";
    }
    if (parsed.ok()) {
      std::cout << file << ": ok"
                << (parsed.warning_count() ? " (" + plural(parsed.warning_count(), "warning") + ")"
                                           : "")
                << "\n";
    } else {
      std::cout << file << ": " << plural(parsed.error_count(), "error")
                << (parsed.warning_count() ? ", " + plural(parsed.warning_count(), "warning") : "")
                << "\n";
    }
  }
  if (options.json) std::cout << dump(report_json) << "\n";
  return failed ? kExitFailure : kExitOk;
}

// ---- simulate ------------------------------------------------------------------------------

struct SimulateOptions {
  std::vector<std::string> policies;
  std::vector<std::string> guardrails;
  std::string boundary;
  std::vector<std::string> sessions;
  std::string action;
  std::string resource;
  std::string principal;
  std::string tenant;
  std::vector<std::string> tags;
  std::vector<std::string> context;
  bool json = false;
};

// A policy named on the command line: "managed:NAME" or a file. Prints every error of an invalid
// file (and its warnings) to stderr.
gov::PolicyRef load_reference(const std::string& reference) {
  if (reference.rfind(gov::kManagedPolicyPrefix, 0) == 0) {
    auto policy = gov::managed_policy(reference);
    if (!policy) {
      report(policy.error());
      return nullptr;
    }
    return *policy;
  }
  auto text = gov::read_policy_file(reference);
  if (!text) {
    report(text.error());
    return nullptr;
  }
  gov::PolicyParse parsed = gov::parse_policy(*text, reference);
  for (const auto& diagnostic : parsed.diagnostics) {
    std::cerr << "ward: " << severity_name(diagnostic.severity) << ": "
              << gov::diagnostic_error(diagnostic, reference).to_string() << "\n";
  }
  return parsed.policy;
}

bool load_all(const std::vector<std::string>& references, std::vector<gov::PolicyRef>& out) {
  bool ok = true;
  for (const auto& reference : references) {
    auto policy = load_reference(reference);
    ok = ok && policy != nullptr;
    if (policy) out.push_back(std::move(policy));
  }
  return ok;
}

// Splits "KEY=VALUE"; nullopt after reporting a usage error.
std::optional<std::pair<std::string, std::string>> split_assignment(const std::string& text,
                                                                    std::string_view flag) {
  const auto equals = text.find('=');
  if (equals == std::string::npos || equals == 0) {
    std::cerr << "ward: error: " << flag << " " << text << ": write " << flag
              << " KEY=VALUE; see `ward policy simulate --help`\n";
    return std::nullopt;
  }
  return std::make_pair(text.substr(0, equals), text.substr(equals + 1));
}

int run_simulate(const SimulateOptions& options) {
  gov::AccessRequest request;
  request.action = options.action;
  request.resource = options.resource;
  request.principal.username = options.principal;
  request.principal.tenant = options.tenant;
  for (const auto& tag : options.tags) {
    auto pair = split_assignment(tag, "--principal-tag");
    if (!pair) return kExitUsage;
    request.principal.tags[pair->first] = pair->second;
  }
  for (const auto& entry : options.context) {
    auto pair = split_assignment(entry, "--context");
    if (!pair) return kExitUsage;
    request.context.add(pair->first, pair->second);
  }
  request.time = std::chrono::system_clock::now();
  if (auto status = gov::check_access_request(request); !status) {
    report(status.error());
    return kExitUsage;
  }

  gov::PolicyLayers layers;
  bool ok = load_all(options.policies, layers.identity);
  ok = load_all(options.guardrails, layers.guardrails) && ok;
  ok = load_all(options.sessions, layers.sessions) && ok;
  if (!options.boundary.empty()) {
    layers.boundary = load_reference(options.boundary);
    ok = ok && layers.boundary != nullptr;
  }
  if (!ok) return kExitFailure;

  const gov::AccessDecision decision = gov::authorize(layers, request);
  if (options.json) {
    OrderedJson matched = OrderedJson::array();
    OrderedJson statements = OrderedJson::array();
    for (const auto& deciding : decision.deciding) {
      matched.push_back(deciding.statement.label());
      statements.push_back({{"layer", gov::policy_layer_name(deciding.layer)},
                            {"policy", deciding.statement.policy},
                            {"sid", deciding.statement.sid},
                            {"path", deciding.statement.path},
                            {"effect", gov::effect_name(deciding.statement.effect)}});
    }
    OrderedJson problems = OrderedJson::array();
    for (const auto& problem : decision.problems) {
      problems.push_back({{"where", problem.where()}, {"message", problem.message()}});
    }
    const OrderedJson out = {{"decision", gov::access_outcome_name(decision.outcome)},
                             {"matched", matched},
                             {"statements", statements},
                             {"reason", decision.reason},
                             {"problems", problems}};
    std::cout << dump(out) << "\n";
    return kExitOk;
  }
  std::cout << "decision: " << gov::access_outcome_name(decision.outcome) << "\n";
  std::cout << "reason:   " << decision.reason << "\n";
  for (const auto& deciding : decision.deciding) {
    std::cout << fmt::format("  {:<9}  {}  {} ({})\n", gov::policy_layer_name(deciding.layer),
                             deciding.statement.policy, deciding.statement.label(),
                             gov::effect_name(deciding.statement.effect));
  }
  for (const auto& problem : decision.problems) {
    std::cout << "problem:  " << problem.to_string() << "\n";
  }
  return kExitOk;
}

// ---- managed -------------------------------------------------------------------------------

int run_managed(const std::string& name) {
  if (name.empty()) {
    for (const auto& info : gov::managed_policies()) {
      std::cout << fmt::format("{:<20} {}\n", info.name, info.description);
    }
    return kExitOk;
  }
  auto policy = gov::managed_policy(name);
  if (!policy) return report(policy.error());
  for (const auto& info : gov::managed_policies()) {
    if ((*policy)->name == std::string(gov::kManagedPolicyPrefix) + std::string(info.name)) {
      std::cout << info.document;
    }
  }
  return kExitOk;
}

}  // namespace

void add_policy_commands(CLI::App& app, CommandContext& context) {
  auto* policy =
      app.add_subcommand("policy", "check policy documents and simulate access decisions");
  policy->require_subcommand(1);

  auto validate_options = std::make_shared<ValidateOptions>();
  auto* validate = policy->add_subcommand(
      "validate", "check policy files and report every error with its JSON path (exit 1 if any)");
  validate->add_option("files", validate_options->files, "policy files")
      ->required()
      ->type_name("FILE");
  validate->add_flag("--json", validate_options->json, "print the diagnostics as JSON");
  validate->callback([&context, validate_options] {
    context.action = [validate_options] { return run_validate(*validate_options); };
  });

  auto simulate_options = std::make_shared<SimulateOptions>();
  auto& opts = *simulate_options;
  auto* simulate = policy->add_subcommand(
      "simulate", "decide one request under the given policies, as `ward serve` would");
  simulate->add_option("--policy", opts.policies, "an identity policy (repeatable)")
      ->type_name("FILE|managed:NAME");
  simulate->add_option("--guardrail", opts.guardrails, "a tenant guardrail policy (repeatable)")
      ->type_name("FILE|managed:NAME");
  simulate->add_option("--boundary", opts.boundary, "the user's permission boundary")
      ->type_name("FILE|managed:NAME");
  simulate
      ->add_option("--session", opts.sessions,
                   "a session policy: token scopes, an agent session (repeatable)")
      ->type_name("FILE|managed:NAME");
  simulate->add_option("--action", opts.action, "the action, e.g. ward:Chat")
      ->required()
      ->type_name("ACTION");
  simulate
      ->add_option("--resource", opts.resource,
                   "the resource, e.g. ward:eu-west-2:acme:workspace/app")
      ->required()
      ->type_name("RESOURCE");
  simulate->add_option("--principal", opts.principal, "the user name (${ward:username})")
      ->type_name("NAME");
  simulate->add_option("--tenant", opts.tenant, "the user's tenant (${ward:tenant})")
      ->type_name("TENANT");
  simulate
      ->add_option("--principal-tag", opts.tags,
                   "a tag of the user (${ward:PrincipalTag/NAME}; repeatable)")
      ->type_name("NAME=VALUE");
  simulate
      ->add_option("--context", opts.context,
                   "a context key's value; repeat a key for several values")
      ->type_name("KEY=VALUE");
  simulate->add_flag("--json", opts.json, "print the decision as JSON");
  simulate->callback([&context, simulate_options] {
    context.action = [simulate_options] { return run_simulate(*simulate_options); };
  });

  auto managed_name = std::make_shared<std::string>();
  auto* managed = policy->add_subcommand("managed", "list the managed policies, or print one");
  managed->add_option("name", *managed_name, "a managed policy to print")->type_name("NAME");
  managed->callback([&context, managed_name] {
    context.action = [managed_name] { return run_managed(*managed_name); };
  });
}

}  // namespace ward::cli
