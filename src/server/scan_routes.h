#pragma once
// The security scanner over the API (docs/api.md): POST /api/v1/scan scans the files a client
// sends — names and contents in the body, never files on the server's disk — with the rules the
// server loaded once at start, and answers Ward's JSON report or SARIF 2.1.0. Installed through
// the Gateway as ward:Scan on …:workspace/default: authenticated, quota-limited, policy-checked
// and audited as one event with the outcome and the counts (files, findings, skipped), never a
// file's name or content. Called once, before the server runs.
//
// Thread-safe: the rule set is immutable once loaded and each request scans on its own thread.

#include <cstddef>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "gov/audit/event.h"
#include "scan/scanner.h"
#include "server/gateway.h"

namespace httplib {
class Server;
}

namespace ward::server {

// The most files one request may carry, and the most bytes of any one file's content. The whole
// body must also fit the server's request body limit (ServerOptions::max_request_body).
inline constexpr std::size_t kMaxScanFiles = 100;
inline constexpr std::size_t kMaxScanFileBytes = 1024 * 1024;
// The most bytes of a file's path (a name for the report only).
inline constexpr std::size_t kMaxScanPathBytes = 1024;

struct ScanContext {
  // The rules, loaded once when the server starts; or why they could not be, which the route
  // then answers with 503 while the rest of the server works.
  core::Result<scan::RuleSet> rules;

  // Loads the built-in rules (scan::RuleSet::load()); a failure is logged and kept, never fatal.
  static ScanContext load();
};

// The route's work once the gateway has admitted the call: checks `body` field by field (400
// naming the field and the file), scans each file in memory, keeps the findings at or above
// "min_severity" and renders the report as "format" asks. Records the counts in `params`.
core::Result<Reply> scan_files(const ScanContext& context, const nlohmann::json& body,
                               gov::AuditParams& params);

void install_scan_routes(httplib::Server& http, Gateway& gateway, const ScanContext& context);

}  // namespace ward::server
