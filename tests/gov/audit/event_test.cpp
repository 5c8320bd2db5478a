// The event model and the canonical encoding that the hash chain covers.

#include "gov/audit/event.h"

#include <gtest/gtest.h>

#include <functional>

namespace ward::gov {
namespace {

using json = nlohmann::json;

TEST(AuditEventTest, CanonicalJsonSortsKeysAndHasNoWhiteSpace) {
  const json value = {{"b", 1}, {"a", {{"d", "x"}, {"c", true}}}, {"A", nullptr}, {"_", {1, -2}}};
  auto text = audit_canonical_json(value);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, R"({"A":null,"_":[1,-2],"a":{"c":true,"d":"x"},"b":1})");
}

TEST(AuditEventTest, CanonicalJsonEscapesStringsAsRfc8785) {
  const json value = {{"s", std::string("q\"b\\s/\b\f\n\r\t\x01\x1f\x7f\xC3\xA9", 16)}};
  auto text = audit_canonical_json(value);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "{\"s\":\"q\\\"b\\\\s/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\xC3\xA9\"}");
}

TEST(AuditEventTest, CanonicalJsonRefusesFloatsHugeIntegersAndInvalidUtf8) {
  EXPECT_FALSE(audit_canonical_json(json{{"x", 1.5}}).ok());
  EXPECT_FALSE(audit_canonical_json(json{{"x", kAuditMaxSafeInteger + 1}}).ok());
  EXPECT_FALSE(audit_canonical_json(json{{"x", -kAuditMaxSafeInteger - 1}}).ok());
  EXPECT_TRUE(audit_canonical_json(json{{"x", kAuditMaxSafeInteger}}).ok());
  EXPECT_FALSE(audit_canonical_json(json{{"x", std::string("\xFF")}}).ok());
}

