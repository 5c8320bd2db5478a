#include "scan/semantics.h"

#include <algorithm>
#include <array>

namespace ward::scan {
namespace {

constexpr size_t kMaxQualifiedNameBytes = 512;

bool is_identifier(std::string_view type) {
  return one_of(type, {"identifier", "property_identifier", "field_identifier", "type_identifier",
                       "package_identifier", "namespace_identifier", "shorthand_property_identifier",
                       "this", "self", "super"});
}

std::string_view strip_quotes(std::string_view text) {
  // Python prefixes (r, b, u, f and combinations) come before the quote.
  size_t start = 0;
  while (start < text.size() && std::isalpha(static_cast<unsigned char>(text[start]))) ++start;
  text.remove_prefix(start);
  for (std::string_view quote : {"\"\"\"", "'''", "\"", "'", "`"}) {
    if (text.size() >= 2 * quote.size() && text.substr(0, quote.size()) == quote &&
        text.substr(text.size() - quote.size()) == quote) {
      return text.substr(quote.size(), text.size() - 2 * quote.size());
    }
  }
  return text;
}

// The member-access node types: (node type, object field, member field).
struct MemberKind {
  std::string_view type;
  std::string_view object;
  std::string_view member;
};
constexpr std::array<MemberKind, 6> kMemberKinds = {{
    {"attribute", "object", "attribute"},             // Python
    {"member_expression", "object", "property"},      // JavaScript, TypeScript
    {"selector_expression", "operand", "field"},      // Go
    {"field_expression", "argument", "field"},        // C, C++
    {"field_access", "object", "field"},              // Java
    {"qualified_identifier", "scope", "name"},        // C++ a::b
}};

const MemberKind* member_kind(std::string_view type) {
  for (const auto& kind : kMemberKinds) {
    if (kind.type == type) return &kind;
  }
  return nullptr;
}

}  // namespace

bool name_matches_from_start(std::string_view pattern, std::string_view name);

TSNode CallView::keyword(std::string_view name) const {
  for (const auto& [key, value] : keywords) {
    if (key == name) return value;
  }
  return TSNode{};
}

bool name_matches(std::string_view pattern, std::string_view name) {
  if (pattern == "**") return true;
  if (pattern.starts_with("*.")) {
    // A leading `*` is any receiver, however many segments it has (`self.cursor.execute`).
    size_t segments = static_cast<size_t>(std::count(pattern.begin(), pattern.end(), '.'));
    size_t start = name.size();
    for (size_t found = 0; found < segments; ++found) {
      start = start == 0 ? std::string_view::npos : name.rfind('.', start - 1);
      if (start == std::string_view::npos) return false;
    }
    return name_matches_from_start(pattern.substr(2), name.substr(start + 1));
  }
  return name_matches_from_start(pattern, name);
}

bool name_matches_from_start(std::string_view pattern, std::string_view name) {
  // Most patterns a name is tried against start with a different letter: a first segment that is
  // not a wildcard must equal the name's first segment, so its first character must match too.
  if (!pattern.empty() && !name.empty() && pattern.front() != '*' &&
      pattern.front() != name.front()) {
    return false;
  }
  size_t p = 0, n = 0;
  while (p < pattern.size()) {
    size_t p_end = std::min(pattern.find('.', p), pattern.size());
    std::string_view segment = pattern.substr(p, p_end - p);
    if (segment == "**") return true;  // the rest of the name, whatever it is
    if (n > name.size()) return false;
    size_t n_end = std::min(name.find('.', n), name.size());
    // A call segment "new()" matches the pattern segment "new".
    std::string_view actual = name.substr(n, n_end - n);
    if (actual.size() > 2 && actual.substr(actual.size() - 2) == "()") actual.remove_suffix(2);
    if (n >= name.size() || (segment != "*" && segment != actual)) return false;
    p = p_end + 1;
    n = n_end + 1;
  }
  return n > name.size();
}

Semantics::Semantics(const SyntaxTree& tree) : tree_(tree) { collect_imports(); }

void Semantics::collect_imports() {
  Language language = tree_.language();
  walk(tree_.root(), [&](TSNode node) {
    std::string_view type = node_type(node);
    switch (language) {
      case Language::kPython:
        if (type == "import_statement" || type == "import_from_statement") add_python_import(node);
        break;
      case Language::kJavaScript:
      case Language::kTypeScript:
      case Language::kTsx:
        if (type == "import_statement" || type == "variable_declarator") add_javascript_import(node);
        break;
      case Language::kGo:
        if (type == "import_spec") add_go_import(node);
        break;
      case Language::kJava:
        if (type == "import_declaration") add_java_import(node);
        break;
      case Language::kC:
      case Language::kCpp:
        if (type == "preproc_def") add_macro_alias(node);
        break;
    }
    return true;
  });
}

void Semantics::add_python_import(TSNode node) {
  bool from = node_type(node) == "import_from_statement";
  std::string module;
  if (from) {
    TSNode module_node = field(node, "module_name");
    if (is(module_node, "relative_import")) return;  // the project's own modules
    module = std::string(tree_.text(module_node));
  }
  uint32_t count = named_child_count(node);
  for (uint32_t i = 0; i < count; ++i) {
    TSNode child = named_child_at(node, i);
    if (from && ts_node_eq(child, field(node, "module_name"))) continue;
    std::string name, alias;
    if (is(child, "aliased_import")) {
      name = tree_.text(field(child, "name"));
      alias = tree_.text(field(child, "alias"));
    } else if (is(child, "dotted_name")) {
      name = tree_.text(child);
      alias = from ? name : name.substr(0, name.find('.'));
      if (!from) continue;  // `import a.b` binds `a` to itself
    } else {
      continue;
    }
    aliases_[alias] = from ? module + "." + name : name;
  }
}

void Semantics::add_javascript_import(TSNode node) {
  if (node_type(node) == "variable_declarator") {
    // const x = require('m'), const {a, b: c} = require('m'), const e = require('m').e
    TSNode value = field(node, "value");
    if (ts_node_is_null(value)) return;
    std::string target = qualified_name(value);
    if (target.empty() || !tree_.text(value).starts_with("require")) return;
    TSNode name = field(node, "name");
    if (is(name, "identifier")) {
      aliases_[std::string(tree_.text(name))] = target;
    } else if (is(name, "object_pattern")) {
      for (TSNode property : named_children(name)) {
        if (is(property, "shorthand_property_identifier_pattern")) {
          std::string key(tree_.text(property));
          aliases_[key] = target + "." + key;
        } else if (is(property, "pair_pattern")) {
          aliases_[std::string(tree_.text(field(property, "value")))] =
              target + "." + std::string(tree_.text(field(property, "key")));
        }
      }
    }
    return;
  }
  std::string module(strip_quotes(tree_.text(field(node, "source"))));
  for (TSNode clause : named_children(node)) {
    if (!is(clause, "import_clause")) continue;
    for (TSNode part : named_children(clause)) {
      if (is(part, "identifier")) {
        aliases_[std::string(tree_.text(part))] = module;
      } else if (is(part, "namespace_import")) {
        for (TSNode id : named_children(part)) aliases_[std::string(tree_.text(id))] = module;
      } else if (is(part, "named_imports")) {
        for (TSNode spec : named_children(part)) {
          if (!is(spec, "import_specifier")) continue;
          std::string name(tree_.text(field(spec, "name")));
          TSNode alias = field(spec, "alias");
          aliases_[ts_node_is_null(alias) ? name : std::string(tree_.text(alias))] = module + "." + name;
        }
      }
    }
  }
}

void Semantics::add_go_import(TSNode node) {
  std::string path(strip_quotes(tree_.text(field(node, "path"))));
  TSNode name = field(node, "name");
  // The package name is the path's last segment, or the one before a major version (math/rand/v2).
  std::string last = path.substr(path.rfind('/') + 1);
  std::string_view trimmed(path);
  if (last.size() > 1 && last[0] == 'v' && last.find_first_not_of("0123456789", 1) == std::string::npos &&
      path.find('/') != std::string::npos) {
    trimmed = trimmed.substr(0, path.size() - last.size() - 1);
    last = std::string(trimmed.substr(trimmed.rfind('/') + 1));
  }
  std::string alias = ts_node_is_null(name) ? last : std::string(tree_.text(name));
  if (alias == "_" || alias == ".") return;
  aliases_[alias] = path;
}

void Semantics::add_java_import(TSNode node) {
  std::string_view text = tree_.text(node);
  if (text.find('*') != std::string_view::npos || text.find("static ") != std::string_view::npos) {
    return;  // on-demand and static imports bind no single type name
  }
  for (TSNode child : named_children(node)) {
    if (is(child, "scoped_identifier")) {
      std::string full(tree_.text(child));
      aliases_[full.substr(full.rfind('.') + 1)] = full;
    }
  }
}

// `#define GETENV getenv`, `#define COMMAND_ARG3 data`: a macro that stands for one name is that
// name. (When a macro is defined per platform, the last definition in the file wins.)
void Semantics::add_macro_alias(TSNode node) {
  std::string_view value = tree_.text(field(node, "value"));
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) value.remove_prefix(1);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.remove_suffix(1);
  bool identifier = !value.empty() && !std::isdigit(static_cast<unsigned char>(value.front())) &&
                    std::all_of(value.begin(), value.end(),
                                [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
  std::string name(tree_.text(field(node, "name")));
  if (identifier) {
    aliases_[name] = std::string(value);
  } else if (!value.empty() && (std::isdigit(static_cast<unsigned char>(value.front())) || value.back() == '"')) {
    macro_literals_[name] = std::string(value);
  }
}

std::string_view Semantics::macro_literal(std::string_view name) const {
  auto it = macro_literals_.find(name);
  return it == macro_literals_.end() ? std::string_view() : std::string_view(it->second);
}

std::string Semantics::resolve(std::string name) const {
  auto it = aliases_.find(name);
  return it == aliases_.end() ? name : it->second;
}

bool Semantics::is_call(TSNode node) const {
  static const NodeTypes kCalls({"call", "call_expression", "method_invocation",
                                 "object_creation_expression", "new_expression"});
  return kCalls.contains(node);
}

const CallView& Semantics::call(TSNode node) const {
  auto [it, added] =
      calls_.try_emplace({node.id, ts_node_is_null(node) ? 0 : ts_node_start_byte(node)});
  CallView& view = it->second;
  if (!added) return view;
  view.node = node;
  std::string_view type = node_type(node);
  if (type == "method_invocation") {
    view.callee = field(node, "name");
    view.receiver = field(node, "object");
  } else if (type == "object_creation_expression") {
    view.callee = field(node, "type");
    view.constructor = true;
  } else if (type == "new_expression") {
    view.callee = field(node, "constructor");                                  // JavaScript
    if (ts_node_is_null(view.callee)) view.callee = field(node, "type");       // C++
    view.constructor = true;
  } else {
    view.callee = field(node, "function");
    if (const MemberKind* kind = member_kind(node_type(view.callee)); kind && kind->type != "qualified_identifier") {
      view.receiver = field(view.callee, kind->object);
    }
  }
  view.arguments = field(node, "arguments");
  if (ts_node_is_null(view.arguments)) return view;
  for (TSNode argument : tree_.children(view.arguments)) {
    if (is_comment(argument)) continue;
    if (is(argument, "keyword_argument")) {
      view.keywords.emplace_back(tree_.text(field(argument, "name")), field(argument, "value"));
    } else {
      view.positional.push_back(argument);
    }
  }
  return view;
}

std::string Semantics::qualified_name(TSNode node) const {
  if (ts_node_is_null(node)) return {};
  std::string_view type = node_type(node);
  if (is_identifier(type)) return resolve(std::string(tree_.text(node)));
  if (type == "parenthesized_expression" && named_child_count(node) == 1) {
    return qualified_name(named_child_at(node, 0));
  }
  if (type == "scoped_identifier" || type == "scoped_type_identifier") {
    return resolve(std::string(tree_.text(node)));  // Java a.b.C
  }
  if (const MemberKind* kind = member_kind(type)) {
    TSNode object = field(node, kind->object);
    std::string member(tree_.text(field(node, kind->member)));
    if (ts_node_is_null(object)) return member;  // C++ ::name
    std::string prefix = qualified_name(object);
    if (prefix.empty()) return {};
    if (type == "qualified_identifier" && prefix == "std") return member;
    // Rules name calls with a few segments; a chain of hundreds (generated code, or text made to
    // slow the scanner) would otherwise build names whose total length grows with its cube.
    if (prefix.size() + member.size() >= kMaxQualifiedNameBytes) return {};
    return prefix + "." + member;
  }
  if (is_call(node)) {
    const CallView& view = call(node);
    // require('m') names the module m (JavaScript).
    if (type == "call_expression" && tree_.text(view.callee) == "require" && view.positional.size() == 1 &&
        is_string_literal(view.positional[0])) {
      return std::string(string_value(view.positional[0]));
    }
    std::string callee = callee_name(view);
    return callee.empty() ? std::string() : callee + "()";
  }
  return {};
}

std::string Semantics::callee_name(const CallView& view) const {
  const std::pair<const void*, uint32_t> key{
      view.node.id, ts_node_is_null(view.node) ? 0 : ts_node_start_byte(view.node)};
  if (auto it = callee_names_.find(key); it != callee_names_.end()) return it->second;
  std::string name = name_callee(view);
  callee_names_.emplace(key, name);
  return name;
}

std::string Semantics::name_callee(const CallView& view) const {
  if (node_type(view.node) == "method_invocation") {
    std::string method(tree_.text(view.callee));
    if (ts_node_is_null(view.receiver)) return method;
    std::string receiver = qualified_name(view.receiver);
    return receiver.empty() ? "?." + method : receiver + "." + method;
  }
  std::string name = qualified_name(view.callee);
  if (!name.empty() || ts_node_is_null(view.receiver)) return name;
  // A method on an expression with no name (`"x".join(...)`, `f(a).read()`): "?.method".
  if (const MemberKind* kind = member_kind(node_type(view.callee))) {
    return "?." + std::string(tree_.text(field(view.callee, kind->member)));
  }
  return {};
}

bool Semantics::is_string_literal(TSNode node) const {
  std::string_view type = node_type(node);
  if (type == "string") {
    for (TSNode child : named_children(node)) {
      if (is(child, "interpolation") || is(child, "template_substitution")) return false;
    }
    return true;
  }
  if (type == "template_string") {  // `text` without ${…}
    for (TSNode child : named_children(node)) {
      if (is(child, "template_substitution")) return false;
    }
    return true;
  }
  return one_of(type, {"string_literal", "interpreted_string_literal", "raw_string_literal",
                       "concatenated_string"});
}

std::string_view Semantics::string_value(TSNode node) const { return strip_quotes(tree_.text(node)); }

bool Semantics::is_function(TSNode node) const {
  static const NodeTypes kFunctions(
      {"function_definition", "function_declaration", "method_declaration", "method_definition",
       "arrow_function", "function_expression", "function", "lambda", "func_literal",
       "constructor_declaration", "generator_function_declaration", "lambda_expression"});
  return kFunctions.contains(node);
}

const std::vector<TSNode>& Semantics::functions() const {
  if (!functions_) {
    functions_.emplace();
    walk(tree_.root(), [&](TSNode node) {
      if (is_function(node)) functions_->push_back(node);
      return true;
    });
  }
  return *functions_;
}

bool Semantics::is_comment(TSNode node) const {
  static const NodeTypes kComments({"comment", "line_comment", "block_comment"});
  return kComments.contains(node);
}

}  // namespace ward::scan
