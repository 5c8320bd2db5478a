// The libcurl client against a small HTTP server on loopback: URL policy, redirects, size limits,
// timeouts. (TLS with a configured CA bundle is exercised by the end-to-end test.)
#include "gov/oidc/http_client.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

namespace ward::gov::oidc {
namespace {

class LocalServer {
 public:
  LocalServer() {
    server_.Get("/json", [](const httplib::Request& request, httplib::Response& response) {
      response.set_content(R"({"ok":true,"accept":")" + request.get_header_value("Accept") + "\"}",
                           "application/json");
    });
    server_.Get("/big", [](const httplib::Request&, httplib::Response& response) {
      response.set_content(std::string(2 << 20, 'x'), "application/json");
    });
    server_.Get("/big-chunked", [](const httplib::Request&, httplib::Response& response) {
      response.set_chunked_content_provider("application/json",
                                            [](size_t offset, httplib::DataSink& sink) {
                                              if (offset >= (2u << 20)) {
                                                sink.done();
                                                return true;
                                              }
                                              const std::string chunk(64 * 1024, 'x');
                                              return sink.write(chunk.data(), chunk.size());
                                            });
    });
    server_.Get("/to-json", [](const httplib::Request&, httplib::Response& response) {
      response.set_redirect("/json", 302);
    });
    server_.Get("/to-remote", [](const httplib::Request&, httplib::Response& response) {
      response.set_redirect("http://example.invalid/json", 302);
    });
    server_.Get("/loop", [](const httplib::Request&, httplib::Response& response) {
      response.set_redirect("/loop", 302);
    });
    server_.Get("/slow", [](const httplib::Request&, httplib::Response& response) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1000));
      response.set_content("{}", "application/json");
    });
    server_.Post("/form", [](const httplib::Request& request, httplib::Response& response) {
      response.status = 201;
      response.set_content(request.body + "|" + request.get_header_value("Authorization"),
                           "text/plain");
    });
    server_.Post("/post-redirect", [](const httplib::Request&, httplib::Response& response) {
      response.set_redirect("/json", 307);
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // cpp-httplib 0.11 ignores stop() until its accept loop runs.
    for (int i = 0; i < 500 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  ~LocalServer() {
    server_.stop();
    thread_.join();
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

std::unique_ptr<HttpClient> loopback_client() {
  HttpClientOptions options;
  options.allow_loopback_http = true;
  options.timeout = std::chrono::milliseconds(5000);
  return make_curl_http_client(options);
}

TEST(OidcHttpClient, GetsFromLoopbackHttpWhenAllowed) {
  LocalServer server;
  auto response = loopback_client()->send({"GET", server.url("/json"), {}, {}});
  ASSERT_TRUE(response) << response.error().to_string();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->content_type, "application/json");
  EXPECT_EQ(response->body, R"({"ok":true,"accept":"application/json"})");
}

TEST(OidcHttpClient, RefusesPlainHttpUnlessAllowedForLoopback) {
  LocalServer server;
  auto client = make_curl_http_client({});
  auto response = client->send({"GET", server.url("/json"), {}, {}});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), core::Code::kFailedPrecondition);
  EXPECT_NE(response.error().message().find("only https"), std::string::npos);
}

TEST(OidcHttpClient, PostsFormsAndDoesNotFollowTheirRedirects) {
  LocalServer server;
  auto client = loopback_client();
  auto response = client->send(
      {"POST",
       server.url("/form"),
       {{"Content-Type", "application/x-www-form-urlencoded"}, {"Authorization", "Basic abc"}},
       "a=1&b=2"});
  ASSERT_TRUE(response) << response.error().to_string();
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->body, "a=1&b=2|Basic abc");
  response = client->send({"POST", server.url("/post-redirect"), {}, "x=1"});
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 307);
}

TEST(OidcHttpClient, FollowsRedirectsOnlyWhereAllowed) {
  LocalServer server;
  auto client = loopback_client();
  auto response = client->send({"GET", server.url("/to-json"), {}, {}});
  ASSERT_TRUE(response) << response.error().to_string();
  EXPECT_EQ(response->status, 200);

  // Loopback http is allowed; a redirect to http elsewhere is not (and is never requested).
  response = client->send({"GET", server.url("/to-remote"), {}, {}});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), core::Code::kFailedPrecondition);
  EXPECT_EQ(response.error().where(), "http://example.invalid/json");

  response = client->send({"GET", server.url("/loop"), {}, {}});
  ASSERT_FALSE(response);
  EXPECT_NE(response.error().message().find("redirected more than 3 times"), std::string::npos);
}

TEST(OidcHttpClient, LimitsResponseSize) {
  LocalServer server;
  auto client = loopback_client();
  for (const char* path : {"/big", "/big-chunked"}) {
    auto response = client->send({"GET", server.url(path), {}, {}});
    ASSERT_FALSE(response) << path;
    EXPECT_EQ(response.error().code(), core::Code::kResourceExhausted) << path;
  }
}

TEST(OidcHttpClient, TimesOutAndReportsUnreachableProviders) {
  LocalServer server;
  HttpClientOptions options;
  options.allow_loopback_http = true;
  options.timeout = std::chrono::milliseconds(300);
  auto response = make_curl_http_client(options)->send({"GET", server.url("/slow"), {}, {}});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), core::Code::kUnavailable);

  // A port nobody listens on: bound (never listened on) to learn a free number, then closed.
  int port = 0;
  {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof(address);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size), 0);
    port = ntohs(address.sin_port);
    ::close(fd);
  }
  response = loopback_client()->send(
      {"GET", "http://127.0.0.1:" + std::to_string(port) + "/json", {}, {}});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), core::Code::kUnavailable);
}

TEST(OidcUrlPolicy, AllowsHttpsAndLoopbackHttpOnly) {
  EXPECT_TRUE(check_url("https://idp.example.test/.well-known/openid-configuration", false));
  EXPECT_FALSE(check_url("http://idp.example.test/", false));
  EXPECT_FALSE(check_url("http://idp.example.test/", true));
  EXPECT_FALSE(check_url("http://127.0.0.1:8080/", false));
  EXPECT_TRUE(check_url("http://127.0.0.1:8080/", true));
  EXPECT_TRUE(check_url("http://localhost:8080/x", true));
  EXPECT_TRUE(check_url("http://[::1]:8080/x", true));
  EXPECT_FALSE(check_url("http://127.0.0.1.example.test/", true));
  EXPECT_FALSE(check_url("https://user:pass@idp.example.test/", false));
  EXPECT_FALSE(check_url("ftp://idp.example.test/", true));
  EXPECT_FALSE(check_url("/relative", true));
  EXPECT_FALSE(check_url("", true));
  EXPECT_TRUE(is_loopback_http("http://127.0.0.1:4000"));
  EXPECT_TRUE(is_loopback_http("http://localhost"));
  EXPECT_FALSE(is_loopback_http("https://127.0.0.1:4000"));
  EXPECT_FALSE(is_loopback_http("http://10.0.0.1"));
}

TEST(OidcUrlPolicy, EncodesAndDecodes) {
  EXPECT_EQ(url_encode("a b&c=d/é~._-"), "a%20b%26c%3Dd%2F%C3%A9~._-");
  EXPECT_EQ(url_decode("a+b%20c%2F"), "a b c/");
  EXPECT_FALSE(url_decode("%2"));
  EXPECT_FALSE(url_decode("%g0"));
  EXPECT_EQ(url_without_query("https://x.test/a?code=1#f"), "https://x.test/a");
}

}  // namespace
}  // namespace ward::gov::oidc
