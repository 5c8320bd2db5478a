#include "crypto/tls.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <fstream>
#include <memory>

#include "support/test_support.h"

namespace ward::crypto {
namespace {

namespace fs = std::filesystem;
using std::chrono::hours;
using std::chrono::seconds;
using std::chrono::system_clock;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

mode_t mode_of(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

struct Pair {
  fs::path cert;
  fs::path key;
};

Pair generate(const ward::test::TempDir& dir, const std::string& name,
              std::string_view common_name = "localhost", int days = 30) {
  Pair pair{dir / (name + ".crt"), dir / (name + ".key")};
  auto status = generate_self_signed_certificate(pair.cert, pair.key, common_name, days);
  EXPECT_TRUE(status.ok()) << status.error().to_string();
  return pair;
}

CertificateInfo inspect(const Pair& pair) {
  auto info = inspect_certificate(pair.cert, pair.key);
  EXPECT_TRUE(info.ok()) << info.error().to_string();
  return info.ok() ? *info : CertificateInfo{};
}

std::unique_ptr<X509, decltype(&X509_free)> load_x509(const fs::path& path) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(path.c_str(), "r"), BIO_free);
  return {bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr, X509_free};
}

void expect_error(const core::Status& status, core::Code code, std::string_view mentions) {
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), code) << status.error().to_string();
  EXPECT_THAT(status.error().message(), HasSubstr(std::string(mentions)));
}

template <typename T>
core::Status status_of(const core::Result<T>& result) {
  return result.ok() ? core::ok_status() : core::Status(result.error());
}

// --- The policy, as configured on an SSL_CTX ---

TEST(CryptoTlsPolicy, ConfiguresVersionsOptionsAndCiphers) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_server_method()),
                                                        SSL_CTX_free);
  SSL_CTX_set_max_proto_version(ctx.get(), TLS1_2_VERSION);  // the policy must lift this cap
  SSL_CTX_set_security_level(ctx.get(), 0);                  // and raise this floor
  ASSERT_TRUE(apply_tls_policy(ctx.get()).ok());

  EXPECT_EQ(SSL_CTX_get_min_proto_version(ctx.get()), TLS1_2_VERSION);
  EXPECT_EQ(SSL_CTX_get_max_proto_version(ctx.get()), 0);
  EXPECT_GE(SSL_CTX_get_security_level(ctx.get()), 2);
  const uint64_t options = SSL_CTX_get_options(ctx.get());
  EXPECT_TRUE(options & SSL_OP_NO_COMPRESSION);
  EXPECT_TRUE(options & SSL_OP_NO_RENEGOTIATION);
  EXPECT_TRUE(options & SSL_OP_CIPHER_SERVER_PREFERENCE);

  std::vector<std::string> names;
  STACK_OF(SSL_CIPHER)* ciphers = SSL_CTX_get_ciphers(ctx.get());
  for (int i = 0; i < sk_SSL_CIPHER_num(ciphers); ++i) {
    const SSL_CIPHER* cipher = sk_SSL_CIPHER_value(ciphers, i);
    names.push_back(SSL_CIPHER_get_name(cipher));
    EXPECT_TRUE(SSL_CIPHER_is_aead(cipher)) << names.back();
  }
  EXPECT_EQ(names,
            (std::vector<std::string>{
                "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256",
                "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
                "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
                "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256"}));
}

TEST(CryptoTlsPolicy, KeepsAStricterSecurityLevel) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()),
                                                        SSL_CTX_free);
  SSL_CTX_set_security_level(ctx.get(), 3);
  ASSERT_TRUE(apply_tls_policy(ctx.get()).ok());
  EXPECT_EQ(SSL_CTX_get_security_level(ctx.get()), 3);
}

TEST(CryptoTlsPolicy, RejectsNullContext) {
  expect_error(apply_tls_policy(nullptr), core::Code::kInvalidArgument, "SSL_CTX");
}

// --- Self-signed certificates ---

