// Verification against each kind of tampering, done the way an attacker with write access to the
// database file would do it: raw SQL on the file, bypassing Ward.

#include "gov/audit/verify.h"

#include <gtest/gtest.h>

#include "audit_test_util.h"
#include "gov/audit/query.h"

namespace ward::gov::testing {
namespace {

std::string hex_literal(std::span<const std::uint8_t> bytes) {
  return "X'" + crypto::to_hex(bytes) + "'";
}

// Ten events; checkpoints at events 4 and 8 (every 4) and the shutdown checkpoint at 10.
class AuditVerifyTest : public AuditFixture {
 protected:
  void SetUp() override {
    AuditFixture::SetUp();
    AuditLogOptions options = quiet_options();
    options.checkpoint_every_events = 4;
    auto log = open_log(options);
    ASSERT_TRUE(log);
    for (int i = 1; i <= 10; ++i) {
      auto receipt = log->append(sample_event(i));
      ASSERT_TRUE(receipt.ok()) << receipt.error().to_string();
      receipts_.push_back(*receipt);
    }
    WARD_ASSERT_OK(log->checkpoint());
  }

  const std::string& id(int seq) const {
    return receipts_.at(static_cast<std::size_t>(seq - 1)).id;
  }

  void expect_problem(const AuditVerifyReport& report, AuditProblemKind kind, std::int64_t seq,
                      const std::string& event_id) {
    ASSERT_FALSE(report.intact()) << report.summary();
    EXPECT_EQ(audit_problem_name(report.problem->kind), audit_problem_name(kind))
        << report.summary();
    EXPECT_EQ(report.problem->seq, seq) << report.summary();
    EXPECT_EQ(report.problem->event_id, event_id) << report.summary();
    EXPECT_NE(report.summary().find("TAMPERED"), std::string::npos);
  }

  // Recomputes every hash from event `from` on, as an attacker without the signing key can.
  void rehash_from(std::int64_t from) {
    auto records = query_audit_events(*db_, {});
    ASSERT_TRUE(records.ok()) << records.error().to_string();
    crypto::Sha256Digest previous = audit_genesis_hash();
    std::string sql;
    for (const auto& record : *records) {
      if (record.seq >= from) {
        auto canonical = audit_canonical_event(record);
        ASSERT_TRUE(canonical.ok());
        const auto hash = audit_chain_hash(previous, *canonical);
        sql += "UPDATE audit_events SET hash = " + hex_literal(hash) +
               " WHERE seq = " + std::to_string(record.seq) + ";";
        previous = hash;
      } else {
        previous = record.hash;
      }
    }
    raw_sql(file(), sql);
  }

