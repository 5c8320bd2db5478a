#include "server/scan_routes.h"

#include <fmt/format.h>
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "scan/report.h"
#include "server/json_body.h"

namespace ward::server {
namespace {

using core::Code;
using core::Error;
using nlohmann::json;

// One file of the request, checked.
struct ScanFile {
  std::string path;
  const std::string* content = nullptr;  // in the request body
  scan::Language language = scan::Language::kPython;
};

std::string file_field(std::size_t index, std::string_view key) {
  return fmt::format("files[{}].{}", index, key);
}

std::string language_names() {
  std::string names;
  for (scan::Language language : scan::kAllLanguages) {
    names += (names.empty() ? "" : ", ") + std::string(scan::language_name(language));
  }
  return names;
}

// A path names a file in the report only; it must still look like a project-relative path, so
// that no report (SARIF consumers resolve URIs) points outside the project.
core::Status check_path(const std::string& path, const std::string& field) {
  if (path.empty()) {
    return invalid(field, "the file's path relative to the project (e.g. src/app.py) is required");
  }
  if (path.size() > kMaxScanPathBytes) {
    return invalid(
        field, fmt::format("is {} bytes; the most accepted is {}", path.size(), kMaxScanPathBytes));
  }
  for (char c : path) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) return invalid(field, "must not contain control characters");
  }
  const bool drive =
      path.size() >= 2 && std::isalpha(static_cast<unsigned char>(path[0])) != 0 && path[1] == ':';
  if (path.front() == '/' || path.front() == '\\' || drive) {
    return invalid(field, fmt::format("\"{}\" is an absolute path; give the file's path relative "
                                      "to the project, e.g. src/app.py (it only names the file "
                                      "in the report)",
                                      path));
  }
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = path.find_first_of("/\\", start);
    const std::string_view segment =
        std::string_view(path).substr(start, end == std::string::npos ? end : end - start);
    if (segment == "..") {
      return invalid(field, fmt::format("\"{}\" has a `..` segment; give the file's path inside "
                                        "the project, e.g. src/app.py",
                                        path));
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return core::ok_status();
}

// The file's language: "language" when given, else by the path's extension.
core::Result<scan::Language> file_language(const json& file, const std::string& path,
                                           std::size_t index) {
  const std::string field = file_field(index, "language");
  auto given = Fields(file).text("language", 64);
  if (!given) return invalid(field, path + ": must be a string of at most 64 bytes");
  if (!given->empty()) {
    if (auto language = scan::parse_language(*given)) return *language;
    return invalid(field, fmt::format("{}: \"{}\" is not a language Ward scans; give one of {}",
                                      path, *given, language_names()));
  }
  if (auto language = scan::language_of(path)) return *language;
  return invalid(field, fmt::format("{}: Ward cannot tell the file's language from its name; "
                                    "give \"language\": one of {}",
                                    path, language_names()));
}

core::Result<std::vector<ScanFile>> request_files(const json& body) {
  const json* files = Fields(body).find("files");
  if (files == nullptr || !files->is_array()) {
    return invalid("files",
                   "an array of {\"path\", \"content\", \"language\"?} objects is required");
  }
  if (files->empty()) return invalid("files", "give at least one file to scan");
  if (files->size() > kMaxScanFiles) {
    return invalid("files", fmt::format("{} files were given; one request may carry at most {}: "
                                        "send the rest in further requests",
                                        files->size(), kMaxScanFiles));
  }
  std::vector<ScanFile> out;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < files->size(); ++i) {
    const json& file = (*files)[i];
    if (!file.is_object()) {
      return invalid(fmt::format("files[{}]", i),
                     "must be an object {\"path\", \"content\", \"language\"?}");
    }
    ScanFile checked;
    const std::string path_field = file_field(i, "path");
    auto path = Fields(file).text("path", kMaxScanPathBytes);
    if (!path) return invalid(path_field, path.error().message());
    if (auto s = check_path(*path, path_field); !s) return s.error();
    if (!seen.insert(*path).second) {
      return invalid(path_field, fmt::format("\"{}\" is given twice; send each file once", *path));
    }
    checked.path = std::move(*path);
    const auto content = file.find("content");
    if (content == file.end() || !content->is_string()) {
      return invalid(file_field(i, "content"),
                     checked.path + ": the file's text is required here, as a string");
    }
    checked.content = &content->get_ref<const std::string&>();
    if (checked.content->size() > kMaxScanFileBytes) {
      return invalid(file_field(i, "content"),
                     fmt::format("{}: is {} bytes; one file may have at most {} bytes (1 MiB)",
                                 checked.path, checked.content->size(), kMaxScanFileBytes));
    }
    auto language = file_language(file, checked.path, i);
    if (!language) return language.error();
    checked.language = *language;
    out.push_back(std::move(checked));
  }
  return out;
}

