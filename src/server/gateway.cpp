#include "server/gateway.h"

#include <fmt/format.h>
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "gov/access/gate.h"
#include "gov/bootstrap.h"
#include "gov/identity/directory.h"
#include "gov/identity/sessions.h"
#include "gov/identity/tokens.h"
#include "server/http_error.h"
#include "server/json_body.h"
#include "server/metrics.h"

namespace ward::server {

using core::Code;
using core::Error;

// Everything known about a request so far, for its audit event.
struct Gateway::Pending {
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::string tenant;
  gov::AuditActor actor;
  std::string action;
  std::string resource;
  gov::AuditParams params;
};

namespace {

constexpr std::string_view kBearer = "bearer ";

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}

// The bearer token of the Authorization header, or "" when there is none.
std::string bearer_token(const httplib::Request& req) {
  const std::string header = req.get_header_value("Authorization");
  if (!starts_with_ignoring_case(header, kBearer)) return "";
  std::string token = header.substr(kBearer.size());
  while (!token.empty() && token.front() == ' ') token.erase(token.begin());
  return token;
}

core::Result<nlohmann::json> parse_body(const httplib::Request& req) {
  if (req.body.empty()) return nlohmann::json::object();
  const std::string type = req.get_header_value("Content-Type");
  if (type.rfind("application/json", 0) != 0) {
    return Error(Code::kInvalidArgument, "Content-Type",
                 "send the request body as JSON with Content-Type: application/json");
  }
  return parse_json_object(req.body);
}

// Methods that only read; anything else changes state and needs the CSRF header with a cookie.
bool is_safe_method(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS";
}

std::string_view trim_spaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

void write_reply(httplib::Response& res, const Reply& reply) {
  res.status = reply.status;
  if (reply.text) {
    res.set_content(*reply.text, reply.content_type.empty()
                                     ? "text/plain; version=0.0.4; charset=utf-8"
                                     : reply.content_type);
    return;
  }
  if (reply.stream) {
    // Server-sent events: the producer runs while the response is written, chunk by chunk.
    res.set_header("Cache-Control", "no-store");
    res.set_chunked_content_provider(
        "text/event-stream", [stream = reply.stream](size_t, httplib::DataSink& sink) {
          stream([&sink](std::string_view chunk) {
            return sink.is_writable() && sink.write(chunk.data(), chunk.size());
          });
          sink.done();
          return true;
        });
    return;
  }
  // Model output can hold bytes that are not UTF-8 (a token that ends inside a character); they
  // become U+FFFD rather than failing the reply.
  if (reply.status != 204) {
    res.set_content(reply.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                    "application/json");
  }
}

// The context keys a request contributes to a policy decision.
gov::RequestContext request_context(const httplib::Request& req,
                                    const std::string& requested_region) {
  gov::RequestContext context;
  context.set("ward:SourceIp", {req.remote_addr});
  context.set("ward:SecureTransport", {"true"});
  context.set("ward:RequestedRegion", {requested_region});
  return context;
}

}  // namespace

