#include "scan/taint.h"

#include <functional>
#include <set>
#include <variant>

namespace ward::scan {
namespace {

// Whether a value may hold untrusted data, and the source it came from (for the trace).
struct Taint {
  bool tainted = false;
  TSNode source{};
  static Taint from(TSNode source) { return Taint{true, source}; }
  Taint& operator|=(const Taint& other) {
    if (!tainted && other.tainted) *this = other;
    return *this;
  }
};

using Constant = std::variant<std::monostate, long long, std::string>;

// What the analysis knows about a value: its taint, its constant value when it has one, and the
// taint of its items when it is a container with known keys or a known layout.
struct Value {
  Taint taint;
  Constant constant;
  std::map<std::string, Taint> keys;    // dict-like: constant key → taint
  std::vector<Taint> items;             // list-like: index → taint
  bool layout_known = false;            // `items` holds every item in order

  bool tainted() const { return taint.tainted; }
  Taint any() const {
    Taint all = taint;
    for (const auto& [key, item] : keys) all |= item;
    for (const auto& item : items) all |= item;
    return all;
  }
};

Value merge(const Value& a, const Value& b) {
  Value merged;
  merged.taint = a.taint;
  merged.taint |= b.taint;
  if (a.constant == b.constant) merged.constant = a.constant;
  merged.keys = a.keys;
  for (const auto& [key, taint] : b.keys) merged.keys[key] |= taint;
  merged.layout_known = a.layout_known && b.layout_known && a.items.size() == b.items.size();
  if (merged.layout_known) {
    merged.items = a.items;
    for (size_t i = 0; i < b.items.size(); ++i) merged.items[i] |= b.items[i];
  } else {
    for (const auto& item : a.items) merged.taint |= item;
    for (const auto& item : b.items) merged.taint |= item;
  }
  return merged;
}

using Environment = std::map<std::string, Value, std::less<>>;

Environment merge(const Environment& a, const Environment& b) {
  Environment merged = a;
  for (const auto& [name, value] : b) {
    auto it = merged.find(name);
    merged[name] = it == merged.end() ? value : merge(it->second, value);
  }
  return merged;
}

std::optional<bool> truth(const Constant& constant) {
  if (const auto* number = std::get_if<long long>(&constant)) return *number != 0;
  if (const auto* text = std::get_if<std::string>(&constant)) return !text->empty();
  return std::nullopt;
}

std::optional<std::string> key_of(const Constant& constant) {
  if (const auto* number = std::get_if<long long>(&constant)) return std::to_string(*number);
  if (const auto* text = std::get_if<std::string>(&constant)) return *text;
  return std::nullopt;
}

bool any_matches(const std::vector<std::string>& patterns, std::string_view name) {
  if (name.empty()) return false;
  for (const auto& pattern : patterns) {
    if (name_matches(pattern, name)) return true;
  }
  return false;
}

// The analysis of one file against one spec. Python's syntax tree.
class Analysis {
 public:
  Analysis(const Semantics& semantics, const TaintSpec& spec) : sem_(semantics), tree_(semantics.tree()), spec_(spec) {
    walk(tree_.root(), [&](TSNode node) {
      if (is(node, "function_definition")) {
        functions_[std::string(tree_.text(field(node, "name")))] = node;
      }
      return true;
    });
  }

  std::vector<TaintFlow> run() {
    Environment module;
    analyse_block(tree_.root(), module);
    walk(tree_.root(), [&](TSNode node) {
      if (is(node, "function_definition")) analyse_function(node);
      return true;
    });
    return std::move(flows_);
  }

 private:
  struct Function {
    TSNode node;
    std::vector<std::string> decorators;
  };

  std::vector<std::string> decorators_of(TSNode function) const {
    std::vector<std::string> names;
    TSNode parent = ts_node_parent(function);
    if (!is(parent, "decorated_definition")) return names;
    for (TSNode child : named_children(parent)) {
      if (!is(child, "decorator")) continue;
      for (TSNode expression : named_children(child)) {
        names.push_back(sem_.is_call(expression) ? sem_.callee_name(sem_.call(expression))
                                                 : sem_.qualified_name(expression));
      }
    }
    return names;
  }

