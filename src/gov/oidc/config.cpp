#include "gov/oidc/config.h"

#include <algorithm>
#include <system_error>

#include "core/file.h"
#include "gov/oidc/http_client.h"
#include "gov/oidc/jose.h"

namespace ward::gov {
namespace {

core::Error invalid(std::string field, std::string message) {
  return core::Error(core::Code::kInvalidArgument, "oidc." + std::move(field), std::move(message));
}

bool is_scope_token(const std::string& scope) {
  // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
  return !scope.empty() && std::all_of(scope.begin(), scope.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u == 0x21 || (u >= 0x23 && u <= 0x5B) || (u >= 0x5D && u <= 0x7E);
  });
}

// https://<server.listen>/auth/callback, when server.listen names a host and port a provider can
// send a browser to.
core::Result<std::string> default_redirect_uri(const std::string& listen) {
  auto address = core::parse_listen_address(listen);
  if (!address) return address.error();
  const std::string& host = address->host;
  if (address->port == 0 || host == "0.0.0.0" || host == "::" || host == "*") {
    return invalid("redirect_uri",
                   "server.listen (" + listen +
                       ") does not say where browsers reach Ward; set oidc.redirect_uri to Ward's "
                       "callback URL as registered at the provider, e.g. "
                       "https://ward.example.org/auth/callback");
  }
  std::string authority = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (address->port != 443) authority += ":" + std::to_string(address->port);
  return "https://" + authority + "/auth/callback";
}

}  // namespace

core::Result<std::optional<OidcSignInSettings>> oidc_sign_in_settings(const core::Config& config) {
  if (!config.oidc) return std::optional<OidcSignInSettings>();
  const core::OidcSettings& in = *config.oidc;
  OidcSignInSettings out;
  OidcConfig& rp = out.relying_party;
  rp.issuer = in.issuer;
  rp.client_id = in.client_id;
  if (!in.client_secret_file.empty()) {
    // A regular file only its owner can access, at most 4 KiB.
    auto secret = core::read_private_file(in.client_secret_file,
                                          "oidc.client_secret_file: the client secret file");
    if (!secret) return std::move(secret).error();
    rp.client_secret = std::move(*secret);
  }
  rp.token_endpoint_auth_method = in.token_endpoint_auth_method;
  if (!in.redirect_uri.empty()) {
    rp.redirect_uri = in.redirect_uri;
  } else {
    auto uri = default_redirect_uri(config.server.listen);
    if (!uri) return std::move(uri).error();
    rp.redirect_uri = std::move(*uri);
  }
  if (in.scopes) rp.scopes = *in.scopes;
  rp.required_acr_values = in.required_acr_values;
  rp.required_amr_values = in.required_amr_values;
  if (in.groups_claim) rp.groups_claim = *in.groups_claim;
  rp.group_roles = in.group_roles;
  if (in.id_token_algorithms) rp.id_token_algorithms = *in.id_token_algorithms;
  rp.ca_bundle = in.ca_bundle;
  if (auto status = check_oidc_config(rp); !status) return std::move(status).error();
  out.tenant = in.tenant;
  out.session_lifetime = std::chrono::minutes(in.session_lifetime_minutes);
  out.session_idle_timeout = std::chrono::minutes(in.session_idle_minutes);
  if (out.session_lifetime.count() <= 0 || out.session_idle_timeout.count() < 0) {
    return invalid("session_lifetime_minutes", "the session lifetime must be positive");
  }
  return std::optional<OidcSignInSettings>(std::move(out));
}

core::Status check_oidc_config(const OidcConfig& config) {
  if (config.issuer.empty()) return invalid("issuer", "set the OpenID provider's issuer URL");
  const bool loopback_http = oidc::is_loopback_http(config.issuer);
  if (auto status = oidc::check_url(config.issuer, loopback_http); !status) {
    return invalid("issuer", "the issuer must be an https URL (" + status.error().message() + ")");
  }
  if (config.issuer.find_first_of("?#") != std::string::npos) {
    return invalid("issuer", "the issuer URL must not have a query or fragment");
  }
  if (config.client_id.empty()) {
    return invalid("client_id", "set the client id registered at the OpenID provider");
  }
  if (config.client_secret && config.client_secret->empty()) {
    return invalid("client_secret",
                   "the client secret is empty; leave it out for a public client instead");
  }
  const auto& method = config.token_endpoint_auth_method;
  if (!method.empty() && method != "client_secret_basic" && method != "client_secret_post") {
    return invalid("token_endpoint_auth_method",
                   "use client_secret_basic or client_secret_post, or leave it empty");
  }
  if (!method.empty() && !config.client_secret) {
    return invalid("token_endpoint_auth_method",
                   "a client secret method needs a client secret; a public client has none");
  }
  if (config.redirect_uri.empty()) {
    return invalid("redirect_uri", "set Ward's callback URL as registered at the provider");
  }
  if (auto status = oidc::check_url(config.redirect_uri, /*allow_loopback_http=*/true); !status) {
    return invalid("redirect_uri",
                   "the redirect URI must be an https URL (" + status.error().message() + ")");
  }
  if (config.redirect_uri.find('#') != std::string::npos) {
    return invalid("redirect_uri", "the redirect URI must not have a fragment");
  }
  if (std::find(config.scopes.begin(), config.scopes.end(), "openid") == config.scopes.end()) {
    return invalid("scopes", "the scopes must include openid");
  }
  for (const auto& scope : config.scopes) {
    if (!is_scope_token(scope)) {
      return invalid("scopes", "each scope must be one non-empty word without spaces or quotes");
    }
  }
  if (config.groups_claim.empty()) {
    return invalid("groups_claim", "name the ID token claim that holds the user's groups");
  }
  if (config.id_token_algorithms.empty()) {
    return invalid("id_token_algorithms", "allow RS256, ES256 or both");
  }
  for (const auto& name : config.id_token_algorithms) {
    if (!oidc::algorithm_from_name(name)) {
      return invalid("id_token_algorithms",
                     "only RS256 and ES256 are supported for ID token signatures");
    }
  }
  if (!config.ca_bundle.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(config.ca_bundle, ec)) {
      return invalid("ca_bundle",
                     "the CA bundle " + config.ca_bundle.string() + " is not a readable file");
    }
  }
  if (config.login_timeout.count() <= 0) {
    return invalid("login_timeout", "the login timeout must be positive");
  }
  if (config.clock_skew.count() < 0 || config.clock_skew > std::chrono::minutes(5)) {
    return invalid("clock_skew", "the clock skew must be between 0 and 300 seconds");
  }
  if (config.jwks_max_age.count() <= 0 || config.jwks_min_refetch_interval.count() < 0) {
    return invalid("jwks_max_age", "the JWK Set cache times must be positive");
  }
  if (config.max_response_bytes < 1024) {
    return invalid("max_response_bytes", "allow responses of at least 1024 bytes");
  }
  if (config.http_timeout.count() <= 0) {
    return invalid("http_timeout", "the HTTP timeout must be positive");
  }
  return core::ok_status();
}

}  // namespace ward::gov
