#pragma once
// How a core::Error becomes an HTTP response: the status code that fits the error code, and a
// JSON body {"error": {"code": "...", "message": "..."}}. Used by every route so clients see one
// error shape. Stateless and thread-safe.

#include <cstddef>
#include <string_view>

#include "core/error.h"

namespace httplib {
struct Response;
}

namespace ward::server {

int http_status(core::Code code);

// Sets status, body and content type of `res` from `error`.
void write_error(httplib::Response& res, const core::Error& error);

// The Error for a status cpp-httplib produced itself (404 no route, 413 too large, 400 bad
// request). `body_limit` (bytes; 0: not said) is the request body limit a 413 names.
core::Error status_error(int status, std::string_view method, std::string_view path,
                         std::size_t body_limit = 0);

}  // namespace ward::server