  bool has_decorator(TSNode function, const std::vector<std::string>& patterns) const {
    for (const auto& name : decorators_of(function)) {
      if (any_matches(patterns, name)) return true;
    }
    return false;
  }

  void analyse_function(TSNode function) {
    Environment env;
    bool untrusted_parameters = has_decorator(function, spec_.parameter_decorators);
    for (TSNode parameter : named_children(field(function, "parameters"))) {
      TSNode name = is(parameter, "identifier") ? parameter : field(parameter, "name");
      if (ts_node_is_null(name)) continue;
      env[std::string(tree_.text(name))].taint = untrusted_parameters ? Taint::from(parameter) : Taint{};
    }
    current_function_ = function;
    analyse_block(field(function, "body"), env);
    current_function_ = TSNode{};
  }

  // Statements in order. Nested functions and classes are analysed on their own.
  // Statements after a return or raise never run: they are not analysed.
  void analyse_block(TSNode block, Environment& env) {
    for (TSNode statement : named_children(block)) {
      analyse_statement(statement, env);
      if (is(statement, "return_statement") || is(statement, "raise_statement")) break;
    }
  }

  void analyse_statement(TSNode node, Environment& env) {
    std::string_view type = node_type(node);
    if (type == "function_definition" || type == "class_definition" || type == "decorated_definition" ||
        type == "import_statement" || type == "import_from_statement" || sem_.is_comment(node)) {
      if (type == "class_definition") analyse_block(field(node, "body"), env);
      return;
    }
    if (type == "expression_statement") {
      for (TSNode child : named_children(node)) evaluate(child, env);
    } else if (type == "if_statement") {
      analyse_if(node, env);
    } else if (type == "for_statement") {
      Value items = evaluate(field(node, "right"), env);
      Value item;
      item.taint = items.any();
      assign(field(node, "left"), item, env);
      analyse_loop(field(node, "body"), env);
      analyse_block(field(node, "alternative"), env);
    } else if (type == "while_statement") {
      Value condition = evaluate(field(node, "condition"), env);
      if (truth(condition.constant) != false) analyse_loop(field(node, "body"), env);
      analyse_block(field(node, "alternative"), env);
    } else if (type == "return_statement") {
      Value value;
      for (TSNode child : named_children(node)) value = merge(value, evaluate(child, env));
      returned_ |= value.any();
      check_return_sinks(node, value);
    } else if (type == "with_statement") {
      walk(node, [&](TSNode item) {
        if (!is(item, "as_pattern")) return !is(item, "block");
        TSNode target = field(item, "alias");
        Value value = evaluate(ts_node_named_child(item, 0), env);
        if (!ts_node_is_null(target)) assign(ts_node_named_child(target, 0), value, env);
        return false;
      });
      analyse_block(field(node, "body"), env);
    } else if (type == "block" || type == "try_statement" || type == "except_clause" ||
               type == "finally_clause" || type == "else_clause" || type == "module") {
      for (TSNode child : named_children(node)) {
        if (is(child, "block") || sem_.is_comment(child)) {
          analyse_block(child, env);
        } else {
          analyse_statement(child, env);
        }
      }
    } else if (type == "match_statement") {
      evaluate(field(node, "subject"), env);
      Environment before = env;
      Environment after = env;
      walk(node, [&](TSNode clause) {
        if (!is(clause, "case_clause")) return true;
        Environment branch = before;
        analyse_block(field(clause, "consequence"), branch);
        after = merge(after, branch);
        return false;
      });
      env = after;
    } else {
      for (TSNode child : named_children(node)) {
        if (is(child, "block")) {
          analyse_block(child, env);
        } else {
          evaluate(child, env);
        }
      }
    }
  }

