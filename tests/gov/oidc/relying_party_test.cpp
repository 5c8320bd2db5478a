// The relying party's flow against a fake provider: discovery, the authorization request, the
// callback checks, the token request, JWKS caching and refetching, identity mapping.
#include "gov/oidc/relying_party.h"

#include <gtest/gtest.h>

#include "crypto/hash.h"
#include "gov/oidc/base64url.h"
#include "gov/oidc/oidc_test_util.h"

namespace ward::gov {
namespace {

using oidc::HttpRequest;
using oidc::HttpResponse;
using oidc::test::FakeProvider;
using oidc::test::form_of;
using oidc::test::query_of;

constexpr long long kStart = 1'800'000'000;
const std::string kIssuer = "https://idp.example.test";

class OidcRelyingPartyTest : public ::testing::Test {
 protected:
  OidcRelyingPartyTest() : clock_(core::TimePoint(std::chrono::seconds(kStart))) {
    config_.issuer = kIssuer;
    config_.client_id = "ward";
    config_.client_secret = "s3cret:&=";
    config_.redirect_uri = "https://ward.example.test/sso/callback";
    config_.scopes = {"openid", "email", "profile", "groups"};
    config_.group_roles = {{"ward-admins", {"WardAdministrator", "WardDeveloperAccess"}},
                           {"engineering", {"WardDeveloperAccess"}}};
  }

  // Builds the relying party; the fake's token endpoint issues an ID token for the login's nonce,
  // made by `make_claims` and signed by `signer`, after checking PKCE.
  void build() {
    auto fake = std::make_unique<FakeProvider>(kIssuer);
    provider_ = fake.get();
    provider_->token_endpoint = [this](const HttpRequest& request) {
      auto form = form_of(request.body);
      // PKCE: the verifier must hash to the challenge sent in the authorization request.
      const std::string challenge = oidc::base64url_encode(crypto::sha256(form["code_verifier"]));
      if (form["grant_type"] != "authorization_code" || form["code"] != "the-code" ||
          challenge != last_challenge_ || form["redirect_uri"] != config_.redirect_uri) {
        return HttpResponse{400, "application/json", R"({"error":"invalid_grant"})"};
      }
      auto claims = oidc::test::good_claims(kIssuer, "ward", last_nonce_, now_seconds());
      if (edit_claims_) edit_claims_(claims);
      return HttpResponse{200, "application/json",
                          nlohmann::json{{"access_token", "at"},
                                         {"token_type", "Bearer"},
                                         {"id_token", oidc::test::sign_token(*signer_, claims)}}
                              .dump()};
    };
    auto rp = OidcRelyingParty::create(config_, std::move(fake), logins_, clock_);
    ASSERT_TRUE(rp) << rp.error().to_string();
    rp_ = std::move(rp).value();
  }

  long long now_seconds() const {
    return std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch())
        .count();
  }

  // Starts a login and returns the callback a browser would bring back.
  OidcCallback start(const std::string& redirect_after = "/") {
    auto started = rp_->start_login(redirect_after);
    EXPECT_TRUE(started) << started.error().to_string();
    if (!started) return {};
    auto query = query_of(started->authorization_url);
    last_nonce_ = query["nonce"];
    last_challenge_ = query["code_challenge"];
    last_authorization_url_ = started->authorization_url;
    return OidcCallback{query["state"], "the-code", kIssuer, "", started->state};
  }

  core::Result<OidcLogin> login(const std::string& redirect_after = "/") {
    return rp_->finish_login(start(redirect_after));
  }

  const HttpRequest& last_token_request() const {
    static const HttpRequest none;
    for (auto it = provider_->requests.rbegin(); it != provider_->requests.rend(); ++it) {
      if (it->url == kIssuer + "/token") return *it;
    }
    ADD_FAILURE() << "no token request was made";
    return none;
  }

