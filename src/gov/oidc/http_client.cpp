#include "gov/oidc/http_client.h"

#include <curl/curl.h>
#include <openssl/ssl.h>

#include <mutex>

#include "core/owned.h"
#include "core/text.h"
#include "crypto/tls.h"

namespace ward::gov::oidc {
namespace {

using Easy = core::Owned<CURL, curl_easy_cleanup>;
using Url = core::Owned<CURLU, curl_url_cleanup>;
using HeaderList = core::Owned<curl_slist, curl_slist_free_all>;

struct CurlString {
  char* text = nullptr;
  ~CurlString() { curl_free(text); }
};

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

core::Error refused_url(std::string_view url, std::string message) {
  return core::Error(core::Code::kFailedPrecondition, url_without_query(url), std::move(message));
}

struct UrlParts {
  std::string scheme;
  std::string host;
  bool has_credentials = false;
};

std::optional<UrlParts> split_url(std::string_view url) {
  init_curl_once();
  Url handle(curl_url());
  if (!handle) return std::nullopt;
  const std::string text(url);
  if (curl_url_set(handle.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) return std::nullopt;
  UrlParts parts;
  CurlString scheme, host, user, password;
  if (curl_url_get(handle.get(), CURLUPART_SCHEME, &scheme.text, 0) != CURLUE_OK ||
      curl_url_get(handle.get(), CURLUPART_HOST, &host.text, 0) != CURLUE_OK) {
    return std::nullopt;
  }
  parts.scheme = scheme.text;
  parts.host = host.text;
  parts.has_credentials =
      curl_url_get(handle.get(), CURLUPART_USER, &user.text, 0) == CURLUE_OK ||
      curl_url_get(handle.get(), CURLUPART_PASSWORD, &password.text, 0) == CURLUE_OK;
  return parts;
}

bool is_loopback_host(std::string_view host) {
  return host == "127.0.0.1" || host == "localhost" || host == "[::1]";
}

// Ward's TLS policy on the SSL_CTX libcurl is about to use; it runs after libcurl's own setup.
CURLcode apply_policy(CURL*, void* ssl_ctx, void*) {
  return crypto::apply_tls_policy(static_cast<SSL_CTX*>(ssl_ctx)) ? CURLE_OK : CURLE_SSL_CIPHER;
}

struct Sink {
  std::string body;
  std::size_t limit = 0;
  bool exceeded = false;
};

std::size_t write_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const std::size_t bytes = size * count;
  if (bytes > sink->limit - sink->body.size()) {
    sink->exceeded = true;
    return 0;  // makes libcurl stop with CURLE_WRITE_ERROR
  }
  sink->body.append(data, bytes);
  return bytes;
}

bool is_redirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

class CurlHttpClient final : public HttpClient {
 public:
  explicit CurlHttpClient(HttpClientOptions options) : options_(std::move(options)) {
    init_curl_once();
  }

  core::Result<HttpResponse> send(const HttpRequest& request) override {
    std::string url = request.url;
    for (int hop = 0;; ++hop) {
      if (auto status = check_url(url, options_.allow_loopback_http); !status) {
        return std::move(status).error();
      }
      std::string location;
      auto response = send_once(request, url, location);
      if (!response) return response;
      if (request.method != "GET" || !is_redirect(response->status) || location.empty()) {
        return response;
      }
      if (hop >= options_.max_redirects) {
        return core::Error(core::Code::kFailedPrecondition, url_without_query(request.url),
                           "the OpenID provider redirected more than " +
                               std::to_string(options_.max_redirects) + " times");
      }
      url = std::move(location);
    }
  }

