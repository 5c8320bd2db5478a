#include "core/config.h"

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace ward::core {
namespace {

namespace fs = std::filesystem;
using ward::test::TempDir;
using ward::test::write_text;

class ConfigTest : public ::testing::Test {
 protected:
  ConfigInputs inputs() {
    ConfigInputs in;
    in.working_dir = dir_.path();
    in.environment = {{"HOME", (dir_ / "home").string()}};
    return in;
  }
  fs::path write_config(const std::string& text) {
    fs::path path = dir_ / "ward.toml";
    write_text(path, text);
    return path;
  }
  TempDir dir_;
};

TEST_F(ConfigTest, DefaultsWithoutAFile) {
  auto config = load_config(inputs());
  ASSERT_TRUE(config.ok()) << config.error().to_string();
  EXPECT_EQ(config->server.listen, "127.0.0.1:8443");
  EXPECT_EQ(config->data_dir, dir_ / "home/.local/share/ward");
  EXPECT_TRUE(config->config_file.empty());
  EXPECT_EQ(config->log.level, "info");
}

TEST_F(ConfigTest, DataDirDefaultsToDotWardInsideACheckout) {
  write_text(dir_ / "repo/src/core/config.h", "");
  write_text(dir_ / "repo/CMakeLists.txt", "");
  auto in = inputs();
  in.working_dir = dir_ / "repo/build";
  EXPECT_EQ(default_data_dir(in), dir_ / "repo/.ward");
}

TEST_F(ConfigTest, DataDirFollowsXdgDataHome) {
  auto in = inputs();
  in.environment["XDG_DATA_HOME"] = "/srv/data";
  EXPECT_EQ(default_data_dir(in), fs::path("/srv/data/ward"));
}

TEST_F(ConfigTest, FileThenEnvironmentThenFlagsInOrderOfPrecedence) {
  auto in = inputs();
  in.config_flag = write_config(
      "data_dir = \"state\"\n[server]\nlisten = \"0.0.0.0:9000\"\n[log]\nlevel = \"debug\"\n"
      "format = \"json\"\n");
  auto from_file = load_config(in);
  ASSERT_TRUE(from_file.ok()) << from_file.error().to_string();
  EXPECT_EQ(from_file->server.listen, "0.0.0.0:9000");
  EXPECT_EQ(from_file->data_dir, dir_ / "state");  // relative to the file's directory
  EXPECT_EQ(from_file->log.format, LogFormat::kJson);

  in.environment["WARD_SERVER_LISTEN"] = "127.0.0.1:9001";
  in.environment["WARD_LOG_LEVEL"] = "warn";
  auto from_env = load_config(in);
  ASSERT_TRUE(from_env.ok()) << from_env.error().to_string();
  EXPECT_EQ(from_env->server.listen, "127.0.0.1:9001");
  EXPECT_EQ(from_env->log.level, "warn");

  in.flags["server.listen"] = "[::1]:9002";
  auto from_flag = load_config(in);
  ASSERT_TRUE(from_flag.ok()) << from_flag.error().to_string();
  EXPECT_EQ(from_flag->server.listen, "[::1]:9002");
  EXPECT_EQ(from_flag->log.level, "warn");
}

TEST_F(ConfigTest, FileInsideDataDirIsReadByDefault) {
  auto in = inputs();
  in.flags["data_dir"] = (dir_ / "data").string();
  write_text(dir_ / "data/ward.toml", "[log]\nlevel = \"error\"\n");
  auto config = load_config(in);
  ASSERT_TRUE(config.ok()) << config.error().to_string();
  EXPECT_EQ(config->config_file, dir_ / "data/ward.toml");
  EXPECT_EQ(config->log.level, "error");
}

struct BadFileCase {
  std::string text;
  std::string expected_error;  // with FILE standing for the config file's path
};

class BadConfigFileTest : public ConfigTest, public ::testing::WithParamInterface<BadFileCase> {};

TEST_P(BadConfigFileTest, NamesTheKeyTheFileAndTheLine) {
  auto in = inputs();
  in.config_flag = write_config(GetParam().text);
  auto config = load_config(in);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code(), Code::kInvalidArgument);
  std::string expected = GetParam().expected_error;
  expected.replace(expected.find("FILE"), 4, in.config_flag->string());
  EXPECT_EQ(config.error().to_string(), expected);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadConfigFileTest,
    ::testing::Values(
        BadFileCase{
            "[server]\nlisen = \"x:1\"\n",
            "FILE:2: unknown setting `server.lisen`; known settings: data_dir, "
            "server.listen, server.tls_cert, server.tls_key, server.tls_client_ca, log.level, "
            "log.format, region, "
            "default_model, keys.master_key_file, and the tables [regions], [tiers.NAME], "
            "[models.NAME] and [oidc]"},
        BadFileCase{"\n\n[server]\nlisten = 8443\n",
                    "FILE:4: `server.listen` must be a string, not an integer"},
        BadFileCase{"[log]\nlevel = \"loud\"\n",
                    "FILE:2: `log.level`: loud: unknown log level; use one of trace, debug, info, "
                    "warn, error, off"},
        BadFileCase{
            "server = 3\n",
            "FILE:1: unknown setting `server`; known settings: data_dir, "
            "server.listen, server.tls_cert, server.tls_key, server.tls_client_ca, log.level, "
            "log.format, region, "
            "default_model, keys.master_key_file, and the tables [regions], [tiers.NAME], "
            "[models.NAME] and [oidc]"},
        BadFileCase{"[server]\nlisten = \"127.0.0.1:99999\"\n",
                    "FILE:2: `server.listen`: 127.0.0.1:99999: the port must be a number from 0 "
                    "to 65535; expected HOST:PORT such as 127.0.0.1:8443 or [::1]:8443"}));

TEST_F(ConfigTest, RegionsAndTiers) {
  auto in = inputs();
  in.config_flag = write_config(
      "region = \"uk-south\"\n[regions]\nuk-south = \"uk\"\nuk-west = \"uk\"\n"
      "[tiers.government]\nstore_content = true\nretention_days = 365\n"
      "[tiers.free]\nrequests_per_minute = 5\n");
  auto config = load_config(in);
  ASSERT_TRUE(config.ok()) << config.error().to_string();
  EXPECT_EQ(config->region, "uk-south");
  EXPECT_EQ(config->region_geographies.at("uk-west"), "uk");
  EXPECT_EQ(config->tiers.at("government").store_content, true);
  EXPECT_EQ(config->tiers.at("government").retention_days, 365);
  EXPECT_FALSE(config->tiers.at("government").byok.has_value());
  EXPECT_EQ(config->tiers.at("free").requests_per_minute, 5);
}

TEST_F(ConfigTest, BadTierSettingsNameKeyAndLine) {
  auto in = inputs();
  in.config_flag = write_config("[tiers.pro]\nbyok = \"yes\"\n");
  auto config = load_config(in);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().to_string(),
            in.config_flag->string() + ":2: `tiers.pro.byok` must be true or false, not a string");
  in.config_flag = write_config("[tiers.pro]\nretention_dayz = 3\n");
  config = load_config(in);
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().message().find("unknown tier setting `tiers.pro.retention_dayz`"),
            std::string::npos);
  in.config_flag = write_config("[tiers.pro]\ntokens_per_day = -1\n");
  EXPECT_FALSE(load_config(in).ok());
  in.config_flag = write_config("[regions]\nuk-south = 1\n");
  EXPECT_FALSE(load_config(in).ok());
}

