// The [oidc] table as `ward serve` uses it (gov::oidc_sign_in_settings): Ward's defaults, the
// default redirect URI, the client secret read from its file, and the refusals.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "gov/oidc/config.h"
#include "support/test_support.h"

namespace ward::gov {
namespace {

using namespace std::chrono_literals;
using ward::test::TempDir;
using ward::test::write_text;

class SsoSettingsTest : public ::testing::Test {
 protected:
  core::Config config(std::string listen = "127.0.0.1:8443") {
    core::Config c;
    c.server.listen = std::move(listen);
    c.oidc.emplace();
    c.oidc->issuer = "https://login.example.org";
    c.oidc->client_id = "ward";
    return c;
  }
  std::filesystem::path secret_file(const std::string& text, mode_t mode = 0600) {
    const auto path = dir_ / "secret";
    write_text(path, text);
    EXPECT_EQ(::chmod(path.c_str(), mode), 0);
    return path;
  }
  // The error of settings that must be refused.
  core::Error refusal(const core::Config& c) {
    auto settings = oidc_sign_in_settings(c);
    EXPECT_FALSE(settings.ok());
    return settings.ok() ? core::Error(core::Code::kInternal, "", "accepted") : settings.error();
  }
  TempDir dir_;
};

TEST_F(SsoSettingsTest, NoOidcTableMeansNoSignIn) {
  core::Config c;
  auto settings = oidc_sign_in_settings(c);
  ASSERT_TRUE(settings.ok()) << settings.error().to_string();
  EXPECT_FALSE(settings->has_value());
}

TEST_F(SsoSettingsTest, WardsDefaultsAreFilledIn) {
  auto settings = oidc_sign_in_settings(config());
  ASSERT_TRUE(settings.ok()) << settings.error().to_string();
  ASSERT_TRUE(settings->has_value());
  const OidcSignInSettings& s = **settings;
  EXPECT_EQ(s.relying_party.issuer, "https://login.example.org");
  EXPECT_EQ(s.relying_party.client_id, "ward");
  EXPECT_FALSE(s.relying_party.client_secret.has_value());  // a public client
  EXPECT_EQ(s.relying_party.redirect_uri, "https://127.0.0.1:8443/auth/callback");
  EXPECT_EQ(s.relying_party.scopes, (std::vector<std::string>{"openid", "email", "profile"}));
  EXPECT_EQ(s.relying_party.groups_claim, "groups");
  EXPECT_EQ(s.relying_party.id_token_algorithms, (std::vector<std::string>{"RS256", "ES256"}));
  EXPECT_EQ(s.tenant, "default");
  EXPECT_EQ(s.session_lifetime, 8h);
  EXPECT_EQ(s.session_idle_timeout, 0s);
}

TEST_F(SsoSettingsTest, TheFileValuesArePassedOn) {
  core::Config c = config();
  c.oidc->redirect_uri = "https://ward.example.org/auth/callback";
  c.oidc->scopes = std::vector<std::string>{"openid", "groups"};
  c.oidc->required_acr_values = {"urn:loa2"};
  c.oidc->required_amr_values = {"mfa"};
  c.oidc->groups_claim = "roles";
  c.oidc->group_roles = {{"admins", {"ward-admins"}}};
  c.oidc->id_token_algorithms = std::vector<std::string>{"ES256"};
  c.oidc->token_endpoint_auth_method = "client_secret_post";
  c.oidc->client_secret_file = secret_file("  the-secret-value\n\n");
  c.oidc->tenant = "acme";
  c.oidc->session_lifetime_minutes = 90;
  c.oidc->session_idle_minutes = 20;
  auto settings = oidc_sign_in_settings(c);
  ASSERT_TRUE(settings.ok()) << settings.error().to_string();
  const OidcSignInSettings& s = **settings;
  EXPECT_EQ(s.relying_party.redirect_uri, "https://ward.example.org/auth/callback");
  EXPECT_EQ(s.relying_party.scopes, (std::vector<std::string>{"openid", "groups"}));
  EXPECT_EQ(s.relying_party.required_acr_values, std::vector<std::string>{"urn:loa2"});
  EXPECT_EQ(s.relying_party.required_amr_values, std::vector<std::string>{"mfa"});
  EXPECT_EQ(s.relying_party.groups_claim, "roles");
  EXPECT_EQ(s.relying_party.group_roles.at("admins"), std::vector<std::string>{"ward-admins"});
  EXPECT_EQ(s.relying_party.id_token_algorithms, std::vector<std::string>{"ES256"});
  EXPECT_EQ(s.relying_party.token_endpoint_auth_method, "client_secret_post");
  EXPECT_EQ(s.relying_party.client_secret, "the-secret-value");  // white space dropped
  EXPECT_EQ(s.tenant, "acme");
  EXPECT_EQ(s.session_lifetime, 90min);
  EXPECT_EQ(s.session_idle_timeout, 20min);
}

TEST_F(SsoSettingsTest, TheDefaultRedirectUriFollowsServerListen) {
  struct Case {
    std::string listen;
    std::string redirect;  // "" when it must be refused
  };
  for (const Case& c : {Case{"127.0.0.1:8443", "https://127.0.0.1:8443/auth/callback"},
                        Case{"ward.example.org:443", "https://ward.example.org/auth/callback"},
                        Case{"[::1]:9443", "https://[::1]:9443/auth/callback"},
                        Case{"127.0.0.1:0", ""}, Case{"0.0.0.0:8443", ""}, Case{"[::]:8443", ""}}) {
    auto settings = oidc_sign_in_settings(config(c.listen));
    if (c.redirect.empty()) {
      ASSERT_FALSE(settings.ok()) << c.listen;
      EXPECT_EQ(settings.error().where(), "oidc.redirect_uri") << c.listen;
      EXPECT_NE(settings.error().message().find("set oidc.redirect_uri"), std::string::npos);
    } else {
      ASSERT_TRUE(settings.ok()) << c.listen << ": " << settings.error().to_string();
      EXPECT_EQ((*settings)->relying_party.redirect_uri, c.redirect) << c.listen;
    }
  }
}

TEST_F(SsoSettingsTest, TheSecretFileMustBePrivateNonEmptyAndSmall) {
  core::Config c = config();
  c.oidc->client_secret_file = secret_file("the-secret-value\n", 0644);
  core::Error open = refusal(c);
  EXPECT_EQ(open.code(), core::Code::kInvalidArgument);
  EXPECT_EQ(open.where(), c.oidc->client_secret_file.string());
  EXPECT_NE(open.message().find("mode 0644"), std::string::npos) << open.to_string();
  EXPECT_NE(open.message().find("chmod 600"), std::string::npos) << open.to_string();
  EXPECT_EQ(open.to_string().find("the-secret-value"), std::string::npos);

  c.oidc->client_secret_file = secret_file(" \n\t\n");
  EXPECT_NE(refusal(c).message().find("empty"), std::string::npos);

  c.oidc->client_secret_file = secret_file(std::string(5000, 'x'));
  EXPECT_NE(refusal(c).message().find("larger than 4 KiB"), std::string::npos);

  c.oidc->client_secret_file = dir_ / "absent";
  EXPECT_EQ(refusal(c).code(), core::Code::kNotFound);

  c.oidc->client_secret_file = dir_.path();  // a directory
  EXPECT_EQ(refusal(c).code(), core::Code::kInvalidArgument);
}

TEST_F(SsoSettingsTest, WhatTheRelyingPartyWouldRefuseIsRefusedAtStart) {
  core::Config c = config();
  c.oidc->issuer = "";
  EXPECT_EQ(refusal(c).where(), "oidc.issuer");
  c = config();
  c.oidc->issuer = "http://login.example.org";  // plain http only to loopback
  EXPECT_EQ(refusal(c).where(), "oidc.issuer");
  c = config();
  c.oidc->client_id = "";
  EXPECT_EQ(refusal(c).where(), "oidc.client_id");
  c = config();
  c.oidc->scopes = std::vector<std::string>{"email"};
  EXPECT_EQ(refusal(c).where(), "oidc.scopes");
  c = config();
  c.oidc->id_token_algorithms = std::vector<std::string>{"HS256"};
  EXPECT_EQ(refusal(c).where(), "oidc.id_token_algorithms");
  c = config();
  c.oidc->token_endpoint_auth_method = "client_secret_post";  // without a secret
  EXPECT_EQ(refusal(c).where(), "oidc.token_endpoint_auth_method");
  c = config();
  c.oidc->ca_bundle = dir_ / "no-such-ca.pem";
  EXPECT_EQ(refusal(c).where(), "oidc.ca_bundle");
}

}  // namespace
}  // namespace ward::gov