  void analyse_loop(TSNode body, Environment& env) {
    // Twice, so that a value assigned late in the body reaches a use early in the next iteration.
    Environment first = env;
    analyse_block(body, first);
    Environment second = first;
    analyse_block(body, second);
    env = merge(env, second);
  }

  void analyse_if(TSNode node, Environment& env) {
    Value condition = evaluate(field(node, "condition"), env);
    std::optional<bool> known = truth(condition.constant);
    if (known == true) {
      analyse_block(field(node, "consequence"), env);
      return;
    }
    Environment result;
    bool have_result = false;
    if (known != false) {
      result = env;
      analyse_block(field(node, "consequence"), result);
      have_result = true;
    }
    bool has_else = false;
    Environment rest = env;
    for (TSNode clause : named_children(node)) {
      if (is(clause, "elif_clause")) {
        Value elif_condition = evaluate(field(clause, "condition"), rest);
        std::optional<bool> elif_known = truth(elif_condition.constant);
        if (elif_known == false) continue;
        Environment branch = rest;
        analyse_block(field(clause, "consequence"), branch);
        result = have_result ? merge(result, branch) : branch;
        have_result = true;
        if (elif_known == true) {
          has_else = true;
          break;
        }
      } else if (is(clause, "else_clause")) {
        Environment branch = rest;
        analyse_block(field(clause, "body"), branch);
        result = have_result ? merge(result, branch) : branch;
        have_result = true;
        has_else = true;
      }
    }
    if (!has_else) result = have_result ? merge(result, env) : env;
    env = result;
    if (!has_else && ts_node_named_child_count(node) == 2 && exits(field(node, "consequence"))) {
      apply_guard(field(node, "condition"), env);
    }
  }

  static bool exits(TSNode block) {
    uint32_t count = ts_node_named_child_count(block);
    if (count == 0) return false;
    TSNode last = ts_node_named_child(block, count - 1);
    return is(last, "return_statement") || is(last, "raise_statement") || is(last, "continue_statement") ||
           is(last, "break_statement");
  }

  // `if "'" in name: return` (or several such tests joined by `or`): past the test, `name` holds
  // none of the rule's guard strings, which makes it safe for this rule's sinks.
  void apply_guard(TSNode condition, Environment& env) {
    if (spec_.guards.empty()) return;
    if (is(condition, "boolean_operator")) {
      if (tree_.text(field(condition, "operator")) != "or") return;
      apply_guard(field(condition, "left"), env);
      apply_guard(field(condition, "right"), env);
      return;
    }
    if (!is(condition, "comparison_operator") || ts_node_named_child_count(condition) != 2) return;
    TSNode needle = ts_node_named_child(condition, 0);
    TSNode haystack = ts_node_named_child(condition, 1);
    std::string op;
    for (uint32_t i = 0; i < ts_node_child_count(condition); ++i) {
      TSNode child = ts_node_child(condition, i);
      if (!ts_node_is_named(child)) op += tree_.text(child);
    }
    if (op != "in" || !sem_.is_string_literal(needle) || !is(haystack, "identifier")) return;
    std::string_view tested = sem_.string_value(needle);
    for (const auto& guard : spec_.guards) {
      if (tested.find(guard) == std::string_view::npos) continue;
      auto it = env.find(tree_.text(haystack));
      if (it != env.end()) it->second = Value{};
      return;
    }
  }