  static void expect_unauthenticated(const core::Result<OidcLogin>& result,
                                     const std::string& words) {
    ASSERT_FALSE(result) << "login succeeded but should fail with: " << words;
    EXPECT_EQ(result.error().code(), core::Code::kUnauthenticated) << result.error().to_string();
    EXPECT_NE(result.error().message().find(words), std::string::npos)
        << result.error().to_string();
  }

  core::ManualClock clock_;
  OidcConfig config_;
  InMemoryOidcLoginStore logins_;
  FakeProvider* provider_ = nullptr;
  std::unique_ptr<OidcRelyingParty> rp_;
  const oidc::test::TestKey* signer_ = &oidc::test::rsa_key();
  std::function<void(nlohmann::json&)> edit_claims_;
  std::string last_nonce_, last_challenge_, last_authorization_url_;
};

TEST_F(OidcRelyingPartyTest, BuildsTheAuthorizationRequest) {
  build();
  auto started = rp_->start_login("/ui/chat?x=1");
  ASSERT_TRUE(started) << started.error().to_string();
  const std::string& url = started->authorization_url;
  EXPECT_EQ(url.rfind(kIssuer + "/auth?", 0), 0u) << url;
  auto query = query_of(url);
  EXPECT_EQ(query["response_type"], "code");
  EXPECT_EQ(query["client_id"], "ward");
  EXPECT_EQ(query["redirect_uri"], config_.redirect_uri);
  EXPECT_EQ(query["scope"], "openid email profile groups");
  EXPECT_EQ(query["code_challenge_method"], "S256");
  EXPECT_EQ(query["state"], started->state);
  EXPECT_EQ(query.count("acr_values"), 0u);
  // Encoded: the redirect URI's ':' and '/' and the scope's spaces do not appear raw.
  EXPECT_NE(url.find("redirect_uri=https%3A%2F%2Fward.example.test%2Fsso%2Fcallback"),
            std::string::npos);
  EXPECT_NE(url.find("scope=openid%20email%20profile%20groups"), std::string::npos);
  // 256-bit state and nonce, base64url; a 43-character S256 challenge.
  EXPECT_EQ(query["state"].size(), 43u);
  EXPECT_EQ(query["nonce"].size(), 43u);
  EXPECT_TRUE(oidc::base64url_decode(query["state"]));
  EXPECT_EQ(query["code_challenge"].size(), 43u);
  EXPECT_EQ(started->expires_at, clock_.now() + std::chrono::minutes(10));
  // Fresh values every time.
  auto again = rp_->start_login("/");
  ASSERT_TRUE(again);
  auto query2 = query_of(again->authorization_url);
  EXPECT_NE(query2["state"], query["state"]);
  EXPECT_NE(query2["nonce"], query["nonce"]);
  EXPECT_NE(query2["code_challenge"], query["code_challenge"]);
  EXPECT_EQ(logins_.size(), 2u);
}

TEST_F(OidcRelyingPartyTest, SignsInAndMapsGroupsToRoles) {
  build();
  auto result = login("/ui/chat");
  ASSERT_TRUE(result) << result.error().to_string();
  const OidcIdentity& who = result->identity;
  EXPECT_EQ(result->redirect_after, "/ui/chat");
  EXPECT_EQ(who.issuer, kIssuer);
  EXPECT_EQ(who.subject, "user-123");
  EXPECT_EQ(who.email, "ada@example.test");
  EXPECT_TRUE(who.email_verified);
  EXPECT_EQ(who.preferred_username, "ada");
  EXPECT_EQ(who.name, "Ada Lovelace");
  EXPECT_EQ(who.groups, (std::vector<std::string>{"engineering", "ward-admins"}));
  EXPECT_EQ(who.roles, (std::vector<std::string>{"WardAdministrator", "WardDeveloperAccess"}));
  EXPECT_EQ(who.acr, "urn:example:loa2");
  EXPECT_EQ(who.amr, (std::vector<std::string>{"pwd", "otp"}));
  EXPECT_TRUE(who.mfa);
  ASSERT_TRUE(who.auth_time.has_value());
  EXPECT_EQ(logins_.size(), 0u);
  EXPECT_EQ(provider_->count("/.well-known/openid-configuration"), 1);
  EXPECT_EQ(provider_->count("/jwks"), 1);

  // client_secret_basic, with id and secret form-encoded inside the Basic credentials.
  const HttpRequest& token_request = last_token_request();
  std::string authorization;
  for (const auto& [name, value] : token_request.headers) {
    if (name == "Authorization") authorization = value;
  }
  EXPECT_EQ(authorization, "Basic " + oidc::base64_encode("ward:s3cret%3A%26%3D"));
  EXPECT_EQ(form_of(token_request.body).count("client_secret"), 0u);
  EXPECT_EQ(form_of(token_request.body)["code_verifier"].size(), 64u);

  // A second login reuses the cached discovery document and keys.
  signer_ = &oidc::test::ec_key();
  ASSERT_TRUE(login());
  EXPECT_EQ(provider_->count("/.well-known/openid-configuration"), 1);
  EXPECT_EQ(provider_->count("/jwks"), 1);
}

TEST_F(OidcRelyingPartyTest, UsesClientSecretPostOrNoSecret) {
  build();
  provider_->discovery["token_endpoint_auth_methods_supported"] = {"client_secret_post"};
  ASSERT_TRUE(login());
  auto form = form_of(last_token_request().body);
  EXPECT_EQ(form["client_id"], "ward");
  EXPECT_EQ(form["client_secret"], "s3cret:&=");
  for (const auto& header : last_token_request().headers) {
    EXPECT_NE(header.first, "Authorization");
  }

  config_.client_secret.reset();  // a public client
  build();
  ASSERT_TRUE(login());
  form = form_of(last_token_request().body);
  EXPECT_EQ(form["client_id"], "ward");
  EXPECT_EQ(form.count("client_secret"), 0u);
}

TEST_F(OidcRelyingPartyTest, RefusesAReusedState) {
  build();
  const OidcCallback callback = start();
  ASSERT_TRUE(rp_->finish_login(callback));
  expect_unauthenticated(rp_->finish_login(callback), "unknown or was already used");
}

TEST_F(OidcRelyingPartyTest, RefusesAnUnknownOrExpiredState) {
  build();
  OidcCallback callback = start();
  callback.state = callback.browser_state = "made-up";
  expect_unauthenticated(rp_->finish_login(callback), "unknown or was already used");

  callback = start();
  clock_.advance(std::chrono::minutes(10) + std::chrono::seconds(1));
  expect_unauthenticated(rp_->finish_login(callback), "expired");
  expect_unauthenticated(rp_->finish_login(callback), "unknown or was already used");
}

TEST_F(OidcRelyingPartyTest, RefusesACallbackFromAnotherBrowser) {
  build();
  OidcCallback callback = start();
  callback.browser_state = "";
  expect_unauthenticated(rp_->finish_login(callback), "does not belong to this browser");
  callback.browser_state = callback.state + "x";
  expect_unauthenticated(rp_->finish_login(callback), "does not belong to this browser");
  callback.browser_state = callback.state;  // still pending: a mismatch does not consume it
  EXPECT_TRUE(rp_->finish_login(callback));
}

TEST_F(OidcRelyingPartyTest, ReportsTheProvidersRefusal) {
  build();
  OidcCallback callback = start();
  callback.code.clear();
  callback.error = "access_denied";
  expect_unauthenticated(rp_->finish_login(callback), "did not sign the user in (access_denied)");
  callback = start();
  callback.code.clear();
  callback.error = "<script>";
  auto result = rp_->finish_login(callback);
  expect_unauthenticated(result, "did not sign the user in");
  EXPECT_EQ(result.error().message().find("<script>"), std::string::npos);
}

TEST_F(OidcRelyingPartyTest, ChecksTheCallbackIssuer) {
  build();
  OidcCallback callback = start();
  callback.iss = "https://evil.example.test";
  expect_unauthenticated(rp_->finish_login(callback), "another issuer");
  callback = start();
  callback.iss.clear();  // the provider promises iss (RFC 9207), so it must be there
  expect_unauthenticated(rp_->finish_login(callback), "lacks the issuer");
}

TEST_F(OidcRelyingPartyTest, RefusesARejectedCode) {
  build();
  OidcCallback callback = start();
  callback.code = "another-code";
  expect_unauthenticated(rp_->finish_login(callback),
                         "refused the authorization code (invalid_grant)");
  provider_->token_endpoint = [](const HttpRequest&) {
    return HttpResponse{503, "text/plain", "down"};
  };
  auto result = rp_->finish_login(start());
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), core::Code::kUnavailable);
}

