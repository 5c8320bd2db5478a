// The catalogue of actions, resource types and context keys; resource names; the managed
// policies; and that docs/policies.md documents all of them.

#include "gov/policy/catalogue.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "gov/policy/managed.h"
#include "gov/policy/parser.h"

namespace ward::gov {
namespace {

TEST(PolicyCatalogueTest, HasTheDocumentedActions) {
  for (const char* name : {"ward:Complete", "ward:Chat", "ward:Explain", "ward:Scan",
                           "ward:AgentRun", "ward:AgentExec", "ward:AuditRead", "ward:AuditExport",
                           "ward:AdminUsers", "ward:AdminTokens", "ward:AdminPolicies",
                           "ward:AdminKeys", "ward:AdminTenants", "ward:ManageCredentials"}) {
    const auto* action = find_policy_action(name);
    ASSERT_NE(action, nullptr) << name;
    EXPECT_EQ(action->name, name);
    EXPECT_FALSE(action->description.empty());
    // Every resource type an action names is catalogued.
    std::stringstream types{std::string(action->resource_types)};
    std::string type;
    while (std::getline(types, type, ',')) {
      type.erase(0, type.find_first_not_of(' '));
      EXPECT_NE(find_policy_resource_type(type), nullptr) << name << " names " << type;
    }
  }
  EXPECT_NE(find_policy_action("WARD:chat"), nullptr);
  EXPECT_EQ(find_policy_action("ward:Frobnicate"), nullptr);
}

TEST(PolicyCatalogueTest, FindsContextKeys) {
  EXPECT_EQ(find_policy_context_key("ward:sourceip")->type, ContextKeyType::kIp);
  EXPECT_EQ(find_policy_context_key("ward:PrincipalTag/team")->name, "ward:PrincipalTag/");
  EXPECT_EQ(find_policy_context_key("ward:PrincipalTag/"), nullptr);
  EXPECT_TRUE(find_policy_context_key("ward:PrincipalGroups")->multi_valued);
  EXPECT_EQ(find_policy_context_key("aws:SourceIp"), nullptr);
}

TEST(PolicyCatalogueTest, ParsesResourceNames) {
  auto workspace = parse_resource_name("ward:eu-west-2:acme:workspace/payments/api");
  ASSERT_TRUE(workspace.ok()) << workspace.error().to_string();
  EXPECT_EQ(workspace->region, "eu-west-2");
  EXPECT_EQ(workspace->tenant, "acme");
  EXPECT_EQ(workspace->type, "workspace");
  EXPECT_EQ(workspace->name, "payments/api");
  EXPECT_EQ(workspace->to_string(), "ward:eu-west-2:acme:workspace/payments/api");
  auto audit = parse_resource_name("ward:uk-south:acme.gov_uk-1:audit");
  ASSERT_TRUE(audit.ok());
  EXPECT_EQ(audit->name, "");
  EXPECT_EQ(audit->to_string(), "ward:uk-south:acme.gov_uk-1:audit");
  for (const char* bad :
       {"", "ward:", "arn:aws:s3:::x", "ward:eu-west-2", "ward:eu-west-2:acme",
        "ward:EU:acme:audit", "ward::acme:audit", "ward:eu:ac me:audit", "ward:eu:acme:audit/x",
        "ward:eu:acme:workspace", "ward:eu:acme:workspace/", "ward:eu:acme:workspace/a:b",
        "ward:eu:acme:nothing/x", "ward:eu:acme:workspace/a\tb"}) {
    auto parsed = parse_resource_name(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.error().code(), core::Code::kInvalidArgument);
    }
  }
}

TEST(PolicyCatalogueTest, ManagedPoliciesParseCleanly) {
  ASSERT_EQ(managed_policies().size(), 3u);
  for (const auto& info : managed_policies()) {
    PolicyParse parsed = parse_policy(info.document, std::string(info.name));
    EXPECT_TRUE(parsed.ok()) << info.name;
    EXPECT_TRUE(parsed.diagnostics.empty()) << info.name << ": " << parsed.diagnostics[0].message;
    auto policy = managed_policy(info.name);
    ASSERT_TRUE(policy.ok()) << info.name;
    EXPECT_EQ((*policy)->name, "managed:" + std::string(info.name));
    // Parsed once, shared afterwards.
    EXPECT_EQ(policy->get(), managed_policy("managed:" + std::string(info.name))->get());
  }
}

TEST(PolicyCatalogueTest, UnknownManagedPolicyListsTheKnownOnes) {
  auto missing = managed_policy("WardEverything");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), core::Code::kNotFound);
  EXPECT_EQ(missing.error().where(), "managed:WardEverything");
  EXPECT_NE(missing.error().message().find("WardDeveloperAccess, WardAuditor, WardAdministrator"),
            std::string::npos);
  EXPECT_FALSE(managed_policy("wardauditor").ok());  // names are case-sensitive
}

TEST(PolicyCatalogueTest, DocsListTheWholeCatalogue) {
  std::ifstream in(std::string(WARD_SOURCE_DIR) + "/docs/policies.md");
  ASSERT_TRUE(in) << "docs/policies.md is missing";
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string docs = buffer.str();
  const auto documented = [&docs](std::string_view name) {
    return docs.find("`" + std::string(name) + "`") != std::string::npos;
  };
  for (const auto& action : policy_actions()) EXPECT_TRUE(documented(action.name)) << action.name;
  for (const auto& type : policy_resource_types()) EXPECT_TRUE(documented(type.type)) << type.type;
  for (const auto& key : policy_context_keys()) {
    const std::string name =
        key.name == "ward:PrincipalTag/" ? "ward:PrincipalTag/NAME" : std::string(key.name);
    EXPECT_TRUE(documented(name)) << name;
  }
  for (const auto& info : managed_policies()) {
    EXPECT_TRUE(documented(info.name)) << info.name;
    // The document is shown verbatim.
    EXPECT_NE(docs.find(std::string(info.document)), std::string::npos) << info.name;
  }
}

}  // namespace
}  // namespace ward::gov
