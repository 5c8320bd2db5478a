// Single sign-on end to end: the real `ward serve` binary with an [oidc] table, signing users in
// through a real OpenID provider (oidc-provider from npm, started by tests/gov/oidc/provider.mjs).
// The test plays the browser: it asks Ward's /auth/login where to go, follows that to the
// provider's development login page with libcurl (cookies on, redirects followed by hand),
// submits the login and consent forms, captures the provider's redirect back to Ward's callback
// URL, and calls Ward's /auth/callback with the state cookie Ward set — as a browser would.
// Then the session cookie is used on the governed API.
//
// One provider and one `ward serve` serve the whole suite (each test signs in its own users), so
// the suite stays fast under sanitizers.

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "gov/oidc/http_client.h"
#include "gov/oidc/oidc_test_util.h"
#include "support/test_support.h"

namespace ward::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// ---- the provider ----

fs::path find_node() {
  return find_on_path("node");
}

// A free TCP port on 127.0.0.1 (bound and released, so another process could take it first; the
// provider must know Ward's callback URL before Ward starts).
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof(address);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

// provider.mjs in the background; it exits when its stdin (held here) closes.
class ProviderProcess {
 public:
  explicit ProviderProcess(const std::string& redirect_uri) {
    std::vector<std::string> args = {find_node().string(),
                                     std::string(WARD_SOURCE_DIR) + "/tests/gov/oidc/provider.mjs",
                                     "--redirect-uri", redirect_uri};
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    int stdin_pipe[2];
    if (::pipe2(stdin_pipe, O_CLOEXEC) != 0) return;
    const int out =
        ::open((logs_ / "stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const int err =
        ::open((logs_ / "stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(stdin_pipe[0], STDIN_FILENO);
      ::dup2(out, STDOUT_FILENO);
      ::dup2(err, STDERR_FILENO);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(stdin_pipe[0]);
    ::close(out);
    ::close(err);
    stdin_write_ = stdin_pipe[1];
    const std::string marker = "ward-test-provider ready ";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (issuer_.empty() && std::chrono::steady_clock::now() < deadline) {
      const std::string text = read_text(logs_ / "stdout");
      if (auto at = text.find(marker); at != std::string::npos) {
        if (auto end = text.find('\n', at); end != std::string::npos) {
          issuer_ = text.substr(at + marker.size(), end - at - marker.size());
        }
      }
      if (issuer_.empty() && ::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ~ProviderProcess() {
    if (stdin_write_ >= 0) ::close(stdin_write_);
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  const std::string& issuer() const { return issuer_; }
  std::string logs() const {
    return "stdout:\n" + read_text(logs_ / "stdout") + "\nstderr:\n" + read_text(logs_ / "stderr");
  }

 private:
  TempDir logs_;
  pid_t pid_ = -1;
  int stdin_write_ = -1;
  std::string issuer_;
};

// The user's browser at the provider: a cookie jar, redirects followed by hand.
class ProviderBrowser {
 public:
  ProviderBrowser() : curl_(curl_easy_init()) {
    curl_easy_setopt(curl_, CURLOPT_COOKIEFILE, "");
    curl_easy_setopt(curl_, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_PROXY, "");
    curl_easy_setopt(
        curl_, CURLOPT_WRITEFUNCTION, +[](char* data, size_t size, size_t n, void* out) {
          static_cast<std::string*>(out)->append(data, size * n);
          return size * n;
        });
  }
  ~ProviderBrowser() { curl_easy_cleanup(curl_); }
  ProviderBrowser(const ProviderBrowser&) = delete;
  ProviderBrowser& operator=(const ProviderBrowser&) = delete;

  // Follows `url` through the provider's login and consent pages as `login` until the provider
  // redirects to something starting with `back_to`; returns that URL ("" and a failure if not).
  std::string sign_in(std::string url, const std::string& login, const std::string& back_to) {
    for (int step = 0; step < 12; ++step) {
      if (url.rfind(back_to, 0) == 0) return url;
      Page page = perform(url, nullptr);
      if (!page.location.empty()) {
        url = page.location;
        continue;
      }
      std::string action;
      std::string form = form_fields(page.body, action);
      if (page.status != 200 || action.empty()) {
        ADD_FAILURE() << "unexpected page at " << url << ": HTTP " << page.status << "\n"
                      << page.body.substr(0, 1500);
        return {};
      }
      if (form.find("prompt=login") != std::string::npos) {
        form += "&login=" + gov::oidc::url_encode(login) + "&password=any-password";
      }
      Page submitted = perform(action, &form);
      if (submitted.location.empty()) {
        ADD_FAILURE() << "the form at " << action << " did not redirect: HTTP " << submitted.status;
        return {};
      }
      url = submitted.location;
    }
    ADD_FAILURE() << "the provider never sent the browser back to " << back_to;
    return {};
  }

 private:
  struct Page {
    long status = 0;
    std::string body;
    std::string location;
  };

  static std::string unescape_html(std::string text) {
    const std::pair<const char*, const char*> entities[] = {
        {"&#x2F;", "/"}, {"&#47;", "/"}, {"&quot;", "\""}, {"&#39;", "'"},
        {"&#x27;", "'"}, {"&lt;", "<"},  {"&gt;", ">"},    {"&amp;", "&"}};
    for (const auto& [entity, plain] : entities) {
      for (auto at = text.find(entity); at != std::string::npos; at = text.find(entity, at + 1)) {
        text.replace(at, std::strlen(entity), plain);
      }
    }
    return text;
  }

  static std::string form_fields(const std::string& html, std::string& action) {
    std::smatch match;
    if (std::regex_search(html, match, std::regex(R"re(<form[^>]*action="([^"]*)")re"))) {
      action = unescape_html(match[1]);
    }
    std::string body;
    const std::regex hidden(R"re(<input type="hidden" name="([^"]*)" value="([^"]*)")re");
    for (auto it = std::sregex_iterator(html.begin(), html.end(), hidden);
         it != std::sregex_iterator(); ++it) {
      body += (body.empty() ? "" : "&") + gov::oidc::url_encode(unescape_html((*it)[1])) + "=" +
              gov::oidc::url_encode(unescape_html((*it)[2]));
    }
    return body;
  }

  Page perform(const std::string& url, const std::string* form) {
    Page page;
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &page.body);
    if (form != nullptr) {
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE, static_cast<long>(form->size()));
      curl_easy_setopt(curl_, CURLOPT_COPYPOSTFIELDS, form->c_str());
    } else {
      curl_easy_setopt(curl_, CURLOPT_HTTPGET, 1L);
    }
    const CURLcode result = curl_easy_perform(curl_);
    EXPECT_EQ(result, CURLE_OK) << url << ": " << curl_easy_strerror(result);
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &page.status);
    char* location = nullptr;
    if (page.status >= 300 && page.status < 400 &&
        curl_easy_getinfo(curl_, CURLINFO_REDIRECT_URL, &location) == CURLE_OK &&
        location != nullptr) {
      page.location = location;
    }
    return page;
  }

  CURL* curl_;
};

// ---- Ward ----

// One Set-Cookie header, split into its value and attributes (names lower-cased).
struct SetCookie {
  std::string name;
  std::string value;
  std::map<std::string, std::string> attributes;
};

std::vector<SetCookie> set_cookies(const httplib::Response& res) {
  std::vector<SetCookie> out;
  for (std::size_t i = 0; i < res.get_header_value_count("Set-Cookie"); ++i) {
    const std::string header = res.get_header_value("Set-Cookie", i);
    SetCookie cookie;
    std::stringstream parts(header);
    std::string part;
    bool first = true;
    while (std::getline(parts, part, ';')) {
      while (!part.empty() && part.front() == ' ') part.erase(part.begin());
      const auto eq = part.find('=');
      std::string name = part.substr(0, eq);
      const std::string value = eq == std::string::npos ? "" : part.substr(eq + 1);
      if (first) {
        cookie.name = name;
        cookie.value = value;
        first = false;
      } else {
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        cookie.attributes[name] = value;
      }
    }
    out.push_back(std::move(cookie));
  }
  return out;
}

std::optional<SetCookie> set_cookie_named(const httplib::Response& res, const std::string& name) {
  for (auto& cookie : set_cookies(res)) {
    if (cookie.name == name) return cookie;
  }
  return std::nullopt;
}

// The attributes every Ward cookie must have.
void expect_protected(const SetCookie& cookie, const std::string& path) {
  EXPECT_TRUE(cookie.attributes.count("httponly")) << cookie.name;
  EXPECT_TRUE(cookie.attributes.count("secure")) << cookie.name;
  EXPECT_EQ(cookie.attributes.count("samesite") ? cookie.attributes.at("samesite") : "", "Lax")
      << cookie.name;
  EXPECT_EQ(cookie.attributes.count("path") ? cookie.attributes.at("path") : "", path)
      << cookie.name;
}

struct Suite {
  TempDir dir;
  int port = 0;
  std::string callback_url;
  std::unique_ptr<ProviderProcess> provider;
  std::unique_ptr<BackgroundWard> ward;
  std::string admin_token;  // a Bearer token of the bootstrap administrator
  std::string failure;      // why the suite could not start, or ""
  std::string skip;         // why the suite is skipped, or ""

  std::map<std::string, std::string> env() const {
    return {{"HOME", (dir / "home").string()}, {"WARD_CONFIG", (dir / "ward.toml").string()}};
  }
  std::string data_dir() const { return (dir / "data").string(); }
};

Suite* suite = nullptr;

httplib::Result ward_call(const std::string& method, const std::string& target,
                          const httplib::Headers& extra = {}, const std::string& body = "") {
  httplib::SSLClient client("127.0.0.1", suite->port);
  client.enable_server_certificate_verification(false);
  client.set_url_encode(false);  // send the provider's callback query exactly as it came
  httplib::Headers headers = {{"User-Agent", "sso-test"}};
  headers.insert(extra.begin(), extra.end());
  if (method == "GET") return client.Get(target.c_str(), headers);
  if (method == "DELETE") return client.Delete(target.c_str(), headers);
  return client.Post(target.c_str(), headers, body, "application/json");
}

httplib::Headers cookie_header(const std::string& cookies) {
  return {{"Cookie", cookies}};
}
httplib::Headers bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

json body_of(const httplib::Result& result) {
  return result ? json::parse(result->body, nullptr, false) : json();
}

// Everything a browser holds after a sign-in through Ward.
struct SignedIn {
  std::string state;            // the login state cookie's value
  std::string callback_target;  // "/auth/callback?code=…&state=…&iss=…"
  std::string session;          // the ward_session cookie's value ("" when refused)
  std::optional<httplib::Response> callback;
};

// GET /auth/login: the provider's URL and the state cookie. Fails the test if not a redirect.
std::pair<std::string, std::string> start_login(const std::string& redirect) {
  auto started = ward_call("GET", "/auth/login?redirect=" + redirect);
  EXPECT_TRUE(started);
  if (!started) return {};
  EXPECT_EQ(started->status, 302) << started->body;
  auto state = set_cookie_named(*started, "ward_oidc_state");
  EXPECT_TRUE(state.has_value());
  if (!state) return {};
  // The body repeats the Location as sent (httplib's client decodes the Location header).
  return {body_of(started).value("authorization_url", ""), state->value};
}

// Starts a login, signs in at the provider as `login`, and returns what came back, without
// calling Ward's callback yet.
SignedIn reach_callback(ProviderBrowser& browser, const std::string& login,
                        const std::string& redirect = "/ui/after-login") {
  SignedIn out;
  auto [authorization_url, state] = start_login(redirect);
  out.state = state;
  const std::string back = browser.sign_in(authorization_url, login, suite->callback_url);
  if (!back.empty()) out.callback_target = back.substr(back.find("/auth/callback"));
  return out;
}

// Calls Ward's callback with `cookies`; records the session cookie if one is set.
void finish(SignedIn& in, const std::string& cookies) {
  auto result = ward_call("GET", in.callback_target, cookie_header(cookies));
  ASSERT_TRUE(result) << "no response from the callback";
  in.callback = *result;
  if (auto session = set_cookie_named(*result, "ward_session"); session && result->status == 302) {
    in.session = session->value;
  }
}

SignedIn sign_in(ProviderBrowser& browser, const std::string& login) {
  SignedIn in = reach_callback(browser, login);
  if (in.callback_target.empty()) return in;
  finish(in, "ward_oidc_state=" + in.state);
  return in;
}

json audit_events(const std::string& query) {
  auto result = ward_call("GET", "/api/v1/audit/events?" + query, bearer(suite->admin_token));
  EXPECT_TRUE(result && result->status == 200) << (result ? result->body : "no response");
  return body_of(result).value("events", json::array());
}

void start_suite() {
  suite = new Suite;
  Suite& s = *suite;
  if (find_node().empty()) {
    s.skip =
        "Node.js (node) is not on PATH, so the OpenID provider of this test cannot run; "
        "scripts/setup installs it";
    return;
  }
  if (!fs::exists(fs::path(WARD_SOURCE_DIR) / "node_modules/oidc-provider/package.json")) {
    s.failure = "the npm package oidc-provider is not installed in " +
                std::string(WARD_SOURCE_DIR) + "/node_modules; run scripts/setup (npm ci)";
    return;
  }
  s.port = free_port();
  s.callback_url = "https://127.0.0.1:" + std::to_string(s.port) + "/auth/callback";
  s.provider = std::make_unique<ProviderProcess>(s.callback_url);
  if (s.provider->issuer().empty()) {
    s.failure = "the OpenID provider did not start\n" + s.provider->logs();
    return;
  }
  write_text(s.dir / "client-secret", "ward-rs256-secret\n");
  ::chmod((s.dir / "client-secret").c_str(), 0600);
  // The redirect URI is left to its default, https://<server.listen>/auth/callback.
  write_text(s.dir / "ward.toml", "[server]\nlisten = \"127.0.0.1:" + std::to_string(s.port) +
                                      "\"\n"
                                      "[oidc]\n"
                                      "issuer = \"" +
                                      s.provider->issuer() +
                                      "\"\n"
                                      "client_id = \"ward-rs256\"\n"
                                      "client_secret_file = \"client-secret\"\n"
                                      "scopes = [\"openid\", \"email\", \"profile\", \"groups\"]\n"
                                      "session_lifetime_minutes = 60\n"
                                      "[oidc.group_roles]\n"
                                      "ward-admins = [\"sso-admins\"]\n"
                                      "engineering = [\"developers\"]\n");
  s.ward = std::make_unique<BackgroundWard>(
      std::vector<std::string>{"serve", "--data-dir", s.data_dir()}, s.env());
  if (s.ward->wait_for_line("listening on https://").empty()) {
    s.failure = "ward serve did not start:\n" + s.ward->err();
    return;
  }
  const std::string sso_line = s.ward->wait_for_line("Single sign-on with");
  if (sso_line.find(s.callback_url) == std::string::npos) {
    s.failure = "ward serve did not announce single sign-on with the default callback: " + sso_line;
    return;
  }
  std::smatch match;
  const std::string token_line = s.ward->wait_for_line("wardboot_");
  if (!std::regex_search(token_line, match, std::regex("wardboot_[0-9a-f]+"))) {
    s.failure = "no bootstrap token: " + s.ward->out();
    return;
  }
  auto admin = ward_call("POST", "/api/v1/bootstrap", {},
                         json{{"token", match[0].str()}, {"user", "root"}}.dump());
  if (!admin || admin->status != 201) {
    s.failure = "bootstrap failed: " + (admin ? admin->body : std::string("no response"));
    return;
  }
  s.admin_token = body_of(admin).value("token", "");
}

class SsoEndToEnd : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { start_suite(); }
  static void TearDownTestSuite() {
    delete suite;
    suite = nullptr;
  }
  void SetUp() override {
    if (!suite->skip.empty()) GTEST_SKIP() << suite->skip;
    ASSERT_TRUE(suite->failure.empty()) << suite->failure;
  }
};

TEST_F(SsoEndToEnd, LoginRedirectsToTheProviderWithAStateCookieBoundToTheBrowser) {
  auto started = ward_call("GET", "/auth/login?redirect=/ui/x");
  ASSERT_TRUE(started);
  ASSERT_EQ(started->status, 302) << started->body;
  // httplib's client hands over the Location header percent-decoded; the body has it as sent.
  const std::string location = body_of(started).value("authorization_url", "");
  EXPECT_EQ(started->get_header_value("Location"), httplib::detail::decode_url(location, false));
  ASSERT_EQ(location.rfind(suite->provider->issuer() + "/", 0), 0u) << location;
  const auto query = gov::oidc::test::query_of(location);
  EXPECT_EQ(query.at("client_id"), "ward-rs256");
  EXPECT_EQ(query.at("redirect_uri"), suite->callback_url);
  EXPECT_EQ(query.at("response_type"), "code");
  EXPECT_EQ(query.at("code_challenge_method"), "S256");
  EXPECT_EQ(query.at("scope"), "openid email profile groups");
  auto state = set_cookie_named(*started, "ward_oidc_state");
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(state->value, query.at("state"));
  expect_protected(*state, "/auth/callback");
  const int max_age = std::stoi(state->attributes.at("max-age"));
  EXPECT_GT(max_age, 500);  // the login timeout, 600 s
  EXPECT_LE(max_age, 600);
}

TEST_F(SsoEndToEnd, ASignInGivesASessionCookieForTheApiAsTheJustInTimeUser) {
  ProviderBrowser browser;
  SignedIn alice = sign_in(browser, "alice");
  ASSERT_TRUE(alice.callback.has_value());
  ASSERT_EQ(alice.callback->status, 302) << alice.callback->body;
  EXPECT_EQ(alice.callback->get_header_value("Location"), "/ui/after-login");
  auto session = set_cookie_named(*alice.callback, "ward_session");
  ASSERT_TRUE(session.has_value());
  expect_protected(*session, "/");
  EXPECT_EQ(session->attributes.at("max-age"), "3600");  // session_lifetime_minutes = 60
  EXPECT_TRUE(std::regex_match(session->value, std::regex("[0-9a-f]{16}_[0-9a-f]{64}")));
  auto cleared = set_cookie_named(*alice.callback, "ward_oidc_state");
  ASSERT_TRUE(cleared.has_value()) << "the state cookie is expired";
  EXPECT_EQ(cleared->value, "");
  EXPECT_EQ(cleared->attributes.at("max-age"), "0");

  auto me = ward_call("GET", "/api/v1/me", cookie_header("ward_session=" + alice.session));
  ASSERT_TRUE(me);
  ASSERT_EQ(me->status, 200) << me->body;
  const json who = body_of(me);
  EXPECT_EQ(who["user"], "alice");
  EXPECT_EQ(who["tenant"], "default");
  EXPECT_EQ(who["auth_method"], "oidc");
  EXPECT_EQ(who["mfa"], true);  // alice signs in with pwd + otp
  EXPECT_TRUE(who["token_id"].is_null());

  // The sign-in and the API call are audited as "oidc", with the user and the session's id.
  const std::string session_id = alice.session.substr(0, 16);
  json sign_in_event;
  for (const json& e : audit_events("action=ward:SignIn&actor=alice&outcome=allowed")) {
    if (e["params"].value("session_id", "") == session_id) sign_in_event = e;
  }
  ASSERT_TRUE(sign_in_event.is_object()) << "no ward:SignIn event for session " << session_id;
  EXPECT_EQ(sign_in_event["actor"]["auth_method"], "oidc");
  EXPECT_EQ(sign_in_event["actor"]["user_agent"], "sso-test");
  EXPECT_EQ(sign_in_event["params"]["user"], "alice");
  EXPECT_EQ(sign_in_event["params"]["mfa"], true);
  EXPECT_EQ(sign_in_event["params"]["roles"], "developers,sso-admins");
  EXPECT_EQ(sign_in_event["resource"], "ward:local:default:user/alice");
  json call_event;
  for (const json& e : audit_events("action=ward:GetCallerIdentity&actor=alice")) {
    if (e["params"].value("session_id", "") == session_id) call_event = e;
  }
  ASSERT_TRUE(call_event.is_object()) << "no ward:GetCallerIdentity event for the session";
  EXPECT_EQ(call_event["actor"]["auth_method"], "oidc");
  EXPECT_EQ(call_event["outcome"], "allowed");
}

TEST_F(SsoEndToEnd, ProviderGroupsBecomeRolesThatPoliciesCanUse) {
  ProviderBrowser alices_browser, bobs_browser;
  // Both are in "engineering"; only alice is in "ward-admins".
  SignedIn alice = sign_in(alices_browser, "alice");
  SignedIn bob = sign_in(bobs_browser, "bob");
  ASSERT_FALSE(alice.session.empty());
  ASSERT_FALSE(bob.session.empty());

  auto users = ward_call("GET", "/api/v1/admin/users", bearer(suite->admin_token));
  ASSERT_TRUE(users && users->status == 200);
  std::map<std::string, json> by_name;
  const json listed = body_of(users);
  for (const json& u : listed["users"]) by_name[u["name"].get<std::string>()] = u;
  ASSERT_TRUE(by_name.count("alice") && by_name.count("bob")) << users->body;
  EXPECT_EQ(by_name["alice"]["roles"], json({"developers", "sso-admins"}));
  EXPECT_EQ(by_name["bob"]["roles"], json({"developers"}));

  // The roles grant nothing until an administrator attaches a policy to one.
  const auto alice_cookie = cookie_header("ward_session=" + alice.session);
  auto before = ward_call("GET", "/api/v1/admin/users", alice_cookie);
  ASSERT_TRUE(before);
  EXPECT_EQ(before->status, 403) << before->body;
  auto attached = ward_call("POST", "/api/v1/admin/policies", bearer(suite->admin_token),
                            json{{"role", "sso-admins"}, {"managed", "WardAdministrator"}}.dump());
  ASSERT_TRUE(attached && attached->status == 201) << (attached ? attached->body : "");
  auto after = ward_call("GET", "/api/v1/admin/users", alice_cookie);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200) << after->body;
  auto bobs = ward_call("GET", "/api/v1/admin/users", cookie_header("ward_session=" + bob.session));
  ASSERT_TRUE(bobs);
  EXPECT_EQ(bobs->status, 403);
  auto bob_me = ward_call("GET", "/api/v1/me", cookie_header("ward_session=" + bob.session));
  EXPECT_EQ(body_of(bob_me)["mfa"], false);  // bob signs in with a password only
}

TEST_F(SsoEndToEnd, CookieAuthenticatedChangesNeedTheCsrfHeaderAndBearerOnesDoNot) {
  ProviderBrowser browser;
  SignedIn henry = sign_in(browser, "henry");
  ASSERT_FALSE(henry.session.empty());
  auto attached = ward_call("POST", "/api/v1/admin/policies", bearer(suite->admin_token),
                            json{{"user", "henry"}, {"managed", "WardAdministrator"}}.dump());
  ASSERT_TRUE(attached && attached->status == 201) << (attached ? attached->body : "");
  const std::string cookie = "ward_session=" + henry.session;

  auto forged = ward_call("POST", "/api/v1/admin/users", cookie_header(cookie),
                          json{{"name", "csrf-victim"}}.dump());
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 403) << forged->body;
  EXPECT_EQ(body_of(forged)["error"]["code"], "permission_denied");
  EXPECT_NE(forged->body.find("X-Ward-CSRF: 1"), std::string::npos) << forged->body;
  auto wrong_value =
      ward_call("POST", "/api/v1/admin/users", {{"Cookie", cookie}, {"X-Ward-CSRF", "0"}},
                json{{"name", "csrf-victim"}}.dump());
  ASSERT_TRUE(wrong_value);
  EXPECT_EQ(wrong_value->status, 403);
  auto users = ward_call("GET", "/api/v1/admin/users", bearer(suite->admin_token));
  EXPECT_EQ(users->body.find("csrf-victim"), std::string::npos) << "nothing was created";

  auto with_header =
      ward_call("POST", "/api/v1/admin/users", {{"Cookie", cookie}, {"X-Ward-CSRF", "1"}},
                json{{"name", "csrf-made"}}.dump());
  ASSERT_TRUE(with_header);
  EXPECT_EQ(with_header->status, 201) << with_header->body;
  auto by_token = ward_call("POST", "/api/v1/admin/users", bearer(suite->admin_token),
                            json{{"name", "token-made"}}.dump());
  ASSERT_TRUE(by_token);
  EXPECT_EQ(by_token->status, 201) << by_token->body;

  const json refused = audit_events("action=ward:AdminUsers&actor=henry&outcome=denied");
  ASSERT_FALSE(refused.empty());
  EXPECT_EQ(refused[0]["actor"]["auth_method"], "oidc");
  EXPECT_EQ(refused[0]["error_code"], "permission_denied");
}

TEST_F(SsoEndToEnd, ACallbackWithoutTheRightStateCookieIsRefusedAndEachCallbackWorksOnce) {
  ProviderBrowser browser;
  SignedIn dave = reach_callback(browser, "dave");
  ASSERT_FALSE(dave.callback_target.empty());

  // Another browser (no state cookie, or its own) cannot complete dave's login.
  finish(dave, "");
  EXPECT_EQ(dave.callback->status, 401) << dave.callback->body;
  EXPECT_NE(dave.callback->body.find("does not belong to this browser"), std::string::npos)
      << dave.callback->body;
  EXPECT_FALSE(set_cookie_named(*dave.callback, "ward_session").has_value());
  auto [ignored, other_state] = start_login("/");
  finish(dave, "ward_oidc_state=" + other_state);
  EXPECT_EQ(dave.callback->status, 401) << dave.callback->body;
  EXPECT_TRUE(dave.session.empty());

  // Those attempts did not use up the login: dave's own browser completes it.
  finish(dave, "ward_oidc_state=" + dave.state);
  ASSERT_EQ(dave.callback->status, 302) << dave.callback->body;
  ASSERT_FALSE(dave.session.empty());

  // The same callback again, even with the right cookie, is refused.
  SignedIn replay = dave;
  replay.session.clear();
  finish(replay, "ward_oidc_state=" + dave.state);
  EXPECT_EQ(replay.callback->status, 401) << replay.callback->body;
  EXPECT_NE(replay.callback->body.find("already used"), std::string::npos) << replay.callback->body;
  EXPECT_TRUE(replay.session.empty());

  const json denied = audit_events("action=ward:SignIn&outcome=denied");
  EXPECT_GE(denied.size(), 3u) << denied;
  for (const json& event : denied) {
    EXPECT_EQ(event["actor"]["auth_method"], "oidc");
    EXPECT_EQ(event["error_code"], "unauthenticated");
  }
}

TEST_F(SsoEndToEnd, TheProvidersRefusalIsA401AndAudited) {
  auto [location, state] = start_login("/");
  ASSERT_FALSE(state.empty());
  auto refused = ward_call("GET", "/auth/callback?error=access_denied&state=" + state,
                           cookie_header("ward_oidc_state=" + state));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
  EXPECT_NE(refused->body.find("did not sign the user in (access_denied)"), std::string::npos)
      << refused->body;
  const json events = audit_events("action=ward:SignIn&outcome=denied");
  bool found = false;
  for (const json& e : events)
    found = found || e["params"].value("provider_error", "") == "access_denied";
  EXPECT_TRUE(found) << events;
}

TEST_F(SsoEndToEnd, OnlyLocalPathsAreAcceptedAsTheRedirect) {
  for (const std::string bad :
       {"//evil.example", "//evil.example/x", "https://evil.example/", "/\\evil.example", "evil"}) {
    auto result = ward_call("GET", "/auth/login?redirect=" + gov::oidc::url_encode(bad));
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 400) << bad << ": " << result->body;
    EXPECT_FALSE(set_cookie_named(*result, "ward_oidc_state").has_value()) << bad;
    EXPECT_EQ(result->get_header_value("Location"), "") << bad;
  }
  auto twice = ward_call("GET", "/auth/login?redirect=/a&redirect=/b");
  ASSERT_TRUE(twice);
  EXPECT_EQ(twice->status, 400);
  auto fine = ward_call("GET", "/auth/login?redirect=" + gov::oidc::url_encode("/ui/page?x=1"));
  ASSERT_TRUE(fine);
  EXPECT_EQ(fine->status, 302) << fine->body;
  auto no_redirect = ward_call("GET", "/auth/login");
  ASSERT_TRUE(no_redirect);
  EXPECT_EQ(no_redirect->status, 302) << no_redirect->body;
}

TEST_F(SsoEndToEnd, SigningOutEndsTheSessionOnTheServer) {
  ProviderBrowser browser;
  SignedIn erin = sign_in(browser, "erin");
  ASSERT_FALSE(erin.session.empty());
  const std::string cookie = "ward_session=" + erin.session;
  ASSERT_EQ(ward_call("GET", "/api/v1/me", cookie_header(cookie))->status, 200);

  auto without_header = ward_call("POST", "/auth/logout", cookie_header(cookie));
  ASSERT_TRUE(without_header);
  EXPECT_EQ(without_header->status, 403) << without_header->body;
  ASSERT_EQ(ward_call("GET", "/api/v1/me", cookie_header(cookie))->status, 200);

  auto out = ward_call("POST", "/auth/logout", {{"Cookie", cookie}, {"X-Ward-CSRF", "1"}});
  ASSERT_TRUE(out);
  EXPECT_EQ(out->status, 204) << out->body;
  auto expired = set_cookie_named(*out, "ward_session");
  ASSERT_TRUE(expired.has_value());
  EXPECT_EQ(expired->value, "");
  EXPECT_EQ(expired->attributes.at("max-age"), "0");
  expect_protected(*expired, "/");

  // A copy of the cookie kept by the browser (or stolen) is now useless.
  auto after = ward_call("GET", "/api/v1/me", cookie_header(cookie));
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 401) << after->body;
  EXPECT_EQ(body_of(after)["error"]["code"], "unauthenticated");
  auto again = ward_call("POST", "/auth/logout", {{"Cookie", cookie}, {"X-Ward-CSRF", "1"}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 401);

  const json outs = audit_events("action=ward:SignOut&actor=erin");
  ASSERT_EQ(outs.size(), 2u) << outs;  // the refused one without the header, then the real one
  EXPECT_EQ(outs[0]["outcome"], "denied");
  EXPECT_EQ(outs[1]["outcome"], "allowed");
  EXPECT_EQ(outs[1]["params"]["session_id"], erin.session.substr(0, 16));
}

TEST_F(SsoEndToEnd, BadAndDuplicateSessionCookiesAreRefused) {
  ProviderBrowser browser;
  SignedIn frank = sign_in(browser, "frank");
  ASSERT_FALSE(frank.session.empty());
  std::string altered = frank.session;
  altered.back() = altered.back() == '0' ? '1' : '0';
  auto forged = ward_call("GET", "/api/v1/me", cookie_header("ward_session=" + altered));
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 401);
  // A second ward_session (planted by another site on the same host) makes the request ambiguous.
  auto doubled = ward_call(
      "GET", "/api/v1/me",
      cookie_header("ward_session=" + frank.session + "; other=1; ward_session=" + altered));
  ASSERT_TRUE(doubled);
  EXPECT_EQ(doubled->status, 401) << doubled->body;
  EXPECT_NE(doubled->body.find("more than one"), std::string::npos);
  // Among other cookies the session cookie is found.
  auto among = ward_call("GET", "/api/v1/me",
                         cookie_header("theme=dark; ward_session=" + frank.session + "; x=y"));
  ASSERT_TRUE(among);
  EXPECT_EQ(among->status, 200) << among->body;
  // A Bearer token wins over the cookie.
  auto both = ward_call("GET", "/api/v1/me",
                        {{"Cookie", "ward_session=" + frank.session},
                         {"Authorization", "Bearer " + suite->admin_token}});
  EXPECT_EQ(body_of(both)["user"], "root");
  EXPECT_EQ(body_of(both)["auth_method"], "token");
}

TEST_F(SsoEndToEnd, NoCodeTokenStateCookieOrSecretReachesTheAuditLog) {
  ProviderBrowser browser;
  SignedIn grace = sign_in(browser, "grace");
  ASSERT_FALSE(grace.session.empty());
  ward_call("GET", "/api/v1/me", cookie_header("ward_session=" + grace.session));
  ward_call("POST", "/auth/logout",
            {{"Cookie", "ward_session=" + grace.session}, {"X-Ward-CSRF", "1"}});
  const auto query = gov::oidc::test::query_of("https://x" + grace.callback_target);
  ASSERT_TRUE(query.count("code"));
  const std::string all = audit_events("limit=1000").dump();
  EXPECT_EQ(all.find(query.at("code")), std::string::npos);
  EXPECT_EQ(all.find(grace.state), std::string::npos);
  EXPECT_EQ(all.find(grace.session), std::string::npos);
  EXPECT_EQ(all.find(grace.session.substr(17)), std::string::npos);
  EXPECT_EQ(all.find("ward-rs256-secret"), std::string::npos);
  const std::string log = suite->ward->out() + suite->ward->err();
  EXPECT_EQ(log.find(query.at("code")), std::string::npos);
  EXPECT_EQ(log.find(grace.session.substr(17)), std::string::npos);
  EXPECT_EQ(log.find("ward-rs256-secret"), std::string::npos);
}

// ---- without a provider: what `ward serve` does with no [oidc], or a bad one ----

class SsoConfiguration : public ::testing::Test {
 protected:
  std::map<std::string, std::string> env() const {
    return {{"HOME", (dir_ / "home").string()}, {"WARD_CONFIG", (dir_ / "ward.toml").string()}};
  }
  // Starts `ward serve` with `toml`; returns its stderr if it exits instead of listening.
  std::string refused_start(const std::string& toml) {
    write_text(dir_ / "ward.toml", toml);
    BackgroundWard ward(
        {"serve", "--listen", "127.0.0.1:0", "--data-dir", (dir_ / "data").string()}, env());
    const std::string line = ward.wait_for_line("listening on https://", 10000);
    EXPECT_EQ(line, "") << "ward serve started with:\n" << toml;
    return ward.err();
  }
  TempDir dir_;
};

TEST_F(SsoConfiguration, WithoutOidcTheAuthRoutesAre404AndCookiesAreIgnored) {
  write_text(dir_ / "ward.toml", "");
  BackgroundWard ward({"serve", "--listen", "127.0.0.1:0", "--data-dir", (dir_ / "data").string()},
                      env());
  std::smatch match;
  const std::string line = ward.wait_for_line("listening on https://");
  ASSERT_TRUE(std::regex_search(line, match, std::regex(":(\\d+)"))) << ward.err();
  EXPECT_EQ(ward.out().find("Single sign-on"), std::string::npos);
  httplib::SSLClient client("127.0.0.1", std::stoi(match[1]));
  client.enable_server_certificate_verification(false);
  for (const char* path : {"/auth/login", "/auth/callback?code=x&state=y"}) {
    auto result = client.Get(path);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 404) << path;
    EXPECT_EQ(json::parse(result->body)["error"]["code"], "not_found");
  }
  auto logout = client.Post("/auth/logout");
  ASSERT_TRUE(logout);
  EXPECT_EQ(logout->status, 404);
  auto me = client.Get("/api/v1/me",
                       {{"Cookie", "ward_session=0123456789abcdef_" + std::string(64, 'a')}});
  ASSERT_TRUE(me);
  EXPECT_EQ(me->status, 401);
  EXPECT_EQ(me->body.find("sign in at /auth/login"), std::string::npos) << me->body;
}

TEST_F(SsoConfiguration, BadOidcSettingsStopTheServerWithTheReason) {
  const std::string base =
      "[oidc]\nissuer = \"https://idp.example\"\nclient_id = \"ward\"\n"
      "redirect_uri = \"https://ward.example/auth/callback\"\n";
  std::string err = refused_start(base + "client_secret = \"inline-s3cret\"\n");
  EXPECT_NE(err.find("ward.toml:5"), std::string::npos) << err;
  EXPECT_NE(err.find("oidc.client_secret_file"), std::string::npos) << err;
  EXPECT_EQ(err.find("inline-s3cret"), std::string::npos) << err;

  write_text(dir_ / "secret", "s3cret\n");
  ::chmod((dir_ / "secret").c_str(), 0644);
  err = refused_start(base + "client_secret_file = \"secret\"\n");
  EXPECT_NE(err.find("chmod 600"), std::string::npos) << err;

  err = refused_start("[oidc]\nissuer = \"https://idp.example\"\nclient_id = \"ward\"\n");
  EXPECT_NE(err.find("oidc.redirect_uri"), std::string::npos) << err;  // listen port is 0

  err = refused_start(base + "tenant = \"acme\"\n");
  EXPECT_NE(err.find("oidc.tenant"), std::string::npos) << err;

  err = refused_start("[oidc]\nclient_id = \"ward\"\nredirect_uri = \"https://w.example/cb\"\n");
  EXPECT_NE(err.find("oidc.issuer"), std::string::npos) << err;
}

}  // namespace
}  // namespace ward::test
