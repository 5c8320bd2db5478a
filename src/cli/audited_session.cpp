#include "cli/audited_session.h"

#include <pwd.h>
#include <unistd.h>

#include <iostream>
#include <vector>

#include "gov/audit/signing_key.h"
#include "ward/version.h"

namespace ward::cli {
namespace {

// The person running the command: the OS user, who reached the data directory through the file
// system ("local" authentication); there is no token, address or client.
gov::AuditActor local_actor() {
  gov::AuditActor actor;
  const uid_t uid = ::geteuid();
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* found = nullptr;
  if (::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr) {
    actor.user = found->pw_name;
  } else {
    actor.user = "uid:" + std::to_string(uid);
  }
  actor.auth_method = "local";
  actor.user_agent = std::string("ward-cli/") + kVersion;
  return actor;
}

}  // namespace

core::Result<std::unique_ptr<AuditedSession>> AuditedSession::open(
    const core::ConfigInputs& inputs) {
  auto data = open_data_dir(inputs);
  if (!data) return std::move(data).error();
  auto keyring = open_keyring(*data);
  if (!keyring) return std::move(keyring).error();
  auto key = keyring->audit_signing_key();
  if (!key) return std::move(key).error();
  if (auto s = gov::publish_audit_public_key(data->config.data_dir, key->public_key()); !s) {
    return std::move(s).error();
  }
  auto session = std::unique_ptr<AuditedSession>(
      new AuditedSession(std::move(*data), std::move(*keyring), std::move(*key)));
  gov::AuditLogOptions options;
  options.background_checkpoints = false;  // a short command: it signs its head when it ends
  options.checkpoint_on_close = false;     // finish() does, and reports a failure
  auto log = gov::AuditLog::open(session->db(), *session->key_, core::system_clock(), options);
  if (!log) return std::move(log).error();
  session->log_ = std::move(*log);
  return session;
}

AuditedSession::AuditedSession(DataDir data, gov::Keyring keyring, crypto::Ed25519KeyPair key)
    : data_(std::move(data)),
      keyring_(std::make_unique<gov::Keyring>(std::move(keyring))),
      key_(std::make_unique<crypto::Ed25519KeyPair>(std::move(key))),
      actor_(local_actor()),
      started_(std::chrono::steady_clock::now()) {}

AuditedSession::~AuditedSession() = default;

core::Status AuditedSession::record(std::string_view action, std::string_view resource,
                                    const gov::AuditParams& params, gov::AuditOutcome outcome,
                                    std::string_view error_code) {
  gov::AuditEvent event;
  event.actor = actor_;
  event.action = std::string(action);
  event.resource = std::string(resource);
  event.params = params;
  event.outcome = outcome;
  event.error_code = std::string(error_code);
  event.region = data_.config.region;
  event.latency_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now() - started_)
                         .count();
  auto receipt = log_->append(event);
  if (!receipt) return std::move(receipt).error();
  return {};
}

int AuditedSession::fail(std::string_view action, std::string_view resource,
                         const gov::AuditParams& params, const core::Error& error) {
  (void)record(action, resource, params, gov::AuditOutcome::kError, core::code_name(error.code()));
  finish();
  return report(error);
}

void AuditedSession::finish() {
  if (auto s = log_->checkpoint(); !s) {
    std::cerr << "ward: warning: the audit checkpoint could not be written: "
              << s.error().to_string() << "\n";
  }
}

}  // namespace ward::cli
