#pragma once
// The retention job: carries out deletions whose grace period has ended.
//
// `ward admin user delete` and tenant termination only schedule a deletion (30 days by default,
// restorable meanwhile). This job, run periodically by `ward serve` and on demand by
// `ward admin retention run`, then:
// - for a tenant: destroys all of its keys first (crypto-shredding: everything sealed under them,
//   in this database and in every backup, becomes unreadable), then deletes its identity rows;
// - for a user: deletes the user's identity rows and erases the personal data in their audit
//   events (the chain still verifies; see docs/audit.md);
// - for a stored conversation past its expiry (the tier's retention_days after its last
//   message): deletes it with its messages.
// Before each destructive step the job asks `record` to write the audit event for it and refuses
// the step if that fails, so nothing is deleted unaccounted. A failed step is reported and retried
// by the next run; every step is idempotent.
//
// Not thread-safe: run one job at a time per data directory.

#include <functional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "gov/identity/directory.h"
#include "gov/keys/keyring.h"

namespace ward::gov {

class AuditLog;

struct RetentionStep {
  std::string action;   // "purge_user", "purge_tenant" or "purge_conversation"
  std::string subject;  // tenant name, tenant/user, or tenant id/user id for a conversation
  std::string id;       // the user, tenant or conversation id
};

struct RetentionReport {
  std::vector<RetentionStep> done;
  std::vector<std::string> failures;  // one sentence per step that failed (retried next run)
};

// Writes the audit event for a step before it happens; an error refuses the step.
using RetentionRecorder = std::function<core::Status(const RetentionStep&)>;

class RetentionJob {
 public:
  RetentionJob(Directory& directory, Keyring& keyring, AuditLog& audit, const core::Clock& clock)
      : directory_(directory), keyring_(keyring), audit_(audit), clock_(clock) {}

  core::Result<RetentionReport> run(const RetentionRecorder& record);

 private:
  core::Status purge_tenant(const Tenant& tenant);
  core::Status purge_user(const User& user);

  Directory& directory_;
  Keyring& keyring_;
  AuditLog& audit_;
  const core::Clock& clock_;
};

}  // namespace ward::gov
