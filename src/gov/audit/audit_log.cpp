#include "gov/audit/audit_log.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <optional>

#include "crypto/random.h"

namespace ward::gov {

using core::Code;
using core::Error;
using store::Blob;
using store::Transaction;

namespace {

constexpr store::TransactionOptions kDurableWrite{store::Access::kReadWrite,
                                                  store::Durability::kFull};
// Appends written together in one transaction at most.
constexpr std::size_t kMaxBatch = 256;

constexpr std::string_view kInsertEvent =
    "INSERT INTO audit_events (seq, id, time, tenant, actor_user, actor_auth_method, "
    "actor_token_id, actor_source_ip, actor_user_agent, personal_salt, personal_commitment, "
    "action, resource, params, outcome, error_code, latency_ms, region, hash) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

Blob blob(std::span<const std::uint8_t> bytes) {
  return Blob{{bytes.begin(), bytes.end()}};
}

Error refused(const Error& cause) {
  return cause.with_context(
      "the audit event could not be recorded, so the action must be "
      "refused: ");
}

}  // namespace

struct AuditLog::Prepared {
  AuditRecord record;  // seq, id, time and hash are filled in when written
  std::string params_text;
  std::array<std::uint8_t, kAuditSaltSize> salt{};
};

struct AuditLog::Waiter {
  Prepared* event = nullptr;
  AuditReceipt receipt;
  std::optional<Error> error;
  bool done = false;  // guarded by queue_mutex_
};

struct AuditLog::Head {
  std::int64_t seq = 0;
  crypto::Sha256Digest hash{};
  std::int64_t signed_seq = 0;  // the newest checkpoint's event (0: none)
};

std::string audit_key_id(std::span<const std::uint8_t> public_key) {
  return crypto::to_hex(crypto::sha256(public_key)).substr(0, 16);
}

std::string audit_checkpoint_message(std::int64_t seq, const crypto::Sha256Digest& head_hash,
                                     std::string_view time, std::string_view key_id,
                                     std::string_view reason) {
  const nlohmann::json message = {
      {"head_hash", crypto::to_hex(head_hash)},
      {"key_id", std::string(key_id)},
      {"reason", std::string(reason)},
      {"seq", seq},
      {"time", std::string(time)},
      {"type", "ward.audit.checkpoint.v1"},
  };
  // All values are ASCII or integers far below 2^53, so this cannot fail.
  auto text = audit_canonical_json(message);
  return text ? *text : std::string();
}

core::Result<std::unique_ptr<AuditLog>> AuditLog::open(store::Database& db,
                                                       const crypto::Ed25519KeyPair& signing_key,
                                                       const core::Clock& clock,
                                                       AuditLogOptions options) {
  if (options.checkpoint_every_events < 1 || options.checkpoint_interval.count() <= 0) {
    return Error(Code::kInvalidArgument, "audit log",
                 "checkpoints must be written at least every 1 event and every 1 ms");
  }
  return std::unique_ptr<AuditLog>(new AuditLog(db, signing_key, clock, options));
}

AuditLog::AuditLog(store::Database& db, const crypto::Ed25519KeyPair& signing_key,
                   const core::Clock& clock, AuditLogOptions options)
    : db_(db),
      signing_key_(signing_key),
      clock_(clock),
      options_(options),
      key_id_(audit_key_id(signing_key.public_key())),
      ids_(clock),
      last_checkpoint_at_(clock.now()) {
  if (options_.background_checkpoints) timer_ = std::thread([this] { run_timer(); });
}

AuditLog::~AuditLog() {
  if (timer_.joinable()) {
    {
      std::lock_guard lock(timer_mutex_);
      stopping_ = true;
    }
    timer_wake_.notify_all();
    timer_.join();
  }
  if (options_.checkpoint_on_close) {
    if (core::Status s = checkpoint(); !s) {
      spdlog::error("audit: the shutdown checkpoint could not be written: {}",
                    s.error().to_string());
    }
  }
}

void AuditLog::run_timer() {
  const auto poll = std::clamp<std::chrono::milliseconds>(options_.checkpoint_interval / 2,
                                                          std::chrono::milliseconds(10),
                                                          std::chrono::milliseconds(1000));
  std::unique_lock lock(timer_mutex_);
  while (!stopping_) {
    timer_wake_.wait_for(lock, poll, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    if (core::Status s = checkpoint_if_due(); !s) {
      spdlog::warn("audit: a periodic checkpoint could not be written: {}", s.error().to_string());
    }
    lock.lock();
  }
}

core::Result<AuditLog::Prepared> AuditLog::prepare(const AuditEvent& event) const {
  if (!event.params.status()) return refused(event.params.status().error());
  if (event.action.empty()) {
    return refused(Error(Code::kInvalidArgument, "audit event", "an event needs an action"));
  }
  if (event.latency_ms < 0 || event.latency_ms > kAuditMaxSafeInteger) {
    return refused(
        Error(Code::kInvalidArgument, "audit event", "the latency must be zero or more"));
  }
  Prepared out;
  AuditRecord& r = out.record;
  r.tenant = audit_clean_text(event.tenant, kAuditMaxField);
  r.actor.user = audit_clean_text(event.actor.user, kAuditMaxField);
  r.actor.auth_method = audit_clean_text(event.actor.auth_method, kAuditMaxField);
  r.actor.token_id = audit_clean_text(event.actor.token_id, kAuditMaxField);
  r.actor.source_ip = audit_clean_text(event.actor.source_ip, kAuditMaxField);
  r.actor.user_agent = audit_clean_text(event.actor.user_agent, kAuditMaxUserAgent);
  r.action = audit_clean_text(event.action, kAuditMaxField);
  r.resource = audit_clean_text(event.resource, kAuditMaxField);
  r.params = event.params.json();
  r.outcome = event.outcome;
  r.error_code = audit_clean_text(event.error_code, kAuditMaxField);
  r.latency_ms = event.latency_ms;
  r.region = audit_clean_text(event.region, kAuditMaxField);
  auto params_text = audit_canonical_json(r.params);
  if (!params_text) return refused(params_text.error());
  out.params_text = std::move(*params_text);
  if (core::Status s = crypto::random_bytes(out.salt); !s) return refused(s.error());
  r.personal_commitment = audit_personal_commitment(out.salt, r.actor);
  return out;
}

core::Result<AuditReceipt> AuditLog::append(const AuditEvent& event) {
  auto prepared = prepare(event);
  if (!prepared) return std::move(prepared).error();
  Waiter me;
  me.event = &*prepared;
  std::unique_lock lock(queue_mutex_);
  queue_.push_back(&me);
  while (!me.done) {
    if (leader_active_) {
      queue_changed_.wait(lock);
      continue;
    }
    // Lead: write what is queued (this append among it, or first in line next round).
    leader_active_ = true;
    const std::size_t count = std::min(queue_.size(), kMaxBatch);
    std::vector<Waiter*> batch(queue_.begin(), queue_.begin() + static_cast<long>(count));
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<long>(count));
    lock.unlock();
    write_batch(batch);
    lock.lock();
    for (Waiter* waiter : batch) waiter->done = true;
    leader_active_ = false;
    queue_changed_.notify_all();
  }
  if (me.error) return std::move(*me.error);
  return std::move(me.receipt);
}

void AuditLog::write_batch(const std::vector<Waiter*>& batch) {
  std::lock_guard write_lock(write_mutex_);
  std::vector<AuditReceipt> receipts(batch.size());
  bool checkpointed = false;
  core::Status status = db_.with_transaction(kDurableWrite, [&](Transaction& tx) -> core::Status {
    checkpointed = false;
    auto head = read_head(tx);
    if (!head) return head.error();
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (core::Status s = insert(tx, *head, *batch[i]->event, receipts[i]); !s) return s;
    }
    return maybe_checkpoint(tx, *head, "periodic", false, checkpointed);
  });
  if (status && checkpointed) last_checkpoint_at_ = clock_.now();
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (status) {
      batch[i]->receipt = std::move(receipts[i]);
    } else {
      batch[i]->error = refused(status.error());
    }
  }
}

