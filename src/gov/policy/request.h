#pragma once
// What is asked of the policy engine: who (the principal), which action, on which resource, and
// the context keys conditions test (the client's address, the time, MFA, the region, …).
// Values; safe to share between threads when not modified.

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"

namespace ward::gov {

// Bounds on a request; check_access_request refuses larger ones.
inline constexpr std::size_t kMaxRequestStringBytes = 2048;  // action, resource, each value
inline constexpr std::size_t kMaxContextKeys = 64;
inline constexpr std::size_t kMaxContextValues = 64;  // per key

// Context keys and their values. Keys are case-insensitive ("ward:SourceIp" and "ward:sourceip"
// are one key); a key has one or more values (a multi-valued key such as ward:PrincipalGroups).
class RequestContext {
 public:
  // Replaces the values of `key`.
  void set(std::string_view key, std::vector<std::string> values);
  // Adds one value to `key`.
  void add(std::string_view key, std::string value);
  void erase(std::string_view key);
  // The values of `key`, or nullptr when the request does not have it.
  const std::vector<std::string>* find(std::string_view key) const;
  // The only value of `key`; nullopt when it is absent or has several.
  std::optional<std::string> single(std::string_view key) const;

  struct Entry {
    std::string key;  // as first written
    std::vector<std::string> values;
  };
  // Entries ordered by lower-cased key.
  const std::map<std::string, Entry>& entries() const { return entries_; }

 private:
  std::map<std::string, Entry> entries_;  // lower-cased key → entry
};

// The caller, as the policy engine sees it.
struct PolicyPrincipal {
  std::string username;
  std::string tenant;
  std::map<std::string, std::string> tags;  // ward:PrincipalTag/NAME
};

struct AccessRequest {
  PolicyPrincipal principal;
  std::string action;    // e.g. "ward:Chat"
  std::string resource;  // e.g. "ward:eu-west-2:acme:workspace/payments"
  RequestContext context;
  // The time of the request, for ward:CurrentTime and ward:EpochTime when the context does not
  // carry them.
  std::optional<core::TimePoint> time;
};

// Checks a request's size bounds and that action and resource are non-empty. kInvalidArgument.
core::Status check_access_request(const AccessRequest& request);

// The context conditions see: the request's context, with ward:username, ward:tenant and
// ward:PrincipalTag/NAME taken from the principal (replacing any the context carried, so a caller
// cannot claim them), and ward:CurrentTime and ward:EpochTime from `time` unless the context has
// them.
RequestContext effective_context(const AccessRequest& request);

}  // namespace ward::gov
