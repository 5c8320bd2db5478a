// `ward policy` through the real binary: validate and simulate, no data directory needed.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/test_support.h"

namespace ward::test {
namespace {

class PolicyCliTest : public ::testing::Test {
 protected:
  std::map<std::string, std::string> env() const { return {{"HOME", (dir_ / "home").string()}}; }
  std::string write(const std::string& name, const std::string& text) {
    write_text(dir_ / name, text);
    return (dir_ / name).string();
  }
  ProcessResult ward(const std::vector<std::string>& args) {
    return run_ward(args, env(), dir_.path());
  }
  nlohmann::json simulate_json(std::vector<std::string> args) {
    args.insert(args.begin(), {"policy", "simulate"});
    args.push_back("--json");
    auto result = ward(args);
    EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
    auto json = nlohmann::json::parse(result.out, nullptr, false);
    EXPECT_FALSE(json.is_discarded()) << result.out;
    return json;
  }
  TempDir dir_;
};

const std::string kWorkspace = "ward:eu-west-2:acme:workspace/payments";

const std::string kGood = R"({"Version": "2024-01-01", "Statement": [
  {"Sid": "Chat", "Effect": "Allow", "Action": ["ward:Chat", "ward:Complete"], "Resource": "ward:*:acme:workspace/*"},
  {"Sid": "FromOffice", "Effect": "Allow", "Action": "ward:Scan", "Resource": "*",
   "Condition": {"IpAddress": {"ward:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]}}}]})";

TEST_F(PolicyCliTest, ValidateAcceptsAGoodPolicy) {
  const auto file = write("good.json", kGood);
  auto result = ward({"policy", "validate", file});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(result.out, file + ": ok\n");
  // No data directory is created.
  EXPECT_FALSE(std::filesystem::exists(dir_ / "home"));
}

TEST_F(PolicyCliTest, ValidateReportsEveryErrorOfEveryFileWithItsPath) {
  const auto good = write("good.json", kGood);
  const auto bad = write("bad.json", R"({"Version": "2024-01-01", "Statement": [
    {"Effect": "allow", "Action": "ward:Chta", "Resource": "*"},
    {"Effect": "Allow", "Action": "*", "Resource": "*",
     "Condition": {"IpAddress": {"ward:SourceIp": "10.0.0.0/33"}, "Bool": {"acme:flag": "true"}}}]})");
  const auto broken = write("broken.json", "{\"Version\": ");
  auto result = ward({"policy", "validate", good, bad, broken});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_NE(result.out.find(good + ": ok\n"), std::string::npos) << result.out;
  EXPECT_NE(
      result.out.find(bad + "#/Statement/0/Effect: error: Effect must be \"Allow\" or \"Deny\""),
      std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find(bad + "#/Statement/0/Action: error: \"ward:Chta\" is not an action"),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find(bad + "#/Statement/1/Condition/IpAddress/ward:SourceIp: error: "),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find(bad + "#/Statement/1/Condition/Bool/acme:flag: warning: "),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find(bad + ": 3 errors, 1 warning\n"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find(broken + "#: error: the policy is not valid JSON"), std::string::npos)
      << result.out;
}

TEST_F(PolicyCliTest, ValidateJson) {
  const auto bad = write(
      "bad.json", R"({"Version": "2024-01-01", "Statement": {"Effect": "Allow", "Action": "*"}})");
  auto result = ward({"policy", "validate", "--json", bad});
  EXPECT_EQ(result.exit_code, 1);
  auto json = nlohmann::json::parse(result.out);
  ASSERT_EQ(json.size(), 1u);
  EXPECT_EQ(json[0]["file"], bad);
  EXPECT_EQ(json[0]["valid"], false);
  ASSERT_EQ(json[0]["diagnostics"].size(), 1u);
  EXPECT_EQ(json[0]["diagnostics"][0]["severity"], "error");
  EXPECT_EQ(json[0]["diagnostics"][0]["path"], "/Statement/Resource");
}

TEST_F(PolicyCliTest, ValidateAMissingFileFails) {
  auto result = ward({"policy", "validate", (dir_ / "nope.json").string()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("ward: error: " + (dir_ / "nope.json").string() +
                            ": cannot read the policy file"),
            std::string::npos)
      << result.err;
}

TEST_F(PolicyCliTest, ValidateNeedsAFile) {
  EXPECT_EQ(ward({"policy", "validate"}).exit_code, 2);
  EXPECT_EQ(ward({"policy"}).exit_code, 2);
}

TEST_F(PolicyCliTest, SimulateAllowsWithAManagedPolicy) {
  auto json = simulate_json({"--policy", "managed:WardDeveloperAccess", "--action", "ward:Chat",
                             "--resource", kWorkspace, "--principal", "alice", "--tenant", "acme"});
  EXPECT_EQ(json["decision"], "allow");
  EXPECT_EQ(json["matched"], nlohmann::json::array({"UseTheAssistantInOwnTenant"}));
  EXPECT_EQ(json["statements"][0]["policy"], "managed:WardDeveloperAccess");
  EXPECT_EQ(json["statements"][0]["layer"], "identity");
  EXPECT_TRUE(json["problems"].empty());
}

TEST_F(PolicyCliTest, SimulateImplicitDenyWithoutAllow) {
  auto json = simulate_json({"--policy", "managed:WardDeveloperAccess", "--action",
                             "ward:AdminUsers", "--resource", "ward:eu-west-2:acme:user/bob",
                             "--principal", "alice", "--tenant", "acme"});
  EXPECT_EQ(json["decision"], "implicit_deny");
  EXPECT_EQ(json["matched"], nlohmann::json::array());
}

TEST_F(PolicyCliTest, SimulateExplicitDenyFromAGuardrail) {
  const auto policy = write("dev.json", kGood);
  const auto guardrail = write("guard.json", R"({"Version": "2024-01-01", "Statement": [
    {"Sid": "FullAccess", "Effect": "Allow", "Action": "*", "Resource": "*"},
    {"Sid": "EuOnly", "Effect": "Deny", "Action": "*", "Resource": "*",
     "Condition": {"StringNotLike": {"ward:RequestedRegion": ["eu-*", "uk-*"]}}}]})");
  auto json =
      simulate_json({"--policy", policy, "--guardrail", guardrail, "--action", "ward:Chat",
                     "--resource", kWorkspace, "--context", "ward:RequestedRegion=us-east-1"});
  EXPECT_EQ(json["decision"], "explicit_deny");
  EXPECT_EQ(json["matched"], nlohmann::json::array({"EuOnly"}));
  json = simulate_json({"--policy", policy, "--guardrail", guardrail, "--action", "ward:Chat",
                        "--resource", kWorkspace, "--context", "ward:RequestedRegion=eu-west-2"});
  EXPECT_EQ(json["decision"], "allow");
  EXPECT_EQ(json["matched"], nlohmann::json::array({"FullAccess", "Chat"}));
}

TEST_F(PolicyCliTest, SimulateUsesContextKeys) {
  const auto policy = write("dev.json", kGood);
  auto inside = simulate_json({"--policy", policy, "--action", "ward:Scan", "--resource",
                               kWorkspace, "--context", "ward:SourceIp=2001:db8::7"});
  EXPECT_EQ(inside["decision"], "allow");
  EXPECT_EQ(inside["matched"], nlohmann::json::array({"FromOffice"}));
  auto outside = simulate_json({"--policy", policy, "--action", "ward:Scan", "--resource",
                                kWorkspace, "--context", "ward:SourceIp=203.0.113.9"});
  EXPECT_EQ(outside["decision"], "implicit_deny");
}

TEST_F(PolicyCliTest, SimulateBoundaryAndSession) {
  const auto boundary = write("boundary.json", R"({"Version": "2024-01-01", "Statement":
    {"Sid": "AssistantOnly", "Effect": "Allow", "Action": ["ward:Chat", "ward:Complete", "ward:AgentRun"], "Resource": "*"}})");
  const auto session = write("token.json", R"({"Version": "2024-01-01", "Statement":
    {"Sid": "CompletionsOnly", "Effect": "Allow", "Action": "ward:Complete", "Resource": "*"}})");
  const std::vector<std::string> base = {"--policy",    "managed:WardAdministrator",
                                         "--boundary",  boundary,
                                         "--session",   session,
                                         "--principal", "root",
                                         "--tenant",    "acme",
                                         "--resource",  kWorkspace};
  auto with_action = [&base](const std::string& action) {
    auto args = base;
    args.insert(args.end(), {"--action", action});
    return args;
  };
  auto complete = simulate_json(with_action("ward:Complete"));
  EXPECT_EQ(complete["decision"], "allow");
  EXPECT_EQ(complete["matched"],
            nlohmann::json::array({"AssistantOnly", "CompletionsOnly", "EverythingInOwnTenant"}));
  EXPECT_EQ(simulate_json(with_action("ward:Chat"))["decision"],
            "implicit_deny");  // the session limits
  EXPECT_EQ(simulate_json(with_action("ward:AdminKeys"))["decision"],
            "implicit_deny");  // the boundary limits
}

TEST_F(PolicyCliTest, SimulatePrincipalTagsAndMissingVariables) {
  const auto policy = write("team.json", R"({"Version": "2024-01-01", "Statement":
    {"Sid": "TeamWorkspace", "Effect": "Allow", "Action": "ward:Chat", "Resource": "ward:*:*:workspace/${ward:PrincipalTag/team}"}})");
  auto tagged = simulate_json({"--policy", policy, "--action", "ward:Chat", "--resource",
                               kWorkspace, "--principal-tag", "team=payments"});
  EXPECT_EQ(tagged["decision"], "allow");
  auto untagged =
      simulate_json({"--policy", policy, "--action", "ward:Chat", "--resource", kWorkspace});
  EXPECT_EQ(untagged["decision"], "implicit_deny");
  ASSERT_EQ(untagged["problems"].size(), 1u);
  EXPECT_EQ(untagged["problems"][0]["where"], policy + "#/Statement/Resource");
}

