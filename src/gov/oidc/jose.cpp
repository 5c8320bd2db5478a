#include "gov/oidc/jose.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "core/owned.h"
#include "gov/oidc/base64url.h"

namespace ward::gov::oidc {
namespace {

using core::Owned;

using BigNum = Owned<BIGNUM, BN_free>;
using ParamBuilder = Owned<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>;
using Params = Owned<OSSL_PARAM, OSSL_PARAM_free>;
using PkeyCtx = Owned<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using MdCtx = Owned<EVP_MD_CTX, EVP_MD_CTX_free>;
using EcdsaSig = Owned<ECDSA_SIG, ECDSA_SIG_free>;

constexpr int kMaxJsonDepth = 32;
constexpr std::size_t kMaxTokenSize = 64 * 1024;
constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 8192;
constexpr std::size_t kP256CoordinateSize = 32;

core::Error unauthenticated(std::string message) {
  // Nothing queued by OpenSSL for a failure we explain ourselves may linger for a later caller.
  ERR_clear_error();
  return core::Error(core::Code::kUnauthenticated, "", std::move(message));
}

core::Error bad_key(std::string message) {
  return unauthenticated("a key in the provider's JWK Set " + std::move(message));
}

std::string join(std::string_view what, std::string_view rest) {
  return std::string(what) + std::string(rest);
}

const std::string* string_member(const nlohmann::json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return nullptr;
  return &it->get_ref<const std::string&>();
}

core::Result<std::shared_ptr<EVP_PKEY>> key_from_params(const char* type, OSSL_PARAM_BLD* builder) {
  Params params(OSSL_PARAM_BLD_to_param(builder));
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return bad_key("is not a valid public key");
  }
  std::shared_ptr<EVP_PKEY> key(raw, EVP_PKEY_free);
  PkeyCtx check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    return bad_key("is not a valid public key");
  }
  return key;
}

core::Result<std::shared_ptr<EVP_PKEY>> rsa_key(const nlohmann::json& jwk) {
  const std::string* n_text = string_member(jwk, "n");
  const std::string* e_text = string_member(jwk, "e");
  if (n_text == nullptr || e_text == nullptr) return bad_key("of type RSA lacks \"n\" or \"e\"");
  auto n_bytes = base64url_decode(*n_text);
  auto e_bytes = base64url_decode(*e_text);
  if (!n_bytes || !e_bytes || n_bytes->empty() || e_bytes->empty() || e_bytes->size() > 8) {
    return bad_key("has an RSA modulus or exponent that is not valid base64url");
  }
  BigNum n(BN_bin2bn(n_bytes->data(), static_cast<int>(n_bytes->size()), nullptr));
  BigNum e(BN_bin2bn(e_bytes->data(), static_cast<int>(e_bytes->size()), nullptr));
  if (!n || !e) return bad_key("could not be loaded");
  const int bits = BN_num_bits(n.get());
  if (bits < kMinRsaBits || bits > kMaxRsaBits) {
    return bad_key("is an RSA key of " + std::to_string(bits) +
                   " bits; Ward accepts 2048 to 8192 bits");
  }
  ParamBuilder builder(OSSL_PARAM_BLD_new());
  if (!builder || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    return bad_key("could not be loaded");
  }
  return key_from_params("RSA", builder.get());
}

core::Result<std::shared_ptr<EVP_PKEY>> ec_key(const nlohmann::json& jwk) {
  const std::string* crv = string_member(jwk, "crv");
  if (crv == nullptr || *crv != "P-256") return bad_key("is on a curve other than P-256");
  const std::string* x_text = string_member(jwk, "x");
  const std::string* y_text = string_member(jwk, "y");
  if (x_text == nullptr || y_text == nullptr) return bad_key("of type EC lacks \"x\" or \"y\"");
  auto x = base64url_decode(*x_text);
  auto y = base64url_decode(*y_text);
  if (!x || !y || x->size() != kP256CoordinateSize || y->size() != kP256CoordinateSize) {
    return bad_key("has P-256 coordinates that are not 32 bytes of base64url");
  }
  std::vector<std::uint8_t> point;
  point.reserve(1 + 2 * kP256CoordinateSize);
  point.push_back(0x04);  // uncompressed point (SEC 1 §2.3.3)
  point.insert(point.end(), x->begin(), x->end());
  point.insert(point.end(), y->begin(), y->end());
  ParamBuilder builder(OSSL_PARAM_BLD_new());
  if (!builder ||
      OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return bad_key("could not be loaded");
  }
  return key_from_params("EC", builder.get());
}

// An ES256 signature is R || S, 32 bytes each; OpenSSL verifies the DER SEQUENCE form.
std::optional<std::vector<std::uint8_t>> ecdsa_der(std::span<const std::uint8_t> raw) {
  if (raw.size() != 2 * kP256CoordinateSize) return std::nullopt;
  BigNum r(BN_bin2bn(raw.data(), static_cast<int>(kP256CoordinateSize), nullptr));
  BigNum s(
      BN_bin2bn(raw.data() + kP256CoordinateSize, static_cast<int>(kP256CoordinateSize), nullptr));
  EcdsaSig sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return std::nullopt;
  r.release();  // owned by sig now
  s.release();
  const int size = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (size <= 0) return std::nullopt;
  std::vector<std::uint8_t> der(static_cast<std::size_t>(size));
  unsigned char* out = der.data();
  if (i2d_ECDSA_SIG(sig.get(), &out) != size) return std::nullopt;
  return der;
}