TEST_F(OidcRelyingPartyTest, RefusesANonceMismatch) {
  build();
  edit_claims_ = [](nlohmann::json& claims) { claims["nonce"] = "from-another-login"; };
  expect_unauthenticated(login(), "nonce");
}

TEST_F(OidcRelyingPartyTest, RefusesATokenForAnotherClientOrIssuer) {
  build();
  edit_claims_ = [](nlohmann::json& claims) { claims["aud"] = "someone-else"; };
  expect_unauthenticated(login(), "\"aud\"");
  edit_claims_ = [](nlohmann::json& claims) { claims["iss"] = "https://evil.example.test"; };
  expect_unauthenticated(login(), "\"iss\"");
  edit_claims_ = [this](nlohmann::json& claims) { claims["exp"] = now_seconds() - 3600; };
  expect_unauthenticated(login(), "expired");
}

TEST_F(OidcRelyingPartyTest, DemandsMfaWhenConfigured) {
  config_.required_acr_values = {"urn:example:loa2"};
  config_.required_amr_values = {"otp"};
  build();
  auto started = rp_->start_login();
  ASSERT_TRUE(started);
  EXPECT_EQ(query_of(started->authorization_url)["acr_values"], "urn:example:loa2");
  ASSERT_TRUE(login());
  edit_claims_ = [](nlohmann::json& claims) { claims["amr"] = {"pwd"}; };
  expect_unauthenticated(login(), "\"amr\"");
  edit_claims_ = [](nlohmann::json& claims) { claims["acr"] = "urn:example:loa1"; };
  expect_unauthenticated(login(), "\"acr\"");
}

