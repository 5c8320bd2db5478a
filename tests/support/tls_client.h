#pragma once
// A minimal HTTPS client for tests, on OpenSSL directly, so a test can pin the TLS version it
// offers and see exactly what the server negotiated. One request per connection.

#include <optional>
#include <string>

namespace ward::test {

struct HttpsResponse {
  bool handshake_ok = false;
  std::string protocol;  // e.g. "TLSv1.3"
  std::string cipher;    // e.g. "TLS_AES_256_GCM_SHA384"
  int status = 0;
  std::string body;
};

struct HttpsRequest {
  std::string method = "GET";
  std::string path = "/";
  std::string body;
  int max_tls_version = 0;  // e.g. TLS1_1_VERSION; 0 = library default
  int min_tls_version = 0;
};

// A GET request for `path`, optionally offering at most `max_tls_version`.
inline HttpsRequest get(std::string path, int max_tls_version = 0) {
  HttpsRequest request;
  request.path = std::move(path);
  request.max_tls_version = max_tls_version;
  return request;
}

// Connects to 127.0.0.1:port, performs the handshake (without verifying the certificate, which is
// self-signed in tests) and, if it succeeds, sends the request and reads the whole response.
HttpsResponse https_request(int port, const HttpsRequest& request);

}  // namespace ward::test