TEST_F(ConfigTest, Models) {
  auto in = inputs();
  in.config_flag = write_config(
      "default_model = \"coder\"\n"
      "[models.coder]\npath = \"models/coder.gguf\"\nfim = \"qwen\"\ncontext = 8192\n"
      "threads = 2\nslots = 3\nregion = \"uk-south\"\n"
      "[models.small]\npath = \"/srv/small.gguf\"\n"
      "[models.remote]\nurl = \"https://vllm.internal:8000/v1\"\n"
      "upstream_model = \"Qwen/Qwen2.5-Coder-7B\"\napi_key_file = \"keys/vllm.key\"\n"
      "proxy = \"http://proxy.internal:3128\"\nread_timeout_ms = 30000\nretries = 4\n");
  auto config = load_config(in);
  ASSERT_TRUE(config.ok()) << config.error().to_string();
  EXPECT_EQ(config->default_model, "coder");
  const ModelConfig& coder = config->models.at("coder");
  EXPECT_EQ(coder.path, in.config_flag->parent_path() / "models/coder.gguf");
  EXPECT_EQ(coder.fim, "qwen");
  EXPECT_EQ(coder.context, 8192);
  EXPECT_EQ(coder.threads, 2);
  EXPECT_EQ(coder.slots, 3);
  EXPECT_EQ(coder.region, "uk-south");
  const ModelConfig& remote = config->models.at("remote");
  EXPECT_EQ(remote.url, "https://vllm.internal:8000/v1");
  EXPECT_EQ(remote.upstream_model, "Qwen/Qwen2.5-Coder-7B");
  EXPECT_EQ(remote.api_key_file, in.config_flag->parent_path() / "keys/vllm.key");
  EXPECT_EQ(remote.proxy, "http://proxy.internal:3128");
  EXPECT_EQ(remote.read_timeout_ms, 30000);
  EXPECT_EQ(remote.retries, 4);
  EXPECT_EQ(remote.connect_timeout_ms, 5000);  // the default
  const ModelConfig& small = config->models.at("small");
  EXPECT_EQ(small.path, "/srv/small.gguf");
  EXPECT_EQ(small.slots, 1);
  EXPECT_EQ(small.region, "");
}