  void assign(TSNode target, const Value& value, Environment& env) {
    if (ts_node_is_null(target)) return;
    std::string_view type = node_type(target);
    if (type == "identifier" || type == "attribute") {
      env[std::string(tree_.text(target))] = value;
    } else if (type == "subscript") {
      TSNode object = field(target, "value");
      check_assign_sinks(target, object, value);
      std::string name(tree_.text(object));
      Value& container = env[name];
      Value key = evaluate(field(target, "subscript"), env);
      auto constant_key = key_of(key.constant);
      if (constant_key && container.layout_known && std::holds_alternative<long long>(key.constant)) {
        long long index = std::get<long long>(key.constant);
        if (index >= 0 && static_cast<size_t>(index) < container.items.size()) {
          container.items[index] = value.any();
          return;
        }
      }
      if (constant_key) {
        container.keys[*constant_key] = value.any();
      } else {
        container.taint |= value.any();
      }
    } else if (type == "pattern_list" || type == "tuple_pattern" || type == "list_pattern") {
      std::vector<TSNode> targets = named_children(target);
      for (size_t i = 0; i < targets.size(); ++i) {
        Value part;
        part.taint = value.layout_known && i < value.items.size() ? value.items[i] : value.any();
        assign(targets[i], part, env);
      }
    } else {
      for (TSNode child : named_children(target)) assign(child, value, env);
    }
  }

  Value evaluate(TSNode node, Environment& env) {
    Value value;
    if (ts_node_is_null(node)) return value;
    std::string_view type = node_type(node);
    if (type == "identifier") {
      auto it = env.find(tree_.text(node));
      if (it != env.end()) return it->second;
      if (any_matches(spec_.sources, sem_.qualified_name(node))) value.taint = Taint::from(node);
      return value;
    }
    if (type == "integer") {
      try {
        value.constant = std::stoll(std::string(tree_.text(node)), nullptr, 0);
      } catch (...) {
      }
      return value;
    }
    if (type == "true") value.constant = 1LL;
    if (type == "false" || type == "none") value.constant = 0LL;
    if (type == "true" || type == "false" || type == "none") return value;
    if (type == "string" && sem_.is_string_literal(node)) {
      value.constant = std::string(sem_.string_value(node));
      return value;
    }
    if (type == "assignment" || type == "augmented_assignment") return evaluate_assignment(node, env);
    if (type == "attribute") {
      if (any_matches(spec_.sources, sem_.qualified_name(node))) {
        value.taint = Taint::from(node);
        return value;
      }
      auto it = env.find(tree_.text(node));
      if (it != env.end()) return it->second;
      value.taint = evaluate(field(node, "object"), env).any();
      return value;
    }
    if (sem_.is_call(node)) return evaluate_call(node, env);
    if (type == "subscript") return evaluate_subscript(node, env);
    if (type == "binary_operator") return evaluate_binary(node, env);
    if (type == "comparison_operator" || type == "boolean_operator" || type == "not_operator") {
      return evaluate_condition(node, env);
    }
    if (type == "conditional_expression") {
      std::vector<TSNode> parts = named_children(node);
      if (parts.size() == 3) {
        std::optional<bool> known = truth(evaluate(parts[1], env).constant);
        if (known == true) return evaluate(parts[0], env);
        if (known == false) return evaluate(parts[2], env);
        return merge(evaluate(parts[0], env), evaluate(parts[2], env));
      }
    }
    if (type == "parenthesized_expression" && ts_node_named_child_count(node) == 1) {
      return evaluate(ts_node_named_child(node, 0), env);
    }
    if (type == "list" || type == "tuple" || type == "expression_list") {
      value.layout_known = true;
      for (TSNode item : named_children(node)) {
        if (is(item, "list_splat")) value.layout_known = false;
        value.items.push_back(evaluate(item, env).any());
      }
      return value;
    }
    if (type == "dictionary") {
      for (TSNode pair : named_children(node)) {
        if (!is(pair, "pair")) {
          value.taint |= evaluate(pair, env).any();
          continue;
        }
        auto key = key_of(evaluate(field(pair, "key"), env).constant);
        Taint item = evaluate(field(pair, "value"), env).any();
        if (key) {
          value.keys[*key] = item;
        } else {
          value.taint |= item;
        }
      }
      return value;
    }
    if (type == "lambda") return value;
    // Anything else (f-strings, comprehensions, await, …): untrusted if any part is.
    for (TSNode child : named_children(node)) value.taint |= evaluate(child, env).any();
    return value;
  }

