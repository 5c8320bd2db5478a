#pragma once
// Ward's one TLS policy, applied to every listener (`ward serve`) and every outbound client
// (OIDC, model backends, SIEM export); and the self-signed certificate that a single-machine
// install can use until the organisation issues a real one.
//
// The policy: TLS 1.2 minimum and TLS 1.3 preferred; on TLS 1.2 only ECDHE key exchange (forward
// secrecy) with AEAD ciphers (AES-GCM, ChaCha20-Poly1305), so no CBC, RSA key transport, SHA-1
// MACs or export ciphers; no compression (CRIME) and no renegotiation; the server's cipher order
// wins; key exchange on X25519, P-256 or P-384; OpenSSL security level 2 or higher (no RSA keys
// under 2048 bits, no SHA-1 signatures). It does not turn on peer verification: outbound clients
// must still set SSL_VERIFY_PEER and the expected host name.
//
// Thread-safety: apply_tls_policy must finish before the SSL_CTX is shared between threads;
// the file functions are safe from any thread but should not race on the same paths.

#include <openssl/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace ward::crypto {

// Longer-lived keys are exposed for longer; ten years is the most `ward` will issue itself.
inline constexpr int kMaxCertificateValidityDays = 3650;

core::Status apply_tls_policy(SSL_CTX* ctx);

// Creates an ECDSA P-256 key and a self-signed SHA-256 certificate for `common_name`, valid from
// now for `valid_days` days, with a random 128-bit serial, CA:FALSE, key usage
// digitalSignature and extended key usage serverAuth. Its subject alternative names are
// localhost, 127.0.0.1 and ::1, plus `common_name` itself when it is a host name or an IP
// address, because TLS clients match only the alternative names (RFC 6125), never the CN.
// Existing files are replaced (atomically and durably), so callers that must not overwrite an
// operator's own key check for it first. The key file is created with mode 0600 and the
// certificate with 0644. A crash between the two writes leaves a pair that inspect_certificate()
// reports as not matching; running this again repairs it.
core::Status generate_self_signed_certificate(const std::filesystem::path& cert_pem,
                                              const std::filesystem::path& key_pem,
                                              std::string_view common_name, int valid_days);

struct CertificateInfo {
  std::filesystem::path cert_path;
  std::filesystem::path key_path;
  std::string subject;  // RFC 2253, e.g. "CN=localhost"
  // The DNS and IP alternative names, which are what TLS clients match against, written as
  // "DNS:localhost", "IP:127.0.0.1", "IP:::1".
  std::vector<std::string> subject_alt_names;
  std::chrono::system_clock::time_point not_before;
  std::chrono::system_clock::time_point not_after;
  // SHA-256 of the DER certificate as colon-separated upper-case hex, the form browsers and
  // `openssl x509 -fingerprint` show, so users can check a self-signed certificate they trust.
  std::string sha256_fingerprint;
  bool key_matches = false;  // whether the private key belongs to the certificate
};

// Reads a PEM certificate (the first one, if the file holds a chain) and an unencrypted PEM
// private key, and describes them. A key that does not match is reported in key_matches, not as
// an error, so `ward doctor` can show everything; check_serving_certificate() turns it into one.
core::Result<CertificateInfo> inspect_certificate(const std::filesystem::path& cert_pem,
                                                  const std::filesystem::path& key_pem);

// OK when the pair can serve TLS at `now`: the key matches and the certificate is within its
// validity period. Otherwise a kFailedPrecondition error that says how to fix it.
core::Status check_serving_certificate(const CertificateInfo& info,
                                       std::chrono::system_clock::time_point now);

}  // namespace ward::crypto
