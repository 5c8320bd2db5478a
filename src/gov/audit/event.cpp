#include "gov/audit/event.h"

#include <array>

namespace ward::gov {
namespace {

using core::Code;
using core::Error;
using json = nlohmann::json;

// The length of the valid UTF-8 sequence at the start of `text`, or 0 if it is not one (overlong
// forms, surrogates and code points above U+10FFFF are invalid, as RFC 3629 says).
std::size_t utf8_sequence(std::string_view text) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char min_second = 0x80, max_second = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) min_second = 0xA0;
    if (lead == 0xED) max_second = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) min_second = 0x90;
    if (lead == 0xF4) max_second = 0x8F;
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  if (byte(1) < min_second || byte(1) > max_second) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  }
  return length;
}

// Checks the subset of JSON the canonical form allows: integers within ±(2^53 − 1), no floats.
core::Status check_numbers(const json& value, const std::string& path) {
  switch (value.type()) {
    case json::value_t::number_float:
      return Error(Code::kInvalidArgument, path,
                   "audit parameters may not hold fractional numbers; record them as text");
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: {
      bool in_range =
          value.is_number_unsigned()
              ? value.get<std::uint64_t>() <= static_cast<std::uint64_t>(kAuditMaxSafeInteger)
              : (value.get<std::int64_t>() <= kAuditMaxSafeInteger &&
                 value.get<std::int64_t>() >= -kAuditMaxSafeInteger);
      if (!in_range) {
        return Error(Code::kInvalidArgument, path,
                     "audit integers must lie within ±(2^53 − 1); record larger ones as text");
      }
      return {};
    }
    case json::value_t::object:
      for (const auto& [key, item] : value.items()) {
        if (auto s = check_numbers(item, path + "." + key); !s) return s;
      }
      return {};
    case json::value_t::array: {
      std::size_t i = 0;
      for (const auto& item : value) {
        if (auto s = check_numbers(item, path + "[" + std::to_string(i++) + "]"); !s) return s;
      }
      return {};
    }
    case json::value_t::binary:
    case json::value_t::discarded:
      return Error(Code::kInvalidArgument, path, "not a JSON value the audit log can store");
    default:
      return {};
  }
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

}  // namespace

std::string_view audit_outcome_name(AuditOutcome outcome) {
  switch (outcome) {
    case AuditOutcome::kAllowed:
      return "allowed";
    case AuditOutcome::kDenied:
      return "denied";
    case AuditOutcome::kError:
      return "error";
  }
  return "error";
}

core::Result<AuditOutcome> parse_audit_outcome(std::string_view text) {
  if (text == "allowed") return AuditOutcome::kAllowed;
  if (text == "denied") return AuditOutcome::kDenied;
  if (text == "error") return AuditOutcome::kError;
  return Error(Code::kInvalidArgument, std::string(text),
               "an audit outcome is one of allowed, denied or error");
}

// ---- AuditParams ----

void AuditParams::fail(std::string_view key, std::string message) {
  if (status_)
    status_ = Error(Code::kInvalidArgument, "audit parameter `" + std::string(key) + "`",
                    std::move(message));
}

bool AuditParams::check_key(std::string_view key, bool content_allowed) {
  if (!status_) return false;
  if (key.empty() || key.size() > 64) {
    fail(key, "a parameter name has 1 to 64 characters");
    return false;
  }
  for (char c : key) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
      fail(key, "a parameter name consists of a-z, 0-9 and _");
      return false;
    }
  }
  static constexpr std::array<std::string_view, 9> kSecretParts = {
      "password", "passwd",  "secret",  "credential", "authorization",
      "cookie",   "private", "api_key", "session_key"};
  bool secret = key == "token" || ends_with(key, "token") || ends_with(key, "_key") || key == "key";
  for (auto part : kSecretParts) secret = secret || contains(key, part);
  if (secret) {
    fail(key,
         "the name suggests a secret, which must never be audited; record an id instead "
         "(e.g. token_id)");
    return false;
  }
  static constexpr std::array<std::string_view, 7> kContent = {
      "prompt", "completion", "content", "code", "body", "text", "message"};
  for (auto name : kContent) {
    if (key == name && !content_allowed) {
      fail(key, "content is recorded only as its length and SHA-256; use AuditParams::digest");
      return false;
    }
  }
  if (json_.contains(std::string(key))) {
    fail(key, "the parameter is set twice");
    return false;
  }
  if (json_.size() >= kAuditMaxParams) {
    fail(key, "an event has at most " + std::to_string(kAuditMaxParams) + " parameters");
    return false;
  }
  return true;
}

AuditParams& AuditParams::set(std::string_view key, std::string_view value) {
  if (!check_key(key, false)) return *this;
  if (value.size() > kAuditMaxParamValue) {
    fail(key, "a parameter value has at most " + std::to_string(kAuditMaxParamValue) +
                  " bytes; record long content with AuditParams::digest");
    return *this;
  }
  if (contains(value, "-----BEGIN") || contains(value, "wardboot_")) {
    fail(key, "the value looks like key material or a token, which must never be audited");
    return *this;
  }
  json_[std::string(key)] = audit_clean_text(value, kAuditMaxParamValue);
  return *this;
}