bool is_jwt_type(std::string_view typ) {
  auto lower = [](std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
  };
  const std::string value = lower(typ);
  return value == "jwt" || value == "application/jwt";
}

}  // namespace

std::optional<nlohmann::json> parse_json_object(std::string_view text) {
  using Event = nlohmann::json::parse_event_t;
  std::vector<std::set<std::string>> members;  // one set of names per open object
  bool refused = false;
  auto check = [&](int depth, Event event, nlohmann::json& parsed) {
    if (depth > kMaxJsonDepth) refused = true;
    switch (event) {
      case Event::object_start:
        members.emplace_back();
        break;
      case Event::object_end:
        if (!members.empty()) members.pop_back();
        break;
      case Event::key:
        if (members.empty() || !parsed.is_string() ||
            !members.back().insert(parsed.get<std::string>()).second) {
          refused = true;
        }
        break;
      default:
        break;
    }
    return true;
  };
  nlohmann::json value = nlohmann::json::parse(text.begin(), text.end(), check,
                                               /*allow_exceptions=*/false);
  if (refused || value.is_discarded() || !value.is_object()) return std::nullopt;
  return value;
}

std::string_view algorithm_name(JwsAlgorithm algorithm) {
  switch (algorithm) {
    case JwsAlgorithm::kRs256:
      return "RS256";
    case JwsAlgorithm::kEs256:
      return "ES256";
  }
  return "";
}

std::optional<JwsAlgorithm> algorithm_from_name(std::string_view name) {
  if (name == "RS256") return JwsAlgorithm::kRs256;
  if (name == "ES256") return JwsAlgorithm::kEs256;
  return std::nullopt;
}

bool Jwk::fits(JwsAlgorithm algorithm) const {
  if (!key) return false;
  if (!alg.empty() && alg != algorithm_name(algorithm)) return false;
  switch (algorithm) {
    case JwsAlgorithm::kRs256:
      return kty == "RSA";
    case JwsAlgorithm::kEs256:
      return kty == "EC";
  }
  return false;
}

core::Result<Jwk> parse_jwk(const nlohmann::json& jwk) {
  if (!jwk.is_object()) return bad_key("is not a JSON object");
  const std::string* kty = string_member(jwk, "kty");
  if (kty == nullptr) return bad_key("has no \"kty\"");
  // A published private key is a provider misconfiguration; Ward will not use such a key at all.
  for (const char* member : {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}) {
    if (jwk.contains(member)) return bad_key("carries private or symmetric key material");
  }
  if (auto it = jwk.find("use"); it != jwk.end() && (!it->is_string() || *it != "sig")) {
    return bad_key("is not meant for signatures (\"use\")");
  }
  if (auto it = jwk.find("key_ops"); it != jwk.end()) {
    bool verify = false;
    if (!it->is_array()) return bad_key("has a \"key_ops\" that is not an array");
    for (const auto& op : *it) verify = verify || (op.is_string() && op == "verify");
    if (!verify) return bad_key("is not meant for verifying signatures (\"key_ops\")");
  }
  Jwk out;
  out.kty = *kty;
  if (auto it = jwk.find("kid"); it != jwk.end()) {
    if (!it->is_string()) return bad_key("has a \"kid\" that is not a string");
    out.kid = it->get<std::string>();
  }
  if (auto it = jwk.find("alg"); it != jwk.end()) {
    if (!it->is_string()) return bad_key("has an \"alg\" that is not a string");
    out.alg = it->get<std::string>();
  }
  core::Result<std::shared_ptr<EVP_PKEY>> key =
      out.kty == "RSA" ? rsa_key(jwk)
      : out.kty == "EC"
          ? ec_key(jwk)
          : core::Result<std::shared_ptr<EVP_PKEY>>(bad_key("is of a type other than RSA or EC"));
  if (!key) return std::move(key).error();
  if (!out.alg.empty()) {
    auto named = algorithm_from_name(out.alg);
    if (!named || !Jwk{out.kid, out.kty, "", *key}.fits(*named)) {
      return bad_key("names an algorithm that Ward does not verify with it");
    }
  }
  out.key = std::move(key).value();
  return out;
}

core::Result<JwkSet> JwkSet::parse(std::string_view json) {
  auto document = parse_json_object(json);
  if (!document) return unauthenticated("the provider's JWK Set is not a valid JSON object");
  auto keys = document->find("keys");
  if (keys == document->end() || !keys->is_array()) {
    return unauthenticated("the provider's JWK Set has no \"keys\" array");
  }
  JwkSet set;
  for (const auto& entry : *keys) {
    auto jwk = parse_jwk(entry);
    if (jwk) set.keys_.push_back(std::move(jwk).value());
  }
  if (set.keys_.empty()) {
    return unauthenticated(
        "the provider's JWK Set has no RSA (2048 bits or more) or EC P-256 signing key");
  }
  return set;
}

