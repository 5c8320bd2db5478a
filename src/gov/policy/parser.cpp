#include "gov/policy/parser.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <unordered_set>

#include "gov/policy/catalogue.h"

namespace ward::gov {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::array kBases = {
    ConditionBase::kStringEquals,
    ConditionBase::kStringNotEquals,
    ConditionBase::kStringEqualsIgnoreCase,
    ConditionBase::kStringNotEqualsIgnoreCase,
    ConditionBase::kStringLike,
    ConditionBase::kStringNotLike,
    ConditionBase::kNumericEquals,
    ConditionBase::kNumericNotEquals,
    ConditionBase::kNumericLessThan,
    ConditionBase::kNumericLessThanEquals,
    ConditionBase::kNumericGreaterThan,
    ConditionBase::kNumericGreaterThanEquals,
    ConditionBase::kDateEquals,
    ConditionBase::kDateNotEquals,
    ConditionBase::kDateLessThan,
    ConditionBase::kDateLessThanEquals,
    ConditionBase::kDateGreaterThan,
    ConditionBase::kDateGreaterThanEquals,
    ConditionBase::kBool,
    ConditionBase::kIpAddress,
    ConditionBase::kNotIpAddress,
    ConditionBase::kNull,
};

constexpr std::string_view kForAnyValue = "ForAnyValue:";
constexpr std::string_view kForAllValues = "ForAllValues:";
constexpr std::string_view kIfExists = "IfExists";

// Shortens user text quoted in a message.
std::string clip(std::string_view text) {
  if (text.size() <= 64) return std::string(text);
  return std::string(text.substr(0, 61)) + "...";
}

std::string child(const std::string& path, std::string_view key) {
  return path + "/" + json_pointer_escape(key);
}

std::string child(const std::string& path, std::size_t index) {
  return path + "/" + std::to_string(index);
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// "; did you mean \"X\"?" for the closest candidate, if it is close enough.
template <typename Range>
std::string suggestion(std::string_view text, const Range& candidates) {
  if (text.size() > 64) return {};
  const std::string wanted = lower(text);
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, wanted.size() / 4) + 1;
  for (const auto& candidate : candidates) {
    const std::size_t distance = edit_distance(wanted, lower(candidate));
    if (distance < best_distance) {
      best_distance = distance;
      best = std::string(candidate);
    }
  }
  return best.empty() ? std::string() : fmt::format("; did you mean \"{}\"?", best);
}

// The operator named `name`, read case-insensitively when `ignore_case`.
std::optional<ConditionOperator> read_operator(std::string_view name, bool ignore_case) {
  const auto starts = [ignore_case](std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    return ignore_case ? equals_ignore_case(text.substr(0, prefix.size()), prefix)
                       : text.substr(0, prefix.size()) == prefix;
  };
  ConditionOperator op;
  std::string_view rest = name;
  if (starts(rest, kForAnyValue)) {
    op.set = SetQualifier::kForAnyValue;
    rest.remove_prefix(kForAnyValue.size());
  } else if (starts(rest, kForAllValues)) {
    op.set = SetQualifier::kForAllValues;
    rest.remove_prefix(kForAllValues.size());
  }
  if (rest.size() > kIfExists.size()) {
    const std::string_view tail = rest.substr(rest.size() - kIfExists.size());
    if (ignore_case ? equals_ignore_case(tail, kIfExists) : tail == kIfExists) {
      op.if_exists = true;
      rest.remove_suffix(kIfExists.size());
    }
  }
  for (ConditionBase base : kBases) {
    const std::string_view base_name = condition_base_name(base);
    if (ignore_case ? equals_ignore_case(base_name, rest) : base_name == rest) {
      op.base = base;
      return op;
    }
  }
  return std::nullopt;
}

std::string operator_name(const ConditionOperator& op) {
  std::string name;
  if (op.set == SetQualifier::kForAnyValue) name += kForAnyValue;
  if (op.set == SetQualifier::kForAllValues) name += kForAllValues;
  name += condition_base_name(op.base);
  if (op.if_exists) name += kIfExists;
  return name;
}

bool family_suits(ConditionFamily family, ContextKeyType type) {
  switch (family) {
    case ConditionFamily::kString:
    case ConditionFamily::kNull:
      return true;
    case ConditionFamily::kNumeric:
      return type == ContextKeyType::kNumeric;
    case ConditionFamily::kDate:
      return type == ContextKeyType::kDate || type == ContextKeyType::kNumeric;
    case ConditionFamily::kBool:
      return type == ContextKeyType::kBool;
    case ConditionFamily::kIp:
      return type == ContextKeyType::kIp;
  }
  return true;
}

// Checks a document and builds the Policy, collecting every diagnostic.
class Checker {
 public:
  explicit Checker(std::vector<PolicyDiagnostic>& out) : out_(out) {}

