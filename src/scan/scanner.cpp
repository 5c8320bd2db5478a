#include "scan/scanner.h"

#include <re2/re2.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <thread>

#include "core/thread.h"
#include "scan/baseline.h"
#include "scan/cache.h"
#include "scan/compiled_rules.h"
#include "scan/digest.h"
#include "scan/files.h"
#include "scan/secrets.h"
#include "scan/semantics.h"

namespace ward::scan {
namespace {

constexpr uint32_t kMaxSnippetLines = 4;

// Syntax trees nest about 15 levels in a typical file; of 71,531 files of real code (CPython's
// library, Debian's Python packages, Boost, npm packages) one in 10,000 went past 143 and the
// deepest reached 680. Each level costs the recursive analyses up to about 4 KiB of stack, and a
// call may start a helper's analysis three deep: hence 1,000 levels on a 64 MiB stack of the
// scanner's own (the inherited stack may be as small as the environment chooses). The limit also
// bounds tree-sitter's query time, which grows with the square of the depth.
constexpr uint32_t kMaxAnalysedDepth = 1000;
constexpr size_t kAnalysisStackBytes = size_t{64} << 20;

// What one file's analysis produced.
struct FileResult {
  std::vector<Finding> findings;
  std::optional<std::string> note;  // a reason the file was skipped or only partly analysed
  uint64_t lines = 0;
  bool scanned = false;
  bool from_cache = false;
};

class FileAnalysis {
 public:
  FileAnalysis(const CompiledRules& rules, std::string_view text, std::filesystem::path file)
      : rules_(rules), text_(text), file_(std::move(file)), lines_(text) {}

  FileResult run(std::optional<Language> language) {
    FileResult result;
    result.scanned = true;
    result.lines = lines_.line_count();
    if (language) result.note = analyse_tree(*language);
    for (const auto& rule : rules_.rules) {
      if (rule.secret && rule.applies_to(language)) match_secrets(rule);
    }
    result.findings = finish();
    return result;
  }

 private:
  // Parses the file and runs the rules that read its syntax tree; returns a note when part of the
  // file could not be analysed.
  std::optional<std::string> analyse_tree(Language language) {
    SyntaxTree tree(language, text_);
    std::vector<std::string> notes;
    if (tree.has_errors()) {
      notes.push_back("syntax error at line " + std::to_string(tree.first_error_line()) +
                      "; the parts that parse were scanned");
    }
    // The analyses recurse over the tree, and tree-sitter's queries slow down with its depth
    // squared: a deeper tree (generated code, or text made to crash or stall the scanner) gets
    // only the secret rules, with a note saying so.
    const SyntaxTree::Nesting nesting = tree.nesting();
    if (nesting.depth > kMaxAnalysedDepth) {
      notes.push_back("nested " + std::to_string(nesting.depth) + " levels deep at line " +
                      std::to_string(nesting.line) + ", more than the " +
                      std::to_string(kMaxAnalysedDepth) +
                      " that syntax rules follow; only secret rules were checked");
    } else {
      run_syntax_rules(tree, language);
    }
    if (notes.empty()) return std::nullopt;
    std::string joined = notes.front();
    for (size_t i = 1; i < notes.size(); ++i) joined += "; " + notes[i];
    return joined;
  }

  void run_syntax_rules(const SyntaxTree& tree, Language language) {
    Semantics semantics(tree);
    match_calls(semantics, language);
    // The taint rules are analysed together, and so are the memory rules (rules that follow the
    // same state share passes over the file); their findings are still added in rule order.
    std::vector<const TaintSpec*> taint_specs;
    std::vector<const MemorySpec*> memory_specs;
    for (const auto& rule : rules_.rules) {
      if (!rule.applies_to(language)) continue;
      if (rule.taint) taint_specs.push_back(&*rule.taint);
      if (rule.memory) memory_specs.push_back(&*rule.memory);
    }
    std::vector<std::vector<TaintFlow>> taint_flows = find_taint_flows(semantics, taint_specs);
    std::vector<std::vector<TaintFlow>> memory_flows = find_memory_issues(semantics, memory_specs);
    size_t next_taint_rule = 0;
    size_t next_memory_rule = 0;
    for (const auto& rule : rules_.rules) {
      if (!rule.applies_to(language)) continue;
      match_queries(rule, tree, language);
      if (rule.taint) add_taint_findings(rule, tree, taint_flows[next_taint_rule++]);
      if (rule.memory) add_memory_findings(rule, tree, memory_flows[next_memory_rule++]);
    }
  }

  Finding make(const CompiledRule& rule, uint32_t start, uint32_t end, std::string message) const {
    Finding finding;
    finding.rule_id = rule.info.id;
    finding.file = file_;
    finding.span = lines_.span(start, end);
    finding.message = std::move(message);
    finding.severity = rule.info.severity;
    finding.confidence = rule.info.confidence;
    uint32_t last = std::min(finding.span.end_line, finding.span.start_line + kMaxSnippetLines - 1);
    finding.snippet = std::string(lines_.lines(finding.span.start_line, last));
    return finding;
  }

