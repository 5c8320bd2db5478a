#pragma once
// The HTTP client Ward's OpenID Connect relying party talks to the provider with (discovery, JWK
// Set, token endpoint), behind an interface so tests can answer without a network.
//
// The libcurl implementation applies Ward's one TLS policy (crypto/tls.h, through
// CURLOPT_SSL_CTX_FUNCTION, plus CURLOPT_SSLVERSION TLS 1.2 minimum), verifies the peer's
// certificate and host name against the system trust store or a configured CA bundle, limits
// response size (1 MiB by default) and time (5 s to connect, 10 s in all), sends no cookies, asks
// for no compression, and follows redirects only for GET, at most 3, each one checked like the
// first URL.
//
// Which URLs may be fetched (check_url): https only. Plain http is allowed only when the issuer
// itself is http on a loopback host (http://127.0.0.1, http://localhost, http://[::1]), as in
// tests against a local provider, and then only to loopback hosts.
//
// Thread-safety: make_curl_http_client's client may be used from several threads at once (each
// request has its own curl handle).

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace ward::gov::oidc {

struct HttpRequest {
  std::string method = "GET";  // GET or POST
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // name, value
  std::string body;                                          // for POST
};

struct HttpResponse {
  long status = 0;
  std::string content_type;
  std::string body;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // The response, whatever its status; an error only when no response came (connection, TLS,
  // timeout: kUnavailable), it was too large (kResourceExhausted), or a URL or redirect is not
  // allowed (kFailedPrecondition).
  virtual core::Result<HttpResponse> send(const HttpRequest& request) = 0;
};

struct HttpClientOptions {
  std::filesystem::path ca_bundle;   // PEM file of trusted CAs; empty: the system trust store
  bool allow_loopback_http = false;  // see check_url
  std::size_t max_response_bytes = std::size_t{1} << 20;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds timeout{10000};
  int max_redirects = 3;
};

// True for http://127.0.0.1, http://localhost and http://[::1] URLs (any port and path).
bool is_loopback_http(std::string_view url);

// OK when `url` is an absolute https URL with a host, or an http URL to a loopback host while
// `allow_loopback_http`; a kFailedPrecondition error naming the URL otherwise. URLs carrying
// user names or passwords are refused.
core::Status check_url(std::string_view url, bool allow_loopback_http);

std::unique_ptr<HttpClient> make_curl_http_client(HttpClientOptions options);

// application/x-www-form-urlencoded / RFC 3986 percent-encoding: unreserved characters stay,
// every other byte becomes %XX (so a space is %20).
std::string url_encode(std::string_view text);

// Decodes %XX and, in form bodies and query strings, "+" as a space. std::nullopt on a bad escape.
std::optional<std::string> url_decode(std::string_view text);

// "a=1&b=2" into pairs, decoding both sides; a malformed escape is an error (kInvalidArgument).
core::Result<std::vector<std::pair<std::string, std::string>>> parse_query(std::string_view query);

// The URL without its query string and fragment, for messages and `where` (queries can carry
// codes and states).
std::string url_without_query(std::string_view url);

}  // namespace ward::gov::oidc
