#pragma once
// Export formats for shipping audit events to a SIEM, one event per line (docs/audit.md, "Export
// formats"):
// - jsonl:  one JSON object per line (audit_record_json in event.h), exact and lossless;
// - syslog: RFC 5424 lines, facility 13 (log audit), the fields as structured data
//           [audit@32473 …] (32473 is the example enterprise number of RFC 5612; Ward has no
//           private enterprise number of its own) and a short UTF-8 message;
// - cef:    ArcSight Common Event Format (CEF:0) lines.
// Every line carries the event's sequence number and chain hash, so the SIEM's copy can serve as
// an external anchor for `ward audit verify --anchor`. In syslog and CEF, control characters in
// text fields become '?', so that one event stays one line; jsonl keeps them (escaped).
//
// Thread-safety: pure functions.

#include <string>
#include <string_view>

#include "core/error.h"
#include "gov/audit/event.h"

namespace ward::gov {

enum class AuditExportFormat { kJsonl, kSyslog, kCef };

// "jsonl", "syslog" or "cef".
core::Result<AuditExportFormat> parse_audit_export_format(std::string_view text);

struct AuditSyslogOptions {
  std::string hostname = "-";  // RFC 5424 HOSTNAME: printable ASCII, or "-" when unknown
  std::string app_name = "ward";
};

// Each without the trailing newline.
std::string audit_jsonl_line(const AuditRecord& record);
std::string audit_syslog_line(const AuditRecord& record, const AuditSyslogOptions& options = {});
std::string audit_cef_line(const AuditRecord& record);
std::string audit_export_line(const AuditRecord& record, AuditExportFormat format,
                              const AuditSyslogOptions& options = {});

}  // namespace ward::gov