TEST_F(ConfigTest, BadModelSettingsNameKeyAndLine) {
  auto in = inputs();
  const std::pair<const char*, const char*> cases[] = {
      {"[models.a]\npath = \"a.gguf\"\ncontxt = 5\n",
       ":3: unknown model setting `models.a.contxt`"},
      {"[models.a]\nfim = \"qwen\"\n", ":1: `models.a` needs either a `path`"},
      {"[models.a]\npath = \"a.gguf\"\nurl = \"https://x/v1\"\n", ":1: `models.a` needs either"},
      {"[models.a]\npath = 3\n", ":2: `models.a.path` must be a string, not an integer"},
      {"[models.a]\npath = \"a.gguf\"\nslots = 0\n", ":3: `models.a.slots` must be from 1 to 256"},
  };
  for (const auto& [text, expected] : cases) {
    in.config_flag = write_config(text);
    auto config = load_config(in);
    ASSERT_FALSE(config.ok()) << text;
    EXPECT_NE(config.error().to_string().find(expected), std::string::npos)
        << config.error().to_string();
  }
}

TEST_F(ConfigTest, CorruptTomlNamesTheLine) {
  auto in = inputs();
  in.config_flag = write_config("[server]\nlisten = \"unterminated\n");
  auto config = load_config(in);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().where(), in.config_flag->string() + ":2");
  EXPECT_NE(config.error().message().find("not valid TOML"), std::string::npos);
}

TEST_F(ConfigTest, MissingExplicitFileIsNotFound) {
  auto in = inputs();
  in.config_flag = dir_ / "absent.toml";
  auto config = load_config(in);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code(), Code::kNotFound);
  EXPECT_EQ(config.error().where(), (dir_ / "absent.toml").string());
}

TEST_F(ConfigTest, UnknownWardVariableIsAnError) {
  auto in = inputs();
  in.environment["WARD_LOG_LEVL"] = "debug";
  auto config = load_config(in);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().where(), "WARD_LOG_LEVL");
}

