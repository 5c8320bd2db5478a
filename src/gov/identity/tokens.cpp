#include "gov/identity/tokens.h"

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
using store::Value;
using namespace identity_internal;

constexpr std::size_t kIdBytes = 8;       // 16 hex digits
constexpr std::size_t kSecretBytes = 32;  // 256 bits, 64 hex digits
constexpr std::size_t kTokenLength = kTokenPrefix.size() + 2 * kIdBytes + 1 + 2 * kSecretBytes;
// last_used_at is rewritten at most this often, so a busy token does not turn every request into
// a database write.
constexpr auto kLastUsedResolution = std::chrono::minutes(1);

Error rejected() {
  return Error(Code::kUnauthenticated, "API token",
               "the API token is not valid; ask an administrator for a new one");
}

bool is_lower_hex(std::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Blob token_hash(std::string_view token) {
  const auto digest = crypto::sha256(token);
  return Blob{{digest.begin(), digest.end()}};
}

constexpr std::string_view kTokenColumns =
    "SELECT k.id AS id, k.tenant_id AS tenant_id, t.name AS tenant_name, k.user_id AS user_id, "
    "u.name AS user_name, k.token_hash AS token_hash, k.session_policy AS session_policy, "
    "k.created_at AS created_at, k.expires_at AS expires_at, k.revoked_at AS revoked_at, "
    "k.last_used_at AS last_used_at "
    "FROM identity_tokens k JOIN identity_users u ON u.id = k.user_id "
    "JOIN identity_tenants t ON t.id = k.tenant_id ";

Result<TokenInfo> token_from_row(const Row& row) {
  TokenInfo info;
  auto id = row.get_text("id");
  auto tenant_id = row.get_text("tenant_id");
  auto tenant_name = row.get_text("tenant_name");
  auto user_id = row.get_text("user_id");
  auto user_name = row.get_text("user_name");
  auto policy = row.get_optional_text("session_policy");
  auto created = row.get_text("created_at");
  auto expires = row.get_text("expires_at");
  auto revoked = optional_time(row, "revoked_at");
  auto used = optional_time(row, "last_used_at");
  if (!id) return id.error();
  if (!tenant_id) return tenant_id.error();
  if (!tenant_name) return tenant_name.error();
  if (!user_id) return user_id.error();
  if (!user_name) return user_name.error();
  if (!policy) return policy.error();
  if (!created) return created.error();
  if (!expires) return expires.error();
  if (!revoked) return revoked.error();
  if (!used) return used.error();
  auto created_at = parse_time(*created);
  auto expires_at = parse_time(*expires);
  if (!created_at) return created_at.error();
  if (!expires_at) return expires_at.error();
  info.id = std::move(*id);
  info.tenant_id = std::move(*tenant_id);
  info.tenant_name = std::move(*tenant_name);
  info.user_id = std::move(*user_id);
  info.user_name = std::move(*user_name);
  info.session_policy = std::move(*policy);
  info.created_at = *created_at;
  info.expires_at = *expires_at;
  info.revoked_at = *revoked;
  info.last_used_at = *used;
  return info;
}

Result<std::optional<TokenInfo>> find_token(Transaction& tx, std::string_view id) {
  auto row = tx.query_one(std::string(kTokenColumns) + "WHERE k.id = ?", {std::string(id)});
  if (!row) return row.error();
  if (!*row) return std::optional<TokenInfo>();
  auto info = token_from_row(**row);
  if (!info) return info.error();
  return std::optional<TokenInfo>(std::move(*info));
}

}  // namespace

std::string_view token_state(const TokenInfo& token, core::TimePoint now) {
  if (token.revoked_at) return "revoked";
  if (token.expires_at <= now) return "expired";
  return "active";
}

std::optional<std::string> token_id_of(std::string_view text) {
  if (text.size() != kTokenLength || !text.starts_with(kTokenPrefix)) return std::nullopt;
  const std::string_view rest = text.substr(kTokenPrefix.size());
  const std::string_view id = rest.substr(0, 2 * kIdBytes);
  if (rest[2 * kIdBytes] != '_' || !is_lower_hex(id) ||
      !is_lower_hex(rest.substr(2 * kIdBytes + 1))) {
    return std::nullopt;
  }
  return std::string(id);
}

Tokens::Tokens(store::Database& db, const core::Clock& clock, IdentityOptions options)
    : db_(db), clock_(clock), options_(std::move(options)) {}