  void match_calls(const Semantics& semantics, Language language) {
    std::vector<const CompiledRule*> call_rules;
    for (const auto& rule : rules_.rules) {
      if (!rule.calls.empty() && rule.applies_to(language)) call_rules.push_back(&rule);
    }
    if (call_rules.empty()) return;
    const SyntaxTree& tree = semantics.tree();
    walk(tree.root(), [&](TSNode node) {
      if (!semantics.is_call(node)) return true;
      const CallView& call = semantics.call(node);
      std::string name = semantics.callee_name(call);
      for (const CompiledRule* rule : call_rules) {
        for (const auto& pattern : rule->calls) {
          if (!pattern.names(name) || !pattern.matches(semantics, call)) continue;
          Finding finding = make(*rule, ts_node_start_byte(node), ts_node_end_byte(node),
                                 rule->info.title + ": `" + name + "`");
          if (rule->fix && rule->fix->offered_for(name)) finding.fix = rule->fix->apply(semantics, call);
          findings_.push_back(std::move(finding));
          break;
        }
      }
      return true;
    });
  }

  void match_queries(const CompiledRule& rule, const SyntaxTree& tree, Language language) {
    for (const auto& query : rule.queries) {
      if (query.language() != language) continue;  // a query is compiled for one grammar
      for (TSNode node : query.run(tree)) {
        findings_.push_back(make(rule, ts_node_start_byte(node), ts_node_end_byte(node), rule.info.title));
      }
    }
  }

  void add_taint_findings(const CompiledRule& rule, const SyntaxTree& tree,
                          const std::vector<TaintFlow>& flows) {
    for (const auto& flow : flows) {
      std::string source_text(tree.text(flow.source).substr(0, 60));
      Finding finding = make(rule, ts_node_start_byte(flow.sink), ts_node_end_byte(flow.sink),
                             rule.info.title + ": untrusted data from `" + source_text + "` (line " +
                                 std::to_string(tree.span(flow.source).start_line) + ") reaches `" +
                                 flow.sink_name + "`");
      finding.trace.push_back(TraceStep{tree.span(flow.source), "untrusted data enters here: `" + source_text + "`"});
      findings_.push_back(std::move(finding));
    }
  }

  void add_memory_findings(const CompiledRule& rule, const SyntaxTree& tree,
                           const std::vector<TaintFlow>& flows) {
    for (const auto& flow : flows) {
      Finding finding = make(rule, ts_node_start_byte(flow.sink), ts_node_end_byte(flow.sink),
                             rule.info.title + ": `" + flow.sink_name + "` (" + flow.source_message + ", line " +
                                 std::to_string(tree.span(flow.source).start_line) + ")");
      finding.trace.push_back(TraceStep{tree.span(flow.source), flow.source_message});
      findings_.push_back(std::move(finding));
    }
  }

  void match_secrets(const CompiledRule& rule) {
    for (const auto& match : find_secrets(*rule.secret, text_)) {
      std::string_view value = text_.substr(match.start_byte, match.end_byte - match.start_byte);
      Finding finding = make(rule, match.start_byte, match.end_byte,
                             rule.info.title + ": `" + redact(value) + "`");
      // The snippet must not carry the secret either.
      size_t at = finding.snippet.find(value);
      if (at != std::string::npos) finding.snippet.replace(at, value.size(), redact(value));
      if (finding.snippet.find(value) != std::string::npos || value.find('\n') != std::string_view::npos) {
        finding.snippet = redact(value);
      }
      findings_.push_back(std::move(finding));
    }
  }

  // `# ward: ignore`, `// ward: ignore[rule-a, rule-b]` on the finding's line or the line above.
  bool suppressed(const Finding& finding) const {
    static const re2::RE2 kIgnore(R"(ward:\s*ignore(?:\[([^\]]*)\])?)");
    for (uint32_t line : {finding.span.start_line, finding.span.start_line - 1}) {
      if (line == 0) continue;
      std::string_view text = lines_.lines(line, line);
      re2::StringPiece input(text.data(), text.size());
      std::string ids;
      while (re2::RE2::FindAndConsume(&input, kIgnore, &ids)) {
        if (ids.empty()) return true;
        std::string_view list(ids);
        while (!list.empty()) {
          size_t comma = std::min(list.find(','), list.size());
          std::string_view id = list.substr(0, comma);
          while (!id.empty() && id.front() == ' ') id.remove_prefix(1);
          while (!id.empty() && id.back() == ' ') id.remove_suffix(1);
          if (id == finding.rule_id) return true;
          list.remove_prefix(std::min(comma + 1, list.size()));
        }
      }
    }
    return false;
  }

