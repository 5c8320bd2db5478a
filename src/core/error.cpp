#include "core/error.h"

namespace ward::core {

std::string_view code_name(Code code) {
  switch (code) {
    case Code::kInvalidArgument: return "invalid_argument";
    case Code::kNotFound: return "not_found";
    case Code::kAlreadyExists: return "already_exists";
    case Code::kPermissionDenied: return "permission_denied";
    case Code::kUnauthenticated: return "unauthenticated";
    case Code::kFailedPrecondition: return "failed_precondition";
    case Code::kResourceExhausted: return "resource_exhausted";
    case Code::kUnavailable: return "unavailable";
    case Code::kDataLoss: return "data_loss";
    case Code::kInternal: return "internal";
    case Code::kCancelled: return "cancelled";
    case Code::kBadGateway: return "bad_gateway";
    case Code::kDeadlineExceeded: return "deadline_exceeded";
  }
  return "internal";
}

std::string Error::to_string() const {
  if (where_.empty()) return message_;
  return where_ + ": " + message_;
}

Error Error::with_context(std::string_view context) const {
  return Error(code_, where_, std::string(context) + message_);
}

}  // namespace ward::core
