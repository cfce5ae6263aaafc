// Tryton 6.0 JSON-RPC: the wire format, and what each kind of answer means for the hub.
//
// A call is `POST /<database>/` with `{"id":n,"method":"model.<model>.<method>","params":[...,
// context]}`: the last parameter of every model and wizard call is the context (the user's
// preferences, which carry the company). Decimals travel as {"__class__":"Decimal","decimal":
// "12.50"} and dates as {"__class__":"date","year":..,"month":..,"day":..}; float fields
// (quantities) are plain JSON numbers.
//
// Answers: `{"id":n,"result":...}`, or HTTP 200 with `{"id":n,"error":[...]}`. The error is a
// business rejection when Tryton raised a UserError or UserWarning (the ERP's own message, never
// worth retrying unchanged), a transient fault for ConcurrencyException and other server-side
// exceptions (the database was locked, the server is restarting). HTTP 401 means the session is
// gone (log in again), 429 that logins are being throttled, 5xx and connection failures that the
// server is unavailable.
//
// Everything here is text in, text out (JSON as strings), so it can be tested without a server.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/decimal.hpp"
#include "core/result.hpp"

namespace crossdock::connectors::tryton {

// The request body. `params_json` is a JSON array of the arguments; `context_json`, when not
// empty, is a JSON object appended as the last parameter. kInvalidArgument when either is not
// the JSON it should be.
Result<std::string> EncodeRequest(int64_t id, std::string_view method, std::string_view params_json,
                                  std::string_view context_json);

// {"__class__":"Decimal","decimal":"12.50"}
std::string DecimalValue(const Decimal& d);
// {"__class__":"date","year":2026,"month":11,"day":23} from "2026-11-23" (a longer ISO 8601
// instant is cut to its date). kInvalidArgument when it is not a date.
Result<std::string> DateValue(std::string_view iso_date);
// A number Tryton sent back (a Decimal object, a JSON number such as a float quantity 2500.0,
// or a numeric string) as an exact Decimal: "2500.0" -> 2500, 0.1 -> 0.1. kInvalidArgument
// otherwise; null is zero.
Result<Decimal> NumberFromJson(std::string_view json_value);
// A date Tryton sent back ({"__class__":"date",...}) as "YYYY-MM-DD"; "" for null.
Result<std::string> DateFromJson(std::string_view json_value);

// What came back from one call.
struct Reply {
  enum class Kind {
    kResult,        // `result` holds the JSON result
    kUserError,     // Tryton refused on business grounds (UserError, AccessError, ...)
    kUserWarning,   // Tryton wants a warning confirmed: a refusal for an unattended client
    kConcurrency,   // the record was changed meanwhile (ConcurrencyException): retry
    kServerError,   // another exception on the server ("database is locked", a bug): retry
    kUnauthorized,  // HTTP 401: no valid session (expired, server restarted): log in again
    kRateLimited,   // HTTP 429: too many failed logins
    kForbidden,     // HTTP 403: the method is not exposed over RPC
    kNotFound,      // HTTP 404: no such database
    kBadRequest,    // HTTP 400: the server could not read the request
    kUnavailable,   // HTTP 5xx or a body that is not a JSON-RPC answer
  };
  Kind kind = Kind::kUnavailable;
  int http_status = 0;
  std::string result;   // kResult: the JSON text of "result"
  std::string message;  // otherwise: what went wrong, in the ERP's words where it gave any
};

Reply DecodeReply(int http_status, std::string_view body);

// The hub's verdict on a reply that is not a result: an Error whose code tells retry from
// reject. kFailedPrecondition (UserError/UserWarning: the ERP rejected the document) and
// kPermissionDenied (403) and kInvalidArgument (400) are rejections; kUnauthenticated (401),
// kResourceExhausted (429), kUnavailable (5xx, server exceptions, 404) and kConflict
// (concurrency) are retried. The message names the method.
Error ReplyError(const Reply& reply, std::string_view method);

// True when a delivery that failed with `e` should be retried later; false when it goes to the
// dead-letter queue at once (the ERP or the hub's data must change first).
bool RetryLater(const Error& e);

// `Authorization` header value for calls after login: "Session base64(login:user_id:session)".
std::string SessionAuthorization(std::string_view login, int64_t user_id, std::string_view session);

// A double as exact decimal text for Tryton float fields read back: at most 9 fractional digits,
// trailing zeros dropped ("2500", "0.1", "-3.25").
std::string FloatText(double v);

}  // namespace crossdock::connectors::tryton
