// The governed API end to end: the real `ward serve` binary on loopback, real TLS, real tokens,
// the real audit log. Every request is authenticated, quota-limited, policy-checked and audited.

#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "server/ward_serve_test.h"
#include "support/test_support.h"

namespace ward::test {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

class GatewayTest : public WardServeTest {
 protected:
  void SetUp() override { start("[tiers.tiny]\nrequests_per_minute = 3\n", {}); }
};

TEST_F(GatewayTest, EveryRouteButHealthNeedsAnApiToken) {
  json missing = expect(401, "GET", "/api/v1/me");
  EXPECT_EQ(missing["error"]["code"], "unauthenticated");
  json forged =
      expect(401, "GET", "/api/v1/me", "ward_pat_0123456789abcdef_" + std::string(64, 'a'));
  EXPECT_EQ(forged["error"]["code"], "unauthenticated");
  expect(401, "GET", "/api/v1/admin/users", "not-a-token");
  expect(200, "GET", "/healthz");
}

TEST_F(GatewayTest, TheBootstrapTokenMakesOneAdministratorOnce) {
  expect(401, "POST", "/api/v1/bootstrap", "", {{"token", "wardboot_00"}, {"user", "mallory"}});
  const std::string admin = bootstrap();
  ASSERT_EQ(admin.rfind("ward_pat_", 0), 0u) << admin;
  expect(401, "POST", "/api/v1/bootstrap", "", {{"token", bootstrap_token_}, {"user", "eve"}});

  json me = expect(200, "GET", "/api/v1/me", admin);
  EXPECT_EQ(me["user"], "alice");
  EXPECT_EQ(me["tenant"], "default");
  EXPECT_EQ(me["tier"], "free");
  EXPECT_EQ(me["auth_method"], "token");
  json users = expect(200, "GET", "/api/v1/admin/users", admin)["users"];
  ASSERT_EQ(users.size(), 1u);
  EXPECT_EQ(users[0]["name"], "alice");
}

TEST_F(GatewayTest, PoliciesDecideAndDenialsAreAuditedWithTheirReasonOnlyInTheLog) {
  const std::string admin = bootstrap();
  const std::string bob = developer(admin, "bob");
  expect(200, "GET", "/api/v1/me", bob);
  json denied = expect(403, "GET", "/api/v1/admin/users", bob);
  EXPECT_EQ(denied["error"]["code"], "permission_denied");
  EXPECT_EQ(denied.dump().find("statement"), std::string::npos) << denied;
  expect(403, "GET", "/api/v1/audit/events", bob);

  json bobs = events(admin, "actor=bob&outcome=denied");
  ASSERT_EQ(bobs.size(), 2u) << bobs;
  EXPECT_EQ(bobs[0]["action"], "ward:AdminUsers");
  EXPECT_EQ(bobs[0]["actor"]["auth_method"], "token");
  EXPECT_EQ(bobs[0]["actor"]["user_agent"], "gateway-test");
  EXPECT_EQ(bobs[0]["actor"]["source_ip"], "127.0.0.1");
  EXPECT_EQ(bobs[0]["resource"], "ward:local:default:user/*");
  EXPECT_EQ(bobs[0]["params"]["decision"], "implicit_deny");
  EXPECT_FALSE(bobs[0]["params"].value("reason", "").empty()) << bobs[0];
  EXPECT_EQ(bobs[1]["action"], "ward:AuditRead");

  // The administrator's own changes are in the log, and no token text is anywhere in it.
  json changes = events(admin, "action=ward:AdminTokens&outcome=allowed");
  ASSERT_FALSE(changes.empty());
  EXPECT_EQ(changes[0]["params"]["user"], "bob");
  const std::string all = events(admin, "limit=1000").dump();
  EXPECT_EQ(all.find(bob), std::string::npos);
  EXPECT_EQ(all.find(admin), std::string::npos);
  EXPECT_EQ(all.find(bootstrap_token_), std::string::npos);
}

TEST_F(GatewayTest, ARevokedTokenStopsWorkingAtOnce) {
  const std::string admin = bootstrap();
  const std::string bob = developer(admin, "bob");
  expect(200, "GET", "/api/v1/me", bob);
  json tokens = expect(200, "GET", "/api/v1/admin/tokens", admin)["tokens"];
  std::string bob_token_id;
  for (const json& t : tokens) {
    if (t["user"] == "bob") bob_token_id = t["id"];
  }
  ASSERT_FALSE(bob_token_id.empty()) << tokens;
  EXPECT_EQ(expect(200, "DELETE", "/api/v1/admin/tokens/" + bob_token_id, admin)["state"],
            "revoked");
  expect(401, "GET", "/api/v1/me", bob);
  expect(404, "DELETE", "/api/v1/admin/tokens/00000000deadbeef", admin);
}

TEST_F(GatewayTest, BadBodiesGetA400NamingTheField) {
  const std::string admin = bootstrap();
  auto malformed = call("POST", "/api/v1/admin/users", admin, "{\"name\": ");
  ASSERT_TRUE(malformed);
  EXPECT_EQ(malformed->status, 400);
  EXPECT_NE(malformed->body.find("not valid JSON"), std::string::npos) << malformed->body;
  json wrong_type = expect(400, "POST", "/api/v1/admin/users", admin, {{"name", 42}});
  EXPECT_EQ(wrong_type["error"]["message"].get<std::string>().rfind("name:", 0), 0u) << wrong_type;
  auto invalid_utf8 = call("POST", "/api/v1/admin/users", admin, "{\"name\": \"\xff\xfe\"}");
  ASSERT_TRUE(invalid_utf8);
  EXPECT_EQ(invalid_utf8->status, 400);
  expect(400, "POST", "/api/v1/admin/policies", admin,
         {{"user", "alice"}, {"role", "x"}, {"managed", "WardAuditor"}});
  expect(400, "GET", "/api/v1/audit/events?limit=-3", admin);
}

// A body nested deeper than any request needs is refused before anything copies or dumps it (a
// policy document is dumped to be stored: 200,000 levels of it used to overflow the stack).
TEST_F(GatewayTest, DeeplyNestedBodiesGetA400AndTheServerCarriesOn) {
  const std::string admin = bootstrap();
  const int levels = 200'000;
  const std::string document = std::string(levels, '[') + std::string(levels, ']');
  auto deep = call("POST", "/api/v1/admin/policies", admin,
                   "{\"user\": \"alice\", \"document\": {\"Statement\": " + document + "}}");
  ASSERT_TRUE(deep);
  EXPECT_EQ(deep->status, 400);
  EXPECT_NE(deep->body.find("the request body nests more than 64 levels deep"), std::string::npos)
      << deep->body.substr(0, 300);
  expect(200, "GET", "/api/v1/me", admin);
}

TEST_F(GatewayTest, TheTiersQuotaAnswers429WithRetryAfter) {
  const std::string admin = bootstrap();
  auto moved =
      run_ward({"admin", "tenant", "set-tier", "default", "tiny", "--data-dir", data_dir()}, env());
  ASSERT_EQ(moved.exit_code, 0) << moved.err;
  for (int i = 0; i < 3; ++i) expect(200, "GET", "/api/v1/me", admin);
  auto limited = call("GET", "/api/v1/me", admin);
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->status, 429);
  const int retry_after = std::stoi(limited->get_header_value("Retry-After"));
  EXPECT_GT(retry_after, 0);
  EXPECT_LE(retry_after, 60);
  EXPECT_EQ(json::parse(limited->body)["error"]["code"], "resource_exhausted");
}