const Jwk* JwkSet::find(std::string_view kid, JwsAlgorithm algorithm) const {
  const Jwk* only = nullptr;
  int fitting = 0;
  for (const auto& key : keys_) {
    if (!key.fits(algorithm)) continue;
    if (!kid.empty()) {
      if (key.kid == kid) return &key;
      continue;
    }
    only = &key;
    ++fitting;
  }
  return kid.empty() && fitting == 1 ? only : nullptr;
}

core::Result<Jws> parse_jws(std::string_view compact, std::span<const JwsAlgorithm> allowed,
                            std::string_view what) {
  if (compact.size() > kMaxTokenSize) return unauthenticated(join(what, " is larger than 64 KiB"));
  const auto first = compact.find('.');
  const auto second = first == std::string_view::npos ? first : compact.find('.', first + 1);
  if (second == std::string_view::npos || compact.find('.', second + 1) != std::string_view::npos) {
    return unauthenticated(join(what, " is not a compact JWS (three parts separated by dots)"));
  }
  const auto header_text = base64url_decode(compact.substr(0, first));
  const auto payload_text = base64url_decode(compact.substr(first + 1, second - first - 1));
  auto signature = base64url_decode(compact.substr(second + 1));
  if (!header_text || !payload_text || !signature) {
    return unauthenticated(join(what, " is not valid base64url"));
  }
  if (signature->empty()) return unauthenticated(join(what, " is not signed"));
  auto as_text = [](const std::vector<std::uint8_t>& bytes) {
    return std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  };
  auto header = parse_json_object(as_text(*header_text));
  if (!header) return unauthenticated(join(what, " has a header that is not a JSON object"));
  const std::string* alg = string_member(*header, "alg");
  if (alg == nullptr) return unauthenticated(join(what, " has no signing algorithm (\"alg\")"));
  const auto algorithm = algorithm_from_name(*alg);
  if (!algorithm || std::find(allowed.begin(), allowed.end(), *algorithm) == allowed.end()) {
    std::string names;
    for (auto a : allowed) names += (names.empty() ? "" : " or ") + std::string(algorithm_name(a));
    return unauthenticated(join(what,
                                " is signed with an algorithm that Ward does not accept "
                                "(it accepts " +
                                    names + ")"));
  }
  for (const char* member : {"crit", "b64", "zip", "enc"}) {
    if (header->contains(member)) {
      return unauthenticated(
          join(what, " uses a JOSE header extension that Ward does not support"));
    }
  }
  if (auto typ = header->find("typ"); typ != header->end()) {
    if (!typ->is_string() || !is_jwt_type(typ->get_ref<const std::string&>())) {
      return unauthenticated(join(what, " has a type (\"typ\") other than JWT"));
    }
  }
  Jws jws{*algorithm, "", std::move(*header), nlohmann::json(), "", std::move(*signature)};
  if (auto kid = jws.header.find("kid"); kid != jws.header.end()) {
    if (!kid->is_string() || kid->get_ref<const std::string&>().empty()) {
      return unauthenticated(join(what, " has a key id (\"kid\") that is not a non-empty string"));
    }
    jws.kid = kid->get<std::string>();
  }
  auto payload = parse_json_object(as_text(*payload_text));
  if (!payload) return unauthenticated(join(what, " has claims that are not a JSON object"));
  jws.payload = std::move(*payload);
  jws.signing_input = std::string(compact.substr(0, second));
  return jws;
}

core::Status verify_jws(const Jws& jws, const Jwk& key, std::string_view what) {
  if (!key.fits(jws.algorithm)) {
    return unauthenticated(join(what, " names a key that is not meant for its algorithm"));
  }
  std::vector<std::uint8_t> signature;
  if (jws.algorithm == JwsAlgorithm::kEs256) {
    auto der = ecdsa_der(jws.signature);
    if (!der) return unauthenticated(join(what, " has an ES256 signature of the wrong length"));
    signature = std::move(*der);
  } else {
    if (jws.signature.size() != static_cast<std::size_t>(EVP_PKEY_get_size(key.key.get()))) {
      return unauthenticated(join(what, " has an RS256 signature of the wrong length"));
    }
    signature = jws.signature;
  }
  MdCtx ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pkey_ctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit_ex(ctx.get(), &pkey_ctx, "SHA256", nullptr, nullptr,
                                      key.key.get(), nullptr) != 1) {
    return unauthenticated(join(what, " could not be verified (OpenSSL refused the key)"));
  }
  if (jws.algorithm == JwsAlgorithm::kRs256 &&
      EVP_PKEY_CTX_set_rsa_padding(pkey_ctx, RSA_PKCS1_PADDING) != 1) {
    return unauthenticated(join(what, " could not be verified (OpenSSL refused the padding)"));
  }
  const auto* data = reinterpret_cast<const unsigned char*>(jws.signing_input.data());
  if (EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), data,
                       jws.signing_input.size()) != 1) {
    return unauthenticated(join(what, " has a signature that does not verify"));
  }
  return core::ok_status();
}

}  // namespace ward::gov::oidc
