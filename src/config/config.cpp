#include "config/config.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "core/strings.hpp"

namespace crossdock::config {
namespace {

namespace fs = std::filesystem;

struct Ctx {
  std::string file;
  std::vector<std::string>* errors;

  void Err(const YAML::Node& node, const std::string& key, const std::string& msg) const {
    std::ostringstream os;
    os << file;
    if (node.IsDefined() && node.Mark().line >= 0) {
      os << ":" << node.Mark().line + 1 << ":" << node.Mark().column + 1;
    }
    os << ": " << key << ": " << msg;
    errors->push_back(os.str());
  }
};

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += ", ";
    out += v[i];
  }
  return out;
}

// Reports unknown and duplicate keys of a mapping. Returns false if node is not a map.
bool CheckMap(const Ctx& ctx, const YAML::Node& node, const std::string& path,
              const std::vector<std::string>& allowed) {
  if (!node.IsMap()) {
    ctx.Err(node, path, "must be a mapping");
    return false;
  }
  std::set<std::string> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string key = it->first.as<std::string>("");
    const std::string kp = path.empty() ? key : path + "." + key;
    if (!seen.insert(key).second) {
      ctx.Err(it->first, kp, "key given twice");
    }
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      ctx.Err(it->first, kp, "unknown key (allowed: " + Join(allowed) + ")");
    }
  }
  return true;
}

