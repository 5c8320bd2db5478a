#include "crypto/tls.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <optional>

#include "core/clock.h"
#include "core/file.h"
#include "crypto/openssl_util.h"
#include "crypto/secret.h"

namespace ward::crypto {
namespace {

namespace fs = std::filesystem;
using Bio = detail::Owned<BIO, BIO_free_all>;
using BigNum = detail::Owned<BIGNUM, BN_free>;
using Certificate = detail::Owned<X509, X509_free>;
using Extension = detail::Owned<X509_EXTENSION, X509_EXTENSION_free>;
using GeneralNames = detail::Owned<GENERAL_NAMES, GENERAL_NAMES_free>;
using PrivateKey = detail::Owned<EVP_PKEY, EVP_PKEY_free>;
using TimePoint = std::chrono::system_clock::time_point;

constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256";
constexpr char kTls13CipherSuites[] =
    "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256";
constexpr char kGroups[] = "X25519:P-256:P-384";
constexpr int kMinSecurityLevel = 2;
// A certificate or key in PEM is a few kilobytes; anything far larger is the wrong file.
constexpr off_t kMaxPemFileSize = 1 << 20;
// X.509's upper bound for a common name (RFC 5280 ub-common-name).
constexpr std::size_t kMaxCommonNameSize = 64;
constexpr char kDefaultAltNames[] = "DNS:localhost,IP:127.0.0.1,IP:::1";

core::Error policy_failure(const char* what) {
  return detail::openssl_error(core::Code::kInternal, "",
                               std::string("OpenSSL refused Ward's TLS policy (") + what +
                                   "); it may be too old or restricted by its configuration");
}

// --- Certificate generation ---

core::Status check_certificate_request(std::string_view common_name, int valid_days) {
  if (common_name.empty() || common_name.size() > kMaxCommonNameSize) {
    return core::Error(core::Code::kInvalidArgument, "",
                       "a certificate's common name must be 1 to 64 bytes; got " +
                           std::to_string(common_name.size()));
  }
  if (valid_days < 1 || valid_days > kMaxCertificateValidityDays) {
    return core::Error(core::Code::kInvalidArgument, "",
                       "a certificate's validity must be 1 to " +
                           std::to_string(kMaxCertificateValidityDays) + " days; got " +
                           std::to_string(valid_days));
  }
  return core::ok_status();
}

bool is_ip_address(const std::string& text) {
  std::uint8_t address[16];
  return inet_pton(AF_INET, text.c_str(), address) == 1 ||
         inet_pton(AF_INET6, text.c_str(), address) == 1;
}

bool is_host_label(std::string_view label) {
  const auto allowed = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
  };
  return !label.empty() && label.size() <= 63 && label.front() != '-' && label.back() != '-' &&
         std::all_of(label.begin(), label.end(), allowed);
}

bool is_host_name(std::string_view name) {
  if (name.size() > 253) return false;
  for (std::size_t start = 0;;) {
    const std::size_t dot = name.find('.', start);
    if (!is_host_label(name.substr(start, dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// The default names, plus the common name when a client could reach the server by it. Only
// validated host names and IP addresses are added, so the list cannot be bent by a comma.
std::string subject_alt_names_for(std::string_view common_name) {
  const std::string name(common_name);
  std::string names = kDefaultAltNames;
  if (name == "localhost" || name == "127.0.0.1" || name == "::1") return names;
  if (is_ip_address(name)) return names + ",IP:" + name;
  if (is_host_name(name)) return names + ",DNS:" + name;
  return names;
}

// The top bit is set so the serial is never zero and always 128 bits long.
bool set_random_serial(X509* cert) {
  BigNum serial(BN_new());
  return serial && BN_rand(serial.get(), 128, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) == 1 &&
         BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert)) != nullptr;
}

// Both ends come from one reading of the clock, so the period is exactly `valid_days` days.
bool set_validity(X509* cert, int valid_days) {
  std::time_t now = std::time(nullptr);
  return X509_time_adj_ex(X509_getm_notBefore(cert), 0, 0, &now) != nullptr &&
         X509_time_adj_ex(X509_getm_notAfter(cert), valid_days, 0, &now) != nullptr;
}

bool set_names(X509* cert, std::string_view common_name) {
  X509_NAME* name = X509_get_subject_name(cert);
  return X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                    reinterpret_cast<const unsigned char*>(common_name.data()),
                                    static_cast<int>(common_name.size()), -1, 0) == 1 &&
         X509_set_issuer_name(cert, name) == 1;
}

bool add_extension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  Extension extension(X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str()));
  return extension && X509_add_ext(cert, extension.get(), -1) == 1;
}

bool add_extensions(X509* cert, std::string_view common_name) {
  X509V3_CTX ctx{};
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  return add_extension(cert, &ctx, NID_basic_constraints, "critical,CA:FALSE") &&
         add_extension(cert, &ctx, NID_key_usage, "critical,digitalSignature") &&
         add_extension(cert, &ctx, NID_ext_key_usage, "serverAuth") &&
         add_extension(cert, &ctx, NID_subject_alt_name, subject_alt_names_for(common_name)) &&
         add_extension(cert, &ctx, NID_subject_key_identifier, "hash");
}

core::Result<Certificate> build_certificate(EVP_PKEY* key, std::string_view common_name,
                                            int valid_days) {
  Certificate cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      !set_random_serial(cert.get()) || !set_validity(cert.get(), valid_days) ||
      !set_names(cert.get(), common_name) || X509_set_pubkey(cert.get(), key) != 1 ||
      !add_extensions(cert.get(), common_name) || X509_sign(cert.get(), key, EVP_sha256()) <= 0) {
    return detail::openssl_error(core::Code::kInternal, "",
                                 "OpenSSL could not build the self-signed certificate");
  }
  return cert;
}