 private:
  core::Result<HttpResponse> send_once(const HttpRequest& request, const std::string& url,
                                       std::string& location) {
    Easy easy(curl_easy_init());
    if (!easy) {
      return core::Error(core::Code::kInternal, "", "libcurl could not create a request handle");
    }
    CURL* h = easy.get();
    const bool loopback_http = is_loopback_http(url);
    char error_text[CURL_ERROR_SIZE] = {};
    Sink sink;
    sink.limit = options_.max_response_bytes;

    curl_slist* header_lines = nullptr;
    auto add_header = [&](const std::string& line) {
      if (curl_slist* next = curl_slist_append(header_lines, line.c_str())) header_lines = next;
    };
    add_header("Accept: application/json");
    add_header("Expect:");
    for (const auto& [name, value] : request.headers) add_header(name + ": " + value);
    HeaderList headers(header_lines);

    bool ok =
        curl_easy_setopt(h, CURLOPT_URL, url.c_str()) == CURLE_OK &&
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, loopback_http ? "http" : "https") == CURLE_OK &&
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_text) == CURLE_OK &&
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                         static_cast<long>(options_.connect_timeout.count())) == CURLE_OK &&
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count())) ==
            CURLE_OK &&
        curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
                         static_cast<curl_off_t>(options_.max_response_bytes)) == CURLE_OK &&
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_body) == CURLE_OK &&
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink) == CURLE_OK &&
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get()) == CURLE_OK &&
        curl_easy_setopt(h, CURLOPT_USERAGENT, "Ward-OIDC/1") == CURLE_OK &&
        curl_easy_setopt(h, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2) == CURLE_OK &&
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK &&
        curl_easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, apply_policy) == CURLE_OK;
    if (ok && !options_.ca_bundle.empty()) {
      ok = curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_bundle.c_str()) == CURLE_OK;
    }
    // A proxy from the environment is fine for a remote provider, never for a loopback one.
    if (ok && loopback_http) ok = curl_easy_setopt(h, CURLOPT_PROXY, "") == CURLE_OK;
    if (ok && request.method == "POST") {
      ok = curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                            static_cast<curl_off_t>(request.body.size())) == CURLE_OK &&
           curl_easy_setopt(h, CURLOPT_COPYPOSTFIELDS, request.body.c_str()) == CURLE_OK;
    } else if (ok && request.method != "GET") {
      return core::Error(core::Code::kInternal, url_without_query(url),
                         "the OpenID client sends only GET and POST requests");
    }
    if (!ok) {
      return core::Error(core::Code::kInternal, url_without_query(url),
                         "libcurl refused an option Ward needs (TLS policy or limits)");
    }

    const CURLcode result = curl_easy_perform(h);
    if (sink.exceeded || result == CURLE_FILESIZE_EXCEEDED) {
      return core::Error(core::Code::kResourceExhausted, url_without_query(url),
                         "the OpenID provider's response is larger than " +
                             std::to_string(options_.max_response_bytes) + " bytes");
    }
    if (result != CURLE_OK) {
      const std::string detail = error_text[0] != '\0' ? error_text : curl_easy_strerror(result);
      switch (result) {
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_SSL_CIPHER:
          return core::Error(core::Code::kFailedPrecondition, url_without_query(url),
                             "no trusted TLS connection to the OpenID provider (" + detail +
                                 "); check its certificate and the configured CA bundle");
        case CURLE_UNSUPPORTED_PROTOCOL:
          return refused_url(url, "the URL's scheme is not allowed (" + detail + ")");
        default:
          return core::Error(core::Code::kUnavailable, url_without_query(url),
                             "could not reach the OpenID provider (" + detail + ")");
      }
    }
    HttpResponse response;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
    char* content_type = nullptr;
    if (curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &content_type) == CURLE_OK &&
        content_type != nullptr) {
      response.content_type = content_type;
    }
    char* redirect = nullptr;
    if (curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &redirect) == CURLE_OK && redirect != nullptr) {
      location = redirect;
    }
    response.body = std::move(sink.body);
    return response;
  }

  HttpClientOptions options_;
};

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

}  // namespace

bool is_loopback_http(std::string_view url) {
  auto parts = split_url(url);
  return parts && parts->scheme == "http" && is_loopback_host(parts->host) &&
         !parts->has_credentials;
}

core::Status check_url(std::string_view url, bool allow_loopback_http) {
  auto parts = split_url(url);
  if (!parts || parts->host.empty()) return refused_url(url, "this is not an absolute URL");
  if (parts->has_credentials) {
    return refused_url(url, "URLs with a user name or password are not allowed");
  }
  if (parts->scheme == "https") return core::ok_status();
  if (parts->scheme == "http" && allow_loopback_http && is_loopback_host(parts->host)) {
    return core::ok_status();
  }
  return refused_url(url,
                     "only https URLs are allowed (plain http only to a loopback host, and only "
                     "when the issuer itself is http on loopback)");
}

std::unique_ptr<HttpClient> make_curl_http_client(HttpClientOptions options) {
  return std::make_unique<CurlHttpClient>(std::move(options));
}

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::optional<std::string> url_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int high = core::hex_digit_value(text[i + 1]);
      const int low = core::hex_digit_value(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

core::Result<std::vector<std::pair<std::string, std::string>>> parse_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    const auto end = query.find('&');
    const std::string_view item = query.substr(0, end);
    query = end == std::string_view::npos ? std::string_view() : query.substr(end + 1);
    if (item.empty()) continue;
    const auto eq = item.find('=');
    auto name = url_decode(item.substr(0, eq));
    auto value =
        url_decode(eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1));
    if (!name || !value) {
      return core::Error(core::Code::kInvalidArgument, "",
                         "the query string has a malformed percent-escape");
    }
    out.emplace_back(std::move(*name), std::move(*value));
  }
  return out;
}

std::string url_without_query(std::string_view url) {
  return std::string(url.substr(0, url.find_first_of("?#")));
}

}  // namespace ward::gov::oidc