TEST(CryptoCertificate, GeneratedCertificateIsDescribedByInspect) {
  ward::test::TempDir dir;
  const Pair pair = generate(dir, "server", "localhost", 30);
  const CertificateInfo info = inspect(pair);
  EXPECT_EQ(info.cert_path, pair.cert);
  EXPECT_EQ(info.key_path, pair.key);
  EXPECT_EQ(info.subject, "CN=localhost");
  EXPECT_THAT(info.subject_alt_names,
              UnorderedElementsAre("DNS:localhost", "IP:127.0.0.1", "IP:::1"));
  EXPECT_TRUE(info.key_matches);
  EXPECT_EQ(info.not_after - info.not_before, hours(24 * 30));
  const auto now = system_clock::now();
  EXPECT_LE(info.not_before, now);
  EXPECT_GT(info.not_before, now - seconds(60));
  EXPECT_EQ(info.sha256_fingerprint.size(), 32u * 3 - 1);
  EXPECT_TRUE(check_serving_certificate(info, now).ok());
}

TEST(CryptoCertificate, FilesHaveSafeModesAndNoLeftovers) {
  ward::test::TempDir dir;
  const mode_t old_umask = ::umask(0);  // the key must be 0600 even when the umask allows more
  const Pair pair = generate(dir, "server");
  ::umask(old_umask);
  EXPECT_EQ(mode_of(pair.key), 0600u);
  EXPECT_EQ(mode_of(pair.cert), 0644u);
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    files.push_back(entry.path().filename().string());
  }
  EXPECT_THAT(files, UnorderedElementsAre("server.crt", "server.key"));
}

TEST(CryptoCertificate, ReplacesAnExistingWorldReadableKey) {
  ward::test::TempDir dir;
  ward::test::write_text(dir / "server.key", "old");
  fs::permissions(dir / "server.key", fs::perms(0644));
  const Pair pair = generate(dir, "server");
  EXPECT_EQ(mode_of(pair.key), 0600u);
  EXPECT_TRUE(inspect(pair).key_matches);
}

TEST(CryptoCertificate, HasServerExtensionsAndRandomSerial) {
  ward::test::TempDir dir;
  auto cert = load_x509(generate(dir, "a").cert);
  auto other = load_x509(generate(dir, "b").cert);
  ASSERT_TRUE(cert && other);
  EXPECT_EQ(X509_get_version(cert.get()), X509_VERSION_3);
  EXPECT_EQ(X509_check_ca(cert.get()), 0);
  EXPECT_EQ(X509_get_key_usage(cert.get()), static_cast<uint32_t>(KU_DIGITAL_SIGNATURE));
  EXPECT_EQ(X509_get_extended_key_usage(cert.get()), static_cast<uint32_t>(XKU_SSL_SERVER));
  EXPECT_EQ(X509_get_signature_nid(cert.get()), NID_ecdsa_with_SHA256);
  EXPECT_EQ(X509_check_purpose(cert.get(), X509_PURPOSE_SSL_SERVER, 0), 1);

  const EVP_PKEY* key = X509_get0_pubkey(cert.get());
  char group[32] = {};
  ASSERT_EQ(EVP_PKEY_get_group_name(key, group, sizeof(group), nullptr), 1);
  EXPECT_STREQ(group, "prime256v1");

  const ASN1_INTEGER* serial = X509_get0_serialNumber(cert.get());
  EXPECT_EQ(ASN1_STRING_length(serial), 16);
  EXPECT_NE(ASN1_INTEGER_cmp(serial, X509_get0_serialNumber(other.get())), 0);
}

TEST(CryptoCertificate, CommonNameBecomesAnAltNameWhenClientsCouldUseIt) {
  ward::test::TempDir dir;
  EXPECT_THAT(inspect(generate(dir, "host", "ward.example.org")).subject_alt_names,
              Contains("DNS:ward.example.org"));
  EXPECT_THAT(inspect(generate(dir, "ip", "10.1.2.3")).subject_alt_names, Contains("IP:10.1.2.3"));
  const CertificateInfo label = inspect(generate(dir, "label", "Ward test, server"));
  EXPECT_EQ(label.subject, "CN=Ward test\\, server");
  EXPECT_THAT(label.subject_alt_names,
              UnorderedElementsAre("DNS:localhost", "IP:127.0.0.1", "IP:::1"));
}

