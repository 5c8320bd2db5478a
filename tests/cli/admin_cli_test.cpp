// `ward admin user|token|role|group|policy|tenant` through the real binary on a real data
// directory.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <thread>
#include <sstream>

#include "gov/identity/totp.h"
#include "support/test_support.h"

namespace ward::test {
namespace {

constexpr const char* kPassword = "a long secret passphrase";

class IdentityAdminCliTest : public ::testing::Test {
 protected:
  std::map<std::string, std::string> env() const { return {{"HOME", (dir_ / "home").string()}}; }

  ProcessResult ward(std::vector<std::string> args,
                     const std::optional<std::string>& stdin_text = std::nullopt) {
    args.insert(args.begin(), "admin");
    args.push_back("--data-dir");
    args.push_back((dir_ / "data").string());
    return run_ward(args, env(), {}, stdin_text);
  }

  // Runs a command that must succeed and returns its stdout.
  std::string ok(const std::vector<std::string>& args,
                 const std::optional<std::string>& stdin_text = std::nullopt) {
    auto result = ward(args, stdin_text);
    EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
    return result.out;
  }

  std::string database_bytes() const {
    return read_text(dir_ / "data" / "ward.db") + read_text(dir_ / "data" / "ward.db-wal");
  }

  static std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }

  TempDir dir_;
};

TEST_F(IdentityAdminCliTest, AFreshInstallationHasNothingToListAndNeedsNoTenant) {
  auto tokens = ward({"token", "list"});
  EXPECT_EQ(tokens.exit_code, 0) << tokens.err;
  EXPECT_EQ(lines(tokens.out).size(), 1u) << tokens.out;  // the header only
  EXPECT_EQ(ok({"token", "list", "--json"}), "[]\n");
  auto unknown = ward({"token", "create", "--user", "alice"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("ward admin user create"), std::string::npos) << unknown.err;
  EXPECT_EQ(ok({"user", "list", "--json"}), "[]\n");
}

TEST_F(IdentityAdminCliTest, CreatesAUserWithAPasswordFromStandardInput) {
  ok({"role", "create", "developer"});
  const std::string out = ok({"user", "create", "alice", "--role", "developer", "--password-stdin"},
                             std::string(kPassword) + "\n");
  EXPECT_NE(out.find("created user alice (roles: developer; groups: -; password: set)"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find(kPassword), std::string::npos);

  auto listed = nlohmann::json::parse(ok({"user", "list", "--json"}));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["name"], "alice");
  EXPECT_EQ(listed[0]["tenant"], "default");
  EXPECT_EQ(listed[0]["status"], "active");
  EXPECT_EQ(listed[0]["has_password"], true);
  EXPECT_EQ(listed[0]["mfa"], false);
  EXPECT_EQ(listed[0]["roles"], nlohmann::json::array({"developer"}));

  const std::string table = ok({"user", "list"});
  EXPECT_NE(table.find("alice"), std::string::npos) << table;
  EXPECT_NE(table.find("developer"), std::string::npos) << table;

  const std::string bytes = database_bytes();
  EXPECT_EQ(bytes.find(kPassword), std::string::npos);
  EXPECT_NE(bytes.find("$argon2id$v=19$m=65536,t=2,p=1$"), std::string::npos);
}

TEST_F(IdentityAdminCliTest, ShortOrMissingPasswordsAreRefusedWithoutEcho) {
  auto short_one = ward({"user", "create", "alice", "--password-stdin"}, std::string("tiny pw\n"));
  EXPECT_EQ(short_one.exit_code, 1);
  EXPECT_NE(short_one.err.find("shorter than 12 characters"), std::string::npos) << short_one.err;
  EXPECT_EQ(short_one.err.find("tiny pw"), std::string::npos);
  EXPECT_EQ(short_one.out.find("tiny pw"), std::string::npos);
  auto empty = ward({"user", "create", "alice", "--password-stdin"});
  EXPECT_EQ(empty.exit_code, 1);
  EXPECT_NE(empty.err.find("standard input"), std::string::npos) << empty.err;
  EXPECT_EQ(nlohmann::json::parse(ok({"user", "list", "--json"})).size(), 0u);
  auto unknown_role = ward({"user", "create", "alice", "--role", "ghost"});
  EXPECT_EQ(unknown_role.exit_code, 1);
  EXPECT_NE(unknown_role.err.find("ward admin role create"), std::string::npos) << unknown_role.err;
}

TEST_F(IdentityAdminCliTest, TokenIsPrintedOnceAloneOnTheLastLineListedWithoutItAndRevoked) {
  ok({"user", "create", "bob"});
  const std::string out = ok({"token", "create", "--user", "bob", "--expires", "30d"});
  const auto out_lines = lines(out);
  ASSERT_GE(out_lines.size(), 2u) << out;
  const std::string token = out_lines.back();
  std::smatch match;
  ASSERT_TRUE(std::regex_match(token, match, std::regex("ward_pat_([0-9a-f]{16})_[0-9a-f]{64}")))
      << out;
  const std::string id = match[1];
  EXPECT_NE(out.find("token id:       " + id), std::string::npos) << out;
  EXPECT_NE(out.find("user:           bob"), std::string::npos) << out;

  const std::string listed = ok({"token", "list"});
  EXPECT_NE(listed.find(id), std::string::npos) << listed;
  EXPECT_NE(listed.find("active"), std::string::npos) << listed;
  EXPECT_EQ(listed.find(token), std::string::npos);
  EXPECT_EQ(listed.find(token.substr(26)), std::string::npos) << "no part of the secret";
  auto json = nlohmann::json::parse(ok({"token", "list", "--user", "bob", "--json"}));
  ASSERT_EQ(json.size(), 1u);
  EXPECT_EQ(json[0]["id"], id);
  EXPECT_EQ(json[0]["state"], "active");
  EXPECT_EQ(json[0].dump().find(token.substr(26)), std::string::npos);
  EXPECT_EQ(database_bytes().find(token.substr(26)), std::string::npos);

  const std::string revoked = ok({"token", "revoke", id});
  EXPECT_NE(revoked.find("revoked API token " + id + " of user bob"), std::string::npos) << revoked;
  EXPECT_EQ(nlohmann::json::parse(ok({"token", "list", "--json"}))[0]["state"], "revoked");
  auto again = ward({"token", "revoke", id});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("revoked already"), std::string::npos) << again.err;
}

TEST_F(IdentityAdminCliTest, TokenOptionsAreChecked) {
  ok({"user", "create", "bob"});
  write_text(
      dir_ / "scope.json",
      R"({"Version": "2024-01-01", "Statement": [{"Effect": "Allow", "Action": "ward:Complete", "Resource": "*"}]})");
  const std::string out =
      ok({"token", "create", "--user", "bob", "--session-policy", (dir_ / "scope.json").string()});
  EXPECT_NE(out.find("session policy: " + (dir_ / "scope.json").string()), std::string::npos)
      << out;
  EXPECT_EQ(nlohmann::json::parse(ok({"token", "list", "--json"}))[0]["session_policy"], true);

  auto too_long = ward({"token", "create", "--user", "bob", "--expires", "400d"});
  EXPECT_EQ(too_long.exit_code, 1);
  EXPECT_NE(too_long.err.find("at most 365 days"), std::string::npos) << too_long.err;
  auto bad_duration = ward({"token", "create", "--user", "bob", "--expires", "soon"});
  EXPECT_EQ(bad_duration.exit_code, 1);
  EXPECT_NE(bad_duration.err.find("30d, 12h"), std::string::npos) << bad_duration.err;
  auto no_user = ward({"token", "create"});
  EXPECT_EQ(no_user.exit_code, 2);
  auto unknown_user = ward({"token", "create", "--user", "carol"});
  EXPECT_EQ(unknown_user.exit_code, 1);
  auto missing_file = ward(
      {"token", "create", "--user", "bob", "--session-policy", (dir_ / "missing.json").string()});
  EXPECT_EQ(missing_file.exit_code, 1);
}

TEST_F(IdentityAdminCliTest, DeletionIsScheduledAndCanBeUndone) {
  ok({"user", "create", "alice"});
  const std::string out = ok({"user", "delete", "alice"});
  EXPECT_NE(out.find("scheduled user alice for deletion on "), std::string::npos) << out;
  EXPECT_NE(out.find("ward admin user restore alice"), std::string::npos) << out;
  auto listed = nlohmann::json::parse(ok({"user", "list", "--json"}));
  EXPECT_EQ(listed[0]["status"], "scheduled_for_deletion");
  EXPECT_TRUE(listed[0]["deletion_due"].is_string());
  EXPECT_NE(ok({"user", "list"}).find("deletion due"), std::string::npos);
  auto token = ward({"token", "create", "--user", "alice"});
  EXPECT_EQ(token.exit_code, 1) << "no tokens for a user being deleted";
  EXPECT_NE(ok({"user", "restore", "alice"}).find("restored user alice"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(ok({"user", "list", "--json"}))[0]["status"], "active");
  ok({"token", "create", "--user", "alice"});
  auto not_scheduled = ward({"user", "restore", "alice"});
  EXPECT_EQ(not_scheduled.exit_code, 1);
}

TEST_F(IdentityAdminCliTest, GroupsRolesAndPolicyAttachments) {
  ok({"user", "create", "alice"});
  ok({"group", "create", "platform"});
  EXPECT_NE(
      ok({"group", "add-user", "platform", "alice"}).find("added user alice to group platform"),
      std::string::npos);
  ok({"role", "create", "auditor", "--description", "reads the audit log"});
  ok({"role", "add-user", "auditor", "alice"});
  auto user = nlohmann::json::parse(ok({"user", "list", "--json"}))[0];
  EXPECT_EQ(user["groups"], nlohmann::json::array({"platform"}));
  EXPECT_EQ(user["roles"], nlohmann::json::array({"auditor"}));

  const std::string attached =
      ok({"policy", "attach", "--group", "platform", "--managed", "WardDeveloperAccess"});
  EXPECT_NE(attached.find("attached managed policy WardDeveloperAccess to group platform"),
            std::string::npos)
      << attached;
  write_text(dir_ / "policy.json",
             R"({"Version": "2024-01-01", "Statement": [{"Effect": "Deny", "Action": "ward:AgentExec", "Resource": "*"}]})");
  ok({"policy", "attach", "--user", "alice", "--file", (dir_ / "policy.json").string()});
  const std::string listed = ok({"policy", "list", "--user", "alice"});
  EXPECT_NE(listed.find("ward:AgentExec"), std::string::npos) << listed;

  auto neither = ward({"policy", "attach", "--user", "alice"});
  EXPECT_EQ(neither.exit_code, 2);
  auto both = ward({"policy", "attach", "--user", "alice", "--managed", "WardAuditor", "--file",
                    (dir_ / "policy.json").string()});
  EXPECT_EQ(both.exit_code, 2);
  auto nobody = ward({"policy", "attach", "--managed", "WardAuditor"});
  EXPECT_EQ(nobody.exit_code, 2);
  write_text(dir_ / "broken.json", "{\"Statement\": ");
  auto broken =
      ward({"policy", "attach", "--role", "auditor", "--file", (dir_ / "broken.json").string()});
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_NE(broken.err.find("not valid JSON"), std::string::npos) << broken.err;
}

TEST_F(IdentityAdminCliTest, TenantsAreOptionalButAvailable) {
  const std::string tenants = ok({"tenant", "list"});
  EXPECT_NE(tenants.find("default"), std::string::npos) << tenants;
  EXPECT_NE(tenants.find("local"), std::string::npos) << tenants;
  ok({"tenant", "create", "acme", "--region", "uk-south", "--require-mfa"});
  ok({"user", "create", "alice", "--tenant", "acme"});
  EXPECT_EQ(nlohmann::json::parse(ok({"user", "list", "--json"})).size(), 0u);
  auto acme = nlohmann::json::parse(ok({"user", "list", "--tenant", "acme", "--json"}));
  ASSERT_EQ(acme.size(), 1u);
  EXPECT_EQ(acme[0]["tenant"], "acme");
  EXPECT_NE(
      ok({"tenant", "require-mfa", "acme", "off"}).find("MFA is now optional for tenant acme"),
      std::string::npos);
}

TEST_F(IdentityAdminCliTest, TenantsMoveBetweenTheConfiguredTiers) {
  ok({"tenant", "create", "acme"});
  EXPECT_NE(ok({"tenant", "list"}).find("free"), std::string::npos);
  EXPECT_NE(ok({"tenant", "set-tier", "acme", "pro"}).find("tenant acme is now on tier pro"),
            std::string::npos);
  const std::string listed = ok({"tenant", "list"});
  EXPECT_NE(listed.find("acme"), std::string::npos);
  EXPECT_NE(listed.find("pro"), std::string::npos) << listed;
  // Only a tier profile the configuration knows may be assigned.
  auto unknown = ward({"tenant", "set-tier", "acme", "platinum"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("platinum"), std::string::npos) << unknown.err;
  EXPECT_NE(ok({"tenant", "list"}).find("pro"), std::string::npos);
}

TEST_F(IdentityAdminCliTest, GuardrailsAreAttachedToTheTenant) {
  ok({"tenant", "create", "acme"});
  const std::string attached =
      ok({"policy", "attach", "--guardrail", "--tenant", "acme", "--managed", "WardAuditor"});
  EXPECT_NE(attached.find("attached managed policy WardAuditor to tenant acme"), std::string::npos)
      << attached;
  EXPECT_NE(ok({"policy", "list", "--guardrail", "--tenant", "acme"}).find("WardAuditor"),
            std::string::npos);
  // The default tenant has no guardrails; acme's is not visible there.
  EXPECT_EQ(ok({"policy", "list", "--guardrail"}), "");
  auto both = ward({"policy", "attach", "--guardrail", "--role", "x", "--managed", "WardAuditor"});
  EXPECT_EQ(both.exit_code, 2) << both.err;
}

TEST_F(IdentityAdminCliTest, MfaEnrolmentSealsTheSeedAndConfirmsWithACode) {
  ok({"user", "create", "alice"});
  std::string enrolled = ok({"user", "mfa", "enroll", "alice"});
  std::smatch secret;
  ASSERT_TRUE(std::regex_search(enrolled, secret, std::regex("otpauth://totp/[^\\s]*secret=([A-Z2-7]+)")))
      << enrolled;
  EXPECT_EQ(nlohmann::json::parse(ok({"user", "list", "--json"}))[0]["mfa"], false);
  auto seed = gov::base32_decode(secret[1].str());
  ASSERT_TRUE(seed.ok());
  // The seed is stored sealed by the keyring, never in clear.
  const std::string raw_seed(seed->view().begin(), seed->view().end());
  EXPECT_EQ(database_bytes().find(raw_seed), std::string::npos);
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  auto code = gov::totp_code(seed->view(), gov::TotpAlgorithm::kSha1, now);
  ASSERT_TRUE(code.ok());
  ok({"user", "mfa", "confirm", "alice", *code});
  EXPECT_EQ(nlohmann::json::parse(ok({"user", "list", "--json"}))[0]["mfa"], true);
}

TEST_F(IdentityAdminCliTest, EveryAdminCommandIsAuditedAndFailuresTooAndTheChainVerifies) {
  ok({"user", "create", "alice"});
  EXPECT_EQ(ward({"user", "create", "alice"}).exit_code, 1);  // exists already
  auto events = run_ward({"--data-dir", (dir_ / "data").string(), "audit", "query", "--json",
                          "--action", "ward:AdminUsers"},
                         env());
  ASSERT_EQ(events.exit_code, 0) << events.err;
  auto parsed = nlohmann::json::parse(events.out);
  ASSERT_EQ(parsed.size(), 3u) << events.out;  // allowed, allowed, then the failure
  EXPECT_EQ(parsed[0]["params"]["command"], "user create");
  EXPECT_EQ(parsed[0]["outcome"], "allowed");
  EXPECT_EQ(parsed[0]["actor"]["auth_method"], "local");
  EXPECT_EQ(parsed[2]["outcome"], "error");
  EXPECT_EQ(parsed[2]["error_code"], "already_exists");
  auto verified = run_ward({"--data-dir", (dir_ / "data").string(), "audit", "verify"}, env());
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
}

TEST_F(IdentityAdminCliTest, RetentionRunPurgesOnlyWhatIsDue) {
  ok({"user", "create", "alice"});
  ok({"user", "create", "bob"});
  ok({"user", "delete", "alice", "--grace", "1s"});
  ok({"user", "delete", "bob"});  // the default 30 days
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  std::string purged = ok({"retention", "run"});
  EXPECT_NE(purged.find("purged user"), std::string::npos) << purged;
  auto users = nlohmann::json::parse(ok({"user", "list", "--json"}));
  ASSERT_EQ(users.size(), 1u);
  EXPECT_EQ(users[0]["name"], "bob");
  EXPECT_EQ(ok({"retention", "run"}), "nothing is due for deletion\n");
  auto verified = run_ward({"--data-dir", (dir_ / "data").string(), "audit", "verify"}, env());
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
}

}  // namespace
}  // namespace ward::test