  std::vector<AuditReceipt> receipts_;
};

TEST_F(AuditVerifyTest, IntactLogVerifies) {
  auto report = verify();
  ASSERT_TRUE(report.intact()) << report.summary();
  EXPECT_EQ(report.events, 10);
  EXPECT_EQ(report.last_seq, 10);
  EXPECT_EQ(report.head_hash, receipts_.back().hash);
  EXPECT_EQ(report.checkpoints, 3);
  EXPECT_EQ(report.last_checkpoint_seq, 10);
  EXPECT_EQ(report.unsigned_events, 0);
  EXPECT_NE(report.summary().find("audit log intact: 10 events"), std::string::npos)
      << report.summary();
}

TEST_F(AuditVerifyTest, ChangedFieldIsNamed) {
  raw_sql(file(),
          "UPDATE audit_events SET resource = 'ward:eu-west:acme:workspace/other' "
          "WHERE seq = 6");
  expect_problem(verify(), AuditProblemKind::kChanged, 6, id(6));
}

TEST_F(AuditVerifyTest, ChangedOutcomeIsNamed) {
  raw_sql(file(), "UPDATE audit_events SET outcome = 'allowed' WHERE seq = 4");  // was denied
  expect_problem(verify(), AuditProblemKind::kChanged, 4, id(4));
}

TEST_F(AuditVerifyTest, ChangedActorIsNamed) {
  raw_sql(file(), "UPDATE audit_events SET actor_user = 'mallory' WHERE seq = 3");
  auto report = verify();
  expect_problem(report, AuditProblemKind::kChanged, 3, id(3));
  EXPECT_NE(report.problem->message.find("actor"), std::string::npos);
}

TEST_F(AuditVerifyTest, ReformattedParametersAreNamed) {
  auto records = query_audit_events(*db_, {});
  const std::string pretty = (*records)[1].params.dump(1);
  raw_sql(file(), "UPDATE audit_events SET params = '" + pretty + "' WHERE seq = 2");
  expect_problem(verify(), AuditProblemKind::kChanged, 2, id(2));
}

TEST_F(AuditVerifyTest, PersonalDataRemovedWithoutErasureIsNamed) {
  raw_sql(file(), "UPDATE audit_events SET actor_user = NULL WHERE seq = 5");
  expect_problem(verify(), AuditProblemKind::kChanged, 5, id(5));
}

TEST_F(AuditVerifyTest, DeletedEventIsNamed) {
  raw_sql(file(), "DELETE FROM audit_events WHERE seq = 5");
  auto report = verify();
  expect_problem(report, AuditProblemKind::kMissing, 5, "");
  EXPECT_NE(report.problem->message.find(id(4)), std::string::npos) << report.problem->message;
  EXPECT_NE(report.problem->message.find(id(6)), std::string::npos) << report.problem->message;
}

TEST_F(AuditVerifyTest, DeletedFirstEventIsNamed) {
  raw_sql(file(), "DELETE FROM audit_events WHERE seq = 1");
  expect_problem(verify(), AuditProblemKind::kMissing, 1, "");
}

TEST_F(AuditVerifyTest, InsertedForgedEventIsNamed) {
  raw_sql(file(),
          "UPDATE audit_events SET seq = -(seq + 1) WHERE seq >= 5;"
          "UPDATE audit_events SET seq = -seq WHERE seq < 0;"
          "INSERT INTO audit_events SELECT 5, 'forged-event', time, tenant, actor_user, "
          "actor_auth_method, actor_token_id, actor_source_ip, actor_user_agent, personal_salt, "
          "personal_commitment, 'ward:AdminKeys', resource, params, outcome, error_code, "
          "latency_ms, region, erased_at, hash FROM audit_events WHERE seq = 4");
  expect_problem(verify(), AuditProblemKind::kChanged, 5, "forged-event");
}

// A forger who computes a valid hash for the inserted event still moves every later event.
TEST_F(AuditVerifyTest, InsertedEventWithAValidHashBreaksTheNextEvent) {
  raw_sql(file(),
          "UPDATE audit_events SET seq = -(seq + 1) WHERE seq >= 5;"
          "UPDATE audit_events SET seq = -seq WHERE seq < 0;"
          "INSERT INTO audit_events SELECT 5, 'forged-event', time, tenant, actor_user, "
          "actor_auth_method, actor_token_id, actor_source_ip, actor_user_agent, personal_salt, "
          "personal_commitment, 'ward:AdminKeys', resource, params, outcome, error_code, "
          "latency_ms, region, erased_at, hash FROM audit_events WHERE seq = 4");
  auto records = query_audit_events(*db_, {});
  ASSERT_TRUE(records.ok());
  const AuditRecord& forged = (*records)[4];
  ASSERT_EQ(forged.id, "forged-event");
  const auto hash = audit_chain_hash((*records)[3].hash, *audit_canonical_event(forged));
  raw_sql(file(), "UPDATE audit_events SET hash = " + hex_literal(hash) + " WHERE seq = 5");
  expect_problem(verify(), AuditProblemKind::kChanged, 6, id(5));
}

TEST_F(AuditVerifyTest, SwappedEventsAreNamed) {
  raw_sql(file(),
          "UPDATE audit_events SET seq = -3 WHERE seq = 3;"
          "UPDATE audit_events SET seq = 3 WHERE seq = 7;"
          "UPDATE audit_events SET seq = 7 WHERE seq = -3");
  auto report = verify();
  expect_problem(report, AuditProblemKind::kChanged, 3, id(7));
  EXPECT_NE(report.problem->message.find("reordered"), std::string::npos)
      << report.problem->message;
}

TEST_F(AuditVerifyTest, TruncatedTailIsNamedAgainstTheShutdownCheckpoint) {
  raw_sql(file(), "DELETE FROM audit_events WHERE seq >= 9");
  auto report = verify();
  expect_problem(report, AuditProblemKind::kTruncated, 9, "");
  EXPECT_NE(report.problem->message.find("events 9 to 10 were deleted"), std::string::npos)
      << report.problem->message;
}

TEST_F(AuditVerifyTest, TruncatedTailAcrossSeveralCheckpointsIsNamed) {
  raw_sql(file(), "DELETE FROM audit_events WHERE seq >= 3");
  expect_problem(verify(), AuditProblemKind::kTruncated, 3, "");
}

// The documented window: events after the last checkpoint are protected by the chain only, so
// deleting them is seen only against an anchor kept elsewhere.
TEST_F(AuditVerifyTest, UnsignedTailIsReportedAndAnAnchorCatchesItsTruncation) {
  {
    auto log = open_log();  // no shutdown checkpoint: a crash
    for (int i = 11; i <= 13; ++i) receipts_.push_back(*log->append(sample_event(i)));
  }
  auto before = verify();
  ASSERT_TRUE(before.intact()) << before.summary();
  EXPECT_EQ(before.unsigned_events, 3);
  EXPECT_NE(before.summary().find("3 events after it are not yet signed"), std::string::npos);

  raw_sql(file(), "DELETE FROM audit_events WHERE seq >= 12");
  EXPECT_TRUE(verify().intact());  // the window: undetectable from the database alone
  AuditVerifyOptions anchored;
  anchored.anchor_seq = 13;
  anchored.anchor_hash = receipts_.back().hash;
  expect_problem(verify(anchored), AuditProblemKind::kAnchorMismatch, 12, "");
}

TEST_F(AuditVerifyTest, AnchorMatchesAnIntactLog) {
  AuditVerifyOptions anchored;
  anchored.anchor_seq = 7;
  anchored.anchor_hash = receipts_[6].hash;
  EXPECT_TRUE(verify(anchored).intact());
  anchored.anchor_hash = receipts_[5].hash;
  expect_problem(verify(anchored), AuditProblemKind::kAnchorMismatch, 7, id(7));
}

TEST_F(AuditVerifyTest, ChainRehashedWithoutTheKeyIsCaughtByTheCheckpoint) {
  raw_sql(file(),
          "UPDATE audit_events SET resource = 'ward:eu-west:acme:workspace/other' "
          "WHERE seq = 6");
  rehash_from(6);
  auto report = verify();
  // Events 5 to 8 lie between the checkpoints at 4 and 8: the first not vouched for is 5.
  expect_problem(report, AuditProblemKind::kRehashed, 5, id(5));
  EXPECT_NE(report.problem->message.find("events 5 to 8"), std::string::npos)
      << report.problem->message;
}

TEST_F(AuditVerifyTest, RehashedChainWithEditedCheckpointsFailsTheSignature) {
  raw_sql(file(), "UPDATE audit_events SET resource = 'x' WHERE seq = 6");
  rehash_from(6);
  auto records = query_audit_events(*db_, {});
  std::string sql;
  for (int seq : {8, 10}) {
    sql += "UPDATE audit_checkpoints SET head_hash = " +
           hex_literal((*records)[static_cast<std::size_t>(seq - 1)].hash) +
           " WHERE seq = " + std::to_string(seq) + ";";
  }
  raw_sql(file(), sql);
  expect_problem(verify(), AuditProblemKind::kBadSignature, 8, id(8));
}

TEST_F(AuditVerifyTest, ChainReSignedWithAnotherKeyFails) {
  raw_sql(file(), "UPDATE audit_events SET resource = 'x' WHERE seq = 6");
  rehash_from(6);
  auto records = query_audit_events(*db_, {});
  auto forger = crypto::Ed25519KeyPair::generate();
  ASSERT_TRUE(forger.ok());
  // The forger re-signs with their key, once under their own key id and once claiming ours.
  for (const std::string& key_id :
       {audit_key_id(forger->public_key()), audit_key_id(key_->public_key())}) {
    auto tx = db_->begin({store::Access::kReadOnly, store::Durability::kNormal});
    auto rows = (*tx)->query("SELECT id, seq, time, reason FROM audit_checkpoints");
    ASSERT_TRUE(rows.ok());
    std::string sql;
    for (const auto& row : *rows) {
      const std::int64_t seq = *row.get_int("seq");
      const auto& head = (*records)[static_cast<std::size_t>(seq - 1)].hash;
      const std::string message = audit_checkpoint_message(seq, head, *row.get_text("time"), key_id,
                                                           *row.get_text("reason"));
      auto signature = crypto::sign(*forger, crypto::byte_view(message));
      sql += "UPDATE audit_checkpoints SET head_hash = " + hex_literal(head) + ", key_id = '" +
             key_id + "', signature = " + hex_literal(*signature) + " WHERE id = '" +
             *row.get_text("id") + "';";
    }
    tx->reset();
    raw_sql(file(), sql);
    auto report = verify();
    expect_problem(report, AuditProblemKind::kBadSignature, 4, id(4));
    // With the forger's public key, the forgery would look intact: the public key must be the
    // real one, kept apart from the data directory.
    auto fooled = verify_audit_log(*db_, forger->public_key());
    ASSERT_TRUE(fooled.ok());
    EXPECT_EQ(fooled->intact(), key_id == audit_key_id(forger->public_key()));
  }
}

TEST_F(AuditVerifyTest, WrongPublicKeyFails) {
  auto other = crypto::Ed25519KeyPair::generate();
  ASSERT_TRUE(other.ok());
  auto report = verify_audit_log(*db_, other->public_key());
  ASSERT_TRUE(report.ok());
  ASSERT_FALSE(report->intact());
  EXPECT_EQ(report->problem->kind, AuditProblemKind::kBadSignature);
  EXPECT_EQ(report->problem->seq, 4);
}

TEST_F(AuditVerifyTest, ForgedSignatureBytesFail) {
  raw_sql(file(), "UPDATE audit_checkpoints SET signature = zeroblob(64) WHERE seq = 8");
  expect_problem(verify(), AuditProblemKind::kBadSignature, 8, id(8));
}

TEST_F(AuditVerifyTest, DamagedRowIsMalformed) {
  raw_sql(file(), "UPDATE audit_events SET hash = 'not a hash' WHERE seq = 7");
  expect_problem(verify(), AuditProblemKind::kMalformed, 7, id(7));
}

TEST_F(AuditVerifyTest, RejectsBadKeysAndAnchors) {
  std::vector<std::uint8_t> short_key(31);
  EXPECT_EQ(verify_audit_log(*db_, short_key).error().code(), core::Code::kInvalidArgument);
  AuditVerifyOptions half;
  half.anchor_seq = 3;
  EXPECT_FALSE(verify_audit_log(*db_, key_->public_key(), half).ok());
}

}  // namespace
}  // namespace ward::gov::testing
