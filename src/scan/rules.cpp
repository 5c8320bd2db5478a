#include <algorithm>
#include <fstream>
#include <set>

#include "core/file.h"
#include "scan/digest.h"
#include "scan/compiled_rules.h"
#include "scan/scanner.h"

namespace ward::scan {
namespace {

using core::Code;
using core::Error;

struct ParsedFile {
  std::string name;
  toml::table table;
  bool built_in = false;  // compiled into the binary from rules/ (and tested there)
};

core::Result<ParsedFile> parse_toml(const RuleSource& source) {
  try {
    return ParsedFile{source.name, toml::parse(source.text, source.name)};
  } catch (const toml::parse_error& error) {
    const auto& where = error.source().begin;
    return Error(Code::kInvalidArgument, source.name + ":" + std::to_string(where.line),
                 "is not valid TOML: " + std::string(error.description()));
  }
}

core::Result<std::vector<RuleSource>> read_rule_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return Error(Code::kInvalidArgument, dir.string(), "is not a directory of rule files (*.toml)");
  }
  std::vector<std::filesystem::path> files;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file() && it->path().extension() == ".toml") files.push_back(it->path());
  }
  if (ec) return Error(Code::kInvalidArgument, dir.string(), "cannot be read: " + ec.message());
  std::sort(files.begin(), files.end());
  std::vector<RuleSource> sources;
  for (const auto& file : files) {
    auto text = core::read_file(file);
    if (!text) return text.error();
    sources.push_back({file.string(), std::move(*text)});
  }
  return sources;
}

core::Result<RuleInfo> parse_info(const TomlReader& reader) {
  RuleInfo info;
  info.source = reader.where();
  for (auto [key, target] : {std::pair{"id", &info.id}, {"title", &info.title},
                             {"description", &info.description}, {"remediation", &info.remediation}}) {
    auto value = reader.string(key);
    if (!value) return value.error();
    *target = *value;
  }
  if (info.id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-_") != std::string::npos) {
    return reader.error("id", "may hold only lower-case letters, digits, '.', '-' and '_'");
  }
  auto severity = reader.string("severity");
  if (!severity) return severity.error();
  auto parsed_severity = parse_severity(*severity);
  if (!parsed_severity) return reader.error("severity", "must be one of info, low, medium, high, critical");
  info.severity = *parsed_severity;
  auto confidence = reader.string("confidence");
  if (!confidence) return confidence.error();
  auto parsed_confidence = parse_confidence(*confidence);
  if (!parsed_confidence) return reader.error("confidence", "must be one of low, medium, high");
  info.confidence = *parsed_confidence;
  auto cwe = reader.integers("cwe");
  if (!cwe) return cwe.error();
  for (int64_t number : *cwe) {
    if (number <= 0) return reader.error("cwe", "must hold CWE numbers such as 78");
    info.cwe.push_back(static_cast<int>(number));
  }
  auto languages = reader.strings("languages");
  if (!languages) return languages.error();
  for (const auto& name : *languages) {
    auto language = parse_language(name);
    if (!language) return reader.error("languages", "names \"" + name + "\", a language Ward does not parse");
    info.languages.push_back(*language);
    // TypeScript's JSX dialect is TypeScript to a rule author.
    if (*language == Language::kTypeScript) info.languages.push_back(Language::kTsx);
  }
  auto references = reader.strings("references");
  if (!references) return references.error();
  info.references = std::move(*references);
  auto tags = reader.strings("tags");
  if (!tags) return tags.error();
  info.tags = std::move(*tags);
  return info;
}

