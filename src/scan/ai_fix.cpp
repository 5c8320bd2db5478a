#include "scan/ai_fix.h"

#include <algorithm>
#include <map>
#include <set>

#include "scan/compiled_rules.h"
#include "scan/syntax.h"

namespace ward::scan {
namespace {

// The node types whose lines make a good region: a whole function, method or lambda.
bool is_function_node(std::string_view type) {
  static constexpr std::string_view kTypes[] = {"function_definition",
                                                "function_declaration",
                                                "method_declaration",
                                                "method_definition",
                                                "constructor_declaration",
                                                "arrow_function",
                                                "function_expression",
                                                "generator_function_declaration",
                                                "function",
                                                "func_literal",
                                                "lambda_expression",
                                                "lambda"};
  return std::find(std::begin(kTypes), std::end(kTypes), type) != std::end(kTypes);
}

// Bytes [start, end) of lines [first, last], including the last line's line break.
std::pair<uint32_t, uint32_t> line_bytes(std::string_view text, const LineIndex& lines,
                                         uint32_t first, uint32_t last) {
  std::string_view body = lines.lines(first, last);
  const auto start = static_cast<uint32_t>(body.data() - text.data());
  size_t end = start + body.size();
  if (end < text.size() && text[end] == '\r') ++end;
  if (end < text.size() && text[end] == '\n') ++end;
  return {start, static_cast<uint32_t>(end)};
}

// The last line a span covers: an end at the start of a line belongs to the line before.
uint32_t last_line_of(const Span& span) {
  if (span.end_line > span.start_line && span.end_column == 1) return span.end_line - 1;
  return std::max(span.end_line, span.start_line);
}

// Lines of `text` (a final line break ends the last line).
uint32_t count_lines(std::string_view text) {
  if (text.empty()) return 0;
  auto breaks = static_cast<uint32_t>(std::count(text.begin(), text.end(), '\n'));
  return text.back() == '\n' ? breaks : breaks + 1;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) {
      if (pos < text.size()) out.push_back(text.substr(pos));
      break;
    }
    out.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

std::string_view indentation(std::string_view line) {
  size_t n = 0;
  while (n < line.size() && (line[n] == ' ' || line[n] == '\t')) ++n;
  return line.substr(0, n);
}

// "ward: ignore" comments (with any spacing after the colon).
size_t count_ignores(std::string_view text) {
  size_t count = 0;
  for (size_t at = text.find("ward:"); at != std::string_view::npos;
       at = text.find("ward:", at + 1)) {
    size_t i = at + 5;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    if (text.substr(i, 6) == "ignore") ++count;
  }
  return count;
}

bool overlaps(const Span& span, uint32_t start, uint32_t end) {
  if (span.start_byte == span.end_byte) return span.start_byte >= start && span.start_byte < end;
  return span.start_byte < end && span.end_byte > start;
}

std::string line_of(const Finding& finding) {
  return std::to_string(finding.span.start_line);
}

}  // namespace

core::Result<FixRegion> fix_region(std::string_view text, Language language, const Span& span,
                                   const AiFixLimits& limits) {
  LineIndex lines(text);
  const uint32_t total = std::max<uint32_t>(lines.line_count(), 1);
  const uint32_t first = std::min(span.start_line, total);
  const uint32_t last = std::clamp(last_line_of(span), first, total);
  const auto [flagged_start, flagged_end] = line_bytes(text, lines, first, last);
  if (last - first + 1 > limits.max_region_lines ||
      flagged_end - flagged_start > limits.max_region_bytes) {
    return core::Error(core::Code::kInvalidArgument, "--ai-fix",
                       "the flagged code is " + std::to_string(last - first + 1) + " lines (" +
                           std::to_string(flagged_end - flagged_start) + " bytes); at most " +
                           std::to_string(limits.max_region_lines) + " lines and " +
                           std::to_string(limits.max_region_bytes) + " bytes are sent to a model");
  }

  // The smallest enclosing function that adds lines around the finding and fits.
  SyntaxTree tree(language, text);
  const uint32_t end_byte = std::max(span.end_byte, span.start_byte);
  TSNode node = ts_node_descendant_for_byte_range(tree.root(), span.start_byte, end_byte);
  for (; !ts_node_is_null(node); node = ts_node_parent(node)) {
    if (!is_function_node(node_type(node))) continue;
    const Span fn = tree.span(node);
    const uint32_t fn_first = fn.start_line;
    const uint32_t fn_last = std::clamp(last_line_of(fn), fn_first, total);
    if (fn_first > first || fn_last < last) continue;    // not around the finding (cannot happen)
    if (fn_first == first && fn_last == last) continue;  // adds nothing: look further out
    const auto [start, end] = line_bytes(text, lines, fn_first, fn_last);
    if (fn_last - fn_first + 1 > limits.max_region_lines || end - start > limits.max_region_bytes) {
      break;  // every function further out is larger still
    }
    return FixRegion{start, end, fn_first, fn_last, true};
  }

  // Else the finding's lines with context, as much as fits.
  for (uint32_t context = limits.context_lines;; --context) {
    const uint32_t from = first > context ? first - context : 1;
    const uint32_t to = std::min(total, last + context);
    const auto [start, end] = line_bytes(text, lines, from, to);
    if ((to - from + 1 <= limits.max_region_lines && end - start <= limits.max_region_bytes) ||
        context == 0) {
      return FixRegion{start, end, from, to, false};
    }
  }
}

bool is_secret_rule(const RuleSet& rules, std::string_view rule_id) {
  for (const CompiledRule& rule : rules.compiled().rules) {
    if (rule.info.id != rule_id) continue;
    if (rule.secret) return true;
    return std::any_of(rule.info.cwe.begin(), rule.info.cwe.end(),
                       [](int cwe) { return cwe == 798 || cwe == 259 || cwe == 321; });
  }
  return false;
}

std::optional<std::string> secret_rule_matching(const RuleSet& rules, std::string_view text) {
  for (const CompiledRule& rule : rules.compiled().rules) {
    if (rule.secret && !find_secrets(*rule.secret, text).empty()) return rule.info.id;
  }
  return std::nullopt;
}

FixPrompt fix_prompt(const Finding& finding, const RuleInfo* rule, Language language,
                     std::string_view text, const FixRegion& region) {
  FixPrompt prompt;
  prompt.system =
      "You fix security vulnerabilities in source code. You are given one finding of a static "
      "analyser and the region of the file around it. Reply with the whole region rewritten so "
      "that the vulnerability is gone and the code still does what it did, in one fenced code "
      "block, with no explanation before or after it. Keep the region's indentation and every "
      "line that does not need to change. Only the region can change: if the fix needs an import, "
      "put it inside the region where the language allows that.";
  const std::string fence(language_name(language));
  std::string& user = prompt.user;
  user += "Finding: " + finding.rule_id;
  if (rule != nullptr && !rule->title.empty()) user += ": " + rule->title;
  if (rule != nullptr && !rule->cwe.empty()) {
    user += " (";
    for (size_t i = 0; i < rule->cwe.size(); ++i) {
      user += (i == 0 ? "CWE-" : ", CWE-") + std::to_string(rule->cwe[i]);
    }
    user += ")";
  }
  user += ", severity " + std::string(severity_name(finding.severity)) + "\n";
  user += "Message: " + finding.message + "\n";
  user += "Flagged code (line " + std::to_string(finding.span.start_line) + " of the file): " +
          std::string(trim(finding.snippet.substr(0, finding.snippet.find('\n')))) + "\n";
  for (const TraceStep& step : finding.trace) {
    if (step.span.start_line < region.first_line || step.span.start_line > region.last_line) {
      continue;
    }
    user += "Data flow: line " + std::to_string(step.span.start_line) + ": " + step.message + "\n";
  }
  if (rule != nullptr && !rule->description.empty()) {
    user += "Why it matters: " + rule->description + "\n";
  }
  if (rule != nullptr && !rule->remediation.empty()) {
    user += "How to fix it: " + rule->remediation + "\n";
  }
  const std::string lines =
      "lines " + std::to_string(region.first_line) + "-" + std::to_string(region.last_line);
  user += "File: " + finding.file.generic_string() + " (" + fence + ")\n";
  user += "Region: " + lines + " of the file\n\n";
  std::string_view body = text.substr(region.start_byte, region.end_byte - region.start_byte);
  user += "```" + fence + "\n" + std::string(body);
  if (body.empty() || body.back() != '\n') user += "\n";
  user += "```\n\nReply with the corrected " + lines + " in one ```" + fence + " code block.\n";
  return prompt;
}

bool share_a_line(std::string_view a, std::string_view b) {
  std::vector<std::string_view> lines;
  for (std::string_view line : split_lines(a)) {
    if (!trim(line).empty()) lines.push_back(trim(line));
  }
  for (std::string_view line : split_lines(b)) {
    line = trim(line);
    if (!line.empty() && std::find(lines.begin(), lines.end(), line) != lines.end()) return true;
  }
  return false;
}

ProposedCode extract_code(std::string_view answer) {
  std::string cleaned(answer);
  // Reasoning models' thoughts, closed or cut off.
  for (size_t at = cleaned.find("<think>"); at != std::string::npos; at = cleaned.find("<think>")) {
    size_t close = cleaned.find("</think>", at);
    cleaned.erase(at, close == std::string::npos ? std::string::npos : close + 8 - at);
  }
  ProposedCode out;
  std::string_view text(cleaned);
  std::string_view body = text;
  for (std::string_view fence : {"```", "~~~"}) {
    size_t open = text.find(fence);
    if (open == std::string_view::npos) continue;
    // An earlier fence of the other kind wins.
    size_t other = text.find(fence == "```" ? "~~~" : "```");
    if (other != std::string_view::npos && other < open) continue;
    size_t line_end = text.find('\n', open);
    if (line_end == std::string_view::npos) {
      body = {};
    } else {
      std::string_view rest = text.substr(line_end + 1);
      body = rest;
      size_t pos = 0;
      while (pos <= rest.size()) {
        size_t nl = rest.find('\n', pos);
        std::string_view line =
            rest.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        std::string_view trimmed = trim(line);
        if (trimmed.substr(0, 3) == fence) {
          body = rest.substr(0, pos);
          out.closed = true;
          break;
        }
        if (trimmed.size() > 3 && trimmed.substr(trimmed.size() - 3) == fence) {  // code```
          body = rest.substr(0, pos + line.rfind(fence));
          out.closed = true;
          break;
        }
        if (nl == std::string_view::npos) break;
        pos = nl + 1;
      }
    }
    out.fenced = true;
    break;
  }
  // Without blank lines around it.
  std::vector<std::string_view> lines = split_lines(body);
  size_t first = 0;
  size_t last = lines.size();
  while (first < last && trim(lines[first]).empty()) ++first;
  while (last > first && trim(lines[last - 1]).empty()) --last;
  for (size_t i = first; i < last; ++i) {
    std::string_view line = lines[i];
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.code += line;
    if (i + 1 < last) out.code += '\n';
  }
  return out;
}

std::string fit_to_region(std::string_view code, std::string_view region_text) {
  std::vector<std::string_view> region_lines = split_lines(region_text);
  std::optional<std::string_view> region_indent;
  for (std::string_view line : region_lines) {
    if (trim(line).empty()) continue;
    std::string_view indent = indentation(line);
    if (!region_indent || indent.size() < region_indent->size()) region_indent = indent;
  }
  std::vector<std::string_view> code_lines = split_lines(code);
  bool code_indented = false;
  for (std::string_view line : code_lines) {
    if (!trim(line).empty() && indentation(line).empty()) {
      code_indented = false;
      break;
    }
    if (!trim(line).empty()) code_indented = true;
  }
  const std::string prefix = region_indent && !code_indented ? std::string(*region_indent) : "";
  const bool crlf = region_text.find("\r\n") != std::string_view::npos;
  std::string out;
  for (size_t i = 0; i < code_lines.size(); ++i) {
    std::string_view line = code_lines[i];
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!trim(line).empty()) out += prefix;
    out += line;
    if (i + 1 < code_lines.size()) out += crlf ? "\r\n" : "\n";
  }
  if (!region_text.empty() && region_text.back() == '\n') out += crlf ? "\r\n" : "\n";
  return out;
}