TEST_F(PolicyCliTest, SimulateReadableOutput) {
  auto result =
      ward({"policy", "simulate", "--policy", "managed:WardAuditor", "--action", "ward:AuditRead",
            "--resource", "ward:eu-west-2:acme:audit", "--tenant", "acme", "--principal", "ann"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("decision: allow\n"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("identity   managed:WardAuditor  ReadAndExportTheAuditLog (Allow)"),
            std::string::npos)
      << result.out;
}

TEST_F(PolicyCliTest, SimulateRefusesAnInvalidPolicy) {
  const auto bad = write(
      "bad.json",
      R"({"Version": "2024-01-01", "Statement": {"Effect": "Allow", "Action": "ward:Nope", "Resource": "*"}})");
  auto result = ward({"policy", "simulate", "--policy", bad, "--action", "ward:Chat", "--resource",
                      kWorkspace, "--json"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_TRUE(result.out.empty()) << result.out;
  EXPECT_NE(result.err.find("ward: error: " + bad + "#/Statement/Action: "), std::string::npos)
      << result.err;
  auto unknown = ward({"policy", "simulate", "--policy", "managed:Nope", "--action", "ward:Chat",
                       "--resource", kWorkspace});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("ward: error: managed:Nope: Ward has no managed policy"),
            std::string::npos)
      << unknown.err;
}

TEST_F(PolicyCliTest, SimulateUsageErrors) {
  // --action and --resource are required.
  EXPECT_EQ(
      ward({"policy", "simulate", "--policy", "managed:WardAuditor", "--resource", kWorkspace})
          .exit_code,
      2);
  EXPECT_EQ(ward({"policy", "simulate", "--policy", "managed:WardAuditor", "--action", "ward:Chat"})
                .exit_code,
            2);
  auto context = ward({"policy", "simulate", "--action", "ward:Chat", "--resource", kWorkspace,
                       "--context", "novalue"});
  EXPECT_EQ(context.exit_code, 2);
  EXPECT_NE(context.err.find("KEY=VALUE"), std::string::npos) << context.err;
  auto resource =
      ward({"policy", "simulate", "--action", "ward:Chat", "--resource", "arn:aws:s3:::bucket"});
  EXPECT_EQ(resource.exit_code, 2);
  EXPECT_NE(resource.err.find("ward: error: resource: "), std::string::npos) << resource.err;
}

TEST_F(PolicyCliTest, ManagedListsAndPrints) {
  auto list = ward({"policy", "managed"});
  EXPECT_EQ(list.exit_code, 0);
  for (const char* name : {"WardDeveloperAccess", "WardAuditor", "WardAdministrator"}) {
    EXPECT_NE(list.out.find(name), std::string::npos) << list.out;
  }
  auto one = ward({"policy", "managed", "WardAuditor"});
  EXPECT_EQ(one.exit_code, 0);
  const auto printed = write("auditor.json", one.out);
  EXPECT_EQ(ward({"policy", "validate", printed}).exit_code, 0);
  EXPECT_EQ(ward({"policy", "managed", "Nope"}).exit_code, 1);
}

}  // namespace
}  // namespace ward::test
