#pragma once
// What a CLI command that touches governed state needs to leave an audit trail: the data directory,
// its keyring (which holds the audit log's signing key) and the audit log, with the local actor.
//
// The actor is the OS user running `ward`, authenticated by having access to the data directory
// ("local"). Commands record one event through record() BEFORE they change anything and stop if
// that fails: an action whose event cannot be written durably is refused. Used once, on the main
// thread.

#include <chrono>
#include <memory>
#include <string_view>

#include "cli/commands.h"
#include "gov/audit/audit_log.h"
#include "gov/keys/keyring.h"

namespace ward::cli {

class AuditedSession {
 public:
  // Opens the data directory, its keyring and the audit log; writes the signing key's public half
  // to <data dir>/keys/audit-signing.pub for offline verification if it is not there yet.
  static core::Result<std::unique_ptr<AuditedSession>> open(const core::ConfigInputs& inputs);
  ~AuditedSession();

  DataDir& data() { return data_; }
  store::Database& db() { return *data_.db; }
  const core::Config& config() const { return data_.config; }
  gov::Keyring& keyring() { return *keyring_; }
  const gov::AuditActor& actor() const { return actor_; }
  gov::AuditLog& audit_log() { return *log_; }

  // Appends one event for this command; an error means the command must stop without acting.
  core::Status record(std::string_view action, std::string_view resource,
                      const gov::AuditParams& params, gov::AuditOutcome outcome,
                      std::string_view error_code = {});

  // Records that the command failed with `error` (best effort: it fails either way), signs the
  // log's head and reports the error.
  int fail(std::string_view action, std::string_view resource, const gov::AuditParams& params,
           const core::Error& error);

  // Signs the log's head (the shutdown checkpoint); a failure is only a warning, since the events
  // themselves are durable and the next checkpoint covers them.
  void finish();

 private:
  AuditedSession(DataDir data, gov::Keyring keyring, crypto::Ed25519KeyPair key);

  DataDir data_;
  std::unique_ptr<gov::Keyring> keyring_;
  std::unique_ptr<crypto::Ed25519KeyPair> key_;
  std::unique_ptr<gov::AuditLog> log_;
  gov::AuditActor actor_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace ward::cli