core::Result<AuditLog::Head> AuditLog::read_head(Transaction& tx) const {
  Head head;
  head.hash = audit_genesis_hash();
  auto row = tx.query_one("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1");
  if (!row) return row.error();
  if (*row) {
    auto seq = (*row)->get_int("seq");
    auto hash = (*row)->get_blob("hash");
    if (!seq || !hash || hash->bytes.size() != head.hash.size() || *seq < 1) {
      return Error(Code::kDataLoss, "audit_events",
                   "the last event of the audit log is damaged; run `ward audit verify` and "
                   "restore the database from a backup");
    }
    head.seq = *seq;
    std::copy(hash->bytes.begin(), hash->bytes.end(), head.hash.begin());
  }
  auto covered = tx.query_one("SELECT MAX(seq) AS seq FROM audit_checkpoints");
  if (!covered) return covered.error();
  auto covered_seq = (*covered)->get_optional_int("seq");
  if (!covered_seq) return covered_seq.error();
  head.signed_seq = covered_seq->value_or(0);
  if (head.signed_seq > head.seq) {
    return Error(Code::kDataLoss, "audit_events",
                 "the audit log was truncated: a signed checkpoint covers event " +
                     std::to_string(**covered_seq) + " but the log ends at event " +
                     std::to_string(head.seq) +
                     "; run `ward audit verify` and restore the database from a backup");
  }
  return head;
}