std::string KeyPath(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

bool GetString(const Ctx& ctx, const YAML::Node& map, const std::string& path,
               const std::string& key, std::string* out, bool required = false) {
  const YAML::Node n = map[key];
  if (!n.IsDefined() || n.IsNull()) {
    if (required) ctx.Err(map, KeyPath(path, key), "required key missing");
    return false;
  }
  if (!n.IsScalar()) {
    ctx.Err(n, KeyPath(path, key), "must be a string");
    return false;
  }
  *out = n.Scalar();
  return true;
}

template <typename T>
bool GetNumber(const Ctx& ctx, const YAML::Node& map, const std::string& path,
               const std::string& key, T* out, T min, T max, bool required = false) {
  const YAML::Node n = map[key];
  if (!n.IsDefined() || n.IsNull()) {
    if (required) ctx.Err(map, KeyPath(path, key), "required key missing");
    return false;
  }
  T v{};
  if (!n.IsScalar() || !YAML::convert<T>::decode(n, v)) {
    ctx.Err(n, KeyPath(path, key), "must be a number");
    return false;
  }
  if (v < min || v > max) {
    std::ostringstream os;
    os << "must be between " << min << " and " << max << " (got " << n.Scalar() << ")";
    ctx.Err(n, KeyPath(path, key), os.str());
    return false;
  }
  *out = v;
  return true;
}

bool GetStringList(const Ctx& ctx, const YAML::Node& map, const std::string& path,
                   const std::string& key, std::vector<std::string>* out) {
  const YAML::Node n = map[key];
  if (!n.IsDefined() || n.IsNull()) return false;
  if (!n.IsSequence()) {
    ctx.Err(n, KeyPath(path, key), "must be a list of strings");
    return false;
  }
  out->clear();
  for (size_t i = 0; i < n.size(); ++i) {
    if (!n[i].IsScalar()) {
      ctx.Err(n[i], KeyPath(path, key) + "[" + std::to_string(i) + "]", "must be a string");
      continue;
    }
    out->push_back(n[i].Scalar());
  }
  return true;
}

bool ValidId(const std::string& id) {
  static const std::regex re("^[a-z0-9][a-z0-9._-]{0,63}$");
  return std::regex_match(id, re);
}

void ReadRetry(const Ctx& ctx, const YAML::Node& n, const std::string& path, RetryPolicy* r) {
  if (!CheckMap(ctx, n, path,
                {"max_attempts", "initial_backoff_ms", "max_backoff_ms", "multiplier"})) {
    return;
  }
  GetNumber(ctx, n, path, "max_attempts", &r->max_attempts, 1, 1000);
  int64_t ms;
  if (GetNumber<int64_t>(ctx, n, path, "initial_backoff_ms", &ms, 1, 86'400'000)) {
    r->initial_backoff = Millis(ms);
  }
  if (GetNumber<int64_t>(ctx, n, path, "max_backoff_ms", &ms, 1, 7 * 86'400'000LL)) {
    r->max_backoff = Millis(ms);
  }
  GetNumber(ctx, n, path, "multiplier", &r->multiplier, 1.0, 10.0);
}

void ReadServer(const Ctx& ctx, const YAML::Node& n, ServerConfig* s) {
  if (!CheckMap(ctx, n, "server",
                {"listen", "io_threads", "max_body_bytes", "idle_timeout_seconds"})) {
    return;
  }
  GetString(ctx, n, "server", "listen", &s->listen);
  GetNumber(ctx, n, "server", "io_threads", &s->io_threads, 1, 64);
  GetNumber<int64_t>(ctx, n, "server", "max_body_bytes", &s->max_body_bytes, 1,
                     1024LL * 1024 * 1024);
  GetNumber(ctx, n, "server", "idle_timeout_seconds", &s->idle_timeout_seconds, 1, 3600);
}

void ReadStore(const Ctx& ctx, const YAML::Node& n, StoreConfig* s) {
  if (!CheckMap(
          ctx, n, "store",
          {"engine", "path", "synchronous", "group_commit_max_batch", "group_commit_linger_us",
           "idempotency_window_hours", "content_hash_window_hours", "read_connections"})) {
    return;
  }
  if (GetString(ctx, n, "store", "engine", &s->engine) && s->engine != "sqlite") {
    ctx.Err(n["engine"], "store.engine",
            "unsupported engine '" + s->engine + "' (this build supports: sqlite)");
  }
  GetString(ctx, n, "store", "path", &s->path);
  if (GetString(ctx, n, "store", "synchronous", &s->synchronous) && s->synchronous != "full" &&
      s->synchronous != "normal") {
    ctx.Err(n["synchronous"], "store.synchronous", "must be 'full' or 'normal'");
  }
  GetNumber(ctx, n, "store", "group_commit_max_batch", &s->group_commit_max_batch, 1, 100000);
  GetNumber(ctx, n, "store", "group_commit_linger_us", &s->group_commit_linger_us, 0, 100000);
  GetNumber(ctx, n, "store", "idempotency_window_hours", &s->idempotency_window_hours, 1,
            24 * 3650);
  GetNumber(ctx, n, "store", "content_hash_window_hours", &s->content_hash_window_hours, 0,
            24 * 3650);
  GetNumber(ctx, n, "store", "read_connections", &s->read_connections, 1, 64);
}

void ReadEngine(const Ctx& ctx, const YAML::Node& n, EngineConfig* e) {
  if (!CheckMap(ctx, n, "engine",
                {"workers", "lease_seconds", "claim_batch", "poll_interval_ms",
                 "shutdown_grace_seconds", "step_retry", "measures_refresh_ms"})) {
    return;
  }
  GetNumber(ctx, n, "engine", "workers", &e->workers, 1, 256);
  GetNumber(ctx, n, "engine", "lease_seconds", &e->lease_seconds, 1, 86400);
  GetNumber(ctx, n, "engine", "claim_batch", &e->claim_batch, 1, 10000);
  GetNumber(ctx, n, "engine", "poll_interval_ms", &e->poll_interval_ms, 1, 60000);
  GetNumber(ctx, n, "engine", "shutdown_grace_seconds", &e->shutdown_grace_seconds, 0, 3600);
  GetNumber(ctx, n, "engine", "measures_refresh_ms", &e->measures_refresh_ms, 100, 600'000);
  if (n["step_retry"].IsDefined())
    ReadRetry(ctx, n["step_retry"], "engine.step_retry", &e->step_retry);
}

void ReadLog(const Ctx& ctx, const YAML::Node& n, LogConfig* l) {
  if (!CheckMap(ctx, n, "log", {"level", "file"})) return;
  if (GetString(ctx, n, "log", "level", &l->level)) {
    static const std::set<std::string> kLevels{"debug", "info", "warn", "error", "off"};
    if (!kLevels.count(l->level)) {
      ctx.Err(n["level"], "log.level", "must be one of debug, info, warn, error, off");
    }
  }
  GetString(ctx, n, "log", "file", &l->file);
}

void ReadToken(const Ctx& ctx, const YAML::Node& n, const std::string& path, Token* t) {
  if (!CheckMap(ctx, n, path, {"name", "sha256", "role", "partner"})) return;
  GetString(ctx, n, path, "name", &t->name, true);
  if (GetString(ctx, n, path, "sha256", &t->sha256, true)) {
    static const std::regex hex("^[0-9a-fA-F]{64}$");
    if (!std::regex_match(t->sha256, hex)) {
      ctx.Err(n["sha256"], path + ".sha256",
              "must be the 64-hex-digit SHA-256 of the token (crossdock token hash TOKEN)");
    }
    for (auto& c : t->sha256) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  std::string role;
  if (GetString(ctx, n, path, "role", &role, true)) {
    if (role == "admin")
      t->role = Role::kAdmin;
    else if (role == "operator")
      t->role = Role::kOperator;
    else if (role == "viewer")
      t->role = Role::kViewer;
    else if (role == "partner")
      t->role = Role::kPartner;
    else
      ctx.Err(n["role"], path + ".role", "must be one of admin, operator, viewer, partner");
  }
  GetString(ctx, n, path, "partner", &t->partner);
  if (t->role == Role::kPartner && t->partner.empty()) {
    ctx.Err(n, path + ".partner", "required for role partner");
  }
  if (t->role != Role::kPartner && !t->partner.empty()) {
    ctx.Err(n["partner"], path + ".partner", "only allowed for role partner");
  }
}

bool GetBool(const Ctx& ctx, const YAML::Node& map, const std::string& path, const std::string& key,
             bool* out) {
  const YAML::Node n = map[key];
  if (!n.IsDefined() || n.IsNull()) return false;
  bool v = false;
  if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v)) {
    ctx.Err(n, KeyPath(path, key), "must be true or false");
    return false;
  }
  *out = v;
  return true;
}

bool ValidDecimal(const std::string& s) {
  if (s.empty()) return false;
  size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  bool digit = false, point = false;
  for (; i < s.size(); ++i) {
    if (s[i] == '.' && !point) {
      point = true;
    } else if (s[i] >= '0' && s[i] <= '9') {
      digit = true;
    } else {
      return false;
    }
  }
  return digit;
}

// A decimal given as a YAML scalar (number or string); kept as exact text.
void GetDecimal(const Ctx& ctx, const YAML::Node& map, const std::string& path,
                const std::string& key, std::string* out, bool required = false) {
  if (GetString(ctx, map, path, key, out, required) && !ValidDecimal(*out)) {
    ctx.Err(map[key], KeyPath(path, key), "'" + *out + "' is not a decimal number");
  }
}

template <typename F>
void ForEach(const Ctx& ctx, const YAML::Node& map, const std::string& path, const std::string& key,
             F&& fn) {
  const YAML::Node l = map[key];
  if (!l.IsDefined() || l.IsNull()) return;
  if (!l.IsSequence()) {
    ctx.Err(l, KeyPath(path, key), "must be a list");
    return;
  }
  for (size_t i = 0; i < l.size(); ++i) {
    fn(l[i], KeyPath(path, key) + "[" + std::to_string(i) + "]");
  }
}

// An ordered mapping of strings (column maps, aliases).
void GetPairs(const Ctx& ctx, const YAML::Node& map, const std::string& path,
              const std::string& key, std::vector<std::pair<std::string, std::string>>* out) {
  const YAML::Node m = map[key];
  if (!m.IsDefined() || m.IsNull()) return;
  if (!m.IsMap()) {
    ctx.Err(m, KeyPath(path, key), "must be a mapping");
    return;
  }
  for (auto it = m.begin(); it != m.end(); ++it) {
    if (!it->second.IsScalar()) {
      ctx.Err(it->second, KeyPath(path, key) + "." + it->first.as<std::string>(""),
              "must be a string");
      continue;
    }
    out->emplace_back(it->first.as<std::string>(""), it->second.Scalar());
  }
}

const std::set<std::string>& DocumentTypes() {
  static const std::set<std::string> kTypes{"purchase_order",
                                            "sales_order",
                                            "purchase_order_ack",
                                            "shipment",
                                            "receipt",
                                            "invoice",
                                            "inventory_advice",
                                            "inventory_adjustment",
                                            "return",
                                            "forecast",
                                            "replenishment_recommendation",
                                            "item",
                                            "party",
                                            "location"};
  return kTypes;
}

void CheckDocType(const Ctx& ctx, const YAML::Node& n, const std::string& path,
                  const std::string& type) {
  if (!DocumentTypes().count(type)) {
    std::string all;
    for (const auto& t : DocumentTypes()) all += (all.empty() ? "" : ", ") + t;
    ctx.Err(n, path, "unknown document type '" + type + "' (" + all + ")");
  }
}

bool GetChar(const Ctx& ctx, const YAML::Node& map, const std::string& path, const std::string& key,
             char* out) {
  std::string v;
  if (!GetString(ctx, map, path, key, &v)) return false;
  if (v == "\\n" || v == "newline") v = "\n";
  if (v.size() != 1) {
    ctx.Err(map[key], KeyPath(path, key), "must be exactly one character");
    return false;
  }
  *out = v[0];
  return true;
}

void ReadX12Profile(const Ctx& ctx, const YAML::Node& n, const std::string& path, X12Profile* x) {
  if (!CheckMap(ctx, n, path,
                {"isa_qualifier", "isa_id", "gs_id", "version", "delimiters", "ack",
                 "ack_accepted_sets", "usage"})) {
    return;
  }
  if (GetString(ctx, n, path, "isa_qualifier", &x->isa_qualifier) && x->isa_qualifier.size() != 2) {
    ctx.Err(n["isa_qualifier"], path + ".isa_qualifier", "must be 2 characters (ZZ, 01, 12, ...)");
  }
  if (GetString(ctx, n, path, "isa_id", &x->isa_id) &&
      (x->isa_id.empty() || x->isa_id.size() > 15)) {
    ctx.Err(n["isa_id"], path + ".isa_id", "must be 1 to 15 characters");
  }
  if (GetString(ctx, n, path, "gs_id", &x->gs_id) && (x->gs_id.empty() || x->gs_id.size() > 15)) {
    ctx.Err(n["gs_id"], path + ".gs_id", "must be 1 to 15 characters");
  }
  if (x->gs_id.empty()) x->gs_id = x->isa_id;
  if (GetString(ctx, n, path, "version", &x->version) &&
      !(x->version.size() >= 6 && x->version.substr(0, 3) == "004") &&
      !(x->version.size() >= 6 && x->version.substr(0, 3) == "005")) {
    ctx.Err(n["version"], path + ".version", "must be an 004010 or 005010 version (GS08)");
  }
  const YAML::Node d = n["delimiters"];
  if (d.IsDefined() && !d.IsNull() &&
      CheckMap(ctx, d, path + ".delimiters",
               {"element", "component", "segment", "repetition", "newline"})) {
    GetChar(ctx, d, path + ".delimiters", "element", &x->element_separator);
    GetChar(ctx, d, path + ".delimiters", "component", &x->component_separator);
    GetChar(ctx, d, path + ".delimiters", "segment", &x->segment_terminator);
    GetChar(ctx, d, path + ".delimiters", "repetition", &x->repetition_separator);
    GetBool(ctx, d, path + ".delimiters", "newline", &x->segment_newline);
    const std::set<char> distinct{x->element_separator, x->component_separator,
                                  x->segment_terminator, x->repetition_separator};
    if (distinct.size() != 4) ctx.Err(d, path + ".delimiters", "the four delimiters must differ");
  }
  if (GetString(ctx, n, path, "ack", &x->ack) && x->ack != "auto" && x->ack != "997" &&
      x->ack != "999" && x->ack != "none") {
    ctx.Err(n["ack"], path + ".ack", "must be auto, 997, 999 or none");
  }
  GetBool(ctx, n, path, "ack_accepted_sets", &x->ack_accepted_sets);
  if (GetString(ctx, n, path, "usage", &x->usage) && x->usage != "P" && x->usage != "T") {
    ctx.Err(n["usage"], path + ".usage", "must be P (production) or T (test)");
  }
}

// The keys of a `tryton` transport (an ERP reached over JSON-RPC). Keys that belong to it are
// errors on other transport types, and the other types' keys are errors on it.
void ReadTrytonTransport(const Ctx& ctx, const YAML::Node& t, const std::string& tp,
                         Transport* tr) {
  static const std::vector<std::string> kTrytonKeys{
      "database",         "user",       "password",      "password_env",
      "pull_interval_ms", "timeout_ms", "max_in_flight", "invoice_method",
      "warehouses",       "parties",    "retry"};
  static const std::vector<std::string> kOtherKeys{
      "secret", "secret_env", "inbound_dir", "outbound_dir", "archive_dir", "poll_interval_ms"};
  const bool tryton = tr->type == "tryton";
  for (const auto& k : tryton ? kOtherKeys : kTrytonKeys) {
    if (t[k].IsDefined()) {
      ctx.Err(t[k], tp + "." + k,
              tryton ? "not a key of a tryton transport"
                     : "only for a tryton transport (type: " + tr->type + ")");
    }
  }
  if (!tryton) return;
  if (GetString(ctx, t, tp, "url", &tr->url, true)) {
    if (!StartsWith(tr->url, "http://") && !StartsWith(tr->url, "https://")) {
      ctx.Err(t["url"], tp + ".url", "must be an http:// or https:// URL of the Tryton server");
    }
  }
  if (GetString(ctx, t, tp, "database", &tr->database, true) &&
      (tr->database.empty() || tr->database.find('/') != std::string::npos)) {
    ctx.Err(t["database"], tp + ".database", "must be a database name (no '/')");
  }
  GetString(ctx, t, tp, "user", &tr->user, true);
  const bool has_password = GetString(ctx, t, tp, "password", &tr->password);
  std::string env;
  if (GetString(ctx, t, tp, "password_env", &env)) {
    if (has_password) {
      ctx.Err(t["password_env"], tp + ".password_env", "give password or password_env, not both");
    }
    const char* v = std::getenv(env.c_str());
    if (v == nullptr || *v == '\0') {
      ctx.Err(t["password_env"], tp + ".password_env",
              "environment variable " + env + " is not set");
    } else {
      tr->password = v;
    }
  } else if (!has_password) {
    ctx.Err(t, tp + ".password", "required key missing (or password_env)");
  }
  GetNumber(ctx, t, tp, "pull_interval_ms", &tr->pull_interval_ms, 0, 86'400'000);
  if (tr->pull_interval_ms > 0 && tr->pull_interval_ms < 100) {
    ctx.Err(t["pull_interval_ms"], tp + ".pull_interval_ms",
            "must be 0 (no pulls) or at least 100");
  }
  GetNumber(ctx, t, tp, "timeout_ms", &tr->timeout_ms, 100, 600'000);
  GetNumber(ctx, t, tp, "max_in_flight", &tr->max_in_flight, 1, 64);
  if (GetString(ctx, t, tp, "invoice_method", &tr->invoice_method) &&
      tr->invoice_method != "manual" && tr->invoice_method != "order" &&
      tr->invoice_method != "shipment") {
    ctx.Err(t["invoice_method"], tp + ".invoice_method", "must be manual, order or shipment");
  }
  for (auto [key, out] :
       {std::pair<const char*, std::vector<CodeMapping>*>{"warehouses", &tr->warehouses},
        {"parties", &tr->parties}}) {
    std::vector<std::pair<std::string, std::string>> pairs;
    GetPairs(ctx, t, tp, key, &pairs);
    std::set<std::string> ids;
    for (auto& [code, id] : pairs) {
      if (code.empty() || id.empty()) {
        ctx.Err(t[key], tp + "." + key, "codes and ids must not be empty");
        continue;
      }
      if (!ids.insert(id).second) {
        ctx.Err(t[key], tp + "." + key + "." + code, "'" + id + "' is mapped twice");
      }
      out->push_back({code, id});
    }
  }
  if (t["retry"].IsDefined() && !t["retry"].IsNull()) {
    tr->has_retry = true;
    ReadRetry(ctx, t["retry"], tp + ".retry", &tr->retry);
  }
}

void ReadPartnerProfile(const Ctx& ctx, const YAML::Node& n, const std::string& path, Partner* p) {
  GetBool(ctx, n, path, "strategic", &p->strategic);
  if (n["x12"].IsDefined()) ReadX12Profile(ctx, n["x12"], path + ".x12", &p->x12);
  ForEach(ctx, n, path, "documents", [&](const YAML::Node& d, const std::string& dp) {
    if (!CheckMap(ctx, d, dp, {"type", "direction", "format", "set", "version"})) return;
    DocumentRoute r;
    if (GetString(ctx, d, dp, "type", &r.type, true))
      CheckDocType(ctx, d["type"], dp + ".type", r.type);
    if (GetString(ctx, d, dp, "direction", &r.direction, true) && r.direction != "in" &&
        r.direction != "out") {
      ctx.Err(d["direction"], dp + ".direction", "must be in or out");
    }
    if (GetString(ctx, d, dp, "format", &r.format, true) && r.format != "x12" &&
        r.format != "csv" && r.format != "json") {
      ctx.Err(d["format"], dp + ".format", "must be x12, csv or json");
    }
    GetString(ctx, d, dp, "set", &r.set);
    if (r.format == "x12" &&
        (r.set.size() != 3 || !std::isdigit(static_cast<unsigned char>(r.set[0])))) {
      ctx.Err(d, dp + ".set", "an X12 document needs its transaction set (3 digits, e.g. \"850\")");
    }
    GetString(ctx, d, dp, "version", &r.version);
    p->documents.push_back(std::move(r));
  });
  const YAML::Node x = n["xref"];
  if (x.IsDefined() && !x.IsNull() && CheckMap(ctx, x, path + ".xref", {"items", "locations"})) {
    ForEach(ctx, x, path + ".xref", "items", [&](const YAML::Node& i, const std::string& ip) {
      if (!CheckMap(ctx, i, ip, {"sku", "partner_item_id", "gtin"})) return;
      ItemXref r;
      GetString(ctx, i, ip, "sku", &r.sku, true);
      GetString(ctx, i, ip, "partner_item_id", &r.partner_item_id);
      GetString(ctx, i, ip, "gtin", &r.gtin);
      if (r.partner_item_id.empty() && r.gtin.empty()) {
        ctx.Err(i, ip, "give partner_item_id or gtin (or both)");
      }
      p->item_xref.push_back(std::move(r));
    });
    ForEach(ctx, x, path + ".xref", "locations", [&](const YAML::Node& l, const std::string& lp) {
      if (!CheckMap(ctx, l, lp, {"code", "id"})) return;
      LocationXref r;
      GetString(ctx, l, lp, "code", &r.code, true);
      GetString(ctx, l, lp, "id", &r.id, true);
      p->location_xref.push_back(std::move(r));
    });
  }
  const YAML::Node u = n["uom"];
  if (u.IsDefined() && !u.IsNull() && CheckMap(ctx, u, path + ".uom", {"conversions", "aliases"})) {
    ForEach(ctx, u, path + ".uom", "conversions", [&](const YAML::Node& c, const std::string& cp) {
      if (!CheckMap(ctx, c, cp, {"from", "to", "factor", "sku"})) return;
      UomConversionRule r;
      GetString(ctx, c, cp, "from", &r.from, true);
      GetString(ctx, c, cp, "to", &r.to, true);
      GetDecimal(ctx, c, cp, "factor", &r.factor, true);
      GetString(ctx, c, cp, "sku", &r.sku);
      p->uom.push_back(std::move(r));
    });
    GetPairs(ctx, u, path + ".uom", "aliases", &p->uom_aliases);
  }
  ForEach(ctx, n, path, "items", [&](const YAML::Node& i, const std::string& ip) {
    if (!CheckMap(ctx, i, ip,
                  {"sku", "moq", "pack_multiple", "uom", "contract_price", "currency"})) {
      return;
    }
    PartnerItem r;
    GetString(ctx, i, ip, "sku", &r.sku, true);
    GetDecimal(ctx, i, ip, "moq", &r.moq);
    GetDecimal(ctx, i, ip, "pack_multiple", &r.pack_multiple);
    GetString(ctx, i, ip, "uom", &r.uom);
    GetDecimal(ctx, i, ip, "contract_price", &r.contract_price);
    GetString(ctx, i, ip, "currency", &r.currency);
    p->items.push_back(std::move(r));
  });
  const YAML::Node r = n["rules"];
  if (r.IsDefined() && !r.IsNull() &&
      CheckMap(ctx, r, path + ".rules", {"set", "price_tolerance_percent", "disabled"})) {
    if (GetString(ctx, r, path + ".rules", "set", &p->rules.name) && p->rules.name != "standard" &&
        p->rules.name != "lenient") {
      ctx.Err(r["set"], path + ".rules.set", "must be standard or lenient");
    }
    GetDecimal(ctx, r, path + ".rules", "price_tolerance_percent",
               &p->rules.price_tolerance_percent);
    GetStringList(ctx, r, path + ".rules", "disabled", &p->rules.disabled);
  }
  ForEach(ctx, n, path, "csv", [&](const YAML::Node& c, const std::string& cp) {
    if (!CheckMap(ctx, c, cp,
                  {"type", "delimiter", "header", "group_by", "columns", "constants"})) {
      return;
    }
    CsvMapping m;
    if (GetString(ctx, c, cp, "type", &m.type, true))
      CheckDocType(ctx, c["type"], cp + ".type", m.type);
    GetChar(ctx, c, cp, "delimiter", &m.delimiter);
    GetBool(ctx, c, cp, "header", &m.header);
    GetString(ctx, c, cp, "group_by", &m.group_by);
    GetPairs(ctx, c, cp, "columns", &m.columns);
    GetPairs(ctx, c, cp, "constants", &m.constants);
    if (m.columns.empty()) ctx.Err(c, cp + ".columns", "required key missing");
    p->csv.push_back(std::move(m));
  });
  ForEach(ctx, n, path, "json", [&](const YAML::Node& j, const std::string& jp) {
    if (!CheckMap(ctx, j, jp, {"type", "inbound", "outbound"})) return;
    JsonMapping m;
    if (GetString(ctx, j, jp, "type", &m.type, true))
      CheckDocType(ctx, j["type"], jp + ".type", m.type);
    GetString(ctx, j, jp, "inbound", &m.inbound);
    GetString(ctx, j, jp, "outbound", &m.outbound);
    p->json.push_back(std::move(m));
  });
  const YAML::Node t = n["transport"];
  if (t.IsDefined() && !t.IsNull() &&
      CheckMap(
          ctx, t, path + ".transport",
          {"type", "url", "secret", "secret_env", "inbound_dir", "outbound_dir", "archive_dir",
           "poll_interval_ms", "database", "user", "password", "password_env", "pull_interval_ms",
           "timeout_ms", "max_in_flight", "invoice_method", "warehouses", "parties", "retry"})) {
    const std::string tp = path + ".transport";
    if (GetString(ctx, t, tp, "type", &p->transport.type, true) && p->transport.type != "none" &&
        p->transport.type != "http" && p->transport.type != "filedrop" &&
        p->transport.type != "tryton") {
      ctx.Err(t["type"], tp + ".type", "must be none, http, filedrop or tryton");
    }
    GetString(ctx, t, tp, "url", &p->transport.url);
    GetString(ctx, t, tp, "secret", &p->transport.secret);
    std::string env;
    if (GetString(ctx, t, tp, "secret_env", &env)) {
      const char* v = std::getenv(env.c_str());
      if (v == nullptr || *v == '\0') {
        ctx.Err(t["secret_env"], tp + ".secret_env", "environment variable " + env + " is not set");
      } else {
        p->transport.secret = v;
      }
    }
    GetString(ctx, t, tp, "inbound_dir", &p->transport.inbound_dir);
    GetString(ctx, t, tp, "outbound_dir", &p->transport.outbound_dir);
    GetString(ctx, t, tp, "archive_dir", &p->transport.archive_dir);
    GetNumber(ctx, t, tp, "poll_interval_ms", &p->transport.poll_interval_ms, 10, 3'600'000);
    if (p->transport.type == "http" && p->transport.url.empty()) {
      ctx.Err(t, tp + ".url", "required for an http transport");
    }
    if (p->transport.type == "filedrop" && p->transport.inbound_dir.empty() &&
        p->transport.outbound_dir.empty()) {
      ctx.Err(t, tp, "a filedrop transport needs inbound_dir, outbound_dir or both");
    }
    ReadTrytonTransport(ctx, t, tp, &p->transport);
  }
  const YAML::Node sla = n["sla"];
  if (sla.IsDefined() && !sla.IsNull() &&
      CheckMap(ctx, sla, path + ".sla", {"ack_due_hours", "asn_due_hours"})) {
    GetNumber(ctx, sla, path + ".sla", "ack_due_hours", &p->sla.ack_due_hours, 0, 24 * 365);
    GetNumber(ctx, sla, path + ".sla", "asn_due_hours", &p->sla.asn_due_hours, 0, 24 * 365);
  }
  const YAML::Node match = n["match"];
  if (match.IsDefined() && !match.IsNull() &&
      CheckMap(ctx, match, path + ".match",
               {"price_tolerance_percent", "quantity_tolerance_percent"})) {
    GetDecimal(ctx, match, path + ".match", "price_tolerance_percent",
               &p->match.price_tolerance_percent);
    GetDecimal(ctx, match, path + ".match", "quantity_tolerance_percent",
               &p->match.quantity_tolerance_percent);
  }
  GetStringList(ctx, n, path, "warehouse_preference", &p->warehouse_preference);
  const YAML::Node credit = n["credit"];
  if (credit.IsDefined() && !credit.IsNull() &&
      CheckMap(ctx, credit, path + ".credit", {"limit", "receivables"})) {
    GetDecimal(ctx, credit, path + ".credit", "limit", &p->credit_limit, true);
    GetDecimal(ctx, credit, path + ".credit", "receivables", &p->receivables);
  }
  const YAML::Node ful = n["fulfillment"];
  if (ful.IsDefined() && !ful.IsNull() &&
      CheckMap(ctx, ful, path + ".fulfillment", {"ship_complete", "allow_split"})) {
    GetBool(ctx, ful, path + ".fulfillment", "ship_complete", &p->ship_complete);
    GetBool(ctx, ful, path + ".fulfillment", "allow_split", &p->allow_split);
  }
  GetPairs(ctx, n, path, "substitutions", &p->substitutions);
  const YAML::Node def = n["defaults"];
  if (def.IsDefined() && !def.IsNull() &&
      CheckMap(ctx, def, path + ".defaults", {"currency", "ship_to"})) {
    GetString(ctx, def, path + ".defaults", "currency", &p->default_currency);
    GetString(ctx, def, path + ".defaults", "ship_to", &p->default_ship_to);
  }
  const YAML::Node th = n["throttle"];
  if (th.IsDefined() && !th.IsNull() &&
      CheckMap(ctx, th, path + ".throttle", {"rate_per_second", "max_in_flight"})) {
    GetNumber(ctx, th, path + ".throttle", "rate_per_second", &p->throttle_rate_per_second, 0.0,
              1e6);
    GetNumber(ctx, th, path + ".throttle", "max_in_flight", &p->throttle_max_in_flight, 0, 10000);
  }
}

void ReadPartner(const Ctx& ctx, const YAML::Node& n, const std::string& path, Partner* p) {
  if (!CheckMap(ctx, n, path,
                {"id",        "name",        "kind",         "formats", "max_body_bytes",
                 "strategic", "x12",         "documents",    "xref",    "uom",
                 "items",     "rules",       "csv",          "json",    "transport",
                 "sla",       "defaults",    "throttle",     "match",   "warehouse_preference",
                 "credit",    "fulfillment", "substitutions"})) {
    return;
  }
  ReadPartnerProfile(ctx, n, path, p);
  {
    YAML::Node copy = YAML::Clone(n);
    if (copy["transport"].IsMap() && copy["transport"]["secret"].IsDefined()) {
      copy["transport"]["secret"] = "(masked)";
    }
    if (copy["transport"].IsMap() && copy["transport"]["password"].IsDefined()) {
      copy["transport"]["password"] = "(masked)";
    }
    YAML::Emitter em;
    em << copy;
    p->yaml = em.c_str();
  }
  GetString(ctx, n, path, "id", &p->id, p->id.empty());
  if (!p->id.empty() && !ValidId(p->id)) {
    ctx.Err(n["id"].IsDefined() ? n["id"] : n, path + ".id",
            "'" + p->id + "' is not a valid id (lowercase letters, digits, '.', '_', '-')");
  }
  GetString(ctx, n, path, "name", &p->name);
  if (p->name.empty()) p->name = p->id;
  if (GetString(ctx, n, path, "kind", &p->kind, true)) {
    static const std::set<std::string> kKinds{"supplier", "customer", "carrier", "warehouse",
                                              "3pl",      "planning", "channel", "erp"};
    if (!kKinds.count(p->kind)) {
      ctx.Err(n["kind"], path + ".kind",
              "must be one of supplier, customer, carrier, warehouse, 3pl, planning, channel, erp");
    }
  }
  if (GetStringList(ctx, n, path, "formats", &p->formats)) {
    static const std::set<std::string> kFormats{"x12", "csv", "json"};
    for (const auto& f : p->formats) {
      if (!kFormats.count(f)) {
        ctx.Err(n["formats"], path + ".formats", "unknown format '" + f + "' (x12, csv, json)");
      }
    }
  } else {
    ctx.Err(n, path + ".formats", "required key missing");
  }
  GetNumber<int64_t>(ctx, n, path, "max_body_bytes", &p->max_body_bytes, 1, 1024LL * 1024 * 1024);
  p->source = ctx.file + ":" + std::to_string(n.Mark().line + 1);
}

void ReadDestination(const Ctx& ctx, const YAML::Node& n, const std::string& path, Destination* d) {
  if (!CheckMap(ctx, n, path,
                {"id", "type", "url", "secret", "secret_env", "events", "partners", "headers",
                 "max_in_flight", "rate_per_second", "burst", "timeout_ms", "retry"})) {
    return;
  }
  if (GetString(ctx, n, path, "id", &d->id, true) && !ValidId(d->id)) {
    ctx.Err(n["id"], path + ".id", "'" + d->id + "' is not a valid id");
  }
  if (GetString(ctx, n, path, "type", &d->type) && d->type != "webhook") {
    ctx.Err(n["type"], path + ".type", "unknown destination type '" + d->type + "' (webhook)");
  }
  if (GetString(ctx, n, path, "url", &d->url, true) &&
      !(d->url.rfind("http://", 0) == 0 || d->url.rfind("https://", 0) == 0)) {
    ctx.Err(n["url"], path + ".url", "must start with http:// or https://");
  }
  std::string env;
  const bool has_secret = GetString(ctx, n, path, "secret", &d->secret);
  if (GetString(ctx, n, path, "secret_env", &env)) {
    if (has_secret)
      ctx.Err(n["secret_env"], path + ".secret_env", "give secret or secret_env, not both");
    const char* v = std::getenv(env.c_str());
    if (v == nullptr || *v == '\0') {
      ctx.Err(n["secret_env"], path + ".secret_env", "environment variable " + env + " is not set");
    } else {
      d->secret = v;
    }
  }
  if (d->secret.empty()) {
    ctx.Err(n, path + ".secret", "required key missing (webhooks are always signed)");
  }
  if (!GetStringList(ctx, n, path, "events", &d->events)) d->events = {"*"};
  GetStringList(ctx, n, path, "partners", &d->partners);
  const YAML::Node h = n["headers"];
  if (h.IsDefined() && !h.IsNull()) {
    if (!h.IsMap()) {
      ctx.Err(h, path + ".headers", "must be a mapping of header name to value");
    } else {
      for (auto it = h.begin(); it != h.end(); ++it) {
        d->headers[it->first.as<std::string>("")] = it->second.as<std::string>("");
      }
    }
  }
  GetNumber(ctx, n, path, "max_in_flight", &d->max_in_flight, 1, 1024);
  GetNumber(ctx, n, path, "rate_per_second", &d->rate_per_second, 0.0, 1e6);
  GetNumber(ctx, n, path, "burst", &d->burst, 0.0, 1e6);
  if (d->burst <= 0) d->burst = std::max(1.0, d->rate_per_second);
  int64_t ms;
  if (GetNumber<int64_t>(ctx, n, path, "timeout_ms", &ms, 1, 600'000)) d->timeout = Millis(ms);
  if (n["retry"].IsDefined()) ReadRetry(ctx, n["retry"], path + ".retry", &d->retry);
}

void ReadAlertRule(const Ctx& ctx, const YAML::Node& n, const std::string& path, AlertRule* r) {
  if (!CheckMap(ctx, n, path,
                {"id", "measure", "op", "threshold", "window_minutes", "partners", "source",
                 "exception_type", "strategic_only", "severity", "notify", "description"})) {
    return;
  }
  if (GetString(ctx, n, path, "id", &r->id, true) && !ValidId(r->id)) {
    ctx.Err(n["id"], path + ".id", "must be 1-64 of [a-z0-9._-], starting with a letter or digit");
  }
  if (GetString(ctx, n, path, "measure", &r->measure, true)) {
    const auto& known = KnownMeasures();
    if (std::find(known.begin(), known.end(), r->measure) == known.end()) {
      ctx.Err(n["measure"], path + ".measure",
              "unknown measure '" + r->measure + "' (known: " + Join(known) + ")");
    }
  }
  if (GetString(ctx, n, path, "op", &r->op)) {
    static const std::vector<std::string> ops = {">", ">=", "<", "<=", "==", "!="};
    if (std::find(ops.begin(), ops.end(), r->op) == ops.end()) {
      ctx.Err(n["op"], path + ".op", "must be one of " + Join(ops));
    }
  }
  GetNumber(ctx, n, path, "threshold", &r->threshold, -1e15, 1e15, true);
  GetNumber(ctx, n, path, "window_minutes", &r->window_minutes, 1, 7 * 24 * 60);
  GetStringList(ctx, n, path, "partners", &r->partners);
  GetString(ctx, n, path, "source", &r->source);
  GetString(ctx, n, path, "exception_type", &r->exception_type);
  GetBool(ctx, n, path, "strategic_only", &r->strategic_only);
  if (GetString(ctx, n, path, "severity", &r->severity) && r->severity != "info" &&
      r->severity != "warning" && r->severity != "critical") {
    ctx.Err(n["severity"], path + ".severity", "must be info, warning or critical");
  }
  GetStringList(ctx, n, path, "notify", &r->notify);
  GetString(ctx, n, path, "description", &r->description);
}

struct Seen {
  std::set<std::string> sections;
};

void ReadDocument(const Ctx& ctx, const YAML::Node& root, Config* cfg, Seen* seen) {
  if (root.IsNull()) return;
  if (!CheckMap(ctx, root, "",
                {"server", "store", "engine", "log", "tokens", "partners", "destinations", "hub",
                 "items", "locations", "replenishment", "publication", "alerts"})) {
    return;
  }
  for (const char* single : {"server", "store", "engine", "log", "hub", "publication"}) {
    if (root[single].IsDefined()) {
      if (!seen->sections.insert(single).second) {
        ctx.Err(root[single], single, "section given in more than one file");
      }
    }
  }
  if (root["server"].IsDefined()) ReadServer(ctx, root["server"], &cfg->server);
  if (root["store"].IsDefined()) ReadStore(ctx, root["store"], &cfg->store);
  if (root["engine"].IsDefined()) ReadEngine(ctx, root["engine"], &cfg->engine);
  if (root["log"].IsDefined()) ReadLog(ctx, root["log"], &cfg->log);
  auto read_list = [&](const char* key, auto fn) {
    const YAML::Node l = root[key];
    if (!l.IsDefined() || l.IsNull()) return;
    if (!l.IsSequence()) {
      ctx.Err(l, key, "must be a list");
      return;
    }
    for (size_t i = 0; i < l.size(); ++i)
      fn(l[i], std::string(key) + "[" + std::to_string(i) + "]");
  };
  read_list("tokens", [&](const YAML::Node& n, const std::string& p) {
    Token t;
    ReadToken(ctx, n, p, &t);
    cfg->tokens.push_back(std::move(t));
  });
  read_list("partners", [&](const YAML::Node& n, const std::string& p) {
    Partner x;
    ReadPartner(ctx, n, p, &x);
    cfg->partners.push_back(std::move(x));
  });
  if (root["hub"].IsDefined()) {
    const YAML::Node h = root["hub"];
    if (CheckMap(ctx, h, "hub", {"isa_qualifier", "isa_id", "gs_id"})) {
      GetString(ctx, h, "hub", "isa_qualifier", &cfg->hub.isa_qualifier);
      GetString(ctx, h, "hub", "isa_id", &cfg->hub.isa_id);
      GetString(ctx, h, "hub", "gs_id", &cfg->hub.gs_id);
      if (cfg->hub.isa_qualifier.size() != 2) {
        ctx.Err(h["isa_qualifier"], "hub.isa_qualifier", "must be 2 characters");
      }
      if (cfg->hub.isa_id.empty() || cfg->hub.isa_id.size() > 15) {
        ctx.Err(h["isa_id"], "hub.isa_id", "must be 1 to 15 characters");
      }
    }
  }
  read_list("items", [&](const YAML::Node& n, const std::string& p) {
    if (!CheckMap(ctx, n, p,
                  {"sku", "description", "gtin", "base_uom", "active", "conversions", "moq",
                   "pack_multiple", "list_price", "currency"})) {
      return;
    }
    CatalogItem it;
    GetString(ctx, n, p, "sku", &it.sku, true);
    GetString(ctx, n, p, "description", &it.description);
    GetString(ctx, n, p, "gtin", &it.gtin);
    GetString(ctx, n, p, "base_uom", &it.base_uom);
    GetBool(ctx, n, p, "active", &it.active);
    ForEach(ctx, n, p, "conversions", [&](const YAML::Node& c, const std::string& cp) {
      if (!CheckMap(ctx, c, cp, {"from", "to", "factor"})) return;
      UomConversionRule r;
      GetString(ctx, c, cp, "from", &r.from, true);
      GetString(ctx, c, cp, "to", &r.to);
      if (r.to.empty()) r.to = it.base_uom;
      GetDecimal(ctx, c, cp, "factor", &r.factor, true);
      r.sku = it.sku;
      it.conversions.push_back(std::move(r));
    });
    GetDecimal(ctx, n, p, "moq", &it.moq);
    GetDecimal(ctx, n, p, "pack_multiple", &it.pack_multiple);
    GetDecimal(ctx, n, p, "list_price", &it.list_price);
    GetString(ctx, n, p, "currency", &it.currency);
    cfg->items.push_back(std::move(it));
  });
  if (root["publication"].IsDefined()) {
    const YAML::Node pb = root["publication"];
    if (CheckMap(ctx, pb, "publication",
                 {"enabled", "interval_ms", "threshold_percent", "low_stock", "channels"})) {
      cfg->publication.enabled = true;
      GetBool(ctx, pb, "publication", "enabled", &cfg->publication.enabled);
      GetNumber(ctx, pb, "publication", "interval_ms", &cfg->publication.interval_ms, 50,
                3'600'000);
      GetDecimal(ctx, pb, "publication", "threshold_percent", &cfg->publication.threshold_percent);
      GetDecimal(ctx, pb, "publication", "low_stock", &cfg->publication.low_stock);
      GetStringList(ctx, pb, "publication", "channels", &cfg->publication.channels);
    }
  }
  read_list("replenishment", [&](const YAML::Node& n, const std::string& p) {
    if (!CheckMap(ctx, n, p,
                  {"sku", "warehouse", "supplier", "demand_per_day", "lead_time_days",
                   "safety_stock", "order_up_to", "approval_threshold"})) {
      return;
    }
    ReplenishmentPolicy r;
    GetString(ctx, n, p, "sku", &r.sku, true);
    GetString(ctx, n, p, "warehouse", &r.warehouse, true);
    GetString(ctx, n, p, "supplier", &r.supplier, true);
    GetDecimal(ctx, n, p, "demand_per_day", &r.demand_per_day, true);
    GetDecimal(ctx, n, p, "lead_time_days", &r.lead_time_days);
    GetDecimal(ctx, n, p, "safety_stock", &r.safety_stock);
    GetDecimal(ctx, n, p, "order_up_to", &r.order_up_to, true);
    GetDecimal(ctx, n, p, "approval_threshold", &r.approval_threshold);
    cfg->replenishment.push_back(std::move(r));
  });
  read_list("locations", [&](const YAML::Node& n, const std::string& p) {
    if (!CheckMap(ctx, n, p, {"id", "kind", "name", "party", "active"})) return;
    CatalogLocation l;
    GetString(ctx, n, p, "id", &l.id, true);
    if (GetString(ctx, n, p, "kind", &l.kind) && l.kind != "warehouse" && l.kind != "ship_to") {
      ctx.Err(n["kind"], p + ".kind", "must be warehouse or ship_to");
    }
    GetString(ctx, n, p, "name", &l.name);
    GetString(ctx, n, p, "party", &l.party);
    GetBool(ctx, n, p, "active", &l.active);
    cfg->locations.push_back(std::move(l));
  });
  read_list("destinations", [&](const YAML::Node& n, const std::string& p) {
    Destination d;
    ReadDestination(ctx, n, p, &d);
    cfg->destinations.push_back(std::move(d));
  });
  read_list("alerts", [&](const YAML::Node& n, const std::string& p) {
    AlertRule r;
    ReadAlertRule(ctx, n, p, &r);
    cfg->alerts.push_back(std::move(r));
  });
}

bool ParseYaml(const std::string& text, const std::string& file, YAML::Node* out,
               std::vector<std::string>* errors) {
  try {
    *out = YAML::Load(text);
    return true;
  } catch (const YAML::Exception& e) {
    std::ostringstream os;
    os << file << ":" << e.mark.line + 1 << ":" << e.mark.column + 1
       << ": YAML syntax error: " << e.msg;
    errors->push_back(os.str());
    return false;
  }
}

void CrossCheck(Config* cfg, std::vector<std::string>* errors) {
  std::set<std::string> ids;
  for (const auto& p : cfg->partners) {
    if (!p.id.empty() && !ids.insert(p.id).second) {
      errors->push_back(p.source + ": partners: partner id '" + p.id + "' defined twice");
    }
  }
  std::set<std::string> skus, locs;
  for (const auto& i : cfg->items) {
    if (!skus.insert(i.sku).second) {
      errors->push_back(cfg->source + ": items: sku '" + i.sku + "' defined twice");
    }
  }
  for (const auto& l : cfg->locations) {
    if (!locs.insert(l.id).second) {
      errors->push_back(cfg->source + ": locations: id '" + l.id + "' defined twice");
    }
  }
  for (const auto& p : cfg->partners) {
    for (const auto& x : p.item_xref) {
      if (!cfg->items.empty() && !skus.count(x.sku)) {
        errors->push_back(p.source + ": partner " + p.id + " xref.items: sku '" + x.sku +
                          "' is not in the item catalog");
      }
    }
    for (const auto& x : p.location_xref) {
      if (!cfg->locations.empty() && !locs.count(x.id)) {
        errors->push_back(p.source + ": partner " + p.id + " xref.locations: '" + x.id +
                          "' is not a configured location");
      }
    }
    for (const auto& r : p.documents) {
      if (std::find(p.formats.begin(), p.formats.end(), r.format) == p.formats.end()) {
        errors->push_back(p.source + ": partner " + p.id + " documents: " + r.type +
                          " uses format " + r.format + ", which is not in the partner's formats");
      }
    }
  }
  for (const auto& p : cfg->partners) {
    if (p.transport.type != "tryton") continue;
    if (p.kind != "erp") {
      errors->push_back(p.source + ": partner " + p.id +
                        " transport.type: tryton is for partners "
                        "of kind erp (this one is " +
                        p.kind + ")");
    }
    for (const auto& w : p.transport.warehouses) {
      const CatalogLocation* l = cfg->FindLocation(w.id);
      if (!l || l->kind != "warehouse") {
        errors->push_back(p.source + ": partner " + p.id + " transport.warehouses." + w.code +
                          ": '" + w.id + "' is not a configured warehouse");
      }
    }
    for (const auto& m : p.transport.parties) {
      if (!ids.count(m.id)) {
        errors->push_back(p.source + ": partner " + p.id + " transport.parties." + m.code +
                          ": unknown partner '" + m.id + "'");
      }
    }
  }
  for (const auto& r : cfg->replenishment) {
    const Partner* sup = cfg->FindPartner(r.supplier);
    if (!sup) {
      errors->push_back(cfg->source + ": replenishment " + r.sku + "@" + r.warehouse +
                        ": unknown supplier '" + r.supplier + "'");
    } else if (!sup->FindRoute("purchase_order", "out")) {
      errors->push_back(cfg->source + ": replenishment " + r.sku + "@" + r.warehouse +
                        ": supplier '" + r.supplier + "' has no outbound purchase_order route");
    }
    if (!cfg->items.empty() && !skus.count(r.sku)) {
      errors->push_back(cfg->source + ": replenishment: sku '" + r.sku + "' is not in the catalog");
    }
    if (!cfg->locations.empty() && !locs.count(r.warehouse)) {
      errors->push_back(cfg->source + ": replenishment: warehouse '" + r.warehouse +
                        "' is not a configured location");
    }
  }
  std::set<std::string> dest_ids;
  for (const auto& d : cfg->destinations) {
    if (!dest_ids.insert(d.id).second) {
      errors->push_back(cfg->source + ": destinations: destination id '" + d.id +
                        "' defined twice");
    }
    for (const auto& p : d.partners) {
      if (!ids.count(p)) {
        errors->push_back(cfg->source + ": destinations." + d.id + ".partners: unknown partner '" +
                          p + "'");
      }
    }
  }
  std::set<std::string> alert_ids;
  for (const auto& a : cfg->alerts) {
    if (!a.id.empty() && !alert_ids.insert(a.id).second) {
      errors->push_back(cfg->source + ": alerts: rule id '" + a.id + "' defined twice");
    }
    for (const auto& p : a.partners) {
      if (!ids.count(p)) {
        errors->push_back(cfg->source + ": alerts." + a.id + ".partners: unknown partner '" + p +
                          "'");
      }
    }
    if (!a.source.empty() && !ids.count(a.source)) {
      errors->push_back(cfg->source + ": alerts." + a.id + ".source: unknown partner '" + a.source +
                        "'");
    }
    for (const auto& d : a.notify) {
      if (!dest_ids.count(d)) {
        errors->push_back(cfg->source + ": alerts." + a.id + ".notify: unknown destination '" + d +
                          "'");
      }
    }
  }
  std::set<std::string> hashes;
  for (const auto& t : cfg->tokens) {
    if (t.role == Role::kPartner && !t.partner.empty() && !ids.count(t.partner)) {
      errors->push_back(cfg->source + ": tokens." + t.name + ".partner: unknown partner '" +
                        t.partner + "'");
    }
    if (!t.sha256.empty() && !hashes.insert(t.sha256).second) {
      errors->push_back(cfg->source + ": tokens." + t.name + ": the same token hash is used twice");
    }
  }
}

Result<Config> Finish(Config cfg, std::vector<std::string> errors) {
  CrossCheck(&cfg, &errors);
  if (!errors.empty()) {
    std::string msg = std::to_string(errors.size()) + " configuration error" +
                      (errors.size() == 1 ? "" : "s") + ":";
    for (const auto& e : errors) msg += "\n  " + e;
    return Error(Code::kConfig, msg);
  }
  return cfg;
}

}  // namespace

const std::vector<std::string>& KnownMeasures() {
  static const std::vector<std::string> k = {"overdue_acks",
                                             "po_ack_latency_p50_seconds",
                                             "po_ack_latency_p95_seconds",
                                             "partner_sla_compliance",
                                             "inventory_sync_lag_seconds",
                                             "order_acceptance_rate",
                                             "shipment_completeness_rate",
                                             "invoice_posting_success_rate",
                                             "exceptions_open",
                                             "exception_age_seconds",
                                             "dead_letters",
                                             "dead_letters_open",
                                             "retries",
                                             "queue_depth"};
  return k;
}

namespace {

bool ReadFile(const fs::path& p, std::string* out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

}  // namespace

std::string_view RoleName(Role r) {
  switch (r) {
    case Role::kAdmin:
      return "admin";
    case Role::kOperator:
      return "operator";
    case Role::kViewer:
      return "viewer";
    case Role::kPartner:
      return "partner";
  }
  return "viewer";
}

const Partner* Config::FindPartner(std::string_view id) const {
  for (const auto& p : partners) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

const CatalogItem* Config::FindItem(std::string_view sku) const {
  for (const auto& i : items) {
    if (i.sku == sku) return &i;
  }
  return nullptr;
}

const ReplenishmentPolicy* Config::FindPolicy(std::string_view sku,
                                              std::string_view warehouse) const {
  for (const auto& r : replenishment) {
    if (r.sku == sku && r.warehouse == warehouse) return &r;
  }
  return nullptr;
}

const Partner* Config::Erp() const {
  for (const auto& p : partners) {
    if (p.kind == "erp") return &p;
  }
  return nullptr;
}

const CatalogLocation* Config::FindLocation(std::string_view id) const {
  for (const auto& l : locations) {
    if (l.id == id) return &l;
  }
  return nullptr;
}

const DocumentRoute* Partner::FindRoute(std::string_view type, std::string_view direction) const {
  for (const auto& r : documents) {
    if (r.type == type && r.direction == direction) return &r;
  }
  return nullptr;
}

const DocumentRoute* Partner::FindRouteBySet(std::string_view set,
                                             std::string_view direction) const {
  for (const auto& r : documents) {
    if (r.format == "x12" && r.set == set && r.direction == direction) return &r;
  }
  return nullptr;
}

const CsvMapping* Partner::FindCsv(std::string_view type) const {
  for (const auto& m : csv) {
    if (m.type == type) return &m;
  }
  return nullptr;
}

const JsonMapping* Partner::FindJson(std::string_view type) const {
  for (const auto& m : json) {
    if (m.type == type) return &m;
  }
  return nullptr;
}

const Destination* Config::FindDestination(std::string_view id) const {
  for (const auto& d : destinations) {
    if (d.id == id) return &d;
  }
  return nullptr;
}

Result<Config> LoadFromString(const std::string& yaml, const std::string& file_name) {
  Config cfg;
  cfg.source = file_name;
  std::vector<std::string> errors;
  YAML::Node root;
  Seen seen;
  if (ParseYaml(yaml, file_name, &root, &errors)) {
    ReadDocument(Ctx{file_name, &errors}, root, &cfg, &seen);
  }
  return Finish(std::move(cfg), std::move(errors));
}

Result<Config> Load(const std::string& path) {
  std::error_code ec;
  const fs::path root(path);
  if (!fs::exists(root, ec)) {
    return Error(Code::kConfig, "configuration path does not exist: " + path);
  }
  if (!fs::is_directory(root, ec)) {
    std::string text;
    if (!ReadFile(root, &text)) return Error(Code::kConfig, "cannot read " + path);
    return LoadFromString(text, path);
  }
  Config cfg;
  cfg.source = path;
  std::vector<std::string> errors;
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(root, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const auto ext = it->path().extension().string();
    if (it->is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  Seen seen;
  for (const auto& f : files) {
    const std::string name = f.string();
    std::string text;
    if (!ReadFile(f, &text)) {
      errors.push_back(name + ": cannot read");
      continue;
    }
    YAML::Node doc;
    if (!ParseYaml(text, name, &doc, &errors)) continue;
    const Ctx ctx{name, &errors};
    const bool is_partner_file = f.parent_path().filename() == "partners";
    // Only files directly under the root or its partners/ folder are configuration; samples and
    // other data may live in other subfolders.
    const bool top_level = f.parent_path() == root;
    if (is_partner_file) {
      Partner p;
      p.id = f.stem().string();
      const std::string stem = p.id;
      ReadPartner(ctx, doc, "partner", &p);
      if (p.id != stem) {
        ctx.Err(doc["id"], "partner.id",
                "id '" + p.id + "' must match the file name '" + stem + "'");
      }
      cfg.partners.push_back(std::move(p));
    } else if (top_level) {
      ReadDocument(ctx, doc, &cfg, &seen);
    }
  }
  if (files.empty()) errors.push_back(path + ": no *.yaml files in the configuration directory");
  return Finish(std::move(cfg), std::move(errors));
}

}  // namespace crossdock::config
