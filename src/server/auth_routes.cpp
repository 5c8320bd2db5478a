#include "server/auth_routes.h"

#include <fmt/format.h>
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "server/gateway.h"
#include "server/http_error.h"

namespace ward::server {

using core::Code;
using core::Error;

// One request's audit event as it is filled in.
struct SignIn::Attempt {
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  gov::AuditEvent event;
};

namespace {

// The path part of an absolute URL ("https://host:8443/auth/callback?x" → "/auth/callback"),
// which is what a browser matches a cookie's Path against.
std::string url_path(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return "/";
  const auto slash = url.find('/', scheme + 3);
  if (slash == std::string_view::npos) return "/";
  std::string_view path = url.substr(slash);
  path = path.substr(0, path.find_first_of("?#"));
  const bool plain = std::all_of(path.begin(), path.end(), [](char c) {
    return c > 0x20 && c < 0x7F && c != ';' && c != ',';
  });
  return path.empty() || !plain ? "/" : std::string(path);
}

// A Set-Cookie value with the attributes every Ward cookie has: only sent over HTTPS, never
// readable by scripts, and not sent with cross-site subrequests (a top-level navigation, such as
// the provider's redirect back, still carries it).
std::string cookie(std::string_view name, std::string_view value, std::string_view path,
                   std::chrono::seconds max_age) {
  return fmt::format("{}={}; Path={}; Max-Age={}; HttpOnly; Secure; SameSite=Lax", name, value,
                     path, max_age.count());
}

std::string expired_cookie(std::string_view name, std::string_view path) {
  return cookie(name, "", path, std::chrono::seconds(0));
}

void redirect(httplib::Response& res, const std::string& location, nlohmann::json body) {
  res.status = 302;
  res.set_header("Location", location);
  res.set_content(body.dump(), "application/json");
}

// The provider's error code when it is a plain word (RFC 6749 §4.1.2.1 codes are), else "".
std::string plain_error_code(std::string_view code) {
  const bool plain =
      !code.empty() && code.size() <= 64 && std::all_of(code.begin(), code.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-' || c == '.';
      });
  return plain ? std::string(code) : std::string();
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& word : words) out += (out.empty() ? "" : ",") + word;
  return out;
}

}  // namespace

SignIn::SignIn(Gateway& gateway, gov::OidcRelyingParty& relying_party,
               gov::OidcUserProvisioner& provisioner, std::string tenant)
    : gateway_(gateway),
      relying_party_(relying_party),
      provisioner_(provisioner),
      tenant_(std::move(tenant)),
      state_cookie_path_(url_path(relying_party.config().redirect_uri)) {}

gov::Sessions SignIn::sessions() const {
  auto& c = gateway_.context();
  return gov::Sessions(c.db, c.clock, c.sessions.value_or(gov::SessionOptions{}));
}

SignIn::Attempt SignIn::attempt(const httplib::Request& req, std::string action) const {
  Attempt a;
  a.event.tenant = tenant_;
  a.event.action = std::move(action);
  a.event.resource = fmt::format("ward:{}:{}:user/*", gateway_.context().region, tenant_);
  a.event.actor.auth_method = std::string(gov::auth_method_name(gov::AuthMethod::kOidc));
  a.event.actor.source_ip = req.remote_addr;
  a.event.actor.user_agent =
      gov::audit_clean_text(req.get_header_value("User-Agent"), gov::kAuditMaxUserAgent);
  a.event.params.set("method", req.method).set("path", gov::audit_clean_text(req.path, 256));
  return a;
}

core::Status SignIn::record(const Attempt& attempt, gov::AuditOutcome outcome,
                            std::string_view error_code) {
  gov::AuditEvent event = attempt.event;
  event.outcome = outcome;
  event.error_code = std::string(error_code);
  event.region = gateway_.context().region;
  event.latency_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now() - attempt.started)
                         .count();
  auto receipt = gateway_.context().audit.append(event);
  if (!receipt) {
    spdlog::error("audit event for {} not written: {}", event.action, receipt.error().to_string());
    return receipt.error();
  }
  return {};
}

void SignIn::refuse(const Attempt& attempt, httplib::Response& res, const Error& error) {
  const bool denial = error.code() == Code::kUnauthenticated ||
                      error.code() == Code::kPermissionDenied ||
                      error.code() == Code::kInvalidArgument;
  const auto outcome = denial ? gov::AuditOutcome::kDenied : gov::AuditOutcome::kError;
  if (auto s = record(attempt, outcome, core::code_name(error.code())); !s) {
    write_error(res, Error(Code::kUnavailable, "audit",
                           "the audit log cannot record this sign-in request, so it is refused; "
                           "try again later"));
    return;
  }
  write_error(res, error);
}

void SignIn::login(const httplib::Request& req, httplib::Response& res) {
  Attempt a = attempt(req, "ward:SignInStart");
  if (req.get_param_value_count("redirect") > 1) {
    return refuse(
        a, res,
        Error(Code::kInvalidArgument, "redirect", "give the redirect parameter at most once"));
  }
  const std::string after = req.has_param("redirect") ? req.get_param_value("redirect") : "/";
  a.event.params.set("redirect", gov::audit_clean_text(after, 256));
  auto started = relying_party_.start_login(after);
  if (!started) {
    if (started.error().code() == Code::kInvalidArgument) {
      return refuse(a, res,
                    Error(Code::kInvalidArgument, "redirect",
                          "after signing in Ward only returns to one of its own paths: "
                          "give redirect as a path starting with a single /, such as "
                          "/ or /ui/"));
    }
    return refuse(a, res, started.error());
  }
  if (auto s = record(a, gov::AuditOutcome::kAllowed); !s) {
    return write_error(res, Error(Code::kUnavailable, "audit",
                                  "the audit log cannot record this sign-in, so it is refused; "
                                  "try again later"));
  }
  const auto lifetime = std::chrono::duration_cast<std::chrono::seconds>(
      started->expires_at - gateway_.context().clock.now());
  res.set_header("Set-Cookie", cookie(kLoginStateCookieName, started->state, state_cookie_path_,
                                      std::max(lifetime, std::chrono::seconds(1))));
  redirect(res, started->authorization_url, {{"authorization_url", started->authorization_url}});
}