  Value evaluate_assignment(TSNode node, Environment& env) {
    TSNode left = field(node, "left");
    Value right = evaluate(field(node, "right"), env);
    if (is(node, "augmented_assignment")) {
      Value current = evaluate(left, env);
      Value combined = current;
      combined.taint |= right.any();
      combined.constant = std::monostate{};
      std::string_view op = tree_.text(field(node, "operator"));
      if (op == "+=" ) {
        if (auto* a = std::get_if<long long>(&current.constant)) {
          if (auto* b = std::get_if<long long>(&right.constant)) combined.constant = *a + *b;
        }
      }
      assign(left, combined, env);
      return combined;
    }
    assign(left, right, env);
    return right;
  }

  Value evaluate_subscript(TSNode node, Environment& env) {
    Value container = evaluate(field(node, "value"), env);
    TSNode index = field(node, "subscript");
    Value result;
    if (is(index, "slice")) {
      result.taint = container.any();
      return result;
    }
    Value key = evaluate(index, env);
    auto constant_key = key_of(key.constant);
    result.taint = container.taint;
    if (constant_key && container.layout_known && std::holds_alternative<long long>(key.constant)) {
      long long i = std::get<long long>(key.constant);
      if (i < 0) i += static_cast<long long>(container.items.size());
      if (i >= 0 && static_cast<size_t>(i) < container.items.size()) {
        result.taint |= container.items[i];
        return result;
      }
    }
    if (constant_key && !container.keys.empty() && container.items.empty()) {
      auto it = container.keys.find(*constant_key);
      if (it != container.keys.end()) result.taint |= it->second;
      return result;
    }
    result.taint = container.any();
    return result;
  }

  Value evaluate_binary(TSNode node, Environment& env) {
    Value left = evaluate(field(node, "left"), env);
    Value right = evaluate(field(node, "right"), env);
    Value result;
    result.taint = left.any();
    result.taint |= right.any();
    auto* a = std::get_if<long long>(&left.constant);
    auto* b = std::get_if<long long>(&right.constant);
    if (a && b) {
      std::string_view op = tree_.text(field(node, "operator"));
      if (op == "+") result.constant = *a + *b;
      if (op == "-") result.constant = *a - *b;
      if (op == "*") result.constant = *a * *b;
      if (op == "//" && *b != 0) result.constant = *a / *b;
      if (op == "%" && *b != 0) result.constant = *a % *b;
    }
    return result;
  }

  // Conditions yield booleans: never untrusted data themselves, but sometimes a known constant.
  Value evaluate_condition(TSNode node, Environment& env) {
    Value result;
    std::vector<TSNode> operands = named_children(node);
    std::vector<Value> values;
    for (TSNode operand : operands) values.push_back(evaluate(operand, env));
    if (is(node, "not_operator") && values.size() == 1) {
      if (auto known = truth(values[0].constant)) result.constant = *known ? 0LL : 1LL;
      return result;
    }
    if (values.size() != 2) return result;
    auto* a = std::get_if<long long>(&values[0].constant);
    auto* b = std::get_if<long long>(&values[1].constant);
    std::string op;
    for (uint32_t i = 0; i < ts_node_child_count(node); ++i) {
      TSNode child = ts_node_child(node, i);
      if (!ts_node_is_named(child)) op += std::string(tree_.text(child));
    }
    if (is(node, "boolean_operator")) {
      auto x = truth(values[0].constant), y = truth(values[1].constant);
      if (op == "and" && x && y) result.constant = (*x && *y) ? 1LL : 0LL;
      if (op == "or" && x && y) result.constant = (*x || *y) ? 1LL : 0LL;
      return result;
    }
    auto* x = std::get_if<std::string>(&values[0].constant);
    auto* y = std::get_if<std::string>(&values[1].constant);
    if (x && y && (op == "in" || op == "notin" || op == "==" || op == "!=")) {
      bool r = op == "in" || op == "notin" ? y->find(*x) != std::string::npos : *x == *y;
      result.constant = (r != (op == "notin" || op == "!=")) ? 1LL : 0LL;
      return result;
    }
    if (a && b) {
      bool r = op == ">" ? *a > *b : op == "<" ? *a < *b : op == ">=" ? *a >= *b : op == "<=" ? *a <= *b
             : op == "==" ? *a == *b : op == "!=" ? *a != *b : false;
      if (op == ">" || op == "<" || op == ">=" || op == "<=" || op == "==" || op == "!=") result.constant = r ? 1LL : 0LL;
    }
    return result;
  }

