#pragma once
// One audit event: who did what to which resource, when, from where, with which outcome; and the
// canonical encoding that the tamper-evident hash chain covers (docs/audit.md defines it byte for
// byte, so that anyone can re-implement verification).
//
// What goes in an event is deliberately narrow. Request parameters are an AuditParams, which only
// accepts short, non-secret scalar values under plain key names and refuses key names that look
// like credentials or content (password, secret, token, prompt, …); content such as a prompt or
// a file is recorded only as its length and SHA-256 (AuditParams::digest). Callers pass only
// non-secret fields: never a password, token, key, prompt, completion or source code.
//
// The actor's personal data (user name, source IP, user agent) is not hashed into the chain
// directly but through a salted commitment, so that it can be erased later for one user while
// the chain still verifies (docs/audit.md, "Personal data").
//
// Thread-safety: plain values; the functions are pure.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/error.h"
#include "crypto/hash.h"
#include "crypto/secret.h"

namespace ward::gov {

enum class AuditOutcome { kAllowed, kDenied, kError };

// "allowed", "denied" or "error".
std::string_view audit_outcome_name(AuditOutcome outcome);
core::Result<AuditOutcome> parse_audit_outcome(std::string_view text);

struct AuditActor {
  std::string user;         // the user's name; empty when unauthenticated
  std::string auth_method;  // "password", "password+totp", "token", "oidc", "local", "none", …
  std::string token_id;     // the API token's id (never the token itself); empty if none
  std::string source_ip;    // the client's address as text; empty for local commands
  std::string user_agent;   // as the client sent it; truncated to kAuditMaxUserAgent bytes
};

inline constexpr std::size_t kAuditMaxUserAgent = 512;
inline constexpr std::size_t kAuditMaxField = 1024;      // any other text field of an event
inline constexpr std::size_t kAuditMaxParamValue = 512;  // one string value in AuditParams
inline constexpr std::size_t kAuditMaxParams = 64;       // keys in AuditParams
inline constexpr std::int64_t kAuditMaxSafeInteger = 9007199254740991;  // 2^53 - 1

// The request parameters of an event: a flat JSON object of non-secret values. Setters record the
// first mistake instead of throwing; AuditLog::append() then refuses the event (and so the caller
// refuses the action), which makes a mistake visible in the first test that exercises it.
//
// Rules (checked): keys are 1–64 characters of [a-z0-9_], at most kAuditMaxParams of them, each
// set once; a key containing "password", "passwd", "secret", "credential", "authorization",
// "cookie", "private", "api_key", "session_key", or equal to or ending in "token" or "_key" is
// refused (use "token_id" for a token's id); the keys "prompt", "completion", "content", "code",
// "body", "text" and "message" are refused except through digest(). Strings are at most
// kAuditMaxParamValue bytes and must not look like key material (PEM blocks, bootstrap tokens).
// Integers must lie within ±(2^53 − 1), so that every JSON implementation reads them exactly.
class AuditParams {
 public:
  AuditParams() : json_(nlohmann::json::object()) {}

  AuditParams& set(std::string_view key, std::string_view value);
  AuditParams& set(std::string_view key, const char* value) {
    return set(key, std::string_view(value));
  }
  AuditParams& set(std::string_view key, std::int64_t value);
  AuditParams& set(std::string_view key, int value) {
    return set(key, static_cast<std::int64_t>(value));
  }
  AuditParams& set(std::string_view key, bool value);
  // Content that must not be stored (a prompt, a file): records {"length": N, "sha256": HEX}.
  AuditParams& digest(std::string_view key, std::string_view content);

  // OK, or the first rule a setter broke.
  const core::Status& status() const { return status_; }
  const nlohmann::json& json() const { return json_; }

 private:
  bool check_key(std::string_view key, bool content_allowed);
  void fail(std::string_view key, std::string message);

  nlohmann::json json_;
  core::Status status_;
};

// What a caller records. The log adds the sequence number, the event id (UUIDv7) and the time.
struct AuditEvent {
  std::string tenant;
  AuditActor actor;
  std::string action;    // e.g. "ward:AdminUsers"; required
  std::string resource;  // e.g. "ward:eu-west:acme:user/<user id>" (name users by id, not name)
  AuditParams params;
  AuditOutcome outcome = AuditOutcome::kAllowed;
  std::string error_code;  // core::code_name of the error when outcome is kError, else empty
  std::int64_t latency_ms = 0;
  std::string region;
};

// An event as stored, read back by query and verify. When `erased` is set, the actor's personal
// fields (user, source_ip, user_agent) were erased and are empty here.
struct AuditRecord {
  std::int64_t seq = 0;
  std::string id;
  std::string time;  // RFC 3339 UTC with milliseconds
  std::string tenant;
  AuditActor actor;
  std::string action;
  std::string resource;
  nlohmann::json params;
  AuditOutcome outcome = AuditOutcome::kAllowed;
  std::string error_code;
  std::int64_t latency_ms = 0;
  std::string region;
  bool erased = false;
  crypto::Sha256Digest personal_commitment{};
  crypto::Sha256Digest hash{};
};

// ---- The canonical encoding (docs/audit.md, "Canonical encoding"). ----

inline constexpr std::size_t kAuditSaltSize = 16;

// The hash the chain starts from: SHA-256 of the ASCII text "ward.audit.v1.genesis".
const crypto::Sha256Digest& audit_genesis_hash();

// Replaces invalid UTF-8 with U+FFFD and cuts `text` to at most `max_bytes` bytes at a character
// boundary. Every text field passes through it before it is stored, so the stored text is exactly
// the text the chain covers.
std::string audit_clean_text(std::string_view text, std::size_t max_bytes);

// JSON in canonical form: keys sorted by their bytes, no white space, strings escaped as in
// RFC 8785 (the JSON Canonicalization Scheme), integers in decimal. Fails for invalid UTF-8 and
// for numbers that are not integers within ±(2^53 − 1).
core::Result<std::string> audit_canonical_json(const nlohmann::json& value);

// SHA-256(salt || canonical {"source_ip", "user", "user_agent"}).
crypto::Sha256Digest audit_personal_commitment(std::span<const std::uint8_t> salt,
                                               const AuditActor& actor);

// The canonical encoding of a stored event (its personal data enters only as the commitment).
core::Result<std::string> audit_canonical_event(const AuditRecord& record);

// SHA-256(previous || canonical).
crypto::Sha256Digest audit_chain_hash(const crypto::Sha256Digest& previous,
                                      std::string_view canonical);

// A record as one JSON object (the jsonl export and `ward audit query --json`): the event's
// fields plus "seq", "hash" (hex) and "erased"; erased personal fields are null.
nlohmann::json audit_record_json(const AuditRecord& record);

}  // namespace ward::gov