TEST_F(OidcRelyingPartyTest, RefetchesKeysOnceForAnUnknownKidRateLimited) {
  build();
  // The provider rotates to a new key after Ward cached the old set.
  ASSERT_TRUE(login());
  EXPECT_EQ(rp_->jwks_fetches(), 1);
  clock_.advance(std::chrono::seconds(61));
  provider_->jwks["keys"].push_back(oidc::test::rsa_key2().jwk());
  signer_ = &oidc::test::rsa_key2();
  auto rotated = login();
  ASSERT_TRUE(rotated) << rotated.error().to_string();
  EXPECT_EQ(rp_->jwks_fetches(), 2);

  // Unknown kids right after a fetch do not fetch again...
  static const auto stranger = oidc::test::TestKey::rsa("stranger");
  signer_ = &stranger;
  expect_unauthenticated(login(), "unknown \"kid\"");
  expect_unauthenticated(login(), "unknown \"kid\"");
  EXPECT_EQ(rp_->jwks_fetches(), 2);
  // ...and once the interval has passed, once more.
  clock_.advance(std::chrono::seconds(61));
  expect_unauthenticated(login(), "unknown \"kid\"");
  EXPECT_EQ(rp_->jwks_fetches(), 3);
}

TEST_F(OidcRelyingPartyTest, RefetchesAStaleKeySet) {
  build();
  ASSERT_TRUE(login());
  clock_.advance(std::chrono::hours(1) + std::chrono::seconds(1));
  ASSERT_TRUE(login());
  EXPECT_EQ(rp_->jwks_fetches(), 2);
}

