#include "gov/identity/mfa.h"

#include <gtest/gtest.h>

#include <regex>

#include "gov/identity/directory.h"
#include "identity_fixture.h"

namespace ward::gov {
namespace {

using namespace std::chrono_literals;
using testing::IdentityFixture;

std::int64_t unix_seconds(core::TimePoint time) {
  return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

class IdentityMfaTest : public IdentityFixture {
 protected:
  void SetUp() override {
    IdentityFixture::SetUp();
    Directory dir(*db_, clock_, options_);
    for (const char* name : {"alice", "bob"}) {
      NewUser user;
      user.name = name;
      auto created = dir.create_user(user);
      WARD_ASSERT_OK(created);
      ids_[name] = created->id;
    }
  }

  // The secret behind an enrolment, decoded from its base32 form.
  static crypto::SecretBytes secret_of(const MfaEnrollment& enrollment) {
    return base32_decode(enrollment.secret_base32).value();
  }

  std::string code_at(const MfaEnrollment& enrollment, core::TimePoint time) {
    auto secret = secret_of(enrollment);
    return *totp_code(secret.view(), enrollment.algorithm, unix_seconds(time));
  }

  bool mfa_active(const std::string& name) {
    return Directory(*db_, clock_, options_).get_user("default", name)->mfa_active;
  }

  std::map<std::string, std::string> ids_;
};

TEST_F(IdentityMfaTest, EnrolmentGivesAnOtpauthUriAndStoresTheSecretSealed) {
  Mfa mfa(*db_, clock_, sealer_);
  auto enrollment = mfa.enroll("default", "alice");
  WARD_ASSERT_OK(enrollment);
  EXPECT_TRUE(std::regex_match(enrollment->otpauth_uri,
                               std::regex("otpauth://totp/Ward:alice\\?secret=[A-Z2-7]{32}"
                                          "&issuer=Ward&algorithm=SHA1&digits=6&period=30")))
      << enrollment->otpauth_uri;
  EXPECT_NE(enrollment->otpauth_uri.find(enrollment->secret_base32), std::string::npos);
  EXPECT_EQ(secret_of(*enrollment).size(), 20u);
  EXPECT_EQ(sealer_.seals, 1);
  EXPECT_FALSE(mfa_active("alice")) << "not active before confirmation";

  auto sha256 = mfa.enroll("default", "bob", TotpAlgorithm::kSha256);
  WARD_ASSERT_OK(sha256);
  EXPECT_EQ(secret_of(*sha256).size(), 32u);
  EXPECT_NE(sha256->otpauth_uri.find("algorithm=SHA256"), std::string::npos);

  const auto raw = secret_of(*enrollment);
  db_.reset();
  const std::string bytes = database_bytes();
  EXPECT_EQ(bytes.find(enrollment->secret_base32), std::string::npos);
  EXPECT_EQ(bytes.find(std::string(raw.view().begin(), raw.view().end())), std::string::npos);
}

TEST_F(IdentityMfaTest, ConfirmationNeedsAValidCode) {
  Mfa mfa(*db_, clock_, sealer_);
  EXPECT_EQ(mfa.confirm("default", "alice", "123456").error().code(),
            core::Code::kFailedPrecondition);
  auto enrollment = mfa.enroll("default", "alice");
  WARD_ASSERT_OK(enrollment);
  const std::string good = code_at(*enrollment, clock_.now());
  const std::string bad = good == "000000" ? "000001" : "000000";
  auto refused = mfa.confirm("default", "alice", bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), core::Code::kUnauthenticated);
  EXPECT_FALSE(mfa_active("alice"));
  WARD_ASSERT_OK(mfa.confirm("default", "alice", good));
  EXPECT_TRUE(mfa_active("alice"));
  // The confirming code counts as used.
  auto replay = mfa.verify(ids_["alice"], good);
  WARD_ASSERT_OK(replay);
  EXPECT_FALSE(*replay);
}

TEST_F(IdentityMfaTest, EachCodeIsAcceptedOnceEvenAcrossRestarts) {
  auto enrollment = Mfa(*db_, clock_, sealer_).enroll("default", "alice");
  WARD_ASSERT_OK(enrollment);
  WARD_ASSERT_OK(
      Mfa(*db_, clock_, sealer_).confirm("default", "alice", code_at(*enrollment, clock_.now())));
  clock_.advance(30s);
  const std::string code = code_at(*enrollment, clock_.now());
  auto first = Mfa(*db_, clock_, sealer_).verify(ids_["alice"], code);
  WARD_ASSERT_OK(first);
  EXPECT_TRUE(*first);
  // A new Mfa on a reopened database still remembers the used step.
  db_.reset();
  db_ = store::open_sqlite(dir_ / "ward.db", {}).value();
  auto second = Mfa(*db_, clock_, sealer_).verify(ids_["alice"], code);
  WARD_ASSERT_OK(second);
  EXPECT_FALSE(*second);
  // Within the window the same code is still refused; the next step's code is accepted.
  clock_.advance(20s);
  EXPECT_FALSE(*Mfa(*db_, clock_, sealer_).verify(ids_["alice"], code));
  clock_.advance(10s);
  EXPECT_TRUE(
      *Mfa(*db_, clock_, sealer_).verify(ids_["alice"], code_at(*enrollment, clock_.now())));
}

TEST_F(IdentityMfaTest, CodesOneStepEitherSideAreAccepted) {
  Mfa mfa(*db_, clock_, sealer_);
  auto enrollment = mfa.enroll("default", "alice", TotpAlgorithm::kSha256);
  WARD_ASSERT_OK(enrollment);
  WARD_ASSERT_OK(mfa.confirm("default", "alice", code_at(*enrollment, clock_.now())));
  clock_.advance(std::chrono::minutes(10));
  // Two steps behind: too old.
  EXPECT_FALSE(*mfa.verify(ids_["alice"], code_at(*enrollment, clock_.now() - 60s)));
  // One step behind (the user typed it just before the step changed): accepted.
  EXPECT_TRUE(*mfa.verify(ids_["alice"], code_at(*enrollment, clock_.now() - 30s)));
  // One step ahead (the device's clock runs fast): accepted.
  EXPECT_TRUE(*mfa.verify(ids_["alice"], code_at(*enrollment, clock_.now() + 30s)));
  // Having accepted the step ahead, the current step's code is now an older one: refused.
  EXPECT_FALSE(*mfa.verify(ids_["alice"], code_at(*enrollment, clock_.now())));
  // Two steps ahead: refused.
  EXPECT_FALSE(*mfa.verify(ids_["alice"], code_at(*enrollment, clock_.now() + 60s)));
}

TEST_F(IdentityMfaTest, ReenrolmentKeepsTheOldSecretUntilConfirmed) {
  Mfa mfa(*db_, clock_, sealer_);
  auto first = mfa.enroll("default", "alice");
  WARD_ASSERT_OK(first);
  WARD_ASSERT_OK(mfa.confirm("default", "alice", code_at(*first, clock_.now())));
  auto second = mfa.enroll("default", "alice");
  WARD_ASSERT_OK(second);
  EXPECT_NE(first->secret_base32, second->secret_base32);
  EXPECT_TRUE(mfa_active("alice"));
  clock_.advance(30s);
  EXPECT_TRUE(*mfa.verify(ids_["alice"], code_at(*first, clock_.now())));
  clock_.advance(30s);
  WARD_ASSERT_OK(mfa.confirm("default", "alice", code_at(*second, clock_.now())));
  clock_.advance(30s);
  EXPECT_FALSE(*mfa.verify(ids_["alice"], code_at(*first, clock_.now())));
  EXPECT_TRUE(*mfa.verify(ids_["alice"], code_at(*second, clock_.now())));
  Directory dir(*db_, clock_, options_);
  auto disabled = dir.disable_mfa("default", "alice");
  WARD_ASSERT_OK(disabled);
  EXPECT_FALSE(disabled->mfa_active);
  EXPECT_EQ(dir.disable_mfa("default", "alice").error().code(), core::Code::kFailedPrecondition);
  EXPECT_EQ(mfa.verify(ids_["alice"], "123456").error().code(), core::Code::kFailedPrecondition);
}

TEST_F(IdentityMfaTest, ASealedSecretMovedToAnotherUserDoesNotOpen) {
  Mfa mfa(*db_, clock_, sealer_);
  auto alice = mfa.enroll("default", "alice");
  auto bob = mfa.enroll("default", "bob");
  WARD_ASSERT_OK(alice);
  WARD_ASSERT_OK(bob);
  WARD_ASSERT_OK(mfa.confirm("default", "alice", code_at(*alice, clock_.now())));
  WARD_ASSERT_OK(mfa.confirm("default", "bob", code_at(*bob, clock_.now())));
  // Someone with write access to the database copies alice's sealed secret onto bob.
  WARD_ASSERT_OK(db_->with_transaction({}, [&](store::Transaction& tx) -> core::Status {
    auto updated = tx.execute(
        "UPDATE identity_totp SET sealed_secret = (SELECT sealed_secret FROM identity_totp "
        "WHERE user_id = ?) WHERE user_id = ?",
        {ids_["alice"], ids_["bob"]});
    if (!updated) return updated.error();
    return {};
  }));
  clock_.advance(30s);
  auto verified = mfa.verify(ids_["bob"], code_at(*alice, clock_.now()));
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.error().code(), core::Code::kDataLoss);
}

TEST_F(IdentityMfaTest, UsersScheduledForDeletionCannotEnrol) {
  Directory dir(*db_, clock_, options_);
  WARD_ASSERT_OK(dir.schedule_user_deletion("default", "alice"));
  Mfa mfa(*db_, clock_, sealer_);
  EXPECT_EQ(mfa.enroll("default", "alice").error().code(), core::Code::kFailedPrecondition);
  EXPECT_EQ(mfa.enroll("default", "carol").error().code(), core::Code::kNotFound);
}

}  // namespace
}  // namespace ward::gov
