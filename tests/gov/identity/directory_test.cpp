#include "gov/identity/directory.h"

#include <gtest/gtest.h>

#include "gov/identity/password.h"
#include "gov/identity/tokens.h"
#include "identity_fixture.h"

namespace ward::gov {
namespace {

using namespace std::chrono_literals;
using testing::IdentityFixture;

class IdentityDirectoryTest : public IdentityFixture {
 protected:
  Directory directory() { return Directory(*db_, clock_, options_); }

  std::int64_t count(const std::string& table) {
    auto tx = db_->begin({store::Access::kReadOnly, store::Durability::kNormal});
    EXPECT_TRUE(tx.ok());
    auto row = (*tx)->query_one("SELECT COUNT(*) AS n FROM " + table);
    EXPECT_TRUE(row.ok());
    return *(*row)->get_int("n");
  }
};

TEST_F(IdentityDirectoryTest, DefaultTenantIsCreatedOnFirstUseWithTheConfiguredRegion) {
  options_.default_region = "uk-south";
  Directory dir = directory();
  EXPECT_EQ(count("identity_tenants"), 0);
  auto tenant = dir.get_tenant(kDefaultTenant);
  WARD_ASSERT_OK(tenant);
  EXPECT_EQ(tenant->name, "default");
  EXPECT_EQ(tenant->region, "uk-south");
  EXPECT_FALSE(tenant->require_mfa);
  EXPECT_EQ(tenant->status, AccountStatus::kActive);
  // A user can be created without naming or creating a tenant.
  NewUser alice;
  alice.name = "alice";
  auto user = dir.create_user(alice);
  WARD_ASSERT_OK(user);
  EXPECT_EQ(user->tenant_name, "default");
  EXPECT_EQ(user->tenant_id, tenant->id);
  // Another Directory (another process) finds the same tenant rather than a second one.
  options_.default_region = "eu-west";
  auto again = directory().get_tenant(kDefaultTenant);
  WARD_ASSERT_OK(again);
  EXPECT_EQ(again->id, tenant->id);
  EXPECT_EQ(again->region, "uk-south");
  EXPECT_EQ(count("identity_tenants"), 1);
}

TEST_F(IdentityDirectoryTest, UserNamesAreUniqueWithinATenant) {
  Directory dir = directory();
  WARD_ASSERT_OK(dir.create_tenant("acme", "uk-south"));
  NewUser alice;
  alice.name = "alice";
  WARD_ASSERT_OK(dir.create_user(alice));
  auto duplicate = dir.create_user(alice);
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().code(), core::Code::kAlreadyExists);
  alice.tenant = "acme";
  auto other = dir.create_user(alice);
  WARD_ASSERT_OK(other);
  EXPECT_EQ(other->tenant_name, "acme");
  auto listed = dir.list_users("acme");
  WARD_ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 1u);
  auto duplicate_tenant = dir.create_tenant("acme", "eu-west");
  ASSERT_FALSE(duplicate_tenant.ok());
  EXPECT_EQ(duplicate_tenant.error().code(), core::Code::kAlreadyExists);
}

TEST_F(IdentityDirectoryTest, BadNamesAndUnknownTenantsAreRefused) {
  Directory dir = directory();
  for (std::string bad : {std::string(""), std::string("-alice"), std::string("al ice"),
                          std::string("al/ice"), std::string(65, 'a')}) {
    NewUser user;
    user.name = bad;
    auto created = dir.create_user(user);
    ASSERT_FALSE(created.ok()) << bad;
    EXPECT_EQ(created.error().code(), core::Code::kInvalidArgument);
  }
  NewUser elsewhere;
  elsewhere.name = "bob";
  elsewhere.tenant = "nowhere";
  auto created = dir.create_user(elsewhere);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code(), core::Code::kNotFound);
}

TEST_F(IdentityDirectoryTest, PasswordsAreStoredOnlyAsArgon2idHashes) {
  Directory dir = directory();
  NewUser alice;
  alice.name = "alice";
  alice.password = "a long secret passphrase";
  auto user = dir.create_user(alice);
  WARD_ASSERT_OK(user);
  EXPECT_TRUE(user->has_password);
  db_.reset();
  const std::string bytes = database_bytes();
  EXPECT_EQ(bytes.find("a long secret passphrase"), std::string::npos);
  EXPECT_NE(bytes.find("$argon2id$"), std::string::npos);
}

