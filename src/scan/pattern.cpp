#include "scan/pattern.h"

#include <re2/re2.h>

namespace ward::scan {
namespace {

// Removing an argument also removes the comma before it (or after it, for the first one).
Edit remove_argument_edit(const CallView& call, TSNode argument) {
  TSNode list = call.arguments;
  uint32_t start = ts_node_start_byte(argument);
  uint32_t end = ts_node_end_byte(argument);
  uint32_t count = child_count(list);
  for (uint32_t i = 0; i < count; ++i) {
    TSNode child = child_at(list, i);
    if (!ts_node_eq(child, argument)) continue;
    TSNode before = i > 0 ? child_at(list, i - 1) : TSNode{};
    TSNode after = i + 1 < count ? child_at(list, i + 1) : TSNode{};
    if (!ts_node_is_null(before) && node_type(before) == ",") {
      start = ts_node_start_byte(before);
    } else if (!ts_node_is_null(after) && node_type(after) == ",") {
      end = ts_node_end_byte(after);
      TSNode next = i + 2 < count ? child_at(list, i + 2) : TSNode{};
      if (!ts_node_is_null(next) && node_type(next) != ")") end = ts_node_start_byte(next);
    }
  }
  return Edit{start, end, ""};
}

// "ls -l /tmp" → ["ls", "-l", "/tmp"], only for literals that a shell would split the same way.
std::optional<std::string> argv_literal(std::string_view quoted, std::string_view value) {
  if (value.empty() || value.find_first_of("\\\"'$`|&;<>(){}[]*?~!#\n\t") != std::string_view::npos) {
    return std::nullopt;
  }
  char quote = quoted.back();
  std::string list = "[";
  size_t i = 0;
  while (i < value.size()) {
    if (value[i] == ' ') {
      ++i;
      continue;
    }
    size_t end = value.find(' ', i);
    if (end == std::string_view::npos) end = value.size();
    if (list.size() > 1) list += ", ";
    list += quote;
    list += value.substr(i, end - i);
    list += quote;
    i = end;
  }
  return list + "]";
}

}  // namespace

TSNode ArgumentRef::find(const CallView& call) const {
  if (!keyword.empty()) {
    TSNode node = call.keyword(keyword);
    if (!ts_node_is_null(node)) return node;
  }
  return index ? call.argument(*index) : TSNode{};
}

core::Result<ArgumentRef> ArgumentRef::parse(const TomlReader& reader) {
  ArgumentRef ref;
  auto index = reader.optional_integer("index");
  if (!index) return index.error();
  auto keyword = reader.optional_string("keyword");
  if (!keyword) return keyword.error();
  if (*index && **index < 0) return reader.error("index", "must be 0 or more (the first argument is 0)");
  if (*index) ref.index = static_cast<size_t>(**index);
  ref.keyword = keyword->value_or("");
  if (!ref.index && ref.keyword.empty()) {
    return reader.error("index", "or `keyword` is required: say which argument the constraint is about");
  }
  return ref;
}

bool ArgumentConstraint::holds(const Semantics& semantics, const CallView& call) const {
  TSNode argument = where.find(call);
  // A constraint that only forbids a value holds when the argument is not given at all.
  if (ts_node_is_null(argument)) return absent || (!matches && !literal && not_matches);
  if (absent) return false;
  std::string_view text = semantics.tree().text(argument);
  re2::StringPiece piece(text.data(), text.size());
  if (matches && !re2::RE2::PartialMatch(piece, *matches)) return false;
  if (not_matches && re2::RE2::PartialMatch(piece, *not_matches)) return false;
  if (literal && semantics.is_string_literal(argument) != *literal) return false;
  return true;
}

bool CallPattern::names(std::string_view callee) const {
  for (const auto& pattern : callees) {
    if (name_matches(pattern, callee)) return true;
  }
  return false;
}

bool CallPattern::matches(const Semantics& semantics, const CallView& call) const {
  if (!names(semantics.callee_name(call))) return false;
  for (const auto& constraint : arguments) {
    if (!constraint.holds(semantics, call)) return false;
  }
  return true;
}

core::Result<CallPattern> CallPattern::parse(const TomlReader& reader, bool strict) {
  if (strict) {
    if (auto status = reader.only_keys({"call", "argument"}); !status) return status.error();
  }
  CallPattern pattern;
  auto callees = reader.strings("call");
  if (!callees) return callees.error();
  if (callees->empty()) return reader.error("call", "is required: name the API, e.g. \"os.system\"");
  pattern.callees = std::move(*callees);
  auto arguments = reader.tables("argument");
  if (!arguments) return arguments.error();
  for (const auto& table : *arguments) {
    if (auto status = table.only_keys({"index", "keyword", "matches", "not-matches", "absent", "literal"});
        !status) {
      return status.error();
    }
    ArgumentConstraint constraint;
    auto where = ArgumentRef::parse(table);
    if (!where) return where.error();
    constraint.where = *where;
    auto matches = table.optional_regex("matches");
    if (!matches) return matches.error();
    auto not_matches = table.optional_regex("not-matches");
    if (!not_matches) return not_matches.error();
    auto absent = table.optional_boolean("absent");
    if (!absent) return absent.error();
    auto literal = table.optional_boolean("literal");
    if (!literal) return literal.error();
    constraint.matches = *matches;
    constraint.not_matches = *not_matches;
    constraint.absent = absent->value_or(false);
    constraint.literal = *literal;
    pattern.arguments.push_back(std::move(constraint));
  }
  return pattern;
}

bool FixTemplate::offered_for(std::string_view callee) const {
  if (applies_to.empty()) return true;
  for (const auto& pattern : applies_to) {
    if (name_matches(pattern, callee)) return true;
  }
  return false;
}

std::optional<Fix> FixTemplate::apply(const Semantics& semantics, const CallView& call) const {
  const SyntaxTree& tree = semantics.tree();
  Fix fix{description, {}};
  if (!rename_method.empty()) {
    TSNode name = call.callee;
    if (!is(name, "attribute") && !is(name, "member_expression") && !is(name, "selector_expression") &&
        !is(name, "identifier")) {
      return std::nullopt;
    }
    for (std::string_view member : {"attribute", "property", "field"}) {
      if (TSNode last = field(call.callee, member); !ts_node_is_null(last)) name = last;
    }
    // A bare imported name (`from yaml import load`) would need a new import: no fix.
    if (ts_node_eq(name, call.callee) && node_type(call.node) != "method_invocation") return std::nullopt;
    fix.edits.push_back({ts_node_start_byte(name), ts_node_end_byte(name), rename_method});
  }
  if (replace_argument) {
    TSNode argument = replace_argument->find(call);
    if (ts_node_is_null(argument)) return std::nullopt;
    fix.edits.push_back({ts_node_start_byte(argument), ts_node_end_byte(argument), replacement});
  }
  if (argument_to_argv) {
    TSNode argument = call.argument(*argument_to_argv);
    if (ts_node_is_null(argument) || !semantics.is_string_literal(argument)) return std::nullopt;
    auto list = argv_literal(tree.text(argument), semantics.string_value(argument));
    if (!list) return std::nullopt;
    fix.edits.push_back({ts_node_start_byte(argument), ts_node_end_byte(argument), *list});
  }
  if (!remove_keyword.empty()) {
    TSNode value = call.keyword(remove_keyword);
    if (!ts_node_is_null(value)) fix.edits.push_back(remove_argument_edit(call, parent_of(value)));
  }
  if (fix.edits.empty()) return std::nullopt;
  std::sort(fix.edits.begin(), fix.edits.end(),
            [](const Edit& a, const Edit& b) { return a.start_byte < b.start_byte; });
  return fix;
}

core::Result<std::optional<FixTemplate>> FixTemplate::parse(const TomlReader& rule) {
  auto tables = rule.tables("fix");
  if (!tables) return tables.error();
  if (tables->empty()) return std::optional<FixTemplate>();
  const TomlReader& reader = tables->front();
  if (auto status = reader.only_keys({"description", "rename-method", "replace-argument", "remove-keyword",
                                      "argument-to-argv", "applies-to"});
      !status) {
    return status.error();
  }
  FixTemplate fix;
  auto description = reader.string("description");
  if (!description) return description.error();
  fix.description = *description;
  auto rename = reader.optional_string("rename-method");
  if (!rename) return rename.error();
  fix.rename_method = rename->value_or("");
  auto remove = reader.optional_string("remove-keyword");
  if (!remove) return remove.error();
  fix.remove_keyword = remove->value_or("");
  auto applies_to = reader.strings("applies-to");
  if (!applies_to) return applies_to.error();
  fix.applies_to = std::move(*applies_to);
  auto argv = reader.optional_integer("argument-to-argv");
  if (!argv) return argv.error();
  if (*argv) fix.argument_to_argv = static_cast<size_t>(**argv);
  auto replace = reader.tables("replace-argument");
  if (!replace) return replace.error();
  if (!replace->empty()) {
    auto ref = ArgumentRef::parse(replace->front());
    if (!ref) return ref.error();
    auto with = replace->front().string("with");
    if (!with) return with.error();
    fix.replace_argument = *ref;
    fix.replacement = *with;
  }
  if (fix.rename_method.empty() && !fix.replace_argument && fix.remove_keyword.empty() && !fix.argument_to_argv) {
    return reader.error("description", "describes no edit: add rename-method, replace-argument, "
                                       "remove-keyword or argument-to-argv");
  }
  return std::optional<FixTemplate>(std::move(fix));
}

}  // namespace ward::scan
