#include "lsp/findings.h"

#include <fmt/format.h>

#include "core/text.h"
#include "scan/files.h"

namespace ward::lsp {
namespace {

using nlohmann::json;

// LSP's DiagnosticSeverity: 1 error, 2 warning, 3 information, 4 hint.
int diagnostic_severity(scan::Severity severity) {
  switch (severity) {
    case scan::Severity::kCritical:
    case scan::Severity::kHigh:
      return 1;
    case scan::Severity::kMedium:
      return 2;
    case scan::Severity::kLow:
      return 3;
    case scan::Severity::kInfo:
      return 4;
  }
  return 2;
}

json range_json(const Document& document, std::size_t from, std::size_t to) {
  return {{"start", to_json(document.position_of(from))},
          {"end", to_json(document.position_of(to))}};
}

json diagnostic(const Document& document, const scan::Finding& finding) {
  json related = json::array();
  for (const scan::TraceStep& step : finding.trace) {
    related.push_back(
        {{"location",
          {{"uri", document.uri()},
           {"range", range_json(document, step.span.start_byte, step.span.end_byte)}}},
         {"message", step.message}});
  }
  json out = {{"range", range_json(document, finding.span.start_byte, finding.span.end_byte)},
              {"severity", diagnostic_severity(finding.severity)},
              {"code", finding.rule_id},
              {"source", "ward"},
              {"message", fmt::format("{} ({} severity, {} confidence)", finding.message,
                                      scan::severity_name(finding.severity),
                                      scan::confidence_name(finding.confidence))},
              {"data", {{"fingerprint", finding.fingerprint}}}};
  if (!related.empty()) out["relatedInformation"] = std::move(related);
  return out;
}

}  // namespace

std::optional<scan::Language> scanned_language(const Document& document) {
  const std::string& id = document.language_id();
  if (id == "javascriptreact") return scan::Language::kJavaScript;
  if (id == "typescriptreact") return scan::Language::kTsx;
  if (auto language = scan::parse_language(id)) return language;
  if (auto path = file_path_of(document.uri())) return scan::language_of(*path);
  return std::nullopt;
}

std::optional<std::string> file_path_of(std::string_view uri) {
  constexpr std::string_view kScheme = "file://";
  if (uri.substr(0, kScheme.size()) != kScheme) return std::nullopt;
  std::string_view rest = uri.substr(kScheme.size());
  const std::size_t path_start = rest.find('/');  // after an authority such as "localhost"
  if (path_start == std::string_view::npos) return std::nullopt;
  rest = rest.substr(path_start);
  std::string path;
  for (std::size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '?' || rest[i] == '#') break;
    if (rest[i] != '%') {
      path.push_back(rest[i]);
      continue;
    }
    if (i + 2 >= rest.size() || core::hex_digit_value(rest[i + 1]) < 0 ||
        core::hex_digit_value(rest[i + 2]) < 0) {
      return std::nullopt;
    }
    path.push_back(static_cast<char>(core::hex_digit_value(rest[i + 1]) * 16 +
                                     core::hex_digit_value(rest[i + 2])));
    i += 2;
  }
  if (!scan::valid_utf8(path)) return std::nullopt;  // %FF and the like
  return path;
}

core::Result<const scan::ScanResult*> DocumentScanner::scan(const Document& document) {
  auto known = results_.find(document.uri());
  if (known != results_.end() && known->second.revision == document.revision()) {
    return &known->second.result;
  }
  scan::ScanResult result;
  if (const auto language = scanned_language(document)) {
    const std::string name = file_path_of(document.uri()).value_or(document.uri());
    auto scanned = scan::scan_text(rules_, document.text(), name, language);
    if (!scanned) return scanned.error();
    result = std::move(*scanned);
  }
  Scanned& entry = results_[document.uri()];
  entry = Scanned{document.revision(), std::move(result)};
  return &entry.result;
}

json DocumentScanner::diagnostics(const Document& document, const scan::ScanResult& result) const {
  json list = json::array();
  for (const scan::Finding& finding : result.findings)
    list.push_back(diagnostic(document, finding));
  return {{"uri", document.uri()}, {"version", document.version()}, {"diagnostics", list}};
}

json DocumentScanner::code_actions(const Document& document, const scan::ScanResult& result,
                                   std::size_t from, std::size_t to) const {
  json actions = json::array();
  for (const scan::Finding& finding : result.findings) {
    const bool overlaps = finding.span.start_byte <= to && finding.span.end_byte >= from;
    if (!finding.fix || !overlaps) continue;
    json edits = json::array();
    for (const scan::Edit& edit : finding.fix->edits) {
      edits.push_back({{"range", range_json(document, edit.start_byte, edit.end_byte)},
                       {"newText", edit.replacement}});
    }
    actions.push_back(
        {{"title", fmt::format("{} (ward: {})", finding.fix->description, finding.rule_id)},
         {"kind", "quickfix"},
         {"isPreferred", true},
         {"diagnostics", json::array({diagnostic(document, finding)})},
         {"edit", {{"changes", {{document.uri(), edits}}}}}});
  }
  return actions;
}

}  // namespace ward::lsp