TEST_F(IdentityDirectoryTest, ShortPasswordsAreRefusedAndNothingIsCreated) {
  Directory dir = directory();
  NewUser alice;
  alice.name = "alice";
  alice.password = "too short";
  auto created = dir.create_user(alice);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code(), core::Code::kInvalidArgument);
  EXPECT_EQ(count("identity_users"), 0);
  // Setting and removing a password later.
  alice.password.reset();
  auto user = dir.create_user(alice);
  WARD_ASSERT_OK(user);
  EXPECT_FALSE(user->has_password);
  EXPECT_FALSE(dir.set_password("default", "alice", "short").ok());
  auto with = dir.set_password("default", "alice", "now a long enough one");
  WARD_ASSERT_OK(with);
  EXPECT_TRUE(with->has_password);
  auto without = dir.set_password("default", "alice", std::nullopt);
  WARD_ASSERT_OK(without);
  EXPECT_FALSE(without->has_password);
}

TEST_F(IdentityDirectoryTest, RolesAndGroupsMustExistAndAreListedOnTheUser) {
  Directory dir = directory();
  WARD_ASSERT_OK(dir.create_role("default", "developer", "writes code"));
  WARD_ASSERT_OK(dir.create_role("default", "auditor"));
  WARD_ASSERT_OK(dir.create_group("default", "platform"));
  NewUser alice;
  alice.name = "alice";
  alice.roles = {"developer", "auditor"};
  alice.groups = {"platform"};
  alice.tags = {{"team", "payments"}, {"cost-centre", "42"}};
  auto user = dir.create_user(alice);
  WARD_ASSERT_OK(user);
  EXPECT_EQ(user->roles, (std::vector<std::string>{"auditor", "developer"}));
  EXPECT_EQ(user->groups, (std::vector<std::string>{"platform"}));
  EXPECT_EQ(user->tags.at("team"), "payments");

  NewUser bob;
  bob.name = "bob";
  bob.roles = {"developer", "nonexistent"};
  auto refused = dir.create_user(bob);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), core::Code::kNotFound);
  EXPECT_NE(refused.error().message().find("ward admin role create"), std::string::npos);
  EXPECT_FALSE(dir.get_user("default", "bob").ok()) << "the failed create must roll back";

  auto duplicate_role = dir.create_role("default", "developer");
  ASSERT_FALSE(duplicate_role.ok());
  EXPECT_EQ(duplicate_role.error().code(), core::Code::kAlreadyExists);

  bob.roles.clear();
  WARD_ASSERT_OK(dir.create_user(bob));
  auto added = dir.add_user_to_group("default", "platform", "bob");
  WARD_ASSERT_OK(added);
  EXPECT_EQ(added->groups, (std::vector<std::string>{"platform"}));
  EXPECT_EQ(dir.add_user_to_group("default", "platform", "bob").error().code(),
            core::Code::kAlreadyExists);
  WARD_ASSERT_OK(dir.assign_role("default", "auditor", "bob"));
  auto removed = dir.remove_user_from_group("default", "platform", "bob");
  WARD_ASSERT_OK(removed);
  EXPECT_TRUE(removed->groups.empty());
  auto unassigned = dir.unassign_role("default", "auditor", "bob");
  WARD_ASSERT_OK(unassigned);
  EXPECT_TRUE(unassigned->roles.empty());

  auto roles = dir.list_roles("default");
  WARD_ASSERT_OK(roles);
  ASSERT_EQ(roles->size(), 2u);
  EXPECT_EQ((*roles)[1].description, "writes code");
  auto groups = dir.list_groups("default");
  WARD_ASSERT_OK(groups);
  EXPECT_EQ(groups->size(), 1u);
}

