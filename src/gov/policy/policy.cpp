#include "gov/policy/policy.h"

namespace ward::gov {

std::string_view effect_name(PolicyEffect effect) {
  return effect == PolicyEffect::kAllow ? "Allow" : "Deny";
}

ConditionFamily condition_family(ConditionBase base) {
  switch (base) {
    case ConditionBase::kStringEquals:
    case ConditionBase::kStringNotEquals:
    case ConditionBase::kStringEqualsIgnoreCase:
    case ConditionBase::kStringNotEqualsIgnoreCase:
    case ConditionBase::kStringLike:
    case ConditionBase::kStringNotLike:
      return ConditionFamily::kString;
    case ConditionBase::kNumericEquals:
    case ConditionBase::kNumericNotEquals:
    case ConditionBase::kNumericLessThan:
    case ConditionBase::kNumericLessThanEquals:
    case ConditionBase::kNumericGreaterThan:
    case ConditionBase::kNumericGreaterThanEquals:
      return ConditionFamily::kNumeric;
    case ConditionBase::kDateEquals:
    case ConditionBase::kDateNotEquals:
    case ConditionBase::kDateLessThan:
    case ConditionBase::kDateLessThanEquals:
    case ConditionBase::kDateGreaterThan:
    case ConditionBase::kDateGreaterThanEquals:
      return ConditionFamily::kDate;
    case ConditionBase::kBool:
      return ConditionFamily::kBool;
    case ConditionBase::kIpAddress:
    case ConditionBase::kNotIpAddress:
      return ConditionFamily::kIp;
    case ConditionBase::kNull:
      return ConditionFamily::kNull;
  }
  return ConditionFamily::kString;
}

bool is_negated(ConditionBase base) {
  switch (base) {
    case ConditionBase::kStringNotEquals:
    case ConditionBase::kStringNotEqualsIgnoreCase:
    case ConditionBase::kStringNotLike:
    case ConditionBase::kNumericNotEquals:
    case ConditionBase::kDateNotEquals:
    case ConditionBase::kNotIpAddress:
      return true;
    default:
      return false;
  }
}

std::string_view condition_base_name(ConditionBase base) {
  switch (base) {
    case ConditionBase::kStringEquals:
      return "StringEquals";
    case ConditionBase::kStringNotEquals:
      return "StringNotEquals";
    case ConditionBase::kStringEqualsIgnoreCase:
      return "StringEqualsIgnoreCase";
    case ConditionBase::kStringNotEqualsIgnoreCase:
      return "StringNotEqualsIgnoreCase";
    case ConditionBase::kStringLike:
      return "StringLike";
    case ConditionBase::kStringNotLike:
      return "StringNotLike";
    case ConditionBase::kNumericEquals:
      return "NumericEquals";
    case ConditionBase::kNumericNotEquals:
      return "NumericNotEquals";
    case ConditionBase::kNumericLessThan:
      return "NumericLessThan";
    case ConditionBase::kNumericLessThanEquals:
      return "NumericLessThanEquals";
    case ConditionBase::kNumericGreaterThan:
      return "NumericGreaterThan";
    case ConditionBase::kNumericGreaterThanEquals:
      return "NumericGreaterThanEquals";
    case ConditionBase::kDateEquals:
      return "DateEquals";
    case ConditionBase::kDateNotEquals:
      return "DateNotEquals";
    case ConditionBase::kDateLessThan:
      return "DateLessThan";
    case ConditionBase::kDateLessThanEquals:
      return "DateLessThanEquals";
    case ConditionBase::kDateGreaterThan:
      return "DateGreaterThan";
    case ConditionBase::kDateGreaterThanEquals:
      return "DateGreaterThanEquals";
    case ConditionBase::kBool:
      return "Bool";
    case ConditionBase::kIpAddress:
      return "IpAddress";
    case ConditionBase::kNotIpAddress:
      return "NotIpAddress";
    case ConditionBase::kNull:
      return "Null";
  }
  return "StringEquals";
}

}  // namespace ward::gov