  std::vector<Finding> finish() {
    std::vector<Finding> kept;
    std::map<std::string, int> occurrences;
    std::sort(findings_.begin(), findings_.end(), [](const Finding& a, const Finding& b) {
      return std::tie(a.span.start_byte, a.rule_id) < std::tie(b.span.start_byte, b.rule_id);
    });
    for (auto& finding : findings_) {
      if (suppressed(finding)) continue;
      if (!kept.empty() && kept.back().rule_id == finding.rule_id &&
          kept.back().span.start_byte == finding.span.start_byte) {
        continue;  // two patterns of one rule on the same place
      }
      std::string normalised;
      for (char c : finding.snippet) {
        if (c != ' ' && c != '\t' && c != '\r') normalised += c;
      }
      std::string key = finding.rule_id + '\0' + file_.generic_string() + '\0' + normalised;
      int occurrence = occurrences[key]++;
      finding.fingerprint = sha256_hex(key + '\0' + std::to_string(occurrence)).substr(0, 32);
      kept.push_back(std::move(finding));
    }
    return kept;
  }

  const CompiledRules& rules_;
  std::string_view text_;
  std::filesystem::path file_;
  LineIndex lines_;
  std::vector<Finding> findings_;
};

// Reads and analyses one file, or takes its findings from the cache when its content is unchanged.
FileResult analyse_file(const CompiledRules& rules, const SourceFile& file, const ScanLimits& limits,
                        ScanCache* cache) {
  FileResult result;
  auto text = read_source(file.path, limits);
  if (!text) {
    result.note = text.error().message();
    return result;
  }
  if (cache != nullptr) {
    if (auto cached = cache->lookup(file.path, *text)) {
      result.findings = std::move(*cached);
      result.scanned = result.from_cache = true;
      result.lines = LineIndex(*text).line_count();
      return result;
    }
  }
  result = FileAnalysis(rules, *text, file.path).run(file.language);
  if (cache != nullptr) cache->store(file.path, *text, result.findings);
  return result;
}

void sort_findings(std::vector<Finding>& findings) {
  std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    return std::tie(a.file, a.span.start_line, a.span.start_column, a.rule_id) <
           std::tie(b.file, b.span.start_line, b.span.start_column, b.rule_id);
  });
}

}  // namespace

core::Result<ScanResult> scan(const RuleSet& rules, const ScanOptions& options) {
  std::optional<Baseline> baseline;
  if (!options.baseline.empty()) {
    auto loaded = Baseline::load(options.baseline);
    if (!loaded) return loaded.error();
    baseline = std::move(*loaded);
  }
  auto files = collect_files(options.paths, options.limits);
  if (!files) return files.error();
  std::optional<ScanCache> cache;
  if (!options.cache_dir.empty()) {
    auto opened = ScanCache::open(options.cache_dir, rules.compiled().digest);
    if (!opened) return opened.error();
    cache = std::move(*opened);
  }

  std::vector<FileResult> results(files->files.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < results.size(); i = next++) {
      results[i] = analyse_file(rules.compiled(), files->files[i], options.limits, cache ? &*cache : nullptr);
    }
  };
  unsigned threads = options.threads != 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<size_t>(threads, std::max<size_t>(1, results.size())));
  std::vector<core::StackThread> pool;
  for (unsigned t = 0; t < threads; ++t) pool.emplace_back(kAnalysisStackBytes, worker);
  for (auto& thread : pool) thread.join();
  if (cache) {
    if (auto status = cache->save(); !status) return status.error().with_context("saving the scan cache: ");
  }

  ScanResult result;
  result.skipped = std::move(files->skipped);
  for (size_t i = 0; i < results.size(); ++i) {
    FileResult& file = results[i];
    if (file.note) result.skipped.push_back(Skipped{files->files[i].path, *file.note});
    if (!file.scanned) continue;
    ++result.files_scanned;
    result.files_from_cache += file.from_cache ? 1 : 0;
    result.lines_scanned += file.lines;
    for (auto& finding : file.findings) {
      if (finding.severity < options.min_severity) continue;
      if (baseline && baseline->contains(finding.fingerprint)) continue;
      result.findings.push_back(std::move(finding));
    }
  }
  sort_findings(result.findings);
  return result;
}

core::Result<ScanResult> scan_text(const RuleSet& rules, std::string_view text, const std::filesystem::path& name,
                                   std::optional<Language> language, const ScanLimits& limits) {
  if (!language) language = language_of(name);
  if (!language) {
    return core::Error(core::Code::kInvalidArgument, name.string(),
                       "has no extension Ward recognises; give the language (python, javascript, typescript, "
                       "java, go, c or cpp)");
  }
  if (text.size() > limits.max_file_bytes) {
    return core::Error(core::Code::kInvalidArgument, name.string(),
                       format_size(text.size()) + " is over the " + format_size(limits.max_file_bytes) + " limit");
  }
  size_t bad = 0;
  if (!valid_utf8(text, &bad)) {
    return core::Error(core::Code::kInvalidArgument, name.string(),
                       "is not valid UTF-8 (the first invalid byte is at offset " + std::to_string(bad) + ")");
  }
  FileResult file;
  core::run_with_stack(kAnalysisStackBytes,
                       [&] { file = FileAnalysis(rules.compiled(), text, name).run(language); });
  ScanResult result;
  result.files_scanned = 1;
  result.lines_scanned = file.lines;
  if (file.note) result.skipped.push_back(Skipped{name, *file.note});
  result.findings = std::move(file.findings);
  sort_findings(result.findings);
  return result;
}

}  // namespace ward::scan