void SignIn::callback(const httplib::Request& req, httplib::Response& res) {
  Attempt a = attempt(req, "ward:SignIn");
  // Whatever happens, this browser's pending login is over: its state is used up or was wrong.
  res.set_header("Set-Cookie", expired_cookie(kLoginStateCookieName, state_cookie_path_));

  const auto question = req.target.find('?');
  auto callback = gov::parse_callback_query(
      question == std::string::npos ? std::string_view()
                                    : std::string_view(req.target).substr(question + 1));
  if (!callback) return refuse(a, res, callback.error());
  if (const std::string code = plain_error_code(callback->error); !code.empty()) {
    a.event.params.set("provider_error", code);
  } else if (!callback->error.empty()) {
    a.event.params.set("provider_error", "other");
  }
  const std::vector<std::string> states = cookie_values(req, kLoginStateCookieName);
  if (states.size() > 1) {
    return refuse(a, res,
                  Error(Code::kUnauthenticated, std::string(kLoginStateCookieName),
                        "the browser sent more than one login state cookie; clear this "
                        "site's cookies and sign in again"));
  }
  callback->browser_state = states.empty() ? "" : states.front();
  auto login = relying_party_.finish_login(*callback);
  if (!login) return refuse(a, res, login.error());
  const gov::OidcIdentity& identity = login->identity;
  a.event.params.set("mfa", identity.mfa);

  auto user = provisioner_.provision(identity);
  if (!user) return refuse(a, res, user.error());
  a.event.actor.user = user->username;
  a.event.resource =
      fmt::format("ward:{}:{}:user/{}", gateway_.context().region, tenant_, user->username);
  a.event.params.set("user", gov::audit_clean_text(user->username, 128));
  a.event.params.set("roles", gov::audit_clean_text(join(user->roles), 256));

  gov::Sessions store = sessions();
  auto session = store.create(user->user_id, gov::AuthMethod::kOidc, identity.mfa);
  if (!session) return refuse(a, res, session.error());
  a.event.params.set("session_id", session->info.id);
  if (auto s = record(a, gov::AuditOutcome::kAllowed); !s) {
    // Nothing is granted that the log does not show: the session ends before anyone holds it.
    (void)store.revoke(session->info.id);
    return write_error(res, Error(Code::kUnavailable, "audit",
                                  "the audit log cannot record this sign-in, so it is refused; "
                                  "try again later"));
  }
  const auto lifetime = std::chrono::duration_cast<std::chrono::seconds>(session->info.expires_at -
                                                                         session->info.created_at);
  res.set_header("Set-Cookie", cookie(gov::kSessionCookieName, session->cookie, "/", lifetime));
  redirect(res, login->redirect_after,
           {{"user", user->username}, {"tenant", tenant_}, {"redirect", login->redirect_after}});
}

void SignIn::logout(const httplib::Request& req, httplib::Response& res) {
  Attempt a = attempt(req, "ward:SignOut");
  // The cookie goes whatever the outcome: a browser should not keep a session Ward refused.
  res.set_header("Set-Cookie", expired_cookie(gov::kSessionCookieName, "/"));
  const std::vector<std::string> cookies = cookie_values(req, gov::kSessionCookieName);
  if (cookies.size() != 1) {
    return refuse(a, res,
                  Error(Code::kUnauthenticated, std::string(gov::kSessionCookieName),
                        cookies.empty() ? "there is no session to sign out of (no ward_session "
                                          "cookie)"
                                        : "the request carries more than one ward_session cookie; "
                                          "clear this site's cookies"));
  }
  if (auto id = gov::session_id_of(cookies.front())) a.event.params.set("session_id", *id);
  gov::Sessions store = sessions();
  auto principal = store.authenticate(cookies.front());
  if (!principal) return refuse(a, res, principal.error());
  a.event.tenant = principal->tenant_name;
  a.event.actor.user = principal->user_name;
  a.event.resource = resource_name(*principal, "user/" + principal->user_name);
  if (req.get_header_value(std::string(kCsrfHeader)) != "1") {
    return refuse(a, res,
                  Error(Code::kPermissionDenied, std::string(kCsrfHeader),
                        "signing out with the session cookie needs the header X-Ward-CSRF: 1 "
                        "(it shows the request is not a forged cross-site one)"));
  }
  if (auto s = record(a, gov::AuditOutcome::kAllowed); !s) {
    return write_error(res, Error(Code::kUnavailable, "audit",
                                  "the audit log cannot record the sign-out; try again later"));
  }
  auto revoked = store.revoke(cookies.front());
  if (!revoked) {
    (void)record(a, gov::AuditOutcome::kError, core::code_name(revoked.error().code()));
    return write_error(res, revoked.error());
  }
  res.status = 204;
}

void install_auth_routes(httplib::Server& http, SignIn& sign_in) {
  http.Get("/auth/login", [&sign_in](const httplib::Request& req, httplib::Response& res) {
    sign_in.login(req, res);
  });
  http.Get("/auth/callback", [&sign_in](const httplib::Request& req, httplib::Response& res) {
    sign_in.callback(req, res);
  });
  http.Post("/auth/logout", [&sign_in](const httplib::Request& req, httplib::Response& res) {
    sign_in.logout(req, res);
  });
}

}  // namespace ward::server
