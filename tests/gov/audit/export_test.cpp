// The export formats: JSON lines, RFC 5424 syslog, CEF.

#include "gov/audit/export.h"

#include <gtest/gtest.h>

#include <regex>

namespace ward::gov {
namespace {

AuditRecord sample_record() {
  AuditRecord r;
  r.seq = 42;
  r.id = "01932c07-a7d8-7f3e-8b1c-3a2f9d4e5b6c";
  r.time = "2026-05-01T12:00:00.123Z";
  r.tenant = "acme";
  r.actor = {"alice", "token", "tok_1", "192.0.2.7", "ua \"quoted\" ] back\\slash\nnext"};
  r.action = "ward:AdminUsers";
  r.resource = "ward:eu-west:acme:user/u1|x=y";
  r.params = nlohmann::json{{"role", "dev"}, {"n", 3}};
  r.outcome = AuditOutcome::kDenied;
  r.latency_ms = 7;
  r.region = "eu-west";
  r.hash.fill(0xab);
  return r;
}

TEST(AuditExportTest, FormatNamesParse) {
  EXPECT_EQ(*parse_audit_export_format("jsonl"), AuditExportFormat::kJsonl);
  EXPECT_EQ(*parse_audit_export_format("syslog"), AuditExportFormat::kSyslog);
  EXPECT_EQ(*parse_audit_export_format("cef"), AuditExportFormat::kCef);
  EXPECT_FALSE(parse_audit_export_format("xml").ok());
}

TEST(AuditExportTest, JsonLineHoldsEveryFieldOnOneLine) {
  const std::string line = audit_jsonl_line(sample_record());
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const auto parsed = nlohmann::json::parse(line);
  EXPECT_EQ(parsed["seq"], 42);
  EXPECT_EQ(parsed["id"], "01932c07-a7d8-7f3e-8b1c-3a2f9d4e5b6c");
  EXPECT_EQ(parsed["time"], "2026-05-01T12:00:00.123Z");
  EXPECT_EQ(parsed["actor"]["user"], "alice");
  EXPECT_EQ(parsed["actor"]["user_agent"], "ua \"quoted\" ] back\\slash\nnext");
  EXPECT_EQ(parsed["params"]["role"], "dev");
  EXPECT_EQ(parsed["outcome"], "denied");
  EXPECT_EQ(parsed["hash"], crypto::to_hex(sample_record().hash));
}

TEST(AuditExportTest, SyslogLineFollowsRfc5424) {
  AuditSyslogOptions options;
  options.hostname = "ward-host";
  const std::string line = audit_syslog_line(sample_record(), options);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  // <PRI>VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD SP MSG
  const std::regex header(
      R"(^<(\d{1,3})>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)) ([!-~]{1,255}) ([!-~]{1,48}) ([!-~]{1,128}) ([!-~]{1,32}) (\[.*\]) \xEF\xBB\xBF(.*)$)");
  std::smatch match;
  ASSERT_TRUE(std::regex_match(line, match, header)) << line;
  EXPECT_EQ(match[1], "108");  // facility 13 (log audit) * 8 + severity 4 (warning, denied)
  EXPECT_EQ(match[2], "2026-05-01T12:00:00.123Z");
  EXPECT_EQ(match[5], "ward-host");
  EXPECT_EQ(match[6], "ward");
  EXPECT_EQ(match[7], "-");
  EXPECT_EQ(match[8], "audit");
  EXPECT_EQ(match[10], "alice ward:AdminUsers denied");
  const std::string sd = match[9];
  EXPECT_EQ(sd.rfind("[audit@32473 seq=\"42\" id=\"01932c07-", 0), 0u) << sd;
  EXPECT_NE(sd.find(R"(user_agent="ua \"quoted\" \] back\\slash?next")"), std::string::npos) << sd;
  EXPECT_NE(sd.find(R"(params="{\"n\":3,\"role\":\"dev\"}")"), std::string::npos) << sd;
  EXPECT_NE(sd.find("hash=\"" + crypto::to_hex(sample_record().hash) + "\""), std::string::npos);
}

TEST(AuditExportTest, SyslogSeverityFollowsTheOutcome) {
  AuditRecord record = sample_record();
  record.outcome = AuditOutcome::kAllowed;
  EXPECT_EQ(audit_syslog_line(record).rfind("<110>1 ", 0), 0u);
  record.outcome = AuditOutcome::kError;
  EXPECT_EQ(audit_syslog_line(record).rfind("<107>1 ", 0), 0u);
  EXPECT_NE(audit_syslog_line(record).find(" - ward - audit ["), std::string::npos)
      << audit_syslog_line(record);
}

TEST(AuditExportTest, CefLineEscapesHeaderAndExtension) {
  const std::string line = audit_cef_line(sample_record());
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const std::regex header(
      R"(^CEF:0\|Ward\|Ward\|[0-9.]+\|ward:AdminUsers\|ward:AdminUsers denied\|6\|(.*)$)");
  std::smatch match;
  ASSERT_TRUE(std::regex_match(line, match, header)) << line;
  const std::string ext = match[1];
  EXPECT_NE(ext.find("rt=1777636800123"), std::string::npos) << ext;
  EXPECT_NE(ext.find("cn1=42 cn1Label=seq"), std::string::npos) << ext;
  EXPECT_NE(ext.find("suser=alice"), std::string::npos);
  EXPECT_NE(ext.find("src=192.0.2.7"), std::string::npos);
  EXPECT_NE(ext.find("cs2=ward:eu-west:acme:user/u1|x\\=y"), std::string::npos) << ext;
  EXPECT_NE(ext.find("requestClientApplication=ua \"quoted\" ] back\\\\slash\\nnext"),
            std::string::npos)
      << ext;
  EXPECT_NE(ext.find("outcome=denied"), std::string::npos);
  EXPECT_NE(ext.find(R"(cs4={"n":3,"role":"dev"} cs4Label=params)"), std::string::npos) << ext;
}

TEST(AuditExportTest, CefUsesTheIpv6FieldForIpv6Addresses) {
  AuditRecord record = sample_record();
  record.actor.source_ip = "2001:db8::1";
  const std::string line = audit_cef_line(record);
  EXPECT_NE(line.find("c6a1=2001:db8::1 c6a1Label=sourceIPv6"), std::string::npos) << line;
  EXPECT_EQ(line.find(" src="), std::string::npos);
}

TEST(AuditExportTest, ErasedEventsSayTheyWereErased) {
  AuditRecord record = sample_record();
  record.erased = true;
  record.actor.user.clear();
  EXPECT_NE(audit_syslog_line(record).find("(erased) ward:AdminUsers"), std::string::npos);
  EXPECT_NE(audit_syslog_line(record).find("erased=\"true\""), std::string::npos);
  EXPECT_NE(audit_cef_line(record).find("flexString2=true flexString2Label=erased"),
            std::string::npos);
  EXPECT_TRUE(nlohmann::json::parse(audit_jsonl_line(record))["actor"]["user"].is_null());
}

}  // namespace
}  // namespace ward::gov