AuditParams& AuditParams::set(std::string_view key, std::int64_t value) {
  if (!check_key(key, false)) return *this;
  if (value > kAuditMaxSafeInteger || value < -kAuditMaxSafeInteger) {
    fail(key, "audit integers must lie within ±(2^53 − 1); record larger ones as text");
    return *this;
  }
  json_[std::string(key)] = value;
  return *this;
}

AuditParams& AuditParams::set(std::string_view key, bool value) {
  if (!check_key(key, false)) return *this;
  json_[std::string(key)] = value;
  return *this;
}

AuditParams& AuditParams::digest(std::string_view key, std::string_view content) {
  if (!check_key(key, true)) return *this;
  json_[std::string(key)] = {{"length", static_cast<std::int64_t>(content.size())},
                             {"sha256", crypto::to_hex(crypto::sha256(content))}};
  return *this;
}

// ---- Canonical encoding ----

const crypto::Sha256Digest& audit_genesis_hash() {
  static const crypto::Sha256Digest genesis = crypto::sha256("ward.audit.v1.genesis");
  return genesis;
}

std::string audit_clean_text(std::string_view text, std::size_t max_bytes) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(std::min(text.size(), max_bytes));
  while (!text.empty()) {
    std::size_t length = utf8_sequence(text);
    std::string_view piece = length ? text.substr(0, length) : kReplacement;
    if (out.size() + piece.size() > max_bytes) break;
    out.append(piece);
    text.remove_prefix(length ? length : 1);
  }
  return out;
}

core::Result<std::string> audit_canonical_json(const json& value) {
  if (auto s = check_numbers(value, "audit event"); !s) return std::move(s).error();
  try {
    return value.dump();
  } catch (const json::exception&) {
    return Error(Code::kInvalidArgument, "audit event",
                 "a text field is not valid UTF-8, which the canonical encoding cannot hold");
  }
}

crypto::Sha256Digest audit_personal_commitment(std::span<const std::uint8_t> salt,
                                               const AuditActor& actor) {
  const json personal = {
      {"source_ip", actor.source_ip}, {"user", actor.user}, {"user_agent", actor.user_agent}};
  std::string text;
  try {
    text = personal.dump();
  } catch (const json::exception&) {
    // Stored text is always cleaned; invalid UTF-8 here can only come from a damaged row, which
    // must not match any commitment.
    text = "\xFF";
  }
  crypto::Bytes input(salt.begin(), salt.end());
  input.insert(input.end(), text.begin(), text.end());
  return crypto::sha256(input);
}

core::Result<std::string> audit_canonical_event(const AuditRecord& record) {
  const json event = {
      {"v", 1},
      {"seq", record.seq},
      {"id", record.id},
      {"time", record.time},
      {"tenant", record.tenant},
      {"actor",
       {{"auth_method", record.actor.auth_method},
        {"personal", crypto::to_hex(record.personal_commitment)},
        {"token_id", record.actor.token_id}}},
      {"action", record.action},
      {"resource", record.resource},
      {"params", record.params},
      {"outcome", std::string(audit_outcome_name(record.outcome))},
      {"error_code", record.error_code},
      {"latency_ms", record.latency_ms},
      {"region", record.region},
  };
  if (!record.params.is_object()) {
    return Error(Code::kInvalidArgument, "audit event", "the parameters must be a JSON object");
  }
  return audit_canonical_json(event);
}

crypto::Sha256Digest audit_chain_hash(const crypto::Sha256Digest& previous,
                                      std::string_view canonical) {
  crypto::Bytes input(previous.begin(), previous.end());
  input.insert(input.end(), canonical.begin(), canonical.end());
  return crypto::sha256(input);
}

json audit_record_json(const AuditRecord& record) {
  const auto personal = [&](const std::string& value) -> json {
    return record.erased ? json(nullptr) : json(value);
  };
  return {
      {"seq", record.seq},
      {"id", record.id},
      {"time", record.time},
      {"tenant", record.tenant},
      {"actor",
       {{"user", personal(record.actor.user)},
        {"auth_method", record.actor.auth_method},
        {"token_id", record.actor.token_id},
        {"source_ip", personal(record.actor.source_ip)},
        {"user_agent", personal(record.actor.user_agent)}}},
      {"action", record.action},
      {"resource", record.resource},
      {"params", record.params},
      {"outcome", std::string(audit_outcome_name(record.outcome))},
      {"error_code", record.error_code},
      {"latency_ms", record.latency_ms},
      {"region", record.region},
      {"erased", record.erased},
      {"hash", crypto::to_hex(record.hash)},
  };
}

}  // namespace ward::gov