std::vector<std::string> cookie_values(const httplib::Request& req, std::string_view name) {
  std::vector<std::string> values;
  const std::size_t headers = req.get_header_value_count("Cookie");
  for (std::size_t h = 0; h < headers; ++h) {
    const std::string header = req.get_header_value("Cookie", h);
    std::string_view rest = header;
    while (!rest.empty()) {
      const std::size_t end = rest.find(';');
      const std::string_view pair = trim_spaces(rest.substr(0, end));
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
      const std::size_t eq = pair.find('=');
      if (eq == std::string_view::npos || trim_spaces(pair.substr(0, eq)) != name) continue;
      std::string_view value = trim_spaces(pair.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      values.emplace_back(value);
    }
  }
  return values;
}

std::string resource_name(const gov::AuthenticatedPrincipal& principal,
                          std::string_view type_and_name) {
  return fmt::format("ward:{}:{}:{}", principal.region, principal.tenant_name, type_and_name);
}

Gateway::Gateway(GatewayContext context)
    : context_(std::move(context)), quotas_(context_.db, context_.clock) {}

void Gateway::handle(const httplib::Request& req, httplib::Response& res, const Route& route,
                     const Handler& handler) {
  measured(res, route.action, [&] { run(req, res, &route, route.action, route.effect, handler); });
}

void Gateway::handle_self(const httplib::Request& req, httplib::Response& res,
                          std::string_view action, const Handler& handler) {
  measured(res, action, [&] { run(req, res, nullptr, action, RouteEffect::kRead, handler); });
}

// Counts the request and its latency (to the reply, not to the end of a stream it starts).
void Gateway::measured(const httplib::Response& res, std::string_view action,
                       const std::function<void()>& serve) {
  const auto start = std::chrono::steady_clock::now();
  serve();
  if (context_.metrics == nullptr) return;
  const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;
  context_.metrics->record_request(std::string(action), res.status, seconds.count());
}

core::Status Gateway::record(const Pending& pending, gov::AuditOutcome outcome,
                             std::string_view error_code) {
  gov::AuditEvent event;
  event.tenant = pending.tenant;
  event.actor = pending.actor;
  event.action = pending.action;
  event.resource = pending.resource;
  event.params = pending.params;
  event.outcome = outcome;
  event.error_code = std::string(error_code);
  event.region = context_.region;
  event.latency_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now() - pending.started)
                         .count();
  auto receipt = context_.audit.append(event);
  if (!receipt) {
    spdlog::error("audit event for {} not written: {}", pending.action,
                  receipt.error().to_string());
    return receipt.error();
  }
  return {};
}

void Gateway::refuse(Pending& pending, httplib::Response& res, const Error& error) {
  const bool denial = error.code() == Code::kUnauthenticated ||
                      error.code() == Code::kPermissionDenied ||
                      error.code() == Code::kResourceExhausted;
  const auto outcome = denial ? gov::AuditOutcome::kDenied : gov::AuditOutcome::kError;
  if (auto s = record(pending, outcome, core::code_name(error.code())); !s) {
    write_error(res, Error(Code::kUnavailable, "audit",
                           "the audit log cannot record this request, so it is refused; "
                           "try again later"));
    return;
  }
  write_error(res, error);
}

core::Result<gov::AuthenticatedPrincipal> Gateway::authenticate(const httplib::Request& req,
                                                                Pending& pending) {
  const std::string token = bearer_token(req);
  if (!token.empty()) {
    pending.actor.auth_method = "token";
    pending.actor.token_id = gov::token_id_of(token).value_or("");
    gov::Tokens tokens(context_.db, context_.clock, context_.identity);
    return tokens.authenticate(token);
  }
  const std::vector<std::string> cookies =
      context_.sessions ? cookie_values(req, gov::kSessionCookieName) : std::vector<std::string>{};
  if (cookies.empty()) {
    return Error(Code::kUnauthenticated, "Authorization",
                 context_.sessions
                     ? "this API needs an API token (Authorization: Bearer ward_pat_…) or a "
                       "browser session: sign in at /auth/login"
                     : "this API needs an API token: send Authorization: Bearer ward_pat_…");
  }
  pending.actor.auth_method = std::string(gov::auth_method_name(gov::AuthMethod::kOidc));
  if (cookies.size() > 1) {
    return Error(Code::kUnauthenticated, std::string(gov::kSessionCookieName),
                 "the request carries more than one ward_session cookie, so Ward cannot tell "
                 "which is yours; clear this site's cookies and sign in again");
  }
  if (auto id = gov::session_id_of(cookies.front())) pending.params.set("session_id", *id);
  gov::Sessions sessions(context_.db, context_.clock, *context_.sessions);
  auto principal = sessions.authenticate(cookies.front());
  if (!principal) return principal;
  pending.actor.auth_method = std::string(gov::auth_method_name(principal->method));
  if (!is_safe_method(req.method) && req.get_header_value(std::string(kCsrfHeader)) != "1") {
    pending.tenant = principal->tenant_name;
    pending.actor.user = principal->user_name;
    return Error(Code::kPermissionDenied, std::string(kCsrfHeader),
                 "a request that changes something and is authenticated by the session cookie "
                 "must carry the header X-Ward-CSRF: 1 (it shows the request is not a forged "
                 "cross-site one); Ward's own pages and clients send it");
  }
  return principal;
}

