#include "scan/report.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>

namespace ward::scan {
namespace {

using ordered_json = nlohmann::ordered_json;

// --- UTF-8 -------------------------------------------------------------------------------------

// Decodes the code point at text[i]: its length in bytes, or 0 when the bytes there are not
// valid UTF-8 (overlong forms, surrogates and values past U+10FFFF included).
size_t decode_utf8(std::string_view text, size_t i, char32_t& cp) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char b0 = byte(i);
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  size_t len = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > text.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

bool is_bidi_control(char32_t cp) {
  return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

// Terminal cells a printable code point takes: 0 for combining marks and zero-width joiners,
// 2 for East Asian wide characters and emoji, else 1. A small table, not all of Unicode.
int cell_width(char32_t cp) {
  if ((cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x200B && cp <= 0x200D) ||
      (cp >= 0xFE00 && cp <= 0xFE0F)) {
    return 0;
  }
  if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) ||
      (cp >= 0x3041 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
      (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
      (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFE6) ||
      (cp >= 0x1F300 && cp <= 0x1F64F) || (cp >= 0x1F900 && cp <= 0x1F9FF) ||
      (cp >= 0x20000 && cp <= 0x3FFFD)) {
    return 2;
  }
  return 1;
}

// One code point of scanned text as it may be shown on a terminal: itself, or an escape for
// control characters, bidi controls and invalid bytes (which could rewrite the screen or make
// code read differently from what it does).
struct Glyph {
  std::string text;
  int cells = 1;
  bool tab = false;
};

Glyph glyph_at(std::string_view text, size_t i, size_t& len) {
  char32_t cp = 0;
  len = decode_utf8(text, i, cp);
  char buf[16];
  if (len == 0) {
    len = 1;
    std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(text[i]));
    return {buf, 4, false};
  }
  if (cp == '\t') return {"\t", 1, true};
  if (cp < 0x20 || cp == 0x7F) {
    std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(cp));
    return {buf, 4, false};
  }
  if ((cp >= 0x80 && cp <= 0x9F) || is_bidi_control(cp)) {
    std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(cp));
    return {buf, 6, false};
  }
  return {std::string(text.substr(i, len)), cell_width(cp), false};
}

std::string safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0, len = 0; i < text.size(); i += len) out += glyph_at(text, i, len).text;
  return out;
}

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    size_t at = text.find(sep, start);
    if (at == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, at - start));
    start = at + 1;
  }
}

// --- shared ------------------------------------------------------------------------------------

using RuleIndex = std::unordered_map<std::string_view, const RuleInfo*>;

RuleIndex index_rules(const std::vector<RuleInfo>& rules) {
  RuleIndex index;
  for (const RuleInfo& rule : rules) index.emplace(rule.id, &rule);
  return index;
}

const RuleInfo* find_rule(const RuleIndex& index, const std::string& id) {
  auto it = index.find(id);
  return it == index.end() ? nullptr : it->second;
}

std::string file_name(const std::filesystem::path& path) {
  return path.generic_string();
}

