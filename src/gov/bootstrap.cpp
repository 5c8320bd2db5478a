#include "gov/bootstrap.h"

#include "core/id.h"
#include "crypto/compare.h"
#include "crypto/hash.h"
#include "crypto/random.h"

namespace ward::gov {
namespace {

using core::Code;
using core::Error;
using store::Blob;
using store::Transaction;
using store::TransactionOptions;

constexpr TransactionOptions kDurableWrite{store::Access::kReadWrite, store::Durability::kFull};

Blob token_hash(std::string_view token) {
  auto digest = crypto::sha256(token);
  return Blob{{digest.begin(), digest.end()}};
}

core::Result<bool> any_redeemed(Transaction& tx) {
  auto row = tx.query_one("SELECT COUNT(*) AS n FROM bootstrap_tokens WHERE redeemed_at IS NOT NULL");
  if (!row) return row.error();
  auto count = (*row)->get_int("n");
  if (!count) return count.error();
  return *count > 0;
}

}  // namespace

core::Result<std::optional<std::string>> Bootstrap::issue(std::chrono::seconds lifetime) {
  std::optional<std::string> token;
  core::Status status = db_.with_transaction(kDurableWrite, [&](Transaction& tx) -> core::Status {
    token.reset();
    auto done = any_redeemed(tx);
    if (!done) return done.error();
    if (*done) return {};
    auto secret = crypto::random_secret(32);
    if (!secret) return secret.error();
    std::string text = std::string(kBootstrapTokenPrefix) + crypto::to_hex(secret->view());
    if (auto deleted = tx.execute("DELETE FROM bootstrap_tokens"); !deleted) return deleted.error();
    const core::TimePoint now = clock_.now();
    auto inserted = tx.execute(
        "INSERT INTO bootstrap_tokens (id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?)",
        {core::new_id().to_string(), token_hash(text), core::format_rfc3339(now),
         core::format_rfc3339(now + lifetime)});
    if (!inserted) return inserted.error();
    token = std::move(text);
    return {};
  });
  if (!status) return status.error();
  return token;
}

core::Status Bootstrap::redeem(std::string_view token) {
  const Error rejected(Code::kUnauthenticated, "bootstrap token",
                       "the bootstrap token is not valid; restart `ward serve` to get a new one");
  const Blob presented = token_hash(token);
  bool accepted = false;
  core::Status status = db_.with_transaction(kDurableWrite, [&](Transaction& tx) -> core::Status {
    accepted = false;
    const std::string now = core::format_rfc3339(clock_.now());
    auto rows = tx.query(
        "SELECT id, token_hash FROM bootstrap_tokens WHERE redeemed_at IS NULL AND expires_at > ?",
        {now});
    if (!rows) return rows.error();
    for (const auto& row : *rows) {
      auto hash = row.get_blob("token_hash");
      auto id = row.get_text("id");
      if (!hash || !id) return hash ? id.error() : hash.error();
      if (!crypto::constant_time_equal(hash->bytes, presented.bytes)) continue;
      auto updated = tx.execute("UPDATE bootstrap_tokens SET redeemed_at = ? WHERE id = ?", {now, *id});
      if (!updated) return updated.error();
      accepted = true;
    }
    return {};
  });
  if (!status) return status;
  if (!accepted) return rejected;
  return {};
}

core::Result<bool> Bootstrap::completed() {
  auto tx = db_.begin({store::Access::kReadOnly, store::Durability::kNormal});
  if (!tx) return tx.error();
  return any_redeemed(**tx);
}

}  // namespace ward::gov
