#pragma once
// Offline verification of the audit log: recomputes the hash chain from the stored events and
// checks every checkpoint's Ed25519 signature with the public key alone (no private key, no
// network), so it can run on a copy of the database on another machine.
//
// It finds the first problem in sequence order and names it: an event whose contents or position
// do not match its hash (changed, inserted, moved, reordered), a missing event (deleted), a
// checkpoint whose signature fails (forged, or signed by another key), a checkpoint whose head
// hash differs from the chain (events changed and the chain re-hashed without the key), a
// checkpoint beyond the last event (tail truncated), and a mismatch with an external anchor.
// What it cannot see (events after the last checkpoint, a rollback of events and checkpoints
// together) is set out in docs/audit.md, "Guarantees".
//
// Threads: any; it reads in one read-only transaction (a consistent snapshot).

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "core/error.h"
#include "crypto/hash.h"
#include "store/store.h"

namespace ward::gov {

enum class AuditProblemKind {
  kChanged,         // an event does not match its hash: changed, inserted or reordered
  kMissing,         // an event is missing from the sequence: deleted
  kMalformed,       // a stored value has the wrong type or shape
  kBadSignature,    // a checkpoint's signature does not verify with the public key
  kRehashed,        // a signed checkpoint's head hash differs from the chain at its event
  kTruncated,       // a signed checkpoint covers events that are gone
  kAnchorMismatch,  // the external anchor (a hash recorded elsewhere) differs or is gone
};

// "changed", "missing", "malformed", "bad_signature", "rehashed", "truncated", "anchor_mismatch".
std::string_view audit_problem_name(AuditProblemKind kind);

struct AuditProblem {
  AuditProblemKind kind;
  std::int64_t seq = 0;  // the first bad (or first missing) event's sequence number
  std::string event_id;  // its id when the row exists, else empty
  std::string message;   // one sentence: what is wrong and what it means
};

struct AuditVerifyOptions {
  // An anchor kept outside this database (e.g. a hash from the SIEM's copy of the export, or
  // from an earlier verify summary): the event at `anchor_seq` must exist with this hash.
  std::optional<std::int64_t> anchor_seq;
  std::optional<crypto::Sha256Digest> anchor_hash;
};

struct AuditVerifyReport {
  std::int64_t events = 0;  // events checked (up to the problem, if any)
  std::int64_t last_seq = 0;
  crypto::Sha256Digest head_hash{};
  std::int64_t checkpoints = 0;  // checkpoints checked
  std::int64_t last_checkpoint_seq = 0;
  std::string last_checkpoint_time;
  std::string last_checkpoint_reason;
  std::string key_id;                // of the public key used
  std::int64_t unsigned_events = 0;  // events after the last checkpoint
  std::int64_t erased_events = 0;    // events whose personal data was erased
  std::optional<AuditProblem> problem;

  bool intact() const { return !problem.has_value(); }
  // One paragraph for people: what was checked, and the problem if any.
  std::string summary() const;
};

// Errors only when verification could not run (unreadable database, a public key that is not 32
// bytes); tampering is a report with a problem, not an error.
core::Result<AuditVerifyReport> verify_audit_log(store::Database& db,
                                                 std::span<const std::uint8_t> public_key,
                                                 const AuditVerifyOptions& options = {});

}  // namespace ward::gov