Result<IssuedToken> Tokens::create(const TokenRequest& request) {
  const std::chrono::seconds lifetime = request.lifetime.value_or(options_.token_default_lifetime);
  if (lifetime.count() <= 0 || lifetime > options_.token_max_lifetime) {
    return Error(Code::kInvalidArgument, "token lifetime",
                 "a token's lifetime must be positive and at most " +
                     std::to_string(
                         std::chrono::duration_cast<std::chrono::days>(options_.token_max_lifetime)
                             .count()) +
                     " days");
  }
  std::optional<std::string> policy;
  if (request.session_policy) {
    auto normal = normalise_policy_document("session policy", *request.session_policy);
    if (!normal) return normal.error();
    policy = std::move(*normal);
  }
  return transact<IssuedToken>(db_, kDurableWrite, [&](Transaction& tx) -> Result<IssuedToken> {
    auto user = require_active_user(tx, request.tenant, request.user);
    if (!user) return user.error();
    const core::TimePoint now = clock_.now();
    for (int attempt = 0; attempt < 5; ++attempt) {
      std::array<std::uint8_t, kIdBytes> id_bytes{};
      if (auto s = crypto::random_bytes(id_bytes); !s) return s.error();
      auto secret = crypto::random_secret(kSecretBytes);
      if (!secret) return secret.error();
      const std::string id = crypto::to_hex(id_bytes);
      std::string text = std::string(kTokenPrefix) + id + "_" + crypto::to_hex(secret->view());
      auto inserted = tx.execute(
          "INSERT INTO identity_tokens (id, tenant_id, user_id, token_hash, session_policy, "
          "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
          {id, user->tenant_id, user->id, token_hash(text),
           policy ? Value(*policy) : Value(std::monostate{}), time_text(now),
           time_text(now + lifetime)});
      if (!inserted) return inserted.error();
      if (*inserted == 0) continue;  // an id collision (2^-64): draw again
      auto info = find_token(tx, id);
      if (!info) return info.error();
      return IssuedToken{std::move(text), std::move(**info)};
    }
    return Error(Code::kInternal, "API token", "could not draw an unused token id");
  });
}

Result<std::vector<TokenInfo>> Tokens::list(std::string_view tenant,
                                            std::optional<std::string_view> user) {
  return transact<std::vector<TokenInfo>>(
      db_, kRead, [&](Transaction& tx) -> Result<std::vector<TokenInfo>> {
        auto found = find_tenant(tx, tenant);
        if (!found) return found.error();
        // The default tenant appears with its first user; before that it has no tokens.
        if (!*found) {
          if (tenant == kDefaultTenant && !user) return std::vector<TokenInfo>();
          return require_tenant(tx, tenant).error();
        }
        const Tenant& t = **found;
        std::string sql = std::string(kTokenColumns) + "WHERE k.tenant_id = ?";
        std::vector<Value> params = {t.id};
        if (user) {
          auto u = require_user(tx, t, *user);
          if (!u) return u.error();
          sql += " AND k.user_id = ?";
          params.emplace_back(u->id);
        }
        auto rows = tx.query(sql + " ORDER BY k.created_at DESC, k.id", params);
        if (!rows) return rows.error();
        std::vector<TokenInfo> out;
        for (const Row& row : *rows) {
          auto info = token_from_row(row);
          if (!info) return info.error();
          out.push_back(std::move(*info));
        }
        return out;
      });
}

Result<TokenInfo> Tokens::revoke(std::string_view id_or_token) {
  const std::string id = token_id_of(id_or_token).value_or(std::string(id_or_token));
  return transact<TokenInfo>(db_, kDurableWrite, [&](Transaction& tx) -> Result<TokenInfo> {
    auto info = find_token(tx, id);
    if (!info) return info.error();
    if (!*info) {
      return Error(Code::kNotFound, "token " + id,
                   "no such token; `ward admin token list` shows the token ids");
    }
    if ((*info)->revoked_at) {
      return Error(Code::kFailedPrecondition, "token " + id, "the token is revoked already");
    }
    auto updated = tx.execute("UPDATE identity_tokens SET revoked_at = ? WHERE id = ?",
                              {time_text(clock_.now()), id});
    if (!updated) return updated.error();
    auto after = find_token(tx, id);
    if (!after) return after.error();
    return std::move(**after);
  });
}

Result<AuthenticatedPrincipal> Tokens::authenticate(std::string_view token_text) {
  const auto id = token_id_of(token_text);
  const Blob presented = token_hash(token_text);
  if (!id) return rejected();
  const core::TimePoint now = clock_.now();
  struct Found {
    AuthenticatedPrincipal principal;
    bool touch = false;
  };
  auto found = transact<std::optional<Found>>(
      db_, kRead, [&](Transaction& tx) -> Result<std::optional<Found>> {
        auto row = tx.query_one(std::string(kTokenColumns) + "WHERE k.id = ?", {*id});
        if (!row) return row.error();
        if (!*row) return std::optional<Found>();
        auto stored = (*row)->get_blob("token_hash");
        if (!stored) return stored.error();
        if (!crypto::constant_time_equal(stored->bytes, presented.bytes)) {
          return std::optional<Found>();
        }
        auto info = token_from_row(**row);
        if (!info) return info.error();
        if (token_state(*info, now) != "active") return std::optional<Found>();
        auto tenant = tenant_by_id(tx, info->tenant_id);
        if (!tenant) return tenant.error();
        auto user = user_by_id(tx, info->user_id);
        if (!user) return user.error();
        if (!*user || !may_authenticate(*tenant, **user)) return std::optional<Found>();
        Found out;
        out.principal = principal_for(*tenant, **user, AuthMethod::kToken);
        out.principal.token_id = info->id;
        out.principal.session_policy = info->session_policy;
        out.touch = !info->last_used_at || *info->last_used_at + kLastUsedResolution <= now;
        return std::optional<Found>(std::move(out));
      });
  if (!found) return found.error();
  if (!*found) return rejected();
  if ((*found)->touch) {
    // Bookkeeping only: when the database is too busy to record the use, the request still goes
    // ahead, and a later use records it.
    (void)db_.with_transaction(kWrite, [&](Transaction& tx) -> core::Status {
      auto updated = tx.execute("UPDATE identity_tokens SET last_used_at = ? WHERE id = ?",
                                {time_text(now), *id});
      if (!updated) return updated.error();
      return {};
    });
  }
  return std::move((*found)->principal);
}

}  // namespace ward::gov
