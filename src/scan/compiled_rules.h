#pragma once
// A loaded rule set as the analyses use it: each rule's metadata with its compiled patterns,
// taint spec, secret spec and fix. Immutable after RuleSet::load; shared by the scan threads.

#include <optional>
#include <string>
#include <vector>

#include "scan/pattern.h"
#include "scan/query.h"
#include "scan/rule.h"
#include "scan/secrets.h"
#include "scan/taint.h"

namespace ward::scan {

struct CompiledRule {
  RuleInfo info;
  std::vector<CallPattern> calls;
  std::vector<QueryPattern> queries;
  std::optional<TaintSpec> taint;
  std::optional<MemorySpec> memory;
  std::optional<SecretSpec> secret;
  std::optional<FixTemplate> fix;

  bool applies_to(std::optional<Language> language) const;
};

class CompiledRules {
 public:
  std::vector<CompiledRule> rules;
  std::vector<RuleInfo> infos;
  std::string digest;  // SHA-256 over every rule file's path and text: keys the scan cache
};

// A rule file as text, with the name errors refer to.
struct RuleSource {
  std::string name;
  std::string text;
};

// The rule files compiled into the binary from rules/ (generated at build time).
const std::vector<RuleSource>& builtin_rule_sources();

}  // namespace ward::scan