TEST_F(ConfigTest, KeysMasterKeyFileSettingAndTheMasterKeyVariable) {
  auto defaults = load_config(inputs());
  ASSERT_TRUE(defaults.ok()) << defaults.error().to_string();
  EXPECT_TRUE(defaults->keys.master_key_file.empty());  // <data dir>/keys/master.key

  auto in = inputs();
  in.config_flag = write_config("[keys]\nmaster_key_file = \"secrets/master.key\"\n");
  auto from_file = load_config(in);
  ASSERT_TRUE(from_file.ok()) << from_file.error().to_string();
  EXPECT_EQ(from_file->keys.master_key_file, dir_ / "secrets/master.key");

  in.environment["WARD_KEYS_MASTER_KEY_FILE"] = "/run/secrets/ward-master";
  // WARD_MASTER_KEY is the secret itself, read by the keyring: a known variable, not a setting.
  in.environment["WARD_MASTER_KEY"] = std::string(64, 'a');
  auto from_env = load_config(in);
  ASSERT_TRUE(from_env.ok()) << from_env.error().to_string();
  EXPECT_EQ(from_env->keys.master_key_file, fs::path("/run/secrets/ward-master"));

  in.environment["WARD_KEYS_MASTER_KEY_FILE"] = "";
  EXPECT_FALSE(load_config(in).ok());
}

TEST_F(ConfigTest, BadFlagValueNamesTheFlag) {
  auto in = inputs();
  in.flags["server.listen"] = "nowhere";
  auto config = load_config(in);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().where(), "--server.listen");
}

TEST_F(ConfigTest, CertificateAndKeyGoTogether) {
  auto in = inputs();
  in.environment["WARD_SERVER_TLS_CERT"] = "/etc/ward/cert.pem";
  auto config = load_config(in);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().where(), "server.tls_cert");
}

// ---- [oidc]: single sign-on ----

TEST_F(ConfigTest, WithoutAnOidcTableThereIsNoSingleSignOn) {
  auto config = load_config(inputs());
  ASSERT_TRUE(config.ok()) << config.error().to_string();
  EXPECT_FALSE(config->oidc.has_value());
}

TEST_F(ConfigTest, TheOidcTableIsReadWithListsNumbersAndGroupRoles) {
  auto in = inputs();
  in.config_flag = write_config(
      "[oidc]\n"
      "issuer = \"https://login.example.org/realms/acme\"\n"
      "client_id = \"ward\"\n"
      "client_secret_file = \"secrets/oidc-client\"\n"
      "token_endpoint_auth_method = \"client_secret_post\"\n"
      "redirect_uri = \"https://ward.example.org/auth/callback\"\n"
      "scopes = [\"openid\", \"email\", \"groups\"]\n"
      "required_acr_values = [\"urn:acme:loa2\"]\n"
      "required_amr_values = [\"mfa\"]\n"
      "groups_claim = \"roles\"\n"
      "id_token_algorithms = [\"ES256\"]\n"
      "ca_bundle = \"/etc/ssl/acme-ca.pem\"\n"
      "tenant = \"acme\"\n"
      "session_lifetime_minutes = 60\n"
      "session_idle_minutes = 15\n"
      "[oidc.group_roles]\n"
      "ward-admins = [\"admins\", \"auditors\"]\n"
      "\"Engineering Team\" = [\"developers\"]\n");
  auto config = load_config(in);
  ASSERT_TRUE(config.ok()) << config.error().to_string();
  ASSERT_TRUE(config->oidc.has_value());
  const OidcSettings& o = *config->oidc;
  EXPECT_EQ(o.issuer, "https://login.example.org/realms/acme");
  EXPECT_EQ(o.client_id, "ward");
  EXPECT_EQ(o.client_secret_file, dir_ / "secrets/oidc-client");  // relative to the file
  EXPECT_EQ(o.token_endpoint_auth_method, "client_secret_post");
  EXPECT_EQ(o.redirect_uri, "https://ward.example.org/auth/callback");
  EXPECT_EQ(o.scopes, (std::vector<std::string>{"openid", "email", "groups"}));
  EXPECT_EQ(o.required_acr_values, std::vector<std::string>{"urn:acme:loa2"});
  EXPECT_EQ(o.required_amr_values, std::vector<std::string>{"mfa"});
  EXPECT_EQ(o.groups_claim, "roles");
  EXPECT_EQ(o.id_token_algorithms, std::vector<std::string>{"ES256"});
  EXPECT_EQ(o.ca_bundle, fs::path("/etc/ssl/acme-ca.pem"));
  EXPECT_EQ(o.tenant, "acme");
  EXPECT_EQ(o.session_lifetime_minutes, 60);
  EXPECT_EQ(o.session_idle_minutes, 15);
  ASSERT_EQ(o.group_roles.size(), 2u);
  EXPECT_EQ(o.group_roles.at("ward-admins"), (std::vector<std::string>{"admins", "auditors"}));
  EXPECT_EQ(o.group_roles.at("Engineering Team"), std::vector<std::string>{"developers"});
}

