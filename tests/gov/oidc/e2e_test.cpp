// End to end against a real OpenID provider: oidc-provider (pinned in package-lock.json, installed
// by scripts/setup) started on a free loopback port by provider.mjs. The test plays the browser
// with libcurl (cookies on, redirects followed by hand): it follows Ward's authorization URL to
// the provider's development login page, submits the login and consent forms, and captures the
// redirect to Ward's redirect URI without any server there; then Ward's callback handling runs
// against the live provider (discovery, token endpoint, JWKS) and the identity is checked.
#include <curl/curl.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <regex>
#include <sstream>
#include <thread>

#include "crypto/tls.h"
#include "gov/oidc/oidc_test_util.h"
#include "gov/oidc/relying_party.h"
#include "support/test_support.h"

namespace ward::gov {
namespace {
namespace fs = std::filesystem;

const std::string kRedirectUri = "http://127.0.0.1:9/sso/callback";  // nothing listens there

// Node.js on PATH, or empty.
fs::path find_node() { return test::find_on_path("node"); }

// Why the provider cannot run here, or "" when it can.
std::string missing_prerequisites() {
  if (find_node().empty()) {
    return "Node.js (node) is not on PATH; run scripts/setup, which installs it and the pinned "
           "npm packages";
  }
  if (!fs::exists(fs::path(WARD_SOURCE_DIR) / "node_modules/oidc-provider/package.json")) {
    return "the npm package oidc-provider is not installed in " + std::string(WARD_SOURCE_DIR) +
           "/node_modules; run scripts/setup (it runs npm ci from package-lock.json)";
  }
  return {};
}

// provider.mjs running in the background until destroyed.
class ProviderProcess {
 public:
  explicit ProviderProcess(const fs::path& tls_cert = {}, const fs::path& tls_key = {}) {
    const std::string node = find_node().string();
    const std::string script = std::string(WARD_SOURCE_DIR) + "/tests/gov/oidc/provider.mjs";
    std::vector<std::string> args = {node, script, "--redirect-uri", kRedirectUri};
    if (!tls_cert.empty()) {
      args.insert(args.end(), {"--tls-cert", tls_cert.string(), "--tls-key", tls_key.string()});
    }
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);