TEST_F(IdentityDirectoryTest, IdentityPoliciesComeFromTheUserTheirGroupsAndTheirRoles) {
  Directory dir = directory();
  WARD_ASSERT_OK(dir.create_role("default", "developer"));
  WARD_ASSERT_OK(dir.create_role("default", "admin"));
  WARD_ASSERT_OK(dir.create_group("default", "platform"));
  WARD_ASSERT_OK(dir.create_group("default", "finance"));
  NewUser alice;
  alice.name = "alice";
  alice.roles = {"developer"};
  alice.groups = {"platform"};
  WARD_ASSERT_OK(dir.create_user(alice));
  NewUser bob;
  bob.name = "bob";
  WARD_ASSERT_OK(dir.create_user(bob));

  const std::string doc =
      R"({ "Version": "2024-01-01",
           "Statement": [{"Effect": "Allow", "Action": "ward:Chat", "Resource": "*"}] })";
  WARD_ASSERT_OK(dir.attach_policy("default", PrincipalKind::kRole, "developer",
                                   PolicySource::managed("WardDeveloperAccess")));
  WARD_ASSERT_OK(dir.attach_policy("default", PrincipalKind::kGroup, "platform",
                                   PolicySource::inline_document(doc)));
  WARD_ASSERT_OK(dir.attach_policy("default", PrincipalKind::kUser, "alice",
                                   PolicySource::managed("WardAuditor")));
  // Not alice's: another user's, a group and a role she is not in.
  WARD_ASSERT_OK(dir.attach_policy("default", PrincipalKind::kUser, "bob",
                                   PolicySource::managed("WardAdministrator")));
  WARD_ASSERT_OK(dir.attach_policy("default", PrincipalKind::kGroup, "finance",
                                   PolicySource::managed("WardAdministrator")));
  WARD_ASSERT_OK(dir.attach_policy("default", PrincipalKind::kRole, "admin",
                                   PolicySource::managed("WardAdministrator")));

  auto policies = dir.identity_policies("default", "alice");
  WARD_ASSERT_OK(policies);
  ASSERT_EQ(policies->size(), 3u);
  EXPECT_EQ((*policies)[0].attached_to, PrincipalKind::kUser);
  EXPECT_EQ((*policies)[0].policy.managed_name.value_or(""), "WardAuditor");
  EXPECT_EQ((*policies)[1].attached_to, PrincipalKind::kGroup);
  EXPECT_EQ((*policies)[1].principal_name, "platform");
  ASSERT_TRUE((*policies)[1].policy.document.has_value());
  EXPECT_EQ(
      *(*policies)[1].policy.document,
      R"({"Statement":[{"Action":"ward:Chat","Effect":"Allow","Resource":"*"}],"Version":"2024-01-01"})");
  EXPECT_EQ((*policies)[2].attached_to, PrincipalKind::kRole);
  EXPECT_EQ((*policies)[2].policy.managed_name.value_or(""), "WardDeveloperAccess");

  // Membership changes are reflected at once.
  WARD_ASSERT_OK(dir.add_user_to_group("default", "finance", "alice"));
  auto more = dir.identity_policies("default", "alice");
  WARD_ASSERT_OK(more);
  EXPECT_EQ(more->size(), 4u);
  auto by_id = dir.identity_policies_for(dir.get_user("default", "alice")->id);
  WARD_ASSERT_OK(by_id);
  EXPECT_EQ(by_id->size(), 4u);

  // Detaching removes it.
  auto detached = dir.detach_policy("default", (*policies)[0].id);
  WARD_ASSERT_OK(detached);
  EXPECT_EQ(detached->policy.managed_name.value_or(""), "WardAuditor");
  EXPECT_EQ(dir.identity_policies("default", "alice")->size(), 3u);
  EXPECT_EQ(dir.detach_policy("default", (*policies)[0].id).error().code(), core::Code::kNotFound);
}

