// Just-in-time users for single sign-on.

#include "gov/identity/oidc_provisioner.h"

#include "identity_fixture.h"

namespace ward::gov::testing {
namespace {

class IdentityOidcProvisionerTest : public IdentityFixture {
 protected:
  OidcIdentity identity(std::string subject, std::string username,
                        std::vector<std::string> roles = {}) {
    OidcIdentity id;
    id.issuer = "https://login.example.org";
    id.subject = std::move(subject);
    id.preferred_username = std::move(username);
    id.roles = std::move(roles);
    return id;
  }
  IdentityOidcProvisioner provisioner() { return {*db_, clock_, "default", options_}; }
  Directory directory() { return Directory(*db_, clock_, options_); }
};

TEST_F(IdentityOidcProvisionerTest, FirstSignInCreatesTheUserAndLaterOnesFindIt) {
  auto sso = provisioner();
  auto first = sso.provision(identity("sub-1", "alice", {"developers"}));
  WARD_ASSERT_OK(first);
  EXPECT_EQ(first->username, "alice");
  EXPECT_EQ(first->roles, std::vector<std::string>{"developers"});
  // A later sign-in with another username claim still maps to the same user.
  auto again = sso.provision(identity("sub-1", "alice.renamed", {"developers"}));
  WARD_ASSERT_OK(again);
  EXPECT_EQ(again->user_id, first->user_id);
  EXPECT_EQ(directory().list_users("default")->size(), 1u);
}

TEST_F(IdentityOidcProvisionerTest, AnExistingLocalUserIsNeverTakenOver) {
  NewUser local;
  local.name = "admin";
  auto existing = directory().create_user(local);
  WARD_ASSERT_OK(existing);
  auto sso = provisioner().provision(identity("attacker", "admin"));
  WARD_ASSERT_OK(sso);
  EXPECT_NE(sso->user_id, existing->id);
  EXPECT_EQ(sso->username.rfind("sso-", 0), 0u) << sso->username;
  EXPECT_EQ(sso->username.size(), 16u);
}

TEST_F(IdentityOidcProvisionerTest, ProviderRolesFollowGroupsButHandAssignedRolesStay) {
  auto sso = provisioner();
  WARD_ASSERT_OK(sso.provision(identity("sub-2", "bob", {"developers", "auditors"})));
  WARD_ASSERT_OK(directory().create_role("default", "oncall"));
  WARD_ASSERT_OK(directory().assign_role("default", "oncall", "bob"));
  auto later = sso.provision(identity("sub-2", "bob", {"developers"}));
  WARD_ASSERT_OK(later);
  EXPECT_EQ(later->roles, (std::vector<std::string>{"developers", "oncall"}));
}

TEST_F(IdentityOidcProvisionerTest, UsersScheduledForDeletionAreRefused) {
  auto sso = provisioner();
  WARD_ASSERT_OK(sso.provision(identity("sub-3", "carol")));
  WARD_ASSERT_OK(directory().schedule_user_deletion("default", "carol"));
  auto refused = sso.provision(identity("sub-3", "carol"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), core::Code::kUnauthenticated);
}

}  // namespace
}  // namespace ward::gov::testing
