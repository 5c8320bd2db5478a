#include "gov/policy/condition.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

namespace ward::gov {
namespace {

// The policy's values for one evaluation, with variables resolved.
struct ResolvedValues {
  std::vector<const ConditionValue*> typed;  // non-string families
  std::vector<Pattern> patterns;             // string family
};

template <typename T>
bool compare(ConditionBase base, T request, T policy) {
  switch (base) {
    case ConditionBase::kNumericEquals:
    case ConditionBase::kNumericNotEquals:
    case ConditionBase::kDateEquals:
    case ConditionBase::kDateNotEquals:
      return request == policy;
    case ConditionBase::kNumericLessThan:
    case ConditionBase::kDateLessThan:
      return request < policy;
    case ConditionBase::kNumericLessThanEquals:
    case ConditionBase::kDateLessThanEquals:
      return request <= policy;
    case ConditionBase::kNumericGreaterThan:
    case ConditionBase::kDateGreaterThan:
      return request > policy;
    case ConditionBase::kNumericGreaterThanEquals:
    case ConditionBase::kDateGreaterThanEquals:
      return request >= policy;
    default:
      return false;
  }
}

class ClauseEvaluator {
 public:
  ClauseEvaluator(const ConditionClause& clause, const RequestContext& context,
                  std::vector<core::Error>& problems)
      : clause_(clause), context_(context), problems_(problems) {}

  bool run() {
    const auto* request_values = context_.find(clause_.key);
    const bool present = request_values != nullptr && !request_values->empty();
    const ConditionBase base = clause_.op.base;
    if (base == ConditionBase::kNull) {
      return std::any_of(
          clause_.values.begin(), clause_.values.end(),
          [present](const auto& value) { return std::get<bool>(value.value) == !present; });
    }
    const bool negated = is_negated(base);
    if (!present) {
      if (clause_.op.if_exists) return true;
      switch (clause_.op.set) {
        case SetQualifier::kForAllValues:
          return true;
        case SetQualifier::kForAnyValue:
          return false;
        case SetQualifier::kNone:
          return negated;
      }
    }
    resolve();
    const auto holds_for = [&](const std::string& value) { return matches_any(value) != negated; };
    switch (clause_.op.set) {
      case SetQualifier::kForAnyValue:
        return std::any_of(request_values->begin(), request_values->end(), holds_for);
      case SetQualifier::kForAllValues:
        return std::all_of(request_values->begin(), request_values->end(), holds_for);
      case SetQualifier::kNone: {
        const bool any = std::any_of(request_values->begin(), request_values->end(),
                                     [&](const std::string& value) { return matches_any(value); });
        return any != negated;
      }
    }
    return false;
  }

 private:
  void problem(const std::string& path, std::string message) {
    problems_.emplace_back(core::Code::kInvalidArgument, path, std::move(message));
  }

  void resolve() {
    const auto lookup = [this](std::string_view name) { return context_.single(name); };
    for (const auto& value : clause_.values) {
      if (const auto* pattern = std::get_if<Pattern>(&value.value)) {
        auto resolved = pattern->resolve(lookup);
        if (resolved) {
          resolved_.patterns.push_back(std::move(*resolved));
        } else {
          problem(value.path, resolved.error().message());
        }
      } else {
        resolved_.typed.push_back(&value);
      }
    }
  }

  void unreadable(const std::string& value, std::string_view what) {
    problem(clause_.path, fmt::format("the request's {} is \"{}\", which is not {}, so {} does not "
                                      "match it",
                                      clause_.key, value.substr(0, 64), what,
                                      condition_base_name(clause_.op.base)));
  }

  // True when `value` (one of the request's) matches one of the policy's values under the positive
  // form of the operator.
  bool matches_any(const std::string& value) {
    const ConditionBase base = clause_.op.base;
    switch (condition_family(base)) {
      case ConditionFamily::kString: {
        for (const auto& pattern : resolved_.patterns) {
          bool match = false;
          switch (base) {
            case ConditionBase::kStringEquals:
            case ConditionBase::kStringNotEquals:
              match = pattern.literal_text() == value;
              break;
            case ConditionBase::kStringEqualsIgnoreCase:
            case ConditionBase::kStringNotEqualsIgnoreCase:
              match = equals_ignore_case(pattern.literal_text(), value);
              break;
            default:
              match = pattern.matches(value, false);
              break;
          }
          if (match) return true;
        }
        return false;
      }
      case ConditionFamily::kNumeric: {
        auto number = parse_policy_number(value);
        if (!number) {
          unreadable(value, "a number");
          return false;
        }
        return std::any_of(resolved_.typed.begin(), resolved_.typed.end(),
                           [&](const ConditionValue* v) {
                             return compare(base, *number, std::get<double>(v->value));
                           });
      }
      case ConditionFamily::kDate: {
        auto date = parse_policy_date(value);
        if (!date) {
          unreadable(value, "an RFC 3339 date or epoch seconds");
          return false;
        }
        return std::any_of(resolved_.typed.begin(), resolved_.typed.end(),
                           [&](const ConditionValue* v) {
                             return compare(base, *date, std::get<std::int64_t>(v->value));
                           });
      }
      case ConditionFamily::kBool: {
        auto flag = parse_policy_bool(value);
        if (!flag) {
          unreadable(value, "true or false");
          return false;
        }
        return std::any_of(
            resolved_.typed.begin(), resolved_.typed.end(),
            [&](const ConditionValue* v) { return std::get<bool>(v->value) == *flag; });
      }
      case ConditionFamily::kIp: {
        auto address = parse_ip_network(value, /*unmap_v4=*/true);
        if (!address || value.find('/') != std::string::npos) {
          unreadable(value, "an IP address");
          return false;
        }
        return std::any_of(resolved_.typed.begin(), resolved_.typed.end(),
                           [&](const ConditionValue* v) {
                             return std::get<IpNetwork>(v->value).contains(*address);
                           });
      }
      case ConditionFamily::kNull:
        return false;
    }
    return false;
  }

  const ConditionClause& clause_;
  const RequestContext& context_;
  std::vector<core::Error>& problems_;
  ResolvedValues resolved_;
};

}  // namespace

bool evaluate_condition(const ConditionClause& clause, const RequestContext& context,
                        std::vector<core::Error>& problems) {
  return ClauseEvaluator(clause, context, problems).run();
}

}  // namespace ward::gov