TEST_F(ConfigTest, OidcDefaultsLeaveTheRestToGov) {
  auto in = inputs();
  in.config_flag = write_config("[oidc]\nissuer = \"https://idp.example\"\nclient_id = \"w\"\n");
  auto config = load_config(in);
  ASSERT_TRUE(config.ok()) << config.error().to_string();
  ASSERT_TRUE(config->oidc.has_value());
  EXPECT_TRUE(config->oidc->client_secret_file.empty());
  EXPECT_TRUE(config->oidc->redirect_uri.empty());
  EXPECT_FALSE(config->oidc->scopes.has_value());
  EXPECT_FALSE(config->oidc->groups_claim.has_value());
  EXPECT_EQ(config->oidc->tenant, "default");
  EXPECT_EQ(config->oidc->session_lifetime_minutes, 8 * 60);
  EXPECT_EQ(config->oidc->session_idle_minutes, 0);
}

TEST_F(ConfigTest, OidcSettingsComeFromVariablesToo) {
  auto in = inputs();
  in.environment["WARD_OIDC_ISSUER"] = "https://idp.example";
  in.environment["WARD_OIDC_CLIENT_ID"] = "ward";
  in.environment["WARD_OIDC_CLIENT_SECRET_FILE"] = "run/oidc-secret";
  in.environment["WARD_OIDC_SCOPES"] = "openid  groups";
  in.environment["WARD_OIDC_SESSION_LIFETIME_MINUTES"] = "90";
  auto config = load_config(in);
  ASSERT_TRUE(config.ok()) << config.error().to_string();
  ASSERT_TRUE(config->oidc.has_value());
  EXPECT_EQ(config->oidc->issuer, "https://idp.example");
  EXPECT_EQ(config->oidc->client_secret_file, dir_ / "run/oidc-secret");  // the working dir
  EXPECT_EQ(config->oidc->scopes, (std::vector<std::string>{"openid", "groups"}));
  EXPECT_EQ(config->oidc->session_lifetime_minutes, 90);

  in.environment["WARD_OIDC_SESSION_LIFETIME_MINUTES"] = "0";
  auto zero = load_config(in);
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.error().where(), "WARD_OIDC_SESSION_LIFETIME_MINUTES");
  EXPECT_NE(zero.error().message().find("from 1 to 43200"), std::string::npos)
      << zero.error().to_string();
}

