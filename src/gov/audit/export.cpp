#include "gov/audit/export.h"

#include <fmt/format.h>

#include "gov/audit/query.h"
#include "ward/version.h"

namespace ward::gov {
namespace {

using core::Code;
using core::Error;

// RFC 5424: facility 13 is "log audit"; PRI = facility * 8 + severity.
constexpr int kFacilityLogAudit = 13;

int syslog_severity(AuditOutcome outcome) {
  switch (outcome) {
    case AuditOutcome::kAllowed:
      return 6;  // informational
    case AuditOutcome::kDenied:
      return 4;  // warning
    case AuditOutcome::kError:
      return 3;  // error
  }
  return 3;
}

int cef_severity(AuditOutcome outcome) {
  switch (outcome) {
    case AuditOutcome::kAllowed:
      return 3;
    case AuditOutcome::kDenied:
      return 6;
    case AuditOutcome::kError:
      return 7;
  }
  return 7;
}

bool is_control(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte < 0x20 || byte == 0x7F;
}

// RFC 5424 §6.3.3: in PARAM-VALUE, '"', '\' and ']' are escaped with '\'.
std::string sd_value(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '"' || c == '\\' || c == ']') out += '\\';
    out += is_control(c) ? '?' : c;
  }
  return out;
}

// Printable US-ASCII of at most `max` characters, or "-" (RFC 5424 header fields).
std::string header_field(std::string_view text, std::size_t max) {
  std::string out;
  for (char c : text.substr(0, std::min(text.size(), max))) {
    const auto byte = static_cast<unsigned char>(c);
    out += (byte >= 33 && byte <= 126) ? c : '_';
  }
  return out.empty() ? "-" : out;
}

// CEF header fields escape '\' and '|'.
std::string cef_header(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '|') out += '\\';
    out += is_control(c) ? '?' : c;
  }
  return out;
}

// CEF extension values escape '\' and '=', and write line breaks as \n and \r.
std::string cef_value(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '=') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out += is_control(c) ? '?' : c;
    }
  }
  return out;
}

std::string params_text(const AuditRecord& record) {
  auto text = audit_canonical_json(record.params);
  return text ? *text
              : record.params.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

core::Result<AuditExportFormat> parse_audit_export_format(std::string_view text) {
  if (text == "jsonl") return AuditExportFormat::kJsonl;
  if (text == "syslog") return AuditExportFormat::kSyslog;
  if (text == "cef") return AuditExportFormat::kCef;
  return Error(Code::kInvalidArgument, "--format", "the export format is jsonl, syslog or cef");
}

std::string audit_jsonl_line(const AuditRecord& record) {
  return audit_record_json(record).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string audit_syslog_line(const AuditRecord& record, const AuditSyslogOptions& options) {
  const int pri = kFacilityLogAudit * 8 + syslog_severity(record.outcome);
  std::string sd = "[audit@32473";
  const auto param = [&](std::string_view name, std::string_view value) {
    sd += fmt::format(" {}=\"{}\"", name, sd_value(value));
  };
  param("seq", std::to_string(record.seq));
  param("id", record.id);
  param("tenant", record.tenant);
  param("user", record.actor.user);
  param("auth_method", record.actor.auth_method);
  param("token_id", record.actor.token_id);
  param("source_ip", record.actor.source_ip);
  param("user_agent", record.actor.user_agent);
  param("action", record.action);
  param("resource", record.resource);
  param("params", params_text(record));
  param("outcome", audit_outcome_name(record.outcome));
  param("error_code", record.error_code);
  param("latency_ms", std::to_string(record.latency_ms));
  param("region", record.region);
  param("erased", record.erased ? "true" : "false");
  param("hash", crypto::to_hex(record.hash));
  sd += "]";
  std::string message = fmt::format("{} {} {}", record.erased ? "(erased)" : record.actor.user,
                                    record.action, audit_outcome_name(record.outcome));
  for (char& c : message) {
    if (is_control(c)) c = '?';
  }
  // RFC 5424 §6.4: a UTF-8 MSG starts with the byte order mark.
  return fmt::format("<{}>1 {} {} {} - audit {} \xEF\xBB\xBF{}", pri, header_field(record.time, 64),
                     header_field(options.hostname, 255), header_field(options.app_name, 48), sd,
                     message);
}

std::string audit_cef_line(const AuditRecord& record) {
  std::string ext;
  const auto field = [&](std::string_view key, std::string_view value) {
    if (value.empty()) return;
    if (!ext.empty()) ext += ' ';
    ext += fmt::format("{}={}", key, cef_value(value));
  };
  const auto labelled = [&](std::string_view key, std::string_view label, std::string_view value) {
    if (value.empty()) return;
    field(key, value);
    field(std::string(key) + "Label", label);
  };
  auto time = parse_audit_time(record.time);
  field("rt", time ? std::to_string(core::unix_millis(*time)) : std::string());
  field("externalId", record.id);
  labelled("cn1", "seq", std::to_string(record.seq));
  field("suser", record.actor.user);
  labelled("flexString1", "authMethod", record.actor.auth_method);
  labelled("cs5", "tokenId", record.actor.token_id);
  if (record.actor.source_ip.find(':') != std::string::npos) {
    labelled("c6a1", "sourceIPv6", record.actor.source_ip);
  } else {
    field("src", record.actor.source_ip);
  }
  field("requestClientApplication", record.actor.user_agent);
  field("act", record.action);
  labelled("cs1", "tenant", record.tenant);
  labelled("cs2", "resource", record.resource);
  labelled("cs3", "region", record.region);
  labelled("cs4", "params", params_text(record));
  field("outcome", audit_outcome_name(record.outcome));
  field("reason", record.error_code);
  labelled("cn2", "latencyMs", std::to_string(record.latency_ms));
  labelled("cs6", "hash", crypto::to_hex(record.hash));
  if (record.erased) labelled("flexString2", "erased", "true");
  return fmt::format(
      "CEF:0|Ward|Ward|{}|{}|{}|{}|{}", cef_header(kVersion), cef_header(record.action),
      cef_header(record.action + " " + std::string(audit_outcome_name(record.outcome))),
      cef_severity(record.outcome), ext);
}

std::string audit_export_line(const AuditRecord& record, AuditExportFormat format,
                              const AuditSyslogOptions& options) {
  switch (format) {
    case AuditExportFormat::kJsonl:
      return audit_jsonl_line(record);
    case AuditExportFormat::kSyslog:
      return audit_syslog_line(record, options);
    case AuditExportFormat::kCef:
      return audit_cef_line(record);
  }
  return audit_jsonl_line(record);
}

}  // namespace ward::gov