  Policy check_document(const Json& doc) {
    Policy policy;
    if (!doc.is_object()) {
      error("",
            fmt::format("a policy is a JSON object with \"Version\" and \"Statement\", not {} {}",
                        article(doc), doc.type_name()));
      return policy;
    }
    for (const auto& [key, value] : doc.items()) {
      if (key == "Version") {
        check_version(value, policy);
      } else if (key == "Id") {
        if (auto id = string_at(value, "/Id", "Id")) policy.id = *id;
      } else if (key == "Statement") {
        check_statements(value, policy);
      } else {
        error(child("", key),
              fmt::format(
                  "unknown key \"{}\"; a policy has only Version, Id and Statement{}", clip(key),
                  suggestion(key, std::array<std::string_view, 3>{"Version", "Id", "Statement"})));
      }
    }
    if (!doc.contains("Version")) {
      error("/Version", fmt::format("missing; add \"Version\": \"{}\"", kPolicyVersion));
    }
    if (!doc.contains("Statement")) {
      error("/Statement", "missing; add a Statement array with at least one statement");
    }
    return policy;
  }

 private:
  static std::string_view article(const Json& value) {
    return value.is_array() || value.is_object() ? "an" : "a";
  }

  void error(std::string path, std::string message) {
    out_.push_back({DiagnosticSeverity::kError, std::move(path), std::move(message)});
  }
  void warning(std::string path, std::string message) {
    out_.push_back({DiagnosticSeverity::kWarning, std::move(path), std::move(message)});
  }

  // The string at `path`, or nullopt after reporting why it is not a usable one.
  std::optional<std::string> string_at(const Json& value, const std::string& path,
                                       std::string_view what) {
    if (!value.is_string()) {
      error(path,
            fmt::format("{} must be a string, not {} {}", what, article(value), value.type_name()));
      return std::nullopt;
    }
    const auto& text = value.get_ref<const std::string&>();
    if (text.size() > kMaxPolicyStringBytes) {
      error(path, fmt::format("{} is {} bytes long; strings in a policy are at most {} bytes", what,
                              text.size(), kMaxPolicyStringBytes));
      return std::nullopt;
    }
    return text;
  }

  void check_version(const Json& value, Policy& policy) {
    if (!value.is_string()) {
      error("/Version", fmt::format("Version must be the string \"{}\"", kPolicyVersion));
      return;
    }
    const auto& version = value.get_ref<const std::string&>();
    if (version != kPolicyVersion) {
      error("/Version",
            fmt::format("\"{}\" is not a Ward policy language version; write \"Version\": "
                        "\"{}\"",
                        clip(version), kPolicyVersion));
      return;
    }
    policy.version = version;
  }

  void check_statements(const Json& value, Policy& policy) {
    if (value.is_object()) {
      check_statement(value, "/Statement", policy);
      return;
    }
    if (!value.is_array()) {
      error("/Statement",
            fmt::format("Statement must be an object or an array of objects, not {} {}",
                        article(value), value.type_name()));
      return;
    }
    if (value.empty()) {
      error("/Statement", "Statement must contain at least one statement");
      return;
    }
    if (value.size() > kMaxPolicyStatements) {
      error("/Statement",
            fmt::format("the policy has {} statements; a policy may have at most {}, so "
                        "split it into several policies",
                        value.size(), kMaxPolicyStatements));
    }
    for (std::size_t i = 0; i < value.size(); ++i) {
      check_statement(value[i], child("/Statement", i), policy);
    }
  }