// Findings in the order scan() reports them: by file, line, column and rule.
void sort_findings(std::vector<scan::Finding>& findings) {
  std::stable_sort(findings.begin(), findings.end(),
                   [](const scan::Finding& a, const scan::Finding& b) {
                     return std::tie(a.file, a.span.start_line, a.span.start_column, a.rule_id) <
                            std::tie(b.file, b.span.start_line, b.span.start_column, b.rule_id);
                   });
}

}  // namespace

ScanContext ScanContext::load() {
  auto rules = scan::RuleSet::load();
  if (rules) {
    spdlog::info("scanner: {} rules loaded", rules->rules().size());
  } else {
    spdlog::error("the scanner's rules did not load, so POST /api/v1/scan answers 503: {}",
                  rules.error().to_string());
  }
  return ScanContext{std::move(rules)};
}

core::Result<Reply> scan_files(const ScanContext& context, const json& body,
                               gov::AuditParams& params) {
  if (!context.rules) {
    return Error(Code::kUnavailable, "scan rules",
                 "the scanner's rules did not load when the server started (" +
                     context.rules.error().to_string() +
                     "), so scans are unavailable; fix the rules and restart ward serve");
  }
  const scan::RuleSet& rules = *context.rules;
  const Fields f(body);
  auto format = f.text("format", 16);
  if (!format) return format.error();
  if (format->empty()) *format = "json";
  if (*format != "json" && *format != "sarif") {
    return invalid("format", "must be \"json\" or \"sarif\"");
  }
  params.set("format", *format);
  auto severity_name = f.text("min_severity", 16);
  if (!severity_name) return severity_name.error();
  scan::Severity min_severity = scan::Severity::kInfo;
  if (!severity_name->empty()) {
    auto parsed = scan::parse_severity(*severity_name);
    if (!parsed) {
      return invalid("min_severity", "must be one of info, low, medium, high or critical");
    }
    min_severity = *parsed;
    params.set("min_severity", scan::severity_name(min_severity));
  }
  if (const json* files = f.find("files"); files != nullptr && files->is_array()) {
    params.set("files", static_cast<std::int64_t>(files->size()));
  }
  auto files = request_files(body);
  if (!files) return files.error();

  scan::ScanLimits limits;
  limits.max_file_bytes = kMaxScanFileBytes;
  limits.max_files = kMaxScanFiles;
  scan::ScanResult result;
  for (std::size_t i = 0; i < files->size(); ++i) {
    const ScanFile& file = (*files)[i];
    auto scanned = scan::scan_text(rules, *file.content, file.path, file.language, limits);
    if (!scanned) {
      return Error(scanned.error().code(), file_field(i, "content"),
                   file.path + " " + scanned.error().message());
    }
    for (scan::Finding& finding : scanned->findings) {
      if (finding.severity >= min_severity) result.findings.push_back(std::move(finding));
    }
    for (scan::Skipped& skipped : scanned->skipped) result.skipped.push_back(std::move(skipped));
    result.files_scanned += scanned->files_scanned;
    result.lines_scanned += scanned->lines_scanned;
  }
  sort_findings(result.findings);
  params.set("findings", static_cast<std::int64_t>(result.findings.size()))
      .set("skipped", static_cast<std::int64_t>(result.skipped.size()));

  Reply reply;
  if (*format == "json") {
    reply.text = scan::render_json(result, rules.rules());
    reply.content_type = "application/json";
    return reply;
  }
  // Fix regions in line and column form need the text as scanned: the request's, never a file
  // on this server's disk.
  std::map<std::filesystem::path, const std::string*> texts;
  for (const ScanFile& file : *files) texts.emplace(file.path, file.content);
  scan::SarifOptions options;
  options.read_file = [&texts](const std::filesystem::path& path) -> std::optional<std::string> {
    auto it = texts.find(path);
    if (it == texts.end()) return std::nullopt;
    return *it->second;
  };
  reply.text = scan::render_sarif(result, rules.rules(), options);
  reply.content_type = "application/sarif+json";
  return reply;
}

void install_scan_routes(httplib::Server& http, Gateway& gateway, const ScanContext& context) {
  http.Post(
      "/api/v1/scan", [&gateway, &context](const httplib::Request& req, httplib::Response& res) {
        static const Route route{"ward:Scan",
                                 [](const httplib::Request&, const gov::AuthenticatedPrincipal& p) {
                                   return resource_name(p, "workspace/default");
                                 },
                                 RouteEffect::kRead, nullptr};
        gateway.handle(req, res, route, [&context](Call& call) {
          return scan_files(context, call.body, call.params);
        });
      });
}

}  // namespace ward::server
