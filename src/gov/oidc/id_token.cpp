#include "gov/oidc/id_token.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>

#include "crypto/compare.h"
#include "crypto/secret.h"

namespace ward::gov::oidc {
namespace {

constexpr std::size_t kMaxSubjectLength = 255;  // OpenID Connect Core §2
// NumericDate values beyond this (year 5138) are nonsense, and would overflow time_point.
constexpr double kMaxNumericDate = 1e11;

core::Error refused(std::string message) {
  return core::Error(core::Code::kUnauthenticated, "", "the ID token " + std::move(message));
}

// A NumericDate claim (seconds since the epoch, possibly fractional) as a time point.
std::optional<core::TimePoint> numeric_date(const nlohmann::json& value) {
  if (!value.is_number()) return std::nullopt;
  const double seconds = value.get<double>();
  if (!std::isfinite(seconds) || seconds < 0 || seconds > kMaxNumericDate) return std::nullopt;
  return core::TimePoint(std::chrono::duration_cast<core::TimePoint::duration>(
      std::chrono::duration<double>(seconds)));
}

// The claim as a list of strings: a JSON string is a list of one; anything else is nullopt.
std::optional<std::vector<std::string>> string_list(const nlohmann::json& value) {
  if (value.is_string()) return std::vector<std::string>{value.get<std::string>()};
  if (!value.is_array()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& item : value) {
    if (!item.is_string()) return std::nullopt;
    out.push_back(item.get<std::string>());
  }
  return out;
}

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

core::Status check_id_token_claims(const nlohmann::json& claims,
                                   const IdTokenExpectations& expected) {
  auto iss = claims.find("iss");
  if (iss == claims.end() || !iss->is_string() || *iss != expected.issuer) {
    return refused("was not issued by the configured issuer (\"iss\" does not match)");
  }

  auto aud_claim = claims.find("aud");
  const auto audiences = aud_claim == claims.end() ? std::nullopt : string_list(*aud_claim);
  if (!audiences || !contains(*audiences, expected.client_id)) {
    return refused("is not meant for this client (\"aud\" does not contain the client id)");
  }
  auto azp = claims.find("azp");
  if (azp == claims.end() && audiences->size() > 1) {
    return refused("has several audiences but no authorized party (\"azp\")");
  }
  if (azp != claims.end() && (!azp->is_string() || *azp != expected.client_id)) {
    return refused("was issued to another party (\"azp\" is not the client id)");
  }

  auto sub = claims.find("sub");
  if (sub == claims.end() || !sub->is_string() || sub->get_ref<const std::string&>().empty() ||
      sub->get_ref<const std::string&>().size() > kMaxSubjectLength) {
    return refused("has no valid subject (\"sub\")");
  }

  const auto skew = expected.clock_skew;
  auto exp_claim = claims.find("exp");
  const auto exp = exp_claim == claims.end() ? std::nullopt : numeric_date(*exp_claim);
  if (!exp) return refused("has no valid expiry time (\"exp\")");
  if (*exp + skew <= expected.now) return refused("has expired (\"exp\" is in the past)");
  auto iat_claim = claims.find("iat");
  const auto iat = iat_claim == claims.end() ? std::nullopt : numeric_date(*iat_claim);
  if (!iat) return refused("has no valid issue time (\"iat\")");
  if (*iat > expected.now + skew) return refused("was issued in the future (\"iat\")");
  if (auto nbf_claim = claims.find("nbf"); nbf_claim != claims.end()) {
    const auto nbf = numeric_date(*nbf_claim);
    if (!nbf) return refused("has an invalid \"nbf\"");
    if (*nbf > expected.now + skew) return refused("is not valid yet (\"nbf\")");
  }

  auto nonce = claims.find("nonce");
  if (nonce == claims.end() || !nonce->is_string() ||
      !crypto::constant_time_equal(crypto::byte_view(nonce->get_ref<const std::string&>()),
                                   crypto::byte_view(expected.nonce))) {
    return refused("does not carry the nonce of this login (\"nonce\" does not match)");
  }

  if (!expected.required_acr_values.empty()) {
    auto acr = claims.find("acr");
    if (acr == claims.end() || !acr->is_string() ||
        !contains(expected.required_acr_values, acr->get_ref<const std::string&>())) {
      return refused(
          "does not show the required authentication context (\"acr\"); the provider must "
          "authenticate the user as the configured acr values demand");
    }
  }
  if (!expected.required_amr_values.empty()) {
    auto amr_claim = claims.find("amr");
    const auto amr = amr_claim == claims.end() || !amr_claim->is_array() ? std::nullopt
                                                                         : string_list(*amr_claim);
    for (const auto& required : expected.required_amr_values) {
      if (!amr || !contains(*amr, required)) {
        return refused(
            "does not show the required authentication methods (\"amr\"); the provider must "
            "authenticate the user with every configured amr value");
      }
    }
  }
  return core::ok_status();
}

core::Result<nlohmann::json> verify_id_token(std::string_view id_token,
                                             const IdTokenExpectations& expected,
                                             const KeyLookup& lookup) {
  auto jws = parse_jws(id_token, expected.algorithms, "the ID token");
  if (!jws) return std::move(jws).error();
  auto key = lookup(jws->kid, jws->algorithm);
  if (!key) return std::move(key).error();
  if (auto status = verify_jws(*jws, *key, "the ID token"); !status)
    return std::move(status).error();
  if (auto status = check_id_token_claims(jws->payload, expected); !status) {
    return std::move(status).error();
  }
  return std::move(jws->payload);
}

bool amr_asserts_mfa(std::span<const std::string> amr) {
  enum Factor { kKnowledge, kPossession, kInherence };
  static const std::vector<std::pair<std::string_view, Factor>> kFactors = {
      {"pwd", kKnowledge},  {"pin", kKnowledge},    {"kba", kKnowledge},  {"otp", kPossession},
      {"hwk", kPossession}, {"swk", kPossession},   {"sms", kPossession}, {"tel", kPossession},
      {"sc", kPossession},  {"pop", kPossession},   {"face", kInherence}, {"fpt", kInherence},
      {"iris", kInherence}, {"retina", kInherence}, {"vbm", kInherence},
  };
  std::set<Factor> factors;
  for (const auto& method : amr) {
    if (method == "mfa") return true;
    for (const auto& [name, factor] : kFactors) {
      if (method == name) factors.insert(factor);
    }
  }
  return factors.size() >= 2;
}

}  // namespace ward::gov::oidc
