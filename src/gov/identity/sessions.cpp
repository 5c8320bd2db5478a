#include "gov/identity/sessions.h"

#include <array>

#include "crypto/compare.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "gov/identity/rows.h"

namespace ward::gov {
namespace {

using core::Code;
using core::Error;
using core::Result;
using store::Blob;
using store::Row;
using store::Transaction;
using namespace identity_internal;

constexpr std::size_t kIdBytes = 8;       // 16 hex digits
constexpr std::size_t kSecretBytes = 32;  // 256 bits, 64 hex digits
constexpr std::size_t kCookieLength = 2 * kIdBytes + 1 + 2 * kSecretBytes;
// last_seen_at is rewritten at most this often, so that a busy browser does not turn every
// request into a database write.
constexpr auto kLastSeenResolution = std::chrono::minutes(1);

Error rejected() {
  return Error(Code::kUnauthenticated, "session",
               "the sign-in session is not valid (expired, signed out or unknown); sign in again "
               "at /auth/login");
}

bool is_lower_hex(std::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Blob cookie_hash(std::string_view cookie) {
  const auto digest = crypto::sha256(cookie);
  return Blob{{digest.begin(), digest.end()}};
}

Result<AuthMethod> parse_method(std::string_view text) {
  for (AuthMethod m :
       {AuthMethod::kOidc, AuthMethod::kPassword, AuthMethod::kPasswordMfa, AuthMethod::kToken}) {
    if (auth_method_name(m) == text) return m;
  }
  return Error(Code::kDataLoss, "identity_sessions",
               "a stored session names an unknown sign-in method; restore the database from a "
               "backup");
}

constexpr std::string_view kSessionColumns =
    "SELECT s.id AS id, s.tenant_id AS tenant_id, t.name AS tenant_name, s.user_id AS user_id, "
    "u.name AS user_name, s.session_hash AS session_hash, s.method AS method, s.mfa AS mfa, "
    "s.created_at AS created_at, s.expires_at AS expires_at, s.last_seen_at AS last_seen_at, "
    "s.revoked_at AS revoked_at "
    "FROM identity_sessions s JOIN identity_users u ON u.id = s.user_id "
    "JOIN identity_tenants t ON t.id = s.tenant_id ";

Result<SessionInfo> session_from_row(const Row& row) {
  SessionInfo info;
  auto id = row.get_text("id");
  auto tenant_id = row.get_text("tenant_id");
  auto tenant_name = row.get_text("tenant_name");
  auto user_id = row.get_text("user_id");
  auto user_name = row.get_text("user_name");
  auto method = row.get_text("method");
  auto mfa = row.get_int("mfa");
  auto created = row.get_text("created_at");
  auto expires = row.get_text("expires_at");
  auto seen = row.get_text("last_seen_at");
  auto revoked = optional_time(row, "revoked_at");
  if (!id) return id.error();
  if (!tenant_id) return tenant_id.error();
  if (!tenant_name) return tenant_name.error();
  if (!user_id) return user_id.error();
  if (!user_name) return user_name.error();
  if (!method) return method.error();
  if (!mfa) return mfa.error();
  if (!created) return created.error();
  if (!expires) return expires.error();
  if (!seen) return seen.error();
  if (!revoked) return revoked.error();
  auto parsed_method = parse_method(*method);
  auto created_at = parse_time(*created);
  auto expires_at = parse_time(*expires);
  auto seen_at = parse_time(*seen);
  if (!parsed_method) return parsed_method.error();
  if (!created_at) return created_at.error();
  if (!expires_at) return expires_at.error();
  if (!seen_at) return seen_at.error();
  info.id = std::move(*id);
  info.tenant_id = std::move(*tenant_id);
  info.tenant_name = std::move(*tenant_name);
  info.user_id = std::move(*user_id);
  info.user_name = std::move(*user_name);
  info.method = *parsed_method;
  info.mfa_present = *mfa != 0;
  info.created_at = *created_at;
  info.expires_at = *expires_at;
  info.last_seen_at = *seen_at;
  info.revoked_at = *revoked;
  return info;
}

Result<std::optional<SessionInfo>> find_session(Transaction& tx, std::string_view id) {
  auto row = tx.query_one(std::string(kSessionColumns) + "WHERE s.id = ?", {std::string(id)});
  if (!row) return row.error();
  if (!*row) return std::optional<SessionInfo>();
  auto info = session_from_row(**row);
  if (!info) return info.error();
  return std::optional<SessionInfo>(std::move(*info));
}

core::Status check_options(const SessionOptions& options) {
  if (options.lifetime.count() <= 0) {
    return Error(Code::kInvalidArgument, "session lifetime",
                 "a session's lifetime must be positive");
  }
  if (options.idle_timeout.count() < 0) {
    return Error(Code::kInvalidArgument, "session idle timeout",
                 "the idle timeout must be zero (none) or positive");
  }
  return {};
}

}  // namespace

std::optional<std::string> session_id_of(std::string_view text) {
  if (text.size() != kCookieLength || text[2 * kIdBytes] != '_') return std::nullopt;
  const std::string_view id = text.substr(0, 2 * kIdBytes);
  if (!is_lower_hex(id) || !is_lower_hex(text.substr(2 * kIdBytes + 1))) return std::nullopt;
  return std::string(id);
}

Sessions::Sessions(store::Database& db, const core::Clock& clock, SessionOptions options)
    : db_(db), clock_(clock), options_(options) {}

Result<IssuedSession> Sessions::create(std::string_view user_id, AuthMethod method,
                                       bool mfa_present) {
  if (auto s = check_options(options_); !s) return s.error();
  return transact<IssuedSession>(db_, kDurableWrite, [&](Transaction& tx) -> Result<IssuedSession> {
    auto user = user_by_id(tx, user_id);
    if (!user) return user.error();
    if (!*user) {
      return Error(Code::kNotFound, "user " + std::string(user_id), "no such user");
    }
    auto tenant = tenant_by_id(tx, (*user)->tenant_id);
    if (!tenant) return tenant.error();
    if (!may_authenticate(*tenant, **user)) {
      return Error(Code::kFailedPrecondition, "user " + (*user)->name,
                   "the user or their tenant is scheduled for deletion; an administrator must "
                   "restore it first");
    }
    if (tenant->require_mfa && !mfa_present) {
      return Error(Code::kUnauthenticated, "tenant " + tenant->name,
                   "this tenant requires multi-factor authentication and the sign-in did not "
                   "assert a second factor; sign in at your identity provider with MFA");
    }
    const core::TimePoint now = clock_.now();
    auto swept =
        tx.execute("DELETE FROM identity_sessions WHERE expires_at <= ?", {time_text(now)});
    if (!swept) return swept.error();
    for (int attempt = 0; attempt < 5; ++attempt) {
      std::array<std::uint8_t, kIdBytes> id_bytes{};
      if (auto s = crypto::random_bytes(id_bytes); !s) return s.error();
      auto secret = crypto::random_secret(kSecretBytes);
      if (!secret) return secret.error();
      const std::string id = crypto::to_hex(id_bytes);
      std::string cookie = id + "_" + crypto::to_hex(secret->view());
      auto inserted = tx.execute(
          "INSERT INTO identity_sessions (id, tenant_id, user_id, session_hash, method, mfa, "
          "created_at, expires_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
          "ON CONFLICT (id) DO NOTHING",
          {id, tenant->id, (*user)->id, cookie_hash(cookie), std::string(auth_method_name(method)),
           std::int64_t{mfa_present ? 1 : 0}, time_text(now), time_text(now + options_.lifetime),
           time_text(now)});
      if (!inserted) return inserted.error();
      if (*inserted == 0) continue;  // an id collision (2^-64): draw again
      auto info = find_session(tx, id);
      if (!info) return info.error();
      return IssuedSession{std::move(cookie), std::move(**info)};
    }
    return Error(Code::kInternal, "session", "could not draw an unused session id");
  });
}

Result<AuthenticatedPrincipal> Sessions::authenticate(std::string_view cookie_text) {
  const auto id = session_id_of(cookie_text);
  const Blob presented = cookie_hash(cookie_text);
  if (!id) return rejected();
  const core::TimePoint now = clock_.now();
  struct Found {
    AuthenticatedPrincipal principal;
    bool touch = false;
  };
  auto found = transact<std::optional<Found>>(
      db_, kRead, [&](Transaction& tx) -> Result<std::optional<Found>> {
        auto row = tx.query_one(std::string(kSessionColumns) + "WHERE s.id = ?", {*id});
        if (!row) return row.error();
        if (!*row) return std::optional<Found>();
        auto stored = (*row)->get_blob("session_hash");
        if (!stored) return stored.error();
        if (!crypto::constant_time_equal(stored->bytes, presented.bytes)) {
          return std::optional<Found>();
        }
        auto info = session_from_row(**row);
        if (!info) return info.error();
        if (info->revoked_at || info->expires_at <= now) return std::optional<Found>();
        if (options_.idle_timeout.count() > 0 &&
            info->last_seen_at + options_.idle_timeout <= now) {
          return std::optional<Found>();
        }
        auto tenant = tenant_by_id(tx, info->tenant_id);
        if (!tenant) return tenant.error();
        auto user = user_by_id(tx, info->user_id);
        if (!user) return user.error();
        if (!*user || !may_authenticate(*tenant, **user)) return std::optional<Found>();
        Found out;
        out.principal = principal_for(*tenant, **user, info->method);
        out.principal.mfa_present = info->mfa_present;
        out.touch = info->last_seen_at + kLastSeenResolution <= now;
        return std::optional<Found>(std::move(out));
      });
  if (!found) return found.error();
  if (!*found) return rejected();
  if ((*found)->touch) {
    // Bookkeeping for the idle limit: when the database is too busy to record the use, the
    // request still goes ahead, and a later use records it.
    (void)db_.with_transaction(kWrite, [&](Transaction& tx) -> core::Status {
      auto updated = tx.execute("UPDATE identity_sessions SET last_seen_at = ? WHERE id = ?",
                                {time_text(now), *id});
      if (!updated) return updated.error();
      return {};
    });
  }
  return std::move((*found)->principal);
}

Result<SessionInfo> Sessions::revoke(std::string_view id_or_cookie) {
  const std::string id = session_id_of(id_or_cookie).value_or(std::string(id_or_cookie));
  return transact<SessionInfo>(db_, kDurableWrite, [&](Transaction& tx) -> Result<SessionInfo> {
    auto info = find_session(tx, id);
    if (!info) return info.error();
    if (!*info) return Error(Code::kNotFound, "session " + id, "no such session");
    if ((*info)->revoked_at) {
      return Error(Code::kFailedPrecondition, "session " + id, "the session has ended already");
    }
    auto updated = tx.execute("UPDATE identity_sessions SET revoked_at = ? WHERE id = ?",
                              {time_text(clock_.now()), id});
    if (!updated) return updated.error();
    auto after = find_session(tx, id);
    if (!after) return after.error();
    return std::move(**after);
  });
}

Result<std::int64_t> Sessions::revoke_all(std::string_view user_id) {
  return transact<std::int64_t>(db_, kDurableWrite, [&](Transaction& tx) -> Result<std::int64_t> {
    const std::string now = time_text(clock_.now());
    auto updated = tx.execute(
        "UPDATE identity_sessions SET revoked_at = ? "
        "WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ?",
        {now, std::string(user_id), now});
    if (!updated) return updated.error();
    return static_cast<std::int64_t>(*updated);
  });
}

Result<SessionInfo> Sessions::get(std::string_view id) {
  return transact<SessionInfo>(db_, kRead, [&](Transaction& tx) -> Result<SessionInfo> {
    auto info = find_session(tx, id);
    if (!info) return info.error();
    if (!*info) return Error(Code::kNotFound, "session " + std::string(id), "no such session");
    return std::move(**info);
  });
}

}  // namespace ward::gov