core::Result<CompiledRule> compile_rule(const ParsedFile& file, const TaintSpec::Sets& sets) {
  TomlReader reader(file.table, file.name);
  if (auto status = reader.only_keys({"id", "title", "description", "remediation", "severity", "confidence", "cwe",
                                      "languages", "references", "tags", "match", "query", "taint", "memory",
                                      "secret", "fix"});
      !status) {
    return status.error();
  }
  CompiledRule rule;
  auto info = parse_info(reader);
  if (!info) return info.error();
  rule.info = std::move(*info);
  auto matches = reader.tables("match");
  if (!matches) return matches.error();
  for (const auto& table : *matches) {
    auto pattern = CallPattern::parse(table);
    if (!pattern) return pattern.error();
    rule.calls.push_back(std::move(*pattern));
  }
  auto queries = reader.tables("query");
  if (!queries) return queries.error();
  for (const auto& table : *queries) {
    // A built-in rule's query is compiled when a scan first needs it (see QueryPattern::parse).
    auto query = QueryPattern::parse(table, rule.info.languages, /*compile_now=*/!file.built_in);
    if (!query) return query.error();
    rule.queries.push_back(std::move(*query));
  }
  auto taint = reader.tables("taint");
  if (!taint) return taint.error();
  if (!taint->empty()) {
    auto spec = TaintSpec::parse(taint->front(), sets);
    if (!spec) return spec.error();
    rule.taint = std::move(*spec);
  }
  auto memory = reader.tables("memory");
  if (!memory) return memory.error();
  if (!memory->empty()) {
    auto spec = MemorySpec::parse(memory->front(), sets);
    if (!spec) return spec.error();
    rule.memory = std::move(*spec);
  }
  if (const auto* secret = file.table.get_as<toml::table>("secret")) {
    auto spec = parse_secret_spec(*secret, file.name);
    if (!spec) return spec.error();
    rule.secret = std::move(*spec);
  }
  auto fix = FixTemplate::parse(reader);
  if (!fix) return fix.error();
  rule.fix = std::move(*fix);
  if (rule.calls.empty() && rule.queries.empty() && !rule.taint && !rule.memory && !rule.secret) {
    return reader.error("match", "(or [[query]], [taint], [memory] or [secret]) is required: the rule matches nothing");
  }
  if (rule.info.languages.empty() && !rule.secret) {
    return reader.error("languages", "is required for code rules: list the languages the patterns are written for");
  }
  return rule;
}

// A set file names a list of patterns that rules refer to as @name: `set = "name"`, `items = […]`.
core::Status add_set(const ParsedFile& file, TaintSpec::Sets& sets) {
  TomlReader reader(file.table, file.name);
  if (auto status = reader.only_keys({"set", "description", "items"}); !status) return status.error();
  auto name = reader.string("set");
  if (!name) return name.error();
  auto items = reader.strings("items");
  if (!items) return items.error();
  if (items->empty()) return reader.error("items", "is required: list the set's patterns");
  auto& set = sets[*name];
  set.insert(set.end(), items->begin(), items->end());
  return core::ok_status();
}

}  // namespace

bool CompiledRule::applies_to(std::optional<Language> language) const {
  if (info.languages.empty()) return secret.has_value();
  return language && std::find(info.languages.begin(), info.languages.end(), *language) != info.languages.end();
}

core::Result<RuleSet> RuleSet::load(const std::vector<std::filesystem::path>& extra_dirs) {
  std::vector<RuleSource> sources = builtin_rule_sources();
  const size_t built_in = sources.size();
  for (const auto& dir : extra_dirs) {
    auto more = read_rule_dir(dir);
    if (!more) return more.error().with_context("loading rules: ");
    sources.insert(sources.end(), more->begin(), more->end());
  }
  std::vector<ParsedFile> files;
  TaintSpec::Sets sets;
  std::string digest_input;
  for (size_t i = 0; i < sources.size(); ++i) {
    const RuleSource& source = sources[i];
    auto file = parse_toml(source);
    if (!file) return file.error();
    file->built_in = i < built_in;
    digest_input += source.name + '\0' + source.text + '\0';
    if (file->table.contains("set")) {
      if (auto status = add_set(*file, sets); !status) return status.error();
    } else {
      files.push_back(std::move(*file));
    }
  }
  auto compiled = std::make_shared<CompiledRules>();
  std::set<std::string, std::less<>> ids;
  for (const auto& file : files) {
    auto rule = compile_rule(file, sets);
    if (!rule) return rule.error();
    if (!ids.insert(rule->info.id).second) {
      return Error(Code::kInvalidArgument, file.name,
                   "defines the rule id \"" + rule->info.id + "\" that another rule file already uses; ids must be unique");
    }
    compiled->infos.push_back(rule->info);
    compiled->rules.push_back(std::move(*rule));
  }
  compiled->digest = sha256_hex(digest_input);
  RuleSet set;
  set.compiled_ = std::move(compiled);
  return set;
}

const std::vector<RuleInfo>& RuleSet::rules() const { return compiled_->infos; }

const RuleInfo* RuleSet::find(std::string_view id) const {
  for (const auto& info : compiled_->infos) {
    if (info.id == id) return &info;
  }
  return nullptr;
}

}  // namespace ward::scan