    int stdin_pipe[2];
    if (::pipe2(stdin_pipe, O_CLOEXEC) != 0) return;
    const int out_fd =
        ::open((logs_ / "stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const int err_fd =
        ::open((logs_ / "stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(stdin_pipe[0], STDIN_FILENO);
      ::dup2(out_fd, STDOUT_FILENO);
      ::dup2(err_fd, STDERR_FILENO);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(stdin_pipe[0]);
    ::close(out_fd);
    ::close(err_fd);
    // The provider exits when this end closes, even if the test process dies.
    stdin_write_ = stdin_pipe[1];
    issuer_ = wait_for_issuer();
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
    return "stdout:\n" + test::read_text(logs_ / "stdout") + "\nstderr:\n" +
           test::read_text(logs_ / "stderr");
  }

 private:
  std::string wait_for_issuer() {
    const std::string marker = "ward-test-provider ready ";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      const std::string out = test::read_text(logs_ / "stdout");
      if (auto at = out.find(marker); at != std::string::npos) {
        const auto end = out.find('\n', at);
        if (end != std::string::npos)
          return out.substr(at + marker.size(), end - at - marker.size());
      }
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return {};
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return {};
  }

  test::TempDir logs_;
  pid_t pid_ = -1;
  int stdin_write_ = -1;
  std::string issuer_;
};

// A browser: a cookie jar, no automatic redirects, the provider's CA trusted.
class Browser {
 public:
  explicit Browser(const fs::path& ca_bundle = {}) : curl_(curl_easy_init()) {
    curl_easy_setopt(curl_, CURLOPT_COOKIEFILE, "");  // in-memory cookie engine
    curl_easy_setopt(curl_, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_PROXY, "");
    if (!ca_bundle.empty()) curl_easy_setopt(curl_, CURLOPT_CAINFO, ca_bundle.c_str());
    curl_easy_setopt(
        curl_, CURLOPT_WRITEFUNCTION, +[](char* data, size_t size, size_t n, void* user) {
          static_cast<std::string*>(user)->append(data, size * n);
          return size * n;
        });
  }
  ~Browser() { curl_easy_cleanup(curl_); }

  struct Page {
    long status = 0;
    std::string body;
    std::string location;  // absolute
  };

  Page get(const std::string& url) { return perform(url, nullptr); }
  Page post(const std::string& url, const std::string& form) { return perform(url, &form); }

  // Follows `url` through the provider until it redirects to `redirect_uri`, signing in as
  // `login` and consenting on the way. Returns that final URL, or "" (with a test failure).
  std::string sign_in(std::string url, const std::string& login, const std::string& redirect_uri) {
    for (int step = 0; step < 12; ++step) {
      if (url.rfind(redirect_uri, 0) == 0) return url;
      Page page = get(url);
      if (!page.location.empty()) {
        url = page.location;
        continue;
      }
      if (page.status != 200 || page.body.find("<form") == std::string::npos) {
        ADD_FAILURE() << "unexpected page at " << url << ": HTTP " << page.status << "\n"
                      << page.body.substr(0, 2000);
        return {};
      }
      std::string action;
      std::string form = form_fields(page.body, action);
      if (form.find("prompt=login") != std::string::npos) {
        form += "&login=" + oidc::url_encode(login) + "&password=any-password";
      }
      Page submitted = post(action, form);
      if (submitted.location.empty()) {
        ADD_FAILURE() << "the form at " << action << " did not redirect: HTTP " << submitted.status
                      << "\n"
                      << submitted.body.substr(0, 2000);
        return {};
      }
      url = submitted.location;
    }
    ADD_FAILURE() << "the provider did not send the browser back to " << redirect_uri;
    return {};
  }

 private:
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

  // The first form's action and its hidden fields as a form body.
  static std::string form_fields(const std::string& html, std::string& action) {
    std::smatch match;
    if (std::regex_search(html, match, std::regex(R"re(<form[^>]*action="([^"]*)")re"))) {
      action = unescape_html(match[1]);
    }
    std::string body;
    const std::regex hidden(R"re(<input type="hidden" name="([^"]*)" value="([^"]*)")re");
    for (auto it = std::sregex_iterator(html.begin(), html.end(), hidden);
         it != std::sregex_iterator(); ++it) {
      body += (body.empty() ? "" : "&") + oidc::url_encode(unescape_html((*it)[1])) + "=" +
              oidc::url_encode(unescape_html((*it)[2]));
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

// Records what it was asked to provision, as gov's identity part would act on it.
class RecordingProvisioner final : public OidcUserProvisioner {
 public:
  core::Result<OidcProvisionedUser> provision(const OidcIdentity& identity) override {
    seen.push_back(identity);
    return OidcProvisionedUser{
        "user-" + identity.subject,
        identity.preferred_username.empty() ? identity.subject : identity.preferred_username,
        identity.roles};
  }
  std::vector<OidcIdentity> seen;
};

class OidcEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string missing = missing_prerequisites();
    // Never skip: CI must run this test, so a missing prerequisite is a failure.
    ASSERT_TRUE(missing.empty()) << "the OIDC end-to-end test cannot run: " << missing;
  }

  static OidcConfig config_for(const std::string& issuer, const std::string& client) {
    OidcConfig config;
    config.issuer = issuer;
    config.client_id = client;
    if (client != "ward-public") config.client_secret = client + "-secret";
    config.redirect_uri = kRedirectUri;
    config.scopes = {"openid", "email", "profile", "groups"};
    config.group_roles = {{"ward-admins", {"WardAdministrator"}},
                          {"engineering", {"WardDeveloperAccess"}}};
    return config;
  }

  // Runs a whole login as `login` through `browser`; returns Ward's verdict.
  static core::Result<OidcLogin> sign_in(OidcRelyingParty& rp, Browser& browser,
                                         const std::string& login,
                                         OidcCallback* callback_out = nullptr) {
    auto started = rp.start_login("/ui/after-login");
    if (!started) return std::move(started).error();
    const std::string back = browser.sign_in(started->authorization_url, login, kRedirectUri);
    if (back.empty()) return core::Error(core::Code::kInternal, "", "the browser flow failed");
    auto callback = parse_callback_query(back.substr(back.find('?') + 1));
    if (!callback) return std::move(callback).error();
    callback->browser_state = started->state;  // the cookie Ward would have set
    if (callback_out != nullptr) *callback_out = *callback;
    return rp.finish_login(*callback);
  }

  InMemoryOidcLoginStore logins_;
};

TEST_F(OidcEndToEnd, ConfidentialClientRs256WithMfaAndGroups) {
  ProviderProcess provider;
  ASSERT_FALSE(provider.issuer().empty()) << "the provider did not start\n" << provider.logs();
  ASSERT_EQ(provider.issuer().rfind("http://127.0.0.1:", 0), 0u);

  OidcConfig config = config_for(provider.issuer(), "ward-rs256");  // client_secret_basic
  config.id_token_algorithms = {"RS256"};
  config.required_acr_values = {"urn:ward:test:loa2"};
  config.required_amr_values = {"otp"};
  auto rp = OidcRelyingParty::create(config, logins_, core::system_clock());
  ASSERT_TRUE(rp) << rp.error().to_string();

  Browser browser;
  OidcCallback callback;
  auto login = sign_in(**rp, browser, "alice", &callback);
  ASSERT_TRUE(login) << login.error().to_string() << "\n" << provider.logs();
  const OidcIdentity& who = login->identity;
  EXPECT_EQ(login->redirect_after, "/ui/after-login");
  EXPECT_EQ(who.issuer, provider.issuer());
  EXPECT_EQ(who.subject, "alice");
  EXPECT_EQ(who.email, "alice@example.test");
  EXPECT_TRUE(who.email_verified);
  EXPECT_EQ(who.preferred_username, "alice");
  EXPECT_EQ(who.name, "Test user alice");
  EXPECT_EQ(who.groups, (std::vector<std::string>{"engineering", "ward-admins"}));
  EXPECT_EQ(who.roles, (std::vector<std::string>{"WardAdministrator", "WardDeveloperAccess"}));
  EXPECT_EQ(who.acr, "urn:ward:test:loa2");
  EXPECT_EQ(who.amr, (std::vector<std::string>{"pwd", "otp"}));
  EXPECT_TRUE(who.mfa);
  EXPECT_TRUE(who.auth_time.has_value());
  EXPECT_FALSE(callback.iss.empty());  // the provider sends RFC 9207's iss

  RecordingProvisioner provisioner;
  auto user = provisioner.provision(who);
  ASSERT_TRUE(user);
  EXPECT_EQ(user->username, "alice");

  // The same callback again: its state was used up.
  auto replay = (*rp)->finish_login(callback);
  ASSERT_FALSE(replay);
  EXPECT_EQ(replay.error().code(), core::Code::kUnauthenticated);
  EXPECT_NE(replay.error().message().find("already used"), std::string::npos);

  // A second login reuses the cached discovery document and keys; a user without the second
  // factor (in a browser of their own, without alice's session at the provider) is refused
  // because acr and amr are required.
  Browser bobs_browser;
  auto weak = sign_in(**rp, bobs_browser, "bob");
  ASSERT_FALSE(weak);
  EXPECT_EQ(weak.error().code(), core::Code::kUnauthenticated);
  EXPECT_NE(weak.error().message().find("\"acr\""), std::string::npos) << weak.error().to_string();
  EXPECT_EQ((*rp)->discovery_fetches(), 1);
  EXPECT_EQ((*rp)->jwks_fetches(), 1);
}

TEST_F(OidcEndToEnd, Es256ClientSecretPostOverTlsWithACaBundle) {
  test::TempDir dir;
  ASSERT_TRUE(
      crypto::generate_self_signed_certificate(dir / "cert.pem", dir / "key.pem", "localhost", 1));
  ProviderProcess provider(dir / "cert.pem", dir / "key.pem");
  ASSERT_FALSE(provider.issuer().empty()) << "the provider did not start\n" << provider.logs();
  ASSERT_EQ(provider.issuer().rfind("https://127.0.0.1:", 0), 0u);

  // Without the CA bundle the provider's certificate is not trusted.
  OidcConfig config = config_for(provider.issuer(), "ward-es256");
  config.token_endpoint_auth_method = "client_secret_post";
  config.id_token_algorithms = {"ES256"};
  {
    auto untrusted = OidcRelyingParty::create(config, logins_, core::system_clock());
    ASSERT_TRUE(untrusted);
    auto started = (*untrusted)->start_login("/");
    ASSERT_FALSE(started);
    EXPECT_EQ(started.error().code(), core::Code::kFailedPrecondition)
        << started.error().to_string();
    EXPECT_NE(started.error().message().find("TLS"), std::string::npos);
  }

  config.ca_bundle = dir / "cert.pem";
  auto rp = OidcRelyingParty::create(config, logins_, core::system_clock());
  ASSERT_TRUE(rp) << rp.error().to_string();
  Browser browser(dir / "cert.pem");
  auto login = sign_in(**rp, browser, "bob");
  ASSERT_TRUE(login) << login.error().to_string() << "\n" << provider.logs();
  EXPECT_EQ(login->identity.subject, "bob");
  EXPECT_EQ(login->identity.groups, std::vector<std::string>{"engineering"});
  EXPECT_EQ(login->identity.roles, std::vector<std::string>{"WardDeveloperAccess"});
  EXPECT_EQ(login->identity.amr, std::vector<std::string>{"pwd"});
  EXPECT_FALSE(login->identity.mfa);
}

TEST_F(OidcEndToEnd, PublicClientWithPkceOnly) {
  ProviderProcess provider;
  ASSERT_FALSE(provider.issuer().empty()) << "the provider did not start\n" << provider.logs();
  OidcConfig config = config_for(provider.issuer(), "ward-public");
  auto rp = OidcRelyingParty::create(config, logins_, core::system_clock());
  ASSERT_TRUE(rp) << rp.error().to_string();
  Browser browser;
  auto login = sign_in(**rp, browser, "carol");
  ASSERT_TRUE(login) << login.error().to_string() << "\n" << provider.logs();
  EXPECT_EQ(login->identity.subject, "carol");
  EXPECT_EQ(login->identity.email, "carol@example.test");

  // A code issued to one client is useless to another: a login started by ward-public is
  // finished by a relying party configured as ward-rs256 (sharing the pending-login store), and
  // the provider refuses to exchange the code for it.
  OidcConfig other = config_for(provider.issuer(), "ward-rs256");
  auto rs256 = OidcRelyingParty::create(other, logins_, core::system_clock());
  ASSERT_TRUE(rs256);
  auto started = (*rp)->start_login("/");
  ASSERT_TRUE(started);
  const std::string back = browser.sign_in(started->authorization_url, "carol", kRedirectUri);
  ASSERT_FALSE(back.empty());
  auto callback = parse_callback_query(back.substr(back.find('?') + 1));
  ASSERT_TRUE(callback);
  callback->browser_state = callback->state;
  auto stolen = (*rs256)->finish_login(*callback);
  ASSERT_FALSE(stolen);
  EXPECT_EQ(stolen.error().code(), core::Code::kUnauthenticated);
  EXPECT_NE(stolen.error().message().find("refused the authorization code"), std::string::npos)
      << stolen.error().to_string();
}

}  // namespace
}  // namespace ward::gov