void Gateway::run(const httplib::Request& req, httplib::Response& res, const Route* route,
                  std::string_view action, RouteEffect effect, const Handler& handler) {
  Pending pending;
  pending.action = std::string(action);
  pending.actor.source_ip = req.remote_addr;
  pending.actor.user_agent =
      gov::audit_clean_text(req.get_header_value("User-Agent"), gov::kAuditMaxUserAgent);
  pending.actor.auth_method = "none";
  pending.resource = "ward:api";
  pending.params.set("method", req.method).set("path", gov::audit_clean_text(req.path, 256));

  // 1. Authentication.
  auto principal = authenticate(req, pending);
  if (!principal) return refuse(pending, res, principal.error());
  pending.tenant = principal->tenant_name;
  pending.actor.user = principal->user_name;
  pending.resource = route ? route->resource(req, *principal) : resource_name(*principal, "api");

  // 2. The tier's quota.
  gov::Directory directory(context_.db, context_.clock, context_.identity);
  auto tenant = directory.get_tenant(principal->tenant_name);
  if (!tenant) return refuse(pending, res, tenant.error());
  auto tier = context_.tiers.find(tenant->tier);
  if (!tier) {
    return refuse(pending, res,
                  Error(Code::kFailedPrecondition, "tenant " + tenant->name,
                        "the tenant's tier \"" + tenant->tier +
                            "\" is not in the configuration; an administrator must add "
                            "[tiers." +
                            tenant->tier + "] or move the tenant to another tier"));
  }
  const gov::QuotaDecision quota = quotas_.admit_request(tenant->id, principal->user_id, *tier);
  if (!quota.allowed) {
    res.set_header("Retry-After", std::to_string(quota.retry_after.count()));
    return refuse(pending, res,
                  Error(Code::kResourceExhausted, "quota",
                        fmt::format("the tier allows {} requests per minute per user; retry "
                                    "after {} s",
                                    tier->requests_per_minute, quota.retry_after.count())));
  }

  // 3. The policy decision.
  if (route) {
    gov::AccessGate gate(context_.db, context_.clock);
    auto decision = gate.decide(*principal, route->action, pending.resource,
                                request_context(req, principal->region));
    if (!decision) return refuse(pending, res, decision.error());
    pending.params.set("decision", gov::access_outcome_name(decision->outcome));
    if (!decision->allowed()) {
      pending.params.set("reason",
                         gov::audit_clean_text(decision->reason, gov::kAuditMaxParamValue));
      return refuse(pending, res,
                    Error(Code::kPermissionDenied, route->action,
                          "your policies do not allow " + route->action + " on " +
                              pending.resource + "; ask an administrator"));
    }
  }

  auto body = parse_body(req);
  if (!body) return refuse(pending, res, body.error());
  if (route && route->describe) route->describe(req, *body, pending.params);

  // 4. The route, audited as its effect requires.
  Call call{req, *principal, *tier, pending.params, *body, pending.actor, pending.resource};
  if (effect == RouteEffect::kWrite) {
    if (auto s = record(pending, gov::AuditOutcome::kAllowed); !s) {
      return write_error(res, Error(Code::kUnavailable, "audit",
                                    "the audit log cannot record this change, so it was not "
                                    "made; try again later"));
    }
    auto reply = handler(call);
    if (!reply) {
      (void)record(pending, gov::AuditOutcome::kError, core::code_name(reply.error().code()));
      if (call.retry_after.count() > 0) {
        res.set_header("Retry-After", std::to_string(call.retry_after.count()));
      }
      return write_error(res, reply.error());
    }
    return write_reply(res, *reply);
  }
  auto reply = handler(call);
  if (!reply) {
    if (call.retry_after.count() > 0) {
      res.set_header("Retry-After", std::to_string(call.retry_after.count()));
    }
    return refuse(pending, res, reply.error());
  }
  if (auto s = record(pending, gov::AuditOutcome::kAllowed); !s) {
    return write_error(res, Error(Code::kUnavailable, "audit",
                                  "the audit log cannot record this request, so its result is "
                                  "withheld; try again later"));
  }
  write_reply(res, *reply);
}

