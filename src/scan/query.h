#pragma once
// Rules written as tree-sitter queries, for structure that is not a call (a setting assigned,
// a decorator, a declaration):
//   [[query]]
//   language = "python"
//   pattern = '''((assignment left: (identifier) @name right: (true)) @match (#eq? @name "DEBUG"))'''
// The capture @match (else the whole pattern) is the finding's location. Supported predicates:
// #eq?, #not-eq?, #match?, #not-match? (RE2) with a capture and a string.

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "scan/rule_toml.h"
#include "scan/syntax.h"

namespace ward::scan {

class QueryPattern {
 public:
  // Reads a [[query]] table. With `compile_now` the pattern is compiled here and its errors are
  // this function's; otherwise on first use (compile() or run()). The built-in rules defer it:
  // ts_query_new analyses the grammar for every pattern, which for the built-in queries together
  // takes about 0.1 s, most of the start of a scan, while a scan rarely reads every language.
  // (The tests compile every built-in query.)
  static core::Result<QueryPattern> parse(const TomlReader& reader,
                                          const std::vector<Language>& rule_languages,
                                          bool compile_now = true);

  Language language() const { return language_; }
  // Compiles the pattern once (from any thread; later calls give the first call's result).
  core::Status compile() const;
  // The locations it matches in `tree` (which must be in language()); none when the pattern does
  // not compile.
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
  // The pattern's text and, once compiled, the query; shared by the copies of the rule set.
  struct Compiled {
    std::string where;     // the rule file, for errors
    std::string key_path;  // "query[0].pattern", for errors
    std::string source;
    std::once_flag once;
    core::Status status;
    std::unique_ptr<TSQuery, QueryDeleter> query;
    std::vector<std::vector<Predicate>> predicates;  // per pattern index
    // Text that a file must contain for the query to match in it: one string per pattern, which a
    // positive #eq? or #match? predicate of the pattern requires its capture to contain. Empty
    // when some pattern requires none; then every file runs the query.
    std::vector<std::string> required_text;
    std::optional<uint32_t> match_capture;
  };
  static core::Status compile_into(Language language, Compiled& compiled);
  static std::string required_text(const TSQuery* query, uint32_t pattern,
                                   const std::vector<Predicate>& predicates);

  Language language_ = Language::kPython;
  std::shared_ptr<Compiled> compiled_;
};

}  // namespace ward::scan
