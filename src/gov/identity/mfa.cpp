#include "gov/identity/mfa.h"

#include "crypto/random.h"
#include "gov/identity/rows.h"

namespace ward::gov {
namespace {

using core::Code;
using core::Error;
using core::Result;
using store::Blob;
using store::Transaction;
using namespace identity_internal;

std::int64_t unix_seconds(core::TimePoint time) {
  return std::chrono::floor<std::chrono::seconds>(time.time_since_epoch()).count();
}

// One stored enrolment, as read inside a transaction (opened only outside it).
struct StoredSecret {
  std::string user_id;
  std::string user_name;
  std::string tenant_id;
  TotpAlgorithm algorithm = TotpAlgorithm::kSha1;
  Blob sealed;
  std::optional<std::int64_t> last_step;
};

Result<std::optional<StoredSecret>> read_secret(Transaction& tx, std::string_view user_id,
                                                std::string_view state) {
  auto row = tx.query_one(
      "SELECT m.algorithm AS algorithm, m.sealed_secret AS sealed_secret, "
      "m.last_step AS last_step, u.name AS user_name, u.tenant_id AS tenant_id "
      "FROM identity_totp m JOIN identity_users u ON u.id = m.user_id "
      "WHERE m.user_id = ? AND m.state = ?",
      {std::string(user_id), std::string(state)});
  if (!row) return row.error();
  if (!*row) return std::optional<StoredSecret>();
  StoredSecret out;
  out.user_id = std::string(user_id);
  auto algorithm = (*row)->get_text("algorithm");
  auto sealed = (*row)->get_blob("sealed_secret");
  auto last = (*row)->get_optional_int("last_step");
  auto name = (*row)->get_text("user_name");
  auto tenant = (*row)->get_text("tenant_id");
  if (!algorithm) return algorithm.error();
  if (!sealed) return sealed.error();
  if (!last) return last.error();
  if (!name) return name.error();
  if (!tenant) return tenant.error();
  auto parsed = parse_totp_algorithm(*algorithm);
  if (!parsed)
    return Error(Code::kDataLoss, "user " + *name, "the stored TOTP algorithm is unknown");
  out.algorithm = *parsed;
  out.sealed = std::move(*sealed);
  out.last_step = *last;
  out.user_name = std::move(*name);
  out.tenant_id = std::move(*tenant);
  return std::optional<StoredSecret>(std::move(out));
}

}  // namespace

Mfa::Mfa(store::Database& db, const core::Clock& clock, SecretSealer& sealer)
    : db_(db), clock_(clock), sealer_(sealer) {}

Result<MfaEnrollment> Mfa::enroll(std::string_view tenant, std::string_view user,
                                  TotpAlgorithm algorithm) {
  auto found = transact<User>(
      db_, kRead, [&](Transaction& tx) { return require_active_user(tx, tenant, user); });
  if (!found) return found.error();
  auto secret = crypto::random_secret(totp_secret_size(algorithm));
  if (!secret) return secret.error();
  auto sealed = sealer_.seal(found->tenant_id, kTotpSealPurpose, found->id, secret->view());
  if (!sealed) return sealed.error().with_context("sealing the TOTP secret: ");
  core::Status stored = db_.with_transaction(kDurableWrite, [&](Transaction& tx) -> core::Status {
    auto deleted = tx.execute("DELETE FROM identity_totp WHERE user_id = ? AND state = 'pending'",
                              {found->id});
    if (!deleted) return deleted.error();
    auto inserted = tx.execute(
        "INSERT INTO identity_totp (user_id, state, algorithm, sealed_secret, created_at) "
        "VALUES (?, 'pending', ?, ?, ?)",
        {found->id, std::string(totp_algorithm_name(algorithm)), Blob{*sealed},
         time_text(clock_.now())});
    if (!inserted) return inserted.error();
    return {};
  });
  if (!stored) return stored.error();
  const std::string account =
      found->tenant_name == kDefaultTenant ? found->name : found->name + "@" + found->tenant_name;
  MfaEnrollment out;
  out.user_name = found->name;
  out.algorithm = algorithm;
  out.secret_base32 = base32_encode(secret->view());
  out.otpauth_uri = otpauth_uri(account, secret->view(), algorithm);
  return out;
}

core::Status Mfa::confirm(std::string_view tenant, std::string_view user, std::string_view code) {
  const Error rejected(
      Code::kUnauthenticated, "mfa",
      "the code is not valid; check the device's clock and enter the current code");
  auto pending = transact<StoredSecret>(db_, kRead, [&](Transaction& tx) -> Result<StoredSecret> {
    auto u = require_active_user(tx, tenant, user);
    if (!u) return u.error();
    auto stored = read_secret(tx, u->id, "pending");
    if (!stored) return stored.error();
    if (!*stored) {
      return Error(Code::kFailedPrecondition, "user " + u->name,
                   "there is no MFA enrolment to confirm; start one with `ward admin user mfa "
                   "enroll`");
    }
    return std::move(**stored);
  });
  if (!pending) return pending.error();
  auto secret =
      sealer_.open(pending->tenant_id, kTotpSealPurpose, pending->user_id, pending->sealed.bytes);
  if (!secret) return secret.error().with_context("opening the TOTP secret: ");
  auto step = match_totp(secret->view(), pending->algorithm, code, unix_seconds(clock_.now()),
                         std::nullopt);
  if (!step) return step.error();
  if (!*step) return rejected;
  bool activated = false;
  core::Status status = db_.with_transaction(kDurableWrite, [&](Transaction& tx) -> core::Status {
    activated = false;
    // Only the enrolment whose code was checked is activated (a concurrent enroll replaced it
    // otherwise).
    auto still = tx.query_one(
        "SELECT user_id FROM identity_totp WHERE user_id = ? AND state = 'pending' "
        "AND sealed_secret = ?",
        {pending->user_id, pending->sealed});
    if (!still) return still.error();
    if (!*still) return {};
    auto removed = tx.execute("DELETE FROM identity_totp WHERE user_id = ? AND state = 'active'",
                              {pending->user_id});
    if (!removed) return removed.error();
    auto updated = tx.execute(
        "UPDATE identity_totp SET state = 'active', last_step = ?, confirmed_at = ? "
        "WHERE user_id = ? AND state = 'pending'",
        {**step, time_text(clock_.now()), pending->user_id});
    if (!updated) return updated.error();
    activated = true;
    return {};
  });
  if (!status) return status;
  if (!activated) return rejected;
  return {};
}

Result<bool> Mfa::verify(std::string_view user_id, std::string_view code) {
  auto active = transact<StoredSecret>(db_, kRead, [&](Transaction& tx) -> Result<StoredSecret> {
    auto stored = read_secret(tx, user_id, "active");
    if (!stored) return stored.error();
    if (!*stored) {
      return Error(Code::kFailedPrecondition, "mfa", "the user has not enrolled in MFA");
    }
    return std::move(**stored);
  });
  if (!active) return active.error();
  auto secret =
      sealer_.open(active->tenant_id, kTotpSealPurpose, active->user_id, active->sealed.bytes);
  if (!secret) return secret.error().with_context("opening the TOTP secret: ");
  auto step = match_totp(secret->view(), active->algorithm, code, unix_seconds(clock_.now()),
                         active->last_step);
  if (!step) return step.error();
  if (!*step) return false;
  // Compare-and-set: the step is recorded only if no other login used this or a later step since
  // it was read, so two logins racing with one code cannot both succeed.
  std::int64_t changed = 0;
  core::Status status = db_.with_transaction(kDurableWrite, [&](Transaction& tx) -> core::Status {
    auto updated = tx.execute(
        "UPDATE identity_totp SET last_step = ? WHERE user_id = ? AND state = 'active' "
        "AND sealed_secret = ? AND (last_step IS NULL OR last_step < ?)",
        {**step, active->user_id, active->sealed, **step});
    if (!updated) return updated.error();
    changed = *updated;
    return {};
  });
  if (!status) return status.error();
  return changed == 1;
}

}  // namespace ward::gov