std::string plural(uint64_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

// --- text --------------------------------------------------------------------------------------

constexpr std::string_view kReset = "\x1b[0m";
constexpr std::string_view kBold = "\x1b[1m";
constexpr std::string_view kDim = "\x1b[2m";

std::string_view severity_colour(Severity severity) {
  switch (severity) {
    case Severity::kCritical:
      return "\x1b[1;31m";
    case Severity::kHigh:
      return "\x1b[31m";
    case Severity::kMedium:
      return "\x1b[33m";
    case Severity::kLow:
      return "\x1b[36m";
    case Severity::kInfo:
      return "\x1b[2m";
  }
  return "";
}

class TextWriter {
 public:
  explicit TextWriter(bool color) : color_(color) {}
  std::string& out() { return out_; }
  void styled(std::string_view style, std::string_view text) {
    if (color_) out_ += style;
    out_ += text;
    if (color_) out_ += kReset;
  }

 private:
  bool color_;
  std::string out_;
};

// "  why: first line\n       next line\n" — each line of `text` made terminal-safe.
void labelled(TextWriter& w, std::string_view label, std::string_view text) {
  std::string indent(2 + label.size() + 2, ' ');
  w.out() += "  ";
  w.styled(kDim, std::string(label) + ":");
  bool first = true;
  for (std::string_view line : split(text, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    w.out() += first ? " " : indent;
    w.out() += safe(line);
    w.out() += '\n';
    first = false;
  }
}

// The snippet's lines, numbered from the span's first line, with the span's columns on the
// first line underlined.
void code_frame(TextWriter& w, const Finding& f) {
  std::string_view snippet = f.snippet;
  while (!snippet.empty() && (snippet.back() == '\n' || snippet.back() == '\r')) {
    snippet.remove_suffix(1);
  }
  if (snippet.empty()) return;
  std::vector<std::string_view> lines = split(snippet, '\n');
  const size_t gutter = std::to_string(f.span.start_line + lines.size() - 1).size();
  std::string_view colour = severity_colour(f.severity);
  for (size_t n = 0; n < lines.size(); ++n) {
    std::string_view line = lines[n];
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string number = std::to_string(f.span.start_line + n);
    w.out() += std::string(2 + gutter - number.size(), ' ');
    w.styled(kDim, number + " |");
    if (!line.empty()) w.out() += ' ';
    std::string pad;
    std::string marks;
    uint32_t column = 1;
    const uint32_t end_column = f.span.end_line == f.span.start_line
                                    ? f.span.end_column
                                    : std::numeric_limits<uint32_t>::max();
    for (size_t i = 0, len = 0; i < line.size(); i += len, ++column) {
      Glyph g = glyph_at(line, i, len);
      w.out() += g.text;
      if (n != 0) continue;
      if (column < f.span.start_column) {
        pad += g.tab ? std::string("\t") : std::string(static_cast<size_t>(g.cells), ' ');
      } else if (column < end_column) {
        marks += std::string(static_cast<size_t>(std::max(g.cells, 1)), '^');
      }
    }
    w.out() += '\n';
    if (n == 0) {
      if (marks.empty()) marks = "^";
      w.out() += std::string(2 + gutter, ' ');
      w.styled(kDim, " |");
      w.out() += ' ' + pad;
      w.styled(colour, marks);
      w.out() += '\n';
    }
  }
}

}  // namespace

std::string render_text(const ScanResult& result, const std::vector<RuleInfo>& rules,
                        const TextOptions& options) {
  RuleIndex index = index_rules(rules);
  TextWriter w(options.color);
  std::array<uint64_t, 5> by_severity{};
  for (const Finding& f : result.findings) {
    ++by_severity[static_cast<size_t>(f.severity)];
    const RuleInfo* rule = find_rule(index, f.rule_id);
    const std::string file = safe(file_name(f.file));
    w.styled(kBold, file + ":" + std::to_string(f.span.start_line) + ":" +
                        std::to_string(f.span.start_column) + ":");
    w.out() += ' ';
    w.styled(severity_colour(f.severity), severity_name(f.severity));
    w.out() += ' ' + safe(f.rule_id) + ": " + safe(f.message) + "\n";
    code_frame(w, f);
    if (rule != nullptr && !rule->description.empty()) labelled(w, "why", rule->description);
    if (rule != nullptr && !rule->remediation.empty()) labelled(w, "fix", rule->remediation);
    if (f.fix && f.fix->proposed_by.empty()) w.out() += "  autofix available (ward scan --fix)\n";
    for (const TraceStep& step : f.trace) {
      w.out() += "  from " + file + ":" + std::to_string(step.span.start_line) + ": " +
                 safe(step.message) + "\n";
    }
    if (f.ai_fix) {
      labelled(w, "model fix",
               f.ai_fix->status + (f.ai_fix->reason.empty() ? "" : ": " + f.ai_fix->reason));
    }
    w.out() += '\n';
  }

  if (result.findings.empty()) {
    w.out() += "no findings\n";
  } else {
    w.styled(kBold, plural(result.findings.size(), "finding", "findings"));
    w.out() += ':';
    bool first = true;
    for (size_t s = by_severity.size(); s-- > 0;) {
      if (by_severity[s] == 0) continue;
      w.out() += first ? " " : ", ";
      first = false;
      auto severity = static_cast<Severity>(s);
      w.styled(severity_colour(severity),
               std::to_string(by_severity[s]) + " " + std::string(severity_name(severity)));
    }
    w.out() += '\n';
  }
  w.out() += "scanned " + plural(result.files_scanned, "file", "files") + " (" +
             plural(result.lines_scanned, "line", "lines") + ")";
  if (result.files_from_cache != 0) {
    w.out() += ", " + std::to_string(result.files_from_cache) + " from cache";
  }
  w.out() += '\n';
  if (!result.skipped.empty()) {
    w.out() += "skipped " + plural(result.skipped.size(), "file", "files") + ":\n";
    for (const Skipped& s : result.skipped) {
      w.out() += "  " + safe(file_name(s.file)) + ": " + safe(s.reason) + "\n";
    }
  }
  return std::move(w.out());
}

// --- JSON --------------------------------------------------------------------------------------

std::string render_json(const ScanResult& result, const std::vector<RuleInfo>& rules) {
  RuleIndex index = index_rules(rules);
  ordered_json findings = ordered_json::array();
  for (const Finding& f : result.findings) {
    const RuleInfo* rule = find_rule(index, f.rule_id);
    ordered_json j;
    j["rule"] = f.rule_id;
    j["file"] = file_name(f.file);
    j["line"] = f.span.start_line;
    j["column"] = f.span.start_column;
    j["end_line"] = f.span.end_line;
    j["end_column"] = f.span.end_column;
    j["severity"] = severity_name(f.severity);
    j["confidence"] = confidence_name(f.confidence);
    j["cwe"] = rule != nullptr ? ordered_json(rule->cwe) : ordered_json::array();
    j["title"] = rule != nullptr && !rule->title.empty() ? rule->title : f.rule_id;
    j["message"] = f.message;
    j["fingerprint"] = f.fingerprint;
    j["snippet"] = f.snippet;
    if (!f.trace.empty()) {
      ordered_json trace = ordered_json::array();
      for (const TraceStep& step : f.trace) {
        trace.push_back({{"file", file_name(f.file)},
                         {"line", step.span.start_line},
                         {"column", step.span.start_column},
                         {"message", step.message}});
      }
      j["trace"] = std::move(trace);
    }
    if (f.fix) {
      ordered_json edits = ordered_json::array();
      for (const Edit& e : f.fix->edits) {
        edits.push_back({{"start_byte", e.start_byte},
                         {"end_byte", e.end_byte},
                         {"replacement", e.replacement}});
      }
      j["fix"] = {{"description", f.fix->description}, {"edits", std::move(edits)}};
      if (!f.fix->proposed_by.empty()) j["fix"]["proposed_by"] = f.fix->proposed_by;
    }
    if (f.ai_fix) j["ai_fix"] = {{"status", f.ai_fix->status}, {"reason", f.ai_fix->reason}};
    findings.push_back(std::move(j));
  }
  ordered_json skipped = ordered_json::array();
  for (const Skipped& s : result.skipped) {
    skipped.push_back({{"file", file_name(s.file)}, {"reason", s.reason}});
  }
  ordered_json report;
  report["version"] = 1;
  report["findings"] = std::move(findings);
  report["skipped"] = std::move(skipped);
  report["stats"] = {{"files", result.files_scanned},
                     {"lines", result.lines_scanned},
                     {"from_cache", result.files_from_cache}};
  return report.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

// --- SARIF -------------------------------------------------------------------------------------

namespace {

constexpr std::string_view kSarifSchema = "https://json.schemastore.org/sarif-2.1.0.json";
constexpr std::string_view kRootBase = "%SRCROOT%";

// Percent-encodes everything but RFC 3986 unreserved characters and '/', so a path becomes a URI
// reference whose first segment can never read as a scheme (':' is encoded too).
std::string percent_encode(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : path) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    }
  }
  return out;
}