TEST_F(ConfigTest, AClientSecretInTheFileOrAVariableIsRefused) {
  auto in = inputs();
  in.config_flag = write_config(
      "[oidc]\nissuer = \"https://idp.example\"\nclient_id = \"w\"\n"
      "client_secret = \"s3cr3t-value\"\n");
  auto config = load_config(in);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code(), Code::kInvalidArgument);
  EXPECT_EQ(config.error().where(), in.config_flag->string() + ":4");
  EXPECT_NE(config.error().message().find("oidc.client_secret_file"), std::string::npos)
      << config.error().to_string();
  EXPECT_EQ(config.error().to_string().find("s3cr3t-value"), std::string::npos)
      << "the secret is never repeated";

  auto env = inputs();
  env.environment["WARD_OIDC_CLIENT_SECRET"] = "s3cr3t-value";
  auto from_env = load_config(env);
  ASSERT_FALSE(from_env.ok());
  EXPECT_EQ(from_env.error().where(), "WARD_OIDC_CLIENT_SECRET");
  EXPECT_NE(from_env.error().message().find("WARD_OIDC_CLIENT_SECRET_FILE"), std::string::npos);
  EXPECT_EQ(from_env.error().to_string().find("s3cr3t-value"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Oidc, BadConfigFileTest,
    ::testing::Values(
        BadFileCase{"[oidc]\nissuer = \"https://idp.example\"\nisuer = \"x\"\n",
                    "FILE:3: unknown setting `oidc.isuer`; known [oidc] settings: issuer, "
                    "client_id, client_secret_file, token_endpoint_auth_method, redirect_uri, "
                    "scopes, required_acr_values, required_amr_values, groups_claim, "
                    "id_token_algorithms, ca_bundle, tenant, session_lifetime_minutes, "
                    "session_idle_minutes, group_roles"},
        BadFileCase{"[oidc]\nscopes = \"openid email\"\n",
                    "FILE:2: `oidc.scopes` must be an array of strings, not a string"},
        BadFileCase{"[oidc]\nscopes = [\"openid\", \"two words\"]\n",
                    "FILE:2: `oidc.scopes`: each entry must be one non-empty word without spaces"},
        BadFileCase{"[oidc]\nsession_lifetime_minutes = \"60\"\n",
                    "FILE:2: `oidc.session_lifetime_minutes` must be an integer, not a string"},
        BadFileCase{"[oidc]\n\nsession_idle_minutes = -5\n",
                    "FILE:3: `oidc.session_idle_minutes`: oidc.session_idle_minutes must be a "
                    "whole number of minutes from 0 to 43200"},
        BadFileCase{"[oidc]\nclient_id = 7\n",
                    "FILE:2: `oidc.client_id` must be a string, not an integer"},
        BadFileCase{"[oidc.group_roles]\nadmins = \"WardAdministrator\"\n",
                    "FILE:2: `oidc.group_roles.admins` must be an array of strings, not a string"},
        BadFileCase{"[oidc]\ngroup_roles = [\"admins\"]\n",
                    "FILE:2: `oidc.group_roles` must be a table of group = [\"role\", …], not "
                    "an array"}));

struct ListenCase {
  std::string text;
  bool ok;
  std::string host;
  int port;
};

class ListenAddressTest : public ::testing::TestWithParam<ListenCase> {};

TEST_P(ListenAddressTest, Parses) {
  auto parsed = parse_listen_address(GetParam().text);
  ASSERT_EQ(parsed.ok(), GetParam().ok) << GetParam().text;
  if (!parsed.ok()) return;
  EXPECT_EQ(parsed->host, GetParam().host);
  EXPECT_EQ(parsed->port, GetParam().port);
}

INSTANTIATE_TEST_SUITE_P(Cases, ListenAddressTest,
                         ::testing::Values(ListenCase{"127.0.0.1:8443", true, "127.0.0.1", 8443},
                                           ListenCase{"[::1]:0", true, "::1", 0},
                                           ListenCase{"localhost:443", true, "localhost", 443},
                                           ListenCase{"::1:80", false, "", 0},
                                           ListenCase{"host", false, "", 0},
                                           ListenCase{":80", false, "", 0},
                                           ListenCase{"h:-1", false, "", 0},
                                           ListenCase{"h:80x", false, "", 0}));

}  // namespace
}  // namespace ward::core