  void check_statement(const Json& value, const std::string& path, Policy& policy) {
    if (!value.is_object()) {
      error(path, fmt::format("a statement must be an object, not {} {}", article(value),
                              value.type_name()));
      return;
    }
    static constexpr std::array<std::string_view, 7> kKeys = {
        "Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition"};
    PolicyStatement statement;
    statement.path = path;
    bool valid = true;
    for (const auto& [key, element] : value.items()) {
      const std::string key_path = child(path, key);
      const std::size_t before = error_count();
      if (key == "Sid") {
        check_sid(element, key_path, statement);
      } else if (key == "Effect") {
        check_effect(element, key_path, statement);
      } else if (key == "Action" || key == "NotAction") {
        statement.not_action = key == "NotAction";
        check_actions(element, key_path, statement.actions);
      } else if (key == "Resource" || key == "NotResource") {
        statement.not_resource = key == "NotResource";
        check_resources(element, key_path, statement.resources);
      } else if (key == "Condition") {
        check_condition(element, key_path, statement.conditions);
      } else if (key == "Principal" || key == "NotPrincipal") {
        error(key_path,
              fmt::format("a Ward policy is attached to users, groups, roles or tokens and "
                          "names no {}; remove it",
                          key));
      } else {
        error(key_path, fmt::format("unknown key \"{}\"; a statement has Sid, Effect, Action or "
                                    "NotAction, Resource or NotResource, and Condition{}",
                                    clip(key), suggestion(key, kKeys)));
      }
      valid = valid && error_count() == before;
    }
    if (!value.contains("Effect")) {
      error(child(path, "Effect"), "missing; add \"Effect\": \"Allow\" or \"Effect\": \"Deny\"");
      valid = false;
    }
    valid = check_pair(value, path, "Action", "NotAction", "the actions it applies to") && valid;
    valid =
        check_pair(value, path, "Resource", "NotResource", "the resources it applies to") && valid;
    if (valid) policy.statements.push_back(std::move(statement));
  }

  // Exactly one of `first` and `second`.
  bool check_pair(const Json& statement, const std::string& path, std::string_view first,
                  std::string_view second, std::string_view what) {
    const bool has_first = statement.contains(first);
    const bool has_second = statement.contains(second);
    if (has_first && has_second) {
      error(child(path, second),
            fmt::format("a statement has {} or {}, not both; remove one", first, second));
      return false;
    }
    if (!has_first && !has_second) {
      error(child(path, first),
            fmt::format("missing; add {} (or {}) naming {}", first, second, what));
      return false;
    }
    return true;
  }

  void check_sid(const Json& value, const std::string& path, PolicyStatement& statement) {
    auto sid = string_at(value, path, "Sid");
    if (!sid) return;
    const bool valid_chars = std::all_of(sid->begin(), sid->end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '_' || c == '-' || c == '.';
    });
    if (sid->empty() || sid->size() > 128 || !valid_chars) {
      error(path, fmt::format("the Sid \"{}\" must be 1 to 128 letters, digits, `_`, `-` or `.`",
                              clip(*sid)));
      return;
    }
    auto [it, inserted] = sids_.emplace(*sid, path);
    if (!inserted) {
      error(path,
            fmt::format("the Sid \"{}\" is already used at {}; give each statement its own Sid",
                        *sid, it->second));
      return;
    }
    statement.sid = *sid;
  }

  void check_effect(const Json& value, const std::string& path, PolicyStatement& statement) {
    auto effect = string_at(value, path, "Effect");
    if (!effect) return;
    if (*effect == "Allow") {
      statement.effect = PolicyEffect::kAllow;
    } else if (*effect == "Deny") {
      statement.effect = PolicyEffect::kDeny;
    } else {
      error(path, fmt::format(
                      "Effect must be \"Allow\" or \"Deny\" (with that capitalisation), not \"{}\"",
                      clip(*effect)));
    }
  }

  // A string or a non-empty array of strings; calls `each(text, path)` for every string.
  template <typename Each>
  void for_each_string(const Json& value, const std::string& path, std::string_view what,
                       const Each& each) {
    if (value.is_string()) {
      if (auto text = string_at(value, path, what)) each(*text, path);
      return;
    }
    if (!value.is_array()) {
      error(path, fmt::format("{} must be a string or an array of strings, not {} {}", what,
                              article(value), value.type_name()));
      return;
    }
    if (value.empty()) {
      error(path, fmt::format("{} must name at least one entry", what));
      return;
    }
    for (std::size_t i = 0; i < value.size(); ++i) {
      const std::string element_path = child(path, i);
      if (auto text = string_at(value[i], element_path, what)) each(*text, element_path);
    }
  }