std::string_view bio_contents(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return {data, static_cast<std::size_t>(size)};
}

// The key's PEM lives in secure-heap memory that OpenSSL cleanses when the BIO is freed.
core::Status write_private_key(const fs::path& path, EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_secmem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return detail::openssl_error(core::Code::kInternal, path.string(),
                                 "OpenSSL could not encode the private key as PEM");
  }
  return core::write_file_atomic(path, bio_contents(bio.get()), 0600);
}

core::Status write_certificate(const fs::path& path, X509* cert) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) {
    return detail::openssl_error(core::Code::kInternal, path.string(),
                                 "OpenSSL could not encode the certificate as PEM");
  }
  return core::write_file_atomic(path, bio_contents(bio.get()), 0644);
}

// --- Certificate inspection ---

core::Error read_error(const fs::path& path, const char* what, int error) {
  if (error == ENOENT) {
    return core::Error(core::Code::kNotFound, path.string(),
                       std::string("the ") + what +
                           " file does not exist; check the path in the configuration or "
                           "generate a self-signed certificate");
  }
  return core::Error(core::Code::kFailedPrecondition, path.string(),
                     std::string("could not read the ") + what + " file: " + std::strerror(error) +
                         "; check its owner and permissions");
}

bool read_exactly(int fd, std::span<std::uint8_t> buffer) {
  while (!buffer.empty()) {
    const ssize_t got = ::read(fd, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    buffer = buffer.subspan(static_cast<std::size_t>(got));
  }
  return true;
}

// Read into SecretBytes, whatever the file, so a private key is cleansed from memory after use.
core::Result<SecretBytes> read_pem_file(const fs::path& path, const char* what) {
  // O_NONBLOCK keeps a FIFO given by mistake from blocking the open; fstat then refuses it.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return read_error(path, what, errno);
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode) || info.st_size > kMaxPemFileSize) {
    ::close(fd);
    return core::Error(core::Code::kInvalidArgument, path.string(),
                       std::string("this is not a PEM ") + what +
                           " file: it is not a regular file of at most 1 MiB");
  }
  SecretBytes contents(static_cast<std::size_t>(info.st_size));
  const bool complete = read_exactly(fd, contents.writable());
  const int error = errno;
  ::close(fd);
  if (!complete) return read_error(path, what, error == 0 ? EIO : error);
  return contents;
}

// Without this callback OpenSSL would prompt on the terminal for an encrypted key's passphrase.
int refuse_passphrase(char*, int, int, void*) {
  return -1;
}

Bio memory_bio(const SecretBytes& contents) {
  return Bio(BIO_new_mem_buf(contents.view().data(), static_cast<int>(contents.size())));
}

core::Result<Certificate> read_certificate(const fs::path& path) {
  auto contents = read_pem_file(path, "certificate");
  if (!contents) return std::move(contents).error();
  Bio bio = memory_bio(*contents);
  Certificate cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, refuse_passphrase, nullptr)
                       : nullptr);
  if (!cert) {
    return detail::openssl_error(
        core::Code::kInvalidArgument, path.string(),
        "this file does not hold a PEM certificate (-----BEGIN CERTIFICATE-----)");
  }
  return cert;
}

core::Result<PrivateKey> read_private_key(const fs::path& path) {
  auto contents = read_pem_file(path, "private key");
  if (!contents) return std::move(contents).error();
  Bio bio = memory_bio(*contents);
  PrivateKey key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, refuse_passphrase, nullptr)
                     : nullptr);
  if (!key) {
    return detail::openssl_error(core::Code::kInvalidArgument, path.string(),
                                 "this file does not hold an unencrypted PEM private key "
                                 "(-----BEGIN PRIVATE KEY-----); encrypted keys are not supported");
  }
  return key;
}

std::optional<std::string> subject_of(const X509* cert) {
  Bio bio(BIO_new(BIO_s_mem()));
  // Without ASN1_STRFLGS_ESC_MSB, UTF-8 names stay readable instead of turning into \U escapes.
  if (!bio || X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0,
                                 XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0) {
    return std::nullopt;
  }
  const auto text = bio_contents(bio.get());
  return std::string(text.begin(), text.end());
}

std::string ip_address_text(const ASN1_OCTET_STRING* address) {
  const int size = ASN1_STRING_length(address);
  if (size != 4 && size != 16) return "(malformed)";
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(size == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(address), text, sizeof(text));
  return text;
}

