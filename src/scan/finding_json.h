#pragma once
// JSON forms of the scanner's plain values (finding.h), for the incremental-scan cache and for
// anything else that stores or ships findings. The report formats (report.h) have their own,
// fixed shapes and do not use these.
//
// The to_json/from_json functions are nlohmann's ADL hooks, so `nlohmann::json j = finding;` and
// `j.get<Finding>()` work. Shapes (keys in snake_case; "trace" and "fix" are omitted when empty):
//   Span      {"start_line","start_column","end_line","end_column","start_byte","end_byte"}
//   Edit      {"start_byte","end_byte","replacement"}
//   Fix       {"description","edits":[Edit…],"proposed_by"}   ("proposed_by" only when set)
//   TraceStep {"span":Span,"message"}
//   Finding   {"rule","file","span","message","severity","confidence","snippet","fingerprint",
//              "trace":[TraceStep…],"fix":Fix}
//   Skipped   {"file","reason"}
// A Finding's ai_fix (one run's outcome of `ward scan --ai-fix`) is not part of these forms.
// Severities and confidences are their names ("high"); files are their generic (/-separated)
// path strings. A path that is not valid UTF-8 produces a string that nlohmann's dump() refuses
// unless it is given error_handler_t::replace.
//
// from_json is strict: a missing key, a value of the wrong type, a negative or too large number,
// an unknown severity name or an impossible span (ending before it starts) throws one of
// nlohmann::json::exception's subclasses (type_error, out_of_range, other_error) — callers of
// `get<Finding>()` must catch nlohmann::json::exception. Unknown keys are ignored. The
// *_from_json functions below do the catching and never throw.
//
// Thread-safe: no shared state.

#include <nlohmann/json.hpp>
#include <vector>

#include "core/error.h"
#include "scan/finding.h"

namespace ward::scan {

void to_json(nlohmann::json& j, Severity severity);
void from_json(const nlohmann::json& j, Severity& severity);
void to_json(nlohmann::json& j, Confidence confidence);
void from_json(const nlohmann::json& j, Confidence& confidence);

void to_json(nlohmann::json& j, const Span& span);
void from_json(const nlohmann::json& j, Span& span);
void to_json(nlohmann::json& j, const Edit& edit);
void from_json(const nlohmann::json& j, Edit& edit);
void to_json(nlohmann::json& j, const Fix& fix);
void from_json(const nlohmann::json& j, Fix& fix);
void to_json(nlohmann::json& j, const TraceStep& step);
void from_json(const nlohmann::json& j, TraceStep& step);
void to_json(nlohmann::json& j, const Finding& finding);
void from_json(const nlohmann::json& j, Finding& finding);
void to_json(nlohmann::json& j, const Skipped& skipped);
void from_json(const nlohmann::json& j, Skipped& skipped);

// Reads an array of findings. Never throws: malformed input gives invalid_argument whose `where`
// names the element (e.g. "findings[3]") and whose message says what is wrong with it.
core::Result<std::vector<Finding>> findings_from_json(const nlohmann::json& j);

// The same for an array of skipped files ("skipped[1]").
core::Result<std::vector<Skipped>> skipped_from_json(const nlohmann::json& j);

}  // namespace ward::scan
