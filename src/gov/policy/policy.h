#pragma once
// A parsed policy: the model that parse_policy (parser.h) builds from a JSON document and that
// evaluate_policy (evaluator.h) and authorize (authorizer.h) read. The language is described in
// docs/policies.md. A Policy is immutable once parsed and safe to share between threads.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "gov/policy/pattern.h"
#include "gov/policy/values.h"

namespace ward::gov {

// The one language version Ward accepts in `Version`.
inline constexpr std::string_view kPolicyVersion = "2024-01-01";

// Bounds on what a policy may be; larger documents are refused.
inline constexpr std::size_t kMaxPolicyBytes = 64 * 1024;
inline constexpr std::size_t kMaxPolicyStatements = 100;
inline constexpr std::size_t kMaxPolicyStringBytes = 2048;  // any one string in a policy

enum class PolicyEffect { kAllow, kDeny };

std::string_view effect_name(PolicyEffect effect);  // "Allow" or "Deny"

// The operator of a condition without its qualifiers.
enum class ConditionFamily { kString, kNumeric, kDate, kBool, kIp, kNull };

enum class ConditionBase {
  kStringEquals,
  kStringNotEquals,
  kStringEqualsIgnoreCase,
  kStringNotEqualsIgnoreCase,
  kStringLike,
  kStringNotLike,
  kNumericEquals,
  kNumericNotEquals,
  kNumericLessThan,
  kNumericLessThanEquals,
  kNumericGreaterThan,
  kNumericGreaterThanEquals,
  kDateEquals,
  kDateNotEquals,
  kDateLessThan,
  kDateLessThanEquals,
  kDateGreaterThan,
  kDateGreaterThanEquals,
  kBool,
  kIpAddress,
  kNotIpAddress,
  kNull,
};

// How a condition treats a context key with several values.
enum class SetQualifier { kNone, kForAnyValue, kForAllValues };

struct ConditionOperator {
  ConditionBase base = ConditionBase::kStringEquals;
  SetQualifier set = SetQualifier::kNone;
  bool if_exists = false;
};

ConditionFamily condition_family(ConditionBase base);
// True for the operators that are the negation of another (StringNotEquals, NotIpAddress, …).
bool is_negated(ConditionBase base);
std::string_view condition_base_name(ConditionBase base);

// One value of a condition, typed by its operator.
struct ConditionValue {
  std::string path;  // JSON pointer into the document
  std::string text;  // as written (numbers and booleans as their JSON text)
  // String operators: a Pattern (wildcards only for StringLike); Numeric: double; Date: epoch
  // milliseconds; Bool and Null: bool; IpAddress: IpNetwork.
  std::variant<Pattern, double, std::int64_t, bool, IpNetwork> value;
};

// One key under one operator, e.g. "StringEquals": {"ward:RequestedRegion": ["eu-west-2"]}.
struct ConditionClause {
  std::string path;           // e.g. /Statement/0/Condition/StringEquals/ward:RequestedRegion
  std::string operator_name;  // as written, e.g. "ForAnyValue:StringLikeIfExists"
  ConditionOperator op;
  std::string key;  // as written; context keys are matched case-insensitively
  std::vector<ConditionValue> values;
};

// An Action, NotAction, Resource or NotResource entry.
struct PatternElement {
  std::string path;
  Pattern pattern;
};

struct PolicyStatement {
  std::string path;  // "/Statement/2", or "/Statement" when Statement is a single object
  std::string sid;   // empty when the statement has none
  PolicyEffect effect = PolicyEffect::kDeny;
  bool not_action = false;  // `actions` came from NotAction
  std::vector<PatternElement> actions;
  bool not_resource = false;  // `resources` came from NotResource
  std::vector<PatternElement> resources;
  std::vector<ConditionClause> conditions;  // all must hold

  // The Sid, or the statement's path when it has none.
  std::string label() const { return sid.empty() ? path : sid; }
};

struct Policy {
  std::string name;  // where it came from: a file, "managed:WardAuditor", a stored policy's name
  std::string version;
  std::string id;  // the optional top-level `Id`
  std::vector<PolicyStatement> statements;
};

using PolicyRef = std::shared_ptr<const Policy>;

}  // namespace ward::gov
