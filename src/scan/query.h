#pragma once
// Rules written as tree-sitter queries, for structure that is not a call (a setting assigned,
// a decorator, a declaration):
//   [[query]]
//   language = "python"
//   pattern = '''((assignment left: (identifier) @name right: (true)) @match (#eq? @name "DEBUG"))'''
// The capture @match (else the whole pattern) is the finding's location. Supported predicates:
// #eq?, #not-eq?, #match?, #not-match? (RE2) with a capture and a string.

#include <memory>
#include <vector>

#include "core/error.h"
#include "scan/rule_toml.h"
#include "scan/syntax.h"

namespace ward::scan {

class QueryPattern {
 public:
  static core::Result<QueryPattern> parse(const TomlReader& reader, const std::vector<Language>& rule_languages);

  Language language() const { return language_; }
  // The locations it matches in `tree` (which must be in language()).
  std::vector<TSNode> run(const SyntaxTree& tree) const;

 private:
  struct Predicate {
    uint32_t capture;
    std::string text;
    std::shared_ptr<const re2::RE2> regex;
    bool negate;
    bool holds(const SyntaxTree& tree, TSNode node) const;
  };
  struct QueryDeleter {
    void operator()(TSQuery* query) const { ts_query_delete(query); }
  };
  Language language_ = Language::kPython;
  std::shared_ptr<TSQuery> query_;
  std::vector<std::vector<Predicate>> predicates_;  // per pattern index
  std::optional<uint32_t> match_capture_;
};

}  // namespace ward::scan
