#include "gov/identity/model.h"

namespace ward::gov {

std::string_view account_status_name(AccountStatus status) {
  return status == AccountStatus::kActive ? "active" : "scheduled_for_deletion";
}

std::string_view principal_kind_name(PrincipalKind kind) {
  switch (kind) {
    case PrincipalKind::kUser:
      return "user";
    case PrincipalKind::kGroup:
      return "group";
    case PrincipalKind::kRole:
      return "role";
    case PrincipalKind::kTenant:
      return "tenant";
  }
  return "user";
}

std::string_view auth_method_name(AuthMethod method) {
  switch (method) {
    case AuthMethod::kPassword:
      return "password";
    case AuthMethod::kPasswordMfa:
      return "password+mfa";
    case AuthMethod::kToken:
      return "token";
    case AuthMethod::kOidc:
      return "oidc";
  }
  return "password";
}

}  // namespace ward::gov
