#include "server/api_routes.h"

#include <httplib.h>

#include <algorithm>
#include <charconv>

#include "gov/audit/query.h"
#include "gov/identity/directory.h"
#include "gov/identity/json.h"
#include "gov/identity/tokens.h"
#include "gov/keys/json.h"
#include "gov/keys/keyring.h"
#include "gov/keys/master_key.h"
#include "gov/tenancy/tiers.h"
#include "server/gateway.h"

namespace ward::server {
namespace {

using core::Code;
using core::Error;
using nlohmann::json;

constexpr std::int64_t kDefaultAuditLimit = 100;
constexpr std::int64_t kMaxAuditLimit = 1000;

// ---- reading request fields, each error naming the field ----

core::Result<std::string> required_string(const json& body, const char* field) {
  auto it = body.find(field);
  if (it == body.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    return Error(Code::kInvalidArgument, field, "a non-empty string is required here");
  }
  return it->get<std::string>();
}

core::Result<std::vector<std::string>> optional_strings(const json& body, const char* field) {
  std::vector<std::string> out;
  auto it = body.find(field);
  if (it == body.end()) return out;
  if (!it->is_array())
    return Error(Code::kInvalidArgument, field, "an array of strings is expected");
  for (const json& item : *it) {
    if (!item.is_string()) {
      return Error(Code::kInvalidArgument, field, "every element must be a string");
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

// The name in a JSON body, for naming the resource before the body is checked; "*" when absent.
std::string body_name(const httplib::Request& req, const char* field) {
  const json body = json::parse(req.body, nullptr, false);
  if (body.is_object() && body.contains(field) && (*body.find(field)).is_string()) {
    return body[field].get<std::string>();
  }
  return "*";
}

std::string path_part(const httplib::Request& req) {
  return req.matches.size() > 1 ? req.matches[1].str() : "";
}

ResourceOf fixed(std::string type_and_name) {
  return [type_and_name](const httplib::Request&, const gov::AuthenticatedPrincipal& p) {
    return resource_name(p, type_and_name);
  };
}

ResourceOf user_from_body() {
  return [](const httplib::Request& req, const gov::AuthenticatedPrincipal& p) {
    return resource_name(p, "user/" + body_name(req, "user"));
  };
}

// Records the string fields `fields` of the body (names, never secrets) in the audit event.
Describe body_fields(std::vector<std::string> fields) {
  return [fields](const httplib::Request&, const json& body, gov::AuditParams& params) {
    for (const std::string& field : fields) {
      auto it = body.find(field);
      if (it != body.end() && it->is_string()) {
        params.set(field, gov::audit_clean_text(it->get<std::string>(), 128));
      }
    }
  };
}

// Records the path's identifier under `key`.
Describe path_param(std::string key) {
  return [key](const httplib::Request& req, const json&, gov::AuditParams& params) {
    params.set(key, gov::audit_clean_text(path_part(req), 128));
  };
}

gov::Directory directory(Gateway& gateway) {
  auto& c = gateway.context();
  return gov::Directory(c.db, c.clock, c.identity);
}

// ---- query strings ----

core::Result<gov::AuditQuery> audit_query(const httplib::Request& req, const std::string& tenant) {
  gov::AuditQuery query;
  query.tenant = tenant;
  query.limit = kDefaultAuditLimit;
  for (const char* bound : {"since", "until"}) {
    if (!req.has_param(bound)) continue;
    auto time = gov::parse_audit_time(req.get_param_value(bound));
    if (!time) return Error(Code::kInvalidArgument, bound, time.error().message());
    (std::string_view(bound) == "since" ? query.since : query.until) = *time;
  }
  query.actor = req.get_param_value("actor");
  query.action = req.get_param_value("action");
  if (req.has_param("outcome")) {
    auto outcome = gov::parse_audit_outcome(req.get_param_value("outcome"));
    if (!outcome) return Error(Code::kInvalidArgument, "outcome", outcome.error().message());
    query.outcome = *outcome;
  }
  if (req.has_param("limit")) {
    const std::string text = req.get_param_value("limit");
    std::int64_t limit = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
    if (ec != std::errc() || end != text.data() + text.size() || limit < 1 ||
        limit > kMaxAuditLimit) {
      return Error(Code::kInvalidArgument, "limit",
                   "the limit is a whole number from 1 to " + std::to_string(kMaxAuditLimit));
    }
    query.limit = limit;
  }
  return query;
}

// ---- routes ----

void install_identity_routes(httplib::Server& http, Gateway& gateway) {
  http.Post("/api/v1/bootstrap", [&gateway](const httplib::Request& req, httplib::Response& res) {
    gateway.handle_bootstrap(req, res);
  });
  http.Get("/api/v1/me", [&gateway](const httplib::Request& req, httplib::Response& res) {
    gateway.handle_self(req, res, "ward:GetCallerIdentity", [](Call& call) -> core::Result<Reply> {
      const auto& p = call.principal;
      return Reply{200,
                   {{"user", p.user_name},
                    {"tenant", p.tenant_name},
                    {"region", p.region},
                    {"tier", call.tier.name},
                    {"auth_method", gov::auth_method_name(p.method)},
                    {"token_id", p.token_id ? json(*p.token_id) : json(nullptr)},
                    {"mfa", p.mfa_present}}};
    });
  });

  http.Get("/api/v1/audit/events", [&gateway](const httplib::Request& req, httplib::Response& res) {
    gateway.handle(req, res, {"ward:AuditRead", fixed("audit"), RouteEffect::kRead, nullptr},
                   [&gateway](Call& call) -> core::Result<Reply> {
                     auto query = audit_query(call.request, call.principal.tenant_name);
                     if (!query) return query.error();
                     auto records = gov::query_audit_events(gateway.context().db, *query);
                     if (!records) return records.error();
                     json events = json::array();
                     for (const auto& r : *records) events.push_back(gov::audit_record_json(r));
                     call.params.set("returned", static_cast<std::int64_t>(records->size()));
                     return Reply{200, {{"events", std::move(events)}}};
                   });
  });
}

void install_user_routes(httplib::Server& http, Gateway& gateway) {
  http.Get("/api/v1/admin/users", [&gateway](const httplib::Request& req, httplib::Response& res) {
    gateway.handle(req, res, {"ward:AdminUsers", fixed("user/*"), RouteEffect::kRead, nullptr},
                   [&gateway](Call& call) -> core::Result<Reply> {
                     auto users = directory(gateway).list_users(call.principal.tenant_name);
                     if (!users) return users.error();
                     json out = json::array();
                     for (const auto& u : *users) out.push_back(gov::user_json(u));
                     return Reply{200, {{"users", std::move(out)}}};
                   });
  });
  http.Post("/api/v1/admin/users", [&gateway](const httplib::Request& req, httplib::Response& res) {
    const ResourceOf resource = [](const httplib::Request& r,
                                   const gov::AuthenticatedPrincipal& p) {
      return resource_name(p, "user/" + body_name(r, "name"));
    };
    gateway.handle(req, res,
                   {"ward:AdminUsers", resource, RouteEffect::kWrite, body_fields({"name"})},
                   [&gateway](Call& call) -> core::Result<Reply> {
                     auto name = required_string(call.body, "name");
                     if (!name) return name.error();
                     auto roles = optional_strings(call.body, "roles");
                     if (!roles) return roles.error();
                     auto groups = optional_strings(call.body, "groups");
                     if (!groups) return groups.error();
                     gov::NewUser user;
                     user.tenant = call.principal.tenant_name;
                     user.name = *name;
                     user.roles = *roles;
                     user.groups = *groups;
                     auto created = directory(gateway).create_user(user);
                     if (!created) return created.error();
                     return Reply{201, gov::user_json(*created)};
                   });
  });
  http.Delete(R"(/api/v1/admin/users/([^/]+))", [&gateway](const httplib::Request& req,
                                                           httplib::Response& res) {
    const ResourceOf resource = [](const httplib::Request& r,
                                   const gov::AuthenticatedPrincipal& p) {
      return resource_name(p, "user/" + path_part(r));
    };
    gateway.handle(req, res, {"ward:AdminUsers", resource, RouteEffect::kWrite, path_param("user")},
                   [&gateway](Call& call) -> core::Result<Reply> {
                     const std::string name = path_part(call.request);
                     auto scheduled = directory(gateway).schedule_user_deletion(
                         call.principal.tenant_name, name);
                     if (!scheduled) return scheduled.error();
                     return Reply{200, gov::user_json(*scheduled)};
                   });
  });
}

void install_token_routes(httplib::Server& http, Gateway& gateway) {
  http.Get("/api/v1/admin/tokens", [&gateway](const httplib::Request& req, httplib::Response& res) {
    gateway.handle(req, res, {"ward:AdminTokens", fixed("token/*"), RouteEffect::kRead, nullptr},
                   [&gateway](Call& call) -> core::Result<Reply> {
                     auto& c = gateway.context();
                     gov::Tokens tokens(c.db, c.clock, c.identity);
                     auto listed = tokens.list(call.principal.tenant_name);
                     if (!listed) return listed.error();
                     json out = json::array();
                     for (const auto& t : *listed) out.push_back(gov::token_json(t, c.clock.now()));
                     return Reply{200, {{"tokens", std::move(out)}}};
                   });
  });
  http.Post(
      "/api/v1/admin/tokens", [&gateway](const httplib::Request& req, httplib::Response& res) {
        gateway.handle(
            req, res,
            {"ward:AdminTokens", user_from_body(), RouteEffect::kWrite, body_fields({"user"})},
            [&gateway](Call& call) -> core::Result<Reply> {
              auto user = required_string(call.body, "user");
              if (!user) return user.error();
              gov::TokenRequest request;
              request.tenant = call.principal.tenant_name;
              request.user = *user;
              if (auto days = call.body.find("expires_in_days"); days != call.body.end()) {
                if (!days->is_number_integer() || days->get<std::int64_t>() < 1) {
                  return Error(Code::kInvalidArgument, "expires_in_days",
                               "a whole number of days, at least 1");
                }
                request.lifetime =
                    std::chrono::days(std::min<std::int64_t>(days->get<std::int64_t>(), 100000));
              }
              if (auto policy = call.body.find("session_policy"); policy != call.body.end()) {
                if (!policy->is_object()) {
                  return Error(Code::kInvalidArgument, "session_policy",
                               "a JSON policy document (an object) is expected");
                }
                request.session_policy = policy->dump();
              }
              auto& c = gateway.context();
              gov::Tokens tokens(c.db, c.clock, c.identity);
              auto issued = tokens.create(request);
              if (!issued) return issued.error();
              json out = gov::token_json(issued->info, c.clock.now());
              out["token"] = issued->token;  // shown once: only its hash is stored
              return Reply{201, std::move(out)};
            });
      });
  http.Delete(R"(/api/v1/admin/tokens/([0-9a-f]+))", [&gateway](const httplib::Request& req,
                                                                httplib::Response& res) {
    const ResourceOf resource = [](const httplib::Request& r,
                                   const gov::AuthenticatedPrincipal& p) {
      return resource_name(p, "token/" + path_part(r));
    };
    gateway.handle(req, res,
                   {"ward:AdminTokens", resource, RouteEffect::kWrite, path_param("token_id")},
                   [&gateway](Call& call) -> core::Result<Reply> {
                     auto& c = gateway.context();
                     gov::Tokens tokens(c.db, c.clock, c.identity);
                     const std::string id = path_part(call.request);
                     auto listed = tokens.list(call.principal.tenant_name);
                     if (!listed) return listed.error();
                     // Only a token of the caller's own tenant can be revoked here.
                     const bool ours = std::any_of(listed->begin(), listed->end(),
                                                   [&](const auto& t) { return t.id == id; });
                     if (!ours) {
                       return Error(Code::kNotFound, "token " + id, "no such token in your tenant");
                     }
                     auto revoked = tokens.revoke(id);
                     if (!revoked) return revoked.error();
                     return Reply{200, gov::token_json(*revoked, c.clock.now())};
                   });
  });
}

core::Result<std::pair<gov::PrincipalKind, std::string>> policy_target(const Call& call) {
  std::vector<std::pair<gov::PrincipalKind, std::string>> named;
  for (auto [field, kind] : {std::pair{"user", gov::PrincipalKind::kUser},
                             std::pair{"group", gov::PrincipalKind::kGroup},
                             std::pair{"role", gov::PrincipalKind::kRole}}) {
    if (call.body.contains(field)) {
      auto name = required_string(call.body, field);
      if (!name) return name.error();
      named.emplace_back(kind, *name);
    }
  }
  if (auto g = call.body.find("guardrail"); g != call.body.end()) {
    if (!g->is_boolean()) return Error(Code::kInvalidArgument, "guardrail", "true or false");
    if (g->get<bool>()) named.emplace_back(gov::PrincipalKind::kTenant, call.principal.tenant_name);
  }
  if (named.size() != 1) {
    return Error(Code::kInvalidArgument, "body",
                 "name exactly one of user, group, role or guardrail: true");
  }
  return named.front();
}

core::Result<gov::PolicySource> policy_source(const Call& call) {
  const bool managed = call.body.contains("managed");
  const bool document = call.body.contains("document");
  if (managed == document) {
    return Error(Code::kInvalidArgument, "body", "give either managed (a name) or document");
  }
  if (managed) {
    auto name = required_string(call.body, "managed");
    if (!name) return name.error();
    return gov::PolicySource::managed(*name);
  }
  const json& doc = call.body["document"];
  if (!doc.is_object()) {
    return Error(Code::kInvalidArgument, "document", "a JSON policy document (an object)");
  }
  return gov::PolicySource::inline_document(doc.dump());
}

void install_policy_routes(httplib::Server& http, Gateway& gateway) {
  http.Post(
      "/api/v1/admin/policies", [&gateway](const httplib::Request& req, httplib::Response& res) {
        gateway.handle(req, res,
                       {"ward:AdminPolicies", fixed("policy/*"), RouteEffect::kWrite,
                        body_fields({"user", "group", "role", "managed"})},
                       [&gateway](Call& call) -> core::Result<Reply> {
                         auto target = policy_target(call);
                         if (!target) return target.error();
                         auto source = policy_source(call);
                         if (!source) return source.error();
                         auto attached = directory(gateway).attach_policy(
                             call.principal.tenant_name, target->first, target->second, *source);
                         if (!attached) return attached.error();
                         return Reply{201, gov::attachment_json(*attached)};
                       });
      });
  http.Delete(R"(/api/v1/admin/policies/([^/]+))", [&gateway](const httplib::Request& req,
                                                              httplib::Response& res) {
    const ResourceOf resource = [](const httplib::Request& r,
                                   const gov::AuthenticatedPrincipal& p) {
      return resource_name(p, "policy/" + path_part(r));
    };
    gateway.handle(
        req, res,
        {"ward:AdminPolicies", resource, RouteEffect::kWrite, path_param("attachment_id")},
        [&gateway](Call& call) -> core::Result<Reply> {
          const std::string id = path_part(call.request);
          auto detached = directory(gateway).detach_policy(call.principal.tenant_name, id);
          if (!detached) return detached.error();
          return Reply{200, gov::attachment_json(*detached)};
        });
  });
}

// ---- keys ----

// The keyring knows tenants by id; the caller knows its tenant by name. Errors and replies use
// the name.
struct KeyTenant {
  std::string id;
  std::string name;
  core::Error named(const core::Error& error) const {
    if (error.where() != "tenant " + id) return error;
    return Error(error.code(), "tenant " + name, error.message());
  }
};

core::Result<KeyTenant> key_tenant(Gateway& gateway, const Call& call) {
  auto tenant = directory(gateway).get_tenant(call.principal.tenant_name);
  if (!tenant) return tenant.error();
  return KeyTenant{tenant->id, tenant->name};
}

// The tenant's 256-bit key from the body's "key" (64 hex digits or base64): never echoed, never
// audited (the gateway records only the fields a route's Describe names).
core::Result<crypto::SecretBytes> key_material(const Call& call) {
  auto it = call.body.find("key");
  if (it == call.body.end() || !it->is_string()) {
    return Error(Code::kInvalidArgument, "key",
                 "the tenant's 256-bit key is required here, as 64 hex digits or base64");
  }
  const std::string& text = it->get_ref<const std::string&>();
  return gov::parse_key_material(
      std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), "key");
}

using KeyOperation = std::function<core::Result<json>(Gateway&, Call&, const KeyTenant&)>;

core::Result<json> import_key(Gateway& gateway, Call& call, const KeyTenant& tenant) {
  if (auto offered = gov::check_byok_offered(call.tier, tenant.name); !offered) {
    return offered.error();
  }
  auto key = key_material(call);
  if (!key) return key.error();
  auto change = gateway.context().keyring.import_kek(tenant.id, *key);
  if (!change) return change.error();
  return gov::key_change_json(*change, tenant.name);
}

core::Result<json> restore_key(Gateway& gateway, Call& call, const KeyTenant& tenant) {
  auto key = key_material(call);
  if (!key) return key.error();
  auto change = gateway.context().keyring.restore_kek(tenant.id, *key);
  if (!change) return change.error();
  return gov::key_change_json(*change, tenant.name);
}

core::Result<json> rotate_key(Gateway& gateway, Call&, const KeyTenant& tenant) {
  auto change = gateway.context().keyring.rotate_kek(tenant.id);
  if (!change) return change.error();
  return gov::key_change_json(*change, tenant.name);
}

core::Result<json> revoke_key(Gateway& gateway, Call&, const KeyTenant& tenant) {
  auto change = gateway.context().keyring.revoke_kek(tenant.id);
  if (!change) return change.error();
  return gov::key_change_json(*change, tenant.name);
}

core::Result<json> rewrap_keys(Gateway& gateway, Call&, const KeyTenant& tenant) {
  auto report = gateway.context().keyring.rewrap(tenant.id);
  if (!report) return report.error();
  return gov::rewrap_report_json(*report, tenant.name);
}

void install_key_routes(httplib::Server& http, Gateway& gateway) {
  http.Get("/api/v1/admin/keys", [&gateway](const httplib::Request& req, httplib::Response& res) {
    gateway.handle(req, res, {"ward:AdminKeys", fixed("key/*"), RouteEffect::kRead, nullptr},
                   [&gateway](Call& call) -> core::Result<Reply> {
                     auto tenant = key_tenant(gateway, call);
                     if (!tenant) return tenant.error();
                     auto status = gateway.context().keyring.status(tenant->id);
                     if (!status) return tenant->named(status.error());
                     return Reply{200, gov::key_status_json(*status, tenant->name)};
                   });
  });
  const std::pair<const char*, KeyOperation> operations[] = {{"import", import_key},
                                                             {"rotate", rotate_key},
                                                             {"revoke", revoke_key},
                                                             {"restore", restore_key},
                                                             {"rewrap", rewrap_keys}};
  for (const auto& entry : operations) {
    const std::string operation_name = entry.first;
    const KeyOperation operation = entry.second;
    http.Post(
        "/api/v1/admin/keys/" + operation_name,
        [&gateway, operation_name, operation](const httplib::Request& req, httplib::Response& res) {
          const Describe describe = [operation_name](const httplib::Request&, const json&,
                                                     gov::AuditParams& params) {
            params.set("operation", operation_name);
          };
          gateway.handle(
              req, res,
              {"ward:AdminKeys", fixed("key/" + operation_name), RouteEffect::kWrite, describe},
              [&gateway, &operation](Call& call) -> core::Result<Reply> {
                auto tenant = key_tenant(gateway, call);
                if (!tenant) return tenant.error();
                auto done = operation(gateway, call, *tenant);
                if (!done) return tenant->named(done.error());
                return Reply{200, std::move(*done)};
              });
        });
  }
}

}  // namespace

void install_api_routes(httplib::Server& http, Gateway& gateway) {
  install_identity_routes(http, gateway);
  install_user_routes(http, gateway);
  install_token_routes(http, gateway);
  install_policy_routes(http, gateway);
  install_key_routes(http, gateway);
}

}  // namespace ward::server
