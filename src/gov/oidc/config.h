#pragma once
// The configuration of one OpenID provider that Ward signs users in with (docs/sso.md). A plain
// struct; check_oidc_config() says whether a filled-in one is usable. The config module reads the
// [oidc] table of ward.toml (core::OidcSettings) and oidc_sign_in_settings() turns it into this,
// reading the client secret from its file.
//
// Thread-safety: value types and pure functions (oidc_sign_in_settings reads one file).

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/error.h"

namespace ward::gov {

struct OidcConfig {
  // The provider's issuer identifier, exactly as its discovery document states it (no trailing
  // slash unless the provider's has one). https, or http://127.0.0.1 / http://localhost /
  // http://[::1] for a provider on this machine (tests): only then may any URL be plain http.
  std::string issuer;
  std::string client_id;
  // The client secret of a confidential client; std::nullopt for a public client (PKCE only).
  std::optional<std::string> client_secret;
  // How to authenticate at the token endpoint: "client_secret_basic", "client_secret_post", or
  // empty to choose from the provider's discovery document (basic when it allows it). A public
  // client always uses "none" (its client_id in the request body).
  std::string token_endpoint_auth_method;
  // Where the provider sends the browser back: Ward's callback URL, registered at the provider.
  std::string redirect_uri;
  std::vector<std::string> scopes = {"openid", "email", "profile"};
  // When not empty, the ID token's "acr" must be one of these (they are also sent as acr_values).
  std::vector<std::string> required_acr_values;
  // When not empty, the ID token's "amr" must contain every one of these (e.g. "mfa").
  std::vector<std::string> required_amr_values;
  // The ID token claim holding the user's groups (a string or an array of strings).
  std::string groups_claim = "groups";
  // Group name → Ward roles. Groups not listed grant no role.
  std::map<std::string, std::vector<std::string>> group_roles;
  // Signing algorithms accepted for ID tokens: a non-empty subset of {"RS256", "ES256"}.
  std::vector<std::string> id_token_algorithms = {"RS256", "ES256"};
  // PEM file of the CAs trusted for the provider's TLS certificate; empty: the system's.
  std::filesystem::path ca_bundle;

  // How long a started login may take before its callback arrives.
  std::chrono::seconds login_timeout{600};
  // Tolerated difference between Ward's clock and the provider's for exp, iat and nbf.
  std::chrono::seconds clock_skew{60};
  // A cached JWK Set is fetched again when older than this.
  std::chrono::seconds jwks_max_age{3600};
  // An ID token with an unknown "kid" fetches the JWK Set again at most this often.
  std::chrono::seconds jwks_min_refetch_interval{60};
  // Limits on each request to the provider.
  std::size_t max_response_bytes = std::size_t{1} << 20;
  std::chrono::milliseconds http_timeout{10000};
};

// OK when `config` can be used; otherwise a kInvalidArgument error whose `where` is the field's
// name (e.g. "oidc.issuer") and whose sentence says what to change.
core::Status check_oidc_config(const OidcConfig& config);

// Everything [oidc] in ward.toml configures for `ward serve`: the relying party, the tenant that
// users signing in for the first time are created in, and the browser sessions they get.
struct OidcSignInSettings {
  OidcConfig relying_party;
  std::string tenant = "default";
  std::chrono::seconds session_lifetime = std::chrono::hours(8);
  std::chrono::seconds session_idle_timeout{0};  // zero: no idle limit
};

// std::nullopt when the configuration has no [oidc]; otherwise the settings with Ward's defaults
// filled in: scopes "openid email profile", groups claim "groups", both signature algorithms, and
// the redirect URI https://<server.listen>/auth/callback (refused, asking for oidc.redirect_uri,
// when server.listen has port 0 or a wildcard host, which a provider cannot be sent to). The
// client secret is read from oidc.client_secret_file, which must be a regular file that the group
// and others cannot access (at most 4 KiB; surrounding white space is dropped). Errors are
// kInvalidArgument (kNotFound for a missing secret file) naming the key or the file; they never
// repeat the secret.
core::Result<std::optional<OidcSignInSettings>> oidc_sign_in_settings(const core::Config& config);

}  // namespace ward::gov
