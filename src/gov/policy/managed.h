#pragma once
// The managed policies shipped with Ward, embedded in the binary as JSON: WardDeveloperAccess,
// WardAuditor and WardAdministrator (docs/policies.md shows each). Each grants only within the
// caller's own tenant. Thread-safe: the documents are parsed once, on first use.

#include <span>
#include <string_view>

#include "core/error.h"
#include "gov/policy/policy.h"

namespace ward::gov {

// A policy reference "managed:NAME" names a managed policy; the parsed Policy's name is that.
inline constexpr std::string_view kManagedPolicyPrefix = "managed:";

struct ManagedPolicyInfo {
  std::string_view name;  // e.g. "WardAuditor"
  std::string_view description;
  std::string_view document;  // the JSON text
};

std::span<const ManagedPolicyInfo> managed_policies();

// The managed policy called `name` ("WardAuditor"; a "managed:" prefix is also accepted).
// kNotFound, listing the names, when there is none.
core::Result<PolicyRef> managed_policy(std::string_view name);

}  // namespace ward::gov
