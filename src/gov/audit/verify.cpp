#include "gov/audit/verify.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "crypto/sign.h"
#include "gov/audit/audit_log.h"
#include "gov/audit/rows.h"

namespace ward::gov {
namespace {

using core::Code;
using core::Error;

constexpr std::int64_t kPage = 1000;

struct Checkpoint {
  std::string id;
  std::int64_t seq = 0;
  crypto::Sha256Digest head_hash{};
  std::string time;
  std::string key_id;
  std::string reason;
  store::Blob signature;
};

core::Result<Checkpoint> read_checkpoint(const store::Row& row) {
  Checkpoint c;
  auto id = row.get_text("id");
  auto seq = row.get_int("seq");
  auto head = row.get_blob("head_hash");
  auto time = row.get_text("time");
  auto key_id = row.get_text("key_id");
  auto reason = row.get_text("reason");
  auto signature = row.get_blob("signature");
  if (!id || !seq || !head || !time || !key_id || !reason || !signature ||
      head->bytes.size() != c.head_hash.size() || *seq < 1) {
    return Error(Code::kDataLoss, "audit_checkpoints", "a checkpoint row is damaged");
  }
  c.id = std::move(*id);
  c.seq = *seq;
  std::copy(head->bytes.begin(), head->bytes.end(), c.head_hash.begin());
  c.time = std::move(*time);
  c.key_id = std::move(*key_id);
  c.reason = std::move(*reason);
  c.signature = std::move(*signature);
  return c;
}

class Verifier {
 public:
  Verifier(std::span<const std::uint8_t> public_key, const AuditVerifyOptions& options)
      : public_key_(public_key), options_(options) {
    report_.key_id = audit_key_id(public_key);
    report_.head_hash = audit_genesis_hash();
  }

  core::Result<AuditVerifyReport> run(store::Transaction& tx) {
    auto loaded = load_checkpoints(tx);
    if (!loaded) return std::move(loaded).error();
    if (!*loaded) return report_;
    std::int64_t after = 0;
    while (!report_.problem) {
      auto rows = tx.query("SELECT " + std::string(audit_rows::kEventColumns) +
                               " FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?",
                           {after, kPage});
      if (!rows) return std::move(rows).error();
      for (std::size_t i = 0; i < rows->size(); ++i) {
        next_id_.clear();
        if (i + 1 < rows->size()) {
          auto next = (*rows)[i + 1].get_text("id");
          if (next) next_id_ = *next;
        }
        if (!check_event((*rows)[i])) break;
        after = report_.last_seq;
      }
      if (rows->size() < static_cast<std::size_t>(kPage)) break;
    }
    if (!report_.problem) check_end();
    report_.unsigned_events = report_.last_seq - report_.last_checkpoint_seq;
    return report_;
  }

 private:
  void problem(AuditProblemKind kind, std::int64_t seq, std::string id, std::string message) {
    if (!report_.problem)
      report_.problem = AuditProblem{kind, seq, std::move(id), std::move(message)};
  }

  // False when the checkpoints cannot be read (a problem is reported).
  core::Result<bool> load_checkpoints(store::Transaction& tx) {
    auto rows = tx.query(
        "SELECT id, seq, head_hash, time, key_id, reason, signature FROM audit_checkpoints "
        "ORDER BY seq, time, id");
    if (!rows) return std::move(rows).error();
    for (const auto& row : *rows) {
      auto checkpoint = read_checkpoint(row);
      if (!checkpoint) {
        auto seq = row.get_int("seq");
        problem(AuditProblemKind::kMalformed, seq ? *seq : 0, "",
                "a signed checkpoint is damaged (a value has the wrong type or size), so the "
                "events it covers cannot be vouched for");
        return false;
      }
      checkpoints_.push_back(std::move(*checkpoint));
    }
    return true;
  }