  Value evaluate_call(TSNode node, Environment& env) {
    CallView call = sem_.call(node);
    std::string name = sem_.callee_name(call);
    Value receiver = ts_node_is_null(call.receiver) ? Value{} : evaluate(call.receiver, env);
    std::vector<Value> positional;
    for (TSNode argument : call.positional) positional.push_back(evaluate(argument, env));
    std::vector<Value> keywords;
    for (const auto& [key, argument] : call.keywords) keywords.push_back(evaluate(argument, env));
    check_call_sinks(call, name, positional, keywords);

    Value result;
    if (any_matches(spec_.sanitizers, name)) return result;
    if (any_matches(spec_.sources, name)) {
      result.taint = Taint::from(node);
      return result;
    }
    if (auto modelled = container_method(call, receiver, positional, env)) return *modelled;
    auto local = functions_.find(std::string(tree_.text(call.callee)));
    if (local != functions_.end() && ts_node_is_null(call.receiver)) {
      return call_local_function(local->second, positional);
    }
    result.taint = receiver.any();
    for (const auto& argument : positional) result.taint |= argument.any();
    for (const auto& argument : keywords) result.taint |= argument.any();
    return result;
  }

  // Methods of lists, dicts, deques and config parsers on a local variable, modelled per item.
  std::optional<Value> container_method(const CallView& call, Value& receiver, const std::vector<Value>& args,
                                        Environment& env) {
    if (!is(call.callee, "attribute") || !is(call.receiver, "identifier")) return std::nullopt;
    auto it = env.find(tree_.text(call.receiver));
    if (it == env.end()) return std::nullopt;
    Value& container = it->second;
    std::string_view method = tree_.text(field(call.callee, "attribute"));
    Value result;
    if (method == "append" && args.size() == 1) {
      container.items.push_back(args[0].any());
      return result;
    }
    if (method == "appendleft" && args.size() == 1) {
      container.items.insert(container.items.begin(), args[0].any());
      return result;
    }
    if ((method == "pop" || method == "popleft") && container.layout_known) {
      long long index = method == "popleft" ? 0 : static_cast<long long>(container.items.size()) - 1;
      if (args.size() == 1) {
        auto* given = std::get_if<long long>(&args[0].constant);
        if (!given) return std::nullopt;
        index = *given < 0 ? *given + static_cast<long long>(container.items.size()) : *given;
      }
      if (index < 0 || static_cast<size_t>(index) >= container.items.size()) return std::nullopt;
      result.taint = container.items[index];
      container.items.erase(container.items.begin() + index);
      return result;
    }
    if ((method == "get" || method == "set") && !args.empty()) {
      // dict.get(key[, default]) and ConfigParser.get(section, key) / .set(section, key, value).
      size_t key_count = method == "set" ? args.size() - 1 : (container.keys.empty() ? 1 : std::min<size_t>(args.size(), 2));
      std::string key;
      for (size_t i = 0; i < key_count && i < args.size(); ++i) {
        auto part = key_of(args[i].constant);
        if (!part) return std::nullopt;
        key += (i ? "\x1f" : "") + *part;
      }
      if (method == "set") {
        container.keys[key] = args.back().any();
        return result;
      }
      auto found = container.keys.find(key);
      if (found == container.keys.end() && args.size() == 2) {
        // dict.get(key, default): the key alone.
        found = container.keys.find(*key_of(args[0].constant));
        if (found == container.keys.end()) {
          result.taint = container.taint;
          result.taint |= args[1].any();
          return result;
        }
      }
      result.taint = container.taint;
      if (found != container.keys.end()) result.taint |= found->second;
      return result;
    }
    (void)receiver;
    return std::nullopt;
  }