TEST(CryptoCertificate, RejectsBadRequests) {
  ward::test::TempDir dir;
  expect_error(generate_self_signed_certificate(dir / "c", dir / "k", "localhost", 0),
               core::Code::kInvalidArgument, "1 to 3650 days");
  expect_error(generate_self_signed_certificate(dir / "c", dir / "k", "localhost", 3651),
               core::Code::kInvalidArgument, "got 3651");
  expect_error(generate_self_signed_certificate(dir / "c", dir / "k", "", 30),
               core::Code::kInvalidArgument, "common name");
  expect_error(generate_self_signed_certificate(dir / "c", dir / "k", std::string(65, 'a'), 30),
               core::Code::kInvalidArgument, "common name");
  expect_error(
      generate_self_signed_certificate(dir / "missing/c", dir / "missing/k", "localhost", 30),
      core::Code::kNotFound, "create the missing directory");
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(CryptoCertificate, MismatchedKeyIsDetected) {
  ward::test::TempDir dir;
  const Pair a = generate(dir, "a"), b = generate(dir, "b");
  auto info = inspect_certificate(a.cert, b.key);
  ASSERT_TRUE(info.ok()) << info.error().to_string();
  EXPECT_FALSE(info->key_matches);
  const auto status = check_serving_certificate(*info, system_clock::now());
  expect_error(status, core::Code::kFailedPrecondition, "does not belong to the certificate");
  EXPECT_EQ(status.error().where(), b.key.string());
}

TEST(CryptoCertificate, ServingCheckRejectsExpiredAndNotYetValid) {
  ward::test::TempDir dir;
  const CertificateInfo info = inspect(generate(dir, "server", "localhost", 1));
  expect_error(check_serving_certificate(info, info.not_after + seconds(1)),
               core::Code::kFailedPrecondition, "expired");
  expect_error(check_serving_certificate(info, info.not_before - seconds(1)),
               core::Code::kFailedPrecondition, "not valid until");
  EXPECT_TRUE(check_serving_certificate(info, info.not_after).ok());
}

TEST(CryptoCertificate, MissingFilesAreNotFound) {
  ward::test::TempDir dir;
  const Pair pair = generate(dir, "server");
  auto no_cert = inspect_certificate(dir / "absent.crt", pair.key);
  expect_error(status_of(no_cert), core::Code::kNotFound, "certificate file does not exist");
  EXPECT_EQ(no_cert.error().where(), (dir / "absent.crt").string());
  expect_error(status_of(inspect_certificate(pair.cert, dir / "absent.key")), core::Code::kNotFound,
               "private key file does not exist");
}

TEST(CryptoCertificate, UnparsableFilesAreInvalidArgument) {
  ward::test::TempDir dir;
  const Pair pair = generate(dir, "server");
  ward::test::write_text(dir / "garbage.pem", "this is not PEM\n");
  ward::test::write_text(dir / "empty.pem", "");
  expect_error(status_of(inspect_certificate(dir / "empty.pem", pair.key)),
               core::Code::kInvalidArgument, "does not hold a PEM certificate");
  expect_error(status_of(inspect_certificate(dir / "garbage.pem", pair.key)),
               core::Code::kInvalidArgument, "does not hold a PEM certificate");
  expect_error(status_of(inspect_certificate(pair.cert, dir / "garbage.pem")),
               core::Code::kInvalidArgument, "does not hold an unencrypted PEM private key");
  // Each file given where the other belongs.
  expect_error(status_of(inspect_certificate(pair.key, pair.cert)), core::Code::kInvalidArgument,
               "does not hold a PEM certificate");
  expect_error(status_of(inspect_certificate(pair.cert, pair.cert)), core::Code::kInvalidArgument,
               "private key");
  expect_error(status_of(inspect_certificate(dir.path(), pair.key)), core::Code::kInvalidArgument,
               "not a regular file");
  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);  // must not block waiting for a writer
  expect_error(status_of(inspect_certificate(dir / "fifo", pair.key)), core::Code::kInvalidArgument,
               "not a regular file");
}

// An encrypted key must fail cleanly rather than stop at a passphrase prompt on the terminal.
TEST(CryptoCertificate, EncryptedKeyIsRefusedWithoutPrompting) {
  ward::test::TempDir dir;
  const Pair pair = generate(dir, "server");
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), EVP_PKEY_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> out(BIO_new_file((dir / "enc.key").c_str(), "w"),
                                                BIO_free);
  ASSERT_TRUE(key && out);
  char passphrase[] = "secret";
  ASSERT_EQ(PEM_write_bio_PrivateKey(out.get(), key.get(), EVP_aes_256_cbc(), nullptr, 0, nullptr,
                                     passphrase),
            1);
  out.reset();
  expect_error(status_of(inspect_certificate(pair.cert, dir / "enc.key")),
               core::Code::kInvalidArgument, "encrypted keys are not supported");
}

}  // namespace
}  // namespace ward::crypto
