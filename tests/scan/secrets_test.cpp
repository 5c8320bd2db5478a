#include "scan/secrets.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "scan/finding.h"

namespace ward::scan {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const fs::path kSecretRules = fs::path(WARD_RULES_DIR) / "secrets";

// Fake secrets are generated, never written out: the test's source must not look like it holds
// real credentials (to scanners, including GitHub's push protection, and to Ward itself).
constexpr std::string_view kUpper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
constexpr std::string_view kBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr std::string_view kAlnum =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
constexpr std::string_view kBase64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrlSafe =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::string_view kHex = "0123456789abcdef";
constexpr std::string_view kDigits = "0123456789";
constexpr std::string_view kPasswordChars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!%^&*-_+=";

// `n` characters drawn from `alphabet`, the same for the same seed on every platform.
std::string random_chars(std::string_view alphabet, size_t n, uint32_t seed) {
  std::mt19937 generator(seed);
  std::string out;
  for (size_t i = 0; i < n; ++i) out.push_back(alphabet[generator() % alphabet.size()]);
  return out;
}

std::string base64url(std::string_view bytes) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kUrlSafe[(buffer >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(kUrlSafe[(buffer << (6 - bits)) & 63]);
  return out;
}

core::Result<SecretSpec> spec_from(const std::string& toml_text) {
  const toml::table table = toml::parse(toml_text);
  return parse_secret_spec(table, "rules/secrets/test.toml");
}

SecretSpec must_parse(const std::string& toml_text) {
  auto spec = spec_from(toml_text);
  EXPECT_TRUE(spec.ok()) << (spec ? "" : spec.error().to_string());
  return spec ? *spec : SecretSpec{};
}

std::vector<std::string> values(const SecretSpec& spec, std::string_view text) {
  std::vector<std::string> found;
  for (const SecretMatch& match : find_secrets(spec, text)) {
    EXPECT_LE(match.start_byte, match.end_byte);
    EXPECT_LE(match.end_byte, text.size());
    found.emplace_back(text.substr(match.start_byte, match.end_byte - match.start_byte));
  }
  return found;
}

std::vector<fs::path> secret_rule_files() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(kSecretRules)) {
    if (entry.path().extension() == ".toml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

SecretSpec load_rule(const std::string& stem) {
  const fs::path file = kSecretRules / (stem + ".toml");
  const toml::table rule = toml::parse_file(file.string());
  const toml::table* secret = rule["secret"].as_table();
  EXPECT_NE(secret, nullptr) << file;
  if (secret == nullptr) return {};
  auto spec = parse_secret_spec(*secret, file.string());
  EXPECT_TRUE(spec.ok()) << (spec ? "" : spec.error().to_string());
  return spec ? *spec : SecretSpec{};
}

// ---------------------------------------------------------------------------------------------
// The rule files.

TEST(SecretRules, EveryRuleFileHasTheCommonKeysAndAValidSecretTable) {
  const std::set<std::string> expected_keys = {
      "id",         "title", "description", "remediation", "severity",
      "confidence", "cwe",   "languages",   "references",  "secret"};
  const auto files = secret_rule_files();
  ASSERT_GE(files.size(), 12u);
  std::set<std::string> ids;
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.string());
    toml::table rule;
    ASSERT_NO_THROW(rule = toml::parse_file(file.string()));
    std::set<std::string> keys;
    for (const auto& [key, node] : rule) keys.insert(std::string(key.str()));
    EXPECT_EQ(keys, expected_keys);

    const std::string id = rule["id"].value_or(std::string());
    EXPECT_EQ(id, "secrets." + file.stem().string());
    EXPECT_TRUE(ids.insert(id).second) << "duplicate id " << id;
    for (const char* text_key : {"title", "description", "remediation"}) {
      EXPECT_FALSE(rule[text_key].value_or(std::string()).empty()) << text_key;
    }
    EXPECT_TRUE(parse_severity(rule["severity"].value_or(std::string())).has_value());
    EXPECT_TRUE(parse_confidence(rule["confidence"].value_or(std::string())).has_value());

    const toml::array* cwe = rule["cwe"].as_array();
    ASSERT_NE(cwe, nullptr);
    ASSERT_FALSE(cwe->empty());
    for (const toml::node& number : *cwe) {
      ASSERT_TRUE(number.is_integer());
      const int64_t value = number.as_integer()->get();
      EXPECT_TRUE(value == 798 || value == 321) << value;
    }
    const toml::array* languages = rule["languages"].as_array();
    ASSERT_NE(languages, nullptr);
    EXPECT_TRUE(languages->empty());
    const toml::array* references = rule["references"].as_array();
    ASSERT_NE(references, nullptr);
    ASSERT_FALSE(references->empty());
    for (const toml::node& url : *references) {
      ASSERT_TRUE(url.is_string());
      EXPECT_TRUE(url.as_string()->get().starts_with("https://")) << url.as_string()->get();
    }

    const toml::table* secret = rule["secret"].as_table();
    ASSERT_NE(secret, nullptr);
    auto spec = parse_secret_spec(*secret, file.string());
    EXPECT_TRUE(spec.ok()) << (spec ? "" : spec.error().to_string());
  }
}

// One realistic sample per rule, with the secret value the rule must report, and near misses it
// must not report (placeholders, low entropy, no credential-like name, wrong shape).
struct RuleCase {
  std::string rule;
  std::string text;
  std::string secret;
  std::vector<std::string> near_misses;
};

std::vector<RuleCase> rule_cases() {
  std::vector<RuleCase> cases;

  {
    const std::string key_id = std::string("AK") + "IA" + random_chars(kBase32, 16, 1);
    cases.push_back({"aws-access-key-id",
                     "[default]\naws_access_key_id = " + key_id + "\nregion = eu-west-2\n",
                     key_id,
                     {"aws_access_key_id = AKIA" + std::string("IOSFODNN7") + "EXAMPLE\n",
                      "aws_access_key_id = AKIA" + std::string(16, 'A') + "\n",
                      "id = \"AKIA" + random_chars(kBase32, 12, 2) + "\"\n",
                      "id = \"XAKIA" + random_chars(kBase32, 16, 3) + "\"\n"}});
  }
  {
    const std::string secret = random_chars(kBase64, 40, 4);
    cases.push_back({"aws-secret-access-key",
                     "AWS_REGION=eu-west-2\nAWS_SECRET_ACCESS_KEY=" + secret + "\n",
                     secret,
                     {// No credential-like name on the line.
                      "checksum_of_the_release_archive_in_b64 = \"" + secret + "\"\n",
                      // The name is on the line above, not the same line.
                      "# aws secret access key follows\nvalue = \"" + secret + "\"\n",
                      // A hex digest (SHA-1) has at most 4 bits of entropy per character.
                      "aws_secret_access_key = " + random_chars(kHex, 40, 5) + "\n",
                      // Part of a longer base64 run.
                      "aws_secret_access_key = " + random_chars(kBase64, 60, 6) + "\n",
                      "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCY" +
                          std::string("EXAMPLEKEY") + "\n"}});
  }
  {
    const std::string classic = std::string("gh") + "p_" + random_chars(kAlnum, 36, 7);
    cases.push_back({"github-token",
                     "const octokit = new Octokit({ auth: \"" + classic + "\" });\n",
                     classic,
                     {"token: gh" + std::string("p_") + std::string(36, 'x') + "\n",
                      "token: gh" + std::string("p_") + random_chars(kAlnum, 20, 8) + "\n",
                      "token: xgh" + std::string("p_") + random_chars(kAlnum, 36, 9) + "\n"}});
    const std::string fine_grained = std::string("github_") + "pat_" +
                                     random_chars(kAlnum, 22, 10) + "_" +
                                     random_chars(kAlnum, 59, 11);
    cases.push_back({"github-token", "GH_TOKEN=" + fine_grained + "\n", fine_grained, {}});
  }
  {
    const std::string token = std::string("gl") + "pat-" + random_chars(kUrlSafe, 20, 12);
    cases.push_back({"gitlab-token",
                     "curl --header \"PRIVATE-TOKEN: " + token + "\" https://gitlab.example/api\n",
                     token,
                     {"PRIVATE-TOKEN: glpat-" + std::string(20, 'x') + "\n",
                      "PRIVATE-TOKEN: glpat-" + random_chars(kAlnum, 12, 13) + "\n"}});
  }
  {
    const std::string token = std::string("xo") + "xb-" + random_chars(kDigits, 12, 14) + "-" +
                              random_chars(kDigits, 13, 15) + "-" + random_chars(kAlnum, 24, 16);
    cases.push_back({"slack-token",
                     "client = WebClient(token='" + token + "')\n",
                     token,
                     {"SLACK_BOT_TOKEN=xoxb-" + std::string(12, '0') + "-" + std::string(12, '0') +
                          "-" + std::string(24, 'x') + "\n",
                      "SLACK_BOT_TOKEN=xoxb-your-bot-token-here\n"}});
  }
  {
    const std::string path = "T" + random_chars(kUpper, 10, 17) + "/B" +
                             random_chars(kUpper, 10, 18) + "/" + random_chars(kAlnum, 24, 19);
    cases.push_back(
        {"slack-webhook",
         "webhook_url: \"https://hooks.sl" + std::string("ack.com/services/") + path + "\"\n",
         path,
         {"webhook_url: \"https://hooks.slack.com/services/T00000000/B00000000/" +
              std::string(24, 'X') + "\"\n",
          "see https://hooks.slack.com/services/ for details\n"}});
  }
  {
    const std::string key = std::string("sk") + "_live_" + random_chars(kAlnum, 24, 20);
    cases.push_back({"stripe-secret-key",
                     "Stripe.api_key = \"" + key + "\"\n",
                     key,
                     {"Stripe.api_key = \"sk_test_" + random_chars(kAlnum, 24, 21) + "\"\n",
                      "Stripe.api_key = \"sk_live_" + std::string(24, 'x') + "\"\n"}});
  }
  {
    const std::string key = std::string("AI") + "za" + random_chars(kUrlSafe, 35, 22);
    cases.push_back({"google-api-key",
                     "<script src=\"https://maps.googleapis.com/maps/api/js?key=" + key +
                         "&callback=init\"></script>\n",
                     key,
                     {"key=AIza" + random_chars(kUrlSafe, 30, 23) + "&x=1\n",
                      "key=AIza" + random_chars(kUrlSafe, 40, 24) + "\n"}});
  }
  {
    const std::string header = std::string("-----BEGIN RSA PRIV") + "ATE KEY-----";
    const std::string body = random_chars(kBase64, 64, 25);
    const std::string pem = header + "\n" + body + "\n" + random_chars(kBase64, 64, 26) +
                            "\n-----END RSA PRIV" + "ATE KEY-----\n";
    cases.push_back({"private-key",
                     "# deploy key\n" + pem,
                     header + "\n" + body,
                     {// Code that recognises a key by its header holds no key.
                      "if (line == \"" + header + "\") return Kind::kRsa;\n",
                      "-----BEGIN PUBLIC KEY-----\n" + random_chars(kBase64, 64, 27) + "\n",
                      header + "\nMIIE...\n-----END RSA PRIVATE KEY-----\n",
                      header + "\n" + std::string(64, 'x') + "\n"}});
    // A key written as a string literal in code, with "\n" escapes and concatenation.
    const std::string pkcs8 = std::string("-----BEGIN PRIV") + "ATE KEY-----";
    const std::string java_body = random_chars(kBase64, 48, 28);
    cases.push_back({"private-key",
                     "String key = \"" + pkcs8 + "\\n\" +\n    \"" + java_body + "\\n\";\n",
                     pkcs8 + "\\n\" +\n    \"" + java_body,
                     {}});
    const std::string openssh = std::string("-----BEGIN OPENSSH PRIV") + "ATE KEY-----";
    const std::string openssh_body = random_chars(kBase64, 70, 29);
    cases.push_back({"private-key",
                     openssh + "\r\n" + openssh_body + "\r\n",
                     openssh + "\r\n" + openssh_body,
                     {}});
  }
  {
    const std::string jwt = base64url(R"({"alg":"HS256","typ":"JWT"})") + "." +
                            base64url(R"({"sub":"4711","name":"Ada","iat":1700000000})") + "." +
                            random_chars(kUrlSafe, 43, 30);
    cases.push_back({"jwt",
                     "headers = {\"Authorization\": \"Bearer " + jwt + "\"}\n",
                     jwt,
                     {// No signature part.
                      "token = \"" + base64url(R"({"alg":"none"})") + "." +
                          base64url(R"({"sub":"4711"})") + ".\"\n",
                      "header = \"" + base64url(R"({"alg":"HS256","typ":"JWT"})") + "\"\n"}});
  }
  {
    const std::string password = random_chars(kPasswordChars, 20, 31);
    cases.push_back(
        {"generic-credential",
         "DATABASES = {'default': {'USER': 'app', 'PASSWORD': '" + password + "'}}\n",
         password,
         {"db_password = \"changeme-" + random_chars(kAlnum, 12, 32) + "\"\n",
          "db_password = \"${DB_PASSWORD}\"\n", "db_password = \"aaaaaaaabbbbbbbb\"\n",
          "greeting = \"" + password + "\"\n", "tokenizer = \"" + password + "\"\n",
          "password_prompt = \"" + password + "\"\n", "api_key = \"<your-api-key-goes-here>\"\n",
          "password = \"Enter your password\"\n",
          // Values that name a credential, format it, or point somewhere.
          "refresh_token = \"NextRefreshTokenHeader\"\n",
          "auth_token = f\"Bearer_{user_id}_{scope}\"\n",
          "secret = \"https://vault.internal:8200/v1/kv/app\"\n",
          "api_key = \"" + random_chars(kAlnum, 12, 50) + "...\"\n"}});
    const std::string api_key = random_chars(kAlnum, 32, 33);
    cases.push_back({"generic-credential",
                     "{\n  \"service\": \"billing\",\n  \"apiKey\": \"" + api_key + "\"\n}\n",
                     api_key,
                     {}});
    const std::string go_token = random_chars(kAlnum, 24, 34);
    cases.push_back({"generic-credential", "\tauthToken := \"" + go_token + "\"\n", go_token, {}});
    const std::string define = random_chars(kAlnum, 24, 35);
    cases.push_back(
        {"generic-credential", "#define CLIENT_SECRET \"" + define + "\"\n", define, {}});
  }
  {
    const std::string password = random_chars(kAlnum, 20, 36);
    cases.push_back(
        {"config-credential",
         "DB_HOST=db.internal\nDB_PASSWORD=" + password + "\nDB_PORT=5432\n",
         password,
         {"DB_PASSWORD=${DB_PASSWORD}\n", "DB_PASSWORD=changeme_before_deploy\n",
          "db_password = user_supplied_value\n", "secret_key = settings.django_secret\n",
          "String password = " + password + ";\n", "DB_PASSWORD=\"" + password + "\"\n",
          "DB_HOST=" + password + "\n", "SESSION_TOKEN=SessionTokenHeaderName\n"}});
    const std::string token = random_chars(kAlnum, 30, 37);
    cases.push_back({"config-credential", "export GITHUB_API_TOKEN=" + token + "\r\n", token, {}});
    const std::string yaml = random_chars(kAlnum, 28, 38);
    cases.push_back(
        {"config-credential", "database:\n  user: app\n  password: " + yaml + "\n", yaml, {}});
  }
  {
    const std::string password = random_chars(kAlnum, 16, 39);
    cases.push_back(
        {"connection-string-password",
         "DATABASE_URL = \"postgres://app:" + password + "@db.internal:5432/app\"\n",
         password,
         {"DATABASE_URL = \"postgres://app:${DB_PASSWORD}@db.internal:5432/app\"\n",
          "DATABASE_URL = \"postgres://user:password@localhost/app\"\n",
          "url = f\"mongodb://{user}:{password}@{host}/\"\n", "url = \"postgres://%s:%s@%s/app\"\n",
          "url = \"https://example.com:8443/path\"\n",
          "Format: redis://[[USERNAME:]PASSWORD@]HOST[:PORT]\n"}});
    const std::string mongo = random_chars(kAlnum, 18, 40);
    cases.push_back({"connection-string-password",
                     "spring.data.mongodb.uri=mongodb+srv://admin:" + mongo +
                         "@cluster0.abcde.mongodb.net/test\n",
                     mongo,
                     {}});
  }
  {
    const std::string token = std::string("np") + "m_" + random_chars(kAlnum, 36, 41);
    cases.push_back(
        {"npm-token",
         "//registry.npmjs.org/:_authToken=" + token + "\n",
         token,
         {"//registry.npmjs.org/:_authToken=npm_" + std::string(36, 'x') + "\n",
          "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n",
          "//registry.npmjs.org/:_authToken=npm_" + random_chars(kAlnum, 20, 42) + "\n"}});
  }
  {
    const std::string key = std::string("sk") + "-proj-" + random_chars(kUrlSafe, 48, 43);
    cases.push_back({"openai-api-key",
                     "client = OpenAI(api_key=\"" + key + "\")\n",
                     key,
                     {"OPENAI_API_KEY=sk-your-api-key-here-" + random_chars(kAlnum, 24, 44) + "\n",
                      "OPENAI_API_KEY=sk-" + std::string(40, 'x') + "\n",
                      "OPENAI_API_KEY=sk-" + random_chars(kAlnum, 20, 45) + "\n",
                      "disk-" + random_chars(kAlnum, 40, 46) + "\n"}});
  }
  return cases;
}

TEST(SecretRules, EveryRuleHasASample) {
  std::set<std::string> with_samples;
  for (const RuleCase& rule_case : rule_cases()) with_samples.insert(rule_case.rule);
  for (const fs::path& file : secret_rule_files()) {
    EXPECT_TRUE(with_samples.contains(file.stem().string()))
        << file << " has no sample in rule_cases(); add one";
  }
}

TEST(SecretRules, EachRuleFindsItsSampleAndIgnoresNearMisses) {
  std::map<std::string, SecretSpec> specs;
  for (const RuleCase& rule_case : rule_cases()) {
    SCOPED_TRACE(rule_case.rule + ": " + rule_case.text);
    if (!specs.contains(rule_case.rule)) specs[rule_case.rule] = load_rule(rule_case.rule);
    const SecretSpec& spec = specs[rule_case.rule];
    EXPECT_EQ(values(spec, rule_case.text), std::vector<std::string>{rule_case.secret});
    for (const std::string& near_miss : rule_case.near_misses) {
      EXPECT_THAT(values(spec, near_miss), ::testing::IsEmpty()) << "near miss: " << near_miss;
    }
  }
}

// Rules are general: a sample for one rule is not reported by unrelated ones (the generic rules
// may also see a credential-like name, so they are left out).
TEST(SecretRules, SpecificRulesDoNotFireOnOtherRulesSamples) {
  const std::set<std::string> generic = {"generic-credential", "config-credential",
                                         "aws-secret-access-key"};
  std::map<std::string, SecretSpec> specs;
  for (const fs::path& file : secret_rule_files()) {
    specs[file.stem().string()] = load_rule(file.stem().string());
  }
  for (const RuleCase& rule_case : rule_cases()) {
    for (const auto& [name, spec] : specs) {
      if (name == rule_case.rule || generic.contains(name)) continue;
      EXPECT_THAT(values(spec, rule_case.text), ::testing::IsEmpty())
          << name << " fired on the sample for " << rule_case.rule;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The spec's parser.

TEST(SecretSpec, ParsesEveryKey) {
  const SecretSpec spec = must_parse(R"(
regex = '(?i)key\s*=\s*(\w+)'
capture = 1
keywords = ["svc", "key"]
min_entropy = 2.5
min_length = 6
allow = ['^test', 'dummy']
)");
  ASSERT_NE(spec.regex, nullptr);
  EXPECT_EQ(spec.capture, 1);
  EXPECT_EQ(spec.keywords, (std::vector<std::string>{"svc", "key"}));
  EXPECT_EQ(spec.min_entropy, 2.5);
  EXPECT_EQ(spec.min_length, 6u);
  EXPECT_EQ(spec.allow.size(), 2u);

  const SecretSpec defaults = must_parse("regex = 'abc'\nmin_entropy = 3\n");
  EXPECT_EQ(defaults.capture, 0);
  EXPECT_TRUE(defaults.keywords.empty());
  EXPECT_EQ(defaults.min_entropy, 3.0);
  EXPECT_FALSE(defaults.min_length.has_value());
  EXPECT_TRUE(defaults.allow.empty());

  // Copies share the compiled expression.
  const SecretSpec copy = spec;
  EXPECT_EQ(copy.regex.get(), spec.regex.get());
}

TEST(SecretSpec, BadSpecsNameTheKey) {
  struct Case {
    std::string toml;
    std::string message;
  };
  const Case cases[] = {
      {"capture = 1\n",
       "`secret.regex` is missing; give the regular expression (RE2 syntax) that finds the "
       "secret"},
      {"regex = ''\n",
       "`secret.regex` is empty; give the regular expression (RE2 syntax) that finds the secret"},
      {"regex = 5\n", "`secret.regex` must be a string, not an integer; fix the rule file"},
      {"regex = 'a(b)'\ncapture = '1'\n",
       "`secret.capture` must be an integer, not a string; fix the rule file"},
      {"regex = 'a(b)'\ncapture = 2\n",
       "`secret.capture` is 2, but `secret.regex` has 1 capturing group(s); use 0 for the whole "
       "match or the number of the group that holds the secret"},
      {"regex = 'a'\ncapture = -1\n",
       "`secret.capture` is -1, but `secret.regex` has 0 capturing group(s); use 0 for the whole "
       "match or the number of the group that holds the secret"},
      {"regex = 'a'\nkeywords = 'aws'\n",
       "`secret.keywords` must be an array of strings, not a string; fix the rule file"},
      {"regex = 'a'\nkeywords = ['aws', 1]\n",
       "`secret.keywords` must be an array of strings, not an array; fix the rule file"},
      {"regex = 'a'\nkeywords = ['AWS']\n",
       "`secret.keywords` entry \"AWS\" must be lower case (they are matched ignoring case); "
       "write it in lower case"},
      {"regex = 'a'\nkeywords = ['']\n",
       "`secret.keywords` has an empty entry; remove it from the rule file"},
      {"regex = 'a'\nmin_entropy = 'high'\n",
       "`secret.min_entropy` must be a number, not a string; fix the rule file"},
      {"regex = 'a'\nmin_entropy = 9.5\n",
       "`secret.min_entropy` is 9.5, but entropy is measured in bits per byte: give a number from "
       "0 to 8 (3.5 suits random tokens)"},
      {"regex = 'a'\nmin_length = 1.5\n",
       "`secret.min_length` must be an integer, not a number; fix the rule file"},
      {"regex = 'a'\nmin_length = -1\n",
       "`secret.min_length` is -1; give a length in bytes, 0 or more"},
      {"regex = 'a'\nallow = 'x'\n",
       "`secret.allow` must be an array of regular expressions (strings), not a string; fix the "
       "rule file"},
      {"regex = 'a'\nregexp = 'b'\n",
       "unknown key `secret.regexp`; the [secret] table takes regex, capture, keywords, "
       "min_entropy, min_length and allow"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.toml);
    auto spec = spec_from(c.toml);
    ASSERT_FALSE(spec.ok());
    EXPECT_EQ(spec.error().code(), core::Code::kInvalidArgument);
    EXPECT_EQ(spec.error().where(), "rules/secrets/test.toml");
    EXPECT_EQ(spec.error().message(), c.message);
  }
}

TEST(SecretSpec, ExpressionsThatDoNotCompileNameTheKeyAndTheReason) {
  auto bad_regex = spec_from("regex = '(unclosed'\n");
  ASSERT_FALSE(bad_regex.ok());
  EXPECT_EQ(bad_regex.error().code(), core::Code::kInvalidArgument);
  EXPECT_EQ(bad_regex.error().where(), "rules/secrets/test.toml");
  EXPECT_THAT(bad_regex.error().message(),
              HasSubstr("`secret.regex` is not a valid RE2 regular expression (missing )"));

  // Look-behind is Perl, not RE2.
  auto look_behind = spec_from("regex = '(?<=key=)\\w+'\n");
  ASSERT_FALSE(look_behind.ok());
  EXPECT_THAT(look_behind.error().message(), HasSubstr("`secret.regex` is not a valid RE2"));

  auto bad_allow = spec_from("regex = 'a'\nallow = ['ok', '[z-a]']\n");
  ASSERT_FALSE(bad_allow.ok());
  EXPECT_THAT(bad_allow.error().message(),
              HasSubstr("`secret.allow` is not a valid RE2 regular expression"));
}

// ---------------------------------------------------------------------------------------------
// Matching.

TEST(FindSecrets, ReportsTheCapturedGroupInOrder) {
  const SecretSpec spec = must_parse("regex = 'id=(\\w+);'\ncapture = 1\n");
  const std::string text = "a id=first; b id=second; id=;";
  const auto matches = find_secrets(spec, text);
  ASSERT_EQ(matches.size(), 2u);
  EXPECT_EQ(matches[0].start_byte, 5u);
  EXPECT_EQ(matches[0].end_byte, 10u);
  EXPECT_EQ(values(spec, text), (std::vector<std::string>{"first", "second"}));
}

TEST(FindSecrets, SkipsAGroupThatDidNotTakePart) {
  const SecretSpec spec = must_parse("regex = 'k(?:=(\\w+)|!)'\ncapture = 1\n");
  EXPECT_EQ(values(spec, "k! k=v k!"), std::vector<std::string>{"v"});
}

TEST(FindSecrets, KeywordsMustBeInTheMatchOrShortlyBeforeItOnTheSameLine) {
  const SecretSpec spec = must_parse("regex = '[0-9a-f]{8}'\nkeywords = ['vault']\n");
  const std::string value = "1f3a9c07";
  // In the match's 40-byte window, ignoring case.
  EXPECT_EQ(values(spec, "VAULT=" + value), std::vector<std::string>{value});
  EXPECT_EQ(values(spec, "vault" + std::string(35, ' ') + value), std::vector<std::string>{value});
  // One byte too far: the window starts inside the keyword.
  EXPECT_THAT(values(spec, "vault" + std::string(36, ' ') + value), ::testing::IsEmpty());
  // On the previous line.
  EXPECT_THAT(values(spec, "vault\n" + value), ::testing::IsEmpty());
  // After the value.
  EXPECT_THAT(values(spec, value + " vault"), ::testing::IsEmpty());
  // Inside the match itself.
  const SecretSpec inside = must_parse(
      "regex = 'vault_([0-9a-f]{8})'\ncapture = 1\n"
      "keywords = ['vault']\n");
  EXPECT_EQ(values(inside, "x = vault_" + value), std::vector<std::string>{value});
  // Any of several keywords.
  const SecretSpec several = must_parse("regex = '[0-9a-f]{8}'\nkeywords = ['aws', 'vault']\n");
  EXPECT_EQ(values(several, "aws: " + value), std::vector<std::string>{value});
}

TEST(FindSecrets, FiltersByLengthEntropyAndAllowList) {
  const SecretSpec spec = must_parse(R"(
regex = '=(\S+)'
capture = 1
min_length = 8
min_entropy = 3.0
allow = ['(?i)^dummy', 'x{4}']
)");
  const std::string good = random_chars(kAlnum, 16, 47);
  EXPECT_EQ(values(spec, "=" + good), std::vector<std::string>{good});
  EXPECT_THAT(values(spec, "=" + good.substr(0, 7)), ::testing::IsEmpty());  // too short
  EXPECT_THAT(values(spec, "=abababababababab"), ::testing::IsEmpty());      // 1 bit per char
  EXPECT_THAT(values(spec, "=DUMMY" + good), ::testing::IsEmpty());          // allowed
  EXPECT_THAT(values(spec, "=" + good + "xxxx"), ::testing::IsEmpty());      // allowed
  EXPECT_THAT(values(spec, ""), ::testing::IsEmpty());
}

TEST(FindSecrets, EmptyMatchesDoNotLoop) {
  const SecretSpec spec = must_parse("regex = 'x*'\n");
  EXPECT_EQ(values(spec, "ab xx c x"), (std::vector<std::string>{"xx", "x"}));
  EXPECT_THAT(find_secrets(SecretSpec{}, "anything"), ::testing::IsEmpty());
}

// ---------------------------------------------------------------------------------------------
// Entropy and redaction.

TEST(ShannonEntropy, KnownValues) {
  EXPECT_DOUBLE_EQ(shannon_entropy(""), 0.0);
  EXPECT_DOUBLE_EQ(shannon_entropy("aaaaaaaa"), 0.0);
  EXPECT_DOUBLE_EQ(shannon_entropy("ab"), 1.0);
  EXPECT_DOUBLE_EQ(shannon_entropy("aabb"), 1.0);
  EXPECT_DOUBLE_EQ(shannon_entropy("abcd"), 2.0);
  EXPECT_DOUBLE_EQ(shannon_entropy("0123456789abcdef"), 4.0);
  // "hello": four symbols with probabilities 0.2, 0.2, 0.4, 0.2.
  EXPECT_NEAR(shannon_entropy("hello"), 3 * -0.2 * std::log2(0.2) - 0.4 * std::log2(0.4), 1e-12);
  std::string every_byte;
  for (int b = 0; b < 256; ++b) every_byte.push_back(static_cast<char>(b));
  EXPECT_DOUBLE_EQ(shannon_entropy(every_byte), 8.0);
  // Random base64 is far above a hex digest, which cannot exceed 4 bits.
  EXPECT_GT(shannon_entropy(random_chars(kBase64, 40, 48)), 4.5);
  EXPECT_LE(shannon_entropy(random_chars(kHex, 40, 49)), 4.0);
}

TEST(Redact, KeepsAtMostFourCharacters) {
  EXPECT_EQ(redact(""), "");
  EXPECT_EQ(redact("abc"), "***");
  EXPECT_EQ(redact("hunter2"), "h******");
  EXPECT_EQ(redact("12345678"), "12******");
  EXPECT_EQ(redact("AKIA" + std::string("IOSFODNN7EXAMPLE")), "AKIA****************");
  // Multi-byte characters are kept or replaced whole.
  EXPECT_EQ(redact("pässwörd"), "pä******");

  for (uint32_t seed = 0; seed < 200; ++seed) {
    const std::string value = random_chars(kPasswordChars, seed % 90, seed);
    const size_t kept = std::min<size_t>(4, value.size() / 4);
    EXPECT_EQ(redact(value), value.substr(0, kept) + std::string(value.size() - kept, '*'));
  }
}

}  // namespace
}  // namespace ward::scan
