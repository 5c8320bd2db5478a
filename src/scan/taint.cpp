#include "scan/taint.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <functional>
#include <set>
#include <variant>

namespace ward::scan {
namespace {

// The taint rules of a file are analysed in one pass. Rules that agree on where untrusted data
// comes from and what makes it safe share a lane; a value's taint is kept per lane, so that a
// sanitiser of one rule leaves the data untrusted for the others.
constexpr size_t kMaxLanes = 16;
using Lanes = uint16_t;

constexpr Lanes lane_bit(size_t lane) {
  return static_cast<Lanes>(1U << lane);
}

// Per lane, whether a value may hold untrusted data, and the source it came from (for the trace,
// as an index into the analysis' table of source nodes).
struct Taint {
  Lanes lanes = 0;
  std::array<uint32_t, kMaxLanes> sources{};

  bool tainted() const { return lanes != 0; }
  bool has(size_t lane) const { return (lanes & lane_bit(lane)) != 0; }
  // The first source to reach a lane stays its source.
  Taint& operator|=(const Taint& other) {
    for (Lanes added = other.lanes & ~lanes; added != 0; added &= added - 1) {
      size_t lane = static_cast<size_t>(std::countr_zero(added));
      sources[lane] = other.sources[lane];
    }
    lanes |= other.lanes;
    return *this;
  }
  Taint only(Lanes kept) const {
    Taint kept_taint = *this;
    kept_taint.lanes &= kept;
    return kept_taint;
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
  bool pointer = false;                 // a C pointer or array: arithmetic on it is not on numbers
  // C heap state, for memory checks: where it was allocated, freed or set to NULL.
  enum class Heap { kUnknown, kNull, kUnchecked, kAllocated, kFreed };
  Heap heap = Heap::kUnknown;
  TSNode heap_site{};
  // C buffers, for the buffer checks: the block's size in bytes and where it was made, this
  // pointer's byte offset into it, the size of one element, the string length it holds (or the
  // elements memset filled, before a terminator is written), and a counted loop index's range.
  std::optional<long long> block_size;
  TSNode block_site{};
  long long offset = 0;
  long long element = 1;
  std::optional<long long> length;
  std::optional<long long> filled;
  std::optional<std::pair<long long, long long>> range;

  bool tainted() const { return taint.tainted(); }
  // No untrusted data of `lanes` left in the value or its items.
  void clear(Lanes lanes) {
    Lanes kept = static_cast<Lanes>(~lanes);
    taint.lanes &= kept;
    for (auto& [key, item] : keys) item.lanes &= kept;
    for (auto& item : items) item.lanes &= kept;
  }
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
  merged.pointer = a.pointer || b.pointer;
  // Memory findings need the state on every path: a state that differs between branches is unknown.
  if (a.heap == b.heap) {
    merged.heap = a.heap;
    merged.heap_site = a.heap_site;
  }
  if (a.block_size == b.block_size && a.offset == b.offset && a.element == b.element) {
    merged.block_size = a.block_size;
    merged.block_site = a.block_site;
    merged.offset = a.offset;
    merged.element = a.element;
    if (a.length == b.length) merged.length = a.length;
  }
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

std::string_view pattern_of(const std::string& name) {
  return name;
}
std::string_view pattern_of(const OutSource& out) {
  return out.call;
}

// The lists of names (sources, sanitizers …) of an analysis' lanes: lanes with the same list
// share it, so that a name is tested against each list once.
template <typename Item>
class LaneLists {
 public:
  void add(const std::vector<Item>& list, size_t lane) {
    if (list.empty()) return;
    for (auto& [known, lanes] : lists_) {
      if (*known == list) {
        lanes |= lane_bit(lane);
        return;
      }
    }
    lists_.emplace_back(&list, lane_bit(lane));
  }

  // The lanes with an item in their list that passes `test`.
  template <typename Test>
  Lanes where(Test test) const {
    Lanes found = 0;
    for (const auto& [list, lanes] : lists_) {
      if (std::any_of(list->begin(), list->end(), test)) found |= lanes;
    }
    return found;
  }

  // The lanes whose list has a pattern that `name` matches.
  Lanes matching(std::string_view name) const {
    if (name.empty()) return 0;
    return where([&](const Item& item) { return name_matches(pattern_of(item), name); });
  }

  const std::vector<std::pair<const std::vector<Item>*, Lanes>>& lists() const { return lists_; }

 private:
  std::vector<std::pair<const std::vector<Item>*, Lanes>> lists_;
};

TSNode first_field(TSNode node, std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) {
    TSNode found = field(node, name);
    if (!ts_node_is_null(found)) return found;
  }
  return TSNode{};
}

// Node kinds of the grammars, so that one analysis serves every language.
bool is_block(TSNode node) {
  static const NodeTypes kTypes({"block", "statement_block", "compound_statement", "module",
                                 "program", "translation_unit", "source_file", "class_body",
                                 "declaration_list", "constructor_body", "switch_body",
                                 "switch_block", "case_statement", "switch_block_statement_group",
                                 "expression_case", "default_case"});
  return kTypes.contains(node);
}
bool is_exit(TSNode node) {
  static const NodeTypes kTypes({"return_statement", "raise_statement", "throw_statement",
                                 "break_statement", "continue_statement", "goto_statement"});
  return kTypes.contains(node);
}
bool is_loop(TSNode node) {
  static const NodeTypes kTypes({"for_statement", "while_statement", "do_statement",
                                 "for_in_statement", "enhanced_for_statement", "for_range_loop"});
  return kTypes.contains(node);
}
bool is_declaration(TSNode node) {
  static const NodeTypes kTypes({"lexical_declaration", "variable_declaration",
                                 "local_variable_declaration", "declaration", "var_declaration",
                                 "const_declaration", "field_declaration"});
  return kTypes.contains(node);
}
bool is_declarator(TSNode node) {
  static const NodeTypes kTypes(
      {"variable_declarator", "init_declarator", "var_spec", "const_spec"});
  return kTypes.contains(node);
}
bool is_member(TSNode node) {
  static const NodeTypes kTypes({"attribute", "member_expression", "field_expression",
                                 "selector_expression", "field_access"});
  return kTypes.contains(node);
}
bool is_subscript(TSNode node) {
  static const NodeTypes kTypes(
      {"subscript", "subscript_expression", "array_access", "index_expression"});
  return kTypes.contains(node);
}
// The expression inside `(…)`, however many pairs of parentheses wrap it.
TSNode without_parentheses(TSNode node) {
  while (is(node, "parenthesized_expression") && named_child_count(node) == 1) {
    node = named_child_at(node, 0);
  }
  return node;
}

// The index of `a[i]`: Python's subscript, C's index, C++'s one-element indices list.
TSNode subscript_index(TSNode node) {
  TSNode index = first_field(node, {"subscript", "index"});
  if (!ts_node_is_null(index)) return index;
  TSNode indices = field(node, "indices");
  return named_child_count(indices) == 1 ? named_child_at(indices, 0) : TSNode{};
}

bool is_integer(TSNode node) {
  static const NodeTypes kTypes(
      {"integer", "number", "number_literal", "decimal_integer_literal", "int_literal"});
  return kTypes.contains(node);
}
bool is_assignment(TSNode node) {
  static const NodeTypes kTypes({"assignment", "augmented_assignment", "assignment_expression",
                                 "augmented_assignment_expression", "assignment_statement",
                                 "short_var_declaration"});
  return kTypes.contains(node);
}

// The identifier a declarator, parameter or pattern names (C's `char *buf[10]` names buf).
TSNode declared_name(TSNode node) {
  for (int depth = 0; depth < 8 && !ts_node_is_null(node); ++depth) {
    if (is(node, "identifier")) return node;
    TSNode next = first_field(node, {"name", "declarator", "pattern", "left"});
    if (ts_node_is_null(next)) {
      if (named_child_count(node) == 0) return TSNode{};
      next = named_child_at(node, 0);  // Python's typed_parameter
    }
    node = next;
  }
  return TSNode{};
}

// C's function_definition names itself inside its declarator.
TSNode function_declarator(TSNode function) {
  TSNode node = field(function, "declarator");
  for (int depth = 0; depth < 8 && !ts_node_is_null(node) && !is(node, "function_declarator"); ++depth) {
    node = field(node, "declarator");
  }
  return node;
}
TSNode function_name(TSNode function) {
  TSNode name = field(function, "name");
  return ts_node_is_null(name) ? declared_name(field(function_declarator(function), "declarator")) : name;
}
TSNode function_parameters(TSNode function) {
  TSNode parameters = field(function, "parameters");
  return ts_node_is_null(parameters) ? field(function_declarator(function), "parameters") : parameters;
}

// The variable an argument writes to: `data`, `&data`, `data + len`, `(char *)(data + n)`, `buf[i]`.
TSNode written_variable(TSNode node) {
  for (int depth = 0; depth < 8 && !ts_node_is_null(node); ++depth) {
    if (is(node, "identifier") || is_member(node)) return node;
    if (is(node, "binary_expression")) {
      node = field(node, "left");
    } else if (is_subscript(node)) {
      node = first_field(node, {"argument", "object", "array", "operand", "value"});
    } else {
      node = first_field(node, {"value", "argument"});
      if (ts_node_is_null(node)) return TSNode{};
      if (is(node, "parenthesized_expression") && named_child_count(node) == 1) {
        node = named_child_at(node, 0);
      }
    }
    if (!ts_node_is_null(node) && is(node, "parenthesized_expression") && named_child_count(node) == 1) {
      node = named_child_at(node, 0);
    }
  }
  return TSNode{};
}

// The operator of a binary, comparison or assignment node; Python's two-word operators read
// "not in" and "is not" however they are spaced.
std::string operator_text(const SyntaxTree& tree, TSNode node) {
  TSNode op = field(node, "operator");
  if (!ts_node_is_null(op)) return std::string(tree.text(op));
  std::string text;  // Python's comparison_operator keeps its operators as unnamed children
  for (uint32_t i = 0; i < child_count(node); ++i) {
    TSNode child = child_at(node, i);
    if (is_named(child)) continue;
    for (char c : tree.text(child)) {
      bool space = std::isspace(static_cast<unsigned char>(c)) != 0;
      if (!space)
        text += c;
      else if (!text.empty() && text.back() != ' ')
        text += ' ';
    }
  }
  return text;
}

bool is_relational(std::string_view op) { return op == "<" || op == "<=" || op == ">" || op == ">="; }
bool is_comparison(std::string_view op) {
  return is_relational(op) || op == "==" || op == "!=" || op == "===" || op == "!==" ||
         op == "&&" || op == "||" || op == "in" || op == "not in" || op == "is" || op == "is not" ||
         op == "instanceof";
}

// The size in bytes of a C scalar type as written in a declaration or cast (LP64); nullopt for
// structures and anything unknown.
std::optional<long long> type_size(std::string_view type) {
  if (type.find('*') != std::string_view::npos) return 8;
  for (std::string_view word : {"const ", "volatile ", "unsigned ", "signed ", "struct ", "static "}) {
    while (type.starts_with(word)) type.remove_prefix(word.size());
  }
  while (!type.empty() && std::isspace(static_cast<unsigned char>(type.back()))) type.remove_suffix(1);
  static const std::map<std::string_view, long long> kSizes = {
      {"char", 1},     {"int8_t", 1},   {"uint8_t", 1},   {"bool", 1},         {"short", 2},
      {"int16_t", 2},  {"uint16_t", 2}, {"int", 4},       {"unsigned", 4},     {"int32_t", 4},
      {"uint32_t", 4}, {"wchar_t", 4},  {"float", 4},     {"long", 8},         {"long long", 8},
      {"int64_t", 8},  {"uint64_t", 8}, {"double", 8},    {"size_t", 8},       {"ssize_t", 8},
      {"intptr_t", 8}, {"long int", 8}, {"short int", 2}, {"long long int", 8}};
  auto it = kSizes.find(type);
  if (it == kSizes.end()) return std::nullopt;
  return it->second;
}

using Check = MemorySpec::Check;

bool follows_buffers(Check check) {
  return check == Check::kBufferOverflow || check == Check::kBufferUnderwrite ||
         check == Check::kBufferOverread || check == Check::kBufferUnderread;
}

// Taint specs with the same sources, sanitizers, propagators, checks and guards follow the same
// state (they differ in their sinks only): they share a lane.
bool same_state(const TaintSpec& a, const TaintSpec& b) {
  return a.sources == b.sources && a.out_sources == b.out_sources &&
         a.propagators == b.propagators && a.range_checks == b.range_checks &&
         a.sanitizers == b.sanitizers && a.parameter_decorators == b.parameter_decorators &&
         a.guards == b.guards && a.validators == b.validators;
}

// The analysis of one file against taint specs of up to kMaxLanes lanes, or against memory
// checks that memory_passes() puts together. A sink or a check only decides what is reported, so
// these share one pass over the file and get one list of flows each.
class Analysis {
 public:
  Analysis(const Semantics& semantics, std::vector<const TaintSpec*> taint_specs,
           std::vector<const MemorySpec*> memory_checks = {})
      : sem_(semantics),
        tree_(semantics.tree()),
        taint_specs_(std::move(taint_specs)),
        memory_(memory_checks.empty() ? nullptr : memory_checks.front()),
        memory_checks_(std::move(memory_checks)),
        flows_(std::max(taint_specs_.size(), memory_checks_.size())) {
    assign_lanes();
    for (const MemorySpec* check : memory_checks_) {
      if (follows_buffers(check->check)) {
        checks_buffers_ = true;
        block_allocators_ = &check->allocators;
      } else {
        heap_allocators_ = &check->allocators;
      }
    }
    for (TSNode function : sem_.functions()) {
      TSNode name = function_name(function);
      if (!ts_node_is_null(name)) functions_[std::string(tree_.text(name))] = function;
    }
  }

