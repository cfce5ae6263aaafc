// Status and Result<T>: every fallible call in crossdock returns one of these.
//
// Project code never throws. An Error carries a Code that tells the caller what to do next
// (retry later, fix the input, fix the configuration, report a bug), a human message that says
// precisely what went wrong, and an optional `where` (file:line:key, segment position, field).
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace crossdock {

enum class Code {
  kOk = 0,
  kInvalidArgument,     // the input is wrong: fix it and send again; retrying unchanged never helps
  kNotFound,            // the thing named does not exist
  kAlreadyExists,       // a duplicate: the original result stands
  kPermissionDenied,    // authenticated, but not allowed
  kUnauthenticated,     // no or bad credentials
  kFailedPrecondition,  // the state does not allow it (e.g. replaying a message still in flight)
  kConflict,            // lost a race (lease taken by someone else); re-read and decide again
  kTooLarge,            // over a configured size limit
  kUnsupported,         // a format, version or content type the hub does not handle
  kUnavailable,         // a dependency is down: retry with backoff
  kResourceExhausted,   // throttled or a queue is full: retry later
  kDeadlineExceeded,    // timed out: retry with backoff
  kConfig,              // the configuration is wrong: fix the file named in the message
  kDataLoss,            // stored data is corrupt
  kInternal,            // a bug: report it
  kCancelled,           // shutting down
};

std::string_view CodeName(Code code);
// True when trying the same operation again later may succeed.
bool IsRetryable(Code code);

class [[nodiscard]] Error {
 public:
  Error() = default;
  Error(Code code, std::string message, std::string where = {})
      : code_(code), message_(std::move(message)), where_(std::move(where)) {}

  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::string& where() const { return where_; }
  bool retryable() const { return IsRetryable(code_); }
  // "where: message" or just "message".
  std::string ToString() const;

 private:
  Code code_ = Code::kInternal;
  std::string message_;
  std::string where_;
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT: implicit on purpose
  static Status Ok() { return Status(); }

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const {
    assert(error_);
    return *error_;
  }
  Code code() const { return error_ ? error_->code() : Code::kOk; }
  std::string ToString() const { return error_ ? error_->ToString() : "ok"; }
  void IgnoreError() const {}

 private:
  std::optional<Error> error_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit on purpose
  Result(Error error) : v_(std::move(error)) {}  // NOLINT
  Result(Status status) : v_(status.error()) { assert(!status.ok()); }  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }
  Status status() const { return ok() ? Status() : Status(error()); }
  T value_or(T fallback) const& { return ok() ? std::get<0>(v_) : std::move(fallback); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace crossdock

// Propagates a failed Status or Result from the current function.
#define CD_CONCAT_INNER(a, b) a##b
#define CD_CONCAT(a, b) CD_CONCAT_INNER(a, b)
#define CD_RETURN_IF_ERROR(expr)                     \
  do {                                               \
    auto _cd_status = (expr);                        \
    if (!_cd_status.ok()) return _cd_status.error(); \
  } while (0)
#define CD_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.error();             \
  lhs = std::move(tmp).value()
#define CD_ASSIGN_OR_RETURN(lhs, expr) \
  CD_ASSIGN_OR_RETURN_IMPL(CD_CONCAT(_cd_result_, __LINE__), lhs, expr)
