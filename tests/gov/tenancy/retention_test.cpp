#include "gov/tenancy/retention.h"

#include <gtest/gtest.h>

#include "gov/audit/query.h"
#include "gov/tenancy/governed_data.h"

namespace ward::gov {
namespace {

using namespace std::chrono;

class TenancyRetentionTest : public GovernedDataTest {
 protected:
  RetentionReport run(const RetentionRecorder& record) {
    RetentionJob job(*directory_, *keyring_, *audit_, clock_);
    auto report = job.run(record);
    EXPECT_TRUE(report.ok()) << report.error().to_string();
    return report.ok() ? *report : RetentionReport{};
  }

  static core::Status record_nothing(const RetentionStep&) { return {}; }
};

TEST_F(TenancyRetentionTest, TenantIsCryptoShreddedAndPurgedAfterTheGracePeriod) {
  auto tenant = directory_->create_tenant("acme", "local");
  ASSERT_TRUE(tenant.ok()) << tenant.error().to_string();
  const EncryptionContext context{tenant->id, "prompts", "r1"};
  auto sealed = keyring_->encrypt(context, crypto::byte_view("marker"));
  ASSERT_TRUE(sealed.ok());
  ASSERT_TRUE(directory_->schedule_tenant_deletion("acme").ok());

  clock_.advance(hours(24 * 29));
  EXPECT_TRUE(run(record_nothing).done.empty());  // still within the 30-day grace period
  EXPECT_TRUE(keyring_->decrypt(context, *sealed).ok());

  clock_.advance(hours(24 * 2));
  RetentionReport report = run(record_nothing);
  ASSERT_EQ(report.done.size(), 1u) << (report.failures.empty() ? "" : report.failures[0]);
  EXPECT_EQ(report.done[0].action, "purge_tenant");
  EXPECT_FALSE(keyring_->decrypt(context, *sealed).ok());
  EXPECT_EQ(directory_->get_tenant("acme").error().code(), core::Code::kNotFound);
}

TEST_F(TenancyRetentionTest, UserIsPurgedAndTheirAuditEventsLoseTheirPersonalData) {
  NewUser request;
  request.name = "bob";
  ASSERT_TRUE(directory_->create_user(request).ok());
  AuditEvent event;
  event.tenant = "default";
  event.actor.user = "bob";
  event.actor.source_ip = "192.0.2.7";
  event.action = "ward:Chat";
  ASSERT_TRUE(audit_->append(event).ok());
  ASSERT_TRUE(directory_->schedule_user_deletion("default", "bob").ok());
  clock_.advance(hours(24 * 31));

  RetentionReport report = run(record_nothing);
  ASSERT_EQ(report.done.size(), 1u) << (report.failures.empty() ? "" : report.failures[0]);
  EXPECT_EQ(report.done[0].action, "purge_user");
  EXPECT_EQ(directory_->get_user("default", "bob").error().code(), core::Code::kNotFound);
  AuditQuery by_bob;
  by_bob.actor = "bob";
  auto events = query_audit_events(*db_, by_bob);
  ASSERT_TRUE(events.ok());
  EXPECT_TRUE(events->empty());
}

TEST_F(TenancyRetentionTest, AStepWhoseAuditEventFailsIsNotCarriedOut) {
  NewUser request;
  request.name = "carol";
  ASSERT_TRUE(directory_->create_user(request).ok());
  ASSERT_TRUE(directory_->schedule_user_deletion("default", "carol").ok());
  clock_.advance(hours(24 * 31));
  RetentionReport refused = run([](const RetentionStep&) -> core::Status {
    return core::Error(core::Code::kResourceExhausted, "audit", "disk full");
  });
  EXPECT_TRUE(refused.done.empty());
  ASSERT_EQ(refused.failures.size(), 1u);
  EXPECT_TRUE(directory_->get_user("default", "carol").ok());
  EXPECT_EQ(run(record_nothing).done.size(), 1u);  // the next run completes it
}

}  // namespace
}  // namespace ward::gov