TEST_F(OidcRelyingPartyTest, RefusesOpenRedirects) {
  build();
  for (const char* target : {"https://evil.example/", "//evil.example/", "/\\evil.example",
                             "relative", "", "/with space", "/\nnewline"}) {
    auto started = rp_->start_login(target);
    ASSERT_FALSE(started) << target;
    EXPECT_EQ(started.error().code(), core::Code::kInvalidArgument);
  }
}

TEST_F(OidcRelyingPartyTest, RefusesABadDiscoveryDocument) {
  build();
  provider_->discovery["issuer"] = kIssuer + "/";
  auto started = rp_->start_login();
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().code(), core::Code::kFailedPrecondition);
  EXPECT_NE(started.error().message().find("issuer"), std::string::npos);

  build();
  provider_->discovery["jwks_uri"] = "http://idp.example.test/jwks";
  started = rp_->start_login();
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().message().find("jwks_uri"), std::string::npos);

  build();
  provider_->discovery["code_challenge_methods_supported"] = {"plain"};
  EXPECT_FALSE(rp_->start_login());
}

TEST(OidcProviderMetadata, ParsesAndChecks) {
  FakeProvider fake("http://127.0.0.1:9999");
  auto metadata = parse_provider_metadata(fake.discovery.dump(), fake.issuer, true);
  ASSERT_TRUE(metadata) << metadata.error().to_string();
  EXPECT_EQ(metadata->token_endpoint, "http://127.0.0.1:9999/token");
  EXPECT_TRUE(metadata->authorization_response_iss_parameter_supported);
  // Loopback http only when the issuer is loopback http.
  EXPECT_FALSE(parse_provider_metadata(fake.discovery.dump(), fake.issuer, false));
  fake.discovery.erase("token_endpoint");
  EXPECT_FALSE(parse_provider_metadata(fake.discovery.dump(), fake.issuer, true));
  EXPECT_FALSE(parse_provider_metadata("[]", fake.issuer, true));
}

TEST(OidcCallbackQuery, ParsesAndRefusesRepeats) {
  auto callback = parse_callback_query("code=abc%2Fd&state=s+1&iss=https%3A%2F%2Fidp&extra=1");
  ASSERT_TRUE(callback);
  EXPECT_EQ(callback->code, "abc/d");
  EXPECT_EQ(callback->state, "s 1");
  EXPECT_EQ(callback->iss, "https://idp");
  EXPECT_FALSE(parse_callback_query("state=a&state=b"));
  EXPECT_FALSE(parse_callback_query("state=%zz"));
}

TEST(OidcLoginStore, TakesEachStateOnceAndExpires) {
  InMemoryOidcLoginStore store;
  const core::TimePoint t0{std::chrono::seconds(kStart)};
  ASSERT_TRUE(store.put({"s1", "v", "n", "/", t0, t0 + std::chrono::minutes(10)}));
  EXPECT_FALSE(store.put({"s1", "v", "n", "/", t0, t0 + std::chrono::minutes(10)}));
  auto taken = store.take("s1", t0 + std::chrono::minutes(1));
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->code_verifier, "v");
  auto again = store.take("s1", t0 + std::chrono::minutes(1));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), core::Code::kUnauthenticated);
  ASSERT_TRUE(store.put({"s2", "v", "n", "/", t0, t0 + std::chrono::minutes(10)}));
  auto late = store.take("s2", t0 + std::chrono::minutes(10));
  ASSERT_FALSE(late);
  EXPECT_NE(late.error().message().find("expired"), std::string::npos);
  EXPECT_EQ(store.size(), 0u);
}