TEST_F(IdentityDirectoryTest, PolicyAttachmentsAreChecked) {
  Directory dir = directory();
  NewUser alice;
  alice.name = "alice";
  WARD_ASSERT_OK(dir.create_user(alice));
  auto bad_json = dir.attach_policy("default", PrincipalKind::kUser, "alice",
                                    PolicySource::inline_document("{\"Version\": "));
  ASSERT_FALSE(bad_json.ok());
  EXPECT_EQ(bad_json.error().code(), core::Code::kInvalidArgument);
  auto not_object = dir.attach_policy("default", PrincipalKind::kUser, "alice",
                                      PolicySource::inline_document("[1, 2]"));
  ASSERT_FALSE(not_object.ok());
  EXPECT_EQ(not_object.error().code(), core::Code::kInvalidArgument);
  // Well-formed JSON is not enough: the policy engine's grammar must accept the document.
  auto misspelt = dir.attach_policy(
      "default", PrincipalKind::kUser, "alice",
      PolicySource::inline_document(
          R"({"Version": "2024-01-01", "Statement": [{"Efect": "Allow", "Action": "ward:Chat", "Resource": "*"}]})"));
  ASSERT_FALSE(misspelt.ok());
  EXPECT_NE(misspelt.error().where().find("/Statement/0"), std::string::npos)
      << misspelt.error().to_string();
  auto unknown_managed = dir.attach_policy("default", PrincipalKind::kUser, "alice",
                                           PolicySource::managed("WardEverything"));
  ASSERT_FALSE(unknown_managed.ok());
  EXPECT_EQ(dir.identity_policies("default", "alice")->size(), 0u);
  auto neither = dir.attach_policy("default", PrincipalKind::kUser, "alice", PolicySource{});
  ASSERT_FALSE(neither.ok());
  auto missing = dir.attach_policy("default", PrincipalKind::kRole, "ghost",
                                   PolicySource::managed("WardAuditor"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), core::Code::kNotFound);
  WARD_ASSERT_OK(dir.attach_policy("default", PrincipalKind::kUser, "alice",
                                   PolicySource::managed("WardAuditor")));
  auto twice = dir.attach_policy("default", PrincipalKind::kUser, "alice",
                                 PolicySource::managed("WardAuditor"));
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code(), core::Code::kAlreadyExists);
  auto listed = dir.attached_policies("default", PrincipalKind::kUser, "alice");
  WARD_ASSERT_OK(listed);
  EXPECT_EQ(listed->size(), 1u);
}

TEST_F(IdentityDirectoryTest, TagsAndPermissionBoundaryRoundTrip) {
  Directory dir = directory();
  NewUser alice;
  alice.name = "alice";
  WARD_ASSERT_OK(dir.create_user(alice));
  auto tagged = dir.set_tags("default", "alice", {{"project", "apollo"}});
  WARD_ASSERT_OK(tagged);
  EXPECT_EQ(tagged->tags, (std::map<std::string, std::string>{{"project", "apollo"}}));
  EXPECT_FALSE(dir.set_tags("default", "alice", {{"bad key!", "x"}}).ok());
  auto bounded = dir.set_permission_boundary("default", "alice",
                                             PolicySource::inline_document(
                                                 R"({"Version": "2024-01-01", "Statement": [{"Effect": "Allow", "Action": "ward:*", "Resource": "*"}]})"));
  WARD_ASSERT_OK(bounded);
  ASSERT_TRUE(bounded->permission_boundary.has_value());
  EXPECT_EQ(bounded->permission_boundary->document.value_or(""),
            R"({"Statement":[{"Action":"ward:*","Effect":"Allow","Resource":"*"}],"Version":"2024-01-01"})");
  auto managed =
      dir.set_permission_boundary("default", "alice", PolicySource::managed("WardDeveloperAccess"));
  WARD_ASSERT_OK(managed);
  EXPECT_EQ(managed->permission_boundary->managed_name.value_or(""), "WardDeveloperAccess");
  EXPECT_FALSE(managed->permission_boundary->document.has_value());
  auto cleared = dir.set_permission_boundary("default", "alice", std::nullopt);
  WARD_ASSERT_OK(cleared);
  EXPECT_FALSE(cleared->permission_boundary.has_value());
}