std::filesystem::path absolute_normal(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(path, ec);
  if (ec) abs = path;
  abs = abs.lexically_normal();
  if (abs.has_relative_path() && abs.filename().empty()) abs = abs.parent_path();
  return abs;
}

std::string file_uri(const std::filesystem::path& absolute) {
  std::string path = absolute.generic_string();
  if (path.empty() || path.front() != '/') path.insert(path.begin(), '/');
  return "file://" + percent_encode(path);
}

std::string_view level(Severity severity) {
  switch (severity) {
    case Severity::kCritical:
    case Severity::kHigh:
      return "error";
    case Severity::kMedium:
      return "warning";
    case Severity::kLow:
    case Severity::kInfo:
      return "note";
  }
  return "warning";
}

std::string_view precision(Confidence confidence) {
  switch (confidence) {
    case Confidence::kHigh:
      return "high";
    case Confidence::kMedium:
      return "medium";
    case Confidence::kLow:
      return "low";
  }
  return "medium";
}

// "python.yaml-load" → "PythonYamlLoad".
std::string camel_case(std::string_view id) {
  std::string out;
  bool upper = true;
  for (char c : id) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) == 0) {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(u)) : c;
    upper = false;
  }
  return out;
}

ordered_json text_message(std::string_view text) {
  return {{"text", text}};
}

