#include "gov/policy/request.h"

#include <fmt/format.h>

#include <chrono>

#include "gov/policy/catalogue.h"
#include "gov/policy/pattern.h"

namespace ward::gov {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

constexpr std::string_view kPrincipalTagPrefix = "ward:PrincipalTag/";

}  // namespace

void RequestContext::set(std::string_view key, std::vector<std::string> values) {
  auto& entry = entries_[lower(key)];
  if (entry.key.empty()) entry.key = std::string(key);
  entry.values = std::move(values);
}

void RequestContext::add(std::string_view key, std::string value) {
  auto& entry = entries_[lower(key)];
  if (entry.key.empty()) entry.key = std::string(key);
  entry.values.push_back(std::move(value));
}

void RequestContext::erase(std::string_view key) {
  entries_.erase(lower(key));
}

const std::vector<std::string>* RequestContext::find(std::string_view key) const {
  auto it = entries_.find(lower(key));
  return it == entries_.end() ? nullptr : &it->second.values;
}

std::optional<std::string> RequestContext::single(std::string_view key) const {
  const auto* values = find(key);
  if (values == nullptr || values->size() != 1) return std::nullopt;
  return values->front();
}

core::Status check_access_request(const AccessRequest& request) {
  const auto too_long = [](std::string_view what, std::size_t size) {
    return core::Error(
        core::Code::kInvalidArgument, std::string(what),
        fmt::format("is {} bytes; the limit is {} bytes", size, kMaxRequestStringBytes));
  };
  if (request.action.empty()) {
    return core::Error(core::Code::kInvalidArgument, "action", "the request names no action");
  }
  if (request.resource.empty()) {
    return core::Error(core::Code::kInvalidArgument, "resource", "the request names no resource");
  }
  if (request.action.size() > kMaxRequestStringBytes)
    return too_long("action", request.action.size());
  if (request.resource.size() > kMaxRequestStringBytes)
    return too_long("resource", request.resource.size());
  const std::string_view action = request.action;
  const bool action_ok = action.size() > 5 && equals_ignore_case(action.substr(0, 5), "ward:") &&
                         action.substr(5).find_first_not_of(
                             "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") ==
                             std::string_view::npos;
  if (!action_ok) {
    return core::Error(core::Code::kInvalidArgument, "action",
                       fmt::format("\"{}\" is not an action; actions are ward:NAME, e.g. ward:Chat",
                                   action.substr(0, 64)));
  }
  if (auto name = parse_resource_name(request.resource); !name) {
    return core::Error(core::Code::kInvalidArgument, "resource", name.error().message());
  }
  if (request.principal.username.size() > kMaxRequestStringBytes) {
    return too_long("principal", request.principal.username.size());
  }
  if (request.principal.tenant.size() > kMaxRequestStringBytes) {
    return too_long("tenant", request.principal.tenant.size());
  }
  if (request.context.entries().size() + request.principal.tags.size() > kMaxContextKeys) {
    return core::Error(core::Code::kInvalidArgument, "context",
                       fmt::format("the request has more than {} context keys and principal tags",
                                   kMaxContextKeys));
  }
  for (const auto& [tag, value] : request.principal.tags) {
    if (tag.size() + kPrincipalTagPrefix.size() > kMaxRequestStringBytes)
      return too_long("tag", tag.size());
    if (value.size() > kMaxRequestStringBytes)
      return too_long("ward:PrincipalTag/" + tag, value.size());
  }
  for (const auto& [_, entry] : request.context.entries()) {
    if (entry.key.size() > kMaxRequestStringBytes) return too_long("context key", entry.key.size());
    if (entry.values.size() > kMaxContextValues) {
      return core::Error(core::Code::kInvalidArgument, entry.key,
                         fmt::format("has {} values; a context key may have at most {}",
                                     entry.values.size(), kMaxContextValues));
    }
    for (const auto& value : entry.values) {
      if (value.size() > kMaxRequestStringBytes) return too_long(entry.key, value.size());
    }
  }
  return core::ok_status();
}

RequestContext effective_context(const AccessRequest& request) {
  RequestContext context = request.context;
  // Principal facts come from the principal only.
  std::vector<std::string> claimed_tags;
  for (const auto& [key, entry] : context.entries()) {
    if (key.rfind(lower(kPrincipalTagPrefix), 0) == 0) claimed_tags.push_back(entry.key);
  }
  for (const auto& key : claimed_tags) context.erase(key);
  context.erase("ward:username");
  context.erase("ward:tenant");
  if (!request.principal.username.empty())
    context.set("ward:username", {request.principal.username});
  if (!request.principal.tenant.empty()) context.set("ward:tenant", {request.principal.tenant});
  for (const auto& [tag, value] : request.principal.tags) {
    context.set(std::string(kPrincipalTagPrefix) + tag, {value});
  }
  if (request.time) {
    if (context.find("ward:CurrentTime") == nullptr) {
      context.set("ward:CurrentTime", {core::format_rfc3339(*request.time)});
    }
    if (context.find("ward:EpochTime") == nullptr) {
      const auto seconds =
          std::chrono::duration_cast<std::chrono::seconds>(request.time->time_since_epoch())
              .count();
      context.set("ward:EpochTime", {std::to_string(seconds)});
    }
  }
  return context;
}

}  // namespace ward::gov