  // Checks one event; false once a problem was found.
  bool check_event(const store::Row& row) {
    const std::int64_t expected = report_.last_seq + 1;
    auto stored = audit_rows::read_event(row);
    if (!stored) {
      auto id = row.get_text("id");
      problem(AuditProblemKind::kMalformed, expected, id ? *id : "",
              fmt::format("the row after event {} is damaged ({}): it was altered", expected - 1,
                          stored.error().message()));
      return false;
    }
    const AuditRecord& r = stored->record;
    if (r.seq != expected) {
      problem(AuditProblemKind::kMissing, expected, "",
              expected == 1
                  ? fmt::format("event 1 is missing: the log starts at event {} (id {}); the "
                                "events before it were deleted",
                                r.seq, r.id)
                  : fmt::format("event {} is missing: the log goes from event {} (id {}) to "
                                "event {} (id {}); the events between were deleted",
                                expected, expected - 1, previous_id_, r.seq, r.id));
      return false;
    }
    if (stored->erased_at) {
      if (stored->salt || stored->any_personal) {
        problem(AuditProblemKind::kChanged, r.seq, r.id,
                fmt::format("event {} (id {}) is marked erased but still holds personal data: "
                            "it was altered",
                            r.seq, r.id));
        return false;
      }
      ++report_.erased_events;
    } else if (!stored->salt || !stored->personal_present) {
      problem(AuditProblemKind::kChanged, r.seq, r.id,
              fmt::format("event {} (id {}): its actor's personal data was removed without an "
                          "erasure record: it was altered",
                          r.seq, r.id));
      return false;
    } else if (audit_personal_commitment(*stored->salt, r.actor) != r.personal_commitment) {
      problem(AuditProblemKind::kChanged, r.seq, r.id,
              fmt::format("event {} (id {}): its actor (user, source IP or user agent) was changed",
                          r.seq, r.id));
      return false;
    }
    auto params = audit_canonical_json(r.params);
    if (!params || *params != stored->params_text) {
      problem(AuditProblemKind::kChanged, r.seq, r.id,
              fmt::format("event {} (id {}): its request parameters were changed", r.seq, r.id));
      return false;
    }
    auto canonical = audit_canonical_event(r);
    const crypto::Sha256Digest hash =
        canonical ? audit_chain_hash(report_.head_hash, *canonical) : crypto::Sha256Digest{};
    if (!canonical || hash != r.hash) {
      std::string hint;
      // Ids are UUIDv7, so they sort by creation time (except across writers within a
      // millisecond): one out of order points to a reordering.
      if ((!previous_id_.empty() && r.id < previous_id_) ||
          (!next_id_.empty() && r.id > next_id_)) {
        hint = "; its id is out of time order with its neighbours, so events were reordered";
      }
      problem(AuditProblemKind::kChanged, r.seq, r.id,
              fmt::format("event {} (id {}) does not match its recorded hash: its contents were "
                          "changed, or it was inserted or moved here{}",
                          r.seq, r.id, hint));
      return false;
    }
    report_.events += 1;
    report_.last_seq = r.seq;
    report_.head_hash = hash;
    previous_id_ = r.id;
    if (r.seq == report_.last_checkpoint_seq + 1) first_unsigned_id_ = r.id;
    if (options_.anchor_seq && *options_.anchor_seq == r.seq && options_.anchor_hash &&
        *options_.anchor_hash != hash) {
      problem(
          AuditProblemKind::kAnchorMismatch, r.seq, r.id,
          fmt::format("event {} (id {}) has hash {}, not the anchored {}: the log was changed "
                      "and re-hashed, or rolled back and rewritten, since the anchor was taken",
                      r.seq, r.id, crypto::to_hex(hash), crypto::to_hex(*options_.anchor_hash)));
      return false;
    }
    while (next_checkpoint_ < checkpoints_.size() && checkpoints_[next_checkpoint_].seq <= r.seq) {
      if (!check_checkpoint(checkpoints_[next_checkpoint_], &hash)) return false;
      ++next_checkpoint_;
    }
    return true;
  }

  bool signature_ok(const Checkpoint& c) {
    if (c.key_id != report_.key_id) {
      problem(AuditProblemKind::kBadSignature, c.seq, "",
              fmt::format("the checkpoint at event {} ({}) names signing key {}, but the public "
                          "key given is {}: it was signed by another key, or altered",
                          c.seq, c.time, c.key_id, report_.key_id));
      return false;
    }
    const std::string message =
        audit_checkpoint_message(c.seq, c.head_hash, c.time, c.key_id, c.reason);
    if (!crypto::verify(public_key_, crypto::byte_view(message), c.signature.bytes)) {
      problem(AuditProblemKind::kBadSignature, c.seq, "",
              fmt::format("the checkpoint at event {} ({}) has a signature that does not verify "
                          "with the public key {}: the checkpoint was forged or altered",
                          c.seq, c.time, report_.key_id));
      return false;
    }
    return true;
  }

  // `chain_hash` is the chain's hash at c.seq, or null when the log ends before c.seq.
  bool check_checkpoint(const Checkpoint& c, const crypto::Sha256Digest* chain_hash) {
    if (!signature_ok(c)) {
      if (report_.problem) report_.problem->event_id = id_at(c.seq);
      return false;
    }
    if (!chain_hash) {
      problem(AuditProblemKind::kTruncated, report_.last_seq + 1, "",
              fmt::format("the log ends at event {} but a signed checkpoint ({}, {}) covers up to "
                          "event {}: events {} to {} were deleted",
                          report_.last_seq, c.time, c.reason, c.seq, report_.last_seq + 1, c.seq));
      return false;
    }
    if (*chain_hash != c.head_hash) {
      const std::int64_t from = report_.last_checkpoint_seq + 1;
      problem(AuditProblemKind::kRehashed, from, first_unsigned_id_,
              fmt::format("the signed checkpoint at event {} ({}) does not match the chain: "
                          "events {} to {} were changed and the chain re-hashed without the "
                          "signing key; the first event not vouched for is {} (id {})",
                          c.seq, c.time, from, c.seq, from, first_unsigned_id_));
      return false;
    }
    report_.checkpoints += 1;
    report_.last_checkpoint_seq = c.seq;
    report_.last_checkpoint_time = c.time;
    report_.last_checkpoint_reason = c.reason;
    return true;
  }