std::vector<std::string> subject_alt_names_of(const X509* cert) {
  GeneralNames names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  std::vector<std::string> result;
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type == GEN_DNS) {
      const ASN1_IA5STRING* dns = name->d.dNSName;
      const auto* data = reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns));
      result.push_back("DNS:" +
                       std::string(data, static_cast<std::size_t>(ASN1_STRING_length(dns))));
    } else if (name->type == GEN_IPADD) {
      result.push_back("IP:" + ip_address_text(name->d.iPAddress));
    }
  }
  return result;
}

std::optional<TimePoint> time_point_of(const ASN1_TIME* time) {
  std::tm parts{};
  if (ASN1_TIME_to_tm(time, &parts) != 1) return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&parts));
}

std::string fingerprint_of(const X509* cert) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (X509_digest(cert, EVP_sha256(), digest, &size) != 1) detail::fail_fast("hash a certificate");
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string text;
  for (unsigned int i = 0; i < size; ++i) {
    if (i != 0) text.push_back(':');
    text.push_back(kDigits[digest[i] >> 4]);
    text.push_back(kDigits[digest[i] & 0x0f]);
  }
  return text;
}

core::Error unusable(const fs::path& path, std::string message) {
  return core::Error(core::Code::kFailedPrecondition, path.string(), std::move(message));
}

}  // namespace

core::Status apply_tls_policy(SSL_CTX* ctx) {
  if (ctx == nullptr) {
    return core::Error(core::Code::kInvalidArgument, "", "apply_tls_policy needs an SSL_CTX");
  }
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
    return policy_failure("TLS 1.2 minimum");
  }
  // Zero means the highest version OpenSSL supports, so TLS 1.3 and later are never capped.
  if (SSL_CTX_set_max_proto_version(ctx, 0) != 1) return policy_failure("no maximum version");
  if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1) return policy_failure("TLS 1.2 ciphers");
  if (SSL_CTX_set_ciphersuites(ctx, kTls13CipherSuites) != 1) {
    return policy_failure("TLS 1.3 cipher suites");
  }
  if (SSL_CTX_set1_groups_list(ctx, kGroups) != 1) return policy_failure("key exchange groups");
  SSL_CTX_set_options(
      ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // Raise only: a system configured stricter than Ward stays stricter.
  if (SSL_CTX_get_security_level(ctx) < kMinSecurityLevel) {
    SSL_CTX_set_security_level(ctx, kMinSecurityLevel);
  }
  return core::ok_status();
}

core::Status generate_self_signed_certificate(const fs::path& cert_pem, const fs::path& key_pem,
                                              std::string_view common_name, int valid_days) {
  if (auto status = check_certificate_request(common_name, valid_days); !status) return status;
  PrivateKey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) {
    return detail::openssl_error(core::Code::kInternal, "",
                                 "OpenSSL could not generate an ECDSA P-256 key");
  }
  auto cert = build_certificate(key.get(), common_name, valid_days);
  if (!cert) return std::move(cert).error();
  if (auto status = write_private_key(key_pem, key.get()); !status) return status;
  return write_certificate(cert_pem, cert->get());
}

core::Result<CertificateInfo> inspect_certificate(const fs::path& cert_pem,
                                                  const fs::path& key_pem) {
  auto cert = read_certificate(cert_pem);
  if (!cert) return std::move(cert).error();
  auto key = read_private_key(key_pem);
  if (!key) return std::move(key).error();
  const auto subject = subject_of(cert->get());
  const auto not_before = time_point_of(X509_get0_notBefore(cert->get()));
  const auto not_after = time_point_of(X509_get0_notAfter(cert->get()));
  if (!subject || !not_before || !not_after) {
    return detail::openssl_error(core::Code::kInvalidArgument, cert_pem.string(),
                                 "the certificate's subject or validity dates cannot be read");
  }
  CertificateInfo info{cert_pem,
                       key_pem,
                       *subject,
                       subject_alt_names_of(cert->get()),
                       *not_before,
                       *not_after,
                       fingerprint_of(cert->get()),
                       X509_check_private_key(cert->get(), key->get()) == 1};
  // A mismatch leaves entries in the queue; it is reported through key_matches instead.
  detail::clear_openssl_errors();
  return info;
}

core::Status check_serving_certificate(const CertificateInfo& info, TimePoint now) {
  if (!info.key_matches) {
    return unusable(info.key_path, "this private key does not belong to the certificate " +
                                       info.cert_path.string() +
                                       "; configure the matching key, or generate a new "
                                       "certificate and key together");
  }
  if (now < info.not_before) {
    return unusable(info.cert_path, "the certificate is not valid until " +
                                        core::format_rfc3339(info.not_before) + "; check the system clock");
  }
  if (now > info.not_after) {
    return unusable(info.cert_path, "the certificate expired at " + core::format_rfc3339(info.not_after) +
                                        "; renew it or generate a new one");
  }
  return core::ok_status();
}

}  // namespace ward::crypto