  void check_actions(const Json& value, const std::string& path, std::vector<PatternElement>& out) {
    const std::string what = path.substr(path.rfind('/') + 1);
    for_each_string(value, path, what,
                    [&](const std::string& text, const std::string& element_path) {
                      if (auto pattern = check_action(text, element_path))
                        out.push_back({element_path, std::move(*pattern)});
                    });
  }

  std::optional<Pattern> check_action(const std::string& text, const std::string& path) {
    if (text == "*") return Pattern::parse(text, {.wildcards = true, .variables = false}).value();
    const auto colon = text.find(':');
    if (colon == std::string::npos || !equals_ignore_case(text.substr(0, colon), "ward")) {
      error(path,
            fmt::format("an action is \"*\" or \"ward:NAME\" (see docs/policies.md), not \"{}\"",
                        clip(text)));
      return std::nullopt;
    }
    const std::string name = text.substr(colon + 1);
    const bool valid_chars = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '*' || c == '?';
    });
    if (!valid_chars) {
      error(path, fmt::format("the action \"{}\" must be ward: followed by letters, digits and the "
                              "wildcards * and ?",
                              clip(text)));
      return std::nullopt;
    }
    auto pattern = Pattern::parse(text, {.wildcards = true, .variables = false}).value();
    if (!pattern.has_wildcards()) {
      if (find_policy_action(text) == nullptr) {
        std::vector<std::string_view> names;
        for (const auto& action : policy_actions()) names.push_back(action.name);
        error(path, fmt::format("\"{}\" is not an action in Ward's catalogue (docs/policies.md){}",
                                clip(text), suggestion(text, names)));
        return std::nullopt;
      }
      return pattern;
    }
    const auto actions = policy_actions();
    const bool matches_any =
        std::any_of(actions.begin(), actions.end(),
                    [&pattern](const auto& action) { return pattern.matches(action.name, true); });
    if (!matches_any) {
      error(path,
            fmt::format("\"{}\" matches no action in Ward's catalogue (docs/policies.md); check "
                        "its spelling",
                        clip(text)));
      return std::nullopt;
    }
    return pattern;
  }

  void check_resources(const Json& value, const std::string& path,
                       std::vector<PatternElement>& out) {
    const std::string what = path.substr(path.rfind('/') + 1);
    for_each_string(value, path, what,
                    [&](const std::string& text, const std::string& element_path) {
                      if (auto pattern = check_resource(text, element_path))
                        out.push_back({element_path, std::move(*pattern)});
                    });
  }

  std::optional<Pattern> check_resource(const std::string& text, const std::string& path) {
    auto parsed = Pattern::parse(text, {.wildcards = true, .variables = true});
    if (!parsed) {
      error(path, parsed.error().message());
      return std::nullopt;
    }
    Pattern pattern = std::move(*parsed);
    if (text == "*") return pattern;
    const auto& parts = pattern.parts();
    const std::string kShape = "ward:REGION:TENANT:TYPE/NAME";
    if (parts.empty() || parts[0].kind != Pattern::Part::Kind::kLiteral ||
        parts[0].text.substr(0, 5) != "ward:") {
      error(path,
            fmt::format("a resource is \"*\" or a Ward resource name {} (see docs/policies.md), "
                        "not \"{}\"",
                        kShape, clip(text)));
      return std::nullopt;
    }
    // Count the literal colons, and read TYPE when nothing before its end is a wildcard or
    // variable.
    enum class TypeState { kReading, kKnown, kUnknown };
    std::size_t colons = 0;
    bool literal_prefix = true;  // no wildcard or variable before the third colon
    TypeState state = TypeState::kReading;
    bool has_slash = false;
    std::string type;
    for (const auto& part : parts) {
      if (part.kind != Pattern::Part::Kind::kLiteral) {
        if (colons < 3) {
          literal_prefix = false;
        } else if (state == TypeState::kReading) {
          state = TypeState::kUnknown;
        }
        continue;
      }
      for (char c : part.text) {
        if (c == ':') {
          ++colons;
        } else if (colons == 3 && state == TypeState::kReading) {
          if (c == '/') {
            state = TypeState::kKnown;
            has_slash = true;
          } else {
            type += c;
          }
        }
      }
    }
    if (state == TypeState::kReading && colons >= 3) state = TypeState::kKnown;
    const bool type_known = literal_prefix && state == TypeState::kKnown;
    if (!pattern.has_wildcards() && colons != 3) {
      error(path, fmt::format("\"{}\" has {} colon-separated parts; a Ward resource name has 4: {}",
                              clip(text), colons + 1, kShape));
      return std::nullopt;
    }
    if (type_known) {
      const auto* info = find_policy_resource_type(type);
      if (info == nullptr) {
        std::vector<std::string_view> types;
        for (const auto& known : policy_resource_types()) types.push_back(known.type);
        error(path, fmt::format("\"{}\" is not a Ward resource type, so \"{}\" matches nothing{}",
                                clip(type), clip(text), suggestion(type, types)));
        return std::nullopt;
      }
      if (info->named && !has_slash) {
        error(path,
              fmt::format("a {0} resource is named ward:REGION:TENANT:{0}/NAME; add /NAME or /*",
                          type));
        return std::nullopt;
      }
      if (!info->named && has_slash) {
        error(path,
              fmt::format("the {0} resource has no name: write ward:REGION:TENANT:{0}", type));
        return std::nullopt;
      }
    }
    return pattern;
  }

  void check_condition(const Json& value, const std::string& path,
                       std::vector<ConditionClause>& out) {
    if (!value.is_object()) {
      error(path,
            fmt::format("Condition must be an object mapping operators to {{\"key\": values}}, "
                        "not {} {}",
                        article(value), value.type_name()));
      return;
    }
    for (const auto& [op_name, body] : value.items()) {
      const std::string op_path = child(path, op_name);
      auto op = read_operator(op_name, false);
      if (!op) {
        auto near = read_operator(op_name, true);
        std::vector<std::string> names;
        for (ConditionBase base : kBases) names.emplace_back(condition_base_name(base));
        error(op_path,
              fmt::format("unknown condition operator \"{}\"{}", clip(op_name),
                          near ? fmt::format("; did you mean \"{}\"?", operator_name(*near))
                               : suggestion(op_name, names) + " (see docs/policies.md)"));
        continue;
      }
      if (op->base == ConditionBase::kNull && (op->if_exists || op->set != SetQualifier::kNone)) {
        error(op_path,
              "Null takes no ForAnyValue:/ForAllValues: prefix and no IfExists suffix; write Null");
        continue;
      }
      if (!body.is_object()) {
        error(op_path, fmt::format("{} must be an object mapping context keys to values, not {} {}",
                                   op_name, article(body), body.type_name()));
        continue;
      }
      if (body.empty()) {
        error(op_path,
              fmt::format("{} names no context key; add one or remove the operator", op_name));
        continue;
      }
      for (const auto& [key, values] : body.items()) {
        ConditionClause clause;
        clause.path = child(op_path, key);
        clause.operator_name = op_name;
        clause.op = *op;
        clause.key = key;
        if (check_clause(values, clause)) out.push_back(std::move(clause));
      }
    }
  }

  bool check_clause(const Json& values, ConditionClause& clause) {
    const std::string& key = clause.key;
    const ConditionFamily family = condition_family(clause.op.base);
    const auto colon = key.find(':');
    if (key.size() > 128 || colon == std::string::npos || colon == 0 || colon + 1 == key.size()) {
      error(clause.path, fmt::format("\"{}\" is not a context key; context keys look like "
                                     "PREFIX:NAME, e.g. ward:SourceIp",
                                     clip(key)));
      return false;
    }
    if (const auto* info = find_policy_context_key(key)) {
      if (!family_suits(family, info->type)) {
        warning(clause.path, fmt::format("{} holds {} values, which {} does not compare; use an "
                                         "operator for {} values",
                                         key, context_key_type_name(info->type),
                                         condition_base_name(clause.op.base),
                                         context_key_type_name(info->type)));
      }
    } else {
      std::vector<std::string_view> names;
      for (const auto& known : policy_context_keys()) names.push_back(known.name);
      warning(clause.path,
              fmt::format("\"{}\" is not one of Ward's context keys (docs/policies.md), so "
                          "the condition sees it only when the caller supplies it{}",
                          clip(key), suggestion(key, names)));
    }
    const std::size_t before = error_count();
    if (values.is_array()) {
      if (values.empty()) {
        error(clause.path, "a condition key needs at least one value");
        return false;
      }
      for (std::size_t i = 0; i < values.size(); ++i)
        check_value(values[i], child(clause.path, i), clause);
    } else {
      check_value(values, clause.path, clause);
    }
    return error_count() == before;
  }

  void check_value(const Json& value, const std::string& path, ConditionClause& clause) {
    std::string text;
    if (value.is_string()) {
      auto checked = string_at(value, path, "a condition value");
      if (!checked) return;
      text = std::move(*checked);
    } else if (value.is_number() || value.is_boolean()) {
      text = value.dump();
    } else {
      error(path, fmt::format("a condition value must be a string, number or boolean, not {} {}",
                              article(value), value.type_name()));
      return;
    }
    const std::string_view op = condition_base_name(clause.op.base);
    ConditionValue out{path, text, false};
    switch (condition_family(clause.op.base)) {
      case ConditionFamily::kString: {
        const bool like = clause.op.base == ConditionBase::kStringLike ||
                          clause.op.base == ConditionBase::kStringNotLike;
        auto pattern = Pattern::parse(text, {.wildcards = like, .variables = true});
        if (!pattern) {
          error(path, pattern.error().message());
          return;
        }
        out.value = std::move(*pattern);
        break;
      }
      case ConditionFamily::kNumeric: {
        std::optional<double> number = value.is_number()
                                           ? std::optional<double>(value.get<double>())
                                           : parse_policy_number(text);
        if (!number) {
          error(path,
                fmt::format("{} compares numbers, and \"{}\" is not one (write e.g. 10 or \"2.5\")",
                            op, clip(text)));
          return;
        }
        out.value = *number;
        break;
      }
      case ConditionFamily::kDate: {
        auto date = parse_policy_date(text);
        if (!date) {
          error(path, fmt::format("{} compares dates, and \"{}\" is not one; write RFC 3339 "
                                  "(\"2025-01-31T17:00:00Z\") or epoch seconds",
                                  op, clip(text)));
          return;
        }
        out.value = *date;
        break;
      }
      case ConditionFamily::kBool:
      case ConditionFamily::kNull: {
        auto flag = parse_policy_bool(text);
        if (!flag) {
          error(path, fmt::format("{} takes \"true\" or \"false\", not \"{}\"", op, clip(text)));
          return;
        }
        out.value = *flag;
        break;
      }
      case ConditionFamily::kIp: {
        auto network = parse_ip_network(text);
        if (!network) {
          error(path, network.error().message());
          return;
        }
        out.value = *network;
        break;
      }
    }
    clause.values.push_back(std::move(out));
  }

  std::size_t error_count() const {
    return static_cast<std::size_t>(std::count_if(out_.begin(), out_.end(), [](const auto& d) {
      return d.severity == DiagnosticSeverity::kError;
    }));
  }

  std::vector<PolicyDiagnostic>& out_;
  std::map<std::string, std::string> sids_;  // Sid → the path of the statement that has it
};