ordered_json region_of(const Span& span) {
  return {{"startLine", span.start_line},
          {"startColumn", span.start_column},
          {"endLine", span.end_line},
          {"endColumn", span.end_column}};
}

// Line and code-point column (from 1) of byte `offset` in `text`.
std::pair<uint64_t, uint64_t> line_column(std::string_view text, size_t offset) {
  uint64_t line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  uint64_t column = 1;
  for (size_t i = line_start; i < offset; ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++column;
  }
  return {line, column};
}

ordered_json rule_descriptor(const RuleInfo& rule) {
  ordered_json tags = ordered_json::array({"security"});
  for (int cwe : rule.cwe) tags.push_back("external/cwe/cwe-" + std::to_string(cwe));
  for (const std::string& tag : rule.tags) {
    if (std::find(tags.begin(), tags.end(), tag) == tags.end()) tags.push_back(tag);
  }
  std::string help = rule.remediation;
  std::string markdown = rule.remediation;
  if (!rule.references.empty()) {
    help += help.empty() ? "References:\n" : "\n\nReferences:\n";
    markdown += markdown.empty() ? "**References**\n" : "\n\n**References**\n";
    for (const std::string& url : rule.references) {
      help += url + "\n";
      markdown += "\n- <" + url + ">";
    }
    help.pop_back();
  }
  if (help.empty()) help = markdown = rule.title.empty() ? rule.id : rule.title;
  ordered_json d;
  d["id"] = rule.id;
  d["name"] = camel_case(rule.id);
  d["shortDescription"] = text_message(rule.title.empty() ? rule.id : rule.title);
  d["fullDescription"] = text_message(!rule.description.empty() ? rule.description
                                      : !rule.title.empty()     ? rule.title
                                                                : rule.id);
  d["help"] = {{"text", help}, {"markdown", markdown}};
  d["defaultConfiguration"] = {{"level", level(rule.severity)}};
  d["properties"] = {{"tags", std::move(tags)},
                     {"security-severity", security_severity_score(rule.severity)},
                     {"precision", precision(rule.confidence)}};
  return d;
}

class SarifWriter {
 public:
  SarifWriter(const std::vector<RuleInfo>& rules, const SarifOptions& options)
      : rules_(rules), options_(options), index_(index_rules(rules)) {
    if (!options.source_root.empty()) root_ = absolute_normal(options.source_root);
  }

