#pragma once
// Ward as an OpenID Connect relying party: single sign-on with an organisation's identity provider
// by the authorization code flow with PKCE (S256), `state` and `nonce` (docs/sso.md).
//
//   start_login()   discovery (cached) → a fresh state, nonce and PKCE verifier kept in the
//                   OidcLoginStore → the provider's authorization URL to send the browser to.
//   finish_login()  the browser's callback → the state taken once (it must match the one bound to
//                   the browser) → the code exchanged at the token endpoint with the verifier →
//                   the ID token verified (id_token.h) against the provider's JWK Set (cached,
//                   fetched again for an unknown "kid" at most once a minute) → an OidcIdentity
//                   with groups mapped to roles.
//
// Errors: whatever makes a login untrustworthy (state, callback, token endpoint refusal, ID token)
// is kUnauthenticated with a sentence naming the check; an unreachable provider is kUnavailable;
// a provider whose discovery document or URLs Ward must refuse is kFailedPrecondition.
//
// Just-in-time provisioning is not done here: the caller hands the OidcIdentity to an
// OidcUserProvisioner (implemented by gov's identity part), which creates or updates the user.
//
// Thread-safety: one OidcRelyingParty may serve many threads at once; the discovery document and
// JWK Set caches are behind a mutex (fetches are serialised, so an unknown kid fetches once).

#include <chrono>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "gov/oidc/config.h"
#include "gov/oidc/http_client.h"
#include "gov/oidc/jose.h"
#include "gov/oidc/login_store.h"

namespace ward::gov {

// A user the provider vouched for, after every check has passed.
struct OidcIdentity {
  std::string issuer;
  std::string subject;  // with `issuer`, the stable key of the user (never the email)
  std::string email;    // empty when the token has none
  bool email_verified = false;
  std::string preferred_username;   // may be empty
  std::string name;                 // may be empty
  std::vector<std::string> groups;  // from the configured groups claim, as sent
  std::vector<std::string> roles;   // mapped from groups (OidcConfig::group_roles), sorted, unique
  std::string acr;                  // may be empty
  std::vector<std::string> amr;
  bool mfa = false;  // the provider asserted more than one factor (see oidc::amr_asserts_mfa)
  std::optional<core::TimePoint> auth_time;
};

// What the identity part of gov returns for a provisioned user.
struct OidcProvisionedUser {
  std::string user_id;
  std::string username;
  std::vector<std::string> roles;  // the user's roles after provisioning
};

// Just-in-time provisioning: finds the user for (issuer, subject) or creates it, and brings its
// OIDC-managed roles in line with identity.roles. Implemented against gov's identity store.
// Implementations must be thread-safe.
class OidcUserProvisioner {
 public:
  virtual ~OidcUserProvisioner() = default;
  virtual core::Result<OidcProvisionedUser> provision(const OidcIdentity& identity) = 0;
};

// The parts of the provider's discovery document Ward uses.
struct OidcProviderMetadata {
  std::string issuer;
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string jwks_uri;
  std::string userinfo_endpoint;  // may be empty
  std::vector<std::string> token_endpoint_auth_methods_supported;
  std::vector<std::string> id_token_signing_alg_values_supported;
  bool authorization_response_iss_parameter_supported = false;  // RFC 9207
};

// Parses a discovery document and checks it: "issuer" equals `expected_issuer` exactly; the
// endpoints Ward uses are present and allowed by oidc::check_url; "response_types_supported"
// includes "code"; "code_challenge_methods_supported", when present, includes "S256".
core::Result<OidcProviderMetadata> parse_provider_metadata(std::string_view json,
                                                           std::string_view expected_issuer,
                                                           bool allow_loopback_http);

struct OidcLoginStart {
  std::string authorization_url;  // send the browser here (HTTP 302/303)
  // Bind this to the browser (e.g. an HttpOnly, Secure, SameSite=Lax cookie) and hand it back as
  // OidcCallback::browser_state: it stops a login started in one browser from being completed in
  // another (login CSRF).
  std::string state;
  core::TimePoint expires_at;
};

// The redirect URI's query parameters, as the browser brought them back.
struct OidcCallback {
  std::string state;
  std::string code;
  std::string iss;            // RFC 9207 issuer identification; empty if absent
  std::string error;          // e.g. "access_denied"; empty on success
  std::string browser_state;  // the state bound to this browser at start_login
};

// Fills an OidcCallback from the callback URL's query string (without the leading '?').
core::Result<OidcCallback> parse_callback_query(std::string_view query);

struct OidcLogin {
  OidcIdentity identity;
  std::string redirect_after;
};

class OidcRelyingParty {
 public:
  // A relying party that talks to the provider with libcurl (oidc::make_curl_http_client). The
  // config must pass check_oidc_config; `logins` and `clock` must outlive the relying party.
  static core::Result<std::unique_ptr<OidcRelyingParty>> create(OidcConfig config,
                                                                OidcLoginStore& logins,
                                                                const core::Clock& clock);
  // The same with another HTTP client (tests).
  static core::Result<std::unique_ptr<OidcRelyingParty>> create(
      OidcConfig config, std::unique_ptr<oidc::HttpClient> http, OidcLoginStore& logins,
      const core::Clock& clock);

  // Starts a login that returns the browser to `redirect_after`, a path on Ward ("/", "/ui/x");
  // anything else (absolute URLs, "//host") is refused with kInvalidArgument, so the login cannot
  // be turned into an open redirect.
  core::Result<OidcLoginStart> start_login(std::string redirect_after = "/");

  // Completes a login from its callback; see the header comment for the checks.
  core::Result<OidcLogin> finish_login(const OidcCallback& callback);

  // The provider's discovery document, fetched on first use and then kept.
  core::Result<OidcProviderMetadata> metadata();

  const OidcConfig& config() const { return config_; }

  // How often the provider's documents were fetched (for tests and diagnostics).
  int discovery_fetches() const;
  int jwks_fetches() const;

 private:
  OidcRelyingParty(OidcConfig config, std::unique_ptr<oidc::HttpClient> http,
                   OidcLoginStore& logins, const core::Clock& clock);

  core::Result<std::string> exchange_code(const OidcProviderMetadata& metadata,
                                          const OidcPendingLogin& login, const std::string& code);
  core::Result<oidc::Jwk> find_key(const OidcProviderMetadata& metadata, std::string_view kid,
                                   oidc::JwsAlgorithm algorithm);
  core::Status fetch_jwks_locked(const OidcProviderMetadata& metadata);
  OidcIdentity identity_from(const nlohmann::json& claims) const;

  const OidcConfig config_;
  const std::unique_ptr<oidc::HttpClient> http_;
  OidcLoginStore& logins_;
  const core::Clock& clock_;
  std::vector<oidc::JwsAlgorithm> algorithms_;
  bool allow_loopback_http_ = false;

  mutable std::mutex mutex_;
  std::optional<OidcProviderMetadata> metadata_;
  std::shared_ptr<const oidc::JwkSet> jwks_;
  core::TimePoint jwks_fetched_at_{};
  int discovery_fetches_ = 0;
  int jwks_fetches_ = 0;
};

}  // namespace ward::gov