  // One list of flows per taint spec or memory check, in their order.
  std::vector<std::vector<TaintFlow>> run() {
    Environment module;
    analyse_block(tree_.root(), module);
    for (TSNode function : sem_.functions()) {
      if (is_block(field(function, "body"))) analyse_function(function);
    }
    return std::move(flows_);
  }

 private:
  bool is_function(TSNode node) const { return sem_.is_function(node); }

  void assign_lanes() {
    std::vector<const TaintSpec*> lane_specs;
    for (const TaintSpec* spec : taint_specs_) {
      auto same = std::find_if(lane_specs.begin(), lane_specs.end(),
                               [&](const TaintSpec* other) { return same_state(*other, *spec); });
      size_t lane = static_cast<size_t>(same - lane_specs.begin());
      lane_of_.push_back(lane);
      if (same != lane_specs.end()) continue;
      lane_specs.push_back(spec);
      lanes_ |= lane_bit(lane);
      using RangeCheck = TaintSpec::RangeCheck;
      if (spec->range_checks == RangeCheck::kUpper || spec->range_checks == RangeCheck::kAny) {
        upper_checked_lanes_ |= lane_bit(lane);
      }
      if (spec->range_checks == RangeCheck::kLower || spec->range_checks == RangeCheck::kAny) {
        lower_checked_lanes_ |= lane_bit(lane);
      }
      sources_.add(spec->sources, lane);
      out_sources_.add(spec->out_sources, lane);
      propagators_.add(spec->propagators, lane);
      sanitizers_.add(spec->sanitizers, lane);
      parameter_decorators_.add(spec->parameter_decorators, lane);
      guards_.add(spec->guards, lane);
      validators_.add(spec->validators, lane);
    }
    for (const TaintSpec* spec : taint_specs_) {
      watches_indexes_ =
          watches_indexes_ || std::any_of(spec->sinks.begin(), spec->sinks.end(),
                                          [](const TaintSink& sink) { return sink.index; });
    }
  }

  // Untrusted data of `lanes` that enters at `source`.
  Taint entering(TSNode source, Lanes lanes) {
    Taint taint;
    if (lanes == 0) return taint;
    if (source_nodes_.empty() || !ts_node_eq(source_nodes_.back(), source))
      source_nodes_.push_back(source);
    taint.lanes = lanes;
    taint.sources.fill(static_cast<uint32_t>(source_nodes_.size() - 1));
    return taint;
  }

  TSNode source_of(const Taint& taint, size_t lane) const {
    return source_nodes_[taint.sources[lane]];
  }

  // `value` for every lane but `sourced`, for which it is data from the source `node`.
  Value with_source(Value value, TSNode node, Lanes sourced) {
    if (sourced == 0) return value;
    value.clear(sourced);
    value.taint |= entering(node, sourced);
    return value;
  }

  // Loops are analysed twice and helpers per call, which multiplies on deeply nested code: past
  // this many steps a file's analysis stops with what it found (generated and template-heavy
  // code; ordinary files need a few thousand).
  static constexpr uint64_t kMaxSteps = 250'000;
  bool over_budget() { return ++steps_ > kMaxSteps; }