// Thrown (and caught in parse_policy) to stop parsing a document nested deeper than any policy.
struct TooDeep {};

// Tracks the JSON pointer of each value as nlohmann's parser reports it, to find duplicate keys
// (which the parser would otherwise resolve silently by keeping the last). Refuses nesting deeper
// than kMaxDepth: a policy needs 7 levels.
class DuplicateKeyFinder {
 public:
  static constexpr std::size_t kMaxDepth = 32;

  explicit DuplicateKeyFinder(std::vector<PolicyDiagnostic>& out) : out_(out) {}

  bool operator()(int /*depth*/, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
      case Json::parse_event_t::array_start: {
        if (frames_.size() >= kMaxDepth) throw TooDeep{};
        std::string path = next_path();
        frames_.push_back({event == Json::parse_event_t::array_start, 0, {}, {}, std::move(path)});
        break;
      }
      case Json::parse_event_t::key: {
        Frame& frame = frames_.back();
        frame.key = parsed.get<std::string>();
        if (!frame.keys.insert(frame.key).second) {
          out_.push_back({DiagnosticSeverity::kError, child(frame.path, frame.key),
                          fmt::format("\"{}\" appears more than once in this object; keep one",
                                      clip(frame.key))});
        }
        break;
      }
      case Json::parse_event_t::value:
        next_path();
        break;
      case Json::parse_event_t::object_end:
      case Json::parse_event_t::array_end:
        frames_.pop_back();
        break;
    }
    return true;
  }

 private:
  struct Frame {
    bool array;
    std::size_t next_index;
    std::string key;
    std::unordered_set<std::string> keys;
    std::string path;
  };

  // The path of the value that starts now (and advances an array's index).
  std::string next_path() {
    if (frames_.empty()) return "";
    Frame& frame = frames_.back();
    return frame.array ? child(frame.path, frame.next_index++) : child(frame.path, frame.key);
  }

  std::vector<PolicyDiagnostic>& out_;
  std::vector<Frame> frames_;
};

}  // namespace

