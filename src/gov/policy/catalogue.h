#pragma once
// Ward's catalogue for policies: the actions a policy can allow or deny, the resource types and
// the shape of their names, and the context keys conditions can test. docs/policies.md lists the
// same catalogue for people; a test keeps the two in step. Constant data; safe from any thread.

#include <span>
#include <string>
#include <string_view>

#include "core/error.h"

namespace ward::gov {

struct PolicyActionInfo {
  std::string_view name;            // e.g. "ward:Chat"
  std::string_view resource_types;  // the resource types it applies to, e.g. "workspace"
  std::string_view description;
};

struct PolicyResourceTypeInfo {
  std::string_view type;  // e.g. "workspace"
  bool named;             // true: ward:REGION:TENANT:TYPE/NAME; false: ward:REGION:TENANT:TYPE
  std::string_view description;
};

// The value type of a context key, which decides which condition operators suit it.
enum class ContextKeyType { kString, kNumeric, kDate, kBool, kIp };

struct PolicyContextKeyInfo {
  std::string_view name;  // e.g. "ward:SourceIp"; "ward:PrincipalTag/" stands for every tag key
  ContextKeyType type;
  bool multi_valued;
  std::string_view description;
};

std::span<const PolicyActionInfo> policy_actions();
std::span<const PolicyResourceTypeInfo> policy_resource_types();
std::span<const PolicyContextKeyInfo> policy_context_keys();

// Lookups, case-insensitive for actions and context keys, case-sensitive for resource types.
// nullptr when not catalogued. `ward:PrincipalTag/NAME` finds the "ward:PrincipalTag/" entry.
const PolicyActionInfo* find_policy_action(std::string_view name);
const PolicyResourceTypeInfo* find_policy_resource_type(std::string_view type);
const PolicyContextKeyInfo* find_policy_context_key(std::string_view name);

std::string_view context_key_type_name(ContextKeyType type);

// A Ward resource name: ward:REGION:TENANT:TYPE/NAME (or ward:REGION:TENANT:TYPE for the unnamed
// types `audit` and `tenant`).
struct ResourceName {
  std::string region;
  std::string tenant;
  std::string type;
  std::string name;  // empty for unnamed types
  std::string to_string() const;
};

// Parses and checks a resource name as a request carries it (no wildcards). REGION is lower-case
// letters, digits and `-`; TENANT is letters, digits, `.`, `_` and `-`; NAME is printable and has
// no `:`; the whole is at most 2048 bytes.
core::Result<ResourceName> parse_resource_name(std::string_view text);

}  // namespace ward::gov