  std::string id_at(std::int64_t seq) const { return seq == report_.last_seq ? previous_id_ : ""; }

  void check_end() {
    for (; next_checkpoint_ < checkpoints_.size(); ++next_checkpoint_) {
      if (!check_checkpoint(checkpoints_[next_checkpoint_], nullptr)) return;
    }
    if (options_.anchor_seq && *options_.anchor_seq > report_.last_seq) {
      problem(AuditProblemKind::kAnchorMismatch, report_.last_seq + 1, "",
              fmt::format("the anchor names event {} but the log ends at event {}: events {} to "
                          "{} were deleted",
                          *options_.anchor_seq, report_.last_seq, report_.last_seq + 1,
                          *options_.anchor_seq));
    }
  }

  std::span<const std::uint8_t> public_key_;
  const AuditVerifyOptions& options_;
  AuditVerifyReport report_;
  std::vector<Checkpoint> checkpoints_;
  std::size_t next_checkpoint_ = 0;
  std::string previous_id_;
  std::string next_id_;  // of the row after the one being checked, when known
  std::string first_unsigned_id_;
};

}  // namespace

std::string_view audit_problem_name(AuditProblemKind kind) {
  switch (kind) {
    case AuditProblemKind::kChanged:
      return "changed";
    case AuditProblemKind::kMissing:
      return "missing";
    case AuditProblemKind::kMalformed:
      return "malformed";
    case AuditProblemKind::kBadSignature:
      return "bad_signature";
    case AuditProblemKind::kRehashed:
      return "rehashed";
    case AuditProblemKind::kTruncated:
      return "truncated";
    case AuditProblemKind::kAnchorMismatch:
      return "anchor_mismatch";
  }
  return "changed";
}

std::string AuditVerifyReport::summary() const {
  std::string text;
  if (problem) {
    text = fmt::format("audit log TAMPERED ({}): {}\n", audit_problem_name(problem->kind),
                       problem->message);
    text += fmt::format("checked before the problem: {} event{}, {} checkpoint{}\n", events,
                        events == 1 ? "" : "s", checkpoints, checkpoints == 1 ? "" : "s");
    return text;
  }
  if (events == 0) return "audit log intact: no events yet\n";
  text = fmt::format("audit log intact: {} event{} (1 to {}), head hash {}\n", events,
                     events == 1 ? "" : "s", last_seq, crypto::to_hex(head_hash));
  if (checkpoints == 0) {
    text += fmt::format(
        "no signed checkpoint yet (public key {}): all {} events are protected by "
        "the hash chain only\n",
        key_id, events);
  } else {
    text += fmt::format("{} signed checkpoints with key {}; the last at event {} ({}, {})\n",
                        checkpoints, key_id, last_checkpoint_seq, last_checkpoint_reason,
                        last_checkpoint_time);
    if (unsigned_events > 0) {
      text += fmt::format(
          "{} events after it are not yet signed: they are protected by the "
          "hash chain only until the next checkpoint\n",
          unsigned_events);
    }
  }
  if (erased_events > 0) {
    text += fmt::format("{} events had their personal data erased\n", erased_events);
  }
  return text;
}

core::Result<AuditVerifyReport> verify_audit_log(store::Database& db,
                                                 std::span<const std::uint8_t> public_key,
                                                 const AuditVerifyOptions& options) {
  if (public_key.size() != crypto::kEd25519PublicKeySize) {
    return Error(Code::kInvalidArgument, "audit public key",
                 "an Ed25519 public key has 32 bytes (64 hex digits)");
  }
  if (options.anchor_seq.has_value() != options.anchor_hash.has_value() ||
      (options.anchor_seq && *options.anchor_seq < 1)) {
    return Error(Code::kInvalidArgument, "audit anchor",
                 "an anchor names an event number (1 or more) and its hash");
  }
  auto tx = db.begin({store::Access::kReadOnly, store::Durability::kNormal});
  if (!tx) return std::move(tx).error();
  Verifier verifier(public_key, options);
  return verifier.run(**tx);
}

}  // namespace ward::gov
