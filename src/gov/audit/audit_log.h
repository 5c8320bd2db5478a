#pragma once
// The tamper-evident audit log: every request, admin change and key operation is appended here as
// one AuditEvent. Events form a SHA-256 hash chain (hash_n = SHA-256(hash_{n-1} || canonical
// event_n), numbered from 1); Ed25519-signed checkpoints over the chain's head are written every
// N events or T seconds and on shutdown. docs/audit.md defines the encoding, what verification
// (verify.h) guarantees and where its limits are. There is no setting that turns auditing off.
//
// THE CONTRACT FOR CALLERS: append() returns only after the event is on stable storage (a
// store::Durability::kFull transaction). If it returns an error, the event was not recorded and
// the caller MUST refuse the action the event describes (answer with the error; do not perform
// it, or, for an action already performed such as a read, do not release its result). For an
// action with effects: append the decision first (allowed/denied), perform the action only if
// append succeeded, and append a second event with outcome kError if the action then fails. For a
// read: perform it, append, and release the result only if append succeeded. Never append while
// this thread holds a transaction on the same Database (the store refuses; it would deadlock).
//
// Threads: an AuditLog may be shared by all threads. Appends are serialized: concurrent appends
// are written together in one durable transaction (group commit), so each caller still waits for
// its own event to be durable but many callers share one fsync. Other processes may append to the
// same database at the same time (e.g. `ward audit query` next to `ward serve`); each
// transaction reads the chain's head inside SQLite's write lock, so the chain stays linear.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "core/clock.h"
#include "core/error.h"
#include "core/id.h"
#include "crypto/hash.h"
#include "crypto/sign.h"
#include "gov/audit/event.h"
#include "store/store.h"

namespace ward::gov {

struct AuditLogOptions {
  // A checkpoint is written with the event that makes this many events unsigned (at least 1).
  std::int64_t checkpoint_every_events = 100;
  // … or, when events are unsigned, once this much time has passed since this log's last
  // checkpoint (more than zero). With background_checkpoints the wait is checked by a thread, so
  // an idle log signs its tail too; otherwise only when the next event arrives.
  std::chrono::milliseconds checkpoint_interval{std::chrono::seconds(10)};
  bool background_checkpoints = true;
  // The destructor writes the shutdown checkpoint (checkpoint()) when true. Call checkpoint()
  // yourself to learn whether it worked; this is the fallback.
  bool checkpoint_on_close = true;
};

// What append() returns once the event is durable.
struct AuditReceipt {
  std::int64_t seq = 0;
  std::string id;    // the event's UUIDv7
  std::string time;  // RFC 3339 UTC with milliseconds
  crypto::Sha256Digest hash{};
};

// The stable id of a checkpoint signing key: the first 16 hex digits of SHA-256(public key).
std::string audit_key_id(std::span<const std::uint8_t> public_key);

// The bytes a checkpoint's signature covers: canonical JSON (event.h) of
// {"head_hash": HEX, "key_id": …, "reason": …, "seq": N, "time": …,
//  "type": "ward.audit.checkpoint.v1"}.
std::string audit_checkpoint_message(std::int64_t seq, const crypto::Sha256Digest& head_hash,
                                     std::string_view time, std::string_view key_id,
                                     std::string_view reason);

class AuditLog {
 public:
  // `db` must have had migrate_audit (or gov::migrate) applied. `signing_key` and `clock` must
  // outlive the log. Fails with kInvalidArgument for unusable options.
  static core::Result<std::unique_ptr<AuditLog>> open(store::Database& db,
                                                      const crypto::Ed25519KeyPair& signing_key,
                                                      const core::Clock& clock,
                                                      AuditLogOptions options = {});
  // Stops the background thread and, with checkpoint_on_close, signs the head. Destroy the log
  // only after every append() has returned.
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Appends `event` and returns once it is durable (see the contract above). Fails with
  // kInvalidArgument when the event is malformed (no action, parameters that broke a rule of
  // AuditParams), kResourceExhausted when the disk is full, kUnavailable when the database stayed
  // busy, kDataLoss when the log is visibly damaged (its head is unreadable, or a checkpoint
  // covers events that are gone), and with the store's errors otherwise.
  core::Result<AuditReceipt> append(const AuditEvent& event);

  // Writes a "shutdown" checkpoint over the current head, unless the head is already covered by
  // one (then it is a no-op, as it is for an empty log). Call it when the process stops.
  core::Status checkpoint();

  // Writes a "periodic" checkpoint when checkpoint_interval has passed since this log's last one
  // and events are unsigned. The background thread calls it; a caller with its own timer may too.
  core::Status checkpoint_if_due();

  // Erases the personal data (user name, source IP, user agent) of every event of `tenant` whose
  // actor is `user` (names are unique only within a tenant), for the right to erasure; the chain still verifies because it covers only a salted
  // commitment to those fields (docs/audit.md). Records the erasure itself as an event
  // (action ward:AuditErase, actor "ward" with auth method "system", parameter "events" = the
  // count) in the same transaction, and returns the count. Name the subject in your own event by
  // user id, not by name.
  core::Result<std::int64_t> erase_personal_data(std::string_view tenant, std::string_view user);

 private:
  struct Prepared;
  struct Waiter;
  struct Head;

  AuditLog(store::Database& db, const crypto::Ed25519KeyPair& signing_key, const core::Clock& clock,
           AuditLogOptions options);

  core::Result<Prepared> prepare(const AuditEvent& event) const;
  void write_batch(const std::vector<Waiter*>& batch);
  core::Result<Head> read_head(store::Transaction& tx) const;
  core::Status insert(store::Transaction& tx, Head& head, Prepared& event, AuditReceipt& receipt);
  // Writes a checkpoint over `head` when `force` or due; sets `written` when it did.
  core::Status maybe_checkpoint(store::Transaction& tx, const Head& head, std::string_view reason,
                                bool force, bool& written);
  core::Status write_checkpoint_now(std::string_view reason, bool force);
  void run_timer();

  store::Database& db_;
  const crypto::Ed25519KeyPair& signing_key_;
  const core::Clock& clock_;
  const AuditLogOptions options_;
  const std::string key_id_;
  core::IdGenerator ids_;

  // Group commit: waiting appends queue here; one of them at a time writes a batch.
  std::mutex queue_mutex_;
  std::condition_variable queue_changed_;
  std::deque<Waiter*> queue_;
  bool leader_active_ = false;

  // Held for every write transaction of this log; guards last_checkpoint_at_.
  std::mutex write_mutex_;
  core::TimePoint last_checkpoint_at_;

  std::mutex timer_mutex_;
  std::condition_variable timer_wake_;
  bool stopping_ = false;
  std::thread timer_;
};

}  // namespace ward::gov