TEST(OidcLoginStore, IsBoundedDroppingExpiredThenOldest) {
  InMemoryOidcLoginStore store(3);
  const core::TimePoint t0{std::chrono::seconds(kStart)};
  const auto ttl = std::chrono::minutes(10);
  ASSERT_TRUE(store.put({"old", "v", "n", "/", t0, t0 + std::chrono::seconds(5)}));
  ASSERT_TRUE(store.put({"a", "v", "n", "/", t0, t0 + ttl}));
  ASSERT_TRUE(store.put({"b", "v", "n", "/", t0, t0 + ttl}));
  const auto later = t0 + std::chrono::seconds(10);
  ASSERT_TRUE(store.put({"c", "v", "n", "/", later, later + ttl}));  // drops the expired "old"
  EXPECT_EQ(store.size(), 3u);
  EXPECT_TRUE(store.take("a", later));
  ASSERT_TRUE(store.put({"d", "v", "n", "/", later, later + ttl}));
  ASSERT_TRUE(store.put({"e", "v", "n", "/", later, later + ttl}));  // drops the oldest, "b"
  EXPECT_EQ(store.size(), 3u);
  EXPECT_FALSE(store.take("b", later));
  EXPECT_TRUE(store.take("c", later));
  EXPECT_TRUE(store.take("d", later));
  EXPECT_TRUE(store.take("e", later));
}

TEST(OidcConfigCheck, AcceptsAGoodConfigAndNamesTheBadField) {
  OidcConfig good;
  good.issuer = "https://idp.example.test";
  good.client_id = "ward";
  good.redirect_uri = "https://ward.example.test/sso/callback";
  EXPECT_TRUE(check_oidc_config(good));

  auto expect_bad = [&](const std::function<void(OidcConfig&)>& edit, const std::string& field) {
    OidcConfig config = good;
    edit(config);
    auto status = check_oidc_config(config);
    ASSERT_FALSE(status) << field;
    EXPECT_EQ(status.error().code(), core::Code::kInvalidArgument);
    EXPECT_EQ(status.error().where(), "oidc." + field);
  };
  expect_bad([](OidcConfig& c) { c.issuer = "http://idp.example.test"; }, "issuer");
  expect_bad([](OidcConfig& c) { c.issuer = "https://idp.example.test?x=1"; }, "issuer");
  expect_bad([](OidcConfig& c) { c.issuer.clear(); }, "issuer");
  expect_bad([](OidcConfig& c) { c.client_id.clear(); }, "client_id");
  expect_bad([](OidcConfig& c) { c.client_secret = ""; }, "client_secret");
  expect_bad([](OidcConfig& c) { c.token_endpoint_auth_method = "client_secret_jwt"; },
             "token_endpoint_auth_method");
  expect_bad([](OidcConfig& c) { c.token_endpoint_auth_method = "client_secret_post"; },
             "token_endpoint_auth_method");  // no secret
  expect_bad([](OidcConfig& c) { c.redirect_uri = "http://ward.example.test/cb"; }, "redirect_uri");
  expect_bad([](OidcConfig& c) { c.scopes = {"email"}; }, "scopes");
  expect_bad([](OidcConfig& c) { c.scopes = {"openid", "two words"}; }, "scopes");
  expect_bad([](OidcConfig& c) { c.id_token_algorithms = {"HS256"}; }, "id_token_algorithms");
  expect_bad([](OidcConfig& c) { c.id_token_algorithms.clear(); }, "id_token_algorithms");
  expect_bad([](OidcConfig& c) { c.ca_bundle = "/nonexistent/ca.pem"; }, "ca_bundle");
  expect_bad([](OidcConfig& c) { c.groups_claim.clear(); }, "groups_claim");

  OidcConfig loopback = good;
  loopback.issuer = "http://127.0.0.1:8080";
  loopback.redirect_uri = "http://127.0.0.1:9/cb";
  EXPECT_TRUE(check_oidc_config(loopback));
}

}  // namespace
}  // namespace ward::gov