  std::string render(const ScanResult& result) {
    if (options_.all_rules) {
      for (const RuleInfo& rule : rules_) rule_index(rule.id, nullptr);
    } else {
      // Rules in the rule set's order, not the order results happen to name them.
      std::map<size_t, const RuleInfo*> used;
      for (const Finding& f : result.findings) {
        if (const RuleInfo* rule = find_rule(index_, f.rule_id)) {
          used.emplace(static_cast<size_t>(rule - rules_.data()), rule);
        }
      }
      for (const auto& [position, rule] : used) rule_index(rule->id, nullptr);
    }
    ordered_json results = ordered_json::array();
    for (const Finding& f : result.findings) results.push_back(result_of(f));

    ordered_json notifications = ordered_json::array();
    for (const Skipped& s : result.skipped) {
      ordered_json physical;
      physical["artifactLocation"] = artifact(s.file);
      ordered_json where;
      where["physicalLocation"] = std::move(physical);
      ordered_json notification;
      notification["level"] = "warning";
      notification["message"] = text_message(s.reason);
      notification["locations"] = ordered_json::array({std::move(where)});
      notifications.push_back(std::move(notification));
    }
    ordered_json invocation;
    invocation["executionSuccessful"] = true;
    if (!notifications.empty()) invocation["toolExecutionNotifications"] = notifications;

    ordered_json driver;
    driver["name"] = "Ward";
    if (!options_.information_uri.empty()) driver["informationUri"] = options_.information_uri;
    if (!options_.version.empty()) driver["semanticVersion"] = options_.version;
    driver["rules"] = std::move(descriptors_);

    ordered_json run;
    run["tool"] = {{"driver", std::move(driver)}};
    run["invocations"] = ordered_json::array({std::move(invocation)});
    if (!root_.empty()) {
      std::string uri = file_uri(root_);
      if (uri.back() != '/') uri += '/';
      run["originalUriBaseIds"] = {{kRootBase, {{"uri", uri}}}};
    }
    run["columnKind"] = "unicodeCodePoints";
    run["results"] = std::move(results);

    ordered_json log;
    log["$schema"] = kSarifSchema;
    log["version"] = "2.1.0";
    log["runs"] = ordered_json::array({std::move(run)});
    return log.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";
  }

 private:
  // The driver.rules index of rule `id`, adding its descriptor (from the rule set, or made from
  // `finding` for a rule the set does not know) the first time.
  size_t rule_index(const std::string& id, const Finding* finding) {
    auto it = positions_.find(id);
    if (it != positions_.end()) return it->second;
    if (const RuleInfo* rule = find_rule(index_, id)) {
      descriptors_.push_back(rule_descriptor(*rule));
    } else {
      RuleInfo stand_in;
      stand_in.id = id;
      if (finding != nullptr) {
        stand_in.severity = finding->severity;
        stand_in.confidence = finding->confidence;
      }
      descriptors_.push_back(rule_descriptor(stand_in));
    }
    positions_.emplace(id, descriptors_.size() - 1);
    return descriptors_.size() - 1;
  }

  ordered_json artifact(const std::filesystem::path& file) const {
    if (!root_.empty()) {
      std::filesystem::path abs = absolute_normal(file);
      std::filesystem::path rel = abs.lexically_relative(root_);
      if (!rel.empty() && *rel.begin() != ".." && rel != ".") {
        return {{"uri", percent_encode(rel.generic_string())}, {"uriBaseId", kRootBase}};
      }
      return {{"uri", file_uri(abs)}};
    }
    if (file.is_absolute()) return {{"uri", file_uri(file.lexically_normal())}};
    return {{"uri", percent_encode(file.lexically_normal().generic_string())}};
  }

  ordered_json location(const Finding& f, const Span& span, const std::string* snippet) const {
    ordered_json region = region_of(span);
    if (snippet != nullptr && !snippet->empty()) region["snippet"] = text_message(*snippet);
    ordered_json physical;
    physical["artifactLocation"] = artifact(f.file);
    physical["region"] = std::move(region);
    ordered_json loc;
    loc["physicalLocation"] = std::move(physical);
    return loc;
  }