core::Status AuditLog::insert(Transaction& tx, Head& head, Prepared& event, AuditReceipt& receipt) {
  AuditRecord& r = event.record;
  r.seq = head.seq + 1;
  r.id = ids_.next().to_string();
  r.time = core::format_rfc3339(clock_.now());
  auto canonical = audit_canonical_event(r);
  if (!canonical) return canonical.error();
  r.hash = audit_chain_hash(head.hash, *canonical);
  auto inserted =
      tx.execute(kInsertEvent, {r.seq, r.id, r.time, r.tenant, r.actor.user, r.actor.auth_method,
                                r.actor.token_id, r.actor.source_ip, r.actor.user_agent,
                                blob(event.salt), blob(r.personal_commitment), r.action, r.resource,
                                event.params_text, std::string(audit_outcome_name(r.outcome)),
                                r.error_code, r.latency_ms, r.region, blob(r.hash)});
  if (!inserted) return inserted.error();
  head.seq = r.seq;
  head.hash = r.hash;
  receipt = AuditReceipt{r.seq, r.id, r.time, r.hash};
  return {};
}

core::Status AuditLog::maybe_checkpoint(Transaction& tx, const Head& head, std::string_view reason,
                                        bool force, bool& written) {
  written = false;
  const std::int64_t unsigned_events = head.seq - head.signed_seq;
  if (unsigned_events <= 0) return {};
  const core::TimePoint now = clock_.now();
  const bool due = unsigned_events >= options_.checkpoint_every_events ||
                   now - last_checkpoint_at_ >= options_.checkpoint_interval;
  if (!force && !due) return {};
  const std::string time = core::format_rfc3339(now);
  const std::string message = audit_checkpoint_message(head.seq, head.hash, time, key_id_, reason);
  auto signature = crypto::sign(signing_key_, crypto::byte_view(message));
  if (!signature) return signature.error();
  auto inserted = tx.execute(
      "INSERT INTO audit_checkpoints (id, seq, head_hash, time, key_id, reason, signature) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)",
      {ids_.next().to_string(), head.seq, blob(head.hash), time, key_id_, std::string(reason),
       blob(*signature)});
  if (!inserted) return inserted.error();
  written = true;
  return {};
}

core::Status AuditLog::write_checkpoint_now(std::string_view reason, bool force) {
  std::lock_guard write_lock(write_mutex_);
  if (!force && clock_.now() - last_checkpoint_at_ < options_.checkpoint_interval) return {};
  bool written = false;
  core::Status status = db_.with_transaction(kDurableWrite, [&](Transaction& tx) -> core::Status {
    auto head = read_head(tx);
    if (!head) return head.error();
    return maybe_checkpoint(tx, *head, reason, true, written);
  });
  // Also when nothing needed signing: the next look is one interval away.
  if (status) last_checkpoint_at_ = clock_.now();
  return status;
}

core::Status AuditLog::checkpoint() {
  return write_checkpoint_now("shutdown", true);
}

core::Status AuditLog::checkpoint_if_due() {
  return write_checkpoint_now("periodic", false);
}

core::Result<std::int64_t> AuditLog::erase_personal_data(std::string_view tenant,
                                                         std::string_view user) {
  if (user.empty()) {
    return Error(Code::kInvalidArgument, "audit erasure", "name the user whose data to erase");
  }
  AuditEvent record;
  record.actor.user = "ward";
  record.actor.auth_method = "system";
  record.action = "ward:AuditErase";
  record.resource = "ward:audit";
  auto prepared = prepare(record);
  if (!prepared) return std::move(prepared).error();
  std::lock_guard write_lock(write_mutex_);
  std::int64_t erased = 0;
  core::Status status = db_.with_transaction(kDurableWrite, [&](Transaction& tx) -> core::Status {
    auto changed = tx.execute(
        "UPDATE audit_events SET actor_user = NULL, actor_source_ip = NULL, "
        "actor_user_agent = NULL, personal_salt = NULL, erased_at = ? "
        "WHERE tenant = ? AND actor_user = ? AND erased_at IS NULL",
        {core::format_rfc3339(clock_.now()), std::string(tenant), std::string(user)});
    if (!changed) return changed.error();
    erased = *changed;
    Prepared event = *prepared;
    event.record.params = nlohmann::json{{"events", erased}};
    event.params_text = event.record.params.dump();
    auto head = read_head(tx);
    if (!head) return head.error();
    AuditReceipt receipt;
    return insert(tx, *head, event, receipt);
  });
  if (!status) return refused(status.error());
  return erased;
}

}  // namespace ward::gov