core::Result<RewriteSession> RewriteSession::start(const RuleSet& rules, std::filesystem::path name,
                                                   Language language, std::string text,
                                                   const AiFixLimits& limits) {
  auto scanned = scan_text(rules, text, name, language);
  if (!scanned) return scanned.error();
  RewriteSession session;
  session.rules_ = &rules;
  session.name_ = std::move(name);
  session.language_ = language;
  session.limits_ = limits;
  session.errors_ = static_cast<uint32_t>(SyntaxTree(language, text).error_starts().size());
  session.text_ = std::move(text);
  session.findings_ = std::move(scanned->findings);
  session.find_secrets_in_text();
  return session;
}

const Finding* RewriteSession::finding_in(std::string_view rule_id, uint32_t start,
                                          uint32_t end) const {
  for (const Finding& finding : findings_) {
    if (finding.rule_id == rule_id && overlaps(finding.span, start, end)) return &finding;
  }
  return nullptr;
}

void RewriteSession::find_secrets_in_text() {
  secrets_.clear();
  LineIndex lines(text_);
  for (const CompiledRule& rule : rules_->compiled().rules) {
    if (!rule.secret) continue;
    for (const SecretMatch& match : find_secrets(*rule.secret, text_)) {
      secrets_.push_back(
          Secret{match.start_byte, match.end_byte,
                 rule.info.id + ", line " + std::to_string(lines.line_of(match.start_byte))});
    }
  }
}