std::string json_pointer_escape(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::size_t PolicyParse::error_count() const {
  return static_cast<std::size_t>(
      std::count_if(diagnostics.begin(), diagnostics.end(),
                    [](const auto& d) { return d.severity == DiagnosticSeverity::kError; }));
}

std::size_t PolicyParse::warning_count() const {
  return diagnostics.size() - error_count();
}

PolicyParse parse_policy(std::string_view text, std::string name) {
  PolicyParse result;
  auto& diagnostics = result.diagnostics;
  if (text.size() > kMaxPolicyBytes) {
    diagnostics.push_back(
        {DiagnosticSeverity::kError, "",
         fmt::format("the policy is {} bytes; a policy may be at most {} bytes, so "
                     "split it into several policies",
                     text.size(), kMaxPolicyBytes)});
    return result;
  }
  Json doc;
  try {
    DuplicateKeyFinder finder(diagnostics);
    doc = Json::parse(text.begin(), text.end(), std::ref(finder));
  } catch (const TooDeep&) {
    diagnostics.clear();
    diagnostics.push_back(
        {DiagnosticSeverity::kError, "",
         fmt::format("the policy nests arrays or objects more than {} levels deep; "
                     "no valid policy does",
                     DuplicateKeyFinder::kMaxDepth)});
    return result;
  } catch (const Json::exception& e) {
    std::string what = e.what();
    if (const auto bracket = what.find("] ");
        what.rfind("[json.exception", 0) == 0 && bracket != std::string::npos) {
      what = what.substr(bracket + 2);
    }
    diagnostics.clear();
    diagnostics.push_back(
        {DiagnosticSeverity::kError, "", fmt::format("the policy is not valid JSON: {}", what)});
    return result;
  }
  Checker checker(diagnostics);
  Policy policy = checker.check_document(doc);
  policy.name = std::move(name);
  if (result.error_count() == 0) result.policy = std::make_shared<const Policy>(std::move(policy));
  return result;
}

core::Result<PolicyRef> load_policy(std::string_view text, std::string name) {
  const std::string source = name;
  PolicyParse parsed = parse_policy(text, std::move(name));
  if (parsed.ok()) return parsed.policy;
  const std::size_t errors = parsed.error_count();
  for (const auto& diagnostic : parsed.diagnostics) {
    if (diagnostic.severity != DiagnosticSeverity::kError) continue;
    core::Error error = diagnostic_error(diagnostic, source);
    if (errors == 1) return error;
    return core::Error(
        error.code(), error.where(),
        fmt::format("{} (and {} more error{}; `ward policy validate` lists them all)",
                    error.message(), errors - 1, errors == 2 ? "" : "s"));
  }
  return core::Error(core::Code::kInternal, source, "the policy was refused without a reason");
}

core::Error diagnostic_error(const PolicyDiagnostic& diagnostic, std::string_view source) {
  return core::Error(core::Code::kInvalidArgument, fmt::format("{}#{}", source, diagnostic.path),
                     diagnostic.message);
}

core::Result<std::string> read_policy_file(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    return core::Error(
        core::Code::kNotFound, path.string(),
        fmt::format("cannot read the policy file: {}; check the path", ec.message()));
  }
  if (size > kMaxPolicyBytes) {
    return core::Error(
        core::Code::kResourceExhausted, path.string(),
        fmt::format("the policy is {} bytes; a policy may be at most {} bytes, so split "
                    "it into several policies",
                    size, kMaxPolicyBytes));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return core::Error(core::Code::kNotFound, path.string(),
                       "cannot open the policy file; check the path and its permissions");
  }
  std::string text;
  text.resize(kMaxPolicyBytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (in.bad()) {
    return core::Error(core::Code::kUnavailable, path.string(),
                       "reading the policy file failed; try again");
  }
  return text;
}

}  // namespace ward::gov