  std::vector<std::string> decorators_of(TSNode function) const {
    std::vector<std::string> names;
    TSNode parent = parent_of(function);
    if (!is(parent, "decorated_definition")) return names;
    for (TSNode child : tree_.children(parent)) {
      if (!is(child, "decorator")) continue;
      for (TSNode expression : tree_.children(child)) {
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

  // The lanes for which the parameters of `function` are untrusted (a request handler's).
  Lanes untrusted_parameters(TSNode function) const {
    if (parameter_decorators_.lists().empty()) return 0;
    Lanes lanes = 0;
    for (const auto& name : decorators_of(function)) lanes |= parameter_decorators_.matching(name);
    return lanes;
  }

  void bind_parameters(TSNode function, Environment& env, const std::vector<Value>* args,
                       Lanes untrusted) {
    size_t i = 0;
    for (TSNode parameter : tree_.children(function_parameters(function))) {
      note_unsigned(parameter);
      TSNode name = declared_name(parameter);
      if (ts_node_is_null(name)) continue;
      std::string parameter_name(tree_.text(name));
      if (args != nullptr && (parameter_name == "self" || parameter_name == "cls")) continue;
      Value value;
      if (args != nullptr && i < args->size()) value = (*args)[i];
      if (untrusted != 0) value.taint = entering(parameter, untrusted);
      env[parameter_name] = value;
      ++i;
    }
  }

  void analyse_function(TSNode function) {
    Environment env;
    unsigned_.clear();
    validated_.clear();
    bind_parameters(function, env, nullptr, untrusted_parameters(function));
    current_function_ = function;
    analyse_block(field(function, "body"), env);
    if (auto leaks = reporting(Check::kLeak)) report_leaks(function, env, *leaks);
    current_function_ = TSNode{};
  }

  // Memory this function allocated, still held by a local variable when the function ends
  // without being freed, returned or stored anywhere else.
  void report_leaks(TSNode function, const Environment& env, size_t into) {
    for (const auto& [name, value] : env) {
      bool held = value.heap == Value::Heap::kUnchecked || value.heap == Value::Heap::kAllocated;
      if (!held || ts_node_is_null(value.heap_site) || escaped_.count(name) != 0) continue;
      if (enclosing_function(value.heap_site).id != function.id) continue;
      report(value.heap_site, value.heap_site, name, "allocated here and never freed", into);
    }
  }

  // Statements in order; statements after a return, throw or break never run and are skipped.
  void analyse_block(TSNode block, Environment& env) {
    for (TSNode statement : tree_.children(block)) {
      analyse_statement(statement, env);
      if (is_exit(statement)) break;
    }
  }

  // A single statement or a block, where the grammar allows either (C's `if (x) y;`).
  void analyse_body(TSNode body, Environment& env) {
    if (is_block(body)) {
      analyse_block(body, env);
    } else {
      analyse_statement(body, env);
    }
  }

  void analyse_statement(TSNode node, Environment& env) {
    if (ts_node_is_null(node) || over_budget()) return;
    std::string_view type = node_type(node);
    if (is_function(node) || sem_.is_comment(node) ||
        one_of(type, {"decorated_definition", "import_statement", "import_from_statement", "preproc_include",
                      "preproc_def", "preproc_function_def", "import_declaration", "package_clause"})) {
      return;  // functions are analysed on their own
    }
    if (is_block(node)) {
      analyse_block(node, env);
    } else if (type == "expression_statement") {
      for (TSNode child : tree_.children(node)) evaluate(child, env);
    } else if (is_assignment(node)) {
      evaluate(node, env);  // Go's `x := v` and `x = v` are statements of their own
    } else if (is_declaration(node)) {
      analyse_declaration(node, env);
    } else if (type == "if_statement") {
      analyse_if(node, env);
    } else if (is_loop(node)) {
      analyse_loop_statement(node, env);
    } else if (type == "return_statement") {
      Value value;
      for (TSNode child : tree_.children(node)) {
        Value returned = evaluate(child, env);
        if (!ts_node_is_null(returned.heap_site)) note_escape(returned, env);
        value = merge(value, returned);
      }
      returned_ |= value.any();
      check_return_sinks(node, value);
    } else if (type == "with_statement") {
      walk(node, [&](TSNode item) {
        if (!is(item, "as_pattern")) return !is(item, "block");
        TSNode target = field(item, "alias");
        Value value = evaluate(named_child_at(item, 0), env);
        if (!ts_node_is_null(target)) assign(named_child_at(target, 0), value, env);
        return false;
      });
      analyse_block(field(node, "body"), env);
    } else if (type == "match_statement" || type == "switch_statement" || type == "expression_switch_statement") {
      analyse_cases(node, env);
    } else if (type == "class_definition" || type == "class_declaration") {
      analyse_block(field(node, "body"), env);
    } else {
      // try/except/finally, labelled statements, C's preprocessor blocks: their parts in order.
      for (TSNode child : tree_.children(node)) {
        if (is_block(child) || type.ends_with("clause") || child_is_statement(child)) {
          analyse_body(child, env);
        } else {
          evaluate(child, env);
        }
      }
    }
  }

  static bool child_is_statement(TSNode node) {
    std::string_view type = node_type(node);
    return type.ends_with("_statement") || type.ends_with("_clause") || type.ends_with("declaration") ||
           type.starts_with("preproc_");
  }

  void analyse_declaration(TSNode node, Environment& env) {
    note_unsigned(node);
    bool any = false;
    for (TSNode child : tree_.children(node)) {
      if (!is_declarator(child)) continue;
      any = true;
      TSNode value = first_field(child, {"value"});
      Value result = evaluate(value, env);
      TSNode declarator = first_field(child, {"name", "declarator"});
      TSNode name = declared_name(declarator);
      if (is(declarator, "pointer_declarator") || is(declarator, "array_declarator")) result.pointer = true;
      if (is(declarator, "array_declarator")) declare_array(node, declarator, child, result, env);
      if (!ts_node_is_null(name)) env[std::string(tree_.text(name))] = result;
    }
    if (!any) {
      // C's `char buf[100];` has no init_declarator: the name is declared all the same.
      for (TSNode child : tree_.children(node)) {
        if (is(child, "pointer_declarator") || is(child, "array_declarator")) {
          TSNode name = declared_name(child);
          if (ts_node_is_null(name)) continue;
          Value& declared = env[std::string(tree_.text(name))];
          declared = Value{};
          declared.pointer = true;
          if (is(child, "array_declarator")) declare_array(node, child, child, declared, env);
        } else {
          evaluate(child, env);
        }
      }
    }
  }

  // The names a C declaration gives an unsigned integer type (unsigned …, size_t, uintN_t).
  void note_unsigned(TSNode declaration) {
    if (!watches_indexes_) return;
    std::string_view type = tree_.text(field(declaration, "type"));
    bool is_unsigned = type.find("unsigned") != std::string_view::npos || type == "size_t" ||
                       (type.starts_with("uint") && type.ends_with("_t"));
    if (!is_unsigned) return;
    for (TSNode child : tree_.children(declaration)) {
      TSNode name = declared_name(child);
      if (is(name, "identifier")) unsigned_.insert(std::string(tree_.text(name)));
    }
  }

  // `T name[N]`, `T name[] = "…"`: a block of N * sizeof(T) bytes.
  void declare_array(TSNode declaration, TSNode declarator, TSNode site, Value& value, Environment& env) {
    if (memory_ == nullptr) return;
    std::optional<long long> element = type_size(tree_.text(field(declaration, "type")));
    if (!element) return;
    value.element = *element;
    value.block_site = site;
    TSNode size = field(declarator, "size");
    if (!ts_node_is_null(size)) {
      Value count = evaluate(size, env);
      if (auto* elements = std::get_if<long long>(&count.constant)) value.block_size = *elements * *element;
    } else if (value.length) {
      value.block_size = (*value.length + 1) * *element;
    }
  }

  void analyse_cases(TSNode node, Environment& env) {
    Value subject = evaluate(first_field(node, {"subject", "condition", "value"}), env);
    if (auto taken = known_case(node, subject)) {
      if (!ts_node_is_null(*taken)) analyse_body(field(*taken, "consequence"), env);
      return;
    }
    Environment before = env;
    Environment after = env;
    walk(node, [&](TSNode clause) {
      if (!one_of(node_type(clause), {"case_clause", "case_statement", "switch_block_statement_group",
                                      "expression_case", "default_case", "switch_case", "switch_default"})) {
        return !is_function(clause);
      }
      Environment branch = before;
      TSNode consequence = field(clause, "consequence");
      if (!ts_node_is_null(consequence)) {
        analyse_body(consequence, branch);
      } else {
        analyse_block(clause, branch);
      }
      after = merge(after, branch);
      return false;
    });
    env = after;
  }

  // Python's `match` on a known constant: the one case that takes it (the first whose literals
  // include it, else `case _`), a null node when none does, or nullopt when that cannot be known
  // (a guard, a capture or class pattern, a subject of unknown value).
  std::optional<TSNode> known_case(TSNode node, const Value& subject) const {
    if (!is(node, "match_statement") || std::holds_alternative<std::monostate>(subject.constant)) {
      return std::nullopt;
    }
    for (TSNode clause : tree_.children(field(node, "body"))) {
      if (!is(clause, "case_clause")) continue;
      if (!ts_node_is_null(field(clause, "guard"))) return std::nullopt;
      for (TSNode pattern : tree_.children(clause)) {
        if (!is(pattern, "case_pattern")) continue;
        if (tree_.text(pattern) == "_") return clause;
        std::optional<bool> matches = pattern_matches(pattern, subject.constant);
        if (!matches) return std::nullopt;
        if (*matches) return clause;
      }
    }
    return TSNode{};
  }

  // Whether a case pattern made of literals (`'A'`, `'C' | 'D'`, `3`) matches a constant; nullopt
  // for any other pattern.
  std::optional<bool> pattern_matches(TSNode pattern, const Constant& constant) const {
    bool literals_only = true;
    bool found = false;
    walk(pattern, [&](TSNode part) {
      if (is(part, "case_pattern") || is(part, "union_pattern")) return true;
      if (sem_.is_string_literal(part)) {
        auto* text = std::get_if<std::string>(&constant);
        found = found || (text != nullptr && *text == sem_.string_value(part));
      } else if (is_integer(part) &&
                 tree_.text(part).find_first_not_of("0123456789") == std::string_view::npos) {
        // Plain decimals only: 0x10 and 1_000 are the same numbers written otherwise.
        auto* number = std::get_if<long long>(&constant);
        found = found || (number != nullptr && std::to_string(*number) == tree_.text(part));
      } else {
        literals_only = false;
      }
      return false;
    });
    if (!literals_only) return std::nullopt;
    return found;
  }

  void analyse_loop_statement(TSNode node, Environment& env) {
    TSNode body = field(node, "body");
    // for x in items / for (x of items) / for (T x : items) / for k, v := range items
    TSNode target = first_field(node, {"left", "name"});
    TSNode items = first_field(node, {"right", "value"});
    for (TSNode child : tree_.children(node)) {
      if (is(child, "range_clause")) {
        target = field(child, "left");
        items = field(child, "right");
      }
    }
    if (!ts_node_is_null(items) && !ts_node_is_null(target)) {
      Value item;
      item.taint = evaluate(items, env).any();
      assign(target, item, env);
    }
    for (TSNode part : {first_field(node, {"initializer", "init"}), first_field(node, {"condition"})}) {
      if (ts_node_is_null(part)) continue;
      if (is_declaration(part)) {
        analyse_declaration(part, env);
      } else {
        Value condition = evaluate(part, env);
        if (is(node, "while_statement") && truth(condition.constant) == false) return;
      }
    }
    std::string counter = counted_loop(node, env);
    analyse_loop(body, env, first_field(node, {"update", "increment"}));
    if (!counter.empty()) env[counter] = Value{};
    analyse_block(field(node, "alternative"), env);
  }

  // for (i = A; i < B; i++): inside the body i ranges over [A, B - 1] (or [A, B] with <=).
  // Returns the counter's name, whose value is unknown after the loop; empty when not such a loop.
  std::string counted_loop(TSNode loop, Environment& env) {
    TSNode condition = field(loop, "condition");
    if (!is(loop, "for_statement") || !is(condition, "binary_expression")) return {};
    TSNode counter = field(condition, "left");
    std::string op = operator_text(tree_, condition);
    if (!is(counter, "identifier") || (op != "<" && op != "<=")) return {};
    auto it = env.find(tree_.text(counter));
    if (it == env.end()) return {};
    auto* low = std::get_if<long long>(&it->second.constant);
    Value bound = evaluate(field(condition, "right"), env);
    auto* high = std::get_if<long long>(&bound.constant);
    if (!low || !high) return {};
    Value index;
    index.range = std::pair{*low, op == "<" ? *high - 1 : *high};
    if (index.range->second < index.range->first) return {};
    it->second = index;
    return std::string(tree_.text(counter));
  }

  void analyse_loop(TSNode body, Environment& env, TSNode update = TSNode{}) {
    // Twice, so that a value assigned late in the body reaches a use early in the next iteration.
    Environment first = env;
    analyse_body(body, first);
    if (!ts_node_is_null(update)) evaluate(update, first);
    Environment second = first;
    analyse_body(body, second);
    env = merge(env, second);
  }

  void analyse_if(TSNode node, Environment& env) {
    TSNode condition_node = field(node, "condition");
    if (TSNode initializer = field(node, "initializer"); !ts_node_is_null(initializer)) {
      analyse_statement(initializer, env);  // Go: if v, err := f(); err != nil
    }
    Value condition = evaluate(condition_node, env);
    mark_tested(condition_node, env);
    std::optional<bool> known = truth(condition.constant);
    TSNode consequence = field(node, "consequence");
    if (known == true) {
      analyse_branch(consequence, condition_node, env);
      return;
    }
    Environment result;
    bool have_result = false;
    if (known != false) {
      result = env;
      analyse_branch(consequence, condition_node, result);
      have_result = true;
    }
    bool has_else = false;
    Environment rest = env;
    for (TSNode clause : tree_.children(node)) {
      if (is(clause, "elif_clause")) {
        Value elif_condition = evaluate(field(clause, "condition"), rest);
        std::optional<bool> elif_known = truth(elif_condition.constant);
        if (elif_known == false) continue;
        Environment branch = rest;
        analyse_branch(field(clause, "consequence"), field(clause, "condition"), branch);
        result = have_result ? merge(result, branch) : branch;
        have_result = true;
        if (elif_known == true) {
          has_else = true;
          break;
        }
      }
    }
    TSNode alternative = field(node, "alternative");
    if (!ts_node_is_null(alternative) && !is(alternative, "elif_clause")) {
      // Python's else_clause has a body; C's and JavaScript's hold the statement; Java and Go
      // give the statement itself.
      for (TSNode clause : tree_.children(node)) {
        if (!is(clause, "else_clause")) continue;
        alternative = clause;
      }
      TSNode body = is(alternative, "else_clause")
                        ? (ts_node_is_null(field(alternative, "body")) ? named_child_at(alternative, 0)
                                                                        : field(alternative, "body"))
                        : alternative;
      Environment branch = rest;
      analyse_body(body, branch);
      result = have_result ? merge(result, branch) : branch;
      have_result = true;
      has_else = true;
    }
    if (!has_else) result = have_result ? merge(result, env) : env;
    env = result;
    if (!has_else && exits(consequence)) apply_guard(condition_node, env);
  }

  // `if (p == NULL)`, `if (!p)`, `if (p)`: a pointer a condition tests has been checked.
  void mark_tested(TSNode condition, Environment& env) {
    if (memory_ == nullptr) return;
    walk(condition, [&](TSNode node) {
      if (!is(node, "identifier")) return true;
      auto it = env.find(tree_.text(node));
      if (it == env.end()) return true;
      if (it->second.heap == Value::Heap::kUnchecked) it->second.heap = Value::Heap::kAllocated;
      if (it->second.heap == Value::Heap::kNull) it->second.heap = Value::Heap::kUnknown;
      return true;
    });
  }

  // The branch an `if` takes when its condition holds; range-checked variables are safe inside
  // for the lanes that take range checks, and get their taint back after the branch unless it
  // made them untrusted again.
  void analyse_branch(TSNode body, TSNode condition, Environment& env) {
    if ((upper_checked_lanes_ | lower_checked_lanes_) == 0) {
      analyse_body(body, env);
      return;
    }
    std::map<std::string, std::pair<Taint, Lanes>, std::less<>> saved;
    for (const auto& [name, lanes] : range_checked(condition)) {
      auto it = env.find(name);
      if (it == env.end() || lanes == 0) continue;
      saved[name] = {it->second.any(), lanes};
      it->second.clear(lanes);
    }
    analyse_body(body, env);
    for (auto& [name, before] : saved) {
      auto it = env.find(name);
      if (it == env.end()) continue;
      Lanes untouched = before.second & static_cast<Lanes>(~it->second.taint.lanes);
      it->second.taint |= before.first.only(untouched);
    }
  }

  // The variables a condition compares with a limit, each with the lanes for which that checks
  // it: those checked from above by `x < LIMIT` or `LIMIT >= x`, those checked from below by
  // `x > LIMIT`. Every variable on a side counts; `abs(x) <= LIMIT` bounds x both ways, and so does
  // a chain such as Python's `a < b < c`.
  std::map<std::string, Lanes, std::less<>> range_checked(TSNode condition) const {
    static const std::vector<std::string> kAbsolute = {"abs", "labs", "llabs", "imaxabs", "fabs"};
    std::map<std::string, Lanes, std::less<>> checked;
    const Lanes both = upper_checked_lanes_ | lower_checked_lanes_;
    std::function<void(TSNode, Lanes)> bound = [&](TSNode side, Lanes lanes) {
      walk(side, [&](TSNode operand) {
        if (lanes != both && sem_.is_call(operand) &&
            any_matches(kAbsolute, sem_.callee_name(sem_.call(operand)))) {
          bound(operand, both);
          return false;
        }
        if (is(operand, "identifier")) checked[std::string(tree_.text(operand))] |= lanes;
        return true;
      });
    };
    walk(condition, [&](TSNode node) {
      if (!is(node, "binary_expression") && !is(node, "comparison_operator")) return true;
      std::string op = operator_text(tree_, node);
      if (!is_relational(op)) return true;
      TSNode left = field(node, "left");
      TSNode right = field(node, "right");
      if (ts_node_is_null(left) || ts_node_is_null(right)) {
        bound(node, both);
        return true;
      }
      bool less = op == "<" || op == "<=";
      bound(left, less ? upper_checked_lanes_ : lower_checked_lanes_);
      bound(right, less ? lower_checked_lanes_ : upper_checked_lanes_);
      return true;
    });
    return checked;
  }

  static bool exits(TSNode body) {
    if (is_exit(body)) return true;
    uint32_t count = named_child_count(body);
    if (count == 0 || !is_block(body)) return false;
    return is_exit(named_child_at(body, count - 1));
  }

  // `if "'" in name: return` (or several such tests joined by `or`): past the test, `name` holds
  // none of the rule's guard strings, which makes it safe for this rule's sinks. And
  // `if parsed.netloc not in ["example.com"]: return`, where `parsed = urlparse(url)` and the
  // rule names urlparse among its validators: past the test, `url` points at an allowed host.
  void apply_guard(TSNode condition, Environment& env) {
    if (guards_.lists().empty() && validators_.lists().empty()) return;
    if (is(condition, "parenthesized_expression") && named_child_count(condition) == 1) {
      condition = named_child_at(condition, 0);
    }
    if (is(condition, "boolean_operator")) {
      if (tree_.text(field(condition, "operator")) != "or") return;
      apply_guard(field(condition, "left"), env);
      apply_guard(field(condition, "right"), env);
      return;
    }
    if (is(condition, "not_operator")) {
      apply_containment_check(field(condition, "argument"), env);
      return;
    }
    if (!is(condition, "comparison_operator") || named_child_count(condition) != 2) return;
    TSNode needle = named_child_at(condition, 0);
    TSNode haystack = named_child_at(condition, 1);
    std::string op = operator_text(tree_, condition);
    if (op == "in" && sem_.is_string_literal(needle) && is(haystack, "identifier")) {
      Lanes guarded = guards_in(sem_.string_value(needle));
      auto it = env.find(tree_.text(haystack));
      if (guarded != 0 && it != env.end()) it->second.clear(guarded);
    } else if (op == "not in" || op == "!=") {
      apply_host_allow_list(needle, haystack, op, env);
    }
  }

  // `parsed.netloc not in [constants]` or `parsed.hostname != constant`, leaving the function
  // when it holds: the URL `parsed` came from has an allowed host.
  void apply_host_allow_list(TSNode part, TSNode allowed, const std::string& op, Environment& env) {
    if (!is(part, "attribute") ||
        !one_of(tree_.text(field(part, "attribute")), {"netloc", "hostname"})) {
      return;
    }
    bool constants =
        op == "!=" ? sem_.is_string_literal(allowed)
                   : one_of(node_type(allowed), {"list", "tuple", "set"}) &&
                         std::all_of(tree_.children(allowed).begin(), tree_.children(allowed).end(),
                                     [&](TSNode item) { return sem_.is_string_literal(item); });
    if (constants) clear_validated(field(part, "object"), env);
  }

  // `not path.startswith(base)` (also `str(path)`, `path.is_relative_to(base)`), leaving the
  // function when it holds, where `path = (base / name).resolve()` or `os.path.realpath(…)`: the
  // path stays inside `base`.
  void apply_containment_check(TSNode test, Environment& env) {
    if (!sem_.is_call(test)) return;
    const CallView& call = sem_.call(test);
    if (!is(call.callee, "attribute") ||
        !one_of(method_name(call), {"startswith", "is_relative_to"})) {
      return;
    }
    TSNode path = call.receiver;
    if (sem_.is_call(path) && tree_.text(sem_.call(path).callee) == "str" &&
        sem_.call(path).positional.size() == 1) {
      path = sem_.call(path).positional[0];
    }
    clear_validated(path, env);
  }

  // A check passed on `variable`, which holds a validator's result: it, and the variable the
  // validator was given, are safe for the validator's lanes.
  void clear_validated(TSNode variable, Environment& env) {
    auto validated = validated_.find(tree_.text(variable));
    if (validated == validated_.end()) return;
    for (const std::string& name : {validated->first, validated->second.first}) {
      auto it = env.find(name);
      if (it != env.end()) it->second.clear(validated->second.second);
    }
  }

  // `parsed = urlparse(url)`, `path = (base / name).resolve()`: a validator of some lanes whose
  // result a later check can vouch for (apply_host_allow_list, apply_containment_check), with the
  // variable it was given, if any; any other assignment to the target forgets it.
  void note_validated(TSNode target, TSNode value) {
    if (validators_.lists().empty() || !is(target, "identifier")) return;
    std::string name(tree_.text(target));
    validated_.erase(name);
    if (!sem_.is_call(value)) return;
    const CallView& call = sem_.call(value);
    Lanes lanes = validators_.matching(sem_.callee_name(call));
    if (lanes == 0) return;
    bool named = !call.positional.empty() && is(call.positional[0], "identifier");
    validated_[name] = {named ? std::string(tree_.text(call.positional[0])) : std::string(), lanes};
  }

  void assign(TSNode target, const Value& value, Environment& env) {
    if (ts_node_is_null(target)) return;
    if (is(target, "parenthesized_expression") && named_child_count(target) == 1) {
      target = named_child_at(target, 0);
    }
    if (is(target, "identifier") || is_member(target)) {
      // Stored in a structure, or in a second variable (`data = tmpData`): either may free it.
      if (!ts_node_is_null(value.heap_site)) note_escape(value, env);
      env[std::string(tree_.text(target))] = value;
    } else if (is(target, "pointer_expression")) {
      if (memory_ != nullptr) {
        check_dereference(target, evaluate(field(target, "argument"), env));
        return;  // *p = v changes what p points to, not p
      }
      assign(field(target, "argument"), value, env);  // *p = v
    } else if (is_subscript(target)) {
      assign_item(target, value, env);
    } else if (is(target, "object_pattern")) {
      // const { name, id: key } = req.query: each binding takes the object's taint.
      Value part;
      part.taint = value.any();
      for (TSNode property : tree_.children(target)) {
        if (is(property, "shorthand_property_identifier_pattern")) {
          env[std::string(tree_.text(property))] = part;
        } else {
          assign(first_field(property, {"value", "left"}), part, env);
        }
      }
    } else if (one_of(node_type(target), {"pattern_list", "tuple_pattern", "list_pattern", "expression_list"})) {
      const std::vector<TSNode>& targets = tree_.children(target);
      for (size_t i = 0; i < targets.size(); ++i) {
        Value part;
        part.taint = value.layout_known && i < value.items.size() ? value.items[i] : value.any();
        assign(targets[i], part, env);
      }
    } else {
      for (TSNode child : tree_.children(target)) assign(child, value, env);
    }
  }

  void assign_item(TSNode target, const Value& value, Environment& env) {
    TSNode object = first_field(target, {"value", "object", "argument", "array", "operand"});
    Value key = evaluate(subscript_index(target), env);
    check_assign_sinks(target, object, value, key.any());
    if (memory_ != nullptr) {
      Value buffer = evaluate(object, env);
      check_dereference(target, buffer);
      check_index(target, buffer, key, /*write=*/true);
      note_terminator(object, key, value, env);
    }
    std::string name(tree_.text(object));
    check_index_sinks(target, key, subscript_index(target));
    Value& container = env[name];
    auto constant_key = key_of(key.constant);
    if (constant_key && container.layout_known && std::holds_alternative<long long>(key.constant)) {
      long long index = std::get<long long>(key.constant);
      if (index >= 0 && static_cast<size_t>(index) < container.items.size()) {
        container.items[index] = value.any();
        return;
      }
    }
    if (constant_key && !is(target, "subscript_expression")) {
      container.keys[*constant_key] = value.any();
    } else {
      container.taint |= value.any();  // C arrays: an element written makes the buffer untrusted
    }
  }

  Value evaluate(TSNode node, Environment& env) {
    Value value;
    if (ts_node_is_null(node) || over_budget()) return value;
    std::string_view type = node_type(node);
    if (type == "identifier") return evaluate_name(node, env);
    if (is_integer(node)) {
      try {
        value.constant = std::stoll(std::string(tree_.text(node)), nullptr, 0);
      } catch (...) {
      }
      return value;
    }
    if (one_of(type, {"true", "false", "none", "null", "nullptr", "nil", "null_literal", "undefined"})) {
      value.constant = type == "true" ? 1LL : 0LL;
      if (type == "null" || type == "nullptr") {  // C's NULL, C++'s nullptr
        value.heap = Value::Heap::kNull;
        value.heap_site = node;
      }
      return value;
    }
    if (type == "pointer_expression" && tree_.text(field(node, "operator")) == "*") {
      Value pointer = evaluate(field(node, "argument"), env);
      check_dereference(node, pointer);
      Value pointee;
      pointee.taint = pointer.taint;
      return pointee;
    }
    if (type == "new_expression" && memory_ != nullptr) {
      for (TSNode child : tree_.children(node)) evaluate(child, env);
      value.heap = Value::Heap::kAllocated;  // C++ new throws rather than return null
      value.heap_site = node;
      value.pointer = true;
      size_new_array(node, env, value);
      return value;
    }
    if (type == "delete_expression" && memory_ != nullptr) {
      for (TSNode child : tree_.children(node)) release(node, child, env);
      return value;
    }
    if (sem_.is_string_literal(node)) {
      value.constant = std::string(sem_.string_value(node));
      value.length = static_cast<long long>(std::get<std::string>(value.constant).size());
      return value;
    }
    if (type == "char_literal") {
      std::string_view text = sem_.string_value(node);
      value.constant = static_cast<long long>(text == "\\0" ? 0 : text.empty() ? 0 : text.front());
      return value;
    }
    if (type == "sizeof_expression") return evaluate_sizeof(node, env);
    if (type == "condition_clause") return evaluate_condition_clause(node, env);
    if (is_assignment(node)) return evaluate_assignment(node, env);
    if (is_member(node)) return evaluate_member(node, env);
    if (sem_.is_call(node)) return evaluate_call(node, env);
    if (is_subscript(node)) return evaluate_subscript(node, env);
    if (type == "binary_operator" || type == "binary_expression") return evaluate_binary(node, env);
    if (type == "comparison_operator" || type == "boolean_operator" || type == "not_operator") {
      return evaluate_condition(node, env);
    }
    if (type == "update_expression" || type == "inc_statement" || type == "dec_statement") {
      return evaluate_update(node, env);
    }
    if (type == "unary_expression" && tree_.text(field(node, "operator")) == "!") {
      Value operand = evaluate(field(node, "argument"), env);
      if (auto known = truth(operand.constant)) value.constant = *known ? 0LL : 1LL;
      return value;
    }
    if (type == "conditional_expression" || type == "ternary_expression") return evaluate_conditional(node, env);
    if (type == "parenthesized_expression" && named_child_count(node) == 1) {
      return evaluate(named_child_at(node, 0), env);
    }
    if (type == "cast_expression") {
      // (T *)malloc(n): the block holds elements of T.
      Value cast = evaluate(field(node, "value"), env);
      std::string_view target = tree_.text(field(node, "type"));
      if (size_t star = target.rfind('*'); star != std::string_view::npos) {
        if (auto element = type_size(target.substr(0, star))) cast.element = *element;
      }
      return cast;
    }
    if (type == "list" || type == "tuple" || type == "expression_list") {
      value.layout_known = true;
      for (TSNode item : tree_.children(node)) {
        if (is(item, "list_splat")) value.layout_known = false;
        value.items.push_back(evaluate(item, env).any());
      }
      return value;
    }
    if (type == "dictionary") return evaluate_dictionary(node, env);
    if (type == "lambda" || is_function(node)) return value;
    // Anything else (f-strings, comprehensions, await, …): untrusted if any part is.
    for (TSNode child : tree_.children(node)) value.taint |= evaluate(child, env).any();
    return value;
  }

  Value evaluate_name(TSNode node, Environment& env) {
    auto it = env.find(tree_.text(node));
    if (it != env.end()) {
      check_freed_use(node, it->second);
      return it->second;
    }
    if (std::string_view literal = sem_.macro_literal(tree_.text(node)); !literal.empty()) {
      return evaluate_macro_literal(literal);
    }
    if (tree_.text(node) == "NULL") {
      Value null;
      null.constant = 0LL;
      null.heap = Value::Heap::kNull;
      null.heap_site = node;
      return null;
    }
    std::string name = sem_.qualified_name(node);
    // A C macro that names a variable (#define COMMAND_ARG3 data).
    if (it = env.find(name); it != env.end()) return it->second;
    Value value;
    value.taint = entering(node, sources_.matching(name));
    return value;
  }

  // new T[N]: a block of N * sizeof(T) bytes.
  void size_new_array(TSNode node, Environment& env, Value& value) {
    TSNode declarator = field(node, "declarator");
    std::optional<long long> element = type_size(tree_.text(field(node, "type")));
    if (!is(declarator, "new_declarator") || !element) return;
    value.element = *element;
    Value count = evaluate(field(declarator, "length"), env);
    auto* elements = std::get_if<long long>(&count.constant);
    if (elements == nullptr || *elements < 0) return;
    value.block_size = *elements * *element;
    value.block_site = node;
  }

  // C++'s `if (init; value)`, `while (value)`, `switch (value)`: the value, after the init.
  Value evaluate_condition_clause(TSNode node, Environment& env) {
    for (TSNode initializer : tree_.children(field(node, "initializer"))) {
      analyse_statement(initializer, env);
    }
    TSNode condition = field(node, "value");
    if (is_declaration(condition)) {  // if (T* p = f()): the condition is p, of unknown value
      analyse_declaration(condition, env);
      return Value{};
    }
    return evaluate(condition, env);
  }

  // #define SIZE 100, #define SRC_STRING "AAAA": the literal's value.
  Value evaluate_macro_literal(std::string_view literal) {
    Value value;
    if (literal.back() == '"') {
      size_t open = literal.find('"');
      value.constant = std::string(literal.substr(open + 1, literal.size() - open - 2));
      value.length = static_cast<long long>(std::get<std::string>(value.constant).size());
      return value;
    }
    try {
      value.constant = std::stoll(std::string(literal), nullptr, 0);
    } catch (...) {
    }
    return value;
  }

  Value evaluate_sizeof(TSNode node, Environment& env) {
    Value value;
    TSNode type = field(node, "type");
    if (!ts_node_is_null(type)) {
      if (auto size = type_size(tree_.text(type))) value.constant = *size;
      return value;
    }
    // The operand is not evaluated (`sizeof *p` reads nothing): only a buffer's known size counts.
    TSNode operand = without_parentheses(field(node, "value"));
    if (!is(operand, "identifier")) return value;
    auto it = env.find(tree_.text(operand));
    if (it == env.end()) {
      // sizeof(wchar_t), sizeof(int64_t): a type name the grammar cannot tell from a variable.
      if (auto size = type_size(tree_.text(operand))) value.constant = *size;
    } else if (it->second.block_size && it->second.offset == 0) {
      value.constant = *it->second.block_size;
    }
    return value;
  }

  Value evaluate_member(TSNode node, Environment& env) {
    Value value;
    if (is(node, "field_expression") && tree_.text(field(node, "operator")) == "->") {
      Value pointer = evaluate(field(node, "argument"), env);
      check_dereference(node, pointer);
      value.taint = pointer.any();
      return value;
    }
    Lanes sourced = sources_.matching(sem_.qualified_name(node));
    if (sourced != 0 && sourced == lanes_) return with_source(value, node, sourced);
    auto it = env.find(tree_.text(node));
    if (it != env.end()) return with_source(it->second, node, sourced);
    value.taint = evaluate(first_field(node, {"object", "operand", "argument"}), env).any();
    return with_source(value, node, sourced);
  }

  Value evaluate_dictionary(TSNode node, Environment& env) {
    Value value;
    for (TSNode pair : tree_.children(node)) {
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

  Value evaluate_conditional(TSNode node, Environment& env) {
    TSNode condition = field(node, "condition");
    TSNode yes = field(node, "consequence");
    TSNode no = field(node, "alternative");
    if (ts_node_is_null(condition)) {  // Python: `a if condition else b`
      const std::vector<TSNode>& parts = tree_.children(node);
      if (parts.size() != 3) return Value{};
      yes = parts[0];
      condition = parts[1];
      no = parts[2];
    }
    std::optional<bool> known = truth(evaluate(condition, env).constant);
    if (known == true) return evaluate(yes, env);
    if (known == false) return evaluate(no, env);
    return merge(evaluate(yes, env), evaluate(no, env));
  }

  Value evaluate_assignment(TSNode node, Environment& env) {
    TSNode left = field(node, "left");
    Value right = evaluate(field(node, "right"), env);
    std::string op = is(node, "augmented_assignment") || is(node, "augmented_assignment_expression") ||
                             !ts_node_is_null(field(node, "operator"))
                         ? operator_text(tree_, node)
                         : "=";
    if (op != "=" && op != ":=") {
      Value current = evaluate(left, env);
      Value combined = current;
      combined.taint |= right.any();
      combined.constant = std::monostate{};
      if (op == "+=") {
        if (auto* a = std::get_if<long long>(&current.constant)) {
          if (auto* b = std::get_if<long long>(&right.constant)) combined.constant = *a + *b;
        }
      }
      std::string arithmetic = op.substr(0, op.size() - 1);
      Taint operand = current.any();
      operand |= right.any();
      if (!current.pointer) check_arithmetic_sinks(node, arithmetic, operand);
      assign(left, combined, env);
      return combined;
    }
    check_realloc_over_pointer(left, field(node, "right"), env);
    note_validated(left, field(node, "right"));
    assign(left, right, env);
    return right;
  }

  // p = realloc(p, n): a realloc that fails returns NULL and leaves the block allocated, and the
  // only pointer to the block has just been overwritten with that NULL.
  void check_realloc_over_pointer(TSNode target, TSNode value, const Environment& env) {
    auto leaks = reporting(Check::kLeak);
    if (!leaks || !is(target, "identifier")) return;
    value = without_parentheses(value);
    while (is(value, "cast_expression")) value = without_parentheses(field(value, "value"));
    if (!sem_.is_call(value)) return;
    const CallView& call = sem_.call(value);
    if (call.positional.empty() || !sem_.callee_name(call).ends_with("realloc") ||
        tree_.text(call.positional[0]) != tree_.text(target)) {
      return;
    }
    auto it = env.find(tree_.text(target));
    if (it != env.end() && it->second.heap == Value::Heap::kNull)
      return;  // realloc(NULL, n) allocates
    bool known = it != env.end() && !ts_node_is_null(it->second.heap_site);
    report(value, known ? it->second.heap_site : value, std::string(tree_.text(target)),
           "allocated here; if realloc fails, its NULL overwrites the only pointer to the block",
           *leaks);
  }

  Value evaluate_update(TSNode node, Environment& env) {
    TSNode target = first_field(node, {"argument"});
    if (ts_node_is_null(target)) target = named_child_at(node, 0);
    Value current = evaluate(target, env);
    std::string op = is(node, "inc_statement") ? "++" : is(node, "dec_statement") ? "--" : operator_text(tree_, node);
    if (!current.pointer) check_arithmetic_sinks(node, op, current.any());
    return current;
  }

  Value evaluate_subscript(TSNode node, Environment& env) {
    Value container = evaluate(first_field(node, {"value", "object", "argument", "array", "operand"}), env);
    check_dereference(node, container);
    TSNode index = subscript_index(node);
    Value key = evaluate(index, env);
    if (checks_buffers()) check_index(node, container, key, /*write=*/false);
    Value result;
    if (is(index, "slice")) {
      result.taint = container.any();
      return result;
    }
    check_index_sinks(node, key, index);
    auto constant_key = key_of(key.constant);
    result.taint = container.taint;
    // "ABC"[1] is "B"
    auto* text = std::get_if<std::string>(&container.constant);
    auto* position = std::get_if<long long>(&key.constant);
    if (text && position && !container.tainted()) {
      long long at = *position < 0 ? *position + static_cast<long long>(text->size()) : *position;
      if (at >= 0 && static_cast<size_t>(at) < text->size())
        result.constant = std::string(1, (*text)[at]);
    }
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
    std::string op = operator_text(tree_, node);
    if (is_comparison(op)) return evaluate_condition(node, env);
    Value left = evaluate(field(node, "left"), env);
    Value right = evaluate(field(node, "right"), env);
    if (left.block_size && (op == "+" || op == "-")) {
      if (auto* step = std::get_if<long long>(&right.constant)) {
        Value moved = left;  // pointer arithmetic: the same block, another offset
        moved.offset += (op == "+" ? *step : -*step) * left.element;
        moved.length.reset();
        return moved;
      }
    }
    Value result;
    result.taint = left.any();
    result.taint |= right.any();
    result.pointer = left.pointer || right.pointer;
    if (!result.pointer) check_arithmetic_sinks(node, op, result.taint);
    auto* a = std::get_if<long long>(&left.constant);
    auto* b = std::get_if<long long>(&right.constant);
    if (a && b) {
      if (op == "+") result.constant = *a + *b;
      if (op == "-") result.constant = *a - *b;
      if (op == "*") result.constant = *a * *b;
      if ((op == "//" || op == "/") && *b != 0) result.constant = *a / *b;
      if (op == "%" && *b != 0) result.constant = *a % *b;
    }
    return result;
  }

  // Conditions yield booleans: never untrusted data themselves, but sometimes a known constant.
  Value evaluate_condition(TSNode node, Environment& env) {
    Value result;
    std::vector<Value> values;
    std::string op = operator_text(tree_, node);
    bool short_circuit = op == "&&" || op == "||" || op == "and" || op == "or";
    for (TSNode operand : tree_.children(node)) {
      values.push_back(evaluate(operand, env));
      // `p != NULL && p->x`, `!p || p->x`: the right operand runs only once the left tested p.
      if (short_circuit) mark_tested(operand, env);
    }
    if (is(node, "not_operator") && values.size() == 1) {
      if (auto known = truth(values[0].constant)) result.constant = *known ? 0LL : 1LL;
      return result;
    }
    if (values.size() != 2) return result;
    auto x = truth(values[0].constant), y = truth(values[1].constant);
    if ((op == "and" || op == "&&") && x && y) result.constant = (*x && *y) ? 1LL : 0LL;
    if ((op == "or" || op == "||") && x && y) result.constant = (*x || *y) ? 1LL : 0LL;
    auto* sa = std::get_if<std::string>(&values[0].constant);
    auto* sb = std::get_if<std::string>(&values[1].constant);
    if (sa && sb &&
        (op == "in" || op == "not in" || op == "==" || op == "!=" || op == "===" || op == "!==")) {
      bool holds = op == "in" || op == "not in" ? sb->find(*sa) != std::string::npos : *sa == *sb;
      bool negated = op == "not in" || op == "!=" || op == "!==";
      result.constant = holds != negated ? 1LL : 0LL;
    }
    auto* a = std::get_if<long long>(&values[0].constant);
    auto* b = std::get_if<long long>(&values[1].constant);
    if (a && b) {
      std::optional<bool> holds;
      if (op == ">") holds = *a > *b;
      if (op == "<") holds = *a < *b;
      if (op == ">=") holds = *a >= *b;
      if (op == "<=") holds = *a <= *b;
      if (op == "==" || op == "===") holds = *a == *b;
      if (op == "!=" || op == "!==") holds = *a != *b;
      if (holds) result.constant = *holds ? 1LL : 0LL;
    }
    return result;
  }

  Value evaluate_call(TSNode node, Environment& env) {
    const CallView& call = sem_.call(node);
    std::string name = sem_.callee_name(call);
    if (memory_ != nullptr) {
      if (auto handled = memory_call(call, name, env)) return *handled;
    }
    Value receiver = ts_node_is_null(call.receiver) ? Value{} : evaluate(call.receiver, env);
    std::vector<Value> positional;
    for (TSNode argument : call.positional) positional.push_back(evaluate(argument, env));
    std::vector<Value> keywords;
    for (const auto& [key, argument] : call.keywords) keywords.push_back(evaluate(argument, env));
    check_call_sinks(call, name, receiver, positional, keywords);
    taint_out_arguments(call, name, positional, env);
    forget_written_values(call, env);
    if (checks_buffers()) forget_contents(call, env);

    // A sanitiser's result is safe and a source's untrusted, for the lanes that name them; the
    // result of fgets, recv, fscanf … is a count or a status (the data goes to an argument).
    Lanes sanitized = sanitizers_.matching(name);
    Lanes sourced = sources_.matching(name) & static_cast<Lanes>(~sanitized);
    Lanes filling = out_sources_.matching(name);
    Lanes settled = sanitized | sourced | filling;
    if (settled != 0 && settled == lanes_) return with_source(Value{}, node, sourced);
    Value result = call_result(call, receiver, positional, keywords, env);
    result.clear(replaced_guards(call));
    if (settled == 0) return result;
    result.clear(settled);
    return with_source(std::move(result), node, sourced);
  }

  // s.replace("'", "&apos;"): the result no longer holds the guard strings the call replaces, which
  // makes it safe for the rules that name them (as `if "'" in s: return` does).
  Lanes replaced_guards(const CallView& call) const {
    if (guards_.lists().empty() || call.positional.size() < 2 || !is(call.callee, "attribute") ||
        method_name(call) != "replace" || !sem_.is_string_literal(call.positional[0])) {
      return 0;
    }
    return guards_in(sem_.string_value(call.positional[0]));
  }

  // The lanes with a guard string that `text` contains.
  Lanes guards_in(std::string_view text) const {
    return guards_.where(
        [&](const std::string& guard) { return text.find(guard) != std::string_view::npos; });
  }

  // What a call gives back when it is neither a source nor a sanitiser.
  Value call_result(const CallView& call, const Value& receiver,
                    const std::vector<Value>& positional, const std::vector<Value>& keywords,
                    Environment& env) {
    if (auto modelled = container_method(call, positional, env)) return *modelled;
    absorb_into_receiver(call, positional, env);
    auto local = functions_.find(std::string(tree_.text(call.callee)));
    if (local != functions_.end() && ts_node_is_null(call.receiver)) {
      return call_local_function(local->second, positional);
    }
    Value result;
    result.taint = receiver.any();
    for (const auto& argument : positional) result.taint |= argument.any();
    for (const auto& argument : keywords) result.taint |= argument.any();
    return result;
  }

  // C: fgets(buf, …) fills buf with untrusted data; strcpy(dst, src) copies src's taint into dst.
  void taint_out_arguments(const CallView& call, const std::string& name, const std::vector<Value>& args,
                           Environment& env) {
    for (const auto& [outs, lanes] : out_sources_.lists()) {
      for (const auto& out : *outs) {
        if (!name_matches(out.call, name)) continue;
        for (size_t i = out.first;
             i < call.positional.size() && (i == out.first || out.and_following); ++i) {
          TSNode variable = written_variable(call.positional[i]);
          if (!ts_node_is_null(variable)) {
            env[std::string(tree_.text(variable))].taint |= entering(call.node, lanes);
          }
        }
      }
    }
    Lanes copying = propagators_.matching(name);
    if (args.empty() || copying == 0) return;
    Taint copied;
    for (size_t i = 1; i < args.size(); ++i) copied |= args[i].any();
    copied = copied.only(copying);
    TSNode variable = written_variable(call.positional[0]);
    if (copied.tainted() && !ts_node_is_null(variable))
      env[std::string(tree_.text(variable))].taint |= copied;
  }

  // Methods of lists, dicts, deques and config parsers on a local variable, modelled per item.
  std::optional<Value> container_method(const CallView& call, const std::vector<Value>& args, Environment& env) {
    if (!is(call.callee, "attribute") || !is(call.receiver, "identifier")) return std::nullopt;
    auto it = env.find(tree_.text(call.receiver));
    if (it == env.end()) return std::nullopt;
    Value& container = it->second;
    std::string_view method = method_name(call);
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
    if ((method == "get" || method == "set") && !args.empty()) return keyed_access(container, method, args);
    return std::nullopt;
  }

  // The method a call names (`s.replace(…)`: "replace"; Python, JavaScript, Go and Java); "" for a
  // call of a plain function.
  std::string_view method_name(const CallView& call) const {
    if (node_type(call.node) == "method_invocation") return tree_.text(call.callee);
    return tree_.text(first_field(call.callee, {"attribute", "property", "field"}));
  }

  // sb.append(x), list.add(x), map.put(k, x), arr.push(x): the receiver now holds x.
  void absorb_into_receiver(const CallView& call, const std::vector<Value>& args, Environment& env) {
    if (!is(call.receiver, "identifier")) return;
    std::string_view method = method_name(call);
    if (!one_of(method, {"append", "add", "addAll", "push", "put", "putAll", "insert", "concat", "extend",
                         "unshift", "write", "print", "println", "format"})) {
      return;
    }
    Taint absorbed;
    for (const auto& argument : args) absorbed |= argument.any();
    if (!absorbed.tainted()) return;
    env[std::string(tree_.text(call.receiver))].taint |= absorbed;
  }

  // dict.get(key[, default]) and ConfigParser.get(section, key) / .set(section, key, value).
  std::optional<Value> keyed_access(Value& container, std::string_view method, const std::vector<Value>& args) {
    Value result;
    size_t key_count =
        method == "set" ? args.size() - 1 : (container.keys.empty() ? 1 : std::min<size_t>(args.size(), 2));
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
      found = container.keys.find(*key_of(args[0].constant));  // dict.get(key, default)
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

  // A helper function in the same file: the call is untrusted when an untrusted argument reaches
  // the helper's return value. Analysed per call with the actual arguments' taint; recursion and
  // depth are bounded.
  Value call_local_function(TSNode function, const std::vector<Value>& args) {
    Value result;
    if (depth_ >= 3 || !is_block(field(function, "body"))) {
      for (const auto& argument : args) result.taint |= argument.any();
      return result;
    }
    // The same helper called with arguments in the same state gives the same result (and its
    // sinks are already reported): analyse it once per state.
    std::string key = std::to_string(ts_node_start_byte(function));
    for (const auto& argument : args) {
      key += '/' + std::to_string(argument.any().lanes);
      key += static_cast<char>('0' + static_cast<int>(argument.heap));
      key += argument.block_size ? 'B' : '.';
    }
    if (auto known = helper_results_.find(key); known != helper_results_.end()) {
      result.taint = known->second;
      return result;
    }
    Environment env;
    bind_parameters(function, env, &args, false);
    Taint saved_returned = returned_;
    returned_ = Taint{};
    ++depth_;
    analyse_block(field(function, "body"), env);
    --depth_;
    result.taint = returned_;
    returned_ = saved_returned;
    helper_results_[key] = result.taint;
    return result;
  }

  // buf[k] = '\0' after memset(buf, c, n) with k <= n: buf now holds a string of length k.
  void note_terminator(TSNode object, const Value& index, const Value& value, Environment& env) {
    auto* k = std::get_if<long long>(&index.constant);
    auto* written = std::get_if<long long>(&value.constant);
    if (!k || !written || *written != 0) return;
    set_buffer(object, env, [&](Value& buffer) {
      if (*k == 0 || (buffer.filled && *buffer.filled >= *k)) buffer.length = *k;
    });
  }

  // free(p), malloc(n), and calls that dereference their pointer arguments (strcpy(p, …)).
  std::optional<Value> memory_call(const CallView& call, const std::string& name, Environment& env) {
    if (any_matches(memory_->deallocators, name) && !call.positional.empty()) {
      release(call.node, call.positional[0], env);
      for (size_t i = 1; i < call.positional.size(); ++i) evaluate(call.positional[i], env);
      return Value{};
    }
    bool heap = heap_allocators_ != nullptr && any_matches(*heap_allocators_, name);
    if (heap || (block_allocators_ != nullptr && any_matches(*block_allocators_, name))) {
      Value result;
      std::vector<Value> args;
      for (TSNode argument : call.positional) args.push_back(evaluate(argument, env));
      if (heap) {  // not alloca: its block has a size, but is no heap memory to check or free
        result.heap = Value::Heap::kUnchecked;
        result.heap_site = call.node;
      }
      result.pointer = true;
      result.block_size = allocation_size(name, args);
      result.block_site = call.node;
      return result;
    }
    for (size_t into = 0; into < memory_checks_.size(); ++into) {
      if (!any_matches(memory_checks_[into]->dereferencing, name)) continue;
      for (TSNode argument : call.positional) {
        TSNode variable = written_variable(argument);
        if (!ts_node_is_null(variable) && is(variable, "identifier")) {
          auto it = env.find(tree_.text(variable));
          if (it != env.end()) check_dereference(argument, it->second, into);
        }
      }
    }
    return checks_buffers() ? buffer_call(call, name, env) : std::nullopt;
  }

  bool checks_buffers() const { return checks_buffers_; }

  // Where the flows of `check` go, when this analysis reports it.
  std::optional<size_t> reporting(Check check) const {
    for (size_t into = 0; into < memory_checks_.size(); ++into) {
      if (memory_checks_[into]->check == check) return into;
    }
    return std::nullopt;
  }

  // malloc(n), alloca(n), realloc(p, n), calloc(count, size): the bytes allocated, when constant.
  // A negative size converts to a huge size_t: the block's size is not known.
  static std::optional<long long> allocation_size(std::string_view name, const std::vector<Value>& args) {
    auto constant = [&](size_t i) -> std::optional<long long> {
      if (i >= args.size()) return std::nullopt;
      auto* value = std::get_if<long long>(&args[i].constant);
      if (value == nullptr || *value < 0) return std::nullopt;
      return *value;
    };
    if (name.ends_with("calloc")) {
      auto count = constant(0), size = constant(1);
      if (count && size) return *count * *size;
      return std::nullopt;
    }
    return constant(name.ends_with("realloc") || name.ends_with("reallocarray") ? 1 : 0);
  }

  // The C library calls that write or read through a buffer, checked against its known size.
  std::optional<Value> buffer_call(const CallView& call, const std::string& name, Environment& env) {
    std::vector<Value> args;
    for (TSNode argument : call.positional) args.push_back(evaluate(argument, env));
    auto constant = [&](size_t i) -> std::optional<long long> {
      if (i >= args.size()) return std::nullopt;
      if (auto* value = std::get_if<long long>(&args[i].constant)) return *value;
      return std::nullopt;
    };
    Value result;
    bool wide = name.starts_with("wcs") || name.starts_with("wmem");
    if ((name == "strlen" || name == "wcslen") && !args.empty() && args[0].length) {
      result.constant = *args[0].length;
      return result;
    }
    if (args.empty()) return std::nullopt;
    long long element = args[0].element;
    if (name == "memcpy" || name == "memmove" || name == "wmemcpy" || name == "wmemmove") {
      if (auto count = constant(2)) {
        long long bytes = wide ? *count * element : *count;
        check_write(call.node, args[0], bytes, name);
        if (args.size() > 1) check_read(call.node, args[1], bytes, name);
      }
    } else if (name == "memset" || name == "wmemset") {
      if (auto count = constant(2)) {
        check_write(call.node, args[0], wide ? *count * element : *count, name);
        set_buffer(call.positional[0], env, [&](Value& buffer) {
          buffer.filled = wide ? *count : *count / std::max(1LL, buffer.element);
          buffer.length.reset();
        });
      }
    } else if (name == "strcpy" || name == "wcscpy") {
      if (args.size() > 1 && args[1].length) {
        check_write(call.node, args[0], (*args[1].length + 1) * element, name);
        long long copied = *args[1].length;
        set_buffer(call.positional[0], env, [&](Value& buffer) { buffer.length = copied; });
      }
      if (args.size() > 1) check_read(call.node, args[1], 1, name);
    } else if (name == "strncpy" || name == "wcsncpy") {
      if (auto count = constant(2)) check_write(call.node, args[0], *count * element, name);
    } else if (name == "strcat" || name == "wcscat") {
      if (args.size() > 1 && args[0].length && args[1].length) {
        check_write(call.node, args[0], (*args[0].length + *args[1].length + 1) * element, name);
      }
    } else if (name == "strncat" || name == "wcsncat") {
      auto count = constant(2);
      if (count && args[0].length) {
        long long appended = args.size() > 1 && args[1].length ? std::min(*count, *args[1].length) : *count;
        check_write(call.node, args[0], (*args[0].length + appended + 1) * element, name);
      }
    } else if (name == "snprintf" || name == "swprintf" || name == "_snprintf" || name == "_snwprintf") {
      if (auto count = constant(1)) check_write(call.node, args[0], *count * element, name);
    } else {
      return std::nullopt;
    }
    return result;
  }

  // f(&x): the call may store any value in x (fscanf(stdin, "%d", &n)).
  void forget_written_values(const CallView& call, Environment& env) {
    for (TSNode argument : call.positional) {
      if (!is(argument, "pointer_expression") || tree_.text(field(argument, "operator")) != "&") {
        continue;
      }
      auto it = env.find(tree_.text(field(argument, "argument")));
      if (it == env.end()) continue;
      it->second.constant = std::monostate{};
      it->second.range.reset();
    }
  }

  // A buffer passed to a call the analysis does not model may come back holding anything.
  void forget_contents(const CallView& call, Environment& env) {
    for (TSNode argument : call.positional) {
      TSNode variable = written_variable(argument);
      if (ts_node_is_null(variable)) continue;
      auto it = env.find(tree_.text(variable));
      if (it == env.end() || !it->second.block_size) continue;
      it->second.length.reset();
      it->second.filled.reset();
    }
  }

  template <typename Change>
  void set_buffer(TSNode argument, Environment& env, Change change) {
    if (!is(argument, "identifier")) return;
    auto it = env.find(tree_.text(argument));
    if (it != env.end()) change(it->second);
  }

  std::string buffer_description(const Value& buffer) const {
    return "a buffer of " + std::to_string(*buffer.block_size) + " bytes" +
           (buffer.offset != 0 ? " at offset " + std::to_string(buffer.offset) : "");
  }

  // A read or a write through a buffer: its words in the message, and the checks that report
  // bytes before the buffer's start and past its end.
  struct Access {
    std::string_view verb;         // "writes"
    std::string_view preposition;  // "into"
    Check before_start;
    Check past_end;
  };
  static constexpr Access kWrite{"writes", "into", Check::kBufferUnderwrite,
                                 Check::kBufferOverflow};
  static constexpr Access kRead{"reads", "from", Check::kBufferUnderread, Check::kBufferOverread};

  // `access` of `bytes` bytes (starting at byte `start` past the pointer) through `buffer`.
  void check_access(const Access& access, TSNode site, const Value& buffer, long long bytes,
                    std::string_view what, long long start) {
    if (!buffer.block_size || ts_node_is_null(buffer.block_site)) return;
    long long first = buffer.offset + start;
    auto before_start = reporting(access.before_start);
    if (first < 0 && before_start) {
      report(site, buffer.block_site,
             std::string(what) + " " + std::string(access.verb) + " " + std::to_string(-first) +
                 " bytes before the start of " + buffer_description(buffer),
             "buffer made here", *before_start);
    }
    auto past_end = reporting(access.past_end);
    if (first >= 0 && first + bytes > *buffer.block_size && past_end) {
      report(site, buffer.block_site,
             std::string(what) + " " + std::string(access.verb) + " " + std::to_string(bytes) +
                 " bytes " + std::string(access.preposition) + " " + buffer_description(buffer),
             "buffer made here", *past_end);
    }
  }

  void check_write(TSNode site, const Value& buffer, long long bytes, std::string_view what,
                   long long start = 0) {
    check_access(kWrite, site, buffer, bytes, what, start);
  }

  void check_read(TSNode site, const Value& buffer, long long bytes, std::string_view what,
                  long long start = 0) {
    check_access(kRead, site, buffer, bytes, what, start);
  }

  // buffer[index]: the bytes touched for the lowest and the highest index it can have.
  void check_index(TSNode site, const Value& buffer, const Value& index, bool write) {
    if (!checks_buffers() || !buffer.block_size) return;
    std::optional<std::pair<long long, long long>> range = index.range;
    if (auto* constant = std::get_if<long long>(&index.constant)) range = std::pair{*constant, *constant};
    if (!range) return;
    for (long long i : {range->first, range->second}) {
      if (write) {
        check_write(site, buffer, buffer.element, "an indexed write", i * buffer.element);
      } else {
        check_read(site, buffer, buffer.element, "an indexed read", i * buffer.element);
      }
    }
  }

  void release(TSNode site, TSNode argument, Environment& env) {
    TSNode variable = written_variable(argument);
    if (ts_node_is_null(variable)) return;
    auto it = env.find(tree_.text(variable));
    if (it == env.end()) return;
    Value& value = it->second;
    auto double_free = reporting(Check::kDoubleFree);
    if (value.heap == Value::Heap::kFreed && double_free) {
      report(site, value.heap_site, std::string(tree_.text(variable)), "first freed here",
             *double_free);
    }
    value.heap = Value::Heap::kFreed;
    value.heap_site = site;
  }

  // A use of a pointer after it was freed (any read of the variable but freeing or reassigning it).
  void check_freed_use(TSNode node, const Value& value) {
    auto use_after_free = reporting(Check::kUseAfterFree);
    if (!use_after_free || value.heap != Value::Heap::kFreed) return;
    report(node, value.heap_site, std::string(tree_.text(node)), "freed here", *use_after_free);
  }

  // `*p`, `p->x`, `p[i]`: a dereference for every check.
  void check_dereference(TSNode node, const Value& pointer) {
    for (size_t into = 0; into < memory_checks_.size(); ++into)
      check_dereference(node, pointer, into);
  }

  // A dereference for the check at `into` (a call dereferences its arguments for the checks that
  // name it in `dereferencing`).
  void check_dereference(TSNode node, const Value& pointer, size_t into) {
    Check check = memory_checks_[into]->check;
    if (pointer.heap == Value::Heap::kNull && check == Check::kNullDereference) {
      report(node, pointer.heap_site, std::string(tree_.text(node)), "set to NULL here", into);
    }
    if (pointer.heap == Value::Heap::kUnchecked && check == Check::kUncheckedAllocation) {
      report(node, pointer.heap_site, std::string(tree_.text(node)),
             "allocated here; the result may be NULL and is not checked", into);
    }
  }

  // A pointer stored in a structure or returned is no longer this function's to free.
  void note_escape(const Value& value, const Environment& env) {
    for (const auto& [name, held] : env) {
      if (!ts_node_is_null(held.heap_site) && held.heap_site.id == value.heap_site.id) escaped_.insert(name);
    }
  }

  // A sink inside a helper function is reported when a call passes the helper untrusted data (the
  // helper's own analysis starts from trusted parameters).
  // `into`: the memory check's list of flows (0 for a taint spec); one flow per check and place.
  void report(TSNode sink, TSNode source, std::string sink_name, std::string source_message = "",
              size_t into = 0) {
    if (!reported_.insert({into, ts_node_start_byte(sink)}).second) return;
    flows_[into].push_back(
        TaintFlow{sink, source, std::move(sink_name), std::move(source_message)});
  }

  // The flow of taint spec `into`, when `taint` holds its lane's data.
  void report_taint(TSNode sink, const Taint& taint, std::string sink_name, size_t into) {
    size_t lane = lane_of_[into];
    if (taint.has(lane)) report(sink, source_of(taint, lane), std::move(sink_name), "", into);
  }

  void check_call_sinks(const CallView& call, const std::string& name, const Value& receiver,
                        const std::vector<Value>& positional, const std::vector<Value>& keywords) {
    for (size_t into = 0; into < taint_specs_.size(); ++into) {
      for (const auto& sink : taint_specs_[into]->sinks)
        check_call_sink(sink, call, name, receiver, positional, keywords, into);
    }
  }

  void check_call_sink(const TaintSink& sink, const CallView& call, const std::string& name,
                       const Value& receiver, const std::vector<Value>& positional,
                       const std::vector<Value>& keywords, size_t into) {
    if (sink.call.callees.empty() || !sink.call.matches(sem_, call)) return;
    Taint reaching;
    if (sink.receiver) reaching |= receiver.any();
    // A sink that names no argument, keyword or receiver takes every argument.
    bool every_argument = sink.arguments.empty() && sink.keywords.empty() && !sink.receiver;
    for (size_t i = 0; i < positional.size(); ++i) {
      bool wanted = every_argument || std::find(sink.arguments.begin(), sink.arguments.end(), i) !=
                                          sink.arguments.end();
      if (wanted) reaching |= positional[i].any();
    }
    for (size_t i = 0; i < keywords.size(); ++i) {
      bool wanted = std::find(sink.keywords.begin(), sink.keywords.end(), call.keywords[i].first) !=
                    sink.keywords.end();
      if (wanted) reaching |= keywords[i].any();
    }
    report_taint(call.node, reaching, name, into);
  }

  void check_arithmetic_sinks(TSNode node, const std::string& op, const Taint& operands) {
    if (!operands.tainted()) return;
    for (size_t into = 0; into < taint_specs_.size(); ++into) {
      for (const auto& sink : taint_specs_[into]->sinks) {
        if (std::find(sink.arithmetic.begin(), sink.arithmetic.end(), op) !=
            sink.arithmetic.end()) {
          report_taint(node, operands, op, into);
        }
      }
    }
  }

  // buffer[index] with an untrusted index. An index declared unsigned cannot be negative, so rules
  // that want it checked from below do not report it.
  void check_index_sinks(TSNode access, const Value& index, TSNode index_node) {
    Taint taint = index.any();
    if (!taint.tainted()) return;
    bool unsigned_index =
        is(index_node, "identifier") && unsigned_.count(tree_.text(index_node)) != 0;
    for (size_t into = 0; into < taint_specs_.size(); ++into) {
      const TaintSpec& spec = *taint_specs_[into];
      if (unsigned_index && spec.range_checks == TaintSpec::RangeCheck::kLower) continue;
      for (const auto& sink : spec.sinks) {
        if (sink.index) report_taint(access, taint, std::string(tree_.text(access)), into);
      }
    }
  }

  // An item stored into a sink object (session[key] = value): untrusted if the value or the key is.
  void check_assign_sinks(TSNode target, TSNode object, const Value& value, const Taint& key) {
    Taint taint = value.any();
    taint |= key;
    if (!taint.tainted()) return;
    std::string name = sem_.qualified_name(object);
    for (size_t into = 0; into < taint_specs_.size(); ++into) {
      for (const auto& sink : taint_specs_[into]->sinks) {
        if (any_matches(sink.assign, name)) report_taint(target, taint, name, into);
      }
    }
  }

  void check_return_sinks(TSNode node, const Value& value) {
    Taint taint = value.any();
    if (!taint.tainted() || ts_node_is_null(current_function_) || depth_ > 0) return;
    for (size_t into = 0; into < taint_specs_.size(); ++into) {
      if (!taint.has(lane_of_[into])) continue;
      for (const auto& sink : taint_specs_[into]->sinks) {
        if (!sink.returned || !has_decorator(current_function_, sink.decorators)) continue;
        // A handler that returns another handler's response: the flow is reported in that handler.
        TSNode origin = enclosing_function(source_of(taint, lane_of_[into]));
        if (!ts_node_is_null(origin) && !ts_node_eq(origin, current_function_) &&
            has_decorator(origin, sink.decorators)) {
          continue;
        }
        report_taint(node, taint, "return", into);
      }
    }
  }

  TSNode enclosing_function(TSNode node) const {
    for (TSNode at = node; !ts_node_is_null(at); at = parent_of(at)) {
      if (is_function(at)) return at;
    }
    return TSNode{};
  }

  const Semantics& sem_;
  const SyntaxTree& tree_;
  std::vector<const TaintSpec*> taint_specs_;
  std::vector<size_t> lane_of_;  // each taint spec's lane
  Lanes lanes_ = 0;              // every lane of the analysis
  Lanes upper_checked_lanes_ = 0;  // lanes whose rules take `x < LIMIT` as checking x
  Lanes lower_checked_lanes_ = 0;  // and `x > LIMIT`
  LaneLists<std::string> sources_;
  LaneLists<OutSource> out_sources_;
  LaneLists<std::string> propagators_;
  LaneLists<std::string> sanitizers_;
  LaneLists<std::string> parameter_decorators_;
  LaneLists<std::string> guards_;
  LaneLists<std::string> validators_;
  // For a variable that holds a validator's result: the variable the validator was given (or
  // nothing) and the validator's lanes.
  std::map<std::string, std::pair<std::string, Lanes>, std::less<>> validated_;
  std::vector<TSNode> source_nodes_;  // where the data of each taint entered
  const MemorySpec* memory_;          // the first memory check: its deallocators are the others'
  std::vector<const MemorySpec*> memory_checks_;
  bool checks_buffers_ = false;  // some memory check follows the sizes of buffers
  // What the checks that follow heap state, and those that follow buffers, count as allocators.
  const std::vector<std::string>* heap_allocators_ = nullptr;
  const std::vector<std::string>* block_allocators_ = nullptr;
  std::set<std::string, std::less<>> escaped_;
  bool watches_indexes_ = false;                 // some taint spec has an index sink
  std::set<std::string, std::less<>> unsigned_;  // variables declared with an unsigned type
  std::map<std::string, Taint> helper_results_;
  uint64_t steps_ = 0;
  std::map<std::string, TSNode, std::less<>> functions_;
  std::vector<std::vector<TaintFlow>> flows_;
  std::set<std::pair<size_t, uint32_t>> reported_;
  Taint returned_;
  TSNode current_function_{};
  int depth_ = 0;
};

// For each spec, the index of its group: the specs that `same_state` puts together, numbered in
// the order of their first spec.
template <typename Spec, typename SameState>
std::vector<size_t> state_groups(const std::vector<const Spec*>& specs, SameState same_state) {
  std::vector<const Spec*> firsts;
  std::vector<size_t> groups;
  for (const Spec* spec : specs) {
    auto same = std::find_if(firsts.begin(), firsts.end(),
                             [&](const Spec* first) { return same_state(*first, *spec); });
    groups.push_back(static_cast<size_t>(same - firsts.begin()));
    if (same == firsts.end()) firsts.push_back(spec);
  }
  return groups;
}

// Runs `analyse` once per pass, on the specs `pass_of` gives it (in the specs' order), and gives
// each spec its own flows, in the specs' order.
template <typename Spec, typename Analyse>
std::vector<std::vector<TaintFlow>> in_passes(const std::vector<const Spec*>& specs,
                                              const std::vector<size_t>& pass_of, Analyse analyse) {
  std::vector<std::vector<TaintFlow>> flows(specs.size());
  size_t passes = pass_of.empty() ? 0 : *std::max_element(pass_of.begin(), pass_of.end()) + 1;
  for (size_t pass = 0; pass < passes; ++pass) {
    std::vector<size_t> members;
    std::vector<const Spec*> group;
    for (size_t i = 0; i < specs.size(); ++i) {
      if (pass_of[i] != pass) continue;
      members.push_back(i);
      group.push_back(specs[i]);
    }
    std::vector<std::vector<TaintFlow>> found = analyse(std::move(group));
    for (size_t j = 0; j < members.size(); ++j) flows[members[j]] = std::move(found[j]);
  }
  return flows;
}

// For each memory check, its pass: checks share one when they have the same deallocators, and
// those that follow heap state agree on allocators, as do those that follow buffers (for which
// alloca allocates too).
std::vector<size_t> memory_passes(const std::vector<const MemorySpec*>& specs) {
  struct Pass {
    const MemorySpec* heap = nullptr;
    const MemorySpec* buffers = nullptr;
  };
  std::vector<Pass> passes;
  std::vector<size_t> pass_of;
  for (const MemorySpec* spec : specs) {
    bool buffers = follows_buffers(spec->check);
    auto fits = [&](const Pass& pass) {
      const MemorySpec* any = pass.heap != nullptr ? pass.heap : pass.buffers;
      const MemorySpec* same_kind = buffers ? pass.buffers : pass.heap;
      return any->deallocators == spec->deallocators &&
             (same_kind == nullptr || same_kind->allocators == spec->allocators);
    };
    auto pass = std::find_if(passes.begin(), passes.end(), fits);
    if (pass == passes.end()) pass = passes.insert(passes.end(), Pass{});
    (buffers ? pass->buffers : pass->heap) = spec;
    pass_of.push_back(static_cast<size_t>(pass - passes.begin()));
  }
  return pass_of;
}

}  // namespace

std::vector<std::vector<TaintFlow>> find_taint_flows(const Semantics& semantics,
                                                     const std::vector<const TaintSpec*>& specs) {
  // Each group of specs that follow the same state is a lane; a pass takes kMaxLanes of them.
  std::vector<size_t> pass_of = state_groups(specs, same_state);
  for (size_t& pass : pass_of) pass /= kMaxLanes;
  return in_passes(specs, pass_of, [&](std::vector<const TaintSpec*> group) {
    return Analysis(semantics, std::move(group)).run();
  });
}

std::vector<std::vector<TaintFlow>> find_memory_issues(
    const Semantics& semantics, const std::vector<const MemorySpec*>& specs) {
  return in_passes(specs, memory_passes(specs), [&](std::vector<const MemorySpec*> group) {
    return Analysis(semantics, {}, std::move(group)).run();
  });
}

}  // namespace ward::scan
