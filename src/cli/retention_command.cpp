// `ward admin retention run`: carries out the deletions whose grace period has ended (users and
// tenants scheduled with `ward admin user delete` / `tenant delete`) and deletes stored
// conversations past their expiry. Run it daily from cron or a
// systemd timer. Each purge is recorded in the audit log before it happens and refused if that
// record cannot be written; failed steps are reported and retried by the next run.

#include <fmt/format.h>

#include <iostream>

#include "cli/audited_session.h"
#include "cli/commands.h"
#include "gov/tenancy/retention.h"

namespace ward::cli {
namespace {

// How a step is audited and reported.
struct StepTarget {
  const char* action;  // the audit event's action
  const char* kind;    // its resource type
  const char* done;    // what the report says
};

StepTarget target_of(const gov::RetentionStep& step) {
  if (step.action == "purge_tenant") return {"ward:AdminTenants", "tenant", "purged tenant"};
  if (step.action == "purge_conversation") {
    return {"ward:AdminUsers", "conversation", "deleted expired conversation"};
  }
  return {"ward:AdminUsers", "user", "purged user"};
}

int run_retention(const core::ConfigInputs& inputs) {
  auto session = AuditedSession::open(inputs);
  if (!session) return report(session.error());
  AuditedSession& s = **session;
  gov::IdentityOptions options;
  options.default_region = s.config().region;
  gov::Directory directory(s.db(), core::system_clock(), options);
  gov::AuditLog& audit = s.audit_log();
  gov::RetentionJob job(directory, s.keyring(), audit, core::system_clock());
  auto report_or = job.run([&](const gov::RetentionStep& step) {
    gov::AuditParams params;
    params.set("step", step.action);
    const StepTarget target = target_of(step);
    return s.record(target.action,
                    fmt::format("ward:{}:{}/{}", s.config().region, target.kind, step.id), params,
                    gov::AuditOutcome::kAllowed);
  });
  if (!report_or)
    return s.fail("ward:AdminUsers", "ward:" + s.config().region + ":admin", {}, report_or.error());
  s.finish();
  for (const auto& step : report_or->done) {
    std::cout << fmt::format("{}: {}\n", target_of(step).done, step.subject);
  }
  for (const auto& failure : report_or->failures) std::cerr << "ward: error: " << failure << "\n";
  if (report_or->done.empty() && report_or->failures.empty()) {
    std::cout << "nothing is due for deletion\n";
  }
  return report_or->failures.empty() ? kExitOk : kExitFailure;
}

}  // namespace

void add_retention_commands(CLI::App& admin, CommandContext& context) {
  auto* retention =
      admin.add_subcommand("retention", "purge what was deleted after its grace period");
  retention->require_subcommand(1);
  auto* run = retention->add_subcommand(
      "run", "purge users and tenants whose grace period has ended (crypto-shredding tenants)");
  run->callback(
      [&context] { context.action = [&context] { return run_retention(context.inputs); }; });
}

}  // namespace ward::cli
