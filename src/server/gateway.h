#pragma once
// The governed path every API request takes, in this order:
//   1. authenticate: an API token (Authorization: Bearer), or else — when single sign-on is
//      configured — the browser session cookie `ward_session` (gov/identity/sessions.h); 401
//      without valid credentials. A cookie-authenticated request that changes state (any method
//      but GET, HEAD and OPTIONS) must also carry the header `X-Ward-CSRF: 1` — 403 without it.
//      Browsers send cookies with cross-site requests but cannot add a custom header to one
//      without a CORS preflight, which Ward never answers, so the header proves the request came
//      from Ward's own pages or a non-browser client. Bearer-token requests need no such header;
//   2. quota: the tenant's tier limits requests per minute per user — 429 with Retry-After;
//   3. authorize: the access gate decides the route's action on its resource under every policy
//      layer that applies — 403 on a deny (the reason goes to the audit log, not the response);
//   4. audit: one event per request (refusals included) with actor, action, resource, outcome
//      and latency. A route that changes something records the decision before it acts and an
//      error event if it then fails; a route that reads records the event after reading and
//      releases the result only once the event is durable. When an event cannot be written, the
//      request is refused with 503.
// No route can skip a step: routes are installed only through Gateway::handle.
//
// Thread-safe: all state is in the store, the audit log and the quota tracker.

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "gov/audit/audit_log.h"
#include "gov/audit/event.h"
#include "gov/identity/model.h"
#include "gov/identity/sessions.h"
#include "gov/keys/keyring.h"
#include "gov/tenancy/quota.h"
#include "gov/tenancy/tiers.h"
#include "store/store.h"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace ward::server {

class Metrics;

// What the gateway works with; owned by `ward serve` and outliving the server.
struct GatewayContext {
  store::Database& db;
  const core::Clock& clock;
  gov::AuditLog& audit;
  gov::Keyring& keyring;  // the tenants' keys, for the key administration routes
  gov::TierCatalog tiers;
  std::string region;  // this deployment's region label, recorded in every event
  gov::IdentityOptions identity;
  // Browser sessions are accepted only when set (single sign-on is configured); without it a
  // `ward_session` cookie is ignored like any other cookie.
  std::optional<gov::SessionOptions> sessions;
  // Request counts and latencies for GET /metrics; not counted when null.
  Metrics* metrics = nullptr;
};

// The header a cookie-authenticated request that changes state must carry, with the value "1".
inline constexpr std::string_view kCsrfHeader = "X-Ward-CSRF";

// The values of every cookie called `name` in the request's Cookie headers, in order (RFC 6265
// §4.2: "name=value" pairs separated by "; "). Usually none or one; more than one means another
// site or path planted a cookie of the same name, and callers refuse the request.
std::vector<std::string> cookie_values(const httplib::Request& req, std::string_view name);

// Whether a route changes state (audit first) or only reads (audit before releasing the result).
enum class RouteEffect { kRead, kWrite };

// One admitted request, as a route handler sees it.
struct Call {
  const httplib::Request& request;
  const gov::AuthenticatedPrincipal& principal;
  const gov::TierProfile& tier;
  // Request parameters for the audit event (never secrets or content; see AuditParams).
  gov::AuditParams& params;
  // The body parsed as a JSON object; {} for requests without a body.
  const nlohmann::json& body;
  // The caller and the resource as the call's audit event names them.
  const gov::AuditActor& actor;
  const std::string& resource;
  // Set by a handler that fails because a limit is reached: sent as Retry-After with the error.
  std::chrono::seconds retry_after{0};
};

// Writes one chunk of a streamed reply; false once the client is gone.
using ChunkWriter = std::function<bool(std::string_view chunk)>;

struct Reply {
  int status = 200;
  nlohmann::json body;
  // When set, the reply is a stream of server-sent events (text/event-stream) instead of `body`:
  // called once, after the handler returns and the headers are sent, to write the events.
  std::function<void(const ChunkWriter& write)> stream = nullptr;
  // When set, the reply is this text instead of `body`, sent as `content_type`.
  std::optional<std::string> text = std::nullopt;
  // The media type of `text`; empty: the Prometheus text exposition format.
  std::string content_type = {};
};

using Handler = std::function<core::Result<Reply>(Call&)>;
// The resource a request acts on, named for the caller: e.g. "ward:REGION:TENANT:audit".
using ResourceOf =
    std::function<std::string(const httplib::Request&, const gov::AuthenticatedPrincipal&)>;

// Adds the request's identifying, non-secret parameters to its audit event (e.g. the user a token
// is for). Called before the handler, because a change is recorded before it is made.
using Describe =
    std::function<void(const httplib::Request&, const nlohmann::json& body, gov::AuditParams&)>;

struct Route {
  std::string action;  // a catalogued action, e.g. "ward:AuditRead"
  ResourceOf resource;
  RouteEffect effect = RouteEffect::kRead;
  Describe describe;  // optional
};

// "ward:REGION:TENANT:TYPE_AND_NAME" for the principal's tenant, e.g. resource_name(p, "audit").
std::string resource_name(const gov::AuthenticatedPrincipal& principal,
                          std::string_view type_and_name);

class Gateway {
 public:
  explicit Gateway(GatewayContext context);

  // Runs `handler` for `req` once it has passed authentication, the quota and the policy
  // decision, and records the audit event; writes the reply or the JSON error to `res`.
  void handle(const httplib::Request& req, httplib::Response& res, const Route& route,
              const Handler& handler);

  // Requests that need a caller but no policy decision (the caller reading its own identity):
  // authenticated, counted against the quota and audited like every other.
  void handle_self(const httplib::Request& req, httplib::Response& res, std::string_view action,
                   const Handler& handler);

  // POST /api/v1/bootstrap: redeems the one-time bootstrap token that `ward serve` printed,
  // creating the first administrator (WardAdministrator, in the default tenant) and returning an
  // API token for them. The bootstrap token is the credential; the redemption is audited.
  void handle_bootstrap(const httplib::Request& req, httplib::Response& res);

  // A second policy decision inside an admitted call: whether its caller may also perform
  // `action` (a catalogued action, e.g. ward:CrossRegionInference) on the call's resource, with
  // ward:RequestedRegion set to `requested_region`. The decision is audited as an event of its
  // own; an error means no decision could be made or it could not be audited.
  core::Result<bool> also_allows(const Call& call, std::string_view action,
                                 const std::string& requested_region);

  GatewayContext& context() { return context_; }
  gov::QuotaTracker& quotas() { return quotas_; }

 private:
  struct Pending;
  // Step 1: the caller, by API token or session cookie; fills in the event's actor.
  core::Result<gov::AuthenticatedPrincipal> authenticate(const httplib::Request& req,
                                                         Pending& pending);
  void measured(const httplib::Response& res, std::string_view action,
                const std::function<void()>& serve);
  void run(const httplib::Request& req, httplib::Response& res, const Route* route,
           std::string_view action, RouteEffect effect, const Handler& handler);
  core::Status record(const Pending& pending, gov::AuditOutcome outcome,
                      std::string_view error_code = {});
  // Records a refusal and answers with `error` (the event's failure answers 503 instead).
  void refuse(Pending& pending, httplib::Response& res, const core::Error& error);

  GatewayContext context_;
  gov::QuotaTracker quotas_;
};

}  // namespace ward::server