  // A helper function in the same file: the call is untrusted when an untrusted argument reaches
  // the helper's return value. Analysed per call with the actual arguments' taint; recursion and
  // depth are bounded.
  Value call_local_function(TSNode function, const std::vector<Value>& args) {
    Value result;
    if (depth_ >= 3) {
      for (const auto& argument : args) result.taint |= argument.any();
      return result;
    }
    Environment env;
    size_t i = 0;
    for (TSNode parameter : named_children(field(function, "parameters"))) {
      TSNode name = is(parameter, "identifier") ? parameter : field(parameter, "name");
      if (ts_node_is_null(name)) continue;
      std::string parameter_name(tree_.text(name));
      if (parameter_name == "self") continue;
      env[parameter_name] = i < args.size() ? args[i] : Value{};
      ++i;
    }
    Taint saved_returned = returned_;
    returned_ = Taint{};
    ++depth_;
    auto saved_flows = flows_.size();
    analyse_block(field(function, "body"), env);
    flows_.resize(saved_flows);  // sinks inside the helper are reported by its own analysis
    --depth_;
    result.taint = returned_;
    returned_ = saved_returned;
    return result;
  }

  void report(TSNode sink, const Taint& taint, std::string sink_name) {
    if (depth_ > 0) return;
    uint32_t key = ts_node_start_byte(sink);
    if (!reported_.insert(key).second) return;
    flows_.push_back(TaintFlow{sink, taint.source, std::move(sink_name)});
  }

  void check_call_sinks(const CallView& call, const std::string& name, const std::vector<Value>& positional,
                        const std::vector<Value>& keywords) {
    for (const auto& sink : spec_.sinks) {
      if (sink.call.callees.empty() || !sink.call.matches(sem_, call)) continue;
      Taint reaching;
      for (size_t i = 0; i < positional.size(); ++i) {
        bool wanted = sink.arguments.empty() ? sink.keywords.empty() : std::find(sink.arguments.begin(), sink.arguments.end(), i) != sink.arguments.end();
        if (wanted) reaching |= positional[i].any();
      }
      for (size_t i = 0; i < keywords.size(); ++i) {
        bool wanted = std::find(sink.keywords.begin(), sink.keywords.end(), call.keywords[i].first) != sink.keywords.end();
        if (wanted) reaching |= keywords[i].any();
      }
      if (reaching.tainted) report(call.node, reaching, name);
    }
  }

  void check_assign_sinks(TSNode target, TSNode object, const Value& value) {
    std::string name = sem_.qualified_name(object);
    for (const auto& sink : spec_.sinks) {
      if (any_matches(sink.assign, name) && value.any().tainted) report(target, value.any(), name);
    }
  }

  void check_return_sinks(TSNode node, const Value& value) {
    Taint taint = value.any();
    if (!taint.tainted || ts_node_is_null(current_function_) || depth_ > 0) return;
    for (const auto& sink : spec_.sinks) {
      if (!sink.returned || !has_decorator(current_function_, sink.decorators)) continue;
      // A handler that returns another handler's response: the flow is reported in that handler.
      TSNode origin = enclosing_function(taint.source);
      if (!ts_node_is_null(origin) && !ts_node_eq(origin, current_function_) &&
          has_decorator(origin, sink.decorators)) {
        continue;
      }
      report(node, taint, "return");
    }
  }

  TSNode enclosing_function(TSNode node) const {
    for (TSNode at = node; !ts_node_is_null(at); at = ts_node_parent(at)) {
      if (is(at, "function_definition")) return at;
    }
    return TSNode{};
  }

