#pragma once
// Single sign-on over HTTP: the browser's side of the OpenID Connect login (docs/sso.md) and
// sign-out. Installed only when [oidc] is configured; without it /auth/* answers 404 like any
// unknown path.
//
//   GET  /auth/login?redirect=/path  starts a login (OidcRelyingParty::start_login) and answers
//        302 to the provider's authorization endpoint, binding the login's `state` to this
//        browser with the cookie `ward_oidc_state` (HttpOnly, Secure, SameSite=Lax, scoped to the
//        callback's path, alive as long as the login). `redirect` must be a path on Ward ("/",
//        "/ui/x"; not "//host" or a URL) — 400 otherwise.
//   GET  /auth/callback?code&state   finishes it: the state must equal the cookie's (a callback
//        arriving in another browser is refused: login CSRF), the relying party exchanges the
//        code and verifies the ID token, the provisioner creates or updates the just-in-time user
//        and its roles, and a server-side session starts (gov::Sessions). The answer sets
//        `ward_session` (HttpOnly, Secure, SameSite=Lax, Path=/, Max-Age = the session lifetime),
//        expires the state cookie and redirects (302) to the path given at the start. Any
//        failure, including the provider's own (error=access_denied), is a JSON error: 401 for a
//        login that cannot be trusted, 400 for a bad request, 503 when the provider is
//        unreachable.
//   POST /auth/logout                ends the session server-side and expires the cookie; 204.
//        Like every cookie-authenticated change it needs the header X-Ward-CSRF: 1.
//
// Every request is audited: "ward:SignInStart" for a started login, "ward:SignIn" for a callback
// (allowed, denied or error, with the error code), "ward:SignOut"; the actor's auth method is
// "oidc". Events never hold the authorization code, the state, tokens or cookie values: only the
// user, the session's id, whether MFA was asserted, and the provider's error code when it is a
// plain word. A sign-in whose event cannot be written is undone (its session revoked) and
// answered 503.
//
// Thread-safe: the relying party, the provisioner, the store and the audit log all are; a SignIn
// holds nothing else that changes.

#include <string>

#include "gov/audit/event.h"
#include "gov/identity/sessions.h"
#include "gov/oidc/relying_party.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace ward::server {

class Gateway;

// The cookie that binds a started login to the browser that started it.
inline constexpr std::string_view kLoginStateCookieName = "ward_oidc_state";

class SignIn {
 public:
  // Users signing in for the first time are created in `tenant` (by `provisioner`). The gateway
  // supplies the store, clock, audit log and region, and its context's session options must be
  // set. All four must outlive the SignIn.
  SignIn(Gateway& gateway, gov::OidcRelyingParty& relying_party,
         gov::OidcUserProvisioner& provisioner, std::string tenant);

  void login(const httplib::Request& req, httplib::Response& res);
  void callback(const httplib::Request& req, httplib::Response& res);
  void logout(const httplib::Request& req, httplib::Response& res);

 private:
  struct Attempt;
  Attempt attempt(const httplib::Request& req, std::string action) const;
  core::Status record(const Attempt& attempt, gov::AuditOutcome outcome,
                      std::string_view error_code = {});
  // Records a refusal or failure and answers with `error` (503 if the event cannot be written).
  void refuse(const Attempt& attempt, httplib::Response& res, const core::Error& error);
  gov::Sessions sessions() const;

  Gateway& gateway_;
  gov::OidcRelyingParty& relying_party_;
  gov::OidcUserProvisioner& provisioner_;
  const std::string tenant_;
  const std::string state_cookie_path_;  // the path of the redirect URI
};

// Installs /auth/login, /auth/callback and /auth/logout. Called once, before the server runs.
void install_auth_routes(httplib::Server& http, SignIn& sign_in);

}  // namespace ward::server
