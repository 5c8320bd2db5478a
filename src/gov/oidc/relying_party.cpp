#include "gov/oidc/relying_party.h"

#include <algorithm>
#include <array>
#include <set>
#include <utility>

#include "crypto/compare.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "crypto/secret.h"
#include "gov/oidc/base64url.h"
#include "gov/oidc/id_token.h"

namespace ward::gov {
namespace {

constexpr std::size_t kStateBytes = 32;     // 256 bits
constexpr std::size_t kNonceBytes = 32;     // 256 bits
constexpr std::size_t kVerifierBytes = 48;  // 64 base64url characters (RFC 7636: 43 to 128)
constexpr std::size_t kMaxRedirectAfter = 2048;

core::Error unauthenticated(std::string message) {
  return core::Error(core::Code::kUnauthenticated, "", std::move(message));
}

core::Error bad_discovery(std::string_view issuer, std::string message) {
  return core::Error(core::Code::kFailedPrecondition, std::string(issuer),
                     "the OpenID provider's discovery document " + std::move(message));
}

// An OAuth error code from a response, fit to appear in a message: the registered codes are short
// ASCII words (RFC 6749 §5.2), so anything else is not repeated.
std::string error_code_for_message(std::string_view code) {
  const bool plain =
      !code.empty() && code.size() <= 64 && std::all_of(code.begin(), code.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-' || c == '.';
      });
  return plain ? " (" + std::string(code) + ")" : std::string();
}

core::Result<std::string> random_token(std::size_t bytes) {
  std::vector<std::uint8_t> buffer(bytes);
  if (auto status = crypto::random_bytes(buffer); !status) return std::move(status).error();
  return oidc::base64url_encode(buffer);
}

std::optional<std::vector<std::string>> optional_string_array(const nlohmann::json& document,
                                                              const char* name, bool& bad) {
  auto it = document.find(name);
  if (it == document.end()) return std::nullopt;
  std::vector<std::string> out;
  if (!it->is_array()) {
    bad = true;
    return std::nullopt;
  }
  for (const auto& item : *it) {
    if (!item.is_string()) {
      bad = true;
      return std::nullopt;
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool is_local_path(std::string_view path) {
  if (path.empty() || path.size() > kMaxRedirectAfter || path[0] != '/') return false;
  if (path.size() > 1 && (path[1] == '/' || path[1] == '\\')) return false;  // "//host", "/\host"
  return std::all_of(path.begin(), path.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7F && c != '\\';
  });
}

std::string discovery_url(std::string_view issuer) {
  std::string base(issuer);
  if (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/.well-known/openid-configuration";
}

}  // namespace

core::Result<OidcProviderMetadata> parse_provider_metadata(std::string_view json,
                                                           std::string_view expected_issuer,
                                                           bool allow_loopback_http) {
  auto document = oidc::parse_json_object(json);
  if (!document) return bad_discovery(expected_issuer, "is not a valid JSON object");
  OidcProviderMetadata metadata;
  auto text = [&](const char* name, std::string& out) {
    auto it = document->find(name);
    if (it == document->end() || !it->is_string()) return false;
    out = it->get<std::string>();
    return true;
  };
  if (!text("issuer", metadata.issuer) || metadata.issuer != expected_issuer) {
    return bad_discovery(expected_issuer,
                         "names an issuer other than the configured one; the issuer must match "
                         "exactly, including scheme, port and trailing slash");
  }
  for (auto [name, field] : {std::pair{"authorization_endpoint", &metadata.authorization_endpoint},
                             std::pair{"token_endpoint", &metadata.token_endpoint},
                             std::pair{"jwks_uri", &metadata.jwks_uri}}) {
    if (!text(name, *field) || field->empty()) {
      return bad_discovery(expected_issuer, std::string("lacks \"") + name + "\"");
    }
    if (auto status = oidc::check_url(*field, allow_loopback_http); !status) {
      return bad_discovery(
          expected_issuer,
          std::string("has a \"") + name + "\" that Ward may not use: " + status.error().message());
    }
  }
  text("userinfo_endpoint", metadata.userinfo_endpoint);
  bool bad = false;
  auto response_types = optional_string_array(*document, "response_types_supported", bad);
  auto challenge_methods =
      optional_string_array(*document, "code_challenge_methods_supported", bad);
  auto auth_methods =
      optional_string_array(*document, "token_endpoint_auth_methods_supported", bad);
  auto algorithms = optional_string_array(*document, "id_token_signing_alg_values_supported", bad);
  if (bad) return bad_discovery(expected_issuer, "has a list that is not an array of strings");
  if (!response_types || !contains(*response_types, "code")) {
    return bad_discovery(expected_issuer, "does not offer the authorization code flow");
  }
  if (challenge_methods && !contains(*challenge_methods, "S256")) {
    return bad_discovery(expected_issuer, "does not offer PKCE with S256");
  }
  if (auth_methods) metadata.token_endpoint_auth_methods_supported = std::move(*auth_methods);
  if (algorithms) metadata.id_token_signing_alg_values_supported = std::move(*algorithms);
  if (auto it = document->find("authorization_response_iss_parameter_supported");
      it != document->end() && it->is_boolean()) {
    metadata.authorization_response_iss_parameter_supported = it->get<bool>();
  }
  return metadata;
}

core::Result<OidcCallback> parse_callback_query(std::string_view query) {
  auto pairs = oidc::parse_query(query);
  if (!pairs) return unauthenticated("the login callback's query string is malformed");
  OidcCallback callback;
  std::set<std::string> seen;
  for (auto& [name, value] : *pairs) {
    std::string* field = name == "state"   ? &callback.state
                         : name == "code"  ? &callback.code
                         : name == "iss"   ? &callback.iss
                         : name == "error" ? &callback.error
                                           : nullptr;
    if (field == nullptr) continue;
    if (!seen.insert(name).second) {
      return unauthenticated("the login callback repeats the parameter \"" + name + "\"");
    }
    *field = std::move(value);
  }
  return callback;
}

core::Result<std::unique_ptr<OidcRelyingParty>> OidcRelyingParty::create(OidcConfig config,
                                                                         OidcLoginStore& logins,
                                                                         const core::Clock& clock) {
  if (auto status = check_oidc_config(config); !status) return std::move(status).error();
  oidc::HttpClientOptions options;
  options.ca_bundle = config.ca_bundle;
  options.allow_loopback_http = oidc::is_loopback_http(config.issuer);
  options.max_response_bytes = config.max_response_bytes;
  options.timeout = config.http_timeout;
  options.connect_timeout = std::min(config.http_timeout, std::chrono::milliseconds(5000));
  return create(std::move(config), oidc::make_curl_http_client(std::move(options)), logins, clock);
}

core::Result<std::unique_ptr<OidcRelyingParty>> OidcRelyingParty::create(
    OidcConfig config, std::unique_ptr<oidc::HttpClient> http, OidcLoginStore& logins,
    const core::Clock& clock) {
  if (auto status = check_oidc_config(config); !status) return std::move(status).error();
  if (!http) return core::Error(core::Code::kInvalidArgument, "", "an HTTP client is required");
  return std::unique_ptr<OidcRelyingParty>(
      new OidcRelyingParty(std::move(config), std::move(http), logins, clock));
}

OidcRelyingParty::OidcRelyingParty(OidcConfig config, std::unique_ptr<oidc::HttpClient> http,
                                   OidcLoginStore& logins, const core::Clock& clock)
    : config_(std::move(config)), http_(std::move(http)), logins_(logins), clock_(clock) {
  for (const auto& name : config_.id_token_algorithms) {
    if (auto algorithm = oidc::algorithm_from_name(name)) algorithms_.push_back(*algorithm);
  }
  allow_loopback_http_ = oidc::is_loopback_http(config_.issuer);
}

int OidcRelyingParty::discovery_fetches() const {
  std::lock_guard lock(mutex_);
  return discovery_fetches_;
}

int OidcRelyingParty::jwks_fetches() const {
  std::lock_guard lock(mutex_);
  return jwks_fetches_;
}

core::Result<OidcProviderMetadata> OidcRelyingParty::metadata() {
  std::lock_guard lock(mutex_);
  if (metadata_) return *metadata_;
  const std::string url = discovery_url(config_.issuer);
  ++discovery_fetches_;
  auto response = http_->send({"GET", url, {}, {}});
  if (!response) return std::move(response).error();
  if (response->status != 200) {
    return core::Error(core::Code::kUnavailable, url,
                       "the OpenID provider's discovery document answered HTTP " +
                           std::to_string(response->status) + "; check the issuer URL");
  }
  auto metadata = parse_provider_metadata(response->body, config_.issuer, allow_loopback_http_);
  if (!metadata) return std::move(metadata).error();
  metadata_ = *metadata;
  return metadata;
}

core::Result<OidcLoginStart> OidcRelyingParty::start_login(std::string redirect_after) {
  if (!is_local_path(redirect_after)) {
    return core::Error(core::Code::kInvalidArgument, "redirect_after",
                       "after a login Ward only returns to one of its own paths (starting with a "
                       "single /)");
  }
  auto metadata = this->metadata();
  if (!metadata) return std::move(metadata).error();
  auto state = random_token(kStateBytes);
  auto nonce = random_token(kNonceBytes);
  auto verifier = random_token(kVerifierBytes);
  if (!state) return std::move(state).error();
  if (!nonce) return std::move(nonce).error();
  if (!verifier) return std::move(verifier).error();
  const std::string challenge = oidc::base64url_encode(crypto::sha256(*verifier));

  std::string scope;
  for (const auto& s : config_.scopes) scope += (scope.empty() ? "" : " ") + s;
  std::vector<std::pair<std::string, std::string>> params = {
      {"response_type", "code"},
      {"client_id", config_.client_id},
      {"redirect_uri", config_.redirect_uri},
      {"scope", scope},
      {"state", *state},
      {"nonce", *nonce},
      {"code_challenge", challenge},
      {"code_challenge_method", "S256"},
  };
  if (!config_.required_acr_values.empty()) {
    std::string acr_values;
    for (const auto& v : config_.required_acr_values)
      acr_values += (acr_values.empty() ? "" : " ") + v;
    params.emplace_back("acr_values", acr_values);
  }
  std::string url = metadata->authorization_endpoint;
  char separator = url.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [name, value] : params) {
    url += separator;
    url += oidc::url_encode(name) + "=" + oidc::url_encode(value);
    separator = '&';
  }

  const core::TimePoint now = clock_.now();
  OidcLoginStart start{std::move(url), *state, now + config_.login_timeout};
  OidcPendingLogin pending{std::move(state).value(),
                           std::move(verifier).value(),
                           std::move(nonce).value(),
                           std::move(redirect_after),
                           now,
                           start.expires_at};
  if (auto status = logins_.put(std::move(pending)); !status) return std::move(status).error();
  return start;
}

core::Result<std::string> OidcRelyingParty::exchange_code(const OidcProviderMetadata& metadata,
                                                          const OidcPendingLogin& login,
                                                          const std::string& code) {
  oidc::HttpRequest request;
  request.method = "POST";
  request.url = metadata.token_endpoint;
  request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  request.body = "grant_type=authorization_code&code=" + oidc::url_encode(code) +
                 "&redirect_uri=" + oidc::url_encode(config_.redirect_uri) +
                 "&code_verifier=" + oidc::url_encode(login.code_verifier);
  if (!config_.client_secret) {
    request.body += "&client_id=" + oidc::url_encode(config_.client_id);
  } else {
    std::string method = config_.token_endpoint_auth_method;
    const auto& supported = metadata.token_endpoint_auth_methods_supported;
    if (method.empty()) {
      // Without the list, the provider's default is client_secret_basic (OpenID Discovery §3).
      method = supported.empty() || contains(supported, "client_secret_basic")
                   ? "client_secret_basic"
               : contains(supported, "client_secret_post") ? "client_secret_post"
                                                           : "";
    }
    if (method.empty()) {
      return core::Error(core::Code::kFailedPrecondition, metadata.token_endpoint,
                         "the OpenID provider offers neither client_secret_basic nor "
                         "client_secret_post at its token endpoint");
    }
    if (method == "client_secret_basic") {
      // RFC 6749 §2.3.1: both parts form-encoded before Basic encoding.
      request.headers.emplace_back(
          "Authorization",
          "Basic " + oidc::base64_encode(oidc::url_encode(config_.client_id) + ":" +
                                         oidc::url_encode(*config_.client_secret)));
    } else {
      request.body += "&client_id=" + oidc::url_encode(config_.client_id) +
                      "&client_secret=" + oidc::url_encode(*config_.client_secret);
    }
  }

  auto response = http_->send(request);
  if (!response) return std::move(response).error();
  auto body = oidc::parse_json_object(response->body);
  if (response->status >= 500) {
    return core::Error(core::Code::kUnavailable, metadata.token_endpoint,
                       "the OpenID provider's token endpoint answered HTTP " +
                           std::to_string(response->status) + "; try again later");
  }
  if (response->status != 200) {
    std::string detail;
    if (body) {
      if (auto error = body->find("error"); error != body->end() && error->is_string()) {
        detail = error_code_for_message(error->get_ref<const std::string&>());
      }
    }
    return core::Error(
        core::Code::kUnauthenticated, metadata.token_endpoint,
        "the OpenID provider refused the authorization code" + detail + "; start the login again");
  }
  if (!body) {
    return core::Error(core::Code::kUnauthenticated, metadata.token_endpoint,
                       "the OpenID provider's token response is not a JSON object");
  }
  auto id_token = body->find("id_token");
  if (id_token == body->end() || !id_token->is_string()) {
    return core::Error(core::Code::kUnauthenticated, metadata.token_endpoint,
                       "the OpenID provider's token response has no ID token; check that the "
                       "scopes include openid");
  }
  return id_token->get<std::string>();
}

core::Status OidcRelyingParty::fetch_jwks_locked(const OidcProviderMetadata& metadata) {
  ++jwks_fetches_;
  jwks_fetched_at_ = clock_.now();
  auto response = http_->send({"GET", metadata.jwks_uri, {}, {}});
  if (!response) return std::move(response).error();
  if (response->status != 200) {
    return core::Error(
        core::Code::kUnavailable, metadata.jwks_uri,
        "the OpenID provider's JWK Set answered HTTP " + std::to_string(response->status));
  }
  auto set = oidc::JwkSet::parse(response->body);
  if (!set) return set.error().with_context("fetching " + metadata.jwks_uri + ": ");
  jwks_ = std::make_shared<const oidc::JwkSet>(std::move(set).value());
  return core::ok_status();
}

core::Result<oidc::Jwk> OidcRelyingParty::find_key(const OidcProviderMetadata& metadata,
                                                   std::string_view kid,
                                                   oidc::JwsAlgorithm algorithm) {
  std::lock_guard lock(mutex_);
  const core::TimePoint now = clock_.now();
  if (!jwks_ || now - jwks_fetched_at_ >= config_.jwks_max_age) {
    if (auto status = fetch_jwks_locked(metadata); !status) return std::move(status).error();
  }
  if (const oidc::Jwk* key = jwks_->find(kid, algorithm)) return *key;
  // A key the cached set does not list: the provider may have rotated its keys. Fetch again, but
  // not more often than configured, so tokens with made-up key ids cannot hammer the provider.
  if (now - jwks_fetched_at_ >= config_.jwks_min_refetch_interval) {
    if (auto status = fetch_jwks_locked(metadata); !status) return std::move(status).error();
    if (const oidc::Jwk* key = jwks_->find(kid, algorithm)) return *key;
  }
  return unauthenticated(
      kid.empty() ? "the ID token names no key id (\"kid\") and the provider's JWK Set does not "
                    "have exactly one key for its algorithm"
                  : "the ID token is signed with a key that the provider's JWK Set does not list "
                    "(unknown \"kid\")");
}

OidcIdentity OidcRelyingParty::identity_from(const nlohmann::json& claims) const {
  OidcIdentity identity;
  auto text = [&](const char* name) {
    auto it = claims.find(name);
    return it != claims.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  identity.issuer = text("iss");
  identity.subject = text("sub");
  identity.email = text("email");
  if (auto it = claims.find("email_verified"); it != claims.end() && it->is_boolean()) {
    identity.email_verified = it->get<bool>();
  }
  identity.preferred_username = text("preferred_username");
  identity.name = text("name");
  identity.acr = text("acr");
  if (auto it = claims.find("amr"); it != claims.end() && it->is_array()) {
    for (const auto& method : *it) {
      if (method.is_string()) identity.amr.push_back(method.get<std::string>());
    }
  }
  identity.mfa = oidc::amr_asserts_mfa(identity.amr);
  if (auto it = claims.find(config_.groups_claim); it != claims.end()) {
    if (it->is_string()) {
      identity.groups.push_back(it->get<std::string>());
    } else if (it->is_array()) {
      for (const auto& group : *it) {
        if (group.is_string()) identity.groups.push_back(group.get<std::string>());
      }
    }
  }
  std::set<std::string> roles;
  for (const auto& group : identity.groups) {
    if (auto mapped = config_.group_roles.find(group); mapped != config_.group_roles.end()) {
      roles.insert(mapped->second.begin(), mapped->second.end());
    }
  }
  identity.roles.assign(roles.begin(), roles.end());
  if (auto it = claims.find("auth_time"); it != claims.end() && it->is_number()) {
    const double seconds = it->get<double>();
    if (seconds >= 0 && seconds < 1e11) {
      identity.auth_time = core::TimePoint(std::chrono::duration_cast<core::TimePoint::duration>(
          std::chrono::duration<double>(seconds)));
    }
  }
  return identity;
}

core::Result<OidcLogin> OidcRelyingParty::finish_login(const OidcCallback& callback) {
  if (callback.state.empty()) return unauthenticated("the login callback has no state");
  if (callback.browser_state.empty() ||
      !crypto::constant_time_equal(crypto::byte_view(callback.state),
                                   crypto::byte_view(callback.browser_state))) {
    return unauthenticated(
        "the login callback's state does not belong to this browser (the state bound at the "
        "start of the login is missing or different); start the login again");
  }
  auto login = logins_.take(callback.state, clock_.now());
  if (!login) return std::move(login).error();
  if (!callback.error.empty()) {
    return unauthenticated("the OpenID provider did not sign the user in" +
                           error_code_for_message(callback.error));
  }
  auto metadata = this->metadata();
  if (!metadata) return std::move(metadata).error();
  if (!callback.iss.empty() && callback.iss != metadata->issuer) {
    return unauthenticated("the login callback comes from another issuer (\"iss\" does not match)");
  }
  if (callback.iss.empty() && metadata->authorization_response_iss_parameter_supported) {
    return unauthenticated(
        "the login callback lacks the issuer (\"iss\") that the provider always sends");
  }
  if (callback.code.empty()) return unauthenticated("the login callback has no authorization code");

  auto id_token = exchange_code(*metadata, *login, callback.code);
  if (!id_token) return std::move(id_token).error();

  oidc::IdTokenExpectations expected;
  expected.issuer = config_.issuer;
  expected.client_id = config_.client_id;
  expected.nonce = login->nonce;
  expected.algorithms = algorithms_;
  expected.required_acr_values = config_.required_acr_values;
  expected.required_amr_values = config_.required_amr_values;
  expected.now = clock_.now();
  expected.clock_skew = config_.clock_skew;
  auto claims = oidc::verify_id_token(*id_token, expected,
                                      [&](std::string_view kid, oidc::JwsAlgorithm algorithm) {
                                        return find_key(*metadata, kid, algorithm);
                                      });
  if (!claims) return std::move(claims).error();
  return OidcLogin{identity_from(*claims), std::move(login->redirect_after)};
}

}  // namespace ward::gov
