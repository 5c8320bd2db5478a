#pragma once
// Evaluating one condition clause (an operator, a context key and its values) against a request's
// context, with the semantics of AWS IAM:
//  - several values for the key in the policy: the clause holds when any one matches (OR); a
//    negated operator (StringNotEquals, NotIpAddress, …) holds when none matches;
//  - the key absent from the request: false, except true for negated operators, for …IfExists,
//    and for ForAllValues:;
//  - ForAnyValue: holds when at least one of the request's values matches; ForAllValues: when
//    every one does (and when there are none); without a prefix a multi-valued key behaves like
//    ForAnyValue:, and a negated operator like the negation of the positive operator;
//  - Null: "true" holds when the key is absent, "false" when it is present.
// A request value that the operator cannot read (an address that is not one, say) matches
// nothing and is reported; so is a policy variable with no value. Pure; safe from any thread.

#include <string>
#include <vector>

#include "core/error.h"
#include "gov/policy/policy.h"
#include "gov/policy/request.h"

namespace ward::gov {

// True when `clause` holds for `context`. Problems found on the way are appended to `problems`
// (kInvalidArgument, `where` = the clause's JSON path; the caller adds the policy name).
bool evaluate_condition(const ConditionClause& clause, const RequestContext& context,
                        std::vector<core::Error>& problems);

}  // namespace ward::gov