  const Semantics& sem_;
  const SyntaxTree& tree_;
  const TaintSpec& spec_;
  std::map<std::string, TSNode, std::less<>> functions_;
  std::vector<TaintFlow> flows_;
  std::set<uint32_t> reported_;
  Taint returned_;
  TSNode current_function_{};
  int depth_ = 0;
};

core::Result<std::vector<std::string>> expand_sets(const TomlReader& reader, std::string_view key,
                                                   const TaintSpec::Sets& sets) {
  auto names = reader.strings(key);
  if (!names) return names.error();
  std::vector<std::string> expanded;
  for (const auto& name : *names) {
    if (!name.starts_with("@")) {
      expanded.push_back(name);
      continue;
    }
    auto it = sets.find(std::string_view(name).substr(1));
    if (it == sets.end()) return reader.error(key, "refers to the set " + name + ", which no rule file defines");
    expanded.insert(expanded.end(), it->second.begin(), it->second.end());
  }
  return expanded;
}

}  // namespace

core::Result<TaintSpec> TaintSpec::parse(const TomlReader& reader, const Sets& sets) {
  if (auto status = reader.only_keys({"sources", "sanitizers", "sink", "parameter-decorators", "guards"}); !status) {
    return status.error();
  }
  TaintSpec spec;
  auto sources = expand_sets(reader, "sources", sets);
  if (!sources) return sources.error();
  if (sources->empty()) return reader.error("sources", "is required: name where untrusted data comes from");
  spec.sources = std::move(*sources);
  auto sanitizers = expand_sets(reader, "sanitizers", sets);
  if (!sanitizers) return sanitizers.error();
  spec.sanitizers = std::move(*sanitizers);
  auto decorators = expand_sets(reader, "parameter-decorators", sets);
  if (!decorators) return decorators.error();
  spec.parameter_decorators = std::move(*decorators);
  auto guards = reader.strings("guards");
  if (!guards) return guards.error();
  spec.guards = std::move(*guards);
  auto sinks = reader.tables("sink");
  if (!sinks) return sinks.error();
  if (sinks->empty()) return reader.error("sink", "is required: add at least one [[taint.sink]]");
  for (const auto& table : *sinks) {
    if (auto status = table.only_keys({"call", "argument", "arguments", "keywords", "assign", "return", "from"});
        !status) {
      return status.error();
    }
    TaintSink sink;
    if (table.has("call")) {
      auto call = CallPattern::parse(table, /*strict=*/false);
      if (!call) return call.error();
      sink.call = std::move(*call);
    }
    auto arguments = table.integers("arguments");
    if (!arguments) return arguments.error();
    for (int64_t index : *arguments) {
      if (index < 0) return table.error("arguments", "must hold indexes of 0 or more");
      sink.arguments.push_back(static_cast<size_t>(index));
    }
    auto keywords = table.strings("keywords");
    if (!keywords) return keywords.error();
    sink.keywords = std::move(*keywords);
    auto assign = expand_sets(table, "assign", sets);
    if (!assign) return assign.error();
    sink.assign = std::move(*assign);
    auto returned = table.optional_boolean("return");
    if (!returned) return returned.error();
    sink.returned = returned->value_or(false);
    auto from = expand_sets(table, "from", sets);
    if (!from) return from.error();
    sink.decorators = std::move(*from);
    if (sink.call.callees.empty() && sink.assign.empty() && !sink.returned) {
      return table.error("call", "is required (or `assign`, or `return = true`): say what the sink is");
    }
    if (sink.returned && sink.decorators.empty()) {
      return table.error("from", "is required with `return = true`: name the decorators of request handlers");
    }
    spec.sinks.push_back(std::move(sink));
  }
  return spec;
}

std::vector<TaintFlow> find_taint_flows(const Semantics& semantics, const TaintSpec& spec) {
  if (semantics.tree().language() != Language::kPython) return {};
  return Analysis(semantics, spec).run();
}

}  // namespace ward::scan
