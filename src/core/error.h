#pragma once
// Ward's one error type and the Result<T> that carries a value or an Error.
//
// Every failure a user can see is an Error: a stable machine-readable code (which also decides the
// HTTP status and the CLI exit code), the place it applies to (a file and line, a config key, a
// URL), and one sentence that says what is wrong and how to fix it. Errors are values; no
// exception crosses a module boundary. Thread-safe as values are.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace ward::core {

// Canonical error codes. Their names (code_name) are part of Ward's API and CLI output: never
// renumber or rename them.
enum class Code {
  kInvalidArgument,     // the caller gave bad input (a flag, a config value, a request body)
  kNotFound,            // a named thing does not exist
  kAlreadyExists,       // a thing to create exists already
  kPermissionDenied,    // authenticated, but policy denies it
  kUnauthenticated,     // no or bad credentials
  kFailedPrecondition,  // the system is not in a state that allows it (e.g. schema too new)
  kResourceExhausted,   // a quota or size limit was reached
  kUnavailable,         // transient: busy database, port in use, peer unreachable
  kDataLoss,            // stored data is corrupt or was tampered with
  kInternal,            // a bug or an unexpected library failure
  kCancelled,           // the caller asked for the operation to stop (a client went away, Ctrl-C)
  kBadGateway,          // a server Ward relies on (a model upstream) failed or answered nonsense
  kDeadlineExceeded,    // a server Ward relies on did not answer in time
};

// The stable snake_case name of a code, e.g. "invalid_argument".
std::string_view code_name(Code code);

class [[nodiscard]] Error {
 public:
  // `where` names what the error applies to (may be empty); `message` is the sentence for a user.
  Error(Code code, std::string where, std::string message)
      : code_(code), where_(std::move(where)), message_(std::move(message)) {}

  Code code() const { return code_; }
  const std::string& where() const { return where_; }
  const std::string& message() const { return message_; }

  // "where: message", or just the message when `where` is empty.
  std::string to_string() const;

  // A copy whose message is prefixed with context, e.g. "opening the store: ".
  Error with_context(std::string_view context) const;

 private:
  Code code_;
  std::string where_;
  std::string message_;
};

// Either a T or an Error. Use `if (!r) return r.error();` to propagate.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error error) : data_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(data_); }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& { return std::get<Error>(data_); }
  Error&& error() && { return std::get<Error>(std::move(data_)); }

 private:
  std::variant<T, Error> data_;
};

// Success or an Error, with no value.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const& { return *error_; }
  Error&& error() && { return std::move(*error_); }

 private:
  std::optional<Error> error_;
};

inline Status ok_status() { return {}; }

}  // namespace ward::core