TEST_F(GatewayTest, TenantKeysAreAdministeredThroughTheApiAndKeyMaterialIsNeverLogged) {
  const std::string admin = bootstrap();
  const std::string bob = developer(admin, "bob");
  expect(403, "GET", "/api/v1/admin/keys", bob);
  expect(403, "POST", "/api/v1/admin/keys/rotate", bob, json::object());

  json fresh = expect(200, "GET", "/api/v1/admin/keys", admin);
  EXPECT_EQ(fresh["tenant"], "default");
  EXPECT_TRUE(fresh["versions"].empty()) << fresh;
  json rotated = expect(200, "POST", "/api/v1/admin/keys/rotate", admin, json::object());
  EXPECT_EQ(rotated["kek_version"], 1) << rotated;

  const std::string key = "7f3c9a1e5b2d8c4f6a0e1d3b5c7a9f2e4d6b8a0c1e3f5a7b9d2c4e6f8a1b3c5d";
  const std::string other = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  // The default tenant is on "free", which offers no BYOK.
  json refused = expect(412, "POST", "/api/v1/admin/keys/import", admin, {{"key", key}});
  EXPECT_NE(refused["error"]["message"].get<std::string>().find("does not offer"),
            std::string::npos)
      << refused;
  auto moved =
      run_ward({"admin", "tenant", "set-tier", "default", "pro", "--data-dir", data_dir()}, env());
  ASSERT_EQ(moved.exit_code, 0) << moved.err;
  expect(400, "POST", "/api/v1/admin/keys/import", admin, {{"key", "too short"}});
  json imported = expect(200, "POST", "/api/v1/admin/keys/import", admin, {{"key", key}});
  EXPECT_EQ(imported["kek_version"], 2) << imported;
  expect(200, "POST", "/api/v1/admin/keys/revoke", admin, json::object());
  json revoked = expect(200, "GET", "/api/v1/admin/keys", admin);
  EXPECT_EQ(revoked["versions"][1]["state"], "revoked") << revoked;
  EXPECT_FALSE(revoked["versions"][1]["material_present"].get<bool>()) << revoked;
  expect(400, "POST", "/api/v1/admin/keys/restore", admin, {{"key", other}});
  expect(200, "POST", "/api/v1/admin/keys/restore", admin, {{"key", key}});
  json rewrapped = expect(200, "POST", "/api/v1/admin/keys/rewrap", admin, json::object());
  EXPECT_EQ(rewrapped["kek_version"], 2) << rewrapped;

  json audited = events(admin, "action=ward:AdminKeys&limit=1000");
  std::set<std::string> operations;
  for (const json& e : audited) {
    if (e["params"].contains("operation")) operations.insert(e["params"]["operation"]);
  }
  EXPECT_EQ(operations, (std::set<std::string>{"import", "restore", "revoke", "rewrap", "rotate"}))
      << audited;
  EXPECT_EQ(audited.dump().find(key), std::string::npos);
  EXPECT_EQ(audited.dump().find(other), std::string::npos);
  ASSERT_EQ(server_->stop(SIGTERM), 0) << server_->err();
  EXPECT_EQ(server_->err().find(key), std::string::npos);
  EXPECT_EQ(server_->out().find(key), std::string::npos);
}