  const std::optional<std::string>& file_text(const std::filesystem::path& file) {
    auto it = texts_.find(file);
    if (it == texts_.end()) {
      std::optional<std::string> text;
      if (options_.read_file) text = options_.read_file(file);
      it = texts_.emplace(file, std::move(text)).first;
    }
    return it->second;
  }

  ordered_json deleted_region(const std::filesystem::path& file, const Edit& edit) {
    const std::optional<std::string>& text = file_text(file);
    if (text && edit.start_byte <= edit.end_byte && edit.end_byte <= text->size()) {
      auto [start_line, start_column] = line_column(*text, edit.start_byte);
      auto [end_line, end_column] = line_column(*text, edit.end_byte);
      return {{"startLine", start_line},
              {"startColumn", start_column},
              {"endLine", end_line},
              {"endColumn", end_column}};
    }
    return {{"byteOffset", edit.start_byte},
            {"byteLength", edit.end_byte >= edit.start_byte ? edit.end_byte - edit.start_byte : 0}};
  }

  ordered_json result_of(const Finding& f) {
    ordered_json r;
    r["ruleId"] = f.rule_id;
    r["ruleIndex"] = rule_index(f.rule_id, &f);
    r["level"] = level(f.severity);
    const RuleInfo* rule = find_rule(index_, f.rule_id);
    r["message"] = text_message(!f.message.empty()                        ? f.message
                                : rule != nullptr && !rule->title.empty() ? rule->title
                                                                          : f.rule_id);
    r["locations"] = ordered_json::array({location(f, f.span, &f.snippet)});
    if (!f.fingerprint.empty()) {
      r["partialFingerprints"] = {{"primaryLocationLineHash", f.fingerprint}};
    }
    if (!f.trace.empty()) {
      ordered_json steps = ordered_json::array();
      for (const TraceStep& step : f.trace) {
        ordered_json loc = location(f, step.span, nullptr);
        loc["message"] = text_message(step.message);
        steps.push_back({{"location", std::move(loc)}});
      }
      ordered_json sink = location(f, f.span, nullptr);
      sink["message"] = r["message"];
      steps.push_back({{"location", std::move(sink)}});
      ordered_json thread_flow;
      thread_flow["locations"] = std::move(steps);
      ordered_json code_flow;
      code_flow["threadFlows"] = ordered_json::array({std::move(thread_flow)});
      r["codeFlows"] = ordered_json::array({std::move(code_flow)});
    }
    if (f.fix) {
      ordered_json replacements = ordered_json::array();
      for (const Edit& e : f.fix->edits) {
        replacements.push_back({{"deletedRegion", deleted_region(f.file, e)},
                                {"insertedContent", text_message(e.replacement)}});
      }
      ordered_json fix;
      fix["description"] =
          text_message(f.fix->description.empty() ? "Apply Ward's fix" : f.fix->description);
      ordered_json change;
      change["artifactLocation"] = artifact(f.file);
      change["replacements"] = std::move(replacements);
      fix["artifactChanges"] = ordered_json::array({std::move(change)});
      if (!f.fix->proposed_by.empty()) {
        fix["properties"] = {{"modelProposed", true}, {"model", f.fix->proposed_by}};
      }
      r["fixes"] = ordered_json::array({std::move(fix)});
    }
    if (f.ai_fix) {
      r["properties"] = {{"aiFix", {{"status", f.ai_fix->status}, {"reason", f.ai_fix->reason}}}};
    }
    return r;
  }

  const std::vector<RuleInfo>& rules_;
  const SarifOptions& options_;
  RuleIndex index_;
  std::filesystem::path root_;  // absolute and normal; empty when none
  ordered_json descriptors_ = ordered_json::array();
  std::unordered_map<std::string, size_t> positions_;
  std::map<std::filesystem::path, std::optional<std::string>> texts_;
};

}  // namespace

std::string render_sarif(const ScanResult& result, const std::vector<RuleInfo>& rules,
                         const SarifOptions& options) {
  return SarifWriter(rules, options).render(result);
}

}  // namespace ward::scan