core::Result<bool> Gateway::also_allows(const Call& call, std::string_view action,
                                        const std::string& requested_region) {
  Pending pending;
  pending.tenant = call.principal.tenant_name;
  pending.actor = call.actor;
  pending.action = std::string(action);
  pending.resource = call.resource;
  pending.params.set("requested_region", requested_region);
  gov::AccessGate gate(context_.db, context_.clock);
  auto decision = gate.decide(call.principal, action, call.resource,
                              request_context(call.request, requested_region));
  if (!decision) return decision.error();
  pending.params.set("decision", gov::access_outcome_name(decision->outcome));
  if (!decision->allowed()) {
    pending.params.set("reason", gov::audit_clean_text(decision->reason, gov::kAuditMaxParamValue));
  }
  const auto outcome =
      decision->allowed() ? gov::AuditOutcome::kAllowed : gov::AuditOutcome::kDenied;
  if (auto s = record(pending, outcome); !s) {
    return Error(Code::kUnavailable, "audit",
                 "the audit log cannot record the decision on " + pending.action +
                     ", so the request is refused; try again later");
  }
  return decision->allowed();
}

void Gateway::handle_bootstrap(const httplib::Request& req, httplib::Response& res) {
  Pending pending;
  pending.action = "ward:Bootstrap";
  pending.tenant = std::string(gov::kDefaultTenant);
  pending.actor.source_ip = req.remote_addr;
  pending.actor.user_agent =
      gov::audit_clean_text(req.get_header_value("User-Agent"), gov::kAuditMaxUserAgent);
  pending.actor.auth_method = "bootstrap";
  pending.resource = fmt::format("ward:{}:{}:user/*", context_.region, gov::kDefaultTenant);

  auto body = parse_body(req);
  if (!body) return refuse(pending, res, body.error());
  const auto field = [&](const char* name) -> std::string {
    auto it = body->find(name);
    return it != body->end() && it->is_string() ? it->get<std::string>() : "";
  };
  const std::string token = field("token");
  const std::string user = field("user");
  if (token.empty() || user.empty()) {
    return refuse(
        pending, res,
        Error(Code::kInvalidArgument, "body",
              "send {\"token\": the bootstrap token, \"user\": the administrator's name}"));
  }
  pending.actor.user = user;
  pending.params.set("user", gov::audit_clean_text(user, 64));
  gov::Directory directory(context_.db, context_.clock, context_.identity);
  gov::NewUser admin;
  admin.name = user;
  // The name is checked before the token is spent, so a typo does not use up the only token.
  if (auto existing = directory.get_user(admin.tenant, user); existing) {
    return refuse(pending, res,
                  Error(Code::kAlreadyExists, "user " + user, "choose a name no user has yet"));
  }
  if (auto redeemed = gov::Bootstrap(context_.db, context_.clock).redeem(token); !redeemed) {
    return refuse(pending, res, redeemed.error());
  }
  if (auto s = record(pending, gov::AuditOutcome::kAllowed); !s) {
    return write_error(res, Error(Code::kUnavailable, "audit",
                                  "the audit log cannot record the bootstrap; run `ward admin "
                                  "user create` locally instead"));
  }
  auto created = directory.create_user(admin);
  if (created) {
    auto attached = directory.attach_policy(admin.tenant, gov::PrincipalKind::kUser, user,
                                            gov::PolicySource::managed("WardAdministrator"));
    if (!attached) created = attached.error();
  }
  core::Result<gov::IssuedToken> issued = Error(Code::kInternal, "", "");
  if (created) {
    gov::TokenRequest request;
    request.user = user;
    issued = gov::Tokens(context_.db, context_.clock, context_.identity).create(request);
  }
  if (!created || !issued) {
    const Error& error = !created ? created.error() : issued.error();
    (void)record(pending, gov::AuditOutcome::kError, core::code_name(error.code()));
    return write_error(res, error.with_context("creating the first administrator: "));
  }
  write_reply(res, {201,
                    {{"user", user},
                     {"tenant", gov::kDefaultTenant},
                     {"policy", "WardAdministrator"},
                     {"token_id", issued->info.id},
                     {"token", issued->token}}});
}

}  // namespace ward::server
