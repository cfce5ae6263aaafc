#include "api/routes.hpp"

#include <simdjson.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "api/assets.hpp"
#include "api/ops_routes.hpp"
#include "api/views.hpp"
#include "core/crypto.hpp"
#include "core/strings.hpp"
#include "obs/log.hpp"

namespace crossdock::api {
namespace {

using nlohmann::json;
// Responses quote partner text (values, messages, names): a byte that is not UTF-8 is written as
// U+FFFD, never thrown out of a handler.
constexpr auto kLenient = nlohmann::json::error_handler_t::replace;

// A JSON string: copied as it is when nothing in it needs escaping (the usual case for ids,
// units and dates), else through AppendJsonString.
void AppendJsonText(std::string* out, std::string_view s) {
  for (const unsigned char c : s) {
    if (c < 0x20 || c == '"' || c == '\\') return AppendJsonString(out, s);
  }
  out->push_back('"');
  out->append(s);
  out->push_back('"');
}

// FormatIso8601's text ("2026-11-23T09:32:26.123Z") as a JSON string, or null for the zero time,
// without gmtime_r and snprintf (an availability answer carries three per warehouse): days to a
// civil date as in H. Hinnant's civil_from_days.
void AppendTimeOrNull(std::string* out, TimePoint t) {
  if (t == TimePoint{}) {
    out->append("null");
    return;
  }
  const int64_t ms = ToUnixMillis(t);
  int64_t secs = ms / 1000;
  int64_t milli = ms % 1000;
  if (milli < 0) {
    milli += 1000;
    secs -= 1;
  }
  int64_t days = secs / 86400;
  int64_t sod = secs % 86400;
  if (sod < 0) {
    sod += 86400;
    days -= 1;
  }
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 0 || year > 9999) {
    AppendJsonString(out, FormatIso8601(t));
    return;
  }
  char b[26];
  auto put = [&b](int at, int64_t v, int width) {
    for (int i = width - 1; i >= 0; --i) {
      b[at + i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
  };
  b[0] = '"';
  put(1, year, 4);
  b[5] = '-';
  put(6, month, 2);
  b[8] = '-';
  put(9, day, 2);
  b[11] = 'T';
  put(12, sod / 3600, 2);
  b[14] = ':';
  put(15, sod / 60 % 60, 2);
  b[17] = ':';
  put(18, sod % 60, 2);
  b[20] = '.';
  put(21, milli, 3);
  b[24] = 'Z';
  b[25] = '"';
  out->append(b, sizeof b);
}

class ApiHandler final : public Handler {
 public:
  explicit ApiHandler(ApiDeps d) : d_(std::move(d)) {
    policy_.idempotency_window =
        Millis(static_cast<int64_t>(d_.cfg->store.idempotency_window_hours) * 3600 * 1000);
    policy_.content_hash_window =
        Millis(static_cast<int64_t>(d_.cfg->store.content_hash_window_hours) * 3600 * 1000);
    for (const auto& p : d_.cfg->partners) {
      PartnerMetrics pm;
      for (const char* outcome : {"accepted", "duplicate", "rejected", "error"}) {
        pm.by_outcome[outcome] = &d_.metrics->GetCounter("crossdock_intake_total",
                                                         "Inbound documents by partner and outcome",
                                                         {{"partner", p.id}, {"outcome", outcome}});
      }
      partner_metrics_[p.id] = pm;
    }
    latency_ = &d_.metrics->GetHistogram("crossdock_intake_accept_seconds",
                                         "Time from request to durable accept");
  }

  void Handle(Request& req, Reply reply) override {
    const auto parts = Segments(req.path);
    if (parts.size() == 1 && parts[0] == "healthz") {
      if (!Method(req, reply, "GET")) return;
      return reply(Response::Json(200, "{\"status\":\"ok\"}"));
    }
    if (parts.size() == 1 && parts[0] == "readyz") {
      if (!Method(req, reply, "GET")) return;
      const bool ready = !d_.ready || d_.ready();
      return reply(Response::Json(ready ? 200 : 503,
                                  ready ? "{\"status\":\"ready\"}" : "{\"status\":\"not ready\"}"));
    }
    if (parts.size() == 1 && parts[0] == "metrics") {
      if (!Method(req, reply, "GET")) return;
      Response r;
      r.content_type = "text/plain; version=0.0.4";
      r.body = d_.metrics->RenderPrometheus();
      return reply(std::move(r));
    }
    if (parts.empty() || parts[0] == "assets" || parts[0] == "index.html") {  // the dashboard
      if (const Asset* asset = FindAsset(req.path)) {
        if (!Method(req, reply, "GET")) return;
        return reply(AssetResponse(*asset, req.if_none_match));
      }
    }
    if (parts.empty() || parts[0] != "v1") {
      return reply(Problem(404, "not-found", "Not found", "no route for " + req.path, &req));
    }
    auto principal = d_.auth->Authenticate(req.authorization);
    if (!principal) {
      Response r = Problem(401, "unauthenticated", "Authentication required",
                           req.authorization.empty() ? "send 'Authorization: Bearer <token>'"
                                                     : "the bearer token is not valid for this hub",
                           &req);
      r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"crossdock\"");
      return reply(std::move(r));
    }
    const Principal& who = *principal;
    if (HandleOpsRoute({d_.store, d_.cfg, d_.measures, d_.alerts}, req, who, parts, reply)) return;
    const size_t n = parts.size();
    if (n == 3 && parts[1] == "inbound") {
      if (!Method(req, reply, "POST")) return;
      return Inbound(req, who, parts[2], std::move(reply));
    }
    if (n >= 2 && parts[1] == "messages") {
      if (n == 2) {
        if (!Method(req, reply, "GET")) return;
        return ListMessages(req, who, reply);
      }
      if (n == 3) {
        if (!Method(req, reply, "GET")) return;
        return GetMessage(req, who, parts[2], reply);
      }
      if (n == 4 && parts[3] == "payload") {
        if (!Method(req, reply, "GET")) return;
        return GetPayload(req, who, parts[2], reply);
      }
      if (n == 4 && parts[3] == "replay") {
        if (!Method(req, reply, "POST")) return;
        return ReplayMessage(req, who, parts[2], reply);
      }
    }
    if (n >= 2 && parts[1] == "exceptions") {
      if (n == 2) {
        if (!Method(req, reply, "GET")) return;
        return ListExceptions(req, who, reply);
      }
      if (n == 3) {
        if (!Method(req, reply, "GET")) return;
        auto e = d_.store->GetException(parts[2]);
        if (!e.ok()) return reply(StoreProblem(e.error(), req));
        if (!who.ActsFor(e->partner_id)) {
          return reply(Problem(403, "forbidden", "Forbidden",
                               "exception " + parts[2] + " belongs to another partner", &req));
        }
        return reply(Response::Json(200, ToJson(*e).dump(-1, ' ', false, kLenient)));
      }
      if (n == 4) {
        if (!Method(req, reply, "POST")) return;
        return ExceptionAction(req, who, parts[2], parts[3], reply);
      }
    }
    if (n >= 2 && parts[1] == "partners") {
      if (n == 2) {
        if (!Method(req, reply, "GET")) return;
        return ListPartners(who, reply);
      }
      if (n == 3 || (n == 4 && parts[3] == "versions")) {
        if (!Method(req, reply, "GET")) return;
        return GetPartner(req, who, parts[2], n == 4, reply);
      }
    }
    if (n >= 2 && parts[1] == "returns") {
      if (n == 2) {
        if (!Method(req, reply, "POST")) return;
        return PostCanonical(req, who, "return", "rma_number", "returns", std::move(reply));
      }
      if (n == 4 || n == 5) {
        const std::string id = parts[2] + "/" + parts[3];
        if (!who.ActsFor(parts[2])) {
          return reply(Problem(403, "forbidden", "Forbidden", "another customer's return", &req));
        }
        if (n == 4) {
          if (!Method(req, reply, "GET")) return;
          auto a = d_.store->GetAggregate("return", id);
          if (!a.ok()) return reply(StoreProblem(a.error(), req));
          if (!a->has_value())
            return reply(Problem(404, "not-found", "Not found", "no return " + id, &req));
          json j = json::parse((*a)->state_json, nullptr, false);
          if (!j.is_object()) j = json::object();
          j["state"] = (*a)->status;
          return reply(Response::Json(200, j.dump(-1, ' ', false, kLenient)));
        }
        if (parts[4] == "authorise" || parts[4] == "reject") {
          if (!Method(req, reply, "POST")) return;
          if (!who.CanAct()) {
            return reply(
                Problem(403, "forbidden", "Forbidden", "needs an operator or admin token", &req));
          }
          json body = json::parse(req.body.empty() ? "{}" : req.body, nullptr, false);
          json payload = {{"event", parts[4]},
                          {"by", who.name},
                          {"note", body.is_object() ? body.value("note", "") : ""}};
          auto st = d_.store->Enqueue({d_.rma_event(id, payload.dump(-1, ' ', false, kLenient))});
          if (!st.ok()) return reply(StoreProblem(st.error(), req));
          return reply(Response::Json(
              202, json({{"rma_id", id}, {"action", parts[4]}}).dump(-1, ' ', false, kLenient)));
        }
      }
    }
    if (n >= 2 && parts[1] == "orders") {
      if (n == 2 && req.method == "POST") {
        return PostCanonical(req, who, "sales_order", "po_number", "orders", std::move(reply));
      }
      if (n == 2) {
        if (!Method(req, reply, "GET")) return;
        return ListOrders(req, who, reply);
      }
      // /v1/orders/{customer}/{po}[/action]
      if (n == 4 || n == 5) {
        const std::string id = parts[2] + "/" + parts[3];
        if (!who.ActsFor(parts[2])) {
          return reply(Problem(403, "forbidden", "Forbidden", "another customer's order", &req));
        }
        if (n == 4) {
          if (!Method(req, reply, "GET")) return;
          return GetOrder(req, id, reply);
        }
        if (parts[4] == "release-hold" || parts[4] == "cancel") {
          if (!Method(req, reply, "POST")) return;
          return OrderAction(req, who, id, parts[4], reply);
        }
      }
    }
    if (n == 2 && parts[1] == "availability") {
      if (!Method(req, reply, "GET")) return;
      return Availability(req, who, reply);
    }
    if (n >= 2 && parts[1] == "purchase-orders") {
      if (who.role == config::Role::kPartner) {
        return reply(Problem(403, "forbidden", "Forbidden",
                             "partner tokens cannot read purchase orders", &req));
      }
      if (n == 2) {
        if (!Method(req, reply, "GET")) return;
        return ListPurchaseOrders(req, reply);
      }
      if (n == 3) {
        if (!Method(req, reply, "GET")) return;
        return GetPurchaseOrder(req, parts[2], reply);
      }
      if (n == 4 && (parts[3] == "approve" || parts[3] == "cancel")) {
        if (!Method(req, reply, "POST")) return;
        return PurchaseOrderAction(req, who, parts[2], parts[3], reply);
      }
    }
    if (n >= 2 && parts[1] == "dead-letters") {
      if (who.role == config::Role::kPartner) {
        return reply(Problem(403, "forbidden", "Forbidden",
                             "partner tokens cannot read the dead-letter queue", &req));
      }
      if (n == 2) {
        if (!Method(req, reply, "GET")) return;
        return ListDeadLetters(req, reply);
      }
      if (n == 3) {
        if (!Method(req, reply, "GET")) return;
        auto dl = d_.store->GetDeadLetter(parts[2]);
        if (!dl.ok()) return reply(StoreProblem(dl.error(), req));
        return reply(Response::Json(200, ToJson(*dl).dump(-1, ' ', false, kLenient)));
      }
      if (n == 4 && parts[3] == "replay") {
        if (!Method(req, reply, "POST")) return;
        return ReplayDeadLetter(req, who, parts[2], reply);
      }
    }
    return reply(Problem(404, "not-found", "Not found", "no route for " + req.path, &req));
  }

 private:
  struct PartnerMetrics {
    std::map<std::string, obs::Counter*> by_outcome;
  };

  static std::vector<std::string> Segments(const std::string& path) {
    std::vector<std::string> out;
    for (auto s : Split(path, '/')) {
      if (!s.empty()) out.emplace_back(s);
    }
    return out;
  }

  static bool Method(const Request& req, Reply& reply, const char* allowed) {
    if (req.method == allowed) return true;
    Response r = Problem(405, "method-not-allowed", "Method not allowed",
                         req.method + " is not allowed on " + req.path + "; use " + allowed, &req);
    r.headers.emplace_back("Allow", allowed);
    reply(std::move(r));
    return false;
  }

  void Count(const std::string& partner, const char* outcome) {
    auto it = partner_metrics_.find(partner);
    if (it != partner_metrics_.end()) it->second.by_outcome[outcome]->Inc();
  }

  Response Reject(const std::string& partner, Response r) {
    Count(partner, "rejected");
    return r;
  }

  static bool ValidIdempotencyKey(const std::string& k) {
    if (k.empty() || k.size() > 255) return false;
    for (unsigned char c : k) {
      if (c < 0x21 || c > 0x7E) return false;
    }
    return true;
  }

  // Checks the JSON is well formed; on error fills a precise message with the byte offset.
  static bool CheckJson(const std::string& body, std::string* why) {
    thread_local simdjson::dom::parser parser;
    simdjson::padded_string padded(body);
    auto doc = parser.parse(padded);
    if (!doc.error()) return true;
    // simdjson says what, nlohmann says where.
    try {
      const json where = json::parse(body);  // throws, saying where
      (void)where;
      *why = std::string("malformed JSON: ") + simdjson::error_message(doc.error());
    } catch (const json::parse_error& e) {
      *why = "malformed JSON at byte " + std::to_string(e.byte) + ": " + e.what();
    } catch (const json::exception& e) {  // a number too large for a double, ...
      *why = std::string("malformed JSON: ") + e.what();
    }
    return false;
  }

  void Inbound(Request& req, const Principal& who, const std::string& partner_id, Reply reply) {
    const auto t0 = std::chrono::steady_clock::now();
    const config::Partner* partner = d_.cfg->FindPartner(partner_id);
    if (!who.ActsFor(partner_id)) {
      return reply(Problem(
          403, "forbidden", "Forbidden",
          "token '" + who.name + "' may only post for partner '" + who.partner + "'", &req));
    }
    if (who.role == config::Role::kViewer) {
      return reply(
          Problem(403, "forbidden", "Forbidden", "viewer tokens cannot post documents", &req));
    }
    if (!partner) {
      return reply(Problem(404, "unknown-partner", "Unknown partner",
                           "no partner '" + partner_id + "' is configured in this hub", &req));
    }
    if (req.body.empty()) {
      return reply(
          Reject(partner_id, Problem(400, "empty-body", "Empty body",
                                     "the request body is empty; send the document", &req)));
    }
    const int64_t limit =
        partner->max_body_bytes > 0 ? partner->max_body_bytes : d_.cfg->server.max_body_bytes;
    if (static_cast<int64_t>(req.body.size()) > limit) {
      return reply(Reject(partner_id, Problem(413, "payload-too-large", "Payload too large",
                                              "the document is " + std::to_string(req.body.size()) +
                                                  " bytes; partner '" + partner_id +
                                                  "' allows at most " + std::to_string(limit),
                                              &req)));
    }
    const std::string format = FormatForContentType(req.content_type);
    if (format.empty() || std::find(partner->formats.begin(), partner->formats.end(), format) ==
                              partner->formats.end()) {
      std::string accepted;
      for (const auto& f : partner->formats) {
        if (!accepted.empty()) accepted += ", ";
        accepted += f == "x12"   ? "application/edi-x12"
                    : f == "csv" ? "text/csv"
                                 : "application/json";
      }
      return reply(Reject(
          partner_id,
          Problem(415, "unsupported-media-type", "Unsupported media type",
                  (req.content_type.empty() ? std::string("no Content-Type was given")
                                            : "Content-Type '" + req.content_type + "'") +
                      " is not accepted for partner '" + partner_id + "'; accepted: " + accepted,
                  &req)));
    }
    if (req.has_idempotency_key && !ValidIdempotencyKey(req.idempotency_key)) {
      return reply(Reject(partner_id,
                          Problem(400, "bad-idempotency-key", "Invalid Idempotency-Key",
                                  "Idempotency-Key must be 1-255 visible ASCII characters", &req)));
    }
    if (format == "json") {
      std::string why;
      if (!CheckJson(req.body, &why)) {
        return reply(
            Reject(partner_id, Problem(400, "malformed-json", "Malformed JSON", why, &req)));
      }
    }
    store::NewMessage m;
    m.partner_id = partner_id;
    m.content_type = req.content_type;
    m.content_hash = Sha256Hex(req.body);
    m.payload = std::move(req.body);
    m.idempotency_key = req.idempotency_key;
    m.correlation_id = req.correlation_id;
    m.traceparent = req.traceparent;
    m.received_at = d_.clock->Now();
    auto steps = d_.first_steps ? d_.first_steps(partner_id) : std::vector<store::WorkSpec>{};
    const std::string path = req.path;
    d_.store->Accept(
        std::move(m), std::move(steps), policy_,
        [this, reply = std::move(reply), partner_id, path, t0,
         corr = req.correlation_id](Result<store::AcceptOutcome> r) {
          latency_->ObserveMicros(std::chrono::duration_cast<std::chrono::microseconds>(
                                      std::chrono::steady_clock::now() - t0)
                                      .count());
          if (!r.ok()) {
            Count(partner_id, "error");
            obs::Error("api", "accept failed",
                       {{"partner", partner_id},
                        {"correlation_id", corr},
                        {"error", r.error().ToString()}});
            Request fake;
            fake.path = path;
            fake.correlation_id = corr;
            return reply(StoreProblem(r.error(), fake));
          }
          std::string body = "{\"message_id\":";
          AppendJsonString(&body, r->message_id);
          body += ",\"correlation_id\":";
          AppendJsonString(&body, r->correlation_id);
          Response resp;
          if (r->duplicate) {
            Count(partner_id, "duplicate");
            body += ",\"duplicate\":true,\"matched_by\":";
            AppendJsonString(&body, r->matched_by);
            body += ",\"received_at\":";
            AppendJsonString(&body, FormatIso8601(r->received_at));
            resp.status = 200;
          } else {
            Count(partner_id, "accepted");
            body += ",\"status\":\"accepted\"";
            resp.status = 202;
          }
          body += "}";
          resp.body = std::move(body);
          resp.headers.emplace_back("Location", "/v1/messages/" + r->message_id);
          resp.headers.emplace_back("X-Correlation-Id", r->correlation_id);
          reply(std::move(resp));
        });
  }

  void GetMessage(const Request& req, const Principal& who, const std::string& id, Reply& reply) {
    auto v = d_.store->GetMessage(id);
    if (!v.ok()) return reply(StoreProblem(v.error(), req));
    if (!who.ActsFor(v->message.partner_id)) {
      return reply(Problem(403, "forbidden", "Forbidden",
                           "message " + id + " belongs to another partner", &req));
    }
    json j = ToJson(v->message);
    j["status"] = v->status;
    json steps = json::array();
    for (const auto& e : v->events) {
      json s = {{"at", Iso(e.at)}, {"type", e.type}, {"name", e.subject}, {"attempt", e.attempt}};
      if (!e.item_id.empty()) s["item_id"] = e.item_id;
      if (!e.detail_json.empty()) s["detail"] = ParseOrString(e.detail_json, json::object());
      steps.push_back(std::move(s));
    }
    j["steps"] = std::move(steps);
    json pending = json::array();
    for (const auto& p : v->pending) {
      json x = {{"queue", std::string(store::QueueName(p.queue))},
                {"id", p.id},
                {"name", p.name},
                {"attempts", p.attempts},
                {"created_at", Iso(p.created_at)},
                {"next_attempt_at", Iso(p.not_before)},
                {"in_progress", p.leased},
                {"errors", ParseOrString(p.errors_json, json::array())}};
      if (!p.event_type.empty()) x["event_type"] = p.event_type;
      if (!p.idempotency_key.empty()) x["idempotency_key"] = p.idempotency_key;
      pending.push_back(std::move(x));
    }
    j["pending"] = std::move(pending);
    json dls = json::array();
    for (const auto& d : v->dead_letters) dls.push_back(ToJson(d));
    j["dead_letters"] = std::move(dls);
    json exs = json::array();
    for (const auto& e : v->exceptions) exs.push_back(ToJson(e));
    j["exceptions"] = std::move(exs);
    j["lineage"] = {{"parents", LineageJson(v->parents)}, {"children", LineageJson(v->children)}};
    j["links"] = {{"payload", "/v1/messages/" + id + "/payload"}};
    reply(Response::Json(200, j.dump(-1, ' ', false, kLenient)));
  }

  void GetPayload(const Request& req, const Principal& who, const std::string& id, Reply& reply) {
    auto v = d_.store->GetMessage(id);
    if (!v.ok()) return reply(StoreProblem(v.error(), req));
    if (!who.ActsFor(v->message.partner_id)) {
      return reply(Problem(403, "forbidden", "Forbidden",
                           "message " + id + " belongs to another partner", &req));
    }
    std::string ct;
    auto p = d_.store->GetPayload(id, &ct);
    if (!p.ok()) return reply(StoreProblem(p.error(), req));
    Response r;
    r.content_type = ct.empty() ? "application/octet-stream" : ct;
    r.body = std::move(*p);
    reply(std::move(r));
  }

  static int Limit(const Request& req) {
    const std::string l = req.Query("limit");
    if (l.empty()) return 100;
    int v = 0;
    for (char c : l) {
      if (c < '0' || c > '9' || v > 100000) return -1;
      v = v * 10 + (c - '0');
    }
    return v >= 1 && v <= 1000 ? v : -1;
  }

  void ListMessages(const Request& req, const Principal& who, Reply& reply) {
    store::MessageFilter f;
    f.correlation_id = req.Query("correlation_id");
    f.partner_id = req.Query("partner");
    f.idempotency_key = req.Query("idempotency_key");
    f.before_id = req.Query("before");
    f.limit = Limit(req);
    if (f.limit < 0) {
      return reply(Problem(400, "bad-query", "Invalid query", "limit must be 1..1000", &req));
    }
    if (who.role == config::Role::kPartner) {
      if (!f.partner_id.empty() && f.partner_id != who.partner) {
        return reply(Problem(403, "forbidden", "Forbidden",
                             "token '" + who.name + "' may only read partner '" + who.partner + "'",
                             &req));
      }
      f.partner_id = who.partner;
    }
    auto list = d_.store->ListMessages(f);
    if (!list.ok()) return reply(StoreProblem(list.error(), req));
    json items = json::array();
    for (const auto& m : *list) items.push_back(ToJson(m));
    json j = {{"items", std::move(items)}};
    if (static_cast<int>(list->size()) == f.limit) j["next_before"] = list->back().id;
    reply(Response::Json(200, j.dump(-1, ' ', false, kLenient)));
  }

  void ListDeadLetters(const Request& req, Reply& reply) {
    store::DeadLetterFilter f;
    f.partner_id = req.Query("partner");
    f.before_id = req.Query("before");
    f.include_replayed = req.Query("include_replayed") == "true";
    f.limit = Limit(req);
    if (f.limit < 0) {
      return reply(Problem(400, "bad-query", "Invalid query", "limit must be 1..1000", &req));
    }
    auto list = d_.store->ListDeadLetters(f);
    if (!list.ok()) return reply(StoreProblem(list.error(), req));
    json items = json::array();
    for (const auto& d : *list) items.push_back(ToJson(d));
    json j = {{"items", std::move(items)}};
    if (static_cast<int>(list->size()) == f.limit) j["next_before"] = list->back().id;
    reply(Response::Json(200, j.dump(-1, ' ', false, kLenient)));
  }

  void ReplayDeadLetter(const Request& req, const Principal& who, const std::string& id,
                        Reply& reply) {
    if (!who.CanAct()) {
      return reply(Problem(403, "forbidden", "Forbidden",
                           "replaying needs an operator or admin token", &req));
    }
    auto r = d_.store->ReplayDeadLetter(id, who.name);
    if (!r.ok()) return reply(StoreProblem(r.error(), req));
    obs::Info("api", "dead letter replayed",
              {{"dead_letter_id", id},
               {"new_item_id", r->new_item_id},
               {"by", who.name},
               {"correlation_id", req.correlation_id}});
    json j = {
        {"dead_letter_id", id}, {"new_item_id", r->new_item_id}, {"message_id", r->new_message_id}};
    reply(Response::Json(202, j.dump(-1, ' ', false, kLenient)));
  }

  void ReplayMessage(const Request& req, const Principal& who, const std::string& id,
                     Reply& reply) {
    if (!who.CanAct()) {
      return reply(Problem(403, "forbidden", "Forbidden",
                           "replaying needs an operator or admin token", &req));
    }
    auto v = d_.store->GetMessage(id);
    if (!v.ok()) return reply(StoreProblem(v.error(), req));
    if (!d_.cfg->FindPartner(v->message.partner_id)) {
      return reply(Problem(409, "conflict", "Conflict",
                           "partner '" + v->message.partner_id +
                               "' is no longer configured; cannot reprocess its message",
                           &req));
    }
    auto steps =
        d_.first_steps ? d_.first_steps(v->message.partner_id) : std::vector<store::WorkSpec>{};
    auto r = d_.store->ReplayMessage(id, std::move(steps), who.name);
    if (!r.ok()) return reply(StoreProblem(r.error(), req));
    json j = {{"original_id", id}, {"message_id", r->new_message_id}};
    Response resp = Response::Json(202, j.dump(-1, ' ', false, kLenient));
    resp.headers.emplace_back("Location", "/v1/messages/" + r->new_message_id);
    reply(std::move(resp));
  }

  void ListExceptions(const Request& req, const Principal& who, Reply& reply) {
    store::ExceptionFilter f;
    f.type = req.Query("type");
    f.partner_id = req.Query("partner");
    f.status = req.Query("status");
    f.document_id = req.Query("document_id");
    f.message_id = req.Query("message_id");
    f.before_id = req.Query("before");
    f.limit = Limit(req);
    if (f.limit < 0) {
      return reply(Problem(400, "bad-query", "Invalid query", "limit must be 1..1000", &req));
    }
    if (!f.status.empty() && f.status != "open" && f.status != "acknowledged" &&
        f.status != "resolved") {
      return reply(Problem(400, "bad-query", "Invalid query",
                           "status must be open, acknowledged or resolved", &req));
    }
    if (who.role == config::Role::kPartner) {
      if (!f.partner_id.empty() && f.partner_id != who.partner) {
        return reply(Problem(403, "forbidden", "Forbidden",
                             "token '" + who.name + "' may only read partner '" + who.partner + "'",
                             &req));
      }
      f.partner_id = who.partner;
    }
    auto list = d_.store->ListExceptions(f);
    if (!list.ok()) return reply(StoreProblem(list.error(), req));
    json items = json::array();
    for (const auto& e : *list) items.push_back(ToJson(e));
    json j = {{"items", std::move(items)}};
    if (static_cast<int>(list->size()) == f.limit) j["next_before"] = list->back().id;
    reply(Response::Json(200, j.dump(-1, ' ', false, kLenient)));
  }

  void ExceptionAction(const Request& req, const Principal& who, const std::string& id,
                       const std::string& action, Reply& reply) {
    if (!who.CanAct()) {
      return reply(Problem(403, "forbidden", "Forbidden",
                           "acting on exceptions needs an operator or admin token", &req));
    }
    json body = json::object();
    if (!req.body.empty()) {
      body = json::parse(req.body, nullptr, false);
      if (body.is_discarded() || !body.is_object()) {
        return reply(Problem(400, "malformed-json", "Malformed JSON",
                             "the body must be a JSON object like {\"note\": \"...\"}", &req));
      }
    }
    auto str = [&](const char* k) {
      auto it = body.find(k);
      return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    std::string note = str("note");
    if (action == "retry") {
      auto e = d_.store->GetException(id);
      if (!e.ok()) return reply(StoreProblem(e.error(), req));
      if (e->status == "resolved") {
        return reply(
            Problem(409, "conflict", "Conflict", "exception " + id + " is resolved", &req));
      }
      // Retry reprocesses the raw document the exception came from (after a profile fix).
      std::string raw = e->message_id;
      auto v = d_.store->GetMessage(raw);
      if (!v.ok()) return reply(StoreProblem(v.error(), req));
      for (const auto& p : v->parents) {
        if (p.relation == "decoded") raw = p.id;
      }
      auto steps = d_.first_steps ? d_.first_steps(e->partner_id) : std::vector<store::WorkSpec>{};
      auto rep = d_.store->ReplayMessage(raw, std::move(steps), who.name);
      if (!rep.ok()) return reply(StoreProblem(rep.error(), req));
      auto done = d_.store->UpdateException(
          id, "resolve",
          "retried as message " + rep->new_message_id + (note.empty() ? "" : ": " + note), who.name,
          "");
      if (!done.ok()) return reply(StoreProblem(done.error(), req));
      json j = ToJson(*done);
      j["retry_message_id"] = rep->new_message_id;
      return reply(Response::Json(202, j.dump(-1, ' ', false, kLenient)));
    }
    auto r = d_.store->UpdateException(id, action, note, who.name, str("assignee"));
    if (!r.ok()) {
      if (r.error().code() == Code::kInvalidArgument) {
        return reply(Problem(400, "bad-action", "Invalid action", r.error().message(), &req));
      }
      return reply(StoreProblem(r.error(), req));
    }
    reply(Response::Json(200, ToJson(*r).dump(-1, ' ', false, kLenient)));
  }

  static json PartnerJson(const config::Partner& p) {
    json docs = json::array();
    for (const auto& r : p.documents) {
      json d = {{"type", r.type}, {"direction", r.direction}, {"format", r.format}};
      if (!r.set.empty()) d["set"] = r.set;
      docs.push_back(d);
    }
    return {
        {"id", p.id},
        {"name", p.name},
        {"kind", p.kind},
        {"formats", p.formats},
        {"strategic", p.strategic},
        {"documents", docs},
        {"transport", p.transport.type},
        {"x12",
         {{"isa_qualifier", p.x12.isa_qualifier},
          {"isa_id", p.x12.isa_id},
          {"version", p.x12.version},
          {"ack", p.x12.ack}}},
        {"item_xref", static_cast<int>(p.item_xref.size())},
        {"location_xref", static_cast<int>(p.location_xref.size())},
        {"sla", {{"ack_due_hours", p.sla.ack_due_hours}, {"asn_due_hours", p.sla.asn_due_hours}}}};
  }

  void ListPartners(const Principal& who, Reply& reply) {
    json items = json::array();
    for (const auto& p : d_.cfg->partners) {
      if (who.ActsFor(p.id)) items.push_back(PartnerJson(p));
    }
    reply(Response::Json(200, json({{"items", items}}).dump(-1, ' ', false, kLenient)));
  }

  void GetPartner(const Request& req, const Principal& who, const std::string& id,
                  bool versions_only, Reply& reply) {
    const config::Partner* p = d_.cfg->FindPartner(id);
    if (!p) return reply(Problem(404, "not-found", "Not found", "no partner '" + id + "'", &req));
    if (!who.ActsFor(id)) {
      return reply(Problem(403, "forbidden", "Forbidden", "another partner's profile", &req));
    }
    auto versions = d_.store->ListProfileVersions(id);
    if (!versions.ok()) return reply(StoreProblem(versions.error(), req));
    json vs = json::array();
    for (const auto& v : *versions) {
      json x = {{"version", v.version},
                {"sha256", v.sha256},
                {"changed_by", v.changed_by},
                {"changed_at", Iso(v.changed_at)},
                {"changes", ParseOrString(v.changes_json, json::object())}};
      if (versions_only) x["content"] = v.content;
      vs.push_back(std::move(x));
    }
    if (versions_only)
      return reply(Response::Json(200, json({{"items", vs}}).dump(-1, ' ', false, kLenient)));
    json j = PartnerJson(*p);
    j["version"] = versions->empty() ? json(nullptr) : json((*versions)[0].version);
    j["versions"] = vs;
    reply(Response::Json(200, j.dump(-1, ' ', false, kLenient)));
  }

  static bool ValidQuantity(const std::string& q, Decimal* out) {
    auto d = Decimal::Parse(q);
    if (!d.ok() || d->sign() <= 0) return false;
    *out = *d;
    return true;
  }

  void Availability(const Request& req, const Principal& who, Reply& reply) {
    const std::string sku = req.Query("sku");
    if (sku.empty()) {
      return reply(Problem(400, "bad-query", "Invalid query", "sku is required", &req));
    }
    Decimal qty = Decimal::FromInt(1);
    const std::string q = req.Query("qty");
    if (!q.empty() && !ValidQuantity(q, &qty)) {
      return reply(Problem(400, "bad-query", "Invalid query",
                           "qty must be a positive decimal number, got '" + q + "'", &req));
    }
    const std::string date = req.Query("date");
    if (!date.empty() && (date.size() != 10 || !ParseIso8601(date))) {
      return reply(Problem(400, "bad-query", "Invalid query",
                           "date must be YYYY-MM-DD, got '" + date + "'", &req));
    }
    std::string customer = req.Query("customer");
    if (who.role == config::Role::kPartner) customer = who.partner;
    std::vector<std::string> preference;
    if (!customer.empty()) {
      const config::Partner* c = d_.cfg->FindPartner(customer);
      if (!c) {
        return reply(Problem(404, "unknown-partner", "Unknown partner",
                             "no customer '" + customer + "'", &req));
      }
      preference = c->warehouse_preference;
    }
    if (!d_.inventory) {
      return reply(Problem(503, "unavailable", "Not ready", "inventory is not loaded", &req));
    }
    const std::string now = FormatIso8601(d_.clock->Now());
    const inventory::AtpAnswer a = d_.inventory->Atp(sku, qty, now.substr(0, 10), preference);
    if (a.warehouses.empty() && !d_.cfg->items.empty() && !d_.cfg->FindItem(sku)) {
      return reply(Problem(404, "unknown-sku", "Unknown SKU",
                           "SKU '" + sku + "' is not in the catalog", &req));
    }
    // Hand-built: this is the hot read path. Appended in place (no temporaries), timestamps
    // formatted without gmtime_r/snprintf, plain strings copied without a per-character escape.
    std::string b;
    b.reserve(512 + a.warehouses.size() * 512);
    b += "{\"sku\":";
    AppendJsonText(&b, sku);
    b += ",\"quantity\":\"";
    b += qty.ToString();
    b += "\",\"as_of\":\"";
    b += now;
    b += "\",\"promise_date\":";
    if (a.promise_date) {
      AppendJsonText(&b, *a.promise_date);
      b += ",\"promise_warehouse\":";
      AppendJsonText(&b, a.promise_warehouse);
    } else {
      b += "null,\"promise_warehouse\":null";
    }
    if (!date.empty()) {
      b += ",\"requested_date\":\"";
      b += date;
      b += "\",\"available_by_requested_date\":";
      b += a.promise_date && *a.promise_date <= date ? "true" : "false";
    }
    b += ",\"warehouses\":[";
    bool first = true;
    for (const auto& w : a.warehouses) {
      if (!first) b += ",";
      first = false;
      const auto& p = w.position;
      b += "{\"warehouse\":";
      AppendJsonText(&b, p.warehouse);
      b += ",\"uom\":";
      AppendJsonText(&b, p.uom);
      b += ",\"on_hand\":\"";
      b += p.on_hand.ToString();
      b += "\",\"reserved\":\"";
      b += p.reserved.ToString();
      b += "\",\"available_now\":\"";
      b += w.available_now.ToString();
      b += "\",\"on_order\":\"";
      b += p.OnOrder().ToString();
      b += "\",\"in_transit\":\"";
      b += p.InTransit().ToString();
      b += "\",\"promise_date\":";
      if (w.promise_date) {
        AppendJsonText(&b, *w.promise_date);
      } else {
        b += "null";
      }
      b += ",\"future\":[";
      for (size_t i = 0; i < w.future.size(); ++i) {
        if (i) b += ",";
        b += "{\"date\":\"";
        b += w.future[i].date;
        b += "\",\"arriving\":\"";
        b += w.future[i].quantity.ToString();
        b += "\",\"available\":\"";
        b += w.future[i].cumulative.ToString();
        b += "\"}";
      }
      b += "],\"as_of\":{\"on_hand\":";
      AppendTimeOrNull(&b, p.on_hand_as_of);
      b += ",\"on_hand_source\":";
      AppendJsonText(&b, p.on_hand_source);
      TimePoint supply_as_of{};
      for (const auto& s : p.supply) supply_as_of = std::max(supply_as_of, s.as_of);
      b += ",\"supply\":";
      AppendTimeOrNull(&b, supply_as_of);
      b += ",\"reserved\":";
      AppendTimeOrNull(&b, p.reserved_as_of);
      b += "}}";
    }
    b += "]}";
    reply(Response::Json(200, std::move(b)));
  }

  void ListPurchaseOrders(const Request& req, Reply& reply) {
    store::AggregateFilter f;
    f.type = "purchase_order";
    f.status = req.Query("status");
    f.partner_id = req.Query("supplier");
    f.before_id = req.Query("before");
    f.limit = Limit(req);
    if (f.limit < 0) {
      return reply(Problem(400, "bad-query", "Invalid query", "limit must be 1..1000", &req));
    }
    auto list = d_.store->ListAggregates(f);
    if (!list.ok()) return reply(StoreProblem(list.error(), req));
    json items = json::array();
    for (const auto& a : *list) {
      json st = json::parse(a.state_json, nullptr, false);
      items.push_back({{"po_number", a.id},
                       {"state", a.status},
                       {"supplier", a.partner_id},
                       {"version", a.version},
                       {"updated_at", Iso(a.updated_at)},
                       {"total", st.is_object() ? st.value("total", "") : ""},
                       {"warehouse", st.is_object() ? st.value("warehouse", "") : ""}});
    }
    json j = {{"items", items}};
    if (static_cast<int>(list->size()) == f.limit) j["next_before"] = list->back().id;
    reply(Response::Json(200, j.dump(-1, ' ', false, kLenient)));
  }

  void GetPurchaseOrder(const Request& req, const std::string& id, Reply& reply) {
    auto a = d_.store->GetAggregate("purchase_order", id);
    if (!a.ok()) return reply(StoreProblem(a.error(), req));
    if (!a->has_value()) {
      return reply(Problem(404, "not-found", "Not found", "no purchase order " + id, &req));
    }
    json st = json::parse((*a)->state_json, nullptr, false);
    json j = st.is_object() ? st : json::object();
    j["state"] = (*a)->status;
    j["version"] = (*a)->version;
    j["created_at"] = Iso((*a)->created_at);
    j["updated_at"] = Iso((*a)->updated_at);
    auto tl = d_.store->AggregateTimeline("purchase_order", id);
    if (!tl.ok()) return reply(StoreProblem(tl.error(), req));
    json timeline = json::array();
    for (const auto& e : *tl) {
      json x = {{"at", Iso(e.at)}, {"version", e.version}, {"event", e.type}};
      if (!e.message_id.empty()) x["message_id"] = e.message_id;
      if (!e.detail_json.empty()) x["detail"] = ParseOrString(e.detail_json, json::object());
      timeline.push_back(std::move(x));
    }
    j["timeline"] = std::move(timeline);
    store::ExceptionFilter f;
    f.document_id = id;
    f.limit = 1000;
    auto ex = d_.store->ListExceptions(f);
    if (!ex.ok()) return reply(StoreProblem(ex.error(), req));
    json exs = json::array();
    for (const auto& e : *ex) {
      if (e.document_type == "purchase_order" || e.document_type == "purchase_order_ack" ||
          e.document_type == "shipment" || e.document_type == "invoice" ||
          e.document_type == "receipt") {
        exs.push_back(ToJson(e));
      }
    }
    j["exceptions"] = std::move(exs);
    reply(Response::Json(200, j.dump(-1, ' ', false, kLenient)));
  }

  void PurchaseOrderAction(const Request& req, const Principal& who, const std::string& id,
                           const std::string& action, Reply& reply) {
    if (!who.CanAct()) {
      return reply(Problem(403, "forbidden", "Forbidden",
                           action + " needs an operator or admin token", &req));
    }
    auto a = d_.store->GetAggregate("purchase_order", id);
    if (!a.ok()) return reply(StoreProblem(a.error(), req));
    if (!a->has_value()) {
      return reply(Problem(404, "not-found", "Not found", "no purchase order " + id, &req));
    }
    if (action == "approve" && (*a)->status != "pending_approval") {
      return reply(Problem(409, "conflict", "Conflict",
                           "purchase order " + id + " is " + (*a)->status +
                               "; only pending_approval orders can be approved",
                           &req));
    }
    json body = json::parse(req.body.empty() ? "{}" : req.body, nullptr, false);
    std::string reason = body.is_object() ? body.value("reason", "") : "";
    json payload = {{"event", action}, {"by", who.name}, {"reason", reason}};
    if (!d_.po_event) {
      return reply(Problem(503, "unavailable", "Not ready", "workflows are not running", &req));
    }
    auto st = d_.store->Enqueue({d_.po_event(id, payload.dump(-1, ' ', false, kLenient))});
    if (!st.ok()) return reply(StoreProblem(st.error(), req));
    reply(Response::Json(
        202, json({{"po_number", id}, {"action", action}, {"by", who.name}, {"status", "accepted"}})
                 .dump(-1, ' ', false, kLenient)));
  }

  // POST /v1/orders, /v1/returns: a canonical document from an API customer.
  void PostCanonical(Request& req, const Principal& who, const std::string& type,
                     const std::string& key_field, const std::string& collection, Reply reply) {
    std::string customer = req.Query("customer");
    if (who.role == config::Role::kPartner) {
      if (!customer.empty() && customer != who.partner) {
        return reply(Problem(403, "forbidden", "Forbidden",
                             "token '" + who.name + "' may only order for '" + who.partner + "'",
                             &req));
      }
      customer = who.partner;
    } else if (!who.CanAct()) {
      return reply(Problem(403, "forbidden", "Forbidden", "viewers cannot place orders", &req));
    }
    if (customer.empty()) {
      return reply(Problem(400, "bad-query", "Invalid query",
                           "name the customer: ?customer=<partner id> (partner tokens need not)",
                           &req));
    }
    const config::Partner* c = d_.cfg->FindPartner(customer);
    if (!c || (c->kind != "customer" && c->kind != "channel")) {
      return reply(Problem(404, "unknown-customer", "Unknown customer",
                           "no customer '" + customer + "' is configured", &req));
    }
    if (req.body.empty()) {
      return reply(Problem(400, "empty-body", "Empty body", "send the order as JSON", &req));
    }
    std::string why;
    if (!CheckJson(req.body, &why)) {
      return reply(Problem(400, "malformed-json", "Malformed JSON", why, &req));
    }
    json body = json::parse(req.body, nullptr, false);
    if (!body.is_object() || !body.contains(key_field) || !body[key_field].is_string() ||
        body[key_field].get<std::string>().empty()) {
      return reply(Problem(400, "invalid-document", "Invalid document",
                           "the body needs a " + key_field + " (the canonical " + type +
                               ", schemas/v1/" + type + ".schema.json)",
                           &req));
    }
    if (req.has_idempotency_key && !ValidIdempotencyKey(req.idempotency_key)) {
      return reply(Problem(400, "bad-idempotency-key", "Invalid Idempotency-Key",
                           "Idempotency-Key must be 1-255 visible ASCII characters", &req));
    }
    const std::string order_id = customer + "/" + body[key_field].get<std::string>();
    store::NewMessage m;
    m.partner_id = customer;
    m.content_type = "application/json";
    m.content_hash = Sha256Hex(req.body);
    m.payload = std::move(req.body);
    m.idempotency_key = req.idempotency_key;
    m.correlation_id = req.correlation_id;
    m.traceparent = req.traceparent;
    m.received_at = d_.clock->Now();
    auto steps =
        d_.canonical_steps ? d_.canonical_steps(customer, type) : std::vector<store::WorkSpec>{};
    const std::string path = req.path;
    d_.store->Accept(std::move(m), std::move(steps), policy_,
                     [this, reply = std::move(reply), customer, order_id, path, collection,
                      corr = req.correlation_id](Result<store::AcceptOutcome> r) {
                       if (!r.ok()) {
                         Request fake;
                         fake.path = path;
                         fake.correlation_id = corr;
                         return reply(StoreProblem(r.error(), fake));
                       }
                       Count(customer, r->duplicate ? "duplicate" : "accepted");
                       json j = {{"message_id", r->message_id},
                                 {"correlation_id", r->correlation_id},
                                 {collection == "orders" ? "order_id" : "rma_id", order_id}};
                       if (r->duplicate) j["duplicate"] = true;
                       Response resp = Response::Json(r->duplicate ? 200 : 202,
                                                      j.dump(-1, ' ', false, kLenient));
                       resp.headers.emplace_back("Location", "/v1/" + collection + "/" + order_id);
                       resp.headers.emplace_back("X-Correlation-Id", r->correlation_id);
                       reply(std::move(resp));
                     });
  }

  void ListOrders(const Request& req, const Principal& who, Reply& reply) {
    store::AggregateFilter f;
    f.type = "sales_order";
    f.status = req.Query("status");
    f.partner_id = req.Query("customer");
    f.before_id = req.Query("before");
    f.limit = Limit(req);
    if (f.limit < 0) {
      return reply(Problem(400, "bad-query", "Invalid query", "limit must be 1..1000", &req));
    }
    if (who.role == config::Role::kPartner) f.partner_id = who.partner;
    auto list = d_.store->ListAggregates(f);
    if (!list.ok()) return reply(StoreProblem(list.error(), req));
    json items = json::array();
    for (const auto& a : *list) {
      json st = json::parse(a.state_json, nullptr, false);
      items.push_back({{"order_id", a.id},
                       {"state", a.status},
                       {"customer", a.partner_id},
                       {"version", a.version},
                       {"updated_at", Iso(a.updated_at)},
                       {"total", st.is_object() ? st.value("total", "") : ""}});
    }
    json j = {{"items", items}};
    if (static_cast<int>(list->size()) == f.limit) j["next_before"] = list->back().id;
    reply(Response::Json(200, j.dump(-1, ' ', false, kLenient)));
  }

  void GetOrder(const Request& req, const std::string& id, Reply& reply) {
    auto a = d_.store->GetAggregate("sales_order", id);
    if (!a.ok()) return reply(StoreProblem(a.error(), req));
    if (!a->has_value()) {
      return reply(Problem(404, "not-found", "Not found", "no order " + id, &req));
    }
    json st = json::parse((*a)->state_json, nullptr, false);
    json j = st.is_object() ? st : json::object();
    j["state"] = (*a)->status;
    j["version"] = (*a)->version;
    j["created_at"] = Iso((*a)->created_at);
    j["updated_at"] = Iso((*a)->updated_at);
    auto tl = d_.store->AggregateTimeline("sales_order", id);
    if (!tl.ok()) return reply(StoreProblem(tl.error(), req));
    json timeline = json::array();
    for (const auto& e : *tl) {
      json x = {{"at", Iso(e.at)}, {"version", e.version}, {"event", e.type}};
      if (!e.message_id.empty()) x["message_id"] = e.message_id;
      if (!e.detail_json.empty()) x["detail"] = ParseOrString(e.detail_json, json::object());
      timeline.push_back(std::move(x));
    }
    j["timeline"] = std::move(timeline);
    store::ExceptionFilter f;
    f.document_id = (*a)->id.substr((*a)->id.find('/') + 1);
    f.partner_id = (*a)->partner_id;
    f.limit = 1000;
    auto ex = d_.store->ListExceptions(f);
    if (!ex.ok()) return reply(StoreProblem(ex.error(), req));
    json exs = json::array();
    for (const auto& e : *ex) exs.push_back(ToJson(e));
    j["exceptions"] = std::move(exs);
    reply(Response::Json(200, j.dump(-1, ' ', false, kLenient)));
  }

  void OrderAction(const Request& req, const Principal& who, const std::string& id,
                   const std::string& action, Reply& reply) {
    if (!who.CanAct()) {
      return reply(Problem(403, "forbidden", "Forbidden",
                           action + " needs an operator or admin token", &req));
    }
    auto a = d_.store->GetAggregate("sales_order", id);
    if (!a.ok()) return reply(StoreProblem(a.error(), req));
    if (!a->has_value()) {
      return reply(Problem(404, "not-found", "Not found", "no order " + id, &req));
    }
    json body = json::parse(req.body.empty() ? "{}" : req.body, nullptr, false);
    if (!body.is_object()) {
      return reply(
          Problem(400, "malformed-json", "Malformed JSON", "the body must be a JSON object", &req));
    }
    if (action == "release-hold" && (*a)->status != "on_hold") {
      return reply(Problem(409, "conflict", "Conflict",
                           "order " + id + " is " + (*a)->status + ", not on hold", &req));
    }
    json payload = {{"event", action == "cancel" ? "cancel" : "release_hold"},
                    {"by", who.name},
                    {"hold", body.value("hold", "all")},
                    {"note", body.value("note", "")},
                    {"reason", body.value("reason", "")}};
    if (!d_.so_event) {
      return reply(Problem(503, "unavailable", "Not ready", "workflows are not running", &req));
    }
    auto st = d_.store->Enqueue({d_.so_event(id, payload.dump(-1, ' ', false, kLenient))});
    if (!st.ok()) return reply(StoreProblem(st.error(), req));
    reply(Response::Json(
        202, json({{"order_id", id}, {"action", action}, {"by", who.name}, {"status", "accepted"}})
                 .dump(-1, ' ', false, kLenient)));
  }

  ApiDeps d_;
  store::DedupePolicy policy_;
  std::map<std::string, PartnerMetrics> partner_metrics_;
  obs::Histogram* latency_ = nullptr;
};

}  // namespace

std::string FormatForContentType(std::string_view content_type) {
  std::string ct = ToLower(Trim(content_type.substr(0, content_type.find(';'))));
  if (ct == "application/edi-x12" || ct == "application/edi" || ct == "application/x12" ||
      ct == "text/x12" || ct == "text/plain") {
    return "x12";
  }
  if (ct == "text/csv" || ct == "application/csv") return "csv";
  if (ct == "application/json" ||
      (StartsWith(ct, "application/") && ct.size() > 5 && ct.substr(ct.size() - 5) == "+json")) {
    return "json";
  }
  return "";
}

std::unique_ptr<Handler> MakeApiHandler(ApiDeps deps) {
  return std::make_unique<ApiHandler>(std::move(deps));
}

}  // namespace crossdock::api