// `ward admin --server …`: the admin CLI through the API, checked against the data directory.
TEST_F(GatewayTest, TheAdminCliWorksThroughTheApiAsTheCaller) {
  const std::string admin_token = bootstrap();
  const fs::path token_file = dir_ / "admin.token";
  write_text(token_file, admin_token + "\n");
  ASSERT_EQ(::chmod(token_file.c_str(), 0600), 0);
  const std::string server = "https://localhost:" + std::to_string(port_);
  const std::string ca = data_dir() + "/tls/server.crt";
  auto remote = [&](std::vector<std::string> args, const std::string& token = "") {
    std::vector<std::string> full = {"admin", "--server", server, "--ca", ca};
    if (token.empty()) full.insert(full.end(), {"--token-file", token_file.string()});
    full.insert(full.end(), args.begin(), args.end());
    auto environment = env();
    if (!token.empty()) environment["WARD_TOKEN"] = token;
    return run_ward(full, environment);
  };

  auto created = remote({"user", "create", "carol"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_NE(created.out.find("created user carol"), std::string::npos) << created.out;
  auto attached = remote({"policy", "attach", "--user", "carol", "--managed", "WardAuditor"});
  ASSERT_EQ(attached.exit_code, 0) << attached.err;
  auto issued = remote({"token", "create", "--user", "carol", "--expires", "7d"});
  ASSERT_EQ(issued.exit_code, 0) << issued.err;
  const std::string carol = issued.out.substr(issued.out.rfind("ward_pat_"));
  const std::string carol_token = carol.substr(0, carol.find('\n'));
  EXPECT_EQ(expect(200, "GET", "/api/v1/me", carol_token)["user"], "carol");

  // What the API did is what the data directory holds.
  auto local = run_ward({"admin", "user", "list", "--json", "--data-dir", data_dir()}, env());
  ASSERT_EQ(local.exit_code, 0) << local.err;
  auto remote_list = remote({"user", "list", "--json"});
  ASSERT_EQ(remote_list.exit_code, 0) << remote_list.err;
  EXPECT_EQ(json::parse(local.out), json::parse(remote_list.out));

  // The caller's own policies decide: carol (an auditor) may not create users.
  auto refused = remote({"user", "create", "mallory"}, carol_token);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("/api/v1/admin/users"), std::string::npos) << refused.err;
  json denied = events(admin_token, "action=ward:AdminUsers&outcome=denied");
  ASSERT_FALSE(denied.empty());
  EXPECT_EQ(denied.back()["actor"]["token_id"], carol_token.substr(9, 16)) << denied;

  auto keys = remote({"keys", "rotate"});
  EXPECT_EQ(keys.exit_code, 0) << keys.err;
  EXPECT_NE(keys.out.find("tenant default: created"), std::string::npos) << keys.out;

  // Refusals that never reach the server.
  EXPECT_EQ(remote({"role", "create", "ops"}).exit_code, 1);
  EXPECT_EQ(remote({"user", "list", "--tenant", "acme"}).exit_code, 2);
  auto untrusted = run_ward(
      {"admin", "--server", server, "--token-file", token_file.string(), "user", "list"}, env());
  EXPECT_EQ(untrusted.exit_code, 1);
  EXPECT_NE(untrusted.err.find("certificate was refused"), std::string::npos) << untrusted.err;
  ASSERT_EQ(::chmod(token_file.c_str(), 0644), 0);
  auto exposed = remote({"user", "list"});
  EXPECT_EQ(exposed.exit_code, 1);
  EXPECT_NE(exposed.err.find("chmod 600"), std::string::npos) << exposed.err;
  EXPECT_EQ(exposed.err.find(admin_token), std::string::npos);
}

TEST_F(GatewayTest, TheLogStillVerifiesAfterTheServerStops) {
  const std::string admin = bootstrap();
  developer(admin, "bob");
  expect(401, "GET", "/api/v1/me");
  ASSERT_EQ(server_->stop(SIGTERM), 0) << server_->err();
  auto verified = run_ward({"audit", "verify", "--data-dir", data_dir()}, env());
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
}

}  // namespace
}  // namespace ward::test
