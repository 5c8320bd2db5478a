#include "server/http_error.h"

#include <fmt/format.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

namespace ward::server {

using core::Code;

int http_status(Code code) {
  switch (code) {
    case Code::kInvalidArgument:
      return 400;
    case Code::kUnauthenticated:
      return 401;
    case Code::kPermissionDenied:
      return 403;
    case Code::kNotFound:
      return 404;
    case Code::kAlreadyExists:
      return 409;
    case Code::kFailedPrecondition:
      return 412;
    case Code::kResourceExhausted:
      return 429;
    case Code::kUnavailable:
      return 503;
    case Code::kDataLoss:
    case Code::kInternal:
      return 500;
    case Code::kCancelled:
      return 499;  // nginx's "client closed request"
    case Code::kBadGateway:
      return 502;
    case Code::kDeadlineExceeded:
      return 504;
  }
  return 500;
}

void write_error(httplib::Response& res, const core::Error& error) {
  res.status = http_status(error.code());
  nlohmann::json body = {
      {"error", {{"code", core::code_name(error.code())}, {"message", error.to_string()}}}};
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/json");
}

core::Error status_error(int status, std::string_view method, std::string_view path,
                         std::size_t body_limit) {
  switch (status) {
    case 404:
      return core::Error(Code::kNotFound, std::string(path),
                         fmt::format("no such endpoint for {}; see docs/api.md", method));
    case 413:
      if (body_limit > 0) {
        return core::Error(Code::kResourceExhausted, std::string(path),
                           fmt::format("the request body is over this server's limit of {} "
                                       "bytes; send a smaller request",
                                       body_limit));
      }
      return core::Error(
          Code::kResourceExhausted, std::string(path),
          "the request body is larger than this server accepts; send a smaller request");
    case 405:
      return core::Error(Code::kInvalidArgument, std::string(path),
                         fmt::format("{} is not allowed on this endpoint", method));
    default:
      return core::Error(status >= 500 ? Code::kInternal : Code::kInvalidArgument,
                         std::string(path),
                         fmt::format("the request could not be served (HTTP {})", status));
  }
}

}  // namespace ward::server