std::optional<std::string> RewriteSession::secret_in(uint32_t start, uint32_t end) const {
  for (const Secret& secret : secrets_) {
    if (secret.start_byte < end && secret.end_byte > start) return secret.where;
  }
  for (const Finding& finding : findings_) {
    if (overlaps(finding.span, start, end) && is_secret_rule(*rules_, finding.rule_id)) {
      return finding.rule_id + ", line " + line_of(finding);
    }
  }
  return std::nullopt;
}

RewriteSession::Verdict RewriteSession::try_rewrite(const Finding& target, uint32_t start,
                                                    uint32_t end, std::string_view replacement) {
  auto reject = [](std::string reason) { return Verdict{false, std::move(reason)}; };
  if (start > end || end > text_.size()) return reject("the region is outside the file");
  const std::string_view old = std::string_view(text_).substr(start, end - start);
  if (replacement == old) return reject("the model returned the region unchanged");
  const uint32_t old_lines = count_lines(old);
  const uint32_t new_lines = count_lines(replacement);
  if (new_lines > old_lines * limits_.max_growth_factor + limits_.max_growth_lines ||
      replacement.size() > old.size() * limits_.max_growth_factor + 80 * limits_.max_growth_lines) {
    return reject("the model's fix is far longer than the region (" + std::to_string(new_lines) +
                  " lines for " + std::to_string(old_lines) + ")");
  }
  if (count_ignores(replacement) > count_ignores(old)) {
    return reject("the model's fix hides the finding behind a `ward: ignore` comment");
  }

  std::string rewritten;
  rewritten.reserve(text_.size() - old.size() + replacement.size());
  rewritten.append(text_, 0, start).append(replacement).append(text_, end);
  const auto new_end = static_cast<uint32_t>(start + replacement.size());

  const std::vector<uint32_t> errors = SyntaxTree(language_, rewritten).error_starts();
  if (errors.size() > errors_) {
    uint32_t at = errors.front();
    for (uint32_t e : errors) {
      if (e >= start && e <= new_end) {
        at = e;
        break;
      }
    }
    return reject("the model's fix did not parse (syntax error at line " +
                  std::to_string(LineIndex(rewritten).line_of(at)) + ")");
  }
  auto scanned = scan_text(*rules_, rewritten, name_, language_);
  if (!scanned) return reject("the model's fix is not usable: " + scanned.error().message());
  std::vector<Finding>& after = scanned->findings;

  std::map<std::string, size_t> before_counts;
  std::map<std::string, size_t> after_counts;
  std::set<std::string> before_prints;
  for (const Finding& f : findings_) {
    before_prints.insert(f.fingerprint);
    if (f.severity >= target.severity || f.rule_id == target.rule_id) ++before_counts[f.rule_id];
  }
  for (const Finding& f : after) {
    if (f.severity >= target.severity || f.rule_id == target.rule_id) ++after_counts[f.rule_id];
  }
  // The newest-looking finding of a rule: one in the rewritten lines, else one whose fingerprint
  // is new, else any.
  auto example = [&](const std::string& rule_id) -> const Finding* {
    const Finding* any = nullptr;
    const Finding* fresh = nullptr;
    for (const Finding& f : after) {
      if (f.rule_id != rule_id) continue;
      if (overlaps(f.span, start, new_end)) return &f;
      if (fresh == nullptr && !before_prints.contains(f.fingerprint)) fresh = &f;
      if (any == nullptr) any = &f;
    }
    return fresh != nullptr ? fresh : any;
  };

  const Finding* still = nullptr;
  for (const Finding& f : after) {
    if (f.rule_id == target.rule_id && overlaps(f.span, start, new_end)) {
      still = &f;
      break;
    }
  }
  if (still == nullptr && after_counts[target.rule_id] >= before_counts[target.rule_id]) {
    still = example(target.rule_id);
  }
  if (still != nullptr) {
    return reject("the finding remained (" + target.rule_id + " still reports line " +
                  line_of(*still) + ")");
  }
  for (const auto& [rule_id, count] : after_counts) {
    if (rule_id == target.rule_id || count <= before_counts[rule_id]) continue;
    const Finding* added = example(rule_id);
    return reject("the fix introduced " + rule_id +
                  (added != nullptr ? " (line " + line_of(*added) + ")" : std::string()));
  }

  text_ = std::move(rewritten);
  findings_ = std::move(after);
  errors_ = static_cast<uint32_t>(errors.size());
  find_secrets_in_text();
  return Verdict{true, "it parses and a re-scan no longer reports " + target.rule_id + " there"};
}

}  // namespace ward::scan