TEST(AuditEventTest, CleanTextReplacesInvalidUtf8AndCutsAtACharacterBoundary) {
  EXPECT_EQ(audit_clean_text("ok \xC3\xA9", 100), "ok \xC3\xA9");
  EXPECT_EQ(audit_clean_text("a\xFF"
                             "b",
                             100),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(audit_clean_text("\xED\xA0\x80", 100),
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");                         // surrogate
  EXPECT_EQ(audit_clean_text("\xC0\xAF", 100), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
  EXPECT_EQ(audit_clean_text("ab\xC3\xA9", 3), "ab");  // é would not fit whole
  EXPECT_EQ(audit_clean_text("\xF0\x9F\x98\x80", 4), "\xF0\x9F\x98\x80");
}

TEST(AuditEventTest, OutcomeNamesRoundTrip) {
  for (auto outcome : {AuditOutcome::kAllowed, AuditOutcome::kDenied, AuditOutcome::kError}) {
    EXPECT_EQ(*parse_audit_outcome(audit_outcome_name(outcome)), outcome);
  }
  EXPECT_FALSE(parse_audit_outcome("ok").ok());
}

TEST(AuditEventTest, ParamsRefuseNamesThatSuggestSecrets) {
  for (const char* key :
       {"password", "new_password", "client_secret", "token", "refresh_token", "api_key",
        "private_key", "key", "authorization", "cookie", "credentials", "session_key", "ssh_key"}) {
    AuditParams params;
    params.set(key, "x");
    EXPECT_FALSE(params.status().ok()) << key;
    EXPECT_EQ(params.status().error().code(), core::Code::kInvalidArgument);
  }
  AuditParams ok;
  ok.set("token_id", "tok_1").set("key_version", 3).set("monkey", "fine");
  EXPECT_TRUE(ok.status().ok()) << ok.status().error().to_string();
}

TEST(AuditEventTest, ParamsAcceptContentOnlyAsLengthAndDigest) {
  AuditParams raw;
  raw.set("prompt", "write me a function");
  ASSERT_FALSE(raw.status().ok());
  EXPECT_NE(raw.status().error().message().find("digest"), std::string::npos);

  AuditParams digested;
  digested.digest("prompt", "hello");
  ASSERT_TRUE(digested.status().ok());
  EXPECT_EQ(
      digested.json().dump(),
      R"({"prompt":{"length":5,"sha256":"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"}})");
}

TEST(AuditEventTest, ParamsRefuseLongValuesKeyMaterialBadNamesAndDuplicates) {
  const auto fails = [](const std::function<void(AuditParams&)>& set) {
    AuditParams params;
    set(params);
    return !params.status().ok();
  };
  EXPECT_TRUE(
      fails([](AuditParams& p) { p.set("path", std::string(kAuditMaxParamValue + 1, 'a')); }));
  EXPECT_FALSE(fails([](AuditParams& p) { p.set("path", std::string(kAuditMaxParamValue, 'a')); }));
  EXPECT_TRUE(fails([](AuditParams& p) { p.set("note", "-----BEGIN PRIVATE KEY-----"); }));
  EXPECT_TRUE(fails([](AuditParams& p) { p.set("note", "wardboot_0123"); }));
  EXPECT_TRUE(fails([](AuditParams& p) { p.set("Upper", "x"); }));
  EXPECT_TRUE(fails([](AuditParams& p) { p.set("", "x"); }));
  EXPECT_TRUE(fails([](AuditParams& p) { p.set("a", "x").set("a", "y"); }));
  EXPECT_TRUE(fails([](AuditParams& p) { p.set("n", kAuditMaxSafeInteger + 1); }));
  EXPECT_TRUE(fails([](AuditParams& p) {
    for (int i = 0; i <= static_cast<int>(kAuditMaxParams); ++i) p.set("k" + std::to_string(i), i);
  }));
}

TEST(AuditEventTest, ParamsKeepTheFirstMistake) {
  AuditParams params;
  params.set("password", "x").set("fine", "y").set("secret", "z");
  ASSERT_FALSE(params.status().ok());
  EXPECT_NE(params.status().error().where().find("password"), std::string::npos);
}

TEST(AuditEventTest, GenesisIsTheHashOfItsName) {
  EXPECT_EQ(crypto::to_hex(audit_genesis_hash()),
            crypto::to_hex(crypto::sha256("ward.audit.v1.genesis")));
}

// Pins the canonical encoding documented in docs/audit.md: changing it breaks every stored chain.
TEST(AuditEventTest, CanonicalEventMatchesTheDocumentedEncoding) {
  AuditRecord record;
  record.seq = 1;
  record.id = "01932c07-a7d8-7f3e-8b1c-3a2f9d4e5b6c";
  record.time = "2026-05-01T12:00:00.000Z";
  record.tenant = "acme";
  record.actor = {"alice", "password+totp", "", "192.0.2.7", "curl/8.5"};
  record.action = "ward:AdminUsers";
  record.resource = "ward:eu-west:acme:user/01932c07-0000-7000-8000-000000000001";
  record.params = json{{"role", "developer"}};
  record.outcome = AuditOutcome::kAllowed;
  record.latency_ms = 12;
  record.region = "eu-west";
  const std::vector<std::uint8_t> salt(kAuditSaltSize, 0x11);
  record.personal_commitment = audit_personal_commitment(salt, record.actor);
  auto canonical = audit_canonical_event(record);
  ASSERT_TRUE(canonical.ok());
  const std::string personal_input =
      std::string(kAuditSaltSize, '\x11') +
      R"({"source_ip":"192.0.2.7","user":"alice","user_agent":"curl/8.5"})";
  EXPECT_EQ(record.personal_commitment, crypto::sha256(personal_input));
  EXPECT_EQ(*canonical,
            R"({"action":"ward:AdminUsers","actor":{"auth_method":"password+totp","personal":")" +
                crypto::to_hex(record.personal_commitment) +
                R"(","token_id":""},"error_code":"","id":"01932c07-a7d8-7f3e-8b1c-3a2f9d4e5b6c",)"
                R"("latency_ms":12,"outcome":"allowed","params":{"role":"developer"},)"
                R"("region":"eu-west","resource":"ward:eu-west:acme:user/)"
                R"(01932c07-0000-7000-8000-000000000001","seq":1,"tenant":"acme",)"
                R"("time":"2026-05-01T12:00:00.000Z","v":1})");
  crypto::Bytes input(audit_genesis_hash().begin(), audit_genesis_hash().end());
  input.insert(input.end(), canonical->begin(), canonical->end());
  EXPECT_EQ(audit_chain_hash(audit_genesis_hash(), *canonical), crypto::sha256(input));
}

TEST(AuditEventTest, RecordJsonHidesErasedPersonalData) {
  AuditRecord record;
  record.seq = 3;
  record.actor = {"alice", "token", "tok", "192.0.2.7", "ua"};
  record.params = json::object();
  record.erased = true;
  const json out = audit_record_json(record);
  EXPECT_TRUE(out["actor"]["user"].is_null());
  EXPECT_TRUE(out["actor"]["source_ip"].is_null());
  EXPECT_EQ(out["actor"]["token_id"], "tok");
  EXPECT_EQ(out["erased"], true);
  EXPECT_EQ(out["seq"], 3);
}

}  // namespace
}  // namespace ward::gov