TEST_F(IdentityDirectoryTest, DeletionIsScheduledRestorableAndPurgedAfterTheGracePeriod) {
  Directory dir = directory();
  NewUser alice;
  alice.name = "alice";
  alice.password = "a long secret passphrase";
  WARD_ASSERT_OK(dir.create_role("default", "developer"));
  alice.roles = {"developer"};
  WARD_ASSERT_OK(dir.create_user(alice));
  WARD_ASSERT_OK(dir.attach_policy("default", PrincipalKind::kUser, "alice",
                                   PolicySource::managed("WardAuditor")));
  Tokens tokens(*db_, clock_, options_);
  TokenRequest request;
  request.user = "alice";
  WARD_ASSERT_OK(tokens.create(request));

  auto scheduled = dir.schedule_user_deletion("default", "alice");
  WARD_ASSERT_OK(scheduled);
  EXPECT_EQ(scheduled->status, AccountStatus::kScheduledForDeletion);
  ASSERT_TRUE(scheduled->deletion_due.has_value());
  EXPECT_EQ(*scheduled->deletion_due, clock_.now() + std::chrono::days(30));
  EXPECT_EQ(dir.schedule_user_deletion("default", "alice").error().code(),
            core::Code::kFailedPrecondition);

  auto restored = dir.restore_user("default", "alice");
  WARD_ASSERT_OK(restored);
  EXPECT_EQ(restored->status, AccountStatus::kActive);
  EXPECT_FALSE(restored->deletion_due.has_value());
  EXPECT_EQ(dir.restore_user("default", "alice").error().code(), core::Code::kFailedPrecondition);

  WARD_ASSERT_OK(dir.schedule_user_deletion("default", "alice"));
  clock_.advance(std::chrono::days(30) - 1s);
  auto due = dir.list_due_for_deletion(clock_.now());
  WARD_ASSERT_OK(due);
  EXPECT_TRUE(due->empty());
  const std::string id = dir.get_user("default", "alice")->id;
  EXPECT_EQ(dir.purge_user(id).error().code(), core::Code::kFailedPrecondition);

  clock_.advance(1s);
  due = dir.list_due_for_deletion(clock_.now());
  WARD_ASSERT_OK(due);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].name, "alice");
  auto purged = dir.purge_user(id);
  WARD_ASSERT_OK(purged);
  EXPECT_EQ(purged->name, "alice");
  EXPECT_EQ(dir.get_user("default", "alice").error().code(), core::Code::kNotFound);
  EXPECT_EQ(count("identity_users"), 0);
  EXPECT_EQ(count("identity_tokens"), 0);
  EXPECT_EQ(count("identity_role_members"), 0);
  EXPECT_EQ(count("identity_policy_attachments"), 0);
  EXPECT_EQ(count("identity_roles"), 1) << "the role itself stays";
}

TEST_F(IdentityDirectoryTest, AnActiveUserIsNeverPurged) {
  Directory dir = directory();
  NewUser alice;
  alice.name = "alice";
  auto user = dir.create_user(alice);
  WARD_ASSERT_OK(user);
  clock_.advance(std::chrono::days(400));
  EXPECT_EQ(dir.purge_user(user->id).error().code(), core::Code::kFailedPrecondition);
  EXPECT_EQ(dir.purge_user("no-such-id").error().code(), core::Code::kNotFound);
}

TEST_F(IdentityDirectoryTest, TenantsCanRequireMfaAndBeTerminated) {
  Directory dir = directory();
  auto acme = dir.create_tenant("acme", "eu-west");
  WARD_ASSERT_OK(acme);
  auto required = dir.set_require_mfa("acme", true);
  WARD_ASSERT_OK(required);
  EXPECT_TRUE(required->require_mfa);
  NewUser alice;
  alice.tenant = "acme";
  alice.name = "alice";
  WARD_ASSERT_OK(dir.create_user(alice));

  auto scheduled = dir.schedule_tenant_deletion("acme", std::chrono::days(7));
  WARD_ASSERT_OK(scheduled);
  EXPECT_EQ(scheduled->status, AccountStatus::kScheduledForDeletion);
  alice.name = "bob";
  EXPECT_EQ(dir.create_user(alice).error().code(), core::Code::kFailedPrecondition);
  WARD_ASSERT_OK(dir.restore_tenant("acme"));
  WARD_ASSERT_OK(dir.schedule_tenant_deletion("acme", std::chrono::days(7)));
  EXPECT_EQ(dir.purge_tenant(acme->id).error().code(), core::Code::kFailedPrecondition);
  clock_.advance(std::chrono::days(7));
  auto due = dir.list_tenants_due_for_deletion(clock_.now());
  WARD_ASSERT_OK(due);
  ASSERT_EQ(due->size(), 1u);
  WARD_ASSERT_OK(dir.purge_tenant(acme->id));
  EXPECT_EQ(dir.get_tenant("acme").error().code(), core::Code::kNotFound);
  EXPECT_EQ(count("identity_users"), 0);
}

}  // namespace
}  // namespace ward::gov
